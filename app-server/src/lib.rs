//! The Seatwise demo server: the storefront pages (app-web's Leptos
//! components, rendered here and hydrated in the browser) and their server
//! functions, the REST API under `/api/v1`, a show's live changes as
//! Server-Sent Events, the on-sale waiting rooms, and anonymous sessions.
//! Everything goes through `reservation-core`'s public API, on the
//! in-memory store with demo data or on PostgreSQL.
//!
//! # Layout
//!
//! - [`app`] (here): one router for the pages, their server functions
//!   (under `/_server`), the API, the health check and the static files,
//!   with security headers on every response.
//! - `config`: flags and environment (clap); `server`: builds the stores
//!   and state, runs the sweeper and the waiting rooms' pacer, serves until
//!   shutdown.
//! - `api`: one module per resource, and the OpenAPI document; `error`:
//!   JSON errors with stable codes (every code listed in `error::catalogue`);
//!   `extract`: extractors whose rejections are JSON; `body`: how a JSON
//!   body's faults are told.
//! - `health`: `/healthz` and `/readyz`, and the 503s while the server
//!   starts or its database does not answer in time.
//! - `proxy`: the client behind trusted reverse proxies;
//! - `session`: the anonymous session cookie (also the pages' visitor);
//!   `rate_limit`: the limits on creating holds, attached to the routes
//!   that create them (the API's hold route, and the pages' hold server
//!   functions through app-web's [`app_web::HoldGate`]); `state`: what
//!   handlers share.
//! - `demo`: the generated demo catalog and its waiting-room show.

mod api;
mod body;
pub mod config;
pub mod demo;
mod error;
mod extract;
mod health;
mod proxy;
mod rate_limit;
pub mod server;
mod session;
mod state;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::routing::{get, post};
use leptos::prelude::provide_context;
use leptos_axum::LeptosRoutes;
use tower_http::set_header::SetResponseHeaderLayer;

pub use api::admin::{AdminToken, WeakToken};
pub use error::ApiError;
pub use health::Health;
pub use proxy::TrustedProxies;
pub use rate_limit::HoldRates;
pub use session::{COOKIE as SESSION_COOKIE, Session};
pub use state::AppState;

pub use leptos::config::LeptosOptions;

/// Where the pages' static files (`pkg/`: the WASM bundle, its loader, the
/// CSS) are served from.
pub fn site(site_root: &str) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("app_web")
        .site_root(site_root)
        .site_pkg_dir("pkg")
        .build()
}

/// The whole HTTP application: the pages, their server functions, the REST
/// API and the health check, over `state`, with static files from `site`.
pub fn app(state: AppState, site: LeptosOptions) -> Router {
    let backend = app_web::Backend {
        catalog: state.catalog.clone(),
        engine: state.engine.clone(),
        tickets: state.tickets.clone(),
        holds: state.hold_limits.clone(),
    };
    let context = move || provide_context(backend.clone());
    let server_fns = {
        let context = context.clone();
        move |request: Request| {
            leptos_axum::handle_server_fns_with_context(context.clone(), request)
        }
    };
    let shell = {
        let site = site.clone();
        move || app_web::app::shell(site.clone())
    };
    let pages = Router::new()
        .route("/_server/{*function}", post(server_fns))
        .leptos_routes_with_context(
            &site,
            leptos_axum::generate_route_list(app_web::app::App),
            context,
            shell,
        )
        .fallback(leptos_axum::file_and_error_handler(app_web::app::shell))
        .with_state(site);
    let app = Router::new()
        .nest(
            "/api/v1",
            api::routes(state.clone())
                .fallback(not_found)
                .method_not_allowed_fallback(method_not_allowed)
                .layer(DefaultBodyLimit::max(BODY_LIMIT)),
        )
        .route("/healthz", get(health::alive))
        .route(
            "/readyz",
            get(health::ready).with_state(state.health.clone()),
        )
        .with_state(state.clone())
        .merge(pages)
        .layer(axum::middleware::from_fn(session::ensure_session))
        .layer(axum::middleware::from_fn_with_state(
            state.proxies,
            proxy::client_origin,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.health,
            health::guard,
        ));
    SECURITY_HEADERS
        .into_iter()
        .fold(app, |app, (name, value)| {
            app.layer(SetResponseHeaderLayer::overriding(
                name,
                HeaderValue::from_static(value),
            ))
        })
        .layer(tower_http::trace::TraceLayer::new_for_http())
}

/// Headers every response carries: no MIME sniffing, no framing (pages add
/// a Content-Security-Policy of their own), no referrer to other sites.
const SECURITY_HEADERS: [(header::HeaderName, &str); 3] = [
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::REFERRER_POLICY, "same-origin"),
];

/// The largest request body the API reads: a hold of 10 seat ids is about
/// 400 bytes.
const BODY_LIMIT: usize = 16 * 1024;

pub(crate) async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "no_such_route", "no such API route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not take that method (see the Allow header)",
    )
}
