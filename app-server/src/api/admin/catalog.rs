//! Creating the catalog: cities, venues, halls, performers, events, shows.
//! Each answers 201 with what it created (and its new id); a reference to
//! something that does not exist is 422 `unknown_reference`, naming it.
//! The bodies of cities, venues, performers and events are parsed here for
//! [`updates`](super::updates) too: an update is the same body.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use reservation_core::catalog::CategoryCode;
use reservation_core::catalog::{
    CatalogError, City, Event, EventKind, GeoPoint, Performer, PriceList, Show, TimeZone, Venue,
};
use reservation_core::{CityId, Currency, EventId, HallId, Money, PerformerId, VenueId};
use serde::Deserialize;
use time::OffsetDateTime;

use super::layout::{HallDocument, NewHall};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::state::AppState;

/// Longest name or title accepted.
const MAX_NAME: usize = 200;

/// A name that is neither blank nor absurdly long.
fn name(field: &'static str, text: String) -> Result<String, ApiError> {
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed.chars().count() > MAX_NAME {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            format!("{field} must be 1 to {MAX_NAME} characters"),
        ));
    }
    Ok(trimmed.to_owned())
}

/// A catalog refusal of what the body refers to: an unknown entity named
/// in the body is the request's fault (422), not a missing route (404).
pub(super) fn refused(error: CatalogError) -> ApiError {
    match error {
        CatalogError::Unknown { kind, id } => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_reference",
            format!("unknown {kind} {id}"),
        ),
        CatalogError::Duplicate { .. } => {
            ApiError::new(StatusCode::CONFLICT, "already_exists", error.to_string())
        }
        other => other.into(),
    }
}

/// A new city.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewCity {
    #[schema(min_length = 1, max_length = 200)]
    name: String,
    /// ISO 3166 country code or name.
    #[schema(min_length = 1, max_length = 200)]
    country: String,
    location: GeoPoint,
    /// Its IANA time zone (search's days are its local days); UTC when
    /// left out.
    #[serde(default)]
    time_zone: Option<TimeZone>,
}

impl NewCity {
    /// The city with id `id` this body describes, checked.
    pub(super) fn into_city(self, id: CityId) -> Result<City, ApiError> {
        Ok(City::new(
            name("name", self.name)?,
            name("country", self.country)?,
            self.location,
        )
        .with_id(id)
        .with_time_zone(self.time_zone.unwrap_or_default()))
    }
}

#[utoipa::path(post, path = "/api/v1/admin/cities", tag = "admin", request_body = NewCity, security(("organizer" = [])), responses((status = 201, body = City), (status = 401, description = "No or wrong organizer token", body = crate::error::Body), (status = 422, description = "Bad input", body = crate::error::Body)))]
pub(crate) async fn create_city(
    State(state): State<AppState>,
    ApiJson(new): ApiJson<NewCity>,
) -> Result<(StatusCode, Json<City>), ApiError> {
    let city = new.into_city(CityId::random())?;
    state
        .catalog_admin
        .add_city(city.clone())
        .await
        .map_err(refused)?;
    Ok((StatusCode::CREATED, Json(city)))
}

/// A new venue in a city.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewVenue {
    city: CityId,
    #[schema(min_length = 1, max_length = 200)]
    name: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    postal_code: String,
    location: GeoPoint,
    /// Its IANA time zone (its shows start on its clocks); its city's when
    /// left out.
    #[serde(default)]
    time_zone: Option<TimeZone>,
}

impl NewVenue {
    /// The city the body names.
    pub(super) fn city(&self) -> CityId {
        self.city
    }

    /// The venue with id `id` this body describes, checked; in its city's
    /// zone when the body names none.
    pub(super) async fn into_venue(self, id: VenueId, state: &AppState) -> Result<Venue, ApiError> {
        let zone = match self.time_zone {
            Some(zone) => zone,
            None => {
                state
                    .catalog
                    .city(self.city)
                    .await
                    .map_err(refused)?
                    .time_zone
            }
        };
        Ok(
            Venue::new(self.city, name("name", self.name)?, self.location)
                .with_id(id)
                .with_address(self.address.trim(), self.postal_code.trim())
                .with_time_zone(zone),
        )
    }
}

#[utoipa::path(post, path = "/api/v1/admin/venues", tag = "admin", request_body = NewVenue, security(("organizer" = [])), responses((status = 201, body = Venue), (status = 401, description = "No or wrong organizer token", body = crate::error::Body), (status = 422, description = "Unknown city or bad input", body = crate::error::Body)))]
pub(crate) async fn create_venue(
    State(state): State<AppState>,
    ApiJson(new): ApiJson<NewVenue>,
) -> Result<(StatusCode, Json<Venue>), ApiError> {
    let venue = new.into_venue(VenueId::random(), &state).await?;
    state
        .catalog_admin
        .add_venue(venue.clone())
        .await
        .map_err(refused)?;
    Ok((StatusCode::CREATED, Json(venue)))
}

