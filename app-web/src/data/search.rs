//! Search: typo-tolerant, by city and date, a page at a time.

use leptos::prelude::*;

use crate::refusal::Refusal;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::server::{backend, failed, kind_name};

/// One search result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HitView {
    /// Event id.
    pub id: String,
    /// Title.
    pub title: String,
    /// "movie", "concert", ...
    pub kind: String,
    /// First matching show, on its venue's clocks ("Sat 12 Dec, 19:30 CET").
    pub first_show: String,
    /// Matching shows.
    pub shows: u32,
}

/// A page of search results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResults {
    /// The hits, best first.
    pub hits: Vec<HitView>,
    /// The cursor of the next page, if any.
    pub next: Option<String>,
}

/// Searches events in a city: typo-tolerant text, shows from a date on
/// (a day of the city's calendar; without a city, from the date's start in
/// UTC) and, with `this_week` and a city, in the city's current week
/// (Monday to Sunday of its calendar), 10 per page.
// The generated argument struct's fields are the search parameters.
#[allow(missing_docs)]
#[server(prefix = "/_server", endpoint = "search_events")]
pub async fn search_events(
    text: String,
    city: String,
    from: String,
    this_week: bool,
    cursor: Option<String>,
) -> Result<SearchResults, Refusal> {
    use reservation_core::catalog::search::{Cursor, PageSize, SearchQuery};
    let backend = backend()?;
    let city = city.parse::<reservation_core::CityId>().ok();
    let date = time::macros::format_description!("[year]-[month]-[day]");
    let from = time::Date::parse(&from, date).ok();
    let now = backend.engine.clock().now();
    // With a city the date is one of its days; with every city there is no
    // one calendar, and UTC's is the least surprising.
    let (first_day, starts_after) = match (city, from) {
        (Some(_), first_day) => (first_day, now),
        (None, Some(day)) => (None, day.midnight().assume_utc().max(now)),
        (None, None) => (None, now),
    };
    let query = SearchQuery {
        text,
        city,
        first_day,
        starts_after: Some(starts_after),
        limit: PageSize::new(10).map_err(failed)?,
        cursor: cursor.filter(|c| !c.is_empty()).map(Cursor::from),
        ..SearchQuery::default()
    };
    let query = match city.filter(|_| this_week) {
        Some(city) => {
            let zone = backend.catalog.city(city).await.map_err(failed)?.time_zone;
            // This week, from `from` on when that is later in the week
            // (and from now on: today's earlier shows have started).
            let week = query.in_week_of(zone.date_of(now));
            SearchQuery {
                first_day: week.first_day.max(first_day),
                ..week
            }
        }
        None => query,
    };
    let page = backend.catalog.search(&query).await.map_err(failed)?;
    Ok(SearchResults {
        hits: page
            .hits
            .into_iter()
            .map(|hit| HitView {
                id: hit.event.id.to_string(),
                title: hit.event.title,
                kind: kind_name(hit.event.kind),
                first_show: super::local_time::short(hit.first_show, &hit.time_zone),
                shows: hit.shows,
            })
            .collect(),
        next: page.next.map(|c| c.to_string()),
    })
}
