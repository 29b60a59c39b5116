//! Seatwise reservation core: sell seats without ever double-booking.
#![doc = "\n(crate docs are completed below)\n"]

mod booking;
pub mod catalog;
mod clock;
mod engine;
mod error;
mod events;
mod hold;
mod ids;
mod limits;
mod memory;
mod money;
pub mod payment;
mod seat_map;
pub mod seating;
mod store;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod waitlist;

pub use booking::{Booking, BookingStatus, Ticket};
pub use clock::{Clock, ManualClock, SystemClock};
pub use engine::Reservations;
pub use error::ReservationError;
pub use events::{Change, EventStream, Sequence, ShowEvent, WaitEnd};
pub use hold::{
    Hold, HoldRequest, HoldState, HoldToken, MalformedToken, PricedSeat, SeatConflict, SeatFilter,
    SeatList, SeatSelection, Taken,
};
pub use ids::{
    BookingId, CityId, EventId, HallId, HoldId, HolderId, ParseIdError, PerformerId, SeatId,
    ShowId, TicketId, VenueId, WaitId,
};
pub use limits::{InvalidSeatCount, MAX_SEATS_PER_REQUEST, Policy, SeatCount};
pub use memory::{DEFAULT_EVENT_BACKLOG, MemoryStore};
pub use money::{Currency, InvalidCurrency, Money};
pub use seat_map::{Availability, SeatMap, SeatStatus, SeatView};
pub use store::{Catalog, CatalogAdmin, CatalogResult, Checkout, ReservationStore, Store};
pub use waitlist::{Wait, WaitRequest, WaitStatus};
