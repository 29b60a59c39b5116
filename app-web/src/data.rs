//! What pages show, and the server functions that fetch it. The view types
//! are plain data the browser can decode without the reservation library.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

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
    /// Next show, RFC 3339.
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
}

/// What server functions reach on the server: the catalog and the engine.
#[cfg(feature = "ssr")]
#[derive(Clone)]
pub struct Backend {
    /// Catalog reads and search.
    pub catalog: std::sync::Arc<dyn reservation_core::Catalog>,
    /// Holds, payments, seat maps.
    pub engine: reservation_core::Reservations,
}

#[cfg(feature = "ssr")]
fn backend() -> Result<Backend, ServerFnError> {
    use_context::<Backend>().ok_or_else(|| ServerFnError::new("no backend in context"))
}

#[cfg(feature = "ssr")]
fn city_view(city: reservation_core::catalog::City) -> CityView {
    CityView {
        id: city.id.to_string(),
        name: city.name,
        country: city.country,
    }
}

/// Every city.
#[server(prefix = "/_server")]
pub async fn list_cities() -> Result<Vec<CityView>, ServerFnError> {
    let cities = backend()?
        .catalog
        .cities()
        .await
        .map_err(|e| ServerFnError::new(e.to_string()))?;
    Ok(cities.into_iter().map(city_view).collect())
}

/// A city and the events showing there from now on.
// The generated argument struct's field `city` is the city id.
#[allow(missing_docs)]
#[server(prefix = "/_server")]
pub async fn city_events(city: String) -> Result<CityListing, ServerFnError> {
    let id: reservation_core::CityId = city
        .parse()
        .map_err(|_| ServerFnError::new("no such city"))?;
    let backend = backend()?;
    let city = backend
        .catalog
        .city(id)
        .await
        .map_err(|e| ServerFnError::new(e.to_string()))?;
    let now = time::OffsetDateTime::now_utc();
    let events = backend
        .catalog
        .events_in_city(id, now)
        .await
        .map_err(|e| ServerFnError::new(e.to_string()))?;
    let events = events
        .into_iter()
        .map(|summary| EventView {
            id: summary.event.id.to_string(),
            title: summary.event.title,
            kind: serde_json::to_value(summary.event.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            genres: summary.event.genres,
            next_show: summary
                .next_show
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            shows: summary.shows,
        })
        .collect();
    Ok(CityListing {
        city: city_view(city),
        events,
    })
}

/// A show in a listing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShowLink {
    /// Id.
    pub id: String,
    /// Start, "HH:MM" local to the listing (UTC for now).
    pub time: String,
    /// Free seats.
    pub available: u32,
}

/// One day of a venue's shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShowDay {
    /// Such as "Sat 22 Nov".
    pub day: String,
    /// Its shows, by time.
    pub shows: Vec<ShowLink>,
}

/// A venue's showtimes of one event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VenueDays {
    /// Venue name.
    pub venue: String,
    /// Street address.
    pub address: String,
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
    /// The city's name.
    pub city: String,
    /// Venues and showtimes.
    pub venues: Vec<VenueDays>,
}

#[cfg(feature = "ssr")]
fn failed(error: impl std::fmt::Display) -> ServerFnError {
    ServerFnError::new(error.to_string())
}

/// An event with its venues and showtimes in a city.
// The generated argument struct's fields are the event and city ids.
#[allow(missing_docs)]
#[server(prefix = "/_server")]
pub async fn event_page(event: String, city: String) -> Result<EventPageData, ServerFnError> {
    use time::macros::format_description;
    let event_id: reservation_core::EventId = event
        .parse()
        .map_err(|_| ServerFnError::new("no such event"))?;
    let city_id: reservation_core::CityId = city
        .parse()
        .map_err(|_| ServerFnError::new("no such city"))?;
    let backend = backend()?;
    let details = backend.catalog.event(event_id).await.map_err(failed)?;
    let city = backend.catalog.city(city_id).await.map_err(failed)?;
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
    let now = time::OffsetDateTime::now_utc();
    let day_format =
        format_description!("[weekday repr:short] [day padding:none] [month repr:short]");
    let time_format = format_description!("[hour]:[minute]");
    let mut venues = Vec::new();
    for listing in backend
        .catalog
        .showtimes(event_id, city_id, now)
        .await
        .map_err(failed)?
    {
        let mut days: Vec<ShowDay> = Vec::new();
        for show in listing.shows {
            let day = show.starts_at.format(day_format).unwrap_or_default();
            let available = backend
                .engine
                .availability(show.id)
                .await
                .map_err(failed)?
                .available;
            let link = ShowLink {
                id: show.id.to_string(),
                time: show.starts_at.format(time_format).unwrap_or_default(),
                available,
            };
            match days.last_mut() {
                Some(last) if last.day == day => last.shows.push(link),
                _ => days.push(ShowDay {
                    day,
                    shows: vec![link],
                }),
            }
        }
        venues.push(VenueDays {
            venue: listing.venue.name,
            address: listing.venue.address,
            days,
        });
    }
    let kind = serde_json::to_value(details.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let mut facts = vec![format!("{kind} · {} min", details.duration_minutes)];
    facts.extend(details.rating.clone());
    facts.extend(details.genres.iter().cloned());
    Ok(EventPageData {
        title: details.title,
        description: details.description,
        facts: facts.join(" · "),
        performers,
        city: city.name,
        venues,
    })
}

/// One seat to draw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeatDot {
    /// Seat id.
    pub id: String,
    /// Label, such as "F12".
    pub label: String,
    /// Position.
    pub x: f32,
    /// Position.
    pub y: f32,
    /// Price category code.
    pub category: String,
    /// Price, formatted.
    pub price: String,
    /// "available", "held" or "booked".
    pub status: String,
    /// Held or booked by this visitor.
    pub mine: bool,
    /// Wheelchair space.
    pub accessible: bool,
}