#[utoipa::path(post, path = "/api/v1/admin/venues/{venue}/halls", tag = "admin", params(("venue" = VenueId, Path)), request_body = HallDocument, security(("organizer" = [])), responses((status = 201, body = NewHall), (status = 401, description = "No or wrong organizer token", body = crate::error::Body), (status = 404, description = "Unknown venue", body = crate::error::Body), (status = 422, description = "The layout is refused; `details.seat` names the offending seat", body = crate::error::Body)))]
pub(crate) async fn create_hall(
    State(state): State<AppState>,
    ApiPath(venue): ApiPath<VenueId>,
    ApiJson(document): ApiJson<HallDocument>,
) -> Result<(StatusCode, Json<NewHall>), ApiError> {
    // The venue is the route: unknown, it is 404.
    state.catalog.venue(venue).await?;
    let hall = document.into_hall(HallId::random(), venue)?;
    let created = NewHall::of(&hall);
    state.catalog_admin.add_hall(hall).await.map_err(refused)?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// A new performer.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewPerformer {
    #[schema(min_length = 1, max_length = 200)]
    name: String,
}

impl NewPerformer {
    /// The performer with id `id` this body describes, checked.
    pub(super) fn into_performer(self, id: PerformerId) -> Result<Performer, ApiError> {
        Ok(Performer::new(name("name", self.name)?).with_id(id))
    }
}

#[utoipa::path(post, path = "/api/v1/admin/performers", tag = "admin", request_body = NewPerformer, security(("organizer" = [])), responses((status = 201, body = Performer), (status = 401, description = "No or wrong organizer token", body = crate::error::Body), (status = 422, description = "Bad input", body = crate::error::Body)))]
pub(crate) async fn create_performer(
    State(state): State<AppState>,
    ApiJson(new): ApiJson<NewPerformer>,
) -> Result<(StatusCode, Json<Performer>), ApiError> {
    let performer = new.into_performer(PerformerId::random())?;
    state
        .catalog_admin
        .add_performer(performer.clone())
        .await
        .map_err(refused)?;
    Ok((StatusCode::CREATED, Json(performer)))
}

/// A new event (a movie, a concert, a play...).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewEvent {
    kind: EventKind,
    #[schema(min_length = 1, max_length = 200)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    genres: Vec<String>,
    #[serde(default)]
    performers: Vec<PerformerId>,
    /// Running time (1 to 1440 minutes).
    #[schema(minimum = 1, maximum = 1440)]
    duration_minutes: u32,
    #[serde(default)]
    rating: Option<String>,
}

impl NewEvent {
    /// The event with id `id` this body describes, checked (its performers
    /// are the store's to check).
    pub(super) fn into_event(self, id: EventId) -> Result<Event, ApiError> {
        if !(1..=1440).contains(&self.duration_minutes) {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_input",
                "duration_minutes must be 1 to 1440",
            ));
        }
        let genres = self
            .genres
            .into_iter()
            .map(|genre| name("genre", genre))
            .collect::<Result<Vec<_>, _>>()?;
        let mut event = Event::new(self.kind, name("title", self.title)?)
            .with_id(id)
            .with_description(self.description.trim())
            .with_genres(genres)
            .with_performers(self.performers)
            .with_duration_minutes(self.duration_minutes);
        if let Some(rating) = self.rating {
            event = event.with_rating(name("rating", rating)?);
        }
        Ok(event)
    }
}

#[utoipa::path(post, path = "/api/v1/admin/events", tag = "admin", request_body = NewEvent, security(("organizer" = [])), responses((status = 201, body = Event), (status = 401, description = "No or wrong organizer token", body = crate::error::Body), (status = 422, description = "Unknown performer or bad input", body = crate::error::Body)))]
pub(crate) async fn create_event(
    State(state): State<AppState>,
    ApiJson(new): ApiJson<NewEvent>,
) -> Result<(StatusCode, Json<Event>), ApiError> {
    let event = new.into_event(EventId::random())?;
    state
        .catalog_admin
        .add_event(event.clone())
        .await
        .map_err(refused)?;
    Ok((StatusCode::CREATED, Json(event)))
}

/// A new show: an event in a hall at an instant, with a price per category
/// of the hall, in minor units of one currency.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewShow {
    event: EventId,
    venue: VenueId,
    hall: HallId,
    /// RFC 3339; in the future.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    starts_at: OffsetDateTime,
    /// ISO 4217 code, such as `EUR`.
    #[schema(value_type = String)]
    currency: Currency,
    /// Price of each of the hall's categories, in minor units (cents).
    #[schema(value_type = BTreeMap<String, i64>)]
    prices: BTreeMap<CategoryCode, i64>,
}

#[utoipa::path(post, path = "/api/v1/admin/shows", tag = "admin", request_body = NewShow, security(("organizer" = [])), responses((status = 201, body = Show), (status = 401, description = "No or wrong organizer token", body = crate::error::Body), (status = 422, description = "Unknown event, venue or hall; prices that do not fit the hall; a start in the past", body = crate::error::Body)))]
pub(crate) async fn create_show(
    State(state): State<AppState>,
    ApiJson(new): ApiJson<NewShow>,
) -> Result<(StatusCode, Json<Show>), ApiError> {
    if new.starts_at <= state.engine.clock().now() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "starts_in_the_past",
            "a show must start in the future",
        ));
    }
    let venue = state.catalog.venue(new.venue).await.map_err(refused)?;
    let prices = new
        .prices
        .into_iter()
        .map(|(code, minor)| (code, Money::new(minor, new.currency)))
        .collect();
    let prices = PriceList::new(prices).map_err(|e| refused(e.into()))?;
    let show = Show::from_ids(
        new.event,
        new.hall,
        venue.id,
        venue.city,
        new.starts_at,
        prices,
    );
    state
        .catalog_admin
        .add_show(show.clone())
        .await
        .map_err(refused)?;
    Ok((StatusCode::CREATED, Json(show)))
}
