//! Seatwise reservation core: sell seats without ever selling one twice.
//!
//! A storage-agnostic engine for cinema and event ticketing: catalog and
//! search, seat maps, holds of up to 10 seats for 5 minutes (all or
//! nothing), payment and booking, expiry, and a first-come-first-served
//! waitlist, behind traits that an in-memory store and a PostgreSQL adapter
//! implement.
//!
//! # Example
//!
//! ```
//! use std::sync::Arc;
//! use reservation_core::payment::{CardNumber, FakeGateway, test_cards};
//! use reservation_core::*;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let store = MemoryStore::new(Policy::default());
//! let show = sample::load(&store).await?; // a city, a cinema, a movie, a show
//! let engine = Reservations::new(Arc::new(store), Arc::new(FakeGateway::new()), Arc::new(SystemClock));
//!
//! let me = HolderId::random();
//! let best_two = SeatSelection::BestAvailable { count: SeatCount::new(2)?, filter: SeatFilter::default() };
//! let hold = engine.hold(&HoldRequest::new(show, me, best_two)).await?;
//! let booking = engine.confirm(&hold.token, me, CardNumber::parse(test_cards::APPROVED)?).await?;
//! assert_eq!(booking.tickets.len(), 2);
//! assert_eq!(engine.availability(show).await?.booked, 2);
//! # Ok(())
//! # }
//! ```
//!
//! Your own catalog is built from [`catalog::City::new`],
//! [`catalog::Venue::new`], [`catalog::Hall::new`], [`catalog::Event::new`]
//! and [`catalog::Show::new`] (the `quickstart` example does it), then added
//! through [`CatalogAdmin`].
//!
//! Requests are built the same way, so they can grow without breaking you:
//! [`HoldRequest::new`], [`WaitRequest::new`] (`.with_category(..)`),
//! [`SeatFilter::default`] and [`Policy::default`] with their `with_`
//! methods. States that will grow ([`SeatStatus`], [`HoldState`],
//! [`WaitStatus`], [`BookingStatus`], [`Taken`], ...) are
//! `#[non_exhaustive]`: a `match` on one needs a `_` arm, and it should
//! treat a state it does not know as unavailable.
//!
//! # Seat lifecycle
//!
//! ```text
//!             hold (all or nothing)            confirm (payment)
//!  available ───────────────────────▶ held ───────────────────────▶ booked
//!      ▲                               │                              │
//!      │  release, or expiry at        │                              │
//!      └─── expires_at + grace ────────┘                              │
//!      └──────────────────── cancel booking (refund) ─────────────────┘
//! ```
//!
//! Expiry is lazy: every operation first settles the show at the caller's
//! `now`, so a hold whose time is up is free for every read and write whether
//! or not [`ReservationStore::sweep`] ran. Seats that free up go to the
//! [`waitlist`] first (first come, first served) before anyone else can see
//! them.
//!
//! # Guarantees
//!
//! - No seat is ever held or booked by two holders: each store operation is
//!   atomic (see [`ReservationStore`]).
//! - A hold takes every seat asked for or none, and a refusal names each
//!   taken seat and whether it is held (may free up) or booked.
//! - At most [`Policy::max_seats_per_holder`] seats per holder and show, held
//!   or waited for; at most [`MAX_SEATS_PER_REQUEST`] per request.
//! - A hold is charged at most once; confirming twice returns the same
//!   booking; a hold that expired is never charged. A charge whose booking
//!   did not commit is refunded exactly once
//!   ([`Reservations::refund_abandoned_payments`]); a booked one never.
//! - Every change is an event with a gap-free per-show [`Sequence`];
//!   applying them to a [`SeatMap`] keeps it exact.
//!
//! # Layout
//!
//! - `ids`, `money`, `limits`: newtypes that make bad values unrepresentable
//!   ([`ShowId`], [`SeatCount`] 1..=10, [`Money`] in minor units, [`Policy`]).
//! - `error`: [`InputError`], a value that does not parse (returned by the
//!   constructors and parsers above), and [`ReservationError`], an operation
//!   refused or failed (it carries an `InputError` as
//!   [`ReservationError::Input`], so `?` works where they mix).
//! - [`catalog`]: cities, venues, halls with checked seating layouts
//!   ([`catalog::SeatingPlan`]), events, performers, shows; [`catalog::search`]
//!   holds the query types and the in-memory typo-tolerant index.
//! - [`seating`]: best-available seat choice with orphan-seat avoidance.
//! - `hold`, `booking`, [`payment`]: requests and results of the sale, the
//!   [`payment::PaymentGateway`] port and a fake gateway.
//! - `activity`: one holder's bookings, holds and waits across shows
//!   ([`HolderActivity`], "my tickets").
//! - [`ticket_code`]: signed codes for tickets' QR codes.
//! - [`waitlist`]: the FCFS policy, written down, and its pure core.
//! - [`waiting_room`]: the on-sale line (lobby draw, paced admission,
//!   signed passes), its pure core and its port.
//! - `events`, `seat_map`: what readers see.
//! - `store`: the ports ([`Catalog`], [`CatalogAdmin`], [`ReservationStore`]);
//!   `memory`: the in-memory store ([`MemoryStore`]); `engine`: the
//!   [`Reservations`] facade that adds the clock and payments.
//! - [`sample`]: a one-show catalog (and an engine over it) for examples,
//!   docs and first experiments.
//! - `testkit` (feature `testkit`): the behaviour spec as a conformance suite
//!   for any store, `conformance_tests!`.
//!
//! # Async traits
//!
//! The ports are called through `dyn` (an application picks its store at run
//! time), so they use `async-trait`; native `async fn` in traits is not
//! object-safe. [`Clock`] is synchronous.

/// The README's examples compile and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

mod activity;
mod booking;
pub mod catalog;
mod clock;
mod engine;
mod error;
pub mod events;
mod fast_map;
mod hold;
mod ids;
mod limits;
mod memory;
mod money;
pub mod payment;
pub mod sales;
pub mod sample;
mod seat_map;
pub mod seating;
mod signing;
mod store;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod ticket_code;
pub mod waiting_room;
pub mod waitlist;

pub use activity::{ACTIVITY_LIMIT, HolderActivity, WaitInLine};
pub use booking::{Booking, BookingStatus, CancelCause, Ticket};
pub use clock::{Clock, ManualClock, SystemClock};
pub use engine::Reservations;
pub use error::{InputError, ReservationError, StorageError};
pub use events::{Change, EventStream, Sequence, ShowEvent, WaitEnd};
pub use hold::{
    Hold, HoldRequest, HoldState, HoldToken, PricedSeat, SeatConflict, SeatFilter, SeatList,
    SeatSelection, Taken,
};
pub use ids::{
    BookingId, CityId, EventId, HallId, HoldId, HolderId, PerformerId, SeatId, ShowId, TicketId,
    VenueId, WaitId,
};
pub use limits::{MAX_SEATS_PER_REQUEST, Policy, SeatCount};
pub use memory::{DEFAULT_EVENT_BACKLOG, MemoryStore};
pub use money::{Currency, Money};
pub use sales::{CancelReason, ClosedReason, SalesState};
pub use seat_map::{Availability, SeatMap, SeatStatus, SeatView};
pub use store::{
    Catalog, CatalogAdmin, CatalogResult, Checkout, PAYMENT_CLAIM, PaymentAttempt,
    ReservationStore, Store,
};
pub use waitlist::{Wait, WaitRequest, WaitStatus};
