//! The storage ports. Every method of [`ReservationStore`] is one atomic unit:
//! it either happens completely or not at all, and no other call observes it
//! half done. The PostgreSQL adapter runs each in one transaction; the memory
//! store under one show lock.
//!
//! The traits use `async-trait` because applications pick a store at run time
//! (memory for the demo, PostgreSQL in production) and hold it as
//! `Arc<dyn ReservationStore>`; native `async fn` in traits is not object-safe.
//!
//! Every operation takes `now` from the caller's [`Clock`](crate::Clock)
//! (the [`Reservations`](crate::Reservations) engine passes it), so expiry is
//! deterministic in tests. Each operation first *settles* the show at `now`:
//! holds past `expires_at + grace` free their seats, waits past their limit
//! end, and freed seats are served to the waitlist. So a hold whose time is
//! up is gone for every read and write, whether or not [`sweep`] ran.
//!
//! [`sweep`]: ReservationStore::sweep

use async_trait::async_trait;
use time::{Duration, OffsetDateTime};

use crate::activity::HolderActivity;
use crate::booking::Booking;
use crate::catalog::search::{SearchError, SearchPage, SearchQuery};
use crate::catalog::{
    CatalogError, City, Event, EventSummary, Hall, Performer, Show, Venue, VenueShowtimes,
};
use crate::error::ReservationError;
use crate::events::{EventStream, Sequence, ShowEvent};
use crate::hold::{Hold, HoldRequest, HoldToken};
use crate::ids::{
    BookingId, CityId, EventId, HallId, HoldId, HolderId, PerformerId, ShowId, VenueId, WaitId,
};
use crate::limits::Policy;
use crate::payment::PaymentReceipt;
use crate::sales::{CancelReason, SalesState};
use crate::seat_map::{Availability, SeatMap};
use crate::waitlist::{Wait, WaitRequest, WaitStatus};

/// Result of a catalog read: `None`-like misses are [`CatalogError::Unknown`].
pub type CatalogResult<T> = Result<T, CatalogError>;

/// Reads of the catalog: what a storefront browses.
///
/// ```
/// use reservation_core::{Catalog, MemoryStore, sample};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let store = MemoryStore::default();
/// let show = store.show(sample::load(&store).await?).await?;
/// let london = store.city(show.city).await?;
/// assert_eq!(london.name, "London");
/// let on = store.events_in_city(london.id, time::OffsetDateTime::now_utc()).await?;
/// assert_eq!(on[0].event.title, "Dune");
/// # Ok(())
/// # }
/// ```
#[async_trait]
pub trait Catalog: Send + Sync {
    /// All cities, by name.
    async fn cities(&self) -> CatalogResult<Vec<City>>;
    /// One city.
    async fn city(&self, id: CityId) -> CatalogResult<City>;
    /// One venue.
    async fn venue(&self, id: VenueId) -> CatalogResult<Venue>;
    /// Venues of a city, by name.
    async fn venues_in_city(&self, city: CityId) -> CatalogResult<Vec<Venue>>;
    /// One hall with its layout.
    async fn hall(&self, id: HallId) -> CatalogResult<Hall>;
    /// One event.
    async fn event(&self, id: EventId) -> CatalogResult<Event>;
    /// One performer.
    async fn performer(&self, id: PerformerId) -> CatalogResult<Performer>;
    /// One show.
    async fn show(&self, id: ShowId) -> CatalogResult<Show>;
    /// Events with a show in `city` starting at or after `from`, earliest first.
    async fn events_in_city(
        &self,
        city: CityId,
        from: OffsetDateTime,
    ) -> CatalogResult<Vec<EventSummary>>;
    /// Shows of `event` in `city` from `from` on, grouped by venue (venues by
    /// their earliest show, shows by start time).
    async fn showtimes(
        &self,
        event: EventId,
        city: CityId,
        from: OffsetDateTime,
    ) -> CatalogResult<Vec<VenueShowtimes>>;
    /// Events with a show at `venue` from `from` on, earliest first.
    async fn events_at_venue(
        &self,
        venue: VenueId,
        from: OffsetDateTime,
    ) -> CatalogResult<Vec<EventSummary>>;
    /// Typo-tolerant search with filters and cursor pagination, as the
    /// [search contract](crate::catalog::search) says; a query's
    /// `first_day` and `last_day` are days of its city's time zone
    /// ([`SearchIndex::search_in`](crate::catalog::search::SearchIndex::search_in)).
    async fn search(&self, query: &SearchQuery) -> Result<SearchPage, SearchError>;
}

