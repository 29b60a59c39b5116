//! Every way a reservation operation can be refused or fail, and every way
//! an input can fail to parse.

use std::sync::Arc;

use crate::catalog::CategoryCode;
use crate::events::Sequence;
use crate::hold::SeatConflict;
use crate::ids::{BookingId, SeatId, ShowId, WaitId};
use crate::limits::MAX_SEATS_PER_REQUEST;
use crate::sales::ClosedReason;
use crate::waiting_room::AdmissionError;

/// A value that does not parse or is out of range, refused before any store
/// is asked: the constructors and parsers of the input types
/// ([`SeatCount::new`](crate::SeatCount::new), [`SeatList::new`](crate::SeatList::new),
/// [`CardNumber::parse`](crate::payment::CardNumber::parse),
/// [`CategoryCode::parse`](crate::catalog::CategoryCode::parse),
/// [`Currency::parse`](crate::Currency::parse), [`GeoPoint::new`](crate::catalog::GeoPoint::new),
/// [`TimeZone::parse`](crate::catalog::TimeZone::parse),
/// parsing a [`HoldToken`](crate::HoldToken) or an id) return it.
/// [`ReservationError::Input`] carries it, so `?` works where parsing and
/// reserving mix.
///
/// ```
/// use reservation_core::{InputError, ReservationError, SeatCount};
///
/// assert_eq!(SeatCount::new(11), Err(InputError::InvalidSeatCount(11)));
/// let refused: ReservationError = SeatCount::new(0).unwrap_err().into();
/// assert!(matches!(refused, ReservationError::Input(InputError::InvalidSeatCount(0))));
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// A seat count of 0 or more than [`MAX_SEATS_PER_REQUEST`].
    #[error("a request takes 1 to {max} seats, not {0}", max = MAX_SEATS_PER_REQUEST)]
    InvalidSeatCount(u64),
    /// A seat appears twice in one list.
    #[error("seat {0} is listed twice")]
    DuplicateSeat(SeatId),
    /// Not 12 to 19 digits with a correct check digit.
    #[error("not a valid card number (12-19 digits with a correct check digit)")]
    InvalidCardNumber,
    /// A price category code that is empty, longer than 32 bytes or not
    /// `[A-Za-z0-9_-]` (the rejected text, truncated to 40 characters).
    #[error("`{0}` is not a price category code (1-32 characters of A-Z, a-z, 0-9, _ or -)")]
    InvalidCategoryCode(String),
    /// A currency code that is not three uppercase ASCII letters (the
    /// rejected text, truncated to 16 characters).
    #[error("`{0}` is not a currency code (three uppercase letters, like EUR)")]
    InvalidCurrency(String),
    /// Latitude outside -90..=90 or longitude outside -180..=180.
    #[error("({lat}, {lon}) is not a position (latitude -90..=90, longitude -180..=180)")]
    InvalidGeoPoint {
        /// Rejected latitude.
        lat: f64,
        /// Rejected longitude.
        lon: f64,
    },
    /// A name that is not in the IANA time zone database (such as
    /// `Europe/Vienna`); the name as given, cut after 64 characters.
    #[error("`{0}` is not an IANA time zone name (such as Europe/Vienna)")]
    UnknownTimeZone(String),
    /// Text that is not a hold token.
    #[error("malformed hold token")]
    MalformedHoldToken,
    /// A show's cancellation reason that is blank or longer than
    /// [`MAX_CANCEL_REASON`](crate::sales::MAX_CANCEL_REASON) characters
    /// (the rejected text, trimmed and truncated to 40 characters).
    #[error("`{0}` is not a cancellation reason (1 to 200 characters, not blank)")]
    InvalidCancelReason(String),
    /// Text that is not an id (a UUID).
    #[error("`{input}` is not a valid {kind} (expected a UUID)")]
    InvalidId {
        /// Which kind of id was expected, such as "show id".
        kind: &'static str,
        /// The rejected input, truncated to 64 characters.
        input: String,
    },
}

