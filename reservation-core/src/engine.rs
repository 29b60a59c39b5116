//! [`Reservations`]: the operations a storefront calls, with the clock and the
//! payment gateway wired in.

use std::sync::Arc;

use crate::booking::Booking;
use crate::clock::Clock;
use crate::error::ReservationError;
use crate::events::{EventStream, Sequence};
use crate::hold::{Hold, HoldRequest, HoldToken};
use crate::ids::{BookingId, HolderId, ShowId, WaitId};
use crate::payment::{CardNumber, ChargeRequest, PaymentError, PaymentGateway};
use crate::seat_map::{Availability, SeatMap};
use crate::store::{Checkout, ReservationStore};
use crate::waiting_room::WaitingRoom;
use crate::waitlist::{Wait, WaitRequest, WaitStatus};

/// The reservation engine: a store, a payment gateway and a clock.
///
/// Cheap to clone; clones share everything.
#[derive(Clone)]
pub struct Reservations {
    store: Arc<dyn ReservationStore>,
    payments: Arc<dyn PaymentGateway>,
    clock: Arc<dyn Clock>,
    room: Option<WaitingRoom>,
}

impl std::fmt::Debug for Reservations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reservations")
            .field("policy", &self.store.policy())
            .finish_non_exhaustive()
    }
}

