//! API errors: every failure is JSON with a stable `code`, a `message` a
//! person can act on, and (for some) `details`; the status is 4xx for
//! anything the client did wrong. Internal failures are logged, not shown.

use app_web::refusal::codes;
use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use reservation_core::ReservationError;
use reservation_core::ShowId;
use reservation_core::catalog::CatalogError;
use reservation_core::catalog::search::SearchError;
use reservation_core::ticket_code::TicketCodeError;
use reservation_core::waiting_room::RoomError;
use serde::Serialize;

pub(crate) mod catalogue;

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
pub(crate) use codes::UNAVAILABLE_RETRY_AFTER_SECONDS;

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
    /// Stable machine-readable code, such as `seats_taken`: one of the
    /// list in the OpenAPI document (see `catalogue`).
    code: &'static str,
    /// What happened and what to do, for people.
    message: String,
    /// More, for some codes (the taken seats of `seats_taken`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    details: Option<serde_json::Value>,
    /// Seconds to wait before trying again, as in `Retry-After` (for
    /// clients, such as the pages, that do not read headers).
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_after: Option<u64>,
}

impl ApiError {
    /// An error with a status, a stable code and a message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        debug_assert!(
            catalogue::is_listed(code),
            "error code `{code}` is not in the catalogue"
        );
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

    /// A well-formed request whose content is refused (422).
    pub(crate) fn unprocessable(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
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

    /// Code, message and details, for unit tests of how errors are told.
    #[cfg(test)]
    pub(crate) fn parts(&self) -> (&'static str, String, serde_json::Value) {
        let details = self.details.clone().unwrap_or_default();
        (self.code, self.message.clone(), details)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body {
            error: Inner {
                code: self.code,
                message: self.message,
                details: self.details,
                retry_after: self.retry_after,
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

/// The status and code come from app-web's shared table, so the pages'
/// server functions answer each refusal as the API does.
impl From<ReservationError> for ApiError {
    fn from(error: ReservationError) -> Self {
        let Some((status, code)) = codes::of(&error) else {
            return Self::internal(&error);
        };
        let refusal = Self::new(status, code, error.to_string());
        match error {
            ReservationError::SeatsTaken(conflicts) => refusal.with_details(conflicts),
            ReservationError::HoldConfirmed(booking) => refusal.with_details(serde_json::json!({
                "booking": format!("/api/v1/bookings/{booking}"),
                "page": format!("/bookings/{booking}"),
            })),
            _ => refusal,
        }
    }
}

/// Waiting-room refusals. A show without a room on answers `no_room` with
/// 404 (there is no such room to join; its seats are on sale directly).
impl From<RoomError> for ApiError {
    fn from(error: RoomError) -> Self {
        let Some((status, code)) = codes::of_room(&error) else {
            return Self::internal(&error);
        };
        let refusal = Self::new(status, code, error.to_string());
        match error {
            RoomError::LobbyNotOpen { opens_at } => {
                refusal.with_details(serde_json::json!({ "opens_at": rfc3339(opens_at) }))
            }
            _ => refusal,
        }
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
        match codes::of_catalog(&error) {
            Some((status, code)) => Self::new(status, code, error.to_string()),
            None => Self::internal(&error),
        }
    }
}

impl From<SearchError> for ApiError {
    fn from(error: SearchError) -> Self {
        match codes::of_search(&error) {
            Some(code) => Self::bad_request(code, error.to_string()),
            None => Self::internal(&error),
        }
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
