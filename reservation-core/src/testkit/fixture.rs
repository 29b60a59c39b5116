//! The catalog every scenario starts from, and helpers to act on it.

use std::sync::Arc;

use time::{Duration, OffsetDateTime};

use crate::catalog::{
    City, Event, EventKind, GeoPoint, Hall, Performer, PriceList, Show, TimeZone, Venue,
    grid_layout,
};
use crate::clock::{Clock, ManualClock};
use crate::engine::Reservations;
use crate::error::ReservationError;
use crate::hold::{Hold, HoldRequest, SeatFilter, SeatList, SeatSelection};
use crate::ids::{CityId, EventId, HallId, HolderId, PerformerId, SeatId, ShowId, VenueId};
use crate::limits::{Policy, SeatCount};
use crate::money::{Currency, Money};
use crate::payment::{CardNumber, FakeGateway, PaymentGateway, test_cards};
use crate::store::{ReservationStore, Store};

/// Price of a standard (`A`) seat in the fixture: 9.00 EUR.
pub const STANDARD_PRICE: Money = Money::new(900, Currency::EUR);
/// Price of a premium (`P`) seat in the fixture: 15.00 EUR.
pub const PREMIUM_PRICE: Money = Money::new(1500, Currency::EUR);

/// The policy scenarios expect the store to be built with (the defaults:
/// 5 minute holds, 5 s grace, 10 seats per holder, 1 hour waits).
pub fn policy() -> Policy {
    Policy::default()
}

/// A store seeded with a small catalog, a manual clock, a fake gateway and an
/// engine over them.
///
/// Catalog: city Springfield; venue Grand Cinema; hall "Main" (10 rows A-J of
/// 20 seats; rows I and J premium; A10 and A11 accessible) with show
/// [`Fixture::show`]; hall "Small" (rows A-B of 4 seats, all standard) with
/// show [`Fixture::small_show`]; event "Avengers: Endgame" (performer Robert
/// Downey Jr.). Shows start a day after the clock's start.
pub struct Fixture<S> {
    /// The store under test.
    pub store: Arc<S>,
    /// The engine over it.
    pub engine: Reservations,
    /// Time; moves only when a scenario moves it.
    pub clock: ManualClock,
    /// Payments.
    pub gateway: FakeGateway,
    /// The policy in force.
    pub policy: Policy,
    /// The city.
    pub city: CityId,
    /// The venue.
    pub venue: VenueId,
    /// The event.
    pub event: EventId,
    /// The performer.
    pub performer: PerformerId,
    /// The 200-seat hall.
    pub main_hall: Hall,
    /// The 8-seat hall.
    pub small_hall: Hall,
    /// Show in the main hall.
    pub show: ShowId,
    /// Show in the small hall.
    pub small_show: ShowId,
}

