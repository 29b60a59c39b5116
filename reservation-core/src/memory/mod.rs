//! The in-memory store: complete, concurrent, and the reference every other
//! store is checked against.
//!
//! Each show is a [`ShowState`](show) behind its own mutex, so operations on
//! different shows never wait for each other; the show registry and the
//! booking and wait indexes are sharded maps. A hold token names its show, so
//! confirming or releasing finds the show without a global lookup; the shows
//! each holder has held or waited in are indexed too, so a holder's own
//! activity visits only those (`activity`). A std-style
//! (parking_lot) mutex is right here: no lock is held across an `.await`, and
//! each critical section is a few microseconds.

mod activity;
mod catalog;
mod checkouts;
mod event_log;
mod room;
mod show;

use std::sync::Arc;

use async_trait::async_trait;
use parking_lot::{Mutex, RwLock};
use time::OffsetDateTime;

use crate::fast_map::{FastDashMap, FastSet};

use crate::activity::HolderActivity;
use crate::booking::Booking;
use crate::catalog::search::{SearchError, SearchPage, SearchQuery};
use crate::catalog::{
    City, Event, EventSummary, Hall, Performer, PricedPlan, Show, Venue, VenueShowtimes,
};
use crate::error::ReservationError;
use crate::events::{EventStream, Sequence, ShowEvent};
use crate::hold::{Hold, HoldRequest, HoldToken};
use crate::ids::{
    BookingId, CityId, EventId, HallId, HolderId, PerformerId, ShowId, VenueId, WaitId,
};
use crate::limits::Policy;
use crate::payment::PaymentReceipt;
use crate::sales::{CancelReason, SalesState};
use crate::seat_map::{Availability, SeatMap};
use crate::store::{
    Catalog, CatalogAdmin, CatalogResult, Checkout, PaymentAttempt, ReservationStore,
};
use crate::waiting_room::line::Line;
use crate::waitlist::{Wait, WaitRequest, WaitStatus};

use self::catalog::{CatalogData, get};
use self::show::ShowState;

/// Events kept per show for clients catching up, by default.
pub const DEFAULT_EVENT_BACKLOG: usize = 10_000;

/// The in-memory store. Cheap to clone; clones share the data.
#[derive(Clone)]
pub struct MemoryStore {
    inner: Arc<Inner>,
}

struct Inner {
    policy: Policy,
    event_backlog: usize,
    catalog: RwLock<CatalogData>,
    shows: FastDashMap<ShowId, Arc<Mutex<ShowState>>>,
    bookings: FastDashMap<BookingId, ShowId>,
    waits: FastDashMap<WaitId, ShowId>,
    /// The shows each holder has held or waited in: where their bookings,
    /// holds and waits are (a booking comes from a hold, a waiter's hold
    /// from a wait).
    holder_shows: FastDashMap<HolderId, FastSet<ShowId>>,
    /// Waiting rooms, each locked before its show when both are (one lock order).
    rooms: FastDashMap<ShowId, Arc<Mutex<Line>>>,
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new(Policy::default())
    }
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore")
            .field("policy", &self.inner.policy)
            .field("shows", &self.inner.shows.len())
            .finish()
    }
}

impl MemoryStore {
    /// An empty store applying `policy`.
    pub fn new(policy: Policy) -> Self {
        Self::with_event_backlog(policy, DEFAULT_EVENT_BACKLOG)
    }

    /// An empty store that keeps the last `event_backlog` events per show for
    /// [`events_since`](ReservationStore::events_since) and resuming subscribers.
    pub fn with_event_backlog(policy: Policy, event_backlog: usize) -> Self {
        Self {
            inner: Arc::new(Inner {
                policy,
                event_backlog,
                catalog: RwLock::default(),
                shows: FastDashMap::default(),
                bookings: FastDashMap::default(),
                waits: FastDashMap::default(),
                holder_shows: FastDashMap::default(),
                rooms: FastDashMap::default(),
            }),
        }
    }

    fn show(&self, id: ShowId) -> Result<Arc<Mutex<ShowState>>, ReservationError> {
        self.inner
            .shows
            .get(&id)
            .map(|s| Arc::clone(&s))
            .ok_or(ReservationError::UnknownShow(id))
    }

