//! What an organizer does to a show's sales: pause, resume, move, cancel.
//! The store does each in one atomic step; cancelling then refunds the
//! cancelled bookings through the same pass that refunds abandoned
//! payments, so a refund is made exactly once however often, and by
//! however many instances, it is attempted.

use time::OffsetDateTime;

use super::Reservations;
use crate::error::ReservationError;
use crate::ids::ShowId;
use crate::sales::{CancelReason, SalesState};

impl Reservations {
    /// Pauses a show's sales (see [`ReservationStore::pause_sales`]): new
    /// holds and waits are refused with `SalesClosed`, holds already made
    /// can still be paid until they expire.
    ///
    /// ```
    /// # use reservation_core::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let (engine, show) = sample::engine().await?;
    /// engine.pause_sales(show).await?;
    /// let one = SeatSelection::BestAvailable { count: SeatCount::ONE, filter: SeatFilter::default() };
    /// let request = HoldRequest::new(show, HolderId::random(), one);
    /// assert!(matches!(
    ///     engine.hold(&request).await,
    ///     Err(ReservationError::SalesClosed { reason: ClosedReason::Paused, .. })
    /// ));
    /// assert_eq!(engine.resume_sales(show).await?, SalesState::OnSale);
    /// engine.hold(&request).await?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// [`ReservationStore::pause_sales`]: crate::ReservationStore::pause_sales
    pub async fn pause_sales(&self, show: ShowId) -> Result<SalesState, ReservationError> {
        self.store.pause_sales(show, self.clock.now()).await
    }

    /// Resumes a show's paused sales; waiters are served the seats freed
    /// meanwhile (see [`ReservationStore::resume_sales`]).
    ///
    /// ```
    /// # use reservation_core::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let (engine, show) = sample::engine().await?;
    /// assert!(matches!(engine.pause_sales(show).await?, SalesState::Paused { .. }));
    /// assert_eq!(engine.resume_sales(show).await?, SalesState::OnSale);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// [`ReservationStore::resume_sales`]: crate::ReservationStore::resume_sales
    pub async fn resume_sales(&self, show: ShowId) -> Result<SalesState, ReservationError> {
        self.store.resume_sales(show, self.clock.now()).await
    }

    /// Moves a show's start; its followers get
    /// [`Change::Rescheduled`](crate::Change::Rescheduled). A show cannot be
    /// moved into the past (`StartsInPast`).
    ///
    /// ```
    /// # use reservation_core::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let (engine, show) = sample::engine().await?;
    /// let later = engine.clock().now() + time::Duration::days(30);
    /// engine.reschedule(show, later).await?;
    /// let yesterday = engine.clock().now() - time::Duration::days(1);
    /// assert!(matches!(
    ///     engine.reschedule(show, yesterday).await,
    ///     Err(ReservationError::StartsInPast { .. })
    /// ));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn reschedule(
        &self,
        show: ShowId,
        starts_at: OffsetDateTime,
    ) -> Result<(), ReservationError> {
        self.store
            .reschedule(show, starts_at, self.clock.now())
            .await
    }

    /// Cancels a show: sales stop, holds and waits end and every booking is
    /// cancelled, in one step of the store that also records each booking's
    /// refund as owed ([`ReservationStore::cancel_show`]); then the refunds
    /// are made through the payment gateway, each exactly once. A refund
    /// the gateway fails on, or one this process dies before making, is
    /// made by the next [`refund_abandoned_payments`](Self::refund_abandoned_payments)
    /// ([`run_sweeper`](Self::run_sweeper) calls it on every instance), so
    /// the cancellation stands as soon as this returns, even with an error
    /// from the refund pass. Cancelling again changes nothing.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use reservation_core::*;
    /// # use reservation_core::payment::FakeGateway;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let (store, gateway) = (Arc::new(MemoryStore::default()), FakeGateway::new());
    /// let show = sample::load(store.as_ref()).await?;
    /// let engine = Reservations::new(store, Arc::new(gateway.clone()), Arc::new(SystemClock));
    /// let me = HolderId::random();
    /// let two = SeatSelection::BestAvailable { count: SeatCount::new(2)?, filter: SeatFilter::default() };
    /// let hold = engine.hold(&HoldRequest::new(show, me, two)).await?;
    /// let card = payment::CardNumber::parse(payment::test_cards::APPROVED)?;
    /// let booking = engine.confirm(&hold.token, me, card).await?;
    ///
    /// engine.cancel_show(show, &CancelReason::parse("the lead is ill")?).await?;
    /// let cancelled = engine.booking(booking.id, me).await?;
    /// assert!(matches!(
    ///     cancelled.status,
    ///     BookingStatus::Cancelled { reason: CancelCause::ShowCancelled, .. }
    /// ));
    /// assert_eq!(gateway.ledger()[0].refunds_applied, 1);
    ///
    /// // Again: nothing more happens, nothing is refunded twice.
    /// engine.cancel_show(show, &CancelReason::parse("the lead is ill")?).await?;
    /// assert_eq!(gateway.ledger()[0].refunds_applied, 1);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// [`ReservationStore::cancel_show`]: crate::ReservationStore::cancel_show
    pub async fn cancel_show(
        &self,
        show: ShowId,
        reason: &CancelReason,
    ) -> Result<SalesState, ReservationError> {
        let state = self
            .store
            .cancel_show(show, reason, self.clock.now())
            .await?;
        if let Err(error) = self.refund_abandoned_payments().await {
            tracing::warn!(%error, %show, "refunds of a cancelled show failed; the sweeper retries");
        }
        Ok(state)
    }
}
