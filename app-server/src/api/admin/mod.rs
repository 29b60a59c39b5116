//! The organizer API under `/api/v1/admin`: put on cities, venues, halls
//! (from a seating-layout document), performers, events and shows on a
//! running server, correct cities, venues, performers and events, and
//! pause, resume, move or cancel a show's sales. It is off unless an admin
//! token is configured; every
//! request to it, to any path under it, must carry `Authorization: Bearer
//! TOKEN` (compared in constant time), or it gets 401 and no hint whether
//! the route exists.

pub(crate) mod catalog;
mod layout;
pub(crate) mod sales;
mod token;
pub(crate) mod updates;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{post, put};

use crate::error::ApiError;
use crate::state::AppState;

use catalog::{
    create_city, create_event, create_hall, create_performer, create_show, create_venue,
};
pub use token::{AdminToken, WeakToken};

/// Largest admin request body: a 100,000-seat layout document.
const BODY_LIMIT: usize = 16 * 1024 * 1024;

/// The admin routes, behind the token.
pub(crate) fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/cities", post(create_city))
        .route("/cities/{city}", put(updates::update_city))
        .route("/venues", post(create_venue))
        .route("/venues/{venue}", put(updates::update_venue))
        .route("/venues/{venue}/halls", post(create_hall))
        .route("/performers", post(create_performer))
        .route("/performers/{performer}", put(updates::update_performer))
        .route("/events", post(create_event))
        .route("/events/{event}", put(updates::update_event))
        .route("/shows", post(create_show))
        .route("/shows/{show}/pause", post(sales::pause))
        .route("/shows/{show}/resume", post(sales::resume))
        .route("/shows/{show}/reschedule", post(sales::reschedule))
        .route("/shows/{show}/cancel", post(sales::cancel))
        .fallback(crate::not_found)
        // Layouts of big halls are big; only organizers get this far.
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(from_fn_with_state(state, require_token))
}

/// Middleware: lets through only requests with the configured token.
async fn require_token(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    let allowed = match (&state.admin, presented) {
        (Some(token), Some(presented)) => token.matches(presented),
        _ => false,
    };
    if allowed {
        return next.run(request).await;
    }
    let mut refusal = ApiError::new(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "this needs an organizer token: Authorization: Bearer TOKEN",
    )
    .into_response();
    refusal
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    refusal
}
