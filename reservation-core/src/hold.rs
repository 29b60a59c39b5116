//! Holds: seats kept for one holder for a few minutes while they pay.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use smol_str::SmolStr;
use time::OffsetDateTime;

use crate::catalog::CategoryCode;
use crate::error::InputError;
use crate::ids::{BookingId, HoldId, HolderId, SeatId, ShowId};
use crate::limits::{MAX_SEATS_PER_REQUEST, SeatCount};
use crate::money::Money;

/// The secret that proves a hold is yours: whoever presents it may confirm
/// or release the hold (together with the holder id).
///
/// It names the show (so a store finds the hold without a global index) and
/// carries 256 random bits from a CSPRNG the operating system seeds. Its text form
/// is 64 URL-safe characters. `Debug` does not print the secret.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct HoldToken {
    show: ShowId,
    secret: [u8; 32],
}

impl HoldToken {
    /// A new hold's id and token, for a hold on `show`: one draw from the
    /// thread's CSPRNG gives both (the id is a UUID v4; it is public, as in
    /// events, and tells nothing of the secret).
    pub fn issue(show: ShowId) -> (HoldId, Self) {
        let (id, secret): ([u8; 16], [u8; 32]) = rand::random();
        let id = uuid::Builder::from_random_bytes(id).into_uuid();
        (HoldId::from_uuid(id), Self { show, secret })
    }

    /// The show the hold is on.
    pub fn show(&self) -> ShowId {
        self.show
    }

    /// The random part, for stores that index holds by it.
    pub fn secret(&self) -> &[u8; 32] {
        &self.secret
    }

    /// Rebuilds a token from its parts (for stores reading it back).
    pub fn from_parts(show: ShowId, secret: [u8; 32]) -> Self {
        Self { show, secret }
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for HoldToken {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .min_length(Some(64))
            .max_length(Some(64))
            .description(Some("The hold's secret token: show it only to its holder."))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for HoldToken {}

impl fmt::Display for HoldToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut bytes = [0u8; 48];
        bytes[..16].copy_from_slice(self.show.as_uuid().as_bytes());
        bytes[16..].copy_from_slice(&self.secret);
        f.write_str(&URL_SAFE_NO_PAD.encode(bytes))
    }
}

impl fmt::Debug for HoldToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HoldToken")
            .field("show", &self.show)
            .finish_non_exhaustive()
    }
}

impl FromStr for HoldToken {
    type Err = InputError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const MALFORMED: InputError = InputError::MalformedHoldToken;
        if s.len() != 64 {
            return Err(MALFORMED);
        }
        let bytes = URL_SAFE_NO_PAD.decode(s).map_err(|_| MALFORMED)?;
        let show: [u8; 16] = bytes
            .get(..16)
            .and_then(|b| b.try_into().ok())
            .ok_or(MALFORMED)?;
        let secret: [u8; 32] = bytes
            .get(16..)
            .and_then(|b| b.try_into().ok())
            .ok_or(MALFORMED)?;
        Ok(Self {
            show: ShowId::from_uuid(uuid::Uuid::from_bytes(show)),
            secret,
        })
    }
}

impl Serialize for HoldToken {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for HoldToken {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// 1..=10 distinct seats, in the order asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = Vec<String>))]
#[serde(try_from = "Vec<SeatId>", into = "Vec<SeatId>")]
pub struct SeatList(Vec<SeatId>);

impl SeatList {
    /// Checks the count and that no seat repeats.
    ///
    /// ```
    /// use reservation_core::{InputError, SeatId, SeatList};
    ///
    /// let seat = SeatId::random();
    /// assert_eq!(SeatList::new(vec![seat])?.count().get(), 1);
    /// assert_eq!(SeatList::new(vec![seat, seat]), Err(InputError::DuplicateSeat(seat)));
    /// assert_eq!(SeatList::new(vec![]), Err(InputError::InvalidSeatCount(0)));
    /// # Ok::<(), InputError>(())
    /// ```
    pub fn new(seats: Vec<SeatId>) -> Result<Self, InputError> {
        if seats.is_empty() || seats.len() > usize::from(MAX_SEATS_PER_REQUEST) {
            return Err(InputError::InvalidSeatCount(seats.len() as u64));
        }
        // At most 10: comparing pairs beats hashing them.
        if let Some((_, dup)) = seats
            .iter()
            .enumerate()
            .find(|(i, s)| seats[..*i].contains(s))
        {
            return Err(InputError::DuplicateSeat(*dup));
        }
        Ok(Self(seats))
    }

