//! [`FakeGateway`]: an in-process gateway that keeps a ledger tests can read.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use parking_lot::Mutex;

use super::{ChargeRequest, PaymentError, PaymentGateway, PaymentReceipt, test_cards};
use crate::ids::HoldId;

/// One charge in a [`FakeGateway`]'s ledger, with what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChargeRecord {
    /// The idempotency key it was charged under (the hold paid for).
    pub key: HoldId,
    /// The receipt every charge under `key` returned.
    pub receipt: PaymentReceipt,
    /// Refunds actually made: 0 or 1.
    pub refunds_applied: u32,
    /// Refund requests for it, including the repeats that changed nothing.
    pub refund_requests: u32,
}

/// An in-process gateway for tests and the demo. Any valid card number is
/// approved except the decline and failure numbers in [`test_cards`].
/// Clones share state.
///
/// Its [`ledger`](Self::ledger) lets a test check the money: one charge per
/// booking, none without one, each orphaned charge refunded exactly once.
///
/// ```
/// use reservation_core::payment::{CardNumber, ChargeRequest, FakeGateway, PaymentGateway, test_cards};
/// use reservation_core::{Currency, HoldId, HolderId, Money};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let gateway = FakeGateway::new();
/// let hold = HoldId::random();
/// let card = CardNumber::parse(test_cards::APPROVED)?;
/// let request = ChargeRequest::new(hold, HolderId::random(), Money::new(900, Currency::EUR), card);
/// let receipt = gateway.charge(&request).await?;
///
/// // Refunding twice gives the money back once.
/// assert_eq!(gateway.refund_for(hold).await?, Some(receipt.clone()));
/// assert_eq!(gateway.refund_for(hold).await?, Some(receipt));
/// let ledger = gateway.ledger();
/// assert_eq!((ledger[0].refunds_applied, ledger[0].refund_requests), (1, 2));
/// // Nothing was charged under another key: nothing to refund.
/// assert_eq!(gateway.refund_for(HoldId::random()).await?, None);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct FakeGateway {
    inner: Arc<FakeState>,
}

#[derive(Debug, Default)]
struct FakeState {
    ledger: Mutex<Ledger>,
    attempts: AtomicU64,
}

/// Charges in the order they were made, with an index by key.
#[derive(Debug, Default)]
struct Ledger {
    records: Vec<ChargeRecord>,
    by_key: HashMap<HoldId, usize>,
}

impl Ledger {
    fn get(&self, key: HoldId) -> Option<&ChargeRecord> {
        self.records.get(*self.by_key.get(&key)?)
    }

    fn get_mut(&mut self, key: HoldId) -> Option<&mut ChargeRecord> {
        let at = *self.by_key.get(&key)?;
        self.records.get_mut(at)
    }
}

impl FakeGateway {
    /// A gateway with no charges yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every charge made, in order, with its refunds.
    pub fn ledger(&self) -> Vec<ChargeRecord> {
        self.inner.ledger.lock().records.clone()
    }

    /// Distinct charges made (one per idempotency key).
    pub fn charges(&self) -> usize {
        self.inner.ledger.lock().records.len()
    }

    /// Calls to `charge`, including repeats and refusals.
    pub fn attempts(&self) -> u64 {
        self.inner.attempts.load(Ordering::Relaxed)
    }

    /// The receipts of the charges refunded, in the order they were charged.
    pub fn refunds(&self) -> Vec<PaymentReceipt> {
        let ledger = self.inner.ledger.lock();
        let refunded = ledger.records.iter().filter(|r| r.refunds_applied > 0);
        refunded.map(|r| r.receipt.clone()).collect()
    }

    /// The charge made for `hold`, if any.
    pub fn charge_for(&self, hold: HoldId) -> Option<PaymentReceipt> {
        let ledger = self.inner.ledger.lock();
        ledger.get(hold).map(|r| r.receipt.clone())
    }
}

