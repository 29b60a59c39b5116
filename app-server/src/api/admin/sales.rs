//! A show's sales, for organizers: pause, resume, move, cancel. Each
//! answers with the show's sales state; cancelling again is harmless.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use reservation_core::catalog::Show;
use reservation_core::{CancelReason, SalesState, ShowId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::state::AppState;

/// A show's sales state after an organizer's change.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct Sales {
    show: ShowId,
    sales: SalesState,
}

#[utoipa::path(post, path = "/api/v1/admin/shows/{show}/pause", tag = "admin", params(("show" = ShowId, Path)), security(("organizer" = [])), responses((status = 200, body = Sales), (status = 401, description = "No or wrong organizer token", body = crate::error::Body), (status = 404, description = "Unknown show", body = crate::error::Body), (status = 409, description = "The show is cancelled or has started", body = crate::error::Body)))]
pub(crate) async fn pause(
    State(state): State<AppState>,
    ApiPath(show): ApiPath<ShowId>,
) -> Result<Json<Sales>, ApiError> {
    let sales = state.engine.pause_sales(show).await?;
    Ok(Json(Sales { show, sales }))
}

#[utoipa::path(post, path = "/api/v1/admin/shows/{show}/resume", tag = "admin", params(("show" = ShowId, Path)), security(("organizer" = [])), responses((status = 200, body = Sales), (status = 401, description = "No or wrong organizer token", body = crate::error::Body), (status = 404, description = "Unknown show", body = crate::error::Body), (status = 409, description = "The show is cancelled or has started", body = crate::error::Body)))]
pub(crate) async fn resume(
    State(state): State<AppState>,
    ApiPath(show): ApiPath<ShowId>,
) -> Result<Json<Sales>, ApiError> {
    let sales = state.engine.resume_sales(show).await?;
    Ok(Json(Sales { show, sales }))
}

/// Why the show is called off, as buyers are told (1-200 characters).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Cancellation {
    #[schema(min_length = 1, max_length = 200)]
    reason: String,
}

#[utoipa::path(post, path = "/api/v1/admin/shows/{show}/cancel", tag = "admin", params(("show" = ShowId, Path)), request_body = Cancellation, security(("organizer" = [])), responses((status = 200, description = "Cancelled: every booking cancelled and refunded once, every hold and wait ended", body = Sales), (status = 401, description = "No or wrong organizer token", body = crate::error::Body), (status = 404, description = "Unknown show", body = crate::error::Body), (status = 422, description = "No reason given", body = crate::error::Body)))]
pub(crate) async fn cancel(
    State(state): State<AppState>,
    ApiPath(show): ApiPath<ShowId>,
    ApiJson(body): ApiJson<Cancellation>,
) -> Result<Json<Sales>, ApiError> {
    let reason =
        CancelReason::parse(&body.reason).map_err(reservation_core::ReservationError::from)?;
    let sales = state.engine.cancel_show(show, &reason).await?;
    Ok(Json(Sales { show, sales }))
}

/// The show's new start.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Move {
    /// RFC 3339; in the future.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    starts_at: OffsetDateTime,
}

#[utoipa::path(post, path = "/api/v1/admin/shows/{show}/reschedule", tag = "admin", params(("show" = ShowId, Path)), request_body = Move, security(("organizer" = [])), responses((status = 200, description = "Moved: holders and bookers get a `rescheduled` event", body = Show), (status = 401, description = "No or wrong organizer token", body = crate::error::Body), (status = 404, description = "Unknown show", body = crate::error::Body), (status = 409, description = "The show is cancelled", body = crate::error::Body), (status = 422, description = "A start in the past", body = crate::error::Body)))]
pub(crate) async fn reschedule(
    State(state): State<AppState>,
    ApiPath(show): ApiPath<ShowId>,
    ApiJson(body): ApiJson<Move>,
) -> Result<(StatusCode, Json<Show>), ApiError> {
    state.engine.reschedule(show, body.starts_at).await?;
    Ok((StatusCode::OK, Json(state.catalog.show(show).await?)))
}