/// Writes to the catalog. Each checks that what it refers to exists.
///
/// ```
/// use reservation_core::catalog::{CatalogError, City, GeoPoint, Venue};
/// use reservation_core::{Catalog, CatalogAdmin, CityId, MemoryStore};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let store = MemoryStore::default();
/// let here = GeoPoint::new(38.7223, -9.1393)?;
/// let lisbon = City::new("Lisbon", "PT", here);
/// store.add_city(lisbon.clone()).await?;
/// store.add_venue(Venue::new(lisbon.id, "Cinema São Jorge", here)).await?;
/// assert_eq!(store.venues_in_city(lisbon.id).await?.len(), 1);
///
/// // Ids are unique, and what a write refers to must exist.
/// assert!(matches!(store.add_city(lisbon).await, Err(CatalogError::Duplicate { .. })));
/// let nowhere = Venue::new(CityId::random(), "Nowhere", here);
/// assert!(matches!(store.add_venue(nowhere).await, Err(CatalogError::Unknown { .. })));
/// # Ok(())
/// # }
/// ```
#[async_trait]
pub trait CatalogAdmin: Send + Sync {
    /// Adds a city.
    async fn add_city(&self, city: City) -> CatalogResult<()>;
    /// Adds a venue in an existing city.
    async fn add_venue(&self, venue: Venue) -> CatalogResult<()>;
    /// Adds a hall to an existing venue.
    async fn add_hall(&self, hall: Hall) -> CatalogResult<()>;
    /// Adds a performer.
    async fn add_performer(&self, performer: Performer) -> CatalogResult<()>;
    /// Adds an event whose performers exist.
    async fn add_event(&self, event: Event) -> CatalogResult<()>;
    /// Schedules a show; every seat of its hall starts available.
    async fn add_show(&self, show: Show) -> CatalogResult<()>;

    /// Replaces the city with `city.id`. Its venues keep their own time
    /// zones; search's local days follow the new zone at once.
    ///
    /// ```
    /// use reservation_core::catalog::{CatalogError, City, GeoPoint};
    /// use reservation_core::{Catalog, CatalogAdmin, MemoryStore};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let store = MemoryStore::default();
    /// let city = City::new("Lisbon", "PT", GeoPoint::new(38.72, -9.14)?);
    /// store.add_city(city.clone()).await?;
    /// let mut renamed = city.clone();
    /// renamed.name = "Lisboa".into();
    /// store.update_city(renamed).await?;
    /// assert_eq!(store.city(city.id).await?.name, "Lisboa");
    ///
    /// // Only a city that exists can be updated.
    /// let other = City::new("Porto", "PT", GeoPoint::new(41.15, -8.61)?);
    /// assert!(matches!(store.update_city(other).await, Err(CatalogError::Unknown { .. })));
    /// # Ok(())
    /// # }
    /// ```
    async fn update_city(&self, city: City) -> CatalogResult<()>;

    /// Replaces the venue with `venue.id`; search finds its events under
    /// its new name at once. Its city cannot change
    /// ([`CatalogError::VenueCityFixed`]): its shows belong to that city. A
    /// new time zone keeps every show's instant (its local time moves).
    ///
    /// ```
    /// use reservation_core::catalog::{CatalogError, City, GeoPoint, Venue};
    /// use reservation_core::{Catalog, CatalogAdmin, CityId, MemoryStore};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let store = MemoryStore::default();
    /// let here = GeoPoint::new(38.72, -9.14)?;
    /// let lisbon = City::new("Lisbon", "PT", here);
    /// store.add_city(lisbon.clone()).await?;
    /// let venue = Venue::new(lisbon.id, "Cinema São Jorge", here);
    /// store.add_venue(venue.clone()).await?;
    /// let mut renamed = venue.clone();
    /// renamed.name = "São Jorge".into();
    /// store.update_venue(renamed).await?;
    /// assert_eq!(store.venue(venue.id).await?.name, "São Jorge");
    ///
    /// let mut moved = venue;
    /// moved.city = CityId::random();
    /// assert!(matches!(store.update_venue(moved).await, Err(CatalogError::VenueCityFixed { .. })));
    /// # Ok(())
    /// # }
    /// ```
    async fn update_venue(&self, venue: Venue) -> CatalogResult<()>;

