//! The limits and timings that keep a sale fair: how many seats one request
//! and one holder may take, how long a hold lasts, how long a wait lasts.

use serde::{Deserialize, Serialize};
use time::Duration;

use crate::error::InputError;

/// Most seats one hold or one wait may ask for.
pub const MAX_SEATS_PER_REQUEST: u8 = 10;

/// How many seats a request asks for: 1..=[`MAX_SEATS_PER_REQUEST`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u64", into = "u8")]
pub struct SeatCount(u8);

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for SeatCount {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        bounded_integer(1, MAX_SEATS_PER_REQUEST.into())
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for SeatCount {}

/// The schema of an integer in `min..=max` (utoipa cannot put a range on a
/// newtype).
#[cfg(feature = "openapi")]
pub(crate) fn bounded_integer(
    min: u16,
    max: u16,
) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::Integer)
        .minimum(Some(min))
        .maximum(Some(max))
        .into()
}

impl SeatCount {
    /// One seat.
    pub const ONE: SeatCount = SeatCount(1);
    /// The maximum, ten seats.
    pub const MAX: SeatCount = SeatCount(MAX_SEATS_PER_REQUEST);

    /// A checked count.
    ///
    /// ```
    /// use reservation_core::{InputError, SeatCount};
    ///
    /// assert_eq!(SeatCount::new(4)?.get(), 4);
    /// assert_eq!(SeatCount::new(0), Err(InputError::InvalidSeatCount(0)));
    /// # Ok::<(), InputError>(())
    /// ```
    pub fn new(count: u64) -> Result<Self, InputError> {
        match u8::try_from(count) {
            Ok(n) if (1..=MAX_SEATS_PER_REQUEST).contains(&n) => Ok(Self(n)),
            _ => Err(InputError::InvalidSeatCount(count)),
        }
    }

    /// The count.
    pub const fn get(self) -> usize {
        self.0 as usize
    }
}

impl TryFrom<u64> for SeatCount {
    type Error = InputError;
    fn try_from(value: u64) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<SeatCount> for u8 {
    fn from(value: SeatCount) -> Self {
        value.0
    }
}

/// The rules of a sale. One policy applies to every show of a store.
/// Start from [`Policy::default`] and change what differs with the `with_`
/// methods.
///
/// ```
/// use reservation_core::Policy;
/// use time::Duration;
///
/// let policy = Policy::default()
///     .with_hold_time(Duration::minutes(10))
///     .with_max_seats_per_holder(6);
/// assert_eq!(policy.grace, Duration::seconds(5));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Policy {
    /// How long a hold lasts, as shown to the buyer. Default 5 minutes.
    pub hold_time: Duration,
    /// How much longer the server keeps a hold after its shown expiry before
    /// freeing the seats, so a client whose clock runs a little late never
    /// sees a payment refused while its timer still runs. Default 5 seconds.
    pub grace: Duration,
    /// Most seats one holder may hold and wait for in one show at a time,
    /// counting active holds and waits (not bookings). Default 10.
    pub max_seats_per_holder: u16,
    /// How long a place in a waitlist lasts. Default 1 hour.
    pub max_wait: Duration,
    /// How many times a holder may ask for more time on one hold, so
    /// nobody loses seats only because they need longer to pay (WCAG
    /// 2.2.1). Default 1.
    pub hold_extensions: u8,
    /// How much time each extension adds. Default 2 minutes.
    pub hold_extension: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            hold_time: Duration::minutes(5),
            grace: Duration::seconds(5),
            max_seats_per_holder: 10,
            max_wait: Duration::hours(1),
            hold_extensions: 1,
            hold_extension: Duration::minutes(2),
        }
    }
}

impl Policy {
    /// The same policy with holds lasting `hold_time`.
    #[must_use]
    pub fn with_hold_time(mut self, hold_time: Duration) -> Self {
        self.hold_time = hold_time;
        self
    }

    /// The same policy keeping holds `grace` past their shown expiry.
    #[must_use]
    pub fn with_grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// The same policy allowing one holder `max` seats per show, held or
    /// waited for.
    #[must_use]
    pub fn with_max_seats_per_holder(mut self, max: u16) -> Self {
        self.max_seats_per_holder = max;
        self
    }

    /// The same policy keeping a place in a waitlist for `max_wait`.
    #[must_use]
    pub fn with_max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = max_wait;
        self
    }

    /// The same policy letting a holder extend one hold `count` times by
    /// `each` (0 turns extensions off).
    #[must_use]
    pub fn with_hold_extensions(mut self, count: u8, each: Duration) -> Self {
        self.hold_extensions = count;
        self.hold_extension = each;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seat_count_accepts_one_to_ten() {
        assert!(SeatCount::new(0).is_err());
        assert_eq!(SeatCount::new(1).map(SeatCount::get), Ok(1));
        assert_eq!(SeatCount::new(10).map(SeatCount::get), Ok(10));
        assert_eq!(SeatCount::new(11), Err(InputError::InvalidSeatCount(11)));
        assert_eq!(
            SeatCount::new(u64::MAX),
            Err(InputError::InvalidSeatCount(u64::MAX))
        );
    }
}
