//! The memory store's catalog: plain maps plus the search index.

use std::collections::HashMap;
use std::sync::Arc;

use time::OffsetDateTime;

use crate::catalog::search::SearchIndex;
use crate::catalog::{
    CatalogError, City, Event, EventSummary, Hall, Performer, Show, Venue, VenueShowtimes,
};
use crate::ids::{CityId, EventId, HallId, PerformerId, SeatId, ShowId, VenueId};
use crate::store::CatalogResult;

#[derive(Default)]
pub(crate) struct CatalogData {
    pub(crate) cities: HashMap<CityId, City>,
    pub(crate) venues: HashMap<VenueId, Venue>,
    pub(crate) halls: HashMap<HallId, Hall>,
    pub(crate) performers: HashMap<PerformerId, Performer>,
    pub(crate) events: HashMap<EventId, Event>,
    pub(crate) shows: HashMap<ShowId, Arc<Show>>,
    shows_by_city: HashMap<CityId, Vec<ShowId>>,
    shows_by_venue: HashMap<VenueId, Vec<ShowId>>,
    /// Which hall every seat belongs to, to tell "a seat of another show"
    /// from "no such seat".
    pub(crate) seat_halls: HashMap<SeatId, HallId>,
    pub(crate) index: SearchIndex,
}

/// Looks `id` up in `map` or reports it unknown.
pub(crate) fn get<'a, K, V>(
    map: &'a HashMap<K, V>,
    kind: &'static str,
    id: K,
) -> CatalogResult<&'a V>
where
    K: std::hash::Hash + Eq + std::fmt::Display,
{
    map.get(&id).ok_or_else(|| CatalogError::unknown(kind, &id))
}

fn ensure_new<K: std::hash::Hash + Eq + std::fmt::Display, V>(
    map: &HashMap<K, V>,
    kind: &'static str,
    id: &K,
) -> CatalogResult<()> {
    if map.contains_key(id) {
        Err(CatalogError::duplicate(kind, id))
    } else {
        Ok(())
    }
}

impl CatalogData {
    pub(crate) fn add_city(&mut self, city: City) -> CatalogResult<()> {
        ensure_new(&self.cities, "city", &city.id)?;
        self.cities.insert(city.id, city);
        Ok(())
    }

    pub(crate) fn add_venue(&mut self, venue: Venue) -> CatalogResult<()> {
        ensure_new(&self.venues, "venue", &venue.id)?;
        get(&self.cities, "city", venue.city)?;
        self.venues.insert(venue.id, venue);
        Ok(())
    }

    pub(crate) fn add_hall(&mut self, hall: Hall) -> CatalogResult<()> {
        ensure_new(&self.halls, "hall", &hall.id())?;
        get(&self.venues, "venue", hall.venue())?;
        if let Some(seat) = hall
            .plan()
            .seats()
            .iter()
            .find(|s| self.seat_halls.contains_key(&s.id))
        {
            return Err(CatalogError::duplicate("seat", seat.id));
        }
        for seat in hall.plan().seats() {
            self.seat_halls.insert(seat.id, hall.id());
        }
        self.halls.insert(hall.id(), hall);
        Ok(())
    }

    pub(crate) fn add_performer(&mut self, performer: Performer) -> CatalogResult<()> {
        ensure_new(&self.performers, "performer", &performer.id)?;
        self.performers.insert(performer.id, performer);
        Ok(())
    }

    pub(crate) fn add_event(&mut self, event: Event) -> CatalogResult<()> {
        ensure_new(&self.events, "event", &event.id)?;
        self.put_event(event)
    }

    /// Indexes and stores `event`, whose performers must exist.
    fn put_event(&mut self, event: Event) -> CatalogResult<()> {
        let names = self.performer_names(&event)?;
        self.index.upsert_event(&event, &names);
        self.events.insert(event.id, event);
        Ok(())
    }

    /// The names of `event`'s performers, in its order.
    fn performer_names(&self, event: &Event) -> CatalogResult<Vec<String>> {
        event
            .performers
            .iter()
            .map(|p| get(&self.performers, "performer", *p).map(|p| p.name.clone()))
            .collect()
    }

    pub(crate) fn update_city(&mut self, city: City) -> CatalogResult<()> {
        // Search reads a city's zone per query: nothing to re-index.
        get(&self.cities, "city", city.id)?;
        self.cities.insert(city.id, city);
        Ok(())
    }

    pub(crate) fn update_venue(&mut self, venue: Venue) -> CatalogResult<()> {
        let city = get(&self.venues, "venue", venue.id)?.city;
        if venue.city != city {
            return Err(CatalogError::VenueCityFixed {
                venue: venue.id,
                city,
            });
        }
        // Re-adding each show refreshes the venue's name, place and zone
        // in search.
        for id in self.shows_by_venue.get(&venue.id).into_iter().flatten() {
            if let Some(show) = self.shows.get(id) {
                self.index.add_show(show, &venue);
            }
        }
        self.venues.insert(venue.id, venue);
        Ok(())
    }

