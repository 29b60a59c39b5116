//! The waitlist.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use reservation_core::catalog::CategoryCode;
use reservation_core::{SeatCount, ShowId, Wait, WaitId, WaitRequest, WaitStatus};
use serde::Deserialize;

use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::session::Session;
use crate::state::AppState;

/// What to wait for.
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct Join {
    count: SeatCount,
    category: Option<CategoryCode>,
}

/// Joins the waitlist; behind a waiting room, only with its admission pass
/// (as for holds).
#[utoipa::path(post, operation_id = "join_waitlist",
    path = "/api/v1/shows/{show}/waits", tag = "waits", params(("show" = ShowId, Path), ("Seatwise-Admission" = Option<String>, Header, description = "The admission pass from the show's waiting room (or the `seatwise_admission` cookie)")), request_body = Join, responses((status = 201, body = Wait), (status = 403, description = "The show's waiting room has not admitted you (`admission_*`); `details` links to the room", body = crate::error::Body), (status = 404, description = "Not found", body = crate::error::Body), (status = 409, description = "Refused: seats taken, limit reached, ...", body = crate::error::Body), (status = 422, description = "Invalid request", body = crate::error::Body)))]
pub(crate) async fn join(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    ApiPath(show): ApiPath<ShowId>,
    ApiJson(body): ApiJson<Join>,
) -> Result<(StatusCode, Json<Wait>), ApiError> {
    let pass = app_web::admission::pass(&headers);
    let request = WaitRequest::new(show, session.0, body.count).with_category(body.category);
    Ok((
        StatusCode::CREATED,
        Json(
            state
                .engine
                .join_waitlist_admitted(&request, pass.as_deref())
                .await
                .map_err(|e| ApiError::on_show(e, show))?,
        ),
    ))
}

#[utoipa::path(get, operation_id = "wait_status",
    path = "/api/v1/waits/{wait}", tag = "waits", params(("wait" = WaitId, Path)), responses((status = 200, body = WaitStatus), (status = 404, description = "Not found", body = crate::error::Body)))]
pub(crate) async fn status(
    State(state): State<AppState>,
    session: Session,
    ApiPath(wait): ApiPath<WaitId>,
) -> Result<Json<WaitStatus>, ApiError> {
    Ok(Json(state.engine.wait_status(wait, session.0).await?))
}

#[utoipa::path(delete, operation_id = "cancel_wait",
    path = "/api/v1/waits/{wait}", tag = "waits", params(("wait" = WaitId, Path)), responses((status = 204, description = "Left the line"), (status = 404, description = "Not found", body = crate::error::Body)))]
pub(crate) async fn cancel(
    State(state): State<AppState>,
    session: Session,
    ApiPath(wait): ApiPath<WaitId>,
) -> Result<StatusCode, ApiError> {
    state.engine.cancel_wait(wait, session.0).await?;
    Ok(StatusCode::NO_CONTENT)
}
