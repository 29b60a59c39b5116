//! Cities, a city's events and venues, a venue's programme.

use leptos::prelude::*;

use crate::refusal::Refusal;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::server::{backend, failed, kind_name, parse_id};

/// A city in a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CityView {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Country.
    pub country: String,
}

/// An event in a list, with its next show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventView {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// "movie", "concert", ...
    pub kind: String,
    /// Genres.
    pub genres: Vec<String>,
    /// Next show, on the clocks of the city or venue listing it ("Sat 12
    /// Dec, 19:30 CET").
    pub next_show: String,
    /// Number of upcoming shows.
    pub shows: u32,
}

/// A city's page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CityListing {
    /// The city.
    pub city: CityView,
    /// What plays there.
    pub events: Vec<EventView>,
    /// Its venues, by name.
    pub venues: Vec<VenueView>,
}

/// A venue in a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VenueView {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Street address and postal code.
    pub address: String,
}

/// A venue's page: what plays there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VenuePageData {
    /// The venue.
    pub venue: VenueView,
    /// Its city.
    pub city: CityView,
    /// Events with upcoming shows there.
    pub events: Vec<EventView>,
}

/// Every city.
#[server(prefix = "/_server", endpoint = "list_cities")]
pub async fn list_cities() -> Result<Vec<CityView>, Refusal> {
    let cities = backend()?.catalog.cities().await.map_err(failed)?;
    Ok(cities.into_iter().map(city_view).collect())
}

/// A city and the events showing there from now on.
// The generated argument struct's field `city` is the city id.
#[allow(missing_docs)]
#[server(prefix = "/_server", endpoint = "city_events")]
pub async fn city_events(city: String) -> Result<CityListing, Refusal> {
    let id: reservation_core::CityId = parse_id(&city, "no such city")?;
    let backend = backend()?;
    let city = backend.catalog.city(id).await.map_err(failed)?;
    let now = backend.engine.clock().now();
    let events = backend
        .catalog
        .events_in_city(id, now)
        .await
        .map_err(failed)?;
    let venues = backend.catalog.venues_in_city(id).await.map_err(failed)?;
    // A city's list is read on the city's clocks (its venues share them).
    let events = events
        .into_iter()
        .map(|e| event_view(e, &city.time_zone))
        .collect();
    Ok(CityListing {
        city: city_view(city),
        events,
        venues: venues.into_iter().map(venue_view).collect(),
    })
}

/// A venue and the events showing there from now on.
// The generated argument struct's field `venue` is the venue id.
#[allow(missing_docs)]
#[server(prefix = "/_server", endpoint = "venue_page")]
pub async fn venue_page(venue: String) -> Result<VenuePageData, Refusal> {
    let id: reservation_core::VenueId = parse_id(&venue, "no such venue")?;
    let backend = backend()?;
    let venue = backend.catalog.venue(id).await.map_err(failed)?;
    let city = backend.catalog.city(venue.city).await.map_err(failed)?;
    let now = backend.engine.clock().now();
    let events = backend
        .catalog
        .events_at_venue(id, now)
        .await
        .map_err(failed)?;
    let events = events
        .into_iter()
        .map(|e| event_view(e, &venue.time_zone))
        .collect();
    Ok(VenuePageData {
        venue: venue_view(venue),
        city: city_view(city),
        events,
    })
}

/// A city as lists show it.
#[cfg(feature = "ssr")]
pub(super) fn city_view(city: reservation_core::catalog::City) -> CityView {
    CityView {
        id: city.id.to_string(),
        name: city.name,
        country: city.country,
    }
}

/// An event with its next show, as lists show it.
#[cfg(feature = "ssr")]
fn event_view(
    summary: reservation_core::catalog::EventSummary,
    zone: &reservation_core::catalog::TimeZone,
) -> EventView {
    EventView {
        id: summary.event.id.to_string(),
        title: summary.event.title,
        kind: kind_name(summary.event.kind),
        genres: summary.event.genres,
        next_show: super::local_time::short(summary.next_show, zone),
        shows: summary.shows,
    }
}

/// A venue as lists show it.
#[cfg(feature = "ssr")]
pub(super) fn venue_view(venue: reservation_core::catalog::Venue) -> VenueView {
    VenueView {
        id: venue.id.to_string(),
        name: venue.name,
        address: format!("{}, {}", venue.address, venue.postal_code),
    }
}
