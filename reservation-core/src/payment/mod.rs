//! Payments: the [`PaymentGateway`] port and a fake gateway for tests and demos.

mod fake;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::error::InputError;
use crate::ids::{HoldId, HolderId};
use crate::money::Money;

pub use fake::{ChargeRecord, FakeGateway};

/// A card number: 12 to 19 digits passing the Luhn check. Spaces and dashes
/// are ignored when parsing. `Debug` shows only the last four digits.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, example = "4242 4242 4242 4242"))]
#[serde(try_from = "String", into = "String")]
pub struct CardNumber(String);

impl CardNumber {
    /// Parses and checks a card number.
    ///
    /// ```
    /// use reservation_core::InputError;
    /// use reservation_core::payment::{CardNumber, test_cards};
    ///
    /// assert_eq!(CardNumber::parse(test_cards::APPROVED)?.last4(), "4242");
    /// assert_eq!(CardNumber::parse("4242 4242 4242 4241"), Err(InputError::InvalidCardNumber));
    /// # Ok::<(), InputError>(())
    /// ```
    pub fn parse(text: &str) -> Result<Self, InputError> {
        let digits: String = text.chars().filter(|c| *c != ' ' && *c != '-').collect();
        if !(12..=19).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InputError::InvalidCardNumber);
        }
        let sum: u32 = digits
            .bytes()
            .rev()
            .enumerate()
            .map(|(i, b)| {
                let d = u32::from(b - b'0');
                if i % 2 == 1 {
                    if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
                } else {
                    d
                }
            })
            .sum();
        if sum.is_multiple_of(10) {
            Ok(Self(digits))
        } else {
            Err(InputError::InvalidCardNumber)
        }
    }

    /// The last four digits, for receipts.
    pub fn last4(&self) -> &str {
        &self.0[self.0.len() - 4..]
    }

    /// All digits.
    pub fn digits(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for CardNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CardNumber(**** {})", self.last4())
    }
}

impl TryFrom<String> for CardNumber {
    type Error = InputError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<CardNumber> for String {
    fn from(value: CardNumber) -> Self {
        value.0
    }
}

/// A charge to make. Build one with [`ChargeRequest::new`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChargeRequest {
    /// The hold being paid for. Gateways must treat it as an idempotency key:
    /// charging the same hold twice charges once and returns the same receipt.
    pub idempotency_key: HoldId,
    /// Who pays.
    pub holder: HolderId,
    /// How much.
    pub amount: Money,
    /// With which card.
    pub card: CardNumber,
}

impl ChargeRequest {
    /// A charge of `amount` to `card` for `holder`, made at most once per
    /// `idempotency_key` (the hold being paid for).
    pub fn new(idempotency_key: HoldId, holder: HolderId, amount: Money, card: CardNumber) -> Self {
        Self {
            idempotency_key,
            holder,
            amount,
            card,
        }
    }
}

/// Proof of a successful charge. Gateways build one with
/// [`PaymentReceipt::new`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[non_exhaustive]
pub struct PaymentReceipt {
    /// The gateway's reference for the charge.
    pub reference: String,
    /// Amount charged.
    pub amount: Money,
    /// Last four digits of the card.
    pub card_last4: String,
}

impl PaymentReceipt {
    /// A receipt for `amount` charged under the gateway's `reference` to the
    /// card ending in `card_last4`.
    pub fn new(reference: impl Into<String>, amount: Money, card_last4: impl Into<String>) -> Self {
        Self {
            reference: reference.into(),
            amount,
            card_last4: card_last4.into(),
        }
    }
}

/// A charge or refund that did not go through.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PaymentError {
    /// The card was refused; nothing was charged. Another card may work.
    #[error("payment declined: {0}")]
    Declined(String),
    /// The gateway failed; nothing was charged or refunded. Trying again
    /// later may work.
    #[error("payment service unavailable: {0}")]
    Unavailable(String),
}

/// A payment service. Implementations are called through `dyn`, so this trait
/// uses `async-trait` (native `async fn` in traits is not object-safe).
///
/// ```
/// use std::sync::Arc;
/// use async_trait::async_trait;
/// use reservation_core::payment::{ChargeRequest, PaymentError, PaymentGateway, PaymentReceipt};
/// use reservation_core::*;
///
/// /// Charges nothing: tickets to a free event.
/// struct FreeEntry;
///
/// #[async_trait]
/// impl PaymentGateway for FreeEntry {
///     async fn charge(&self, request: &ChargeRequest) -> Result<PaymentReceipt, PaymentError> {
///         // The same key gives the same receipt: idempotent by construction.
///         let reference = format!("free-{}", request.idempotency_key);
///         Ok(PaymentReceipt::new(reference, request.amount, request.card.last4()))
///     }
///
///     async fn refund_for(&self, _key: HoldId) -> Result<Option<PaymentReceipt>, PaymentError> {
///         Ok(None) // nothing was taken, so nothing goes back
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let store = MemoryStore::default();
/// let show = sample::load(&store).await?;
/// let engine = Reservations::new(Arc::new(store), Arc::new(FreeEntry), Arc::new(SystemClock));
/// let me = HolderId::random();
/// let one = SeatSelection::BestAvailable { count: SeatCount::ONE, filter: SeatFilter::default() };
/// let hold = engine.hold(&HoldRequest::new(show, me, one)).await?;
/// let card = payment::CardNumber::parse(payment::test_cards::APPROVED)?;
/// let booking = engine.confirm(&hold.token, me, card).await?;
/// assert!(booking.payment.reference.starts_with("free-"));
/// # Ok(())
/// # }
/// ```
#[async_trait]
pub trait PaymentGateway: Send + Sync {
    /// Charges once per `request.idempotency_key`: a repeat returns the
    /// first charge's receipt.
    async fn charge(&self, request: &ChargeRequest) -> Result<PaymentReceipt, PaymentError>;

    /// Gives back the charge made under `key` (a hold's id), if one was
    /// made: `Ok(Some(receipt))` names it, `Ok(None)` says nothing was
    /// charged under `key`. Idempotent: however often it is called, the
    /// charge is refunded at most once, and a repeat answers as the first
    /// call did. The engine calls it when a booking is cancelled, when a
    /// hold is lost during its payment, and for abandoned payments
    /// ([`Reservations::refund_abandoned_payments`](crate::Reservations::refund_abandoned_payments)),
    /// possibly more than once for one charge.
    async fn refund_for(&self, key: HoldId) -> Result<Option<PaymentReceipt>, PaymentError>;
}

/// Test card numbers understood by [`FakeGateway`].
pub mod test_cards {
    /// Always approved.
    pub const APPROVED: &str = "4242 4242 4242 4242";
    /// Always declined ("card declined").
    pub const DECLINED: &str = "4000 0000 0000 0002";
    /// Declined for insufficient funds.
    pub const INSUFFICIENT_FUNDS: &str = "4000 0000 0000 9995";
    /// The gateway fails (processing error).
    pub const GATEWAY_ERROR: &str = "4000 0000 0000 0119";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_numbers_are_luhn_checked() {
        assert!(CardNumber::parse(test_cards::APPROVED).is_ok());
        assert!(CardNumber::parse("4242 4242 4242 4241").is_err());
        assert!(CardNumber::parse("4242").is_err());
        assert!(CardNumber::parse("abcd efgh ijkl mnop").is_err());
        assert_eq!(
            format!("{:?}", CardNumber::parse(test_cards::APPROVED).unwrap()),
            "CardNumber(**** 4242)"
        );
    }
}
