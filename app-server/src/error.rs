//! API errors: every failure is JSON with a stable `code`, a `message` a
//! person can act on, and (for some) `details`; the status is 4xx for
//! anything the client did wrong. Internal failures are logged, not shown.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use reservation_core::ShowId;
use reservation_core::catalog::CatalogError;
use reservation_core::catalog::search::SearchError;
use reservation_core::ticket_code::TicketCodeError;
use reservation_core::waiting_room::{AdmissionError, RoomError};
use reservation_core::{InputError, ReservationError};
use serde::Serialize;

/// An error response.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    details: Option<serde_json::Value>,
    /// Seconds a client should wait before trying again (`Retry-After`).
    retry_after: Option<u64>,
}

/// How long clients are asked to wait when the service is unavailable.
pub(crate) const UNAVAILABLE_RETRY_AFTER_SECONDS: u64 = 2;

/// Every error response.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Error)]
pub(crate) struct Body {
    error: Inner,
}

/// What went wrong.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ErrorDetail)]
pub(crate) struct Inner {
    /// Stable machine-readable code, such as `seats_taken`.
    code: &'static str,
    /// What happened and what to do, for people.
    message: String,
    /// More, for some codes (the taken seats of `seats_taken`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    details: Option<serde_json::Value>,
}

impl ApiError {
    /// An error with a status, a stable code and a message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            details: None,
            retry_after: None,
        }
    }

    /// The same asking the client to wait `seconds` before trying again.
    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// 503 `unavailable` for a failure that is not the client's and should
    /// pass (the database is unreachable or slow), with `Retry-After`.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
            .with_retry_after(UNAVAILABLE_RETRY_AFTER_SECONDS)
    }

    /// A request that is malformed (bad JSON, path or query).
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// Something failed inside; the cause is logged, not shown.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(%cause, "request failed");
        Self::unavailable(
            "the ticket system cannot be reached right now; please try again in a moment (seats you hold stay yours until their hold expires)",
        )
    }

    /// A refusal of a hold or wait on `show`: an admission refusal (403)
    /// links to the show's waiting room, where a pass is given.
    pub(crate) fn on_show(error: ReservationError, show: ShowId) -> Self {
        let admission = matches!(error, ReservationError::Admission(_));
        let api = Self::from(error);
        if !admission {
            return api;
        }
        api.with_details(serde_json::json!({
            "room": format!("/api/v1/shows/{show}/room"),
            "page": format!("/shows/{show}/room"),
        }))
    }

    pub(crate) fn with_details(mut self, details: impl Serialize) -> Self {
        self.details = serde_json::to_value(details).ok();
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The stable error code.
    pub fn code(&self) -> &'static str {
        self.code
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body {
            error: Inner {
                code: self.code,
                message: self.message,
                details: self.details,
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl From<ReservationError> for ApiError {
    fn from(error: ReservationError) -> Self {
        use ReservationError as E;
        use StatusCode as S;
        let message = error.to_string();
        let (status, code) = match &error {
            E::UnknownShow(_) => (S::NOT_FOUND, "unknown_show"),
            E::UnknownSeat(_) => (S::UNPROCESSABLE_ENTITY, "unknown_seat"),
            E::SeatOfAnotherShow { .. } => (S::UNPROCESSABLE_ENTITY, "seat_of_another_show"),
            E::Input(InputError::DuplicateSeat(_)) => (S::UNPROCESSABLE_ENTITY, "duplicate_seat"),
            E::Input(InputError::InvalidSeatCount(_)) => {
                (S::UNPROCESSABLE_ENTITY, "invalid_seat_count")
            }
            E::Input(_) => (S::UNPROCESSABLE_ENTITY, "invalid_input"),
            E::UnknownCategory(_) => (S::UNPROCESSABLE_ENTITY, "unknown_category"),
            E::SeatsTaken(conflicts) => {
                return Self::new(S::CONFLICT, "seats_taken", message).with_details(conflicts);
            }
            E::NotEnoughSeats { .. } => (S::CONFLICT, "not_enough_seats"),
            E::OverHolderLimit { .. } => (S::CONFLICT, "over_holder_limit"),
            E::InvalidHoldToken => (S::NOT_FOUND, "unknown_hold"),
            E::HoldConfirmed(booking) => {
                return Self::new(S::CONFLICT, "hold_confirmed", message).with_details(
                    serde_json::json!({
                        "booking": format!("/api/v1/bookings/{booking}"),
                        "page": format!("/bookings/{booking}"),
                    }),
                );
            }
            E::HoldExpired => (S::GONE, "hold_expired"),
            E::PaymentDeclined(_) => (S::PAYMENT_REQUIRED, "payment_declined"),
            E::PaymentUnavailable(_) => (S::SERVICE_UNAVAILABLE, "payment_unavailable"),
            E::UnknownBooking(_) => (S::NOT_FOUND, "unknown_booking"),
            E::BookingAlreadyCancelled(_) => (S::CONFLICT, "booking_already_cancelled"),
            E::UnknownWait(_) => (S::NOT_FOUND, "unknown_wait"),
            E::AlreadyWaiting(_) => (S::CONFLICT, "already_waiting"),
            E::SeatsAvailable { .. } => (S::CONFLICT, "seats_available"),
            E::SoldOut => (S::CONFLICT, "sold_out"),
            E::SalesClosed { .. } => (S::CONFLICT, "sales_closed"),
            E::StartsInPast { .. } => (S::UNPROCESSABLE_ENTITY, "starts_in_the_past"),
            E::EventsGone { .. } => (S::GONE, "events_gone"),
            E::Admission(refused) => (S::FORBIDDEN, admission_code(refused)),
            E::Storage(cause) => return Self::internal(cause),
            // A refusal this server does not know yet: still the client's.
            other if other.is_refusal() => (S::CONFLICT, "refused"),
            other => return Self::internal(other),
        };
        Self::new(status, code, message)
    }
}

/// The stable code of each way an admission pass is refused.
fn admission_code(refused: &AdmissionError) -> &'static str {
    match refused {
        AdmissionError::Required => "admission_required",
        AdmissionError::Malformed => "admission_malformed",
        AdmissionError::OtherShow => "admission_other_show",
        AdmissionError::NotYours => "admission_not_yours",
        AdmissionError::Expired(_) => "admission_expired",
        _ => "admission_refused",
    }
}

/// Waiting-room refusals. A show without a room on answers `no_room` with
/// 404 (there is no such room to join; its seats are on sale directly).
impl From<RoomError> for ApiError {
    fn from(error: RoomError) -> Self {
        use StatusCode as S;
        let message = error.to_string();
        let (status, code) = match &error {
            RoomError::UnknownShow(_) => (S::NOT_FOUND, "unknown_show"),
            RoomError::NoRoom(_) => (S::NOT_FOUND, "no_room"),
            RoomError::LobbyNotOpen { opens_at } => {
                return Self::new(S::CONFLICT, "lobby_not_open", message)
                    .with_details(serde_json::json!({ "opens_at": rfc3339(*opens_at) }));
            }
            RoomError::NotInLine => (S::NOT_FOUND, "not_in_line"),
            RoomError::SalesClosed { .. } => (S::CONFLICT, "sales_closed"),
            RoomError::Config(_) => (S::UNPROCESSABLE_ENTITY, "invalid_room_config"),
            RoomError::Storage(cause) => return Self::internal(cause),
            _ => (S::CONFLICT, "room_refused"),
        };
        Self::new(status, code, message)
    }
}

fn rfc3339(at: time::OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

impl From<TicketCodeError> for ApiError {
    fn from(error: TicketCodeError) -> Self {
        let code = match error {
            TicketCodeError::Malformed => "malformed_ticket_code",
            TicketCodeError::BadSignature => "forged_ticket_code",
            _ => "invalid_ticket_code",
        };
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, error.to_string())
    }
}

impl From<CatalogError> for ApiError {
    fn from(error: CatalogError) -> Self {
        match &error {
            CatalogError::Unknown { .. } => {
                Self::new(StatusCode::NOT_FOUND, "not_found", error.to_string())
            }
            CatalogError::Storage(cause) => Self::internal(cause),
            CatalogError::VenueCityFixed { .. } => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "venue_city_fixed",
                error.to_string(),
            ),
            _ => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_catalog_data",
                error.to_string(),
            ),
        }
    }
}

impl From<SearchError> for ApiError {
    fn from(error: SearchError) -> Self {
        let code = match &error {
            SearchError::InvalidCursor => "invalid_cursor",
            SearchError::InvalidPageSize(_) => "invalid_page_size",
            SearchError::TextTooLong => "text_too_long",
            SearchError::InvalidRadius => "invalid_radius",
            SearchError::EmptyDateRange => "empty_date_range",
            SearchError::DaysNeedCity => "days_need_city",
            SearchError::Storage(cause) => return Self::internal(cause),
            _ => "invalid_search",
        };
        Self::bad_request(code, error.to_string())
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let status = rejection.status();
        let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
            "body_too_large"
        } else {
            "invalid_json"
        };
        Self::new(
            if status.is_client_error() {
                status
            } else {
                StatusCode::BAD_REQUEST
            },
            code,
            rejection.body_text(),
        )
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        Self::bad_request("invalid_path", rejection.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        Self::bad_request("invalid_query", rejection.body_text())
    }
}