    /// Every show, collected first so no registry shard stays locked while
    /// one is worked on.
    fn all_shows(&self) -> Vec<Arc<Mutex<ShowState>>> {
        self.inner
            .shows
            .iter()
            .map(|s| Arc::clone(s.value()))
            .collect()
    }

    /// The show a hold token names; an unknown show is an unknown token.
    fn token_show(&self, token: &HoldToken) -> Result<Arc<Mutex<ShowState>>, ReservationError> {
        self.show(token.show())
            .map_err(|_| ReservationError::InvalidHoldToken)
    }

    fn booking_show(&self, booking: BookingId) -> Result<Arc<Mutex<ShowState>>, ReservationError> {
        let show = self.inner.bookings.get(&booking).map(|s| *s);
        self.show(show.ok_or(ReservationError::UnknownBooking(booking))?)
    }

    fn wait_show(&self, wait: WaitId) -> Result<Arc<Mutex<ShowState>>, ReservationError> {
        let show = self.inner.waits.get(&wait).map(|s| *s);
        self.show(show.ok_or(ReservationError::UnknownWait(wait))?)
    }

    /// Turns "no such seat in this show" into "a seat of another show" when
    /// the seat exists elsewhere.
    fn explain_unknown_seat(&self, show: ShowId, error: ReservationError) -> ReservationError {
        match error {
            ReservationError::UnknownSeat(seat)
                if self.inner.catalog.read().seat_halls.contains_key(&seat) =>
            {
                ReservationError::SeatOfAnotherShow { seat, show }
            }
            other => other,
        }
    }
}

#[async_trait]
impl Catalog for MemoryStore {
    async fn cities(&self) -> CatalogResult<Vec<City>> {
        let mut cities: Vec<City> = self.inner.catalog.read().cities.values().cloned().collect();
        cities.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(cities)
    }

    async fn city(&self, id: CityId) -> CatalogResult<City> {
        get(&self.inner.catalog.read().cities, "city", id).cloned()
    }

    async fn venue(&self, id: VenueId) -> CatalogResult<Venue> {
        get(&self.inner.catalog.read().venues, "venue", id).cloned()
    }

    async fn venues_in_city(&self, city: CityId) -> CatalogResult<Vec<Venue>> {
        let catalog = self.inner.catalog.read();
        get(&catalog.cities, "city", city)?;
        let mut venues: Vec<Venue> = catalog
            .venues
            .values()
            .filter(|v| v.city == city)
            .cloned()
            .collect();
        venues.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(venues)
    }

    async fn hall(&self, id: HallId) -> CatalogResult<Hall> {
        get(&self.inner.catalog.read().halls, "hall", id).cloned()
    }

    async fn event(&self, id: EventId) -> CatalogResult<Event> {
        get(&self.inner.catalog.read().events, "event", id).cloned()
    }

    async fn performer(&self, id: PerformerId) -> CatalogResult<Performer> {
        get(&self.inner.catalog.read().performers, "performer", id).cloned()
    }

    async fn show(&self, id: ShowId) -> CatalogResult<Show> {
        get(&self.inner.catalog.read().shows, "show", id).map(|s| (**s).clone())
    }

    async fn events_in_city(
        &self,
        city: CityId,
        from: OffsetDateTime,
    ) -> CatalogResult<Vec<EventSummary>> {
        self.inner.catalog.read().events_in_city(city, from)
    }

    async fn showtimes(
        &self,
        event: EventId,
        city: CityId,
        from: OffsetDateTime,
    ) -> CatalogResult<Vec<VenueShowtimes>> {
        self.inner.catalog.read().showtimes(event, city, from)
    }

    async fn events_at_venue(
        &self,
        venue: VenueId,
        from: OffsetDateTime,
    ) -> CatalogResult<Vec<EventSummary>> {
        self.inner.catalog.read().events_at_venue(venue, from)
    }

    async fn search(&self, query: &SearchQuery) -> Result<SearchPage, SearchError> {
        let catalog = self.inner.catalog.read();
        let city = query.city.and_then(|id| catalog.cities.get(&id));
        let zone = city.map(|c| c.time_zone.clone()).unwrap_or_default();
        catalog.index.search_in(query, &zone)
    }
}

