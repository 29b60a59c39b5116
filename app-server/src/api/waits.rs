//! The waitlist.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use reservation_core::catalog::CategoryCode;
use reservation_core::{SeatCount, ShowId, Wait, WaitId, WaitRequest, WaitStatus};
use serde::Deserialize;

use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::session::Session;
use crate::state::AppState;

#[derive(Deserialize)]
pub(crate) struct Join {
    count: SeatCount,
    category: Option<CategoryCode>,
}

pub(crate) async fn join(
    State(state): State<AppState>,
    session: Session,
    ApiPath(show): ApiPath<ShowId>,
    ApiJson(body): ApiJson<Join>,
) -> Result<(StatusCode, Json<Wait>), ApiError> {
    let request = WaitRequest {
        show,
        holder: session.0,
        count: body.count,
        category: body.category,
    };
    Ok((
        StatusCode::CREATED,
        Json(state.engine.join_waitlist(&request).await?),
    ))
}

pub(crate) async fn status(
    State(state): State<AppState>,
    session: Session,
    ApiPath(wait): ApiPath<WaitId>,
) -> Result<Json<WaitStatus>, ApiError> {
    Ok(Json(state.engine.wait_status(wait, session.0).await?))
}

pub(crate) async fn cancel(
    State(state): State<AppState>,
    session: Session,
    ApiPath(wait): ApiPath<WaitId>,
) -> Result<StatusCode, ApiError> {
    state.engine.cancel_wait(wait, session.0).await?;
    Ok(StatusCode::NO_CONTENT)
}