    pub(crate) fn update_performer(&mut self, performer: Performer) -> CatalogResult<()> {
        get(&self.performers, "performer", performer.id)?;
        let id = performer.id;
        self.performers.insert(id, performer);
        let naming: Vec<Event> = self
            .events
            .values()
            .filter(|e| e.performers.contains(&id))
            .cloned()
            .collect();
        for event in naming {
            let names = self.performer_names(&event)?;
            self.index.upsert_event(&event, &names);
        }
        Ok(())
    }

    pub(crate) fn update_event(&mut self, event: Event) -> CatalogResult<()> {
        get(&self.events, "event", event.id)?;
        self.put_event(event)
    }

    /// Checks a show against the catalog and returns its hall.
    pub(crate) fn check_show(&self, show: &Show) -> CatalogResult<&Hall> {
        ensure_new(&self.shows, "show", &show.id)?;
        get(&self.events, "event", show.event)?;
        let hall = get(&self.halls, "hall", show.hall)?;
        let venue = get(&self.venues, "venue", show.venue)?;
        if hall.venue() != show.venue {
            return Err(CatalogError::HallNotInVenue {
                hall: show.hall,
                venue: show.venue,
            });
        }
        if venue.city != show.city {
            return Err(CatalogError::unknown("city of venue", show.city));
        }
        show.prices.check_against(hall)?;
        Ok(hall)
    }

    pub(crate) fn insert_show(&mut self, show: Arc<Show>) {
        if let Some(venue) = self.venues.get(&show.venue) {
            self.index.add_show(&show, venue);
        }
        self.shows_by_city
            .entry(show.city)
            .or_default()
            .push(show.id);
        self.shows_by_venue
            .entry(show.venue)
            .or_default()
            .push(show.id);
        self.shows.insert(show.id, show);
    }

    /// A show already listed, changed (its start moved).
    pub(crate) fn replace_show(&mut self, show: Arc<Show>) {
        if let Some(venue) = self.venues.get(&show.venue) {
            self.index.add_show(&show, venue);
        }
        self.shows.insert(show.id, show);
    }

    fn listed<'a>(
        &'a self,
        ids: Option<&'a Vec<ShowId>>,
        from: OffsetDateTime,
    ) -> impl Iterator<Item = &'a Show> {
        ids.into_iter()
            .flatten()
            .filter_map(|id| self.shows.get(id))
            .map(|s| &**s)
            .filter(move |s| s.starts_at >= from)
    }

    pub(crate) fn events_in_city(
        &self,
        city: CityId,
        from: OffsetDateTime,
    ) -> CatalogResult<Vec<EventSummary>> {
        get(&self.cities, "city", city)?;
        Ok(self.summarize(self.listed(self.shows_by_city.get(&city), from)))
    }

    pub(crate) fn events_at_venue(
        &self,
        venue: VenueId,
        from: OffsetDateTime,
    ) -> CatalogResult<Vec<EventSummary>> {
        get(&self.venues, "venue", venue)?;
        Ok(self.summarize(self.listed(self.shows_by_venue.get(&venue), from)))
    }

    fn summarize<'a>(&self, shows: impl Iterator<Item = &'a Show>) -> Vec<EventSummary> {
        let mut by_event: HashMap<EventId, (OffsetDateTime, u32)> = HashMap::new();
        for show in shows {
            let entry = by_event.entry(show.event).or_insert((show.starts_at, 0));
            entry.0 = entry.0.min(show.starts_at);
            entry.1 += 1;
        }
        let mut list: Vec<EventSummary> = by_event
            .into_iter()
            .filter_map(|(id, (next_show, shows))| {
                Some(EventSummary::new(
                    self.events.get(&id)?.clone(),
                    next_show,
                    shows,
                ))
            })
            .collect();
        list.sort_by(|a, b| {
            (a.next_show, &a.event.title, a.event.id).cmp(&(
                b.next_show,
                &b.event.title,
                b.event.id,
            ))
        });
        list
    }

    pub(crate) fn showtimes(
        &self,
        event: EventId,
        city: CityId,
        from: OffsetDateTime,
    ) -> CatalogResult<Vec<VenueShowtimes>> {
        get(&self.events, "event", event)?;
        get(&self.cities, "city", city)?;
        let mut by_venue: HashMap<VenueId, Vec<Show>> = HashMap::new();
        for show in self
            .listed(self.shows_by_city.get(&city), from)
            .filter(|s| s.event == event)
        {
            by_venue.entry(show.venue).or_default().push(show.clone());
        }
        let mut list: Vec<VenueShowtimes> = by_venue
            .into_iter()
            .filter_map(|(venue, mut shows)| {
                shows.sort_by_key(|s| (s.starts_at, s.id));
                Some(VenueShowtimes::new(self.venues.get(&venue)?.clone(), shows))
            })
            .collect();
        list.sort_by(|a, b| {
            let first = |v: &VenueShowtimes| v.shows.first().map(|s| s.starts_at);
            (first(a), &a.venue.name).cmp(&(first(b), &b.venue.name))
        });
        Ok(list)
    }
}