/// A price category for the legend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceTag {
    /// Code.
    pub code: String,
    /// Name, such as "Premium".
    pub name: String,
    /// Price, formatted.
    pub price: String,
}

/// A show's page: what, where, when, and the seat map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShowPageData {
    /// Event title.
    pub title: String,
    /// Venue and hall.
    pub place: String,
    /// Start, formatted.
    pub starts: String,
    /// The stage or screen: label, x, y, width, height.
    pub stage: (String, f32, f32, f32, f32),
    /// Every seat.
    pub seats: Vec<SeatDot>,
    /// Prices by category.
    pub prices: Vec<PriceTag>,
    /// Seat counts: available, held, booked.
    pub counts: (u32, u32, u32),
    /// The seat map's event sequence (to follow live changes from).
    pub seq: u64,
}

/// A show's seat map as this visitor sees it.
// The generated argument struct's field `show` is the show id.
#[allow(missing_docs)]
#[server(prefix = "/_server")]
pub async fn show_page(show: String) -> Result<ShowPageData, ServerFnError> {
    use time::macros::format_description;
    let id: reservation_core::ShowId = show
        .parse()
        .map_err(|_| ServerFnError::new("no such show"))?;
    let backend = backend()?;
    let show = backend.catalog.show(id).await.map_err(failed)?;
    let event = backend.catalog.event(show.event).await.map_err(failed)?;
    let venue = backend.catalog.venue(show.venue).await.map_err(failed)?;
    let hall = backend.catalog.hall(show.hall).await.map_err(failed)?;
    let viewer = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Visitor>().map(|v| v.0));
    let map = backend.engine.seat_map(id, viewer).await.map_err(failed)?;
    let plan = hall.plan();
    let layout = hall.layout();
    let price_of = |code: &reservation_core::catalog::CategoryCode| {
        show.prices
            .get(code)
            .map(|m| m.to_string())
            .unwrap_or_default()
    };
    let seats = map
        .seats
        .iter()
        .zip(plan.seats())
        .enumerate()
        .map(|(i, (view, seat))| {
            let category = layout.categories[usize::from(seat.category)].code.clone();
            SeatDot {
                id: seat.id.to_string(),
                label: plan
                    .label(reservation_core::catalog::SeatIndex(i as u32))
                    .to_owned(),
                x: seat.position.x,
                y: seat.position.y,
                price: price_of(&category),
                category: category.to_string(),
                status: serde_json::to_value(view.status)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                mine: view.mine,
                accessible: seat.flags.accessible,
            }
        })
        .collect();
    let prices = layout
        .categories
        .iter()
        .map(|c| PriceTag {
            code: c.code.to_string(),
            name: c.name.clone(),
            price: price_of(&c.code),
        })
        .collect();
    let stage = &layout.stage;
    Ok(ShowPageData {
        title: event.title,
        place: format!("{} · {}", venue.name, hall.name()),
        starts: show
            .starts_at
            .format(format_description!(
                "[weekday repr:long] [day padding:none] [month repr:long], [hour]:[minute]"
            ))
            .unwrap_or_default(),
        stage: (
            stage.label.clone(),
            stage.origin.x,
            stage.origin.y,
            stage.width,
            stage.height,
        ),
        seats,
        prices,
        counts: (map.counts.available, map.counts.held, map.counts.booked),
        seq: map.seq.0,
    })
}

/// The visitor's session, put in context by the server for every request.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, Copy)]
pub struct Visitor(pub reservation_core::HolderId);