    /// Replaces the performer with `performer.id`; search finds the
    /// performer's events under the new name at once.
    ///
    /// ```
    /// use reservation_core::catalog::{Event, EventKind, Performer};
    /// use reservation_core::{Catalog, CatalogAdmin, MemoryStore};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let store = MemoryStore::default();
    /// let prince = Performer::new("Prince");
    /// store.add_performer(prince.clone()).await?;
    /// store.add_event(Event::new(EventKind::Concert, "Purple Rain").with_performers([prince.id])).await?;
    /// store.update_performer(Performer::new("The Artist").with_id(prince.id)).await?;
    /// assert_eq!(store.performer(prince.id).await?.name, "The Artist");
    /// # Ok(())
    /// # }
    /// ```
    async fn update_performer(&self, performer: Performer) -> CatalogResult<()>;

    /// Replaces the event with `event.id`, whose performers must exist; its
    /// shows stay, and search finds it by its new text at once.
    ///
    /// ```
    /// use reservation_core::catalog::{CatalogError, Event, EventKind};
    /// use reservation_core::{Catalog, CatalogAdmin, MemoryStore, PerformerId};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let store = MemoryStore::default();
    /// let dune = Event::new(EventKind::Movie, "Dune");
    /// store.add_event(dune.clone()).await?;
    /// let mut renamed = dune.clone();
    /// renamed.title = "Dune: Part One".into();
    /// store.update_event(renamed).await?;
    /// assert_eq!(store.event(dune.id).await?.title, "Dune: Part One");
    ///
    /// let unknown = dune.with_performers([PerformerId::random()]);
    /// assert!(matches!(store.update_event(unknown).await, Err(CatalogError::Unknown { kind: "performer", .. })));
    /// # Ok(())
    /// # }
    /// ```
    async fn update_event(&self, event: Event) -> CatalogResult<()>;
}

/// What [`ReservationStore::begin_checkout`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Checkout {
    /// The hold is active: charge `hold.total` with `hold.id` as the key.
    Pay(Hold),
    /// The hold was confirmed before: here is its booking.
    AlreadyBooked(Booking),
}

/// How long [`ReservationStore::abandoned_payments`] keeps an attempt it
/// returned from other callers: time for one refund call at the gateway.
/// An attempt its caller did not settle (the gateway failed, or the caller
/// died) comes back after it.
pub const PAYMENT_CLAIM: Duration = Duration::seconds(30);

/// A payment that began for a hold ([`ReservationStore::begin_checkout`])
/// and is not settled yet. Build one with [`PaymentAttempt::new`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PaymentAttempt {
    /// The hold's show.
    pub show: ShowId,
    /// The hold paid for: the charge's idempotency key.
    pub hold: HoldId,
    /// When the server frees the hold (`expires_at + grace`). Checkout is
    /// refused from then on, so every charge for the hold began before it.
    pub free_at: OffsetDateTime,
}

impl PaymentAttempt {
    /// The attempt to pay for `hold` of `show`, a hold freed at `free_at`.
    pub fn new(show: ShowId, hold: HoldId, free_at: OffsetDateTime) -> Self {
        Self {
            show,
            hold,
            free_at,
        }
    }
}

/// The seat lifecycle, holds, bookings, waitlist and events.
///
/// Applications call it through [`Reservations`](crate::Reservations),
/// which passes its clock's `now`; called directly, time is whatever the
/// caller says:
///
/// ```
/// use reservation_core::*;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let store = MemoryStore::default();
/// let show = sample::load(&store).await?;
/// let now = time::OffsetDateTime::now_utc();
/// let best_two = SeatSelection::BestAvailable { count: SeatCount::new(2)?, filter: SeatFilter::default() };
/// let hold = store.hold(&HoldRequest::new(show, HolderId::random(), best_two), now).await?;
/// assert_eq!(store.availability(show, now).await?.held, 2);
///
/// // Expiry is lazy: past `expires_at` and the grace the seats are free.
/// let later = hold.expires_at + store.policy().grace + time::Duration::seconds(1);
/// assert_eq!(store.availability(show, later).await?.held, 0);
/// # Ok(())
/// # }
/// ```
#[async_trait]
pub trait ReservationStore: Send + Sync {
    /// The rules this store applies.
    fn policy(&self) -> Policy;