#[async_trait]
impl PaymentGateway for FakeGateway {
    async fn charge(&self, request: &ChargeRequest) -> Result<PaymentReceipt, PaymentError> {
        self.inner.attempts.fetch_add(1, Ordering::Relaxed);
        let digits = request.card.digits();
        let is = |card: &str| card.replace(' ', "") == digits;
        if is(test_cards::DECLINED) {
            return Err(PaymentError::Declined("card declined".to_owned()));
        }
        if is(test_cards::INSUFFICIENT_FUNDS) {
            return Err(PaymentError::Declined("insufficient funds".to_owned()));
        }
        if is(test_cards::GATEWAY_ERROR) {
            return Err(PaymentError::Unavailable("processing error".to_owned()));
        }
        let key = request.idempotency_key;
        let mut ledger = self.inner.ledger.lock();
        if let Some(record) = ledger.get_mut(key) {
            return Ok(record.receipt.clone());
        }
        let receipt = PaymentReceipt::new(
            format!("fake_{}", key.as_uuid().simple()),
            request.amount,
            request.card.last4(),
        );
        let at = ledger.records.len();
        ledger.records.push(ChargeRecord {
            key,
            receipt: receipt.clone(),
            refunds_applied: 0,
            refund_requests: 0,
        });
        ledger.by_key.insert(key, at);
        Ok(receipt)
    }

    async fn refund_for(&self, key: HoldId) -> Result<Option<PaymentReceipt>, PaymentError> {
        let mut ledger = self.inner.ledger.lock();
        Ok(ledger.get_mut(key).map(|record| {
            record.refund_requests += 1;
            record.refunds_applied = 1;
            record.receipt.clone()
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::HolderId;
    use crate::money::{Currency, Money};
    use crate::payment::CardNumber;

    fn request(card: &str) -> ChargeRequest {
        ChargeRequest::new(
            HoldId::random(),
            HolderId::random(),
            Money::new(1000, Currency::EUR),
            CardNumber::parse(card).unwrap(),
        )
    }

    #[tokio::test]
    async fn fake_gateway_charges_once_per_key() {
        let gateway = FakeGateway::new();
        let req = request(test_cards::APPROVED);
        let first = gateway.charge(&req).await.unwrap();
        let second = gateway.charge(&req).await.unwrap();
        assert_eq!(first, second);
        assert_eq!(gateway.charges(), 1);
        assert_eq!(gateway.attempts(), 2);
        assert_eq!(gateway.charge_for(req.idempotency_key), Some(first));
    }

    #[tokio::test]
    async fn fake_gateway_declines_and_fails_by_card() {
        let gateway = FakeGateway::new();
        assert!(matches!(
            gateway.charge(&request(test_cards::DECLINED)).await,
            Err(PaymentError::Declined(_))
        ));
        assert!(matches!(
            gateway.charge(&request(test_cards::INSUFFICIENT_FUNDS)).await,
            Err(PaymentError::Declined(r)) if r.contains("insufficient")
        ));
        assert!(matches!(
            gateway.charge(&request(test_cards::GATEWAY_ERROR)).await,
            Err(PaymentError::Unavailable(_))
        ));
        assert_eq!(gateway.charges(), 0);
        assert!(gateway.ledger().is_empty());
    }

    #[tokio::test]
    async fn refunds_apply_once_per_charge_and_only_to_charges() {
        let gateway = FakeGateway::new();
        let (kept, returned) = (request(test_cards::APPROVED), request(test_cards::APPROVED));
        gateway.charge(&kept).await.unwrap();
        let receipt = gateway.charge(&returned).await.unwrap();
        for _ in 0..3 {
            assert_eq!(
                gateway.refund_for(returned.idempotency_key).await,
                Ok(Some(receipt.clone()))
            );
        }
        assert_eq!(gateway.refund_for(HoldId::random()).await, Ok(None));
        let counts: Vec<_> = gateway
            .ledger()
            .iter()
            .map(|r| (r.key, r.refunds_applied, r.refund_requests))
            .collect();
        assert_eq!(
            counts,
            [
                (kept.idempotency_key, 0, 0),
                (returned.idempotency_key, 1, 3)
            ]
        );
        assert_eq!(gateway.refunds(), vec![receipt]);
    }
}
