//! [`SearchIndex`], the in-memory implementation of the search contract
//! (see "The in-memory index" in the [parent module](super)).

use std::collections::{BTreeMap, HashMap};

use time::OffsetDateTime;

use super::ranking::Ranker;
use super::timeline::Timeline;
use super::vocabulary::{Slot, TermId, Vocabulary};
use super::{
    DESCRIPTION_WEIGHT, GENRE_WEIGHT, PERFORMER_WEIGHT, SearchError, SearchPage, SearchQuery,
    TITLE_WEIGHT, VENUE_WEIGHT, tokenize, validate,
};
use crate::catalog::{Event, EventKind, GeoPoint, Show, TimeZone, Venue};
use crate::ids::{CityId, EventId, ShowId, VenueId};

/// An in-memory search index over events and their shows.
///
/// It implements the contract in the [module docs](super). It does no
/// locking of its own: the owner serialises writes against reads.
#[derive(Debug, Default)]
pub struct SearchIndex {
    /// Slot of every indexed event in `slots`.
    pub(super) events: HashMap<EventId, Slot>,
    /// Indexed events by slot (events are replaced, never removed).
    pub(super) slots: Vec<IndexedEvent>,
    /// What ranking needs of each event, by slot.
    pub(super) summaries: Vec<Summary>,
    pub(super) vocab: Vocabulary,
    /// Which event each indexed show belongs to.
    show_owner: HashMap<ShowId, Slot>,
    /// Every show, by start.
    pub(super) timeline: Timeline,
    /// Each city's shows, by start.
    pub(super) city_timelines: HashMap<CityId, Timeline>,
    /// Each venue's time zone, as its latest show was added with (kept
    /// per venue, not per show: a million shows share a few zones).
    pub(super) venue_zones: HashMap<VenueId, TimeZone>,
}

/// An event as search sees it.
#[derive(Debug)]
pub(super) struct IndexedEvent {
    pub(super) event: Event,
    /// Terms of the event's own fields and performer names, with weights.
    base_terms: HashMap<TermId, f32>,
    /// Names of the venues the event has shows at.
    venue_names: BTreeMap<VenueId, String>,
    /// Every term currently posted for this event with its best weight,
    /// by term id.
    pub(super) terms: Vec<(TermId, f32)>,
    /// Shows, sorted by (start, id).
    pub(super) shows: Vec<IndexedShow>,
}

/// What ranking an event needs when no filter is on its shows, packed
/// apart from the rest: ranking tens of thousands of events then reads a few
/// megabytes, not every event's shows.
#[derive(Debug)]
pub(super) struct Summary {
    pub(super) id: EventId,
    pub(super) kind: EventKind,
    /// Starts of the earliest and the latest show (when there is one).
    pub(super) first_ns: i128,
    pub(super) last_ns: i128,
    pub(super) shows: u32,
}

/// A show as search filters it.
#[derive(Debug)]
pub(super) struct IndexedShow {
    id: ShowId,
    pub(super) starts_at: OffsetDateTime,
    pub(super) start_ns: i128,
    pub(super) venue: VenueId,
    pub(super) city: CityId,
    pub(super) location: GeoPoint,
}