    /// Holds seats, all or nothing.
    ///
    /// Refusals: `UnknownShow`, `UnknownSeat`, `SeatOfAnotherShow`,
    /// `UnknownCategory`, `SeatsTaken` (listing every taken seat),
    /// `NotEnoughSeats` (best available), `OverHolderLimit`, `SalesClosed`
    /// (the show has started, its sales are paused, or it was cancelled).
    async fn hold(
        &self,
        request: &HoldRequest,
        now: OffsetDateTime,
    ) -> Result<Hold, ReservationError>;

    /// The hold behind `token`, if it belongs to `holder`.
    /// Refusals: `InvalidHoldToken`, `HoldExpired`.
    async fn hold_status(
        &self,
        token: &HoldToken,
        holder: HolderId,
        now: OffsetDateTime,
    ) -> Result<Hold, ReservationError>;

    /// Gives an active hold [`Policy::hold_extension`] more time, at most
    /// [`Policy::hold_extensions`] times; the hold keeps its seats, and
    /// they are freed at the new expiry plus the grace.
    /// Refusals: `InvalidHoldToken`, `HoldExpired`, `NoExtensionsLeft`,
    /// `HoldConfirmed` (it is a booking now), `SalesClosed` (the show was
    /// cancelled).
    async fn extend_hold(
        &self,
        token: &HoldToken,
        holder: HolderId,
        now: OffsetDateTime,
    ) -> Result<Hold, ReservationError>;

    /// Releases an active hold: its seats are free (or go to the waitlist) at once.
    /// Refusals: `InvalidHoldToken`, `HoldExpired`, and releasing a confirmed
    /// hold is refused as `InvalidHoldToken` (cancel the booking instead).
    async fn release(
        &self,
        token: &HoldToken,
        holder: HolderId,
        now: OffsetDateTime,
    ) -> Result<(), ReservationError>;

    /// First half of confirming: checks the hold and says whether to charge.
    /// When it says [`Checkout::Pay`] it has also recorded, in the same
    /// step, a [`PaymentAttempt`] for the hold (once, however often it is
    /// called), so a charge can never be made without a durable trace.
    /// Refusals: `InvalidHoldToken`, `HoldExpired`, `SalesClosed` (the
    /// show was cancelled; paused sales still take payment for holds made).
    async fn begin_checkout(
        &self,
        token: &HoldToken,
        holder: HolderId,
        now: OffsetDateTime,
    ) -> Result<Checkout, ReservationError>;

    /// Second half: books the held seats, records the booking with one
    /// ticket per seat and settles the hold's [`PaymentAttempt`], atomically.
    /// If the hold was already confirmed, returns that booking. Refusals:
    /// `InvalidHoldToken`, `HoldExpired`, `SalesClosed` (the show was
    /// cancelled); the caller refunds the charge.
    async fn complete_checkout(
        &self,
        token: &HoldToken,
        holder: HolderId,
        receipt: &PaymentReceipt,
        now: OffsetDateTime,
    ) -> Result<Booking, ReservationError>;

    /// One booking of `holder`. Refusal: `UnknownBooking`.
    async fn booking(
        &self,
        booking: BookingId,
        holder: HolderId,
    ) -> Result<Booking, ReservationError>;

    /// Everything of `holder` across shows, settled at `now` like any other
    /// read: their bookings (confirmed and cancelled), the holds they can
    /// still pay for and their waits in line, each list newest first and
    /// cut to [`ACTIVITY_LIMIT`](crate::ACTIVITY_LIMIT) (see
    /// [`HolderActivity`]). Never anything of another holder.
    async fn holder_activity(
        &self,
        holder: HolderId,
        now: OffsetDateTime,
    ) -> Result<HolderActivity, ReservationError>;

    /// Cancels a booking: its seats are free (or go to the waitlist) at once.
    /// Refusals: `UnknownBooking`, `BookingAlreadyCancelled`.
    async fn cancel_booking(
        &self,
        booking: BookingId,
        holder: HolderId,
        now: OffsetDateTime,
    ) -> Result<Booking, ReservationError>;