#[async_trait]
impl CatalogAdmin for MemoryStore {
    async fn add_city(&self, city: City) -> CatalogResult<()> {
        self.inner.catalog.write().add_city(city)
    }

    async fn add_venue(&self, venue: Venue) -> CatalogResult<()> {
        self.inner.catalog.write().add_venue(venue)
    }

    async fn add_hall(&self, hall: Hall) -> CatalogResult<()> {
        self.inner.catalog.write().add_hall(hall)
    }

    async fn add_performer(&self, performer: Performer) -> CatalogResult<()> {
        self.inner.catalog.write().add_performer(performer)
    }

    async fn add_event(&self, event: Event) -> CatalogResult<()> {
        self.inner.catalog.write().add_event(event)
    }

    async fn update_city(&self, city: City) -> CatalogResult<()> {
        self.inner.catalog.write().update_city(city)
    }

    async fn update_venue(&self, venue: Venue) -> CatalogResult<()> {
        self.inner.catalog.write().update_venue(venue)
    }

    async fn update_performer(&self, performer: Performer) -> CatalogResult<()> {
        self.inner.catalog.write().update_performer(performer)
    }

    async fn update_event(&self, event: Event) -> CatalogResult<()> {
        self.inner.catalog.write().update_event(event)
    }

    async fn add_show(&self, show: Show) -> CatalogResult<()> {
        let mut catalog = self.inner.catalog.write();
        let hall = catalog.check_show(&show)?;
        let pricing = PricedPlan::new(hall, &show.prices);
        let show = Arc::new(show);
        let state = ShowState::new(
            Arc::clone(&show),
            pricing,
            self.inner.policy,
            self.inner.event_backlog,
        );
        self.inner
            .shows
            .insert(show.id, Arc::new(Mutex::new(state)));
        catalog.insert_show(show);
        Ok(())
    }
}

#[async_trait]
impl ReservationStore for MemoryStore {
    fn policy(&self) -> Policy {
        self.inner.policy
    }

    async fn hold(
        &self,
        request: &HoldRequest,
        now: OffsetDateTime,
    ) -> Result<Hold, ReservationError> {
        let show = self.show(request.show)?;
        let result = show.lock().hold(request, now);
        let hold = result.map_err(|e| self.explain_unknown_seat(request.show, e))?;
        self.note_holder(hold.holder, hold.show);
        Ok(hold)
    }

    async fn hold_status(
        &self,
        token: &HoldToken,
        holder: HolderId,
        now: OffsetDateTime,
    ) -> Result<Hold, ReservationError> {
        let show = self.token_show(token)?;
        show.lock().hold_status(token, holder, now)
    }

    async fn extend_hold(
        &self,
        token: &HoldToken,
        holder: HolderId,
        now: OffsetDateTime,
    ) -> Result<Hold, ReservationError> {
        let show = self.token_show(token)?;
        show.lock().extend_hold(token, holder, now)
    }

    async fn release(
        &self,
        token: &HoldToken,
        holder: HolderId,
        now: OffsetDateTime,
    ) -> Result<(), ReservationError> {
        let show = self.token_show(token)?;
        show.lock().release(token, holder, now)
    }

    async fn begin_checkout(
        &self,
        token: &HoldToken,
        holder: HolderId,
        now: OffsetDateTime,
    ) -> Result<Checkout, ReservationError> {
        let show = self.token_show(token)?;
        show.lock().begin_checkout(token, holder, now)
    }

    async fn complete_checkout(
        &self,
        token: &HoldToken,
        holder: HolderId,
        receipt: &PaymentReceipt,
        now: OffsetDateTime,
    ) -> Result<Booking, ReservationError> {
        let show = self.token_show(token)?;
        let booking = show.lock().complete_checkout(token, holder, receipt, now)?;
        self.inner.bookings.insert(booking.id, booking.show);
        Ok(booking)
    }

    async fn booking(
        &self,
        booking: BookingId,
        holder: HolderId,
    ) -> Result<Booking, ReservationError> {
        self.booking_show(booking)?.lock().booking(booking, holder)
    }

