//! Catalog search: typo-tolerant text matching with filters, two sort orders
//! and cursor pagination.
//!
//! The query types here are shared by every store; [`SearchIndex`] is the
//! in-memory implementation the memory store uses. The rules below are the
//! product's search contract: every store must answer a [`SearchQuery`] the
//! same way.
//!
//! # Validation
//!
//! A query is checked before anything is searched, in this order:
//!
//! 1. text longer than 200 characters (Unicode scalar values) →
//!    [`SearchError::TextTooLong`];
//! 2. a [`Near::radius_km`] that is not finite or not above zero →
//!    [`SearchError::InvalidRadius`];
//! 3. `starts_after >= starts_before` or `first_day > last_day` (when both
//!    are set) → [`SearchError::EmptyDateRange`];
//! 4. `first_day` or `last_day` without `city` →
//!    [`SearchError::DaysNeedCity`];
//! 5. a cursor that does not decode, is truncated or altered, or was made for
//!    the other [`SearchSort`] → [`SearchError::InvalidCursor`].
//!
//! Page sizes are checked when the [`PageSize`] is built. Any other input,
//! such as SQL or HTML fragments, emoji or control characters, is just text:
//! it never panics and only matches what its words match.
//!
//! # Text
//!
//! Text is lowercased, Unicode combining marks are dropped and common Latin
//! diacritics are folded (`é` → `e`, `ß` → `ss`, `ø` → `o`), then it is split
//! into tokens at every character that is not alphanumeric (Unicode-aware).
//! An event's searchable fields and their weights are:
//!
//! | field                              | weight |
//! |------------------------------------|--------|
//! | title                              | 3.0    |
//! | performer names                    | 2.0    |
//! | genres                             | 1.5    |
//! | names of the venues of its shows   | 1.0    |
//! | description                        | 0.5    |
//!
//! Every query token must match some token of the event (AND). Repeated
//! query tokens count once. A query token matches an event token with a
//! quality of
//!
//! - 1.0 when they are equal;
//! - 0.8 when the query token (at least 2 characters) is a prefix of it;
//! - 0.6 / 0.4 when their optimal-string-alignment distance is 1 / 2, where
//!   query tokens of 4 to 7 characters allow distance 1 and tokens of 8 or more
//!   characters allow distance 2. Tokens shorter than 4 characters never
//!   match by typo.
//!
//! A query token scores the best quality × field weight over all the event's
//! tokens; the event's score is the sum over the query tokens.
//!
//! Text that is empty or only whitespace matches every event with score 0.
//! Text that is not blank but has no tokens (only punctuation, emoji or
//! control characters) matches nothing.
//!
//! # Filters
//!
//! `kind` and `performer` are properties of the event; `city`, `venue`, the
//! date range (`starts_after <= starts_at < starts_before`), the local days
//! (`first_day` to `last_day`, both included, as calendar days of the city's
//! [`TimeZone`]: a day starts at its local midnight, so one around a clock
//! change is 23 or 25 hours long) and `near` (venue within `radius_km`
//! great-circle kilometres of `point`) are checked per show.
//! An event is a hit when its text matches and at least one of its shows
//! passes every filter; [`SearchHit::first_show`] is the start of its
//! earliest passing show and [`SearchHit::shows`] counts its passing shows.
//! Events without a passing show (or without shows) are never hits.
//!
//! # Order
//!
//! - [`SearchSort::Relevance`]: score descending, then first show ascending,
//!   then event id ascending. With blank text every score is 0, so this is the
//!   start-time order.
//! - [`SearchSort::StartTime`]: first show ascending, then event id ascending.
//!
//! # Pagination
//!
//! Pages hold at most [`SearchQuery::limit`] hits. [`SearchPage::next`] is
//! `Some` exactly when more hits follow. The cursor is an opaque base64url
//! string holding the sort order and the sort key of the page's last hit
//! (score, first show, event id); the next page holds the hits strictly after
//! that key in the sort order, as the index is at that moment. Following the
//! cursors from the first page therefore yields every hit exactly once and in
//! order, and a page never repeats or skips a hit because the event the cursor
//! points at has changed or disappeared. A cursor carries a checksum, so
//! truncated or altered cursors are refused rather than misread; it is not a
//! signature and holds nothing secret.
//!
//! # The in-memory index
//!
//! [`SearchIndex`] numbers events (slots) and tokens (terms) and keeps:
//!
//! - a vocabulary: term → postings (events with the term's best field
//!   weight). Exact matches are a lookup, prefix matches a range scan, and
//!   typo matches a scan of compact term shapes that skips terms whose length
//!   or character set cannot be within the allowed distance. A query's words
//!   are matched from the one with the fewest postings on; later words only
//!   check the events still in, through their own sorted terms when those are
//!   few;
//! - per event, its shows sorted by start (date ranges are binary searches)
//!   and a compact summary (kind, first and last start, number of shows), so
//!   ranking many events without show filters reads no show lists;
//! - timelines: every show, and each city's shows, by (start, event). A
//!   search without text walks one in result order from the cursor to the end
//!   of the page; with text and show filters, candidates are taken as a walk
//!   meets their first passing show. By relevance, candidates are ranked one
//!   score at a time, best first, so the page fills from the first few scores
//!   and a cursor skips the scores above its own. Each walk has a budget and
//!   falls back to looking at each event when its filters pass too rarely.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::catalog::{Event, EventKind, GeoPoint, TimeZone};
use crate::ids::{CityId, PerformerId, VenueId};

