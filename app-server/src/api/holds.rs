//! Holds, payment and bookings.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use reservation_core::payment::CardNumber;
use reservation_core::{
    BookingId, Hold, HoldRequest, HoldToken, ReservationError, SeatSelection, ShowId,
};
use serde::Deserialize;

use super::tickets::SignedBooking;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::session::Session;
use crate::state::AppState;

/// A hold token from the path; a malformed one is as unknown as a wrong one.
fn token(text: &str) -> Result<HoldToken, ApiError> {
    text.parse()
        .map_err(|_| ReservationError::InvalidHoldToken.into())
}

/// `{"seats": [ids]}` or `{"best_available": {"count": n, "filter": {...}}}`.
/// On a show whose waiting room is on, only with the admission pass the
/// room gave (the `Seatwise-Admission` header or the `seatwise_admission`
/// cookie); refusals are 403 with a link to the room in `details`.
#[utoipa::path(post, operation_id = "create_hold",
    path = "/api/v1/shows/{show}/holds", tag = "holds", params(("show" = ShowId, Path), ("Seatwise-Admission" = Option<String>, Header, description = "The admission pass from the show's waiting room (or the `seatwise_admission` cookie)")), request_body = SeatSelection, responses((status = 201, body = Hold), (status = 403, description = "The show's waiting room has not admitted you: `admission_required`, `admission_malformed`, `admission_other_show`, `admission_not_yours`, `admission_expired`; `details.room` and `details.page` link to the room", body = crate::error::Body), (status = 404, description = "Not found", body = crate::error::Body), (status = 409, description = "Refused: seats taken, limit reached, ...", body = crate::error::Body), (status = 422, description = "Invalid request", body = crate::error::Body)))]
pub(crate) async fn create(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    ApiPath(show): ApiPath<ShowId>,
    ApiJson(seats): ApiJson<SeatSelection>,
) -> Result<(StatusCode, Json<Hold>), ApiError> {
    let pass = app_web::admission::pass(&headers);
    let request = HoldRequest::new(show, session.0, seats);
    let hold = state
        .engine
        .hold_admitted(&request, pass.as_deref())
        .await
        .map_err(|e| ApiError::on_show(e, show))?;
    Ok((StatusCode::CREATED, Json(hold)))
}

#[utoipa::path(get, operation_id = "hold_status",
    path = "/api/v1/holds/{token}", tag = "holds", params(("token" = String, Path)), responses((status = 200, body = Hold), (status = 404, description = "Not found", body = crate::error::Body), (status = 410, description = "The hold expired", body = crate::error::Body)))]
pub(crate) async fn status(
    State(state): State<AppState>,
    session: Session,
    ApiPath(text): ApiPath<String>,
) -> Result<Json<Hold>, ApiError> {
    Ok(Json(
        state.engine.hold_status(&token(&text)?, session.0).await?,
    ))
}

/// More time to pay: the policy allows a few extensions per hold (by
/// default one of 2 minutes); `extensions_left` in the answer says how many
/// remain.
#[utoipa::path(post, operation_id = "extend_hold",
    path = "/api/v1/holds/{token}/extend", tag = "holds", params(("token" = String, Path)), responses((status = 200, body = Hold), (status = 404, description = "Not found", body = crate::error::Body), (status = 409, description = "No extension is left (`no_extensions_left`), the hold is paid for (`hold_confirmed`), or its show was cancelled (`sales_closed`)", body = crate::error::Body), (status = 410, description = "The hold expired", body = crate::error::Body)))]
pub(crate) async fn extend(
    State(state): State<AppState>,
    session: Session,
    ApiPath(text): ApiPath<String>,
) -> Result<Json<Hold>, ApiError> {
    Ok(Json(
        state.engine.extend_hold(&token(&text)?, session.0).await?,
    ))
}

#[utoipa::path(delete, operation_id = "release_hold",
    path = "/api/v1/holds/{token}", tag = "holds", params(("token" = String, Path)), responses((status = 204, description = "Released"), (status = 404, description = "Not found", body = crate::error::Body), (status = 409, description = "The hold is paid for (`hold_confirmed`; `details.booking` and `details.page` link the booking), or its show was cancelled (`sales_closed`)", body = crate::error::Body), (status = 410, description = "The hold expired", body = crate::error::Body)))]
pub(crate) async fn release(
    State(state): State<AppState>,
    session: Session,
    ApiPath(text): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    state.engine.release(&token(&text)?, session.0).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A card payment.
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct Payment {
    card_number: CardNumber,
}

#[utoipa::path(post, operation_id = "confirm_hold",
    path = "/api/v1/holds/{token}/confirm", tag = "holds", params(("token" = String, Path)), request_body = Payment, responses((status = 200, body = SignedBooking), (status = 402, description = "Declined", body = crate::error::Body), (status = 404, description = "Not found", body = crate::error::Body), (status = 409, description = "The show's sales are closed (it was cancelled)", body = crate::error::Body), (status = 410, description = "The hold expired", body = crate::error::Body), (status = 422, description = "Invalid request", body = crate::error::Body)))]
pub(crate) async fn confirm(
    State(state): State<AppState>,
    session: Session,
    ApiPath(text): ApiPath<String>,
    ApiJson(payment): ApiJson<Payment>,
) -> Result<Json<SignedBooking>, ApiError> {
    let booking = state
        .engine
        .confirm(&token(&text)?, session.0, payment.card_number)
        .await?;
    Ok(Json(SignedBooking::new(booking, &state.tickets)))
}

#[utoipa::path(get, operation_id = "get_booking",
    path = "/api/v1/bookings/{booking}", tag = "holds", params(("booking" = BookingId, Path)), responses((status = 200, body = SignedBooking), (status = 404, description = "Not found", body = crate::error::Body)))]
pub(crate) async fn booking(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<BookingId>,
) -> Result<Json<SignedBooking>, ApiError> {
    let booking = state.engine.booking(id, session.0).await?;
    Ok(Json(SignedBooking::new(booking, &state.tickets)))
}

#[utoipa::path(delete, operation_id = "cancel_booking",
    path = "/api/v1/bookings/{booking}", tag = "holds", params(("booking" = BookingId, Path)), responses((status = 200, body = SignedBooking), (status = 404, description = "Not found", body = crate::error::Body), (status = 409, description = "Refused: seats taken, limit reached, ...", body = crate::error::Body)))]
pub(crate) async fn cancel_booking(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<BookingId>,
) -> Result<Json<SignedBooking>, ApiError> {
    let booking = state.engine.cancel_booking(id, session.0).await?;
    Ok(Json(SignedBooking::new(booking, &state.tickets)))
}
