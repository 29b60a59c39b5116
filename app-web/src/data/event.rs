//! An event's page: its facts and, in a city, its venues and showtimes by
//! day.

use leptos::prelude::*;

use crate::refusal::Refusal;
use serde::{Deserialize, Serialize};

use super::catalog::{CityView, VenueView};
#[cfg(feature = "ssr")]
use super::catalog::{city_view, venue_view};
#[cfg(feature = "ssr")]
use super::server::{Backend, backend, failed, kind_name, parse_id};

/// A show in a listing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShowLink {
    /// Id.
    pub id: String,
    /// Start on the venue's clocks, "19:30 CET".
    pub time: String,
    /// Free seats.
    pub available: u32,
}

/// One day of a venue's shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShowDay {
    /// The venue's local date, such as "Sat 22 Nov".
    pub day: String,
    /// Its shows, by time.
    pub shows: Vec<ShowLink>,
}

/// A venue's showtimes of one event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VenueDays {
    /// The venue.
    pub venue: VenueView,
    /// Days with shows.
    pub days: Vec<ShowDay>,
}

/// An event's page in one city.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventPageData {
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// "movie 153 min · FSK 6", "concert · jazz".
    pub facts: String,
    /// Performer names.
    pub performers: Vec<String>,
    /// The city the showtimes are in; none when the page was opened
    /// without one.
    pub city: Option<CityView>,
    /// Venues and showtimes in `city`.
    pub venues: Vec<VenueDays>,
    /// Without a city: the cities where the event plays, to pick from.
    pub cities: Vec<CityView>,
}

/// An event with its venues and showtimes in a city; with an empty `city`,
/// the cities where it plays.
// The generated argument struct's fields are the event and city ids.
#[allow(missing_docs)]
#[server(prefix = "/_server", endpoint = "event_page")]
pub async fn event_page(event: String, city: String) -> Result<EventPageData, Refusal> {
    use super::local_time;
    let event_id: reservation_core::EventId = parse_id(&event, "no such event")?;
    let backend = backend()?;
    let details = backend.catalog.event(event_id).await.map_err(failed)?;
    let now = backend.engine.clock().now();
    if city.is_empty() {
        let mut cities = Vec::new();
        // One query per city: fine for a demo's handful; a catalog of
        // hundreds of cities would want a "cities of an event" query.
        for city in backend.catalog.cities().await.map_err(failed)? {
            let playing = backend.catalog.showtimes(event_id, city.id, now).await;
            if !playing.map_err(failed)?.is_empty() {
                cities.push(city_view(city));
            }
        }
        return Ok(EventPageData {
            cities,
            ..event_header(&backend, details).await?
        });
    }
    let city_id: reservation_core::CityId = parse_id(&city, "no such city")?;
    let city = backend.catalog.city(city_id).await.map_err(failed)?;
    let mut venues = Vec::new();
    for listing in backend
        .catalog
        .showtimes(event_id, city_id, now)
        .await
        .map_err(failed)?
    {
        let zone = &listing.venue.time_zone;
        // Grouped by the venue's calendar: a show at 00:30 belongs to the
        // day it starts on there, whatever the date is in UTC.
        let mut days: Vec<(time::Date, ShowDay)> = Vec::new();
        for show in listing.shows {
            let date = zone.date_of(show.starts_at);
            let available = backend
                .engine
                .availability(show.id)
                .await
                .map_err(failed)?
                .available;
            let link = ShowLink {
                id: show.id.to_string(),
                time: local_time::clock(show.starts_at, zone),
                available,
            };
            match days.last_mut() {
                Some((last, day)) if *last == date => day.shows.push(link),
                _ => days.push((
                    date,
                    ShowDay {
                        day: local_time::day(date),
                        shows: vec![link],
                    },
                )),
            }
        }
        venues.push(VenueDays {
            venue: venue_view(listing.venue),
            days: days.into_iter().map(|(_, day)| day).collect(),
        });
    }
    Ok(EventPageData {
        city: Some(city_view(city)),
        venues,
        ..event_header(&backend, details).await?
    })
}

/// The event page's facts, without showtimes.
#[cfg(feature = "ssr")]
async fn event_header(
    backend: &Backend,
    details: reservation_core::catalog::Event,
) -> Result<EventPageData, Refusal> {
    let mut performers = Vec::new();
    for performer in &details.performers {
        performers.push(
            backend
                .catalog
                .performer(*performer)
                .await
                .map_err(failed)?
                .name,
        );
    }
    let kind = kind_name(details.kind);
    let mut facts = vec![format!("{kind} · {} min", details.duration_minutes)];
    facts.extend(details.rating.clone());
    facts.extend(details.genres.iter().cloned());
    Ok(EventPageData {
        title: details.title,
        description: details.description,
        facts: facts.join(" · "),
        performers,
        city: None,
        venues: Vec::new(),
        cities: Vec::new(),
    })
}
