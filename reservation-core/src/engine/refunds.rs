//! Money back for payments that ended without a booking: at once when
//! `confirm` sees the hold lost, and from the sweeper for every payment
//! abandoned on the way (the store failed after the charge, the process
//! died, the buyer never retried).
//!
//! Exactly once at the gateway rests on two facts: the gateway refunds a
//! charge at most once however often it is asked ([`PaymentGateway::refund_for`]),
//! and an attempt is settled only after the gateway answered. A crash between
//! the refund and the settling asks again, which refunds nothing more.
//!
//! [`PaymentGateway::refund_for`]: crate::payment::PaymentGateway::refund_for

use time::{Duration, OffsetDateTime};

use super::Reservations;
use crate::error::ReservationError;
use crate::hold::Hold;
use crate::store::PaymentAttempt;

/// Abandoned payments asked of the store at a time.
const BATCH: usize = 64;

/// How long after its hold's `free_at` a charge may still be on its way to
/// the gateway (every charge began before `free_at`). Until then an attempt
/// with nothing charged stays open, so a charge that lands late is still
/// refunded if its own `confirm` cannot do it.
const CHARGE_IN_FLIGHT: Duration = Duration::minutes(1);

impl Reservations {
    /// Refunds the payments that began for holds released or expired
    /// without a booking ([`ReservationStore::abandoned_payments`]), and
    /// marks each settled once the gateway has answered; returns how many
    /// it settled. An attempt the gateway failed on is tried again on a
    /// later call (after [`PAYMENT_CLAIM`](crate::PAYMENT_CLAIM)).
    /// [`run_sweeper`](Self::run_sweeper) calls it after each sweep.
    ///
    /// ```
    /// use std::sync::Arc;
    /// # use reservation_core::*;
    /// use reservation_core::payment::{ChargeRequest, FakeGateway, PaymentGateway};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let (clock, gateway) = (ManualClock::new(time::OffsetDateTime::now_utc()), FakeGateway::new());
    /// let store = Arc::new(MemoryStore::default());
    /// let show = sample::load(store.as_ref()).await?;
    /// let engine = Reservations::new(store.clone(), Arc::new(gateway.clone()), Arc::new(clock.clone()));
    /// # let me = HolderId::random();
    /// # let one = SeatSelection::BestAvailable { count: SeatCount::ONE, filter: SeatFilter::default() };
    /// # let hold = engine.hold(&HoldRequest::new(show, me, one)).await?;
    /// // A charge whose booking never committed (say the database went away).
    /// store.begin_checkout(&hold.token, me, clock.now()).await?;
    /// let card = payment::CardNumber::parse(payment::test_cards::APPROVED)?;
    /// gateway.charge(&ChargeRequest::new(hold.id, me, hold.total, card)).await?;
    ///
    /// clock.advance(time::Duration::minutes(6)); // the hold runs out
    /// engine.sweep().await?;
    /// assert_eq!(engine.refund_abandoned_payments().await?, 1);
    /// assert_eq!(engine.refund_abandoned_payments().await?, 0);
    /// assert_eq!(gateway.ledger()[0].refunds_applied, 1);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// [`ReservationStore::abandoned_payments`]: crate::ReservationStore::abandoned_payments
    pub async fn refund_abandoned_payments(&self) -> Result<usize, ReservationError> {
        let mut settled = 0;
        loop {
            let now = self.clock.now();
            let batch = self.store.abandoned_payments(now, BATCH).await?;
            for attempt in &batch {
                if self.refund_abandoned(attempt, now).await? {
                    settled += 1;
                }
            }
            // Claimed attempts are not returned again: each round is new work.
            if batch.len() < BATCH {
                return Ok(settled);
            }
        }
    }

    /// Refunds one abandoned payment; whether it is settled now.
    async fn refund_abandoned(
        &self,
        attempt: &PaymentAttempt,
        now: OffsetDateTime,
    ) -> Result<bool, ReservationError> {
        match self.payments.refund_for(attempt.hold).await {
            Ok(Some(receipt)) => {
                tracing::info!(hold = %attempt.hold, reference = %receipt.reference, "abandoned payment refunded");
            }
            Ok(None) if now < attempt.free_at + CHARGE_IN_FLIGHT => return Ok(false),
            Ok(None) => {}
            Err(error) => {
                tracing::warn!(%error, hold = %attempt.hold, "refund of an abandoned payment failed; retrying later");
                return Ok(false);
            }
        }
        self.store.payment_settled(attempt, now).await?;
        Ok(true)
    }

    /// Refunds the charge for `hold`, whose booking the store refused, and
    /// settles its payment. Whatever fails here, the sweeper finishes.
    pub(super) async fn refund_lost_hold(&self, hold: &Hold) {
        let free_at = hold.expires_at + self.store.policy().grace;
        let attempt = PaymentAttempt::new(hold.show, hold.id, free_at);
        if let Err(error) = self.payments.refund_for(hold.id).await {
            tracing::warn!(%error, hold = %hold.id, "refund after a lost hold failed; the sweeper retries");
            return;
        }
        if let Err(error) = self.store.payment_settled(&attempt, self.clock.now()).await {
            // Refunded already: the sweeper's repeat refunds nothing more.
            tracing::warn!(%error, hold = %hold.id, "a refunded payment was not settled");
        }
    }
}
