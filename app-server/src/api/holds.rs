//! Holds, payment and bookings.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use reservation_core::payment::CardNumber;
use reservation_core::{
    Booking, BookingId, Hold, HoldRequest, HoldToken, ReservationError, SeatSelection, ShowId,
};
use serde::Deserialize;

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
pub(crate) async fn create(
    State(state): State<AppState>,
    session: Session,
    ApiPath(show): ApiPath<ShowId>,
    ApiJson(seats): ApiJson<SeatSelection>,
) -> Result<(StatusCode, Json<Hold>), ApiError> {
    let hold = state
        .engine
        .hold(&HoldRequest {
            show,
            holder: session.0,
            seats,
        })
        .await?;
    Ok((StatusCode::CREATED, Json(hold)))
}

pub(crate) async fn status(
    State(state): State<AppState>,
    session: Session,
    ApiPath(text): ApiPath<String>,
) -> Result<Json<Hold>, ApiError> {
    Ok(Json(
        state.engine.hold_status(&token(&text)?, session.0).await?,
    ))
}

pub(crate) async fn release(
    State(state): State<AppState>,
    session: Session,
    ApiPath(text): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    state.engine.release(&token(&text)?, session.0).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub(crate) struct Payment {
    card_number: CardNumber,
}

pub(crate) async fn confirm(
    State(state): State<AppState>,
    session: Session,
    ApiPath(text): ApiPath<String>,
    ApiJson(payment): ApiJson<Payment>,
) -> Result<Json<Booking>, ApiError> {
    Ok(Json(
        state
            .engine
            .confirm(&token(&text)?, session.0, payment.card_number)
            .await?,
    ))
}

pub(crate) async fn booking(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<BookingId>,
) -> Result<Json<Booking>, ApiError> {
    Ok(Json(state.engine.booking(id, session.0).await?))
}

pub(crate) async fn cancel_booking(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<BookingId>,
) -> Result<Json<Booking>, ApiError> {
    Ok(Json(state.engine.cancel_booking(id, session.0).await?))
}
