//! The REST API under `/api/v1`: one module per resource.

pub(crate) mod admin;
mod catalog;
mod events;
mod holds;
mod me;
mod openapi;
mod room;
mod shows;
mod tickets;
mod waits;
mod zoned;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};

use crate::rate_limit::limit_holds;
use crate::state::AppState;

/// The `/api/v1` routes; the routes that create holds are limited by the
/// state's hold limits, and the organizer routes need its admin token.
pub(crate) fn routes(state: AppState) -> Router<AppState> {
    let hold_limits = state.hold_limits.clone();
    Router::new()
        .nest("/admin", admin::routes(state))
        .route("/cities", get(catalog::cities))
        .route("/cities/{city}/events", get(catalog::events_in_city))
        .route("/venues/{venue}/events", get(catalog::events_at_venue))
        .route("/events/{event}", get(catalog::event))
        .route("/search", get(catalog::search))
        .route("/shows/{show}", get(shows::show))
        .route("/shows/{show}/seats", get(shows::seat_map))
        .route("/shows/{show}/events", get(events::stream))
        .route(
            "/shows/{show}/holds",
            post(holds::create).route_layer(from_fn_with_state(hold_limits, limit_holds)),
        )
        .route("/shows/{show}/waits", post(waits::join))
        .route(
            "/shows/{show}/room",
            post(room::join).get(room::status).delete(room::leave),
        )
        .route("/holds/{token}", get(holds::status).delete(holds::release))
        .route("/holds/{token}/confirm", post(holds::confirm))
        .route("/holds/{token}/extend", post(holds::extend))
        .route(
            "/bookings/{booking}",
            get(holds::booking).delete(holds::cancel_booking),
        )
        .route("/me/tickets", get(me::tickets))
        .route("/tickets/verify", post(tickets::verify))
        .route("/waits/{wait}", get(waits::status).delete(waits::cancel))
        .route("/openapi.json", get(openapi::document))
}