mod cursor;
mod index;
mod ranking;
mod text;
mod timeline;
mod tokens;
mod vocabulary;

pub use cursor::SortKey;
pub use index::SearchIndex;
use tokens::{
    DESCRIPTION_WEIGHT, EXACT, GENRE_WEIGHT, PERFORMER_WEIGHT, PREFIX, QueryToken, TITLE_WEIGHT,
    VENUE_WEIGHT, char_mask, tokenize,
};
pub use tokens::{EventText, words};

/// Most results a page may ask for.
pub const MAX_PAGE_SIZE: u16 = 100;

/// Results per page, 1..=[`MAX_PAGE_SIZE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u16", into = "u16")]
pub struct PageSize(u16);

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for PageSize {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        crate::limits::bounded_integer(1, MAX_PAGE_SIZE)
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for PageSize {}

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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Near {
    /// Centre.
    pub point: GeoPoint,
    /// Radius in kilometres.
    pub radius_km: f64,
}

/// Result order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct Cursor(String);

impl Cursor {
    /// The cursor as text, to hand to a client.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A cursor as a client sent it back; searching checks it.
impl From<String> for Cursor {
    fn from(text: String) -> Self {
        Self(text)
    }
}

impl std::fmt::Display for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A search over events. Filters apply to shows: an event matches when the
/// text matches it and at least one of its shows passes every filter.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// Only shows starting on this local day of `city` or later.
    #[serde(default, with = "local_date::option")]
    pub first_day: Option<Date>,
    /// Only shows starting on this local day of `city` or earlier.
    #[serde(default, with = "local_date::option")]
    pub last_day: Option<Date>,
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

time::serde::format_description!(local_date, Date, "[year]-[month]-[day]");

impl SearchQuery {
    /// The same query for the week (Monday to Sunday) that `day` is in:
    /// "this week" is the week of today in the city's time zone.
    ///
    /// ```
    /// use reservation_core::catalog::search::SearchQuery;
    /// use time::macros::date;
    ///
    /// let week = SearchQuery::default().in_week_of(date!(2027-03-31));
    /// assert_eq!(week.first_day, Some(date!(2027-03-29)));
    /// assert_eq!(week.last_day, Some(date!(2027-04-04)));
    /// ```
    #[must_use]
    pub fn in_week_of(mut self, day: Date) -> Self {
        let monday = day - time::Duration::days(i64::from(day.weekday().number_days_from_monday()));
        self.first_day = Some(monday);
        self.last_day = Some(monday + time::Duration::days(6));
        self
    }

    /// The same query with its local days as instants in `zone` (the
    /// city's), narrowing `starts_after` and `starts_before`.
    fn days_in(&self, zone: &TimeZone) -> SearchQuery {
        let mut query = self.clone();
        if let Some(first) = query.first_day.take() {
            let start = zone.start_of_day(first);
            query.starts_after = Some(query.starts_after.map_or(start, |at| at.max(start)));
        }
        // The last day has no end at the end of the calendar (9999-12-31).
        if let Some(end) = query.last_day.take().and_then(Date::next_day) {
            let end = zone.start_of_day(end);
            query.starts_before = Some(query.starts_before.map_or(end, |at| at.min(end)));
        }
        query
    }
}

/// One matching event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchHit {
    /// The event.
    pub event: Event,
    /// Text relevance; higher is better (0 when the query has no text).
    pub score: f32,
    /// Start of its earliest show that passes the filters.
    #[serde(with = "time::serde::rfc3339")]
    pub first_show: OffsetDateTime,
    /// The time zone of that show's venue, to show `first_show` in.
    pub time_zone: TimeZone,
    /// How many of its shows pass the filters.
    pub shows: u32,
}

/// A page of results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchPage {
    /// The hits, in the query's order.
    pub hits: Vec<SearchHit>,
    /// Cursor of the next page; `None` on the last page.
    pub next: Option<Cursor>,
}