    /// Joins the waitlist (see [`waitlist`](crate::waitlist) for the policy).
    /// Refusals: `UnknownShow`, `UnknownCategory`, `SeatsAvailable`,
    /// `SoldOut`, `AlreadyWaiting`, `OverHolderLimit`, `SalesClosed`. A wait
    /// ends when the show starts, if not before.
    async fn join_waitlist(
        &self,
        request: &WaitRequest,
        now: OffsetDateTime,
    ) -> Result<Wait, ReservationError>;

    /// Position and estimate, the offered hold, or why the wait ended.
    /// Refusal: `UnknownWait`.
    async fn wait_status(
        &self,
        wait: WaitId,
        holder: HolderId,
        now: OffsetDateTime,
    ) -> Result<WaitStatus, ReservationError>;

    /// Leaves the waitlist. Refusal: `UnknownWait` (also once it has ended).
    async fn cancel_wait(
        &self,
        wait: WaitId,
        holder: HolderId,
        now: OffsetDateTime,
    ) -> Result<(), ReservationError>;

    /// A consistent snapshot of every seat; `viewer`'s seats are marked mine.
    async fn seat_map(
        &self,
        show: ShowId,
        viewer: Option<HolderId>,
        now: OffsetDateTime,
    ) -> Result<SeatMap, ReservationError>;

    /// Seat counts of a show.
    async fn availability(
        &self,
        show: ShowId,
        now: OffsetDateTime,
    ) -> Result<Availability, ReservationError>;

    /// Settles every show with something due at `now`: frees expired holds,
    /// ends expired waits, serves the waitlist, emitting events. Returns how
    /// many holds and waits it ended. Safe to run concurrently and repeatedly.
    async fn sweep(&self, now: OffsetDateTime) -> Result<usize, ReservationError>;

