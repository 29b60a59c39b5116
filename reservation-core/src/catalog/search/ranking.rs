//! From events to a page of hits: the show filters, the cursor, the order,
//! and two ways to get the hits without looking at every event's shows.

use std::cmp::Ordering;
use std::ops::Bound;

use time::OffsetDateTime;
use uuid::Uuid;

use super::index::{IndexedShow, SearchIndex, Summary};
use super::timeline::Position;
use super::vocabulary::Slot;
use super::{SearchHit, SearchPage, SearchQuery, SearchSort, SortKey};
use crate::catalog::GeoPoint;
use crate::ids::{CityId, EventId, VenueId};

/// A search without text walks at most this share of the events' count of
/// timeline entries before it looks at every event instead (its filters
/// pass rarely), so it never costs much more than that...
const WALK_SHARE: usize = 4;
/// ... and at least this many (few in tests, so they take both ways).
const MIN_WALK: usize = if cfg!(test) { 16 } else { 4_096 };

/// Looking at a candidate's shows costs about this many steps of a walk
/// through a timeline (fewer in tests, so they take both ways).
const WALK_PER_CANDIDATE: usize = if cfg!(test) { 2 } else { 32 };

/// Most distinct scores ranked group by group; more are ranked at once
/// (fewer in tests, so they take both ways).
const MAX_GROUPS: usize = if cfg!(test) { 3 } else { 32 };

/// One query against the index.
pub(super) struct Ranker<'a> {
    index: &'a SearchIndex,
    query: &'a SearchQuery,
    filter: ShowFilter,
    /// The cursor's position.
    resume: Option<SortKey>,
}

/// A hit before it is turned into a [`SearchHit`].
pub(super) struct Found {
    key: SortKey,
    slot: Slot,
}

impl<'a> Ranker<'a> {
    /// `query` (validated, with its decoded cursor `resume`) on `index`.
    pub(super) fn new(
        index: &'a SearchIndex,
        query: &'a SearchQuery,
        resume: Option<SortKey>,
    ) -> Self {
        Self {
            index,
            query,
            filter: ShowFilter::new(query),
            resume,
        }
    }

    /// The hits of a query without text: all score 0, so in both orders by
    /// start. Walks shows in start order from the query's start, or from
    /// the cursor when later, to the page's end; looks at every event when
    /// the walk takes too long (the filters pass rarely).
    pub(super) fn browse(&self) -> Vec<Found> {
        let budget = (self.index.slots.len() / WALK_SHARE).max(MIN_WALK);
        self.walk(None, self.floor(0.0), self.wanted(), budget)
            .unwrap_or_else(|| {
                (0..self.index.slots.len())
                    .filter_map(|slot| self.consider(Slot::try_from(slot).ok()?, 0.0))
                    .collect()
            })
    }

    /// The hits among text `candidates` (slot and score), or enough of the
    /// first ones for the page.
    ///
    /// By relevance, candidates are ranked a score at a time, best first:
    /// every hit of a score comes before those of lower scores, so the page
    /// is full after the first few, and scores above the cursor's are not
    /// looked at again.
    pub(super) fn rank(&self, candidates: Vec<(Slot, f32)>) -> Vec<Found> {
        if self.query.sort == SearchSort::StartTime {
            return self.rank_group(&candidates, true);
        }
        let Some(scores) = distinct_scores(&candidates) else {
            return self.rank_group(&candidates, false);
        };
        let mut found = Vec::new();
        for score in scores {
            if self
                .resume
                .as_ref()
                .is_some_and(|after| score.total_cmp(&after.score) == Ordering::Greater)
            {
                continue;
            }
            let group: Vec<(Slot, f32)> = candidates
                .iter()
                .filter(|(_, s)| s.to_bits() == score.to_bits())
                .copied()
                .collect();
            found.extend(self.rank_group(&group, true));
            if found.len() >= self.wanted() {
                break;
            }
        }
        found
    }

    /// The page of `found` (every hit after the cursor, or more than a page
    /// of the first ones in order).
    pub(super) fn page(&self, mut found: Vec<Found>) -> SearchPage {
        let sort = self.query.sort;
        let limit = self.query.limit.get();
        let more = found.len() > limit;
        if more {
            found.select_nth_unstable_by(limit, |a, b| a.key.cmp_in(&b.key, sort));
            found.truncate(limit);
        }
        found.sort_unstable_by(|a, b| a.key.cmp_in(&b.key, sort));
        let next = if more {
            found.last().map(|last| last.key.encode(sort))
        } else {
            None
        };
        let hits = found
            .into_iter()
            .filter_map(|f| {
                let entry = self.index.slots.get(f.slot as usize)?;
                let (first, shows) = if self.filter.is_empty() {
                    (0, u32::try_from(entry.shows.len()).unwrap_or(u32::MAX))
                } else {
                    self.filter.apply(&entry.shows)?
                };
                let first = entry.shows.get(first)?;
                let zone = self.index.venue_zones.get(&first.venue);
                Some(SearchHit {
                    event: entry.event.clone(),
                    score: f.key.score,
                    first_show: first.starts_at,
                    time_zone: zone.cloned().unwrap_or_default(),
                    shows,
                })
            })
            .collect();
        SearchPage { hits, next }
    }