/// A search that cannot run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
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
    /// `starts_after` is not before `starts_before`, or `first_day` is
    /// after `last_day`.
    #[error("the date range is empty (start must be before end)")]
    EmptyDateRange,
    /// Local days without a city to tell their time zone.
    #[error("searching by day needs a city (days are the city's local days)")]
    DaysNeedCity,
    /// The store failed.
    #[error(transparent)]
    Storage(#[from] crate::error::StorageError),
}

/// Longest accepted query text, in characters.
const MAX_TEXT_CHARS: usize = 200;

/// Checks a query against the rules in "Validation" (module docs) and
/// decodes its cursor. Every store calls this first.
pub fn validate(query: &SearchQuery) -> Result<Option<SortKey>, SearchError> {
    if query.text.chars().nth(MAX_TEXT_CHARS).is_some() {
        return Err(SearchError::TextTooLong);
    }
    if let Some(near) = &query.near
        && !(near.radius_km.is_finite() && near.radius_km > 0.0)
    {
        return Err(SearchError::InvalidRadius);
    }
    if let (Some(after), Some(before)) = (query.starts_after, query.starts_before)
        && after >= before
    {
        return Err(SearchError::EmptyDateRange);
    }
    if let (Some(first), Some(last)) = (query.first_day, query.last_day)
        && first > last
    {
        return Err(SearchError::EmptyDateRange);
    }
    if (query.first_day.is_some() || query.last_day.is_some()) && query.city.is_none() {
        return Err(SearchError::DaysNeedCity);
    }
    query
        .cursor
        .as_ref()
        .map(|cursor| SortKey::decode(cursor, query.sort))
        .transpose()
}

/// Orders `hits` (all hits of `query`, in any order) as the query asks and
/// cuts the page after the query's cursor: for stores that find the hits
/// themselves. Fails like [`validate`].
pub fn paginate(query: &SearchQuery, hits: Vec<SearchHit>) -> Result<SearchPage, SearchError> {
    let resume = validate(query)?;
    let sort = query.sort;
    let key = |hit: &SearchHit| SortKey {
        score: hit.score,
        start_ns: hit.first_show.unix_timestamp_nanos(),
        id: hit.event.id,
    };
    let mut hits: Vec<(SortKey, SearchHit)> = hits
        .into_iter()
        .map(|hit| (key(&hit), hit))
        .filter(|(k, _)| {
            resume
                .as_ref()
                .is_none_or(|after| k.cmp_in(after, sort) == Ordering::Greater)
        })
        .collect();
    hits.sort_unstable_by(|a, b| a.0.cmp_in(&b.0, sort));
    let limit = query.limit.get();
    let next = (hits.len() > limit).then(|| hits[limit - 1].0.encode(sort));
    hits.truncate(limit);
    Ok(SearchPage {
        hits: hits.into_iter().map(|(_, hit)| hit).collect(),
        next,
    })
}

#[cfg(test)]
mod tests;