impl Reservations {
    /// An engine over `store`, charging through `payments`, telling time by `clock`.
    pub fn new(
        store: Arc<dyn ReservationStore>,
        payments: Arc<dyn PaymentGateway>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            store,
            payments,
            clock,
            room: None,
        }
    }

    /// The same engine gated by `room`: on a show whose room is on, holds
    /// and waits need an admission pass ([`hold_admitted`](Self::hold_admitted),
    /// [`join_waitlist_admitted`](Self::join_waitlist_admitted)), and a
    /// booking uses the buyer's admission up.
    pub fn with_waiting_room(mut self, room: WaitingRoom) -> Self {
        self.room = Some(room);
        self
    }

    /// The waiting rooms gating this engine, if any.
    pub fn waiting_room(&self) -> Option<&WaitingRoom> {
        self.room.as_ref()
    }

    async fn check_admission(
        &self,
        show: ShowId,
        holder: HolderId,
        pass: Option<&str>,
    ) -> Result<(), ReservationError> {
        match &self.room {
            Some(room) => room.check(show, holder, pass).await,
            None => Ok(()),
        }
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn ReservationStore> {
        &self.store
    }

    /// The clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Holds seats, all or nothing. See [`ReservationStore::hold`]. On a
    /// show behind a waiting room this is refused with
    /// [`AdmissionError::Required`](crate::waiting_room::AdmissionError::Required):
    /// use [`hold_admitted`](Self::hold_admitted).
    pub async fn hold(&self, request: &HoldRequest) -> Result<Hold, ReservationError> {
        self.hold_admitted(request, None).await
    }

    /// Holds seats, showing the admission `pass` the waiting room gave
    /// (needed only while the show's room is on).
    pub async fn hold_admitted(
        &self,
        request: &HoldRequest,
        pass: Option<&str>,
    ) -> Result<Hold, ReservationError> {
        self.check_admission(request.show, request.holder, pass)
            .await?;
        self.store.hold(request, self.clock.now()).await
    }

    /// The hold behind `token`.
    pub async fn hold_status(
        &self,
        token: &HoldToken,
        holder: HolderId,
    ) -> Result<Hold, ReservationError> {
        self.store
            .hold_status(token, holder, self.clock.now())
            .await
    }

    /// Releases a hold; its seats are free at once.
    pub async fn release(
        &self,
        token: &HoldToken,
        holder: HolderId,
    ) -> Result<(), ReservationError> {
        self.store.release(token, holder, self.clock.now()).await
    }

    /// Pays for a hold and books its seats.
    ///
    /// The charge uses the hold's id as idempotency key, so a hold is charged
    /// at most once however often this is called; a confirmed hold returns
    /// its booking without charging. A declined card leaves the hold as it
    /// was. If the hold runs out (or is released) while the charge is in
    /// flight, the charge is refunded and `HoldExpired` returned. If the store
    /// fails after the charge, calling again completes the booking without a
    /// second charge.
    pub async fn confirm(
        &self,
        token: &HoldToken,
        holder: HolderId,
        card: CardNumber,
    ) -> Result<Booking, ReservationError> {
        let hold = match self
            .store
            .begin_checkout(token, holder, self.clock.now())
            .await?
        {
            Checkout::AlreadyBooked(booking) => return Ok(booking),
            Checkout::Pay(hold) => hold,
        };
        let request = ChargeRequest {
            idempotency_key: hold.id,
            holder,
            amount: hold.total,
            card,
        };
        let receipt = self.payments.charge(&request).await.map_err(|e| match e {
            PaymentError::Declined(reason) => ReservationError::PaymentDeclined(reason),
            PaymentError::Unavailable(reason) => ReservationError::PaymentUnavailable(reason),
        })?;
        match self
            .store
            .complete_checkout(token, holder, &receipt, self.clock.now())
            .await
        {
            Ok(booking) => {
                if let Some(room) = &self.room {
                    // The slot frees on the next pace anyway when this
                    // fails: the admission runs out.
                    if let Err(error) = room.finish(booking.show, holder).await {
                        tracing::warn!(%error, "a booking did not end its admission");
                    }
                }
                Ok(booking)
            }
            Err(refused) if refused.is_refusal() => {
                // The seats are gone: give the money back. A failed refund is
                // left to the gateway's reconciliation; the refusal still stands.
                if let Err(error) = self.payments.refund(&receipt).await {
                    tracing::error!(%error, reference = %receipt.reference, "refund after a lost hold failed");
                }
                Err(refused)
            }
            outcome => outcome,
        }
    }

    /// One of `holder`'s bookings.
    pub async fn booking(
        &self,
        booking: BookingId,
        holder: HolderId,
    ) -> Result<Booking, ReservationError> {
        self.store.booking(booking, holder).await
    }

    /// Cancels a booking, frees its seats and refunds its payment. The
    /// cancellation stands even if the refund call fails; that failure is
    /// logged for the gateway's reconciliation.
    pub async fn cancel_booking(
        &self,
        booking: BookingId,
        holder: HolderId,
    ) -> Result<Booking, ReservationError> {
        let booking = self
            .store
            .cancel_booking(booking, holder, self.clock.now())
            .await?;
        if let Err(error) = self.payments.refund(&booking.payment).await {
            tracing::error!(%error, booking = %booking.id, reference = %booking.payment.reference, "refund failed");
        }
        Ok(booking)
    }

    /// Joins a show's waitlist (refused behind a waiting room: use
    /// [`join_waitlist_admitted`](Self::join_waitlist_admitted)).
    pub async fn join_waitlist(&self, request: &WaitRequest) -> Result<Wait, ReservationError> {
        self.join_waitlist_admitted(request, None).await
    }

    /// Joins a show's waitlist, showing the admission `pass` the waiting
    /// room gave (needed only while the show's room is on).
    pub async fn join_waitlist_admitted(
        &self,
        request: &WaitRequest,
        pass: Option<&str>,
    ) -> Result<Wait, ReservationError> {
        self.check_admission(request.show, request.holder, pass)
            .await?;
        self.store.join_waitlist(request, self.clock.now()).await
    }

    /// Where a wait stands.
    pub async fn wait_status(
        &self,
        wait: WaitId,
        holder: HolderId,
    ) -> Result<WaitStatus, ReservationError> {
        self.store.wait_status(wait, holder, self.clock.now()).await
    }

    /// Leaves a waitlist.
    pub async fn cancel_wait(
        &self,
        wait: WaitId,
        holder: HolderId,
    ) -> Result<(), ReservationError> {
        self.store.cancel_wait(wait, holder, self.clock.now()).await
    }

    /// A show's seat map as `viewer` sees it.
    pub async fn seat_map(
        &self,
        show: ShowId,
        viewer: Option<HolderId>,
    ) -> Result<SeatMap, ReservationError> {
        self.store.seat_map(show, viewer, self.clock.now()).await
    }

    /// A show's seat counts.
    pub async fn availability(&self, show: ShowId) -> Result<Availability, ReservationError> {
        self.store.availability(show, self.clock.now()).await
    }

    /// A show's events after `after`, then live ones.
    pub async fn subscribe(
        &self,
        show: ShowId,
        after: Sequence,
    ) -> Result<EventStream, ReservationError> {
        self.store.subscribe(show, after).await
    }

    /// Settles every show now (see [`ReservationStore::sweep`]).
    pub async fn sweep(&self) -> Result<usize, ReservationError> {
        self.store.sweep(self.clock.now()).await
    }

    /// Sweeps every `period`, forever: spawn it next to the server and abort
    /// it on shutdown. Reads stay correct without it (expiry is lazy); it
    /// makes expiries and waitlist offers happen, and their events go out,
    /// even on shows nobody touches.
    pub async fn run_sweeper(&self, period: std::time::Duration) {
        let mut ticks = tokio::time::interval(period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match self.sweep().await {
                Ok(0) => {}
                Ok(ended) => tracing::debug!(ended, "sweep ended holds and waits"),
                Err(error) => tracing::warn!(%error, "sweep failed; retrying on the next tick"),
            }
        }
    }
}
