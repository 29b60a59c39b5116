//! The Seatwise demo server: the REST API under `/api/v1`, a show's live
//! changes as Server-Sent Events, anonymous sessions, and (next) the Leptos
//! pages. Everything goes through `reservation-core`'s public API, on the
//! in-memory store with demo data or on PostgreSQL.
//!
//! # Layout
//!
//! - `config`: flags and environment (clap); `server`: builds the store and
//!   state, runs the sweeper, serves until shutdown.
//! - `api`: one module per resource; `error`: JSON errors with stable codes;
//!   `extract`: extractors whose rejections are JSON; `session`: the
//!   anonymous session cookie; `state`: what handlers share.
//! - `demo`: the generated demo catalog.

mod api;
pub mod config;
pub mod demo;
mod error;
mod extract;
pub mod server;
mod session;
mod state;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;

pub use error::ApiError;
pub use session::{COOKIE as SESSION_COOKIE, Session};
pub use state::AppState;

/// The whole HTTP application over `state`.
pub fn app(state: AppState) -> Router {
    Router::new()
        .nest("/api/v1", api::routes().fallback(not_found))
        .route("/healthz", get(|| async { "ok" }))
        .layer(axum::middleware::from_fn(session::ensure_session))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "no_such_route", "no such API route")
}
