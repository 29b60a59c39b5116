//! Browsing and search.

use axum::Json;
use axum::extract::State;
use reservation_core::catalog::search::{
    Cursor, Near, PageSize, SearchError, SearchPage, SearchQuery, SearchSort,
};
use reservation_core::catalog::{
    CatalogError, City, Event, EventKind, GeoPoint, Performer, TimeZone, Venue, VenueShowtimes,
};
use reservation_core::{Availability, CityId, EventId, PerformerId, VenueId};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use super::zoned::{ZonedShow, ZonedSummary};
use crate::error::ApiError;
use crate::extract::{ApiPath, ApiQuery};
use crate::state::AppState;

#[utoipa::path(get, path = "/api/v1/cities", tag = "catalog", responses((status = 200, body = Vec<City>)))]
pub(crate) async fn cities(State(state): State<AppState>) -> Result<Json<Vec<City>>, ApiError> {
    Ok(Json(state.catalog.cities().await?))
}

/// `?from=` (RFC 3339) for listings; default now.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct Since {
    #[serde(default, with = "time::serde::rfc3339::option")]
    from: Option<OffsetDateTime>,
}

impl Since {
    /// The given instant, or now by the engine's clock.
    fn or_now(&self, state: &AppState) -> OffsetDateTime {
        self.from.unwrap_or_else(|| state.engine.clock().now())
    }
}

#[utoipa::path(get, path = "/api/v1/cities/{city}/events", tag = "catalog", params(("city" = CityId, Path), Since), responses((status = 200, body = Vec<ZonedSummary>), (status = 404, description = "Not found", body = crate::error::Body)))]
pub(crate) async fn events_in_city(
    State(state): State<AppState>,
    ApiPath(city): ApiPath<CityId>,
    ApiQuery(from): ApiQuery<Since>,
) -> Result<Json<Vec<ZonedSummary>>, ApiError> {
    let zone = state.catalog.city(city).await?.time_zone;
    let events = state
        .catalog
        .events_in_city(city, from.or_now(&state))
        .await?;
    Ok(Json(ZonedSummary::all(events, &zone)))
}

#[utoipa::path(get, path = "/api/v1/venues/{venue}/events", tag = "catalog", params(("venue" = VenueId, Path), Since), responses((status = 200, body = VenueEvents), (status = 404, description = "Not found", body = crate::error::Body)))]
pub(crate) async fn events_at_venue(
    State(state): State<AppState>,
    ApiPath(venue): ApiPath<VenueId>,
    ApiQuery(from): ApiQuery<Since>,
) -> Result<Json<VenueEvents>, ApiError> {
    let venue_info = state.catalog.venue(venue).await?;
    let events = state
        .catalog
        .events_at_venue(venue, from.or_now(&state))
        .await?;
    Ok(Json(VenueEvents {
        events: ZonedSummary::all(events, &venue_info.time_zone),
        venue: venue_info,
    }))
}

/// A venue with what plays there.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct VenueEvents {
    venue: Venue,
    events: Vec<ZonedSummary>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct EventQuery {
    /// List the venues and showtimes in this city.
    city: Option<CityId>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    from: Option<OffsetDateTime>,
}

