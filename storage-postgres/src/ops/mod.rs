//! The seat lifecycle on PostgreSQL: [`ReservationStore`] for [`PgStore`].
//! Each operation is one [`ShowTx`] (a transaction on one show, see
//! `show_tx`) and lives in the module of its kind, as mini-redis keeps one
//! command per file; the trait's methods here only call them.
//!
//! - `hold`: holds (decided in batches, see `hold_batch`) and a hold's status;
//! - `release`: a holder gives the seats back;
//! - `checkout`: paying for a hold makes the booking;
//! - `payments`: the payments abandoned on the way, for the sweeper;
//! - `booking`: reading and cancelling a booking;
//! - `activity`: a holder's own bookings, holds and waits across shows;
//! - `waitlist`: joining, reading and leaving the line;
//! - `reads`: seat maps, availability and events;
//! - `sweep`: settling the shows something fell due on;
//! - `sales`: pausing, resuming, moving and cancelling a show.

mod activity;
mod booking;
mod checkout;
mod extend;
mod hold;
mod payments;
mod reads;
mod release;
mod sales;
mod sweep;
mod waitlist;

use async_trait::async_trait;
use reservation_core::payment::PaymentReceipt;
use reservation_core::{
    Availability, Booking, BookingId, CancelReason, Checkout, EventStream, Hold, HoldRequest,
    HoldToken, HolderActivity, HolderId, PaymentAttempt, Policy, ReservationError,
    ReservationStore, SalesState, SeatMap, Sequence, ShowEvent, ShowId, Wait, WaitId, WaitRequest,
    WaitStatus,
};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::PgStore;
use crate::error::{Error, Result};
use crate::show_tx::ShowTx;

impl PgStore {
    /// Locks and settles `show` for one operation.
    pub(crate) async fn begin(&self, show: ShowId, now: OffsetDateTime) -> Result<ShowTx> {
        let meta = self.meta(show).await?;
        ShowTx::begin(self, meta, now, false)
            .await?
            .ok_or_else(|| ReservationError::UnknownShow(show).into())
    }

    /// Like [`begin`](Self::begin) for a hold token: an unknown show is an unknown token.
    async fn begin_for_token(&self, token: &HoldToken, now: OffsetDateTime) -> Result<ShowTx> {
        match self.begin(token.show(), now).await {
            Err(Error::Refused(ReservationError::UnknownShow(_))) => {
                Err(ReservationError::InvalidHoldToken.into())
            }
            other => other,
        }
    }

    /// The show of a booking or wait, found by its own id.
    async fn show_of(&self, table: &str, id: Uuid) -> Result<Option<ShowId>> {
        let show: Option<Uuid> =
            sqlx::query_scalar(&format!("SELECT show_id FROM {table} WHERE id = $1"))
                .bind(id)
                .fetch_optional(self.pool())
                .await?;
        Ok(show.map(ShowId::from_uuid))
    }

    async fn booking_tx(&self, booking: BookingId, now: OffsetDateTime) -> Result<ShowTx> {
        let show = self.show_of("bookings", booking.as_uuid()).await?;
        self.begin(show.ok_or(ReservationError::UnknownBooking(booking))?, now)
            .await
    }

    async fn wait_tx(&self, wait: WaitId, now: OffsetDateTime) -> Result<ShowTx> {
        let show = self.show_of("waits", wait.as_uuid()).await?;
        self.begin(show.ok_or(ReservationError::UnknownWait(wait))?, now)
            .await
    }

    pub(crate) async fn booking_in(t: &mut ShowTx, booking: BookingId) -> Result<Option<Booking>> {
        t.write_kept().await?;
        let doc: Option<sqlx::types::Json<Booking>> =
            sqlx::query_scalar("SELECT doc FROM bookings WHERE show_id = $1 AND id = $2")
                .bind(t.id().as_uuid())
                .bind(booking.as_uuid())
                .fetch_optional(t.conn())
                .await?;
        Ok(doc.map(|d| d.0))
    }
}

#[async_trait]
impl ReservationStore for PgStore {
    fn policy(&self) -> Policy {
        self.inner.policy
    }

    async fn hold(
        &self,
        request: &HoldRequest,
        now: OffsetDateTime,
    ) -> Result<Hold, ReservationError> {
        hold::hold(self, request, now).await
    }

    async fn hold_status(
        &self,
        token: &HoldToken,
        holder: HolderId,
        now: OffsetDateTime,
    ) -> Result<Hold, ReservationError> {
        hold::status(self, token, holder, now).await
    }

