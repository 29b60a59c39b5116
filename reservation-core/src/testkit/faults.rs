//! Faults to inject around a store or a gateway, for the scenarios on what
//! happens to money when something fails half way.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use futures_util::future::BoxFuture;
use time::OffsetDateTime;

use crate::activity::HolderActivity;
use crate::booking::Booking;
use crate::error::{ReservationError, StorageError};
use crate::events::{EventStream, Sequence, ShowEvent};
use crate::hold::{Hold, HoldRequest, HoldToken};
use crate::ids::{BookingId, HoldId, HolderId, ShowId, WaitId};
use crate::limits::Policy;
use crate::payment::{ChargeRequest, PaymentError, PaymentGateway, PaymentReceipt};
use crate::sales::{CancelReason, SalesState};
use crate::seat_map::{Availability, SeatMap};
use crate::store::{Checkout, PaymentAttempt, ReservationStore};
use crate::waitlist::{Wait, WaitRequest, WaitStatus};

/// A store whose next `complete_checkout` calls fail as if the database
/// had gone away, before reaching the store (nothing is booked). Every
/// other call goes through.
pub struct FailingCheckout {
    inner: Arc<dyn ReservationStore>,
    failures_left: AtomicUsize,
}

impl FailingCheckout {
    /// `inner`, with its next `failures` checkouts failing.
    pub fn new(inner: Arc<dyn ReservationStore>, failures: usize) -> Self {
        Self {
            inner,
            failures_left: AtomicUsize::new(failures),
        }
    }

    fn take_failure(&self) -> bool {
        self.failures_left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }
}

#[async_trait]
impl ReservationStore for FailingCheckout {
    fn policy(&self) -> Policy {
        self.inner.policy()
    }

    async fn hold(
        &self,
        request: &HoldRequest,
        now: OffsetDateTime,
    ) -> Result<Hold, ReservationError> {
        self.inner.hold(request, now).await
    }

    async fn hold_status(
        &self,
        token: &HoldToken,
        holder: HolderId,
        now: OffsetDateTime,
    ) -> Result<Hold, ReservationError> {
        self.inner.hold_status(token, holder, now).await
    }

    async fn extend_hold(
        &self,
        token: &HoldToken,
        holder: HolderId,
        now: OffsetDateTime,
    ) -> Result<Hold, ReservationError> {
        self.inner.extend_hold(token, holder, now).await
    }

    async fn release(
        &self,
        token: &HoldToken,
        holder: HolderId,
        now: OffsetDateTime,
    ) -> Result<(), ReservationError> {
        self.inner.release(token, holder, now).await
    }

    async fn begin_checkout(
        &self,
        token: &HoldToken,
        holder: HolderId,
        now: OffsetDateTime,
    ) -> Result<Checkout, ReservationError> {
        self.inner.begin_checkout(token, holder, now).await
    }

    async fn complete_checkout(
        &self,
        token: &HoldToken,
        holder: HolderId,
        receipt: &PaymentReceipt,
        now: OffsetDateTime,
    ) -> Result<Booking, ReservationError> {
        if self.take_failure() {
            let down = std::io::Error::other("the database went away");
            return Err(StorageError::new(down).into());
        }
        self.inner
            .complete_checkout(token, holder, receipt, now)
            .await
    }

    async fn booking(
        &self,
        booking: BookingId,
        holder: HolderId,
    ) -> Result<Booking, ReservationError> {
        self.inner.booking(booking, holder).await
    }

    async fn holder_activity(
        &self,
        holder: HolderId,
        now: OffsetDateTime,
    ) -> Result<HolderActivity, ReservationError> {
        self.inner.holder_activity(holder, now).await
    }

    async fn cancel_booking(
        &self,
        booking: BookingId,
        holder: HolderId,
        now: OffsetDateTime,
    ) -> Result<Booking, ReservationError> {
        self.inner.cancel_booking(booking, holder, now).await
    }

    async fn join_waitlist(
        &self,
        request: &WaitRequest,
        now: OffsetDateTime,
    ) -> Result<Wait, ReservationError> {
        self.inner.join_waitlist(request, now).await
    }