    /// The seats.
    pub fn as_slice(&self) -> &[SeatId] {
        &self.0
    }

    /// How many.
    pub fn count(&self) -> SeatCount {
        // The constructor guarantees 1..=10.
        SeatCount::new(self.0.len() as u64).unwrap_or(SeatCount::ONE)
    }
}

impl TryFrom<Vec<SeatId>> for SeatList {
    type Error = InputError;
    fn try_from(value: Vec<SeatId>) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<SeatList> for Vec<SeatId> {
    fn from(value: SeatList) -> Self {
        value.0
    }
}

/// Which seats best-available may choose from: any seat by default,
/// narrowed with the `with_` methods.
///
/// ```
/// use reservation_core::SeatFilter;
/// use reservation_core::catalog::CategoryCode;
///
/// let filter = SeatFilter::default().with_category(CategoryCode::parse("premium")?);
/// assert!(!filter.accessible);
/// # Ok::<(), reservation_core::InputError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[non_exhaustive]
pub struct SeatFilter {
    /// Only seats of this price category.
    pub category: Option<CategoryCode>,
    /// Only accessible seats.
    #[serde(default)]
    pub accessible: bool,
}

impl SeatFilter {
    /// The same filter, only seats of price category `category` (a code,
    /// or an `Option` of one as a caller received it; `None` is any
    /// category).
    #[must_use]
    pub fn with_category(mut self, category: impl Into<Option<CategoryCode>>) -> Self {
        self.category = category.into();
        self
    }

    /// The same filter, only accessible seats if `accessible`.
    #[must_use]
    pub fn with_accessible(mut self, accessible: bool) -> Self {
        self.accessible = accessible;
        self
    }
}

/// What to hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SeatSelection {
    /// Exactly these seats.
    Seats(SeatList),
    /// The best `count` free seats passing `filter`, chosen by
    /// [`best_available`](crate::seating::best_available).
    BestAvailable {
        /// How many.
        count: SeatCount,
        /// Restrictions.
        #[serde(default)]
        filter: SeatFilter,
    },
}

/// A request to hold seats of one show for one holder. Build one with
/// [`HoldRequest::new`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[non_exhaustive]
pub struct HoldRequest {
    /// The show.
    pub show: ShowId,
    /// Who holds.
    pub holder: HolderId,
    /// Which seats.
    pub seats: SeatSelection,
}

impl HoldRequest {
    /// A request that `holder` hold `seats` of `show`.
    ///
    /// ```
    /// use reservation_core::{HoldRequest, HolderId, SeatCount, SeatFilter, SeatSelection, ShowId};
    ///
    /// let two = SeatSelection::BestAvailable { count: SeatCount::new(2)?, filter: SeatFilter::default() };
    /// let request = HoldRequest::new(ShowId::random(), HolderId::random(), two);
    /// assert!(matches!(request.seats, SeatSelection::BestAvailable { .. }));
    /// # Ok::<(), reservation_core::InputError>(())
    /// ```
    pub fn new(show: ShowId, holder: HolderId, seats: SeatSelection) -> Self {
        Self {
            show,
            holder,
            seats,
        }
    }
}

/// A seat in a hold or a booking, with its price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PricedSeat {
    /// The seat.
    pub seat: SeatId,
    /// Its label, such as "F12" (a small string: copying a short one
    /// allocates nothing).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub label: SmolStr,
    /// Its price category.
    pub category: CategoryCode,
    /// Its price for this show.
    pub price: Money,
}

/// Where a hold stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case", tag = "state", content = "booking")]
#[non_exhaustive]
pub enum HoldState {
    /// The seats are held; it can be confirmed or released.
    Active,
    /// Paid for: the seats are booked.
    Confirmed(BookingId),
}

/// Seats held for one holder until `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hold {
    /// Public id (appears in events).
    pub id: HoldId,
    /// The capability to confirm or release it. Show it only to its holder.
    pub token: HoldToken,
    /// The show.
    pub show: ShowId,
    /// Who holds it.
    pub holder: HolderId,
    /// The seats with prices.
    pub seats: Vec<PricedSeat>,
    /// Sum of the prices.
    pub total: Money,
    /// When it was made.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// The expiry to show the buyer. The seats stay held until
    /// `expires_at + policy.grace`.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// How many more times the holder may ask for more time
    /// ([`Policy::hold_extensions`](crate::Policy::hold_extensions) minus
    /// those used).
    #[serde(default)]
    pub extensions_left: u8,
    /// Active or confirmed.
    pub state: HoldState,
}

