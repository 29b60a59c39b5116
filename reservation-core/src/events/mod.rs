//! The per-show event stream: every change to a show's seats or waitlist,
//! numbered without gaps so a client can apply them in order and resume after
//! a reconnect. Events travel and are stored in a versioned form: see
//! [`wire`].

pub mod wire;

use std::pin::Pin;

use futures_core::Stream;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::error::ReservationError;
use crate::ids::{BookingId, HoldId, SeatId, ShowId, WaitId};
use crate::sales::CancelReason;
use crate::waiting_room::LineView;

/// Position in a show's event stream. The first event is 1; 0 means "before
/// any event", so a seat map stamped 0 has seen none.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct Sequence(pub u64);

impl Sequence {
    /// The one after this.
    pub const fn next(self) -> Sequence {
        Sequence(self.0 + 1)
    }
}

/// Why a waiter left the queue without getting seats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum WaitEnd {
    /// The waiter cancelled.
    Cancelled,
    /// The wait ran past the policy's `max_wait`.
    Expired,
    /// Too few seats could ever free up (the rest are booked).
    SoldOut,
    /// The show was cancelled.
    ShowCancelled,
}

/// What changed. Its serde form is the `change` document of the current
/// [`wire::FORMAT`]; renaming or reshaping a variant is a new format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case", tag = "type")]
#[non_exhaustive]
pub enum Change {
    /// Seats were held.
    Held {
        /// The hold.
        hold: HoldId,
        /// Its seats.
        seats: Vec<SeatId>,
    },
    /// A hold was released by its holder; the seats are free.
    Released {
        /// The hold.
        hold: HoldId,
        /// Its seats.
        seats: Vec<SeatId>,
    },
    /// A hold ran out; the seats are free.
    Expired {
        /// The hold.
        hold: HoldId,
        /// Its seats.
        seats: Vec<SeatId>,
    },
    /// A hold was paid; the seats are booked.
    Booked {
        /// The new booking.
        booking: BookingId,
        /// The hold it came from.
        hold: HoldId,
        /// Its seats.
        seats: Vec<SeatId>,
    },
    /// A booking was cancelled; the seats are free.
    Cancelled {
        /// The booking.
        booking: BookingId,
        /// Its seats.
        seats: Vec<SeatId>,
    },
    /// Someone joined the waitlist.
    WaitJoined {
        /// The wait.
        wait: WaitId,
        /// Seats wanted.
        count: u8,
    },
    /// Freed seats went to a waiter as a new hold.
    Offered {
        /// The wait that was served.
        wait: WaitId,
        /// The hold made for the waiter.
        hold: HoldId,
        /// Its seats.
        seats: Vec<SeatId>,
    },
    /// A waiter left without seats.
    WaitEnded {
        /// The wait.
        wait: WaitId,
        /// Why.
        reason: WaitEnd,
    },
    /// The organizer paused sales: no new holds or waits until they resume.
    SalesPaused,
    /// Sales resumed after a pause.
    SalesResumed,
    /// The show moved: it starts at `to` instead of `from`.
    Rescheduled {
        /// The start before.
        #[serde(with = "time::serde::rfc3339")]
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        from: OffsetDateTime,
        /// The start now.
        #[serde(with = "time::serde::rfc3339")]
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        to: OffsetDateTime,
    },
    /// The show was cancelled: it sells nothing again. The events for its
    /// holds ([`Change::Withdrawn`]), waits and bookings follow.
    ShowCancelled {
        /// The organizer's reason.
        reason: CancelReason,
    },
    /// A hold was ended because the show was cancelled; its seats are not
    /// for sale.
    Withdrawn {
        /// The hold.
        hold: HoldId,
        /// Its seats.
        seats: Vec<SeatId>,
    },
    /// The show's waiting room moved: a draw, admissions, drops, or a new
    /// phase. Visitors re-read their own standing.
    Line {
        /// The line after the change.
        line: LineView,
    },
}

impl Change {
    /// The name of this kind of change: its `type` in the wire form
    /// (`"held"`, `"wait_joined"`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            Change::Held { .. } => "held",
            Change::Released { .. } => "released",
            Change::Expired { .. } => "expired",
            Change::Booked { .. } => "booked",
            Change::Cancelled { .. } => "cancelled",
            Change::WaitJoined { .. } => "wait_joined",
            Change::Offered { .. } => "offered",
            Change::WaitEnded { .. } => "wait_ended",
            Change::Line { .. } => "line",
            Change::SalesPaused => "sales_paused",
            Change::SalesResumed => "sales_resumed",
            Change::Rescheduled { .. } => "rescheduled",
            Change::ShowCancelled { .. } => "show_cancelled",
            Change::Withdrawn { .. } => "withdrawn",
        }
    }

    /// The seats whose status this change moved (none for the changes
    /// that move no seat): what a copy of the seat map must read again.
    pub fn seats(&self) -> &[SeatId] {
        match self {
            Change::Held { seats, .. }
            | Change::Released { seats, .. }
            | Change::Expired { seats, .. }
            | Change::Booked { seats, .. }
            | Change::Cancelled { seats, .. }
            | Change::Offered { seats, .. }
            | Change::Withdrawn { seats, .. } => seats,
            Change::WaitJoined { .. }
            | Change::WaitEnded { .. }
            | Change::Line { .. }
            | Change::SalesPaused
            | Change::SalesResumed
            | Change::Rescheduled { .. }
            | Change::ShowCancelled { .. } => &[],
        }
    }
}

/// One numbered change of one show. Its serde form is the versioned wire
/// format of [`wire`] (`{"v": 1, "show": .., "seq": .., "at": .., "change": ..}`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShowEvent {
    /// The show.
    pub show: ShowId,
    /// Its position in the show's stream.
    pub seq: Sequence,
    /// When it happened.
    pub at: OffsetDateTime,
    /// What happened.
    pub change: Change,
}

impl ShowEvent {
    /// The change numbered `seq` in `show`'s stream, made `at`.
    pub fn new(show: ShowId, seq: Sequence, at: OffsetDateTime, change: Change) -> Self {
        Self {
            show,
            seq,
            at,
            change,
        }
    }
}

/// A live feed of a show's events, in order, without gaps. It ends with an
/// [`ReservationError::EventsGone`] item if the subscriber falls too far
/// behind; reload the seat map and subscribe again from its sequence.
pub type EventStream = Pin<Box<dyn Stream<Item = Result<ShowEvent, ReservationError>> + Send>>;

#[cfg(test)]
mod tests;