    /// Claims up to `limit` abandoned payments: attempts not settled whose
    /// hold can no longer be booked, because it was released, withdrawn or
    /// has expired (once settling marked it so: any operation on its show,
    /// or [`sweep`](Self::sweep)), and the payments of bookings cancelled
    /// with their show ([`cancel_show`](Self::cancel_show)). Each is claimed until `now` +
    /// [`PAYMENT_CLAIM`]: until then no call returns it again, so concurrent
    /// sweepers work on different attempts. In no particular order.
    ///
    /// ```
    /// use reservation_core::*;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let store = MemoryStore::default();
    /// let show = sample::load(&store).await?;
    /// let (me, now) = (HolderId::random(), time::OffsetDateTime::now_utc());
    /// let one = SeatSelection::BestAvailable { count: SeatCount::ONE, filter: SeatFilter::default() };
    /// let hold = store.hold(&HoldRequest::new(show, me, one), now).await?;
    /// store.begin_checkout(&hold.token, me, now).await?; // the buyer starts paying...
    /// store.release(&hold.token, me, now).await?; // ...and gives the seats back
    ///
    /// let abandoned = store.abandoned_payments(now, 10).await?;
    /// assert_eq!(abandoned[0].hold, hold.id);
    /// assert!(store.abandoned_payments(now, 10).await?.is_empty()); // claimed
    /// store.payment_settled(&abandoned[0], now).await?; // refunded, say
    /// let later = now + PAYMENT_CLAIM;
    /// assert!(store.abandoned_payments(later, 10).await?.is_empty());
    /// # Ok(())
    /// # }
    /// ```
    async fn abandoned_payments(
        &self,
        now: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<PaymentAttempt>, ReservationError>;

    /// Marks `attempt` settled (its charge, if any, dealt with): no call
    /// returns it again. Settling twice, or an attempt the store does not
    /// know, changes nothing.
    async fn payment_settled(
        &self,
        attempt: &PaymentAttempt,
        now: OffsetDateTime,
    ) -> Result<(), ReservationError>;

    /// Pauses sales of `show`: until [`resume_sales`](Self::resume_sales),
    /// holds and waits are refused with `SalesClosed` (reason `Paused`),
    /// holds already made can still be paid until they expire, and waits
    /// keep their place but are not served (freed seats stay free). Emits
    /// [`Change::SalesPaused`](crate::Change::SalesPaused); pausing a paused
    /// show changes nothing. Returns the state after. Refusals:
    /// `UnknownShow`, `SalesClosed` (reason `Cancelled`).
    async fn pause_sales(
        &self,
        show: ShowId,
        now: OffsetDateTime,
    ) -> Result<SalesState, ReservationError>;

    /// Resumes paused sales: emits [`Change::SalesResumed`](crate::Change::SalesResumed)
    /// and, in the same step, serves the waitlist the seats freed meanwhile.
    /// Resuming a show on sale changes nothing. Returns the state after.
    /// Refusals: `UnknownShow`, `SalesClosed` (reason `Cancelled`).
    async fn resume_sales(
        &self,
        show: ShowId,
        now: OffsetDateTime,
    ) -> Result<SalesState, ReservationError>;

    /// Moves the start of `show` to `starts_at` (the catalog's
    /// [`Show::starts_at`] too) and emits
    /// [`Change::Rescheduled`](crate::Change::Rescheduled), which holders and
    /// bookers following the show receive. Waits end at the new start at the
    /// latest. Moving a show to where it is changes nothing. Refusals:
    /// `UnknownShow`, `StartsInPast` (`starts_at` not after `now`),
    /// `SalesClosed` (reason `Cancelled`).
    async fn reschedule(
        &self,
        show: ShowId,
        starts_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<(), ReservationError>;

    /// Cancels `show`, in one step: sales stop for good, every active hold
    /// is withdrawn ([`Change::Withdrawn`](crate::Change::Withdrawn)), every
    /// wait ends ([`WaitEnd::ShowCancelled`](crate::WaitEnd::ShowCancelled)),
    /// and every confirmed booking is cancelled
    /// ([`CancelCause::ShowCancelled`](crate::CancelCause::ShowCancelled))
    /// with its payment recorded as owed a refund: from then on
    /// [`abandoned_payments`](Self::abandoned_payments) returns it until it
    /// is settled, so the refund survives a crash. Checkout of a hold of a
    /// cancelled show is refused (`SalesClosed`, reason `Cancelled`); a
    /// payment begun before is abandoned and refunded like any other.
    /// Cancelling again changes nothing and returns the first cancellation.
    /// Refusal: `UnknownShow`.
    async fn cancel_show(
        &self,
        show: ShowId,
        reason: &CancelReason,
        now: OffsetDateTime,
    ) -> Result<SalesState, ReservationError>;

    /// Events of `show` after `after`, oldest first, at most `limit`.
    /// Refusal: `EventsGone` if some of them are no longer kept.
    ///
    /// ```
    /// use reservation_core::*;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let store = MemoryStore::default();
    /// let show = sample::load(&store).await?;
    /// let now = time::OffsetDateTime::now_utc();
    /// let start = store.seat_map(show, None, now).await?.seq;
    /// let one = SeatSelection::BestAvailable { count: SeatCount::ONE, filter: SeatFilter::default() };
    /// store.hold(&HoldRequest::new(show, HolderId::random(), one), now).await?;
    /// let events = store.events_since(show, start, 100).await?;
    /// assert!(matches!(events[..], [ShowEvent { change: Change::Held { .. }, .. }]));
    /// # Ok(())
    /// # }
    /// ```
    async fn events_since(
        &self,
        show: ShowId,
        after: Sequence,
        limit: usize,
    ) -> Result<Vec<ShowEvent>, ReservationError>;

    /// Every event of `show` after `after`, then live ones as they happen.
    async fn subscribe(
        &self,
        show: ShowId,
        after: Sequence,
    ) -> Result<EventStream, ReservationError>;
}

/// Everything a store of the full product provides: implement
/// [`Catalog`], [`CatalogAdmin`] and [`ReservationStore`] and this comes
/// with them.
///
/// ```
/// use std::sync::Arc;
/// use reservation_core::payment::FakeGateway;
/// use reservation_core::*;
///
/// /// A box office on any store: the sample catalog and an engine.
/// async fn box_office<S: Store + 'static>(store: S) -> Result<(Reservations, ShowId), catalog::CatalogError> {
///     let show = sample::load(&store).await?;
///     let engine = Reservations::new(Arc::new(store), Arc::new(FakeGateway::new()), Arc::new(SystemClock));
///     Ok((engine, show))
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let (engine, show) = box_office(MemoryStore::default()).await?;
/// assert_eq!(engine.availability(show).await?.available, 120);
/// # Ok(())
/// # }
/// ```
pub trait Store: Catalog + CatalogAdmin + ReservationStore {}

impl<T: Catalog + CatalogAdmin + ReservationStore> Store for T {}