/// Why a seat could not be held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Taken {
    /// Held by someone else: it may free up, so waiting can make sense.
    Held,
    /// Held by you already, in another hold.
    HeldByYou,
    /// Sold.
    Booked,
}

/// A seat of a refused hold that is not available.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeatConflict {
    /// The seat.
    pub seat: SeatId,
    /// Its label.
    pub label: String,
    /// Why it is taken.
    pub taken: Taken,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_round_trips_and_is_long_enough() {
        let (_, token) = HoldToken::issue(ShowId::random());
        let text = token.to_string();
        assert_eq!(text.len(), 64);
        assert_eq!(text.parse::<HoldToken>(), Ok(token.clone()));
        assert_ne!(HoldToken::issue(token.show()).1, token);
    }

    #[test]
    fn an_issued_id_is_a_fresh_v4_uuid_apart_from_the_secret() {
        let show = ShowId::random();
        let (id, token) = HoldToken::issue(show);
        let (other_id, other) = HoldToken::issue(show);
        assert_eq!(id.as_uuid().get_version_num(), 4);
        assert_ne!(id, other_id);
        assert_ne!(token.secret(), other.secret());
        // The id is public: it must not be a slice of the secret.
        assert_ne!(&id.as_uuid().as_bytes()[..], &token.secret()[..16]);
    }

    #[test]
    fn token_debug_hides_the_secret() {
        let (_, token) = HoldToken::issue(ShowId::random());
        assert!(!format!("{token:?}").contains(&token.to_string()[22..]));
    }

    #[test]
    fn truncated_or_garbled_tokens_are_rejected() {
        let text = HoldToken::issue(ShowId::random()).1.to_string();
        let malformed = Err(InputError::MalformedHoldToken);
        assert_eq!(text[..63].parse::<HoldToken>(), malformed);
        assert_eq!(format!("{}!", &text[..63]).parse::<HoldToken>(), malformed);
        assert_eq!("".parse::<HoldToken>(), malformed);
    }

    #[test]
    fn seat_lists_are_one_to_ten_distinct_seats() {
        let a = SeatId::random();
        assert!(matches!(
            SeatList::new(vec![]),
            Err(InputError::InvalidSeatCount(0))
        ));
        assert!(matches!(SeatList::new(vec![a, a]), Err(InputError::DuplicateSeat(s)) if s == a));
        let eleven = (0..11).map(|_| SeatId::random()).collect();
        assert!(matches!(
            SeatList::new(eleven),
            Err(InputError::InvalidSeatCount(11))
        ));
        assert_eq!(
            SeatList::new(vec![a]).map(|l| l.count().get()).ok(),
            Some(1)
        );
    }
}