/// An event with its performers and, in a city, its venues and showtimes
/// with seat counts.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct EventDetails {
    event: Event,
    performers: Vec<Performer>,
    showtimes: Vec<VenueShows>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct VenueShows {
    venue: Venue,
    shows: Vec<ShowAvailability>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ShowAvailability {
    #[serde(flatten)]
    show: ZonedShow,
    availability: Availability,
}

#[utoipa::path(get, path = "/api/v1/events/{event}", tag = "catalog", params(("event" = EventId, Path), EventQuery), responses((status = 200, body = EventDetails), (status = 404, description = "Not found", body = crate::error::Body)))]
pub(crate) async fn event(
    State(state): State<AppState>,
    ApiPath(event): ApiPath<EventId>,
    ApiQuery(query): ApiQuery<EventQuery>,
) -> Result<Json<EventDetails>, ApiError> {
    let details = state.catalog.event(event).await?;
    let mut performers = Vec::with_capacity(details.performers.len());
    for performer in &details.performers {
        performers.push(state.catalog.performer(*performer).await?);
    }
    let mut showtimes = Vec::new();
    if let Some(city) = query.city {
        let from = query.from.unwrap_or_else(|| state.engine.clock().now());
        for VenueShowtimes { venue, shows, .. } in
            state.catalog.showtimes(event, city, from).await?
        {
            let mut with_counts = Vec::with_capacity(shows.len());
            for show in shows {
                let availability = state.engine.availability(show.id).await?;
                let show = ZonedShow::new(show, &venue.time_zone);
                with_counts.push(ShowAvailability { show, availability });
            }
            showtimes.push(VenueShows {
                venue,
                shows: with_counts,
            });
        }
    }
    Ok(Json(EventDetails {
        event: details,
        performers,
        showtimes,
    }))
}

/// Search parameters, as a query string.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct SearchParams {
    /// Words to find, typos allowed (at most 200 characters).
    #[serde(default)]
    #[param(max_length = 200)]
    q: String,
    city: Option<CityId>,
    venue: Option<VenueId>,
    performer: Option<PerformerId>,
    kind: Option<EventKind>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    from: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    to: Option<OffsetDateTime>,
    /// With `city`: only shows on this day of the city's calendar or later
    /// (`YYYY-MM-DD`, in the city's time zone).
    #[serde(default, with = "day::option")]
    first_day: Option<Date>,
    /// With `city`: only shows on this day of the city's calendar or
    /// earlier (`YYYY-MM-DD`, in the city's time zone).
    #[serde(default, with = "day::option")]
    last_day: Option<Date>,
    /// With `city`: only shows this week (Monday to Sunday) in the city's
    /// time zone, in place of `first_day` and `last_day`.
    #[serde(default)]
    this_week: bool,
    /// With `lon` and `radius_km`: only events near this point.
    #[param(minimum = -90.0, maximum = 90.0)]
    lat: Option<f64>,
    #[param(minimum = -180.0, maximum = 180.0)]
    lon: Option<f64>,
    #[param(exclusive_minimum = 0.0)]
    radius_km: Option<f64>,
    #[serde(default)]
    sort: SearchSort,
    /// Hits per page.
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u16>,
    cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/search", tag = "catalog", params(SearchParams), responses((status = 200, body = SearchPage), (status = 400, description = "Invalid query", body = crate::error::Body)))]
pub(crate) async fn search(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> Result<Json<SearchPage>, ApiError> {
    let near = match (params.lat, params.lon, params.radius_km) {
        (None, None, None) => None,
        (Some(lat), Some(lon), Some(radius_km)) => {
            let point = GeoPoint::new(lat, lon)
                .map_err(|e| ApiError::bad_request("invalid_position", e.to_string()))?;
            Some(Near { point, radius_km })
        }
        _ => {
            return Err(ApiError::bad_request(
                "invalid_position",
                "lat, lon and radius_km go together",
            ));
        }
    };
    let query = SearchQuery {
        text: params.q,
        city: params.city,
        venue: params.venue,
        performer: params.performer,
        kind: params.kind,
        starts_after: params.from,
        starts_before: params.to,
        first_day: params.first_day,
        last_day: params.last_day,
        near,
        sort: params.sort,
        limit: params
            .limit
            .map(PageSize::new)
            .transpose()?
            .unwrap_or_default(),
        cursor: params.cursor.map(Cursor::from),
    };
    let query = if params.this_week {
        let today = city_zone(&state, query.city)
            .await?
            .date_of(state.engine.clock().now());
        query.in_week_of(today)
    } else {
        query
    };
    Ok(Json(state.catalog.search(&query).await?))
}

time::serde::format_description!(day, Date, "[year]-[month]-[day]");

/// The time zone whose calendar "this week" follows: the city's (UTC for a
/// city that does not exist, whose filter passes nothing anyway).
async fn city_zone(state: &AppState, city: Option<CityId>) -> Result<TimeZone, ApiError> {
    let city = city.ok_or(SearchError::DaysNeedCity)?;
    match state.catalog.city(city).await {
        Ok(city) => Ok(city.time_zone),
        Err(CatalogError::Unknown { .. }) => Ok(TimeZone::utc()),
        Err(failure) => Err(failure.into()),
    }
}