    /// More than a page: the page and whether another follows.
    fn wanted(&self) -> usize {
        self.query.limit.get() + 1
    }

    /// Where walking hits of `score` in start order may begin: after the
    /// cursor's position, when the cursor is among such hits.
    fn floor(&self, score: f32) -> Option<Position> {
        let after = self.resume.as_ref()?;
        let same_group = match self.query.sort {
            SearchSort::StartTime => true,
            SearchSort::Relevance => after.score.to_bits() == score.to_bits(),
        };
        same_group.then_some((after.start_ns, after.id))
    }

    /// The hits among `candidates`. `in_order`: walking shows in start
    /// order meets their hits in result order (one score, or by start
    /// time), so a walk can begin at the cursor and end with the page.
    fn rank_group(&self, candidates: &[(Slot, f32)], in_order: bool) -> Vec<Found> {
        let each = || {
            candidates
                .iter()
                .filter_map(|(slot, score)| self.consider(*slot, *score))
                .collect()
        };
        // Without show filters an event's hit is at hand.
        if self.filter.is_empty() {
            return each();
        }
        let mut scores = vec![0f32; self.index.slots.len()];
        for (slot, score) in candidates {
            if let Some(kept) = scores.get_mut(*slot as usize) {
                *kept = *score;
            }
        }
        let (floor, wanted) = match candidates.first() {
            Some((_, score)) if in_order => (self.floor(*score), self.wanted()),
            _ => (None, usize::MAX),
        };
        let budget = candidates.len().saturating_mul(WALK_PER_CANDIDATE);
        self.walk(Some(scores), floor, wanted, budget)
            .unwrap_or_else(each)
    }

    /// Walks the shows that can pass the city filter in start order, from
    /// after `floor` or from the query's start, taking each event with a
    /// score (all events, score 0, without `scores`; in `scores`, 0 is
    /// none) at the position of its first passing show, until `wanted`
    /// hits are in. `None` after `budget` steps.
    ///
    /// When only the city and dates filter shows and the walk begins at the
    /// query's start, an event's first position in the walk is its first
    /// passing show: then no event's show list is read.
    fn walk(
        &self,
        mut scores: Option<Vec<f32>>,
        floor: Option<Position>,
        wanted: usize,
        budget: usize,
    ) -> Option<Vec<Found>> {
        let f = &self.filter;
        let timeline = match f.city {
            Some(city) => match self.index.city_timelines.get(&city) {
                Some(timeline) => timeline,
                None => return Some(Vec::new()),
            },
            None => &self.index.timeline,
        };
        let from = match (f.after_ns.map(earliest), floor) {
            (Some(after), Some(floor)) if after > floor => Bound::Included(after),
            (_, Some(floor)) => Bound::Excluded(floor),
            (Some(after), None) => Bound::Included(after),
            (None, None) => Bound::Unbounded,
        };
        let first_seen =
            scores.is_some() && floor.is_none() && f.venue.is_none() && f.near.is_none();
        let mut found = Vec::new();
        for (walked, ((start_ns, _), slot, _)) in timeline.walk(from).enumerate() {
            if found.len() >= wanted || f.ends_before(start_ns) {
                break;
            }
            if walked == budget {
                return None;
            }
            let score = match scores.as_mut() {
                None => 0.0,
                Some(scores) => match scores.get_mut(slot as usize) {
                    Some(score) if *score > 0.0 && first_seen => std::mem::take(score),
                    Some(score) if *score > 0.0 => *score,
                    _ => continue,
                },
            };
            let hit = if first_seen {
                self.index
                    .summaries
                    .get(slot as usize)
                    .filter(|summary| self.event_passes(slot, summary))
                    .and_then(|summary| self.after_cursor(slot, summary, score, start_ns))
            } else {
                self.consider(slot, score)
                    .filter(|hit| hit.key.start_ns == start_ns)
            };
            found.extend(hit);
        }
        Some(found)
    }

    /// The hit of event `slot` with text score `score`, if any.
    fn consider(&self, slot: Slot, score: f32) -> Option<Found> {
        let summary = self.index.summaries.get(slot as usize)?;
        if !self.event_passes(slot, summary) {
            return None;
        }
        let f = &self.filter;
        let start_ns = if f.is_empty() {
            (summary.shows > 0).then_some(summary.first_ns)?
        } else if summary.shows == 0
            || f.after_ns.is_some_and(|after| summary.last_ns < after)
            || f.before_ns.is_some_and(|before| summary.first_ns >= before)
        {
            // Every show is outside the dates.
            return None;
        } else {
            let all = &self.index.slots.get(slot as usize)?.shows;
            all.get(f.apply(all)?.0)?.start_ns
        };
        self.after_cursor(slot, summary, score, start_ns)
    }

