//! [`Reservations`]: the operations a storefront calls, with the clock and the
//! payment gateway wired in. Refunding payments that ended without a booking
//! is in `refunds`; the organizer's operations on a show's sales are in
//! `sales`; a holder's own bookings, holds and waits in `activity`.

mod activity;
mod refunds;
mod sales;

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
    ///
    /// ```
    /// use std::sync::Arc;
    /// use reservation_core::payment::FakeGateway;
    /// use reservation_core::{MemoryStore, Policy, Reservations, SystemClock};
    ///
    /// let engine = Reservations::new(
    ///     Arc::new(MemoryStore::new(Policy::default())),
    ///     Arc::new(FakeGateway::new()),
    ///     Arc::new(SystemClock),
    /// );
    /// assert!(engine.waiting_room().is_none());
    /// ```
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
    /// booking uses the buyer's admission up. The [`waiting_room`](crate::waiting_room)
    /// module shows a whole sale through a room.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use reservation_core::payment::FakeGateway;
    /// use reservation_core::waiting_room::{AdmissionSigner, WaitingRoom};
    /// use reservation_core::{MemoryStore, Reservations, SystemClock};
    ///
    /// let store = Arc::new(MemoryStore::default());
    /// let rooms = WaitingRoom::new(store.clone(), Arc::new(SystemClock), AdmissionSigner::random());
    /// let engine = Reservations::new(store, Arc::new(FakeGateway::new()), Arc::new(SystemClock))
    ///     .with_waiting_room(rooms);
    /// assert!(engine.waiting_room().is_some());
    /// ```
    pub fn with_waiting_room(mut self, room: WaitingRoom) -> Self {
        self.room = Some(room);
        self
    }

    /// The waiting rooms gating this engine, if any.
    ///
    /// ```
    /// # use reservation_core::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let (engine, _show) = sample::engine().await?;
    /// assert!(engine.waiting_room().is_none()); // no room: holds need no pass
    /// # Ok(())
    /// # }
    /// ```
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

    /// The store, for the operations the engine does not wrap (such as
    /// [`ReservationStore::events_since`]).
    ///
    /// ```
    /// # use reservation_core::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let (engine, show) = sample::engine().await?;
    /// let now = engine.clock().now();
    /// assert_eq!(engine.store().availability(show, now).await?.available, 120);
    /// # Ok(())
    /// # }
    /// ```
    pub fn store(&self) -> &Arc<dyn ReservationStore> {
        &self.store
    }

    /// The clock every operation reads `now` from.
    ///
    /// ```
    /// # use reservation_core::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let (engine, _show) = sample::engine().await?;
    /// let before = time::OffsetDateTime::now_utc();
    /// assert!(engine.clock().now() >= before); // the system clock
    /// # Ok(())
    /// # }
    /// ```
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Holds seats, all or nothing. See [`ReservationStore::hold`]. On a
    /// show behind a waiting room this is refused with
    /// [`AdmissionError::Required`](crate::waiting_room::AdmissionError::Required):
    /// use [`hold_admitted`](Self::hold_admitted).
    ///
    /// ```
    /// # use reservation_core::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let (engine, show) = sample::engine().await?;
    /// let me = HolderId::random();
    /// let best_two = SeatSelection::BestAvailable { count: SeatCount::new(2)?, filter: SeatFilter::default() };
    /// let hold = engine.hold(&HoldRequest::new(show, me, best_two)).await?;
    /// assert_eq!(hold.seats.len(), 2);
    ///
    /// // All or nothing: the same seats again are refused, each one named.
    /// let seats = SeatList::new(hold.seats.iter().map(|s| s.seat).collect())?;
    /// let again = HoldRequest::new(show, HolderId::random(), SeatSelection::Seats(seats));
    /// assert!(matches!(
    ///     engine.hold(&again).await,
    ///     Err(ReservationError::SeatsTaken(taken)) if taken.len() == 2
    /// ));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn hold(&self, request: &HoldRequest) -> Result<Hold, ReservationError> {
        self.hold_admitted(request, None).await
    }

    /// Holds seats, showing the admission `pass` the waiting room gave
    /// (needed only while the show's room is on; the
    /// [`waiting_room`](crate::waiting_room) module shows one).
    ///
    /// ```
    /// # use reservation_core::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let (engine, show) = sample::engine().await?;
    /// let me = HolderId::random();
    /// let best_two = SeatSelection::BestAvailable { count: SeatCount::new(2)?, filter: SeatFilter::default() };
    /// let request = HoldRequest::new(show, me, best_two);
    /// // No room is on for this show: no pass is needed.
    /// let hold = engine.hold_admitted(&request, None).await?;
    /// assert_eq!(hold.holder, me);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn hold_admitted(
        &self,
        request: &HoldRequest,
        pass: Option<&str>,
    ) -> Result<Hold, ReservationError> {
        self.check_admission(request.show, request.holder, pass)
            .await?;
        self.store.hold(request, self.clock.now()).await
    }

    /// The hold behind `token`, if it is `holder`'s.
    ///
    /// ```
    /// # use reservation_core::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let (engine, show) = sample::engine().await?;
    /// # let me = HolderId::random();
    /// # let best_two = SeatSelection::BestAvailable { count: SeatCount::new(2)?, filter: SeatFilter::default() };
    /// # let hold = engine.hold(&HoldRequest::new(show, me, best_two)).await?;
    /// assert_eq!(engine.hold_status(&hold.token, me).await?.state, HoldState::Active);
    /// // To anyone else the token means nothing.
    /// assert!(matches!(
    ///     engine.hold_status(&hold.token, HolderId::random()).await,
    ///     Err(ReservationError::InvalidHoldToken)
    /// ));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn hold_status(
        &self,
        token: &HoldToken,
        holder: HolderId,
    ) -> Result<Hold, ReservationError> {
        self.store
            .hold_status(token, holder, self.clock.now())
            .await
    }

    /// Asks for more time on a hold, as the policy allows (by default
    /// once, 2 minutes).
    ///
    /// ```
    /// # use reservation_core::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let (engine, show) = sample::engine().await?;
    /// # let me = HolderId::random();
    /// # let best_two = SeatSelection::BestAvailable { count: SeatCount::new(2)?, filter: SeatFilter::default() };
    /// # let hold = engine.hold(&HoldRequest::new(show, me, best_two)).await?;
    /// let longer = engine.extend_hold(&hold.token, me).await?;
    /// assert_eq!(longer.expires_at, hold.expires_at + time::Duration::minutes(2));
    /// assert_eq!(longer.extensions_left, 0);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn extend_hold(
        &self,
        token: &HoldToken,
        holder: HolderId,
    ) -> Result<Hold, ReservationError> {
        self.store
            .extend_hold(token, holder, self.clock.now())
            .await
    }

    /// Releases a hold; its seats are free at once.
    ///
    /// ```
    /// # use reservation_core::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let (engine, show) = sample::engine().await?;
    /// # let me = HolderId::random();
    /// # let best_two = SeatSelection::BestAvailable { count: SeatCount::new(2)?, filter: SeatFilter::default() };
    /// # let hold = engine.hold(&HoldRequest::new(show, me, best_two)).await?;
    /// engine.release(&hold.token, me).await?;
    /// assert_eq!(engine.availability(show).await?.held, 0);
    /// # Ok(())
    /// # }
    /// ```
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
    /// flight, the charge is refunded and `HoldExpired` returned
    /// (`InvalidHoldToken` if it was released, `SalesClosed` if the show was
    /// cancelled). While sales are paused a hold made before can still be
    /// paid. If the store
    /// fails after the charge, calling again completes the booking without a
    /// second charge; if nobody calls again, the hold expires and
    /// [`refund_abandoned_payments`](Self::refund_abandoned_payments) refunds
    /// the charge.
    ///
    /// ```
    /// # use reservation_core::*;
    /// use reservation_core::payment::{CardNumber, test_cards};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let (engine, show) = sample::engine().await?;
    /// # let me = HolderId::random();
    /// # let best_two = SeatSelection::BestAvailable { count: SeatCount::new(2)?, filter: SeatFilter::default() };
    /// # let hold = engine.hold(&HoldRequest::new(show, me, best_two)).await?;
    /// let declined = engine.confirm(&hold.token, me, CardNumber::parse(test_cards::DECLINED)?).await;
    /// assert!(matches!(declined, Err(ReservationError::PaymentDeclined(_))));
    ///
    /// let booking = engine.confirm(&hold.token, me, CardNumber::parse(test_cards::APPROVED)?).await?;
    /// assert_eq!(booking.tickets.len(), 2);
    /// // Again: the same booking, charged once.
    /// let again = engine.confirm(&hold.token, me, CardNumber::parse(test_cards::APPROVED)?).await?;
    /// assert_eq!(again.id, booking.id);
    /// # Ok(())
    /// # }
    /// ```
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
        let request = ChargeRequest::new(hold.id, holder, hold.total, card);
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
                // The seats are gone: give the money back now rather than on
                // the sweeper's next tick. The refusal stands either way.
                self.refund_lost_hold(&hold).await;
                Err(refused)
            }
            outcome => outcome,
        }
    }

    /// One of `holder`'s bookings.
    ///
    /// ```
    /// # use reservation_core::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let (engine, show) = sample::engine().await?;
    /// # let me = HolderId::random();
    /// # let best_two = SeatSelection::BestAvailable { count: SeatCount::new(2)?, filter: SeatFilter::default() };
    /// # let hold = engine.hold(&HoldRequest::new(show, me, best_two)).await?;
    /// # let card = payment::CardNumber::parse(payment::test_cards::APPROVED)?;
    /// # let booking = engine.confirm(&hold.token, me, card).await?;
    /// let found = engine.booking(booking.id, me).await?;
    /// assert_eq!(found.status, BookingStatus::Confirmed);
    /// assert!(matches!(
    ///     engine.booking(booking.id, HolderId::random()).await,
    ///     Err(ReservationError::UnknownBooking(_))
    /// ));
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// ```
    /// # use reservation_core::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let (engine, show) = sample::engine().await?;
    /// # let me = HolderId::random();
    /// # let best_two = SeatSelection::BestAvailable { count: SeatCount::new(2)?, filter: SeatFilter::default() };
    /// # let hold = engine.hold(&HoldRequest::new(show, me, best_two)).await?;
    /// # let card = payment::CardNumber::parse(payment::test_cards::APPROVED)?;
    /// # let booking = engine.confirm(&hold.token, me, card).await?;
    /// let cancelled = engine.cancel_booking(booking.id, me).await?;
    /// assert!(matches!(cancelled.status, BookingStatus::Cancelled { .. }));
    /// assert_eq!(engine.availability(show).await?.booked, 0);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn cancel_booking(
        &self,
        booking: BookingId,
        holder: HolderId,
    ) -> Result<Booking, ReservationError> {
        let booking = self
            .store
            .cancel_booking(booking, holder, self.clock.now())
            .await?;
        if let Err(error) = self.payments.refund_for(booking.hold).await {
            tracing::error!(%error, booking = %booking.id, reference = %booking.payment.reference, "refund failed");
        }
        Ok(booking)
    }

    /// Joins a show's waitlist (refused behind a waiting room: use
    /// [`join_waitlist_admitted`](Self::join_waitlist_admitted)). Waiting
    /// needs the seats to be held by others, not free (see
    /// [`waitlist`](crate::waitlist)).
    ///
    /// ```
    /// # use reservation_core::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let (engine, show) = sample::engine().await?;
    /// # let premium = SeatFilter::default().with_category(sample::premium());
    /// # for count in [10, 10, 4] { // others hold every premium seat
    /// #     let seats = SeatSelection::BestAvailable { count: SeatCount::new(count)?, filter: premium.clone() };
    /// #     engine.hold(&HoldRequest::new(show, HolderId::random(), seats)).await?;
    /// # }
    /// # let me = HolderId::random();
    /// # let request = WaitRequest::new(show, me, SeatCount::new(2)?).with_category(sample::premium());
    /// // Every premium seat is held by others: wait for two of them.
    /// let request = WaitRequest::new(show, me, SeatCount::new(2)?).with_category(sample::premium());
    /// let wait = engine.join_waitlist(&request).await?;
    /// assert_eq!(wait.count.get(), 2);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn join_waitlist(&self, request: &WaitRequest) -> Result<Wait, ReservationError> {
        self.join_waitlist_admitted(request, None).await
    }

    /// Joins a show's waitlist, showing the admission `pass` the waiting
    /// room gave (needed only while the show's room is on).
    ///
    /// ```
    /// # use reservation_core::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let (engine, show) = sample::engine().await?;
    /// # let premium = SeatFilter::default().with_category(sample::premium());
    /// # for count in [10, 10, 4] { // others hold every premium seat
    /// #     let seats = SeatSelection::BestAvailable { count: SeatCount::new(count)?, filter: premium.clone() };
    /// #     engine.hold(&HoldRequest::new(show, HolderId::random(), seats)).await?;
    /// # }
    /// # let me = HolderId::random();
    /// # let request = WaitRequest::new(show, me, SeatCount::new(2)?).with_category(sample::premium());
    /// // No room is on for this show: no pass is needed.
    /// let wait = engine.join_waitlist_admitted(&request, None).await?;
    /// assert_eq!(wait.holder, me);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn join_waitlist_admitted(
        &self,
        request: &WaitRequest,
        pass: Option<&str>,
    ) -> Result<Wait, ReservationError> {
        self.check_admission(request.show, request.holder, pass)
            .await?;
        self.store.join_waitlist(request, self.clock.now()).await
    }

    /// Where a wait stands: its place in line, the hold offered, or why it
    /// ended.
    ///
    /// ```
    /// # use reservation_core::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let (engine, show) = sample::engine().await?;
    /// # let premium = SeatFilter::default().with_category(sample::premium());
    /// # for count in [10, 10, 4] { // others hold every premium seat
    /// #     let seats = SeatSelection::BestAvailable { count: SeatCount::new(count)?, filter: premium.clone() };
    /// #     engine.hold(&HoldRequest::new(show, HolderId::random(), seats)).await?;
    /// # }
    /// # let me = HolderId::random();
    /// # let request = WaitRequest::new(show, me, SeatCount::new(2)?).with_category(sample::premium());
    /// let wait = engine.join_waitlist(&request).await?;
    /// assert!(matches!(
    ///     engine.wait_status(wait.id, me).await?,
    ///     WaitStatus::Waiting { position: 1, .. }
    /// ));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn wait_status(
        &self,
        wait: WaitId,
        holder: HolderId,
    ) -> Result<WaitStatus, ReservationError> {
        self.store.wait_status(wait, holder, self.clock.now()).await
    }

    /// Leaves a waitlist.
    ///
    /// ```
    /// # use reservation_core::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let (engine, show) = sample::engine().await?;
    /// # let premium = SeatFilter::default().with_category(sample::premium());
    /// # for count in [10, 10, 4] { // others hold every premium seat
    /// #     let seats = SeatSelection::BestAvailable { count: SeatCount::new(count)?, filter: premium.clone() };
    /// #     engine.hold(&HoldRequest::new(show, HolderId::random(), seats)).await?;
    /// # }
    /// # let me = HolderId::random();
    /// # let request = WaitRequest::new(show, me, SeatCount::new(2)?).with_category(sample::premium());
    /// let wait = engine.join_waitlist(&request).await?;
    /// engine.cancel_wait(wait.id, me).await?;
    /// assert!(matches!(
    ///     engine.wait_status(wait.id, me).await?,
    ///     WaitStatus::Ended { reason: WaitEnd::Cancelled }
    /// ));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn cancel_wait(
        &self,
        wait: WaitId,
        holder: HolderId,
    ) -> Result<(), ReservationError> {
        self.store.cancel_wait(wait, holder, self.clock.now()).await
    }

    /// A show's seat map as `viewer` sees it (their seats marked `mine`).
    ///
    /// ```
    /// # use reservation_core::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let (engine, show) = sample::engine().await?;
    /// # let me = HolderId::random();
    /// # let best_two = SeatSelection::BestAvailable { count: SeatCount::new(2)?, filter: SeatFilter::default() };
    /// # let hold = engine.hold(&HoldRequest::new(show, me, best_two)).await?;
    /// let map = engine.seat_map(show, Some(me)).await?;
    /// assert_eq!(map.counts.held, 2);
    /// assert_eq!(map.seats.iter().filter(|seat| seat.mine).count(), 2);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn seat_map(
        &self,
        show: ShowId,
        viewer: Option<HolderId>,
    ) -> Result<SeatMap, ReservationError> {
        self.store.seat_map(show, viewer, self.clock.now()).await
    }

    /// A show's seat counts.
    ///
    /// ```
    /// # use reservation_core::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let (engine, show) = sample::engine().await?;
    /// let counts = engine.availability(show).await?;
    /// assert_eq!((counts.available, counts.held, counts.booked), (120, 0, 0));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn availability(&self, show: ShowId) -> Result<Availability, ReservationError> {
        self.store.availability(show, self.clock.now()).await
    }

    /// A show's events after `after`, then live ones. Subscribing from a
    /// seat map's `seq` and applying each event keeps the map exact.
    ///
    /// ```
    /// # use reservation_core::*;
    /// use futures_util::StreamExt as _;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let (engine, show) = sample::engine().await?;
    /// let map = engine.seat_map(show, None).await?;
    /// let mut events = engine.subscribe(show, map.seq).await?;
    /// # let me = HolderId::random();
    /// # let best_two = SeatSelection::BestAvailable { count: SeatCount::new(2)?, filter: SeatFilter::default() };
    /// # let hold = engine.hold(&HoldRequest::new(show, me, best_two)).await?;
    /// let event = events.next().await.expect("the stream stays open")?;
    /// assert_eq!(event.seq, map.seq.next());
    /// assert!(matches!(event.change, Change::Held { hold: id, .. } if id == hold.id));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn subscribe(
        &self,
        show: ShowId,
        after: Sequence,
    ) -> Result<EventStream, ReservationError> {
        self.store.subscribe(show, after).await
    }

    /// Settles every show now (see [`ReservationStore::sweep`]); returns how
    /// many holds and waits it ended.
    ///
    /// ```
    /// use std::sync::Arc;
    /// # use reservation_core::*;
    /// use reservation_core::payment::FakeGateway;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let clock = ManualClock::new(time::OffsetDateTime::now_utc());
    /// let store = MemoryStore::default();
    /// let show = sample::load(&store).await?;
    /// let engine = Reservations::new(Arc::new(store), Arc::new(FakeGateway::new()), Arc::new(clock.clone()));
    /// # let me = HolderId::random();
    /// # let best_two = SeatSelection::BestAvailable { count: SeatCount::new(2)?, filter: SeatFilter::default() };
    /// # let hold = engine.hold(&HoldRequest::new(show, me, best_two)).await?;
    /// clock.advance(time::Duration::minutes(6)); // past the 5 minutes and the grace
    /// assert_eq!(engine.sweep().await?, 1);
    /// assert_eq!(engine.availability(show).await?.held, 0);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn sweep(&self) -> Result<usize, ReservationError> {
        self.store.sweep(self.clock.now()).await
    }

    /// Sweeps every `period`, forever: spawn it next to the server and abort
    /// it on shutdown. Reads stay correct without it (expiry is lazy); it
    /// makes expiries and waitlist offers happen, and their events go out,
    /// even on shows nobody touches. After each sweep it refunds the
    /// payments that ended without a booking
    /// ([`refund_abandoned_payments`](Self::refund_abandoned_payments)).
    ///
    /// ```
    /// # use reservation_core::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let (engine, _show) = sample::engine().await?;
    /// let sweeper = tokio::spawn({
    ///     let engine = engine.clone();
    ///     async move { engine.run_sweeper(std::time::Duration::from_secs(1)).await }
    /// });
    /// // ... serve requests ...
    /// sweeper.abort();
    /// # Ok(())
    /// # }
    /// ```
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
            match self.refund_abandoned_payments().await {
                Ok(0) => {}
                Ok(settled) => tracing::info!(settled, "abandoned payments settled"),
                Err(error) => {
                    tracing::warn!(%error, "refunding abandoned payments failed; retrying on the next tick");
                }
            }
        }
    }
}