    async fn wait_status(
        &self,
        wait: WaitId,
        holder: HolderId,
        now: OffsetDateTime,
    ) -> Result<WaitStatus, ReservationError> {
        self.inner.wait_status(wait, holder, now).await
    }

    async fn cancel_wait(
        &self,
        wait: WaitId,
        holder: HolderId,
        now: OffsetDateTime,
    ) -> Result<(), ReservationError> {
        self.inner.cancel_wait(wait, holder, now).await
    }

    async fn seat_map(
        &self,
        show: ShowId,
        viewer: Option<HolderId>,
        now: OffsetDateTime,
    ) -> Result<SeatMap, ReservationError> {
        self.inner.seat_map(show, viewer, now).await
    }

    async fn availability(
        &self,
        show: ShowId,
        now: OffsetDateTime,
    ) -> Result<Availability, ReservationError> {
        self.inner.availability(show, now).await
    }

    async fn sweep(&self, now: OffsetDateTime) -> Result<usize, ReservationError> {
        self.inner.sweep(now).await
    }

    async fn abandoned_payments(
        &self,
        now: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<PaymentAttempt>, ReservationError> {
        self.inner.abandoned_payments(now, limit).await
    }

    async fn payment_settled(
        &self,
        attempt: &PaymentAttempt,
        now: OffsetDateTime,
    ) -> Result<(), ReservationError> {
        self.inner.payment_settled(attempt, now).await
    }

    async fn pause_sales(
        &self,
        show: ShowId,
        now: OffsetDateTime,
    ) -> Result<SalesState, ReservationError> {
        self.inner.pause_sales(show, now).await
    }

    async fn resume_sales(
        &self,
        show: ShowId,
        now: OffsetDateTime,
    ) -> Result<SalesState, ReservationError> {
        self.inner.resume_sales(show, now).await
    }

    async fn reschedule(
        &self,
        show: ShowId,
        starts_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<(), ReservationError> {
        self.inner.reschedule(show, starts_at, now).await
    }

    async fn cancel_show(
        &self,
        show: ShowId,
        reason: &CancelReason,
        now: OffsetDateTime,
    ) -> Result<SalesState, ReservationError> {
        self.inner.cancel_show(show, reason, now).await
    }

    async fn events_since(
        &self,
        show: ShowId,
        after: Sequence,
        limit: usize,
    ) -> Result<Vec<ShowEvent>, ReservationError> {
        self.inner.events_since(show, after, limit).await
    }

    async fn subscribe(
        &self,
        show: ShowId,
        after: Sequence,
    ) -> Result<EventStream, ReservationError> {
        self.inner.subscribe(show, after).await
    }
}

/// When [`Interrupted`] runs its interruption.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moment {
    /// After the charge was asked for, before the gateway took it.
    BeforeCharge,
    /// After the gateway took the charge, before it answered.
    AfterCharge,
}

/// Something else happening while a charge is in flight.
pub type Interruption = Box<dyn Fn() -> BoxFuture<'static, ()> + Send + Sync>;

/// A gateway whose charges are interrupted: `interruption` runs at
/// `moment` of every successful charge. Refunds go straight through.
pub struct Interrupted<G> {
    gateway: G,
    moment: Moment,
    interruption: Interruption,
}

impl<G: PaymentGateway> Interrupted<G> {
    /// `gateway`, with `interruption` running at `moment` of each charge.
    pub fn new(gateway: G, moment: Moment, interruption: Interruption) -> Self {
        Self {
            gateway,
            moment,
            interruption,
        }
    }
}

#[async_trait]
impl<G: PaymentGateway> PaymentGateway for Interrupted<G> {
    async fn charge(&self, request: &ChargeRequest) -> Result<PaymentReceipt, PaymentError> {
        if self.moment == Moment::BeforeCharge {
            (self.interruption)().await;
        }
        let receipt = self.gateway.charge(request).await?;
        if self.moment == Moment::AfterCharge {
            (self.interruption)().await;
        }
        Ok(receipt)
    }

    async fn refund_for(&self, key: HoldId) -> Result<Option<PaymentReceipt>, PaymentError> {
        self.gateway.refund_for(key).await
    }
}