impl<S: Store + 'static> Fixture<S> {
    /// Seeds `store` (built with [`policy()`]) with the fixture catalog.
    ///
    /// # Panics
    /// If the store refuses the catalog: that is a conformance failure.
    pub async fn seed(store: S) -> Self {
        let store = Arc::new(store);
        let policy = store.policy();
        let clock = ManualClock::fixed();
        let gateway = FakeGateway::new();
        let engine = Reservations::new(
            store.clone(),
            Arc::new(gateway.clone()),
            Arc::new(clock.clone()),
        );
        let point = |lat, lon| GeoPoint::new(lat, lon).expect("valid fixture position");
        // A zone other than UTC, so every store shows it keeps it.
        let zone = TimeZone::parse("America/Chicago").expect("a database zone");
        let city = City::new("Springfield", "US", point(39.8, -89.6)).with_time_zone(zone.clone());
        let venue = Venue::new(city.id, "Grand Cinema", point(39.80, -89.65))
            .with_address("1 Main Street", "62701")
            .with_time_zone(zone);
        let unique = uuid::Uuid::new_v4().simple().to_string();
        let main_hall = Hall::new(
            HallId::random(),
            venue.id,
            "Main",
            grid_layout(&format!("main-{unique}"), 10, 20, 2),
        )
        .expect("valid fixture layout");
        let small_hall = Hall::new(
            HallId::random(),
            venue.id,
            "Small",
            grid_layout(&format!("small-{unique}"), 2, 4, 0),
        )
        .expect("valid fixture layout");
        let performer = Performer::new("Robert Downey Jr.");
        let event = Event::new(EventKind::Movie, "Avengers: Endgame")
            .with_description("The Avengers assemble once more.")
            .with_genres(["action", "superhero"])
            .with_performers([performer.id])
            .with_duration_minutes(181)
            .with_rating("PG-13");
        let starts_at = clock.now() + Duration::days(1);
        let show_in = |hall: &Hall| {
            let mut prices = PriceList::uniform(&hall.layout().categories, STANDARD_PRICE);
            if hall.layout().categories.len() > 1 {
                let codes = hall.layout().categories.iter().map(|c| c.code.clone());
                prices = PriceList::new(
                    codes
                        .map(|c| {
                            let p = if c.as_str() == "P" {
                                PREMIUM_PRICE
                            } else {
                                STANDARD_PRICE
                            };
                            (c, p)
                        })
                        .collect(),
                )
                .expect("valid fixture prices");
            }
            Show::new(event.id, &venue, hall, starts_at, prices)
        };
        let (show, small_show) = (show_in(&main_hall), show_in(&small_hall));
        let ids = (show.id, small_show.id);
        store.add_city(city.clone()).await.expect("add city");
        store.add_venue(venue.clone()).await.expect("add venue");
        store.add_hall(main_hall.clone()).await.expect("add hall");
        store.add_hall(small_hall.clone()).await.expect("add hall");
        store
            .add_performer(performer.clone())
            .await
            .expect("add performer");
        store.add_event(event.clone()).await.expect("add event");
        store.add_show(show).await.expect("add show");
        store.add_show(small_show).await.expect("add show");
        Self {
            store,
            engine,
            clock,
            gateway,
            policy,
            city: city.id,
            venue: venue.id,
            event: event.id,
            performer: performer.id,
            main_hall,
            small_hall,
            show: ids.0,
            small_show: ids.1,
        }
    }

    fn hall_of(&self, show: ShowId) -> &Hall {
        if show == self.small_show {
            &self.small_hall
        } else {
            &self.main_hall
        }
    }

    /// Seat ids of `show` by label ("A1", "J20").
    ///
    /// # Panics
    /// On a label the hall does not have.
    pub fn seats(&self, show: ShowId, labels: &[&str]) -> Vec<SeatId> {
        let plan = self.hall_of(show).plan();
        labels
            .iter()
            .map(|label| {
                (0..plan.len() as u32)
                    .map(crate::catalog::SeatIndex)
                    .find(|i| plan.label(*i) == *label)
                    .map(|i| plan.seat(i).id)
                    .unwrap_or_else(|| panic!("no seat {label}"))
            })
            .collect()
    }

    /// Holds the seats labelled `labels` of `show` for `holder`.
    pub async fn hold(
        &self,
        show: ShowId,
        holder: HolderId,
        labels: &[&str],
    ) -> Result<Hold, ReservationError> {
        let seats = SeatList::new(self.seats(show, labels))?;
        self.engine
            .hold(&HoldRequest::new(show, holder, SeatSelection::Seats(seats)))
            .await
    }

    /// Holds the best `count` seats of `show` for `holder`.
    pub async fn hold_best(
        &self,
        show: ShowId,
        holder: HolderId,
        count: u64,
        filter: SeatFilter,
    ) -> Result<Hold, ReservationError> {
        let count = SeatCount::new(count)?;
        self.engine
            .hold(&HoldRequest::new(
                show,
                holder,
                SeatSelection::BestAvailable { count, filter },
            ))
            .await
    }

    /// An engine on the fixture's clock over `store` and `payments`
    /// (wrappers of the fixture's own, to inject faults).
    pub fn engine_with(
        &self,
        store: Arc<dyn ReservationStore>,
        payments: Arc<dyn PaymentGateway>,
    ) -> Reservations {
        Reservations::new(store, payments, Arc::new(self.clock.clone()))
    }

    /// One tick of the sweeper: sweeps, then refunds abandoned payments.
    /// Returns how many payments it settled.
    ///
    /// # Panics
    /// If the store fails: that is a conformance failure.
    pub async fn sweeper_tick(&self) -> usize {
        self.engine.sweep().await.expect("sweep");
        self.engine
            .refund_abandoned_payments()
            .await
            .expect("refund abandoned payments")
    }

    /// The approved test card.
    pub fn card(&self) -> CardNumber {
        card(test_cards::APPROVED)
    }

    /// Adds a show of the fixture's event in a new `rows` x `seats_per_row`
    /// hall of the fixture's venue (the back `premium_rows` rows premium).
    ///
    /// # Panics
    /// If the store refuses it: that is a conformance failure.
    pub async fn add_grid_show(
        &self,
        rows: u16,
        seats_per_row: u16,
        premium_rows: u16,
    ) -> (ShowId, Hall) {
        let name = format!("grid-{}", uuid::Uuid::new_v4().simple());
        let hall = Hall::new(
            HallId::random(),
            self.venue,
            "Grid",
            grid_layout(&name, rows, seats_per_row, premium_rows),
        )
        .expect("valid grid layout");
        let prices = PriceList::uniform(&hall.layout().categories, STANDARD_PRICE);
        let starts_at = self.now() + Duration::days(1);
        let show = Show::from_ids(
            self.event,
            hall.id(),
            self.venue,
            self.city,
            starts_at,
            prices,
        );
        let id = show.id;
        self.store.add_hall(hall.clone()).await.expect("add hall");
        self.store.add_show(show).await.expect("add show");
        (id, hall)
    }

    /// Holds every free seat of `show` but `leave_free`, for fresh holders
    /// (10 seats each, best available). Returns the holds.
    pub async fn fill(&self, show: ShowId, leave_free: u32) -> Vec<Hold> {
        let mut holds = Vec::new();
        loop {
            let free = self
                .engine
                .seat_map(show, None)
                .await
                .expect("seat map")
                .counts
                .available;
            if free <= leave_free {
                return holds;
            }
            let n = (free - leave_free).min(10);
            holds.push(
                self.hold_best(
                    show,
                    HolderId::random(),
                    u64::from(n),
                    SeatFilter::default(),
                )
                .await
                .expect("fill"),
            );
        }
    }

    /// The clock's time.
    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// Moves the clock.
    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }

    /// When a hold made now would be freed by the server.
    pub fn free_at_from_now(&self) -> OffsetDateTime {
        self.clock.now() + self.policy.hold_time + self.policy.grace
    }
}

/// `n` distinct seats drawn at random from `seats` (`n <= seats.len()`).
pub fn random_seats(seats: &[SeatId], n: usize) -> SeatList {
    use rand::seq::IndexedRandom as _;
    let picked: Vec<SeatId> = seats
        .choose_multiple(&mut rand::rng(), n)
        .copied()
        .collect();
    SeatList::new(picked).expect("1 to 10 distinct seats")
}

/// Parses a test card number.
///
/// # Panics
/// On an invalid number.
pub fn card(number: &str) -> CardNumber {
    CardNumber::parse(number).expect("valid test card")
}