impl SearchIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces an event; performer names are searchable text.
    ///
    /// Replacing an event keeps the shows already added for it.
    pub fn upsert_event(&mut self, event: &Event, performer_names: &[String]) {
        let mut base_terms = HashMap::new();
        self.add_field(&mut base_terms, &event.title, TITLE_WEIGHT);
        for name in performer_names {
            self.add_field(&mut base_terms, name, PERFORMER_WEIGHT);
        }
        for genre in &event.genres {
            self.add_field(&mut base_terms, genre, GENRE_WEIGHT);
        }
        self.add_field(&mut base_terms, &event.description, DESCRIPTION_WEIGHT);

        let slot = match self.events.get(&event.id) {
            Some(slot) => *slot,
            None => {
                let slot = Slot::try_from(self.slots.len()).unwrap_or(Slot::MAX);
                self.events.insert(event.id, slot);
                self.summaries.push(Summary {
                    id: event.id,
                    kind: event.kind,
                    first_ns: 0,
                    last_ns: 0,
                    shows: 0,
                });
                self.slots.push(IndexedEvent {
                    event: event.clone(),
                    base_terms: HashMap::new(),
                    venue_names: BTreeMap::new(),
                    terms: Vec::new(),
                    shows: Vec::new(),
                });
                slot
            }
        };
        if let Some(entry) = self.slots.get_mut(slot as usize) {
            entry.event = event.clone();
            entry.base_terms = base_terms;
        }
        if let Some(summary) = self.summaries.get_mut(slot as usize) {
            summary.kind = event.kind;
        }
        self.reindex(slot);
    }

    /// Adds a show of an indexed event (ignored if the event is unknown). The
    /// venue supplies the city, location and searchable venue name.
    ///
    /// Adding a show id again replaces the earlier show, also when it now
    /// names another event. The venue's name is searchable text of the show's
    /// event while the event has a show there; a show passing a renamed venue
    /// replaces the old name on that event.
    pub fn add_show(&mut self, show: &Show, venue: &Venue) {
        let Some(&slot) = self.events.get(&show.event) else {
            return;
        };
        if let Some(previous) = self.show_owner.remove(&show.id) {
            self.detach_show(previous, show.id);
        }
        let indexed = IndexedShow {
            id: show.id,
            starts_at: show.starts_at,
            start_ns: show.starts_at.unix_timestamp_nanos(),
            venue: venue.id,
            city: venue.city,
            location: venue.location,
        };
        self.timeline.add(indexed.start_ns, show.event, slot);
        self.venue_zones.insert(venue.id, venue.time_zone.clone());
        self.city_timelines.entry(indexed.city).or_default().add(
            indexed.start_ns,
            show.event,
            slot,
        );
        let Some(entry) = self.slots.get_mut(slot as usize) else {
            return;
        };
        let at = entry
            .shows
            .partition_point(|s| (s.start_ns, s.id) < (indexed.start_ns, indexed.id));
        entry.shows.insert(at, indexed);
        let renamed = match entry.venue_names.insert(venue.id, venue.name.clone()) {
            Some(previous) => previous != venue.name,
            None => {
                self.add_venue_terms(slot, &venue.name);
                false
            }
        };
        // Renamed: the old name's terms must go.
        if renamed {
            self.reindex(slot);
        }
        self.summarize(slot);
        self.show_owner.insert(show.id, slot);
    }

    /// Runs a query whose local days (if any) are UTC days: stores call
    /// [`search_in`](Self::search_in) with the query city's zone.
    ///
    /// # Errors
    ///
    /// The query is invalid (see "Validation" in the [module docs](super)).
    pub fn search(&self, query: &SearchQuery) -> Result<SearchPage, SearchError> {
        self.search_in(query, &TimeZone::utc())
    }

    /// Runs a query whose local days are days in `zone`, the time zone of
    /// the query's city (any zone when that city is unknown: nothing
    /// matches then).
    ///
    /// # Errors
    ///
    /// The query is invalid (see "Validation" in the [module docs](super)).
    pub fn search_in(
        &self,
        query: &SearchQuery,
        zone: &TimeZone,
    ) -> Result<SearchPage, SearchError> {
        validate(query)?;
        let query = &query.days_in(zone);
        let ranker = Ranker::new(self, query, validate(query)?);
        let text = query.text.trim();
        let found = if text.is_empty() {
            ranker.browse()
        } else {
            ranker.rank(self.match_text(text))
        };
        Ok(ranker.page(found))
    }

    /// Tokens of `text` into `terms` with `weight`, keeping each term's best
    /// weight.
    fn add_field(&mut self, terms: &mut HashMap<TermId, f32>, text: &str, weight: f32) {
        for token in tokenize(text) {
            let slot = terms.entry(self.vocab.intern(&token)).or_insert(weight);
            if weight > *slot {
                *slot = weight;
            }
        }
    }

    /// Replaces the postings of event `slot` with its current terms.
    fn reindex(&mut self, slot: Slot) {
        let Some(entry) = self.slots.get_mut(slot as usize) else {
            return;
        };
        let previous = std::mem::take(&mut entry.terms);
        let mut terms = entry.base_terms.clone();
        let venue_names: Vec<String> = entry.venue_names.values().cloned().collect();
        for (term, _) in &previous {
            self.vocab.unpost(*term, slot);
        }
        for name in &venue_names {
            self.add_field(&mut terms, name, VENUE_WEIGHT);
        }
        let mut terms: Vec<(TermId, f32)> = terms.into_iter().collect();
        terms.sort_unstable_by_key(|(term, _)| *term);
        for (term, weight) in &terms {
            self.vocab.post(*term, slot, *weight);
        }
        if let Some(entry) = self.slots.get_mut(slot as usize) {
            entry.terms = terms;
        }
    }

    /// Adds the tokens of a venue's name to event `slot`, keeping each
    /// term's best weight.
    fn add_venue_terms(&mut self, slot: Slot, name: &str) {
        for token in tokenize(name) {
            let term = self.vocab.intern(&token);
            let Some(entry) = self.slots.get_mut(slot as usize) else {
                return;
            };
            match entry.terms.binary_search_by_key(&term, |(t, _)| *t) {
                Ok(at) if entry.terms[at].1 >= VENUE_WEIGHT => continue,
                Ok(at) => entry.terms[at].1 = VENUE_WEIGHT,
                Err(at) => entry.terms.insert(at, (term, VENUE_WEIGHT)),
            }
            self.vocab.post(term, slot, VENUE_WEIGHT);
        }
    }

    /// Removes a show from an event, dropping the venue's name from the
    /// event's searchable text when it was its last show there.
    fn detach_show(&mut self, slot: Slot, show: ShowId) {
        let Some(entry) = self.slots.get_mut(slot as usize) else {
            return;
        };
        let Some(at) = entry.shows.iter().position(|s| s.id == show) else {
            return;
        };
        let removed = entry.shows.remove(at);
        let venue_gone = !entry.shows.iter().any(|s| s.venue == removed.venue);
        if venue_gone {
            entry.venue_names.remove(&removed.venue);
        }
        let event = entry.event.id;
        self.timeline.remove(removed.start_ns, event);
        if let Some(city) = self.city_timelines.get_mut(&removed.city) {
            city.remove(removed.start_ns, event);
        }
        if venue_gone {
            self.reindex(slot);
        }
        self.summarize(slot);
    }

    /// Brings the summary of event `slot` up to date with its shows.
    fn summarize(&mut self, slot: Slot) {
        let (Some(entry), Some(summary)) = (
            self.slots.get(slot as usize),
            self.summaries.get_mut(slot as usize),
        ) else {
            return;
        };
        summary.first_ns = entry.shows.first().map_or(0, |s| s.start_ns);
        summary.last_ns = entry.shows.last().map_or(0, |s| s.start_ns);
        summary.shows = u32::try_from(entry.shows.len()).unwrap_or(u32::MAX);
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use time::macros::datetime;

    use super::*;
    use crate::catalog::search::{EventText, PageSize, SearchHit, SearchSort, paginate};
    use crate::catalog::{EventKind, Hall, PriceList, grid_layout};
    use crate::ids::HallId;
    use crate::money::{Currency, Money};

    /// Words with prefixes and typos of each other among them.
    const WORDS: [&str; 10] = [
        "matinee", "matinees", "mattinee", "jazz", "jazzy", "opera", "operas", "night", "nights",
        "live",
    ];
    const QUERIES: [&str; 15] = [
        "",
        "  ",
        "matinee",
        "matine",
        "mat",
        "jazz",
        "jaz",
        "opera night",
        "nigth",
        "live live",
        "operaz",
        "ni",
        "jazz matinee live",
        "--",
        "draft",
    ];
    const KINDS: [EventKind; 3] = [EventKind::Movie, EventKind::Concert, EventKind::Theatre];

    /// One event: kind, title words, description words, performer word, and
    /// shows as (venue, hour).
    type EventSpec = (usize, Vec<usize>, Vec<usize>, usize, Vec<(usize, i64)>);

    /// The index and what was put into it, for the plain scan.
    struct World {
        index: SearchIndex,
        events: Vec<(Event, Vec<String>)>,
        shows: Vec<(Show, Venue)>,
        cities: Vec<CityId>,
        venues: Vec<Venue>,
    }

    fn words(at: &[usize]) -> String {
        at.iter().map(|w| WORDS[*w]).collect::<Vec<_>>().join(" ")
    }

    fn world(specs: &[EventSpec], moves: &[(usize, usize)]) -> World {
        let cities = vec![CityId::random(), CityId::random()];
        let venues: Vec<Venue> = ["Opera House", "Jazz Club", "Night Palace", "Live Matinee"]
            .iter()
            .enumerate()
            .map(|(i, name)| Venue {
                id: VenueId::random(),
                city: cities[i % 2],
                name: (*name).to_owned(),
                address: "-".to_owned(),
                postal_code: "-".to_owned(),
                location: GeoPoint::new(50.0, 10.0).unwrap(),
                time_zone: crate::catalog::TimeZone::utc(),
            })
            .collect();
        let hall = Hall::new(
            HallId::random(),
            venues[0].id,
            "1",
            grid_layout("h", 1, 2, 0),
        )
        .unwrap();
        let prices = PriceList::uniform(&hall.layout().categories, Money::new(900, Currency::EUR));
        let mut index = SearchIndex::new();
        let mut events = Vec::new();
        let mut shows = Vec::new();
        for (kind, title, description, performer, at) in specs {
            let event = Event {
                id: EventId::random(),
                kind: KINDS[*kind],
                title: words(title),
                description: words(description),
                genres: Vec::new(),
                performers: Vec::new(),
                duration_minutes: 90,
                rating: None,
            };
            let names = vec![WORDS[*performer].to_owned()];
            // A first version, replaced: its words must not match.
            let mut draft = event.clone();
            draft.title = "draft".to_owned();
            index.upsert_event(&draft, &[]);
            index.upsert_event(&event, &names);
            for (venue, hour) in at {
                let venue = &venues[*venue];
                let show = Show {
                    id: ShowId::random(),
                    event: event.id,
                    hall: hall.id(),
                    venue: venue.id,
                    city: venue.city,
                    // Few distinct times: many ties.
                    starts_at: datetime!(2030-01-01 18:00 UTC) + time::Duration::hours(*hour),
                    prices: prices.clone(),
                };
                index.add_show(&show, venue);
                shows.push((show, venue.clone()));
            }
            events.push((event, names));
        }
        // Shows moved to another event.
        for (show, event) in moves {
            let show = show % shows.len().max(1);
            if let (Some((show, venue)), Some((event, _))) =
                (shows.get_mut(show), events.get(event % specs.len().max(1)))
            {
                show.event = event.id;
                index.add_show(show, venue);
            }
        }
        World {
            index,
            events,
            shows,
            cities,
            venues,
        }
    }

    /// Every hit of `query` by looking at every event and show.
    fn scan(world: &World, query: &SearchQuery) -> Vec<SearchHit> {
        let mut hits = Vec::new();
        for (event, names) in &world.events {
            let shows: Vec<&(Show, Venue)> = world
                .shows
                .iter()
                .filter(|(s, _)| s.event == event.id)
                .collect();
            let mut venues: Vec<String> = shows.iter().map(|(_, v)| v.name.clone()).collect();
            venues.sort();
            venues.dedup();
            let Some(score) = EventText::new(event, names, &venues).score(&query.text) else {
                continue;
            };
            if query.kind.is_some_and(|k| k != event.kind) {
                continue;
            }
            let passing: Vec<&Show> = shows
                .iter()
                .map(|(s, _)| s)
                .filter(|s| {
                    query.city.is_none_or(|c| c == s.city)
                        && query.venue.is_none_or(|v| v == s.venue)
                        && query.starts_after.is_none_or(|a| s.starts_at >= a)
                        && query.starts_before.is_none_or(|b| s.starts_at < b)
                })
                .collect();
            let Some(first) = passing.iter().map(|s| s.starts_at).min() else {
                continue;
            };
            hits.push(SearchHit {
                event: event.clone(),
                score,
                first_show: first,
                time_zone: TimeZone::utc(),
                shows: passing.len() as u32,
            });
        }
        hits
    }

    fn event_spec() -> impl Strategy<Value = EventSpec> {
        (
            0..KINDS.len(),
            prop::collection::vec(0..WORDS.len(), 1..3),
            prop::collection::vec(0..WORDS.len(), 0..3),
            0..WORDS.len(),
            prop::collection::vec((0..4usize, 0..4i64), 0..4),
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Every page the index returns, following its cursors, is the page
        /// of the plain scan's hits.
        #[test]
        fn pages_equal_those_of_a_plain_scan(
            specs in prop::collection::vec(event_spec(), 1..30),
            moves in prop::collection::vec((0..100usize, 0..100usize), 0..3),
            // Half without text: those walk the timelines.
            text in prop_oneof![Just(0), 0..QUERIES.len()],
            city in 0..3usize,
            venue in prop::option::of(0..4usize),
            after in prop::option::of(0..4i64),
            kind in prop::option::of(0..KINDS.len()),
            by_time in any::<bool>(),
            limit in 1u16..=5,
        ) {
            let world = world(&specs, &moves);
            let hour = |h: i64| datetime!(2030-01-01 18:00 UTC) + time::Duration::hours(h);
            let mut query = SearchQuery {
                text: QUERIES[text].to_owned(),
                city: world.cities.get(city).copied(),
                venue: venue.map(|v| world.venues[v].id),
                starts_after: after.map(hour),
                starts_before: after.map(|h| hour(h + 2)),
                kind: kind.map(|k| KINDS[k]),
                sort: if by_time { SearchSort::StartTime } else { SearchSort::Relevance },
                limit: PageSize::new(limit).unwrap(),
                ..SearchQuery::default()
            };
            let hits = scan(&world, &query);
            for _ in 0..=hits.len() {
                let page = world.index.search(&query).unwrap();
                prop_assert_eq!(&page, &paginate(&query, hits.clone()).unwrap());
                match page.next {
                    Some(next) => query.cursor = Some(next),
                    None => break,
                }
            }
        }
    }
}