    async fn extend_hold(
        &self,
        token: &HoldToken,
        holder: HolderId,
        now: OffsetDateTime,
    ) -> Result<Hold, ReservationError> {
        extend::extend_hold(self, token, holder, now).await
    }

    async fn release(
        &self,
        token: &HoldToken,
        holder: HolderId,
        now: OffsetDateTime,
    ) -> Result<(), ReservationError> {
        release::release(self, token, holder, now).await
    }

    async fn begin_checkout(
        &self,
        token: &HoldToken,
        holder: HolderId,
        now: OffsetDateTime,
    ) -> Result<Checkout, ReservationError> {
        checkout::begin(self, token, holder, now).await
    }

    async fn complete_checkout(
        &self,
        token: &HoldToken,
        holder: HolderId,
        receipt: &PaymentReceipt,
        now: OffsetDateTime,
    ) -> Result<Booking, ReservationError> {
        checkout::complete(self, token, holder, receipt, now).await
    }

    async fn booking(
        &self,
        booking: BookingId,
        holder: HolderId,
    ) -> Result<Booking, ReservationError> {
        booking::read(self, booking, holder).await
    }

    async fn holder_activity(
        &self,
        holder: HolderId,
        now: OffsetDateTime,
    ) -> Result<HolderActivity, ReservationError> {
        activity::activity(self, holder, now).await
    }

    async fn cancel_booking(
        &self,
        booking: BookingId,
        holder: HolderId,
        now: OffsetDateTime,
    ) -> Result<Booking, ReservationError> {
        booking::cancel(self, booking, holder, now).await
    }

    async fn join_waitlist(
        &self,
        request: &WaitRequest,
        now: OffsetDateTime,
    ) -> Result<Wait, ReservationError> {
        waitlist::join(self, request, now).await
    }

    async fn wait_status(
        &self,
        wait: WaitId,
        holder: HolderId,
        now: OffsetDateTime,
    ) -> Result<WaitStatus, ReservationError> {
        waitlist::status(self, wait, holder, now).await
    }

    async fn cancel_wait(
        &self,
        wait: WaitId,
        holder: HolderId,
        now: OffsetDateTime,
    ) -> Result<(), ReservationError> {
        waitlist::cancel(self, wait, holder, now).await
    }

    async fn seat_map(
        &self,
        show: ShowId,
        viewer: Option<HolderId>,
        now: OffsetDateTime,
    ) -> Result<SeatMap, ReservationError> {
        reads::seat_map(self, show, viewer, now).await
    }

    async fn availability(
        &self,
        show: ShowId,
        now: OffsetDateTime,
    ) -> Result<Availability, ReservationError> {
        reads::availability(self, show, now).await
    }

    async fn sweep(&self, now: OffsetDateTime) -> Result<usize, ReservationError> {
        sweep::sweep(self, now).await
    }

    async fn abandoned_payments(
        &self,
        now: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<PaymentAttempt>, ReservationError> {
        payments::abandoned(self, now, limit).await
    }

    async fn payment_settled(
        &self,
        attempt: &PaymentAttempt,
        now: OffsetDateTime,
    ) -> Result<(), ReservationError> {
        payments::settled(self, attempt, now).await
    }

    async fn pause_sales(
        &self,
        show: ShowId,
        now: OffsetDateTime,
    ) -> Result<SalesState, ReservationError> {
        sales::pause(self, show, now).await
    }

    async fn resume_sales(
        &self,
        show: ShowId,
        now: OffsetDateTime,
    ) -> Result<SalesState, ReservationError> {
        sales::resume(self, show, now).await
    }

    async fn reschedule(
        &self,
        show: ShowId,
        starts_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<(), ReservationError> {
        sales::reschedule(self, show, starts_at, now).await
    }

    async fn cancel_show(
        &self,
        show: ShowId,
        reason: &CancelReason,
        now: OffsetDateTime,
    ) -> Result<SalesState, ReservationError> {
        sales::cancel(self, show, reason, now).await
    }

    async fn events_since(
        &self,
        show: ShowId,
        after: Sequence,
        limit: usize,
    ) -> Result<Vec<ShowEvent>, ReservationError> {
        reads::events_since(self, show, after, limit).await
    }

    async fn subscribe(
        &self,
        show: ShowId,
        after: Sequence,
    ) -> Result<EventStream, ReservationError> {
        reads::subscribe(self, show, after).await
    }
}
