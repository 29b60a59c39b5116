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
