//! The OpenAPI document of every route, generated from the handlers' and
//! the library types' annotations.

use axum::Json;
use utoipa::OpenApi;

use super::{catalog, events, holds, shows, tickets, waits};

/// The API's OpenAPI 3 document.
#[derive(OpenApi)]
#[openapi(
    info(title = "Seatwise API", description = "Browse, search, hold seats, pay, wait. Errors are JSON with a stable code."),
    paths(
        catalog::cities,
        catalog::events_in_city,
        catalog::events_at_venue,
        catalog::event,
        catalog::search,
        shows::show,
        shows::seat_map,
        events::stream,
        holds::create,
        holds::status,
        holds::release,
        holds::confirm,
        holds::booking,
        holds::cancel_booking,
        tickets::verify,
        waits::join,
        waits::status,
        waits::cancel,
        document,
    ),
    components(schemas(reservation_core::catalog::search::SearchSort)),
    tags(
        (name = "catalog", description = "Cities, events, venues, search"),
        (name = "shows", description = "A show, its seat map and its live changes"),
        (name = "holds", description = "Holds, payment and bookings"),
        (name = "waits", description = "The first-come-first-served waitlist"),
    )
)]
pub(crate) struct ApiDoc;

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "catalog", responses((status = 200, description = "The OpenAPI document", content_type = "application/json")))]
pub(crate) async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