    /// Whether the event-level filters (kind, performer) pass.
    fn event_passes(&self, slot: Slot, summary: &Summary) -> bool {
        self.query.kind.is_none_or(|kind| kind == summary.kind)
            && self.query.performer.is_none_or(|performer| {
                self.index
                    .slots
                    .get(slot as usize)
                    .is_some_and(|entry| entry.event.performers.contains(&performer))
            })
    }

    /// The hit of an event whose first passing show starts at `start_ns`,
    /// unless it is not after the cursor.
    fn after_cursor(
        &self,
        slot: Slot,
        summary: &Summary,
        score: f32,
        start_ns: i128,
    ) -> Option<Found> {
        let key = SortKey {
            score,
            start_ns,
            id: summary.id,
        };
        if self
            .resume
            .as_ref()
            .is_some_and(|after| key.cmp_in(after, self.query.sort) != Ordering::Greater)
        {
            return None;
        }
        Some(Found { key, slot })
    }
}

/// The distinct `candidates`' scores, best first, or `None` when there
/// are more than [`MAX_GROUPS`].
fn distinct_scores(candidates: &[(Slot, f32)]) -> Option<Vec<f32>> {
    let mut scores: Vec<f32> = Vec::new();
    for (_, score) in candidates {
        if !scores.iter().any(|s| s.to_bits() == score.to_bits()) {
            if scores.len() == MAX_GROUPS {
                return None;
            }
            scores.push(*score);
        }
    }
    scores.sort_unstable_by(|a, b| b.total_cmp(a));
    Some(scores)
}

/// The first timeline position at `start_ns`.
fn earliest(start_ns: i128) -> Position {
    (start_ns, EventId::from_uuid(Uuid::nil()))
}

/// Show-level filters of a query.
struct ShowFilter {
    city: Option<CityId>,
    venue: Option<VenueId>,
    after_ns: Option<i128>,
    before_ns: Option<i128>,
    near: Option<NearFilter>,
}

struct NearFilter {
    point: GeoPoint,
    radius_km: f64,
    /// Shows further away in latitude alone are out of range.
    max_lat_delta: f64,
}

impl ShowFilter {
    fn new(query: &SearchQuery) -> Self {
        /// Kilometres per degree of latitude on the sphere `distance_km` uses.
        const KM_PER_DEGREE: f64 = 6371.0 * std::f64::consts::PI / 180.0;
        Self {
            city: query.city,
            venue: query.venue,
            after_ns: query.starts_after.map(OffsetDateTime::unix_timestamp_nanos),
            before_ns: query
                .starts_before
                .map(OffsetDateTime::unix_timestamp_nanos),
            near: query.near.map(|near| NearFilter {
                point: near.point,
                radius_km: near.radius_km,
                max_lat_delta: near.radius_km / KM_PER_DEGREE * 1.001 + 1e-9,
            }),
        }
    }

    /// Whether no show is filtered out.
    fn is_empty(&self) -> bool {
        self.city.is_none()
            && self.venue.is_none()
            && self.after_ns.is_none()
            && self.before_ns.is_none()
            && self.near.is_none()
    }

    /// Whether shows starting at `start_ns` or later are all too late.
    fn ends_before(&self, start_ns: i128) -> bool {
        self.before_ns.is_some_and(|before| start_ns >= before)
    }

    /// The position of the earliest passing show and the number of passing
    /// shows, or `None` when no show passes. `shows` is sorted by start.
    fn apply(&self, shows: &[IndexedShow]) -> Option<(usize, u32)> {
        let from = self
            .after_ns
            .map_or(0, |after| shows.partition_point(|s| s.start_ns < after));
        let to = self.before_ns.map_or(shows.len(), |before| {
            shows.partition_point(|s| s.start_ns < before)
        });
        let mut first = None;
        let mut count = 0u32;
        for (at, show) in shows.iter().enumerate().take(to).skip(from) {
            if self.passes(show) {
                count = count.saturating_add(1);
                first.get_or_insert(at);
            }
        }
        first.map(|at| (at, count))
    }

    fn passes(&self, show: &IndexedShow) -> bool {
        if self.city.is_some_and(|city| city != show.city)
            || self.venue.is_some_and(|venue| venue != show.venue)
        {
            return false;
        }
        match &self.near {
            None => true,
            Some(near) => {
                (show.location.lat() - near.point.lat()).abs() <= near.max_lat_delta
                    && show.location.distance_km(near.point) <= near.radius_km
            }
        }
    }
}
