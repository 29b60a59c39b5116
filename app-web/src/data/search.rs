//! Search: typo-tolerant, by city and date, a page at a time.

use leptos::prelude::*;
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
    /// First matching show, formatted.
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

/// Searches events in a city: typo-tolerant text, shows from a date on,
/// 10 per page.
// The generated argument struct's fields are the search parameters.
#[allow(missing_docs)]
#[server(prefix = "/_server", endpoint = "search_events")]
pub async fn search_events(
    text: String,
    city: String,
    from: String,
    cursor: Option<String>,
) -> Result<SearchResults, ServerFnError> {
    use reservation_core::catalog::search::{Cursor, PageSize, SearchQuery};
    let backend = backend()?;
    let city = city.parse::<reservation_core::CityId>().ok();
    let date = time::macros::format_description!("[year]-[month]-[day]");
    let starts_after = time::Date::parse(&from, date)
        .ok()
        .map(|d| d.midnight().assume_utc())
        .unwrap_or_else(|| backend.engine.clock().now());
    let query = SearchQuery {
        text,
        city,
        starts_after: Some(starts_after),
        limit: PageSize::new(10).map_err(failed)?,
        cursor: cursor.filter(|c| !c.is_empty()).map(Cursor::from),
        ..SearchQuery::default()
    };
    let page = backend.catalog.search(&query).await.map_err(failed)?;
    let format = time::macros::format_description!(
        "[weekday repr:short] [day padding:none] [month repr:short], [hour]:[minute]"
    );
    Ok(SearchResults {
        hits: page
            .hits
            .into_iter()
            .map(|hit| HitView {
                id: hit.event.id.to_string(),
                title: hit.event.title,
                kind: kind_name(hit.event.kind),
                first_show: hit.first_show.format(format).unwrap_or_default(),
                shows: hit.shows,
            })
            .collect(),
        next: page.next.map(|c| c.to_string()),
    })
}
