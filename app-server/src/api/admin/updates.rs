//! Correcting the catalog: `PUT` replaces a city, venue, performer or event
//! with the body its creation takes, keeping the id in the path. Each
//! answers 200 with what it stored; an id in the path that does not exist
//! is 404, an unknown reference in the body 422 `unknown_reference`. Search
//! finds the new names on every instance within a second.

use std::fmt::Display;

use axum::Json;
use axum::extract::State;
use reservation_core::catalog::{CatalogError, City, Event, Performer, Venue};
use reservation_core::{CityId, EventId, PerformerId, VenueId};

use super::catalog::{NewCity, NewEvent, NewPerformer, NewVenue, refused};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::state::AppState;

/// Maps a refused update of `kind` `id`: that entity unknown is 404 (the
/// route names it), anything else as creation maps it.
fn updating(kind: &'static str, id: impl Display) -> impl FnOnce(CatalogError) -> ApiError {
    let id = id.to_string();
    move |error| match &error {
        CatalogError::Unknown { kind: k, id: i } if *k == kind && *i == id => error.into(),
        _ => refused(error),
    }
}

#[utoipa::path(put, path = "/api/v1/admin/cities/{city}", tag = "admin", params(("city" = CityId, Path)), request_body = NewCity, security(("organizer" = [])), responses((status = 200, body = City), (status = 401, description = "No or wrong organizer token", body = crate::error::Body), (status = 404, description = "Unknown city", body = crate::error::Body), (status = 422, description = "Bad input", body = crate::error::Body)))]
pub(crate) async fn update_city(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<CityId>,
    ApiJson(new): ApiJson<NewCity>,
) -> Result<Json<City>, ApiError> {
    let city = new.into_city(id)?;
    state
        .catalog_admin
        .update_city(city.clone())
        .await
        .map_err(updating("city", id))?;
    Ok(Json(city))
}

/// A venue stays in its city (its shows belong to it): another `city` is
/// 422 `venue_city_fixed`. Its time zone may change: its shows keep their
/// instants, so their local start times move with the zone.
#[utoipa::path(put, path = "/api/v1/admin/venues/{venue}", tag = "admin", params(("venue" = VenueId, Path)), request_body = NewVenue, security(("organizer" = [])), responses((status = 200, body = Venue), (status = 401, description = "No or wrong organizer token", body = crate::error::Body), (status = 404, description = "Unknown venue", body = crate::error::Body), (status = 422, description = "Another city (`venue_city_fixed`) or bad input", body = crate::error::Body)))]
pub(crate) async fn update_venue(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<VenueId>,
    ApiJson(new): ApiJson<NewVenue>,
) -> Result<Json<Venue>, ApiError> {
    // Before the body's city is looked up: the venue is the route, and
    // another city is refused as such even when it does not exist.
    let city = state.catalog.venue(id).await?.city;
    if new.city() != city {
        return Err(CatalogError::VenueCityFixed { venue: id, city }.into());
    }
    let venue = new.into_venue(id, &state).await?;
    state
        .catalog_admin
        .update_venue(venue.clone())
        .await
        .map_err(updating("venue", id))?;
    Ok(Json(venue))
}

#[utoipa::path(put, path = "/api/v1/admin/performers/{performer}", tag = "admin", params(("performer" = PerformerId, Path)), request_body = NewPerformer, security(("organizer" = [])), responses((status = 200, body = Performer), (status = 401, description = "No or wrong organizer token", body = crate::error::Body), (status = 404, description = "Unknown performer", body = crate::error::Body), (status = 422, description = "Bad input", body = crate::error::Body)))]
pub(crate) async fn update_performer(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<PerformerId>,
    ApiJson(new): ApiJson<NewPerformer>,
) -> Result<Json<Performer>, ApiError> {
    let performer = new.into_performer(id)?;
    state
        .catalog_admin
        .update_performer(performer.clone())
        .await
        .map_err(updating("performer", id))?;
    Ok(Json(performer))
}

/// The event's shows stay.
#[utoipa::path(put, path = "/api/v1/admin/events/{event}", tag = "admin", params(("event" = EventId, Path)), request_body = NewEvent, security(("organizer" = [])), responses((status = 200, body = Event), (status = 401, description = "No or wrong organizer token", body = crate::error::Body), (status = 404, description = "Unknown event", body = crate::error::Body), (status = 422, description = "Unknown performer or bad input", body = crate::error::Body)))]
pub(crate) async fn update_event(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<EventId>,
    ApiJson(new): ApiJson<NewEvent>,
) -> Result<Json<Event>, ApiError> {
    let event = new.into_event(id)?;
    state
        .catalog_admin
        .update_event(event.clone())
        .await
        .map_err(updating("event", id))?;
    Ok(Json(event))
}