/// A refused or failed reservation operation. Every refusal has its own
/// variant so callers can match on it; messages say what the user can do.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ReservationError {
    /// No such show.
    #[error("show {0} does not exist")]
    UnknownShow(ShowId),
    /// No such seat anywhere.
    #[error("seat {0} does not exist")]
    UnknownSeat(SeatId),
    /// The seat exists but belongs to another show's hall.
    #[error("seat {seat} is not a seat of show {show}")]
    SeatOfAnotherShow {
        /// The seat.
        seat: SeatId,
        /// The show asked for.
        show: ShowId,
    },
    /// The layout has no such price category.
    #[error("price category `{0}` does not exist in this hall")]
    UnknownCategory(CategoryCode),
    /// Some of the seats are taken; nothing was held.
    #[error("{}; nothing was held", taken_message(.0))]
    SeatsTaken(Vec<SeatConflict>),
    /// The hold was paid for: it is this booking now, and giving its seats
    /// back means cancelling the booking.
    #[error("this hold is paid for (booking {0}); cancel the booking to give the seats back")]
    HoldConfirmed(BookingId),
    /// Best-available found too few free seats; nothing was held.
    #[error("only {available} matching seats are free, {requested} were asked for")]
    NotEnoughSeats {
        /// Seats asked for.
        requested: usize,
        /// Matching seats free.
        available: usize,
    },
    /// The holder would exceed the per-show limit.
    #[error(
        "at most {limit} seats per show at a time: you hold or wait for {active}, and asked for {requested} more"
    )]
    OverHolderLimit {
        /// The policy limit.
        limit: u16,
        /// Seats the holder already holds or waits for.
        active: u16,
        /// Seats asked for now.
        requested: u16,
    },
    /// No hold with this token for this holder (never existed, released, or
    /// another holder's: all look the same).
    #[error("no such hold; it may have been released")]
    InvalidHoldToken,
    /// The hold was extended as often as the policy allows.
    #[error("this hold cannot be extended again; please pay before it expires")]
    NoExtensionsLeft,
    /// The hold ran out and its seats were freed; nothing was charged.
    #[error("the hold has expired and its seats were released; please choose seats again")]
    HoldExpired,
    /// The payment was declined; the hold stays until it expires.
    #[error("payment declined ({0}); the seats stay held until the hold expires")]
    PaymentDeclined(String),
    /// The payment service failed; nothing was charged, the hold stays.
    #[error("payment service unavailable ({0}); please try again")]
    PaymentUnavailable(String),
    /// No such booking for this holder.
    #[error("booking {0} does not exist")]
    UnknownBooking(BookingId),
    /// The booking was already cancelled.
    #[error("booking {0} is already cancelled")]
    BookingAlreadyCancelled(BookingId),
    /// No such wait for this holder.
    #[error("wait {0} does not exist")]
    UnknownWait(WaitId),
    /// The holder already waits for this show.
    #[error("you are already waiting for this show (wait {0})")]
    AlreadyWaiting(WaitId),
    /// Waiting makes no sense: enough seats are free now.
    #[error("{available} matching seats are available: hold them instead of waiting")]
    SeatsAvailable {
        /// Matching seats free now.
        available: usize,
    },
    /// The show takes no new holds or waits: it has started, its sales
    /// are paused, or it was cancelled (`reason` says which). Organizer
    /// operations on a cancelled show are refused with it too.
    #[error("sales are closed: {reason}")]
    SalesClosed {
        /// When the show starts (or started).
        starts_at: time::OffsetDateTime,
        /// Why sales are closed.
        reason: ClosedReason,
    },
    /// A show cannot be moved to start at or before now.
    #[error("a show cannot be moved to start at or before now")]
    StartsInPast {
        /// The start asked for.
        starts_at: time::OffsetDateTime,
    },
    /// Too few seats are free or held: they are booked and will not free up.
    #[error("sold out: not enough seats can become available")]
    SoldOut,
    /// The requested events are older than the store keeps; reload the seat
    /// map and continue from its sequence.
    #[error("events before {oldest:?} are no longer kept; reload the seat map")]
    EventsGone {
        /// The oldest sequence still available.
        oldest: Sequence,
    },
    /// Part of the request does not parse (a seat count, a seat list, ...).
    #[error(transparent)]
    Input(#[from] InputError),
    /// The show sells through a waiting room and no valid admission pass
    /// was shown.
    #[error(transparent)]
    Admission(#[from] AdmissionError),
    /// The store failed (database down, ...). The operation did not
    /// happen; it is safe to retry.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl ReservationError {
    /// Whether the caller asked for something wrong (a 4xx in HTTP terms), as
    /// opposed to a failure inside the system.
    pub fn is_refusal(&self) -> bool {
        !matches!(self, Self::Storage(_) | Self::PaymentUnavailable(_))
    }
}

/// A failure of the storage backend (a lost connection, a full disk), with
/// its cause. Cheap to clone; two are equal only if they are the same failure.
#[derive(Debug, Clone, thiserror::Error)]
#[error("storage failure: {0}")]
pub struct StorageError(#[source] Arc<dyn std::error::Error + Send + Sync>);

impl StorageError {
    /// Wraps a backend error.
    pub fn new(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self(Arc::new(error))
    }

    /// The backend's error, for stores that inspect their own failures
    /// (`downcast_ref` it to the backend's type).
    pub fn cause(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        &*self.0
    }
}

impl From<Box<dyn std::error::Error + Send + Sync>> for StorageError {
    fn from(error: Box<dyn std::error::Error + Send + Sync>) -> Self {
        Self(Arc::from(error))
    }
}

impl PartialEq for StorageError {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for StorageError {}

/// "Seat A1 is taken", "seats A1, A2 and 3 more are taken", or "you
/// already hold A1 and A2" when every conflict is the holder's own hold.
fn taken_message(conflicts: &[crate::hold::SeatConflict]) -> String {
    const SHOWN: usize = 3;
    let labels: Vec<&str> = conflicts.iter().map(|c| c.label.as_str()).collect();
    let list = match labels.len() {
        0 => String::new(),
        1 => labels[0].to_owned(),
        n if n <= SHOWN => format!("{} and {}", labels[..n - 1].join(", "), labels[n - 1]),
        n => format!("{} and {} more", labels[..SHOWN].join(", "), n - SHOWN),
    };
    let yours = conflicts
        .iter()
        .all(|c| c.taken == crate::hold::Taken::HeldByYou);
    match (yours, labels.len()) {
        (true, _) => format!("you already hold {list}"),
        (false, 1) => format!("seat {list} is taken"),
        (false, _) => format!("seats {list} are taken"),
    }
}

#[cfg(test)]
mod message_tests {
    use super::*;
    use crate::hold::{SeatConflict, Taken};
    use crate::ids::SeatId;

    fn taken(labels: &[(&str, Taken)]) -> String {
        let conflicts = labels
            .iter()
            .map(|(label, taken)| SeatConflict {
                seat: SeatId::from_name(label),
                label: (*label).to_owned(),
                taken: *taken,
            })
            .collect();
        ReservationError::SeatsTaken(conflicts).to_string()
    }

    #[test]
    fn taken_seats_are_named_in_plain_english() {
        assert_eq!(
            taken(&[("A1", Taken::Held)]),
            "seat A1 is taken; nothing was held"
        );
        assert_eq!(
            taken(&[("A1", Taken::Held), ("A2", Taken::Booked)]),
            "seats A1 and A2 are taken; nothing was held"
        );
        assert_eq!(
            taken(&[
                ("A1", Taken::Held),
                ("A2", Taken::Held),
                ("A3", Taken::HeldByYou),
                ("A4", Taken::Held),
                ("A5", Taken::Held)
            ]),
            "seats A1, A2, A3 and 2 more are taken; nothing was held"
        );
        assert_eq!(
            taken(&[("B1", Taken::HeldByYou), ("B2", Taken::HeldByYou)]),
            "you already hold B1 and B2; nothing was held"
        );
    }
}