    async fn holder_activity(
        &self,
        holder: HolderId,
        now: OffsetDateTime,
    ) -> Result<HolderActivity, ReservationError> {
        Ok(self.activity(holder, now))
    }

    async fn cancel_booking(
        &self,
        booking: BookingId,
        holder: HolderId,
        now: OffsetDateTime,
    ) -> Result<Booking, ReservationError> {
        self.booking_show(booking)?
            .lock()
            .cancel_booking(booking, holder, now)
    }

    async fn join_waitlist(
        &self,
        request: &WaitRequest,
        now: OffsetDateTime,
    ) -> Result<Wait, ReservationError> {
        let wait = self
            .show(request.show)?
            .lock()
            .join_waitlist(request, now)?;
        self.inner.waits.insert(wait.id, wait.show);
        self.note_holder(wait.holder, wait.show);
        Ok(wait)
    }

    async fn wait_status(
        &self,
        wait: WaitId,
        holder: HolderId,
        now: OffsetDateTime,
    ) -> Result<WaitStatus, ReservationError> {
        self.wait_show(wait)?.lock().wait_status(wait, holder, now)
    }

    async fn cancel_wait(
        &self,
        wait: WaitId,
        holder: HolderId,
        now: OffsetDateTime,
    ) -> Result<(), ReservationError> {
        self.wait_show(wait)?.lock().cancel_wait(wait, holder, now)
    }

    async fn seat_map(
        &self,
        show: ShowId,
        viewer: Option<HolderId>,
        now: OffsetDateTime,
    ) -> Result<SeatMap, ReservationError> {
        Ok(self.show(show)?.lock().seat_map(viewer, now))
    }

    async fn availability(
        &self,
        show: ShowId,
        now: OffsetDateTime,
    ) -> Result<Availability, ReservationError> {
        Ok(self.show(show)?.lock().availability(now))
    }

    async fn sweep(&self, now: OffsetDateTime) -> Result<usize, ReservationError> {
        Ok(self.all_shows().iter().map(|s| s.lock().settle(now)).sum())
    }

    async fn abandoned_payments(
        &self,
        now: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<PaymentAttempt>, ReservationError> {
        let mut found = Vec::new();
        for show in self.all_shows() {
            let left = limit - found.len();
            if left == 0 {
                break;
            }
            found.extend(show.lock().abandoned_payments(now, left));
        }
        Ok(found)
    }

    async fn payment_settled(
        &self,
        attempt: &PaymentAttempt,
        _now: OffsetDateTime,
    ) -> Result<(), ReservationError> {
        // An attempt on a show the store never had: nothing to settle.
        if let Ok(show) = self.show(attempt.show) {
            show.lock().payment_settled(attempt.hold);
        }
        Ok(())
    }

    async fn pause_sales(
        &self,
        show: ShowId,
        now: OffsetDateTime,
    ) -> Result<SalesState, ReservationError> {
        self.show(show)?.lock().pause_sales(now)
    }

    async fn resume_sales(
        &self,
        show: ShowId,
        now: OffsetDateTime,
    ) -> Result<SalesState, ReservationError> {
        self.show(show)?.lock().resume_sales(now)
    }

    async fn reschedule(
        &self,
        show: ShowId,
        starts_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<(), ReservationError> {
        let state = self.show(show)?;
        // The catalog before the show, as when it was added: one lock order.
        let mut catalog = self.inner.catalog.write();
        let moved = state.lock().reschedule(starts_at, now)?;
        catalog.replace_show(moved);
        Ok(())
    }

    async fn cancel_show(
        &self,
        show: ShowId,
        reason: &CancelReason,
        now: OffsetDateTime,
    ) -> Result<SalesState, ReservationError> {
        self.show(show)?.lock().cancel(reason, now)
    }

    async fn events_since(
        &self,
        show: ShowId,
        after: Sequence,
        limit: usize,
    ) -> Result<Vec<ShowEvent>, ReservationError> {
        self.show(show)?.lock().events_since(after, limit)
    }

    async fn subscribe(
        &self,
        show: ShowId,
        after: Sequence,
    ) -> Result<EventStream, ReservationError> {
        self.show(show)?.lock().subscribe(after)
    }
}
