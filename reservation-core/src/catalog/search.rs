//! Catalog search: typo-tolerant text matching with filters, two sort orders
//! and cursor pagination.
//!
//! The query types here are shared by every store; [`SearchIndex`] is the
//! in-memory implementation the memory store uses.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::catalog::{Event, EventKind, GeoPoint};
use crate::ids::{CityId, PerformerId, VenueId};

/// Most results a page may ask for.
pub const MAX_PAGE_SIZE: u16 = 100;

/// Results per page, 1..=[`MAX_PAGE_SIZE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u16", into = "u16")]
pub struct PageSize(u16);

impl PageSize {
    /// A checked page size.
    pub fn new(size: u16) -> Result<Self, SearchError> {
        if (1..=MAX_PAGE_SIZE).contains(&size) {
            Ok(Self(size))
        } else {
            Err(SearchError::InvalidPageSize(size))
        }
    }

    /// The size.
    pub fn get(self) -> usize {
        usize::from(self.0)
    }
}

impl Default for PageSize {
    fn default() -> Self {
        Self(20)
    }
}

impl TryFrom<u16> for PageSize {
    type Error = SearchError;
    fn try_from(value: u16) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<PageSize> for u16 {
    fn from(value: PageSize) -> Self {
        value.0
    }
}

/// Only shows within `radius_km` of `point`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Near {
    /// Centre.
    pub point: GeoPoint,
    /// Radius in kilometres.
    pub radius_km: f64,
}

/// Result order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchSort {
    /// Best text match first (ties: earliest show, then id). Without text,
    /// the same as [`SearchSort::StartTime`].
    #[default]
    Relevance,
    /// Earliest matching show first (ties: id).
    StartTime,
}

/// An opaque position in a result list, handed out as
/// [`SearchPage::next`] and passed back to get the following page.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Cursor(pub String);

/// A search over events. Filters apply to shows: an event matches when the
/// text matches it and at least one of its shows passes every filter.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchQuery {
    /// Free text; typos are tolerated. Empty means "everything that passes the filters".
    pub text: String,
    /// Only shows in this city.
    pub city: Option<CityId>,
    /// Only shows at this venue.
    pub venue: Option<VenueId>,
    /// Only events with this performer.
    pub performer: Option<PerformerId>,
    /// Only events of this kind.
    pub kind: Option<EventKind>,
    /// Only shows starting at or after this instant.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub starts_after: Option<OffsetDateTime>,
    /// Only shows starting before this instant.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub starts_before: Option<OffsetDateTime>,
    /// Only shows at venues near a point.
    pub near: Option<Near>,
    /// Order of results.
    #[serde(default)]
    pub sort: SearchSort,
    /// Page size.
    #[serde(default)]
    pub limit: PageSize,
    /// Where to continue; `None` for the first page.
    pub cursor: Option<Cursor>,
}

/// One matching event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    /// The event.
    pub event: Event,
    /// Text relevance; higher is better (0 when the query has no text).
    pub score: f32,
    /// Start of its earliest show that passes the filters.
    #[serde(with = "time::serde::rfc3339")]
    pub first_show: OffsetDateTime,
    /// How many of its shows pass the filters.
    pub shows: u32,
}

/// A page of results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchPage {
    /// The hits, in the query's order.
    pub hits: Vec<SearchHit>,
    /// Cursor of the next page; `None` on the last page.
    pub next: Option<Cursor>,
}

/// A search that cannot run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SearchError {
    /// The cursor was not produced by this search (forged, truncated, or from
    /// a query with another sort order).
    #[error("the page cursor is invalid; start again from the first page")]
    InvalidCursor,
    /// Page size outside 1..=100.
    #[error("page size {0} is out of range (1..=100)")]
    InvalidPageSize(u16),
    /// The query text is longer than 200 characters.
    #[error("the search text is too long (at most 200 characters)")]
    TextTooLong,
    /// A negative or non-finite radius.
    #[error("the search radius must be a positive number of kilometres")]
    InvalidRadius,
    /// `starts_after` is not before `starts_before`.
    #[error("the date range is empty (start must be before end)")]
    EmptyDateRange,
}

/// Placeholder in-memory index (replaced by the real one).
#[derive(Debug, Default)]
pub struct SearchIndex {
    events: Vec<(
        crate::catalog::Event,
        Vec<(crate::catalog::Show, crate::catalog::Venue)>,
    )>,
}

impl SearchIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces an event.
    pub fn upsert_event(&mut self, event: &Event, _performer_names: &[String]) {
        self.events.retain(|(e, _)| e.id != event.id);
        self.events.push((event.clone(), Vec::new()));
    }

    /// Adds a show of an indexed event.
    pub fn add_show(&mut self, show: &crate::catalog::Show, venue: &crate::catalog::Venue) {
        if let Some((_, shows)) = self.events.iter_mut().find(|(e, _)| e.id == show.event) {
            shows.push((show.clone(), venue.clone()));
        }
    }

    /// Runs a query.
    pub fn search(&self, query: &SearchQuery) -> Result<SearchPage, SearchError> {
        let text = query.text.to_lowercase();
        let hits = self
            .events
            .iter()
            .filter(|(e, _)| e.title.to_lowercase().contains(&text))
            .filter_map(|(e, shows)| {
                let first = shows.iter().map(|(s, _)| s.starts_at).min()?;
                Some(SearchHit {
                    event: e.clone(),
                    score: 0.0,
                    first_show: first,
                    shows: shows.len() as u32,
                })
            })
            .take(query.limit.get())
            .collect();
        Ok(SearchPage { hits, next: None })
    }
}
