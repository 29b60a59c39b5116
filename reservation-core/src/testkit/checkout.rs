//! Paying: confirm, idempotency, expiry and declines; cancelling bookings;
//! money across faults (a charge whose booking did not commit is refunded
//! exactly once, a booked one never).

use std::collections::BTreeSet;
use std::sync::Arc;

use time::Duration;

use super::faults::{FailingCheckout, Interrupted, Interruption, Moment};
use super::fixture::{Fixture, card};
use crate::booking::BookingStatus;
use crate::error::ReservationError;
use crate::hold::{Hold, HoldState};
use crate::ids::{HoldId, HolderId};
use crate::payment::{PaymentReceipt, test_cards};
use crate::seat_map::SeatStatus;
use crate::store::{Checkout, PAYMENT_CLAIM, PaymentAttempt, Store};

/// Later than every deadline a payment has: the hold's expiry and grace,
/// a charge still in flight, a sweeper's claim.
const LONG_AFTER: Duration = Duration::minutes(10);

/// (refunds applied, refund requests) of the charge made for `hold`, if one was.
fn refunds_of<S>(f: &Fixture<S>, hold: HoldId) -> Option<(u32, u32)> {
    let ledger = f.gateway.ledger();
    let record = ledger.into_iter().find(|r| r.key == hold)?;
    Some((record.refunds_applied, record.refund_requests))
}

/// Confirming charges the hold's total once and books its seats, with one
/// ticket per seat carrying the seat's label and price.
pub async fn confirm_books_one_ticket_per_seat<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    let me = HolderId::random();
    let hold = f
        .hold(f.show, me, &["H3", "H4", "J10"])
        .await
        .expect("hold");
    let booking = f
        .engine
        .confirm(&hold.token, me, f.card())
        .await
        .expect("confirm");
    assert_eq!(booking.status, BookingStatus::Confirmed);
    assert_eq!(
        (booking.show, booking.holder, booking.hold),
        (f.show, me, hold.id)
    );
    let tickets: Vec<(&str, i64)> = booking
        .tickets
        .iter()
        .map(|t| (t.seat.label.as_str(), t.seat.price.minor))
        .collect();
    assert_eq!(tickets, [("H3", 900), ("H4", 900), ("J10", 1500)]);
    let mut ids: Vec<_> = booking.tickets.iter().map(|t| t.id).collect();
    ids.dedup();
    assert_eq!(ids.len(), 3, "ticket ids are distinct");
    assert_eq!(booking.total.minor, 3300);
    assert_eq!(booking.payment.amount, booking.total);
    assert_eq!(f.gateway.charges(), 1);
    assert_eq!(
        f.gateway.charge_for(hold.id).map(|r| r.amount.minor),
        Some(3300)
    );
    let map = f.engine.seat_map(f.show, Some(me)).await.expect("map");
    let booked: Vec<_> = map
        .seats
        .iter()
        .filter(|s| s.status == SeatStatus::Booked)
        .collect();
    assert_eq!(booked.len(), 3);
    assert!(booked.iter().all(|s| s.mine));
    assert_eq!(
        f.engine.booking(booking.id, me).await.expect("read back"),
        booking
    );
    assert!(matches!(
        f.engine.booking(booking.id, HolderId::random()).await,
        Err(ReservationError::UnknownBooking(_))
    ));
    assert_eq!(
        f.engine
            .hold_status(&hold.token, me)
            .await
            .expect("hold")
            .state,
        HoldState::Confirmed(booking.id)
    );
}

/// Releasing a hold that was paid for is refused with its booking, and
/// changes nothing: the seats stay booked, the booking stands.
pub async fn releasing_a_paid_hold_names_its_booking<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    let me = HolderId::random();
    let hold = f.hold(f.show, me, &["A1", "A2"]).await.expect("hold");
    let booking = f
        .engine
        .confirm(&hold.token, me, f.card())
        .await
        .expect("confirm");
    let refused = f.engine.release(&hold.token, me).await;
    assert!(
        matches!(&refused, Err(ReservationError::HoldConfirmed(id)) if *id == booking.id),
        "{refused:?}"
    );
    let map = f.engine.seat_map(f.show, None).await.expect("map");
    assert_eq!(map.counts.booked, 2);
    assert_eq!(
        f.engine
            .booking(booking.id, me)
            .await
            .expect("booking")
            .status,
        BookingStatus::Confirmed
    );
}

/// Confirming twice returns the same booking and charges once; a booked hold
/// never expires.
pub async fn confirm_is_idempotent<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    let me = HolderId::random();
    let hold = f.hold(f.show, me, &["A1"]).await.expect("hold");
    let first = f
        .engine
        .confirm(&hold.token, me, f.card())
        .await
        .expect("confirm");
    let second = f
        .engine
        .confirm(&hold.token, me, f.card())
        .await
        .expect("confirm again");
    assert_eq!(first, second);
    assert_eq!(f.gateway.charges(), 1);
    f.advance(Duration::hours(2));
    assert_eq!(
        f.engine
            .confirm(&hold.token, me, f.card())
            .await
            .expect("still booked"),
        first
    );
    assert_eq!(
        f.engine
            .seat_map(f.show, None)
            .await
            .expect("map")
            .counts
            .booked,
        1
    );
    assert!(matches!(
        f.engine.release(&hold.token, me).await,
        Err(ReservationError::HoldConfirmed(_))
    ));
    assert!(matches!(
        f.engine
            .confirm(&hold.token, HolderId::random(), f.card())
            .await,
        Err(ReservationError::InvalidHoldToken)
    ));
}

/// After the server-side expiry (shown expiry + grace) confirming fails with
/// `HoldExpired` and nothing is charged; within the grace it still works.
pub async fn confirm_after_expiry_fails_without_charge<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    let me = HolderId::random();
    let late = f.hold(f.show, me, &["B1"]).await.expect("hold");
    let in_grace = f.hold(f.show, me, &["B2"]).await.expect("hold");
    f.clock.set(in_grace.expires_at + Duration::seconds(1));
    f.engine
        .confirm(&in_grace.token, me, f.card())
        .await
        .expect("within the grace period");
    f.clock.set(late.expires_at + f.policy.grace);
    assert!(matches!(
        f.engine.confirm(&late.token, me, f.card()).await,
        Err(ReservationError::HoldExpired)
    ));
    assert_eq!(f.gateway.charges(), 1);
    assert!(f.gateway.charge_for(late.id).is_none());
}

/// A declined or failed payment leaves the hold active until it expires; a
/// later payment with a good card goes through.
pub async fn declined_payment_keeps_the_hold<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    let me = HolderId::random();
    let hold = f.hold(f.show, me, &["C1", "C2"]).await.expect("hold");
    assert!(matches!(
        f.engine
            .confirm(&hold.token, me, card(test_cards::DECLINED))
            .await,
        Err(ReservationError::PaymentDeclined(_))
    ));
    assert!(matches!(
        f.engine
            .confirm(&hold.token, me, card(test_cards::GATEWAY_ERROR))
            .await,
        Err(ReservationError::PaymentUnavailable(_))
    ));
    let status = f
        .engine
        .hold_status(&hold.token, me)
        .await
        .expect("still held");
    assert_eq!(
        (status.state, status.expires_at),
        (HoldState::Active, hold.expires_at)
    );
    assert_eq!(
        f.engine
            .seat_map(f.show, None)
            .await
            .expect("map")
            .counts
            .held,
        2
    );
    let booking = f
        .engine
        .confirm(&hold.token, me, f.card())
        .await
        .expect("good card");
    assert_eq!(booking.tickets.len(), 2);
    assert_eq!(f.gateway.charges(), 1);
}

/// If the hold is freed between the charge and the booking, the charge is
/// refunded and the caller told the hold expired.
pub async fn hold_lost_during_payment_is_refunded<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    let me = HolderId::random();
    let hold = f.hold(f.show, me, &["D1"]).await.expect("hold");
    // The store's second step sees the hold already expired.
    let crate::store::Checkout::Pay(quote) = f
        .store
        .begin_checkout(&hold.token, me, f.now())
        .await
        .expect("checkout")
    else {
        panic!("fresh hold must be payable")
    };
    let receipt = crate::payment::PaymentReceipt::new("r1", quote.total, "4242");
    let after = hold.expires_at + f.policy.grace;
    assert!(matches!(
        f.store
            .complete_checkout(&hold.token, me, &receipt, after)
            .await,
        Err(ReservationError::HoldExpired)
    ));
    assert_eq!(
        f.store
            .availability(f.show, after)
            .await
            .expect("counts")
            .booked,
        0
    );
}

/// Cancelling a booking frees its seats at once and refunds the payment;
/// cancelling again, or someone else's booking, is refused.
pub async fn cancel_booking_frees_and_refunds<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    let (me, other) = (HolderId::random(), HolderId::random());
    let hold = f.hold(f.show, me, &["E1", "E2"]).await.expect("hold");
    let booking = f
        .engine
        .confirm(&hold.token, me, f.card())
        .await
        .expect("book");
    assert!(matches!(
        f.engine.cancel_booking(booking.id, other).await,
        Err(ReservationError::UnknownBooking(_))
    ));
    let cancelled = f
        .engine
        .cancel_booking(booking.id, me)
        .await
        .expect("cancel");
    assert!(matches!(cancelled.status, BookingStatus::Cancelled { .. }));
    assert_eq!(f.gateway.refunds(), vec![booking.payment.clone()]);
    assert!(matches!(
        f.engine.cancel_booking(booking.id, me).await,
        Err(ReservationError::BookingAlreadyCancelled(_))
    ));
    f.hold(f.show, other, &["E1", "E2"])
        .await
        .expect("seats free again");
    assert!(matches!(
        f.engine.booking(booking.id, me).await.map(|b| b.status),
        Ok(BookingStatus::Cancelled { .. })
    ));
}

/// The store fails after the charge and the buyer never retries: the
/// sweeper leaves the payment alone while the hold lives, then refunds it
/// exactly once.
pub async fn unretried_charge_is_refunded_once_after_expiry<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    let failing = Arc::new(FailingCheckout::new(f.store.clone(), 1));
    let engine = f.engine_with(failing, Arc::new(f.gateway.clone()));
    let me = HolderId::random();
    let hold = f.hold(f.show, me, &["F1", "F2"]).await.expect("hold");
    assert!(matches!(
        engine.confirm(&hold.token, me, f.card()).await,
        Err(ReservationError::Storage(_))
    ));
    assert_eq!(refunds_of(&f, hold.id), Some((0, 0)), "charged");
    assert_eq!(f.sweeper_tick().await, 0, "the buyer may still retry");
    assert_eq!(refunds_of(&f, hold.id), Some((0, 0)));
    f.clock.set(hold.expires_at + f.policy.grace);
    assert_eq!(f.sweeper_tick().await, 1);
    assert_eq!(refunds_of(&f, hold.id), Some((1, 1)));
    f.advance(LONG_AFTER);
    assert_eq!(f.sweeper_tick().await, 0);
    assert_eq!(
        refunds_of(&f, hold.id),
        Some((1, 1)),
        "settled: not asked again"
    );
    assert_eq!(f.gateway.charges(), 1);
    let counts = f.engine.availability(f.show).await.expect("counts");
    assert_eq!((counts.held, counts.booked), (0, 0));
}

/// The store fails after the charge and the buyer retries in time: one
/// booking, one charge, and no sweep ever refunds it.
pub async fn retried_confirm_books_and_is_never_refunded<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    let failing = Arc::new(FailingCheckout::new(f.store.clone(), 1));
    let engine = f.engine_with(failing, Arc::new(f.gateway.clone()));
    let me = HolderId::random();
    let hold = f.hold(f.show, me, &["G1"]).await.expect("hold");
    assert!(matches!(
        engine.confirm(&hold.token, me, f.card()).await,
        Err(ReservationError::Storage(_))
    ));
    f.advance(Duration::minutes(1));
    let booking = engine
        .confirm(&hold.token, me, f.card())
        .await
        .expect("the retry books");
    assert_eq!(Some(booking.payment.clone()), f.gateway.charge_for(hold.id));
    assert_eq!((f.gateway.charges(), f.gateway.attempts()), (1, 2));
    for _ in 0..2 {
        f.advance(LONG_AFTER);
        assert_eq!(f.sweeper_tick().await, 0);
    }
    assert_eq!(refunds_of(&f, hold.id), Some((0, 0)));
    let kept = f.engine.booking(booking.id, me).await.expect("booking");
    assert_eq!(kept.status, BookingStatus::Confirmed);
}

/// The holder releases the hold just as the gateway takes the charge, and a
/// sweep runs before `confirm` sees the refusal: both refund, the gateway
/// gives the money back once.
pub async fn hold_released_during_payment_is_refunded_once<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    let me = HolderId::random();
    let hold = f.hold(f.show, me, &["H1"]).await.expect("hold");
    let sweep_after = release_and_sweep(&f, &hold, 1);
    let gateway = Interrupted::new(f.gateway.clone(), Moment::AfterCharge, sweep_after);
    let engine = f.engine_with(f.store.clone(), Arc::new(gateway));
    assert!(matches!(
        engine.confirm(&hold.token, me, f.card()).await,
        Err(ReservationError::InvalidHoldToken)
    ));
    assert_eq!(refunds_of(&f, hold.id), Some((1, 2)), "sweeper and confirm");
    f.advance(LONG_AFTER);
    assert_eq!(f.sweeper_tick().await, 0);
    assert_eq!(refunds_of(&f, hold.id), Some((1, 2)));
    let counts = f.engine.availability(f.show).await.expect("counts");
    assert_eq!((counts.held, counts.booked), (0, 0));
}

/// The hold is released and swept while the charge is still on its way:
/// the sweeper finds nothing to refund yet and keeps the payment open;
/// `confirm` refunds the charge when it lands and settles it.
pub async fn charge_landing_after_the_sweep_is_refunded_once<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    let me = HolderId::random();
    let hold = f.hold(f.show, me, &["H2"]).await.expect("hold");
    let sweep_before = release_and_sweep(&f, &hold, 0);
    let gateway = Interrupted::new(f.gateway.clone(), Moment::BeforeCharge, sweep_before);
    let engine = f.engine_with(f.store.clone(), Arc::new(gateway));
    assert!(matches!(
        engine.confirm(&hold.token, me, f.card()).await,
        Err(ReservationError::InvalidHoldToken)
    ));
    assert_eq!(refunds_of(&f, hold.id), Some((1, 1)), "confirm refunded it");
    f.advance(LONG_AFTER);
    assert_eq!(f.sweeper_tick().await, 0, "confirm settled it");
    assert_eq!(refunds_of(&f, hold.id), Some((1, 1)));
}

/// A checkout that never charged (the card was declined) and whose hold was
/// released is settled once no charge can still land, with nothing refunded.
pub async fn uncharged_abandoned_checkout_is_settled_without_refund<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    let me = HolderId::random();
    let hold = f.hold(f.show, me, &["H3"]).await.expect("hold");
    assert!(matches!(
        f.engine
            .confirm(&hold.token, me, card(test_cards::DECLINED))
            .await,
        Err(ReservationError::PaymentDeclined(_))
    ));
    f.engine.release(&hold.token, me).await.expect("release");
    assert_eq!(f.sweeper_tick().await, 0, "a charge could still land");
    f.advance(LONG_AFTER);
    assert_eq!(f.sweeper_tick().await, 1);
    assert_eq!(f.sweeper_tick().await, 0);
    assert!(f.gateway.ledger().is_empty());
}

/// A booked hold's payment is settled with the booking: no sweep refunds
/// it, and cancelling refunds it once, which no sweep repeats.
pub async fn completed_booking_is_never_refunded_by_the_sweeper<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    let me = HolderId::random();
    let kept = f.hold(f.show, me, &["J1"]).await.expect("hold");
    let cancelled = f.hold(f.show, me, &["J2"]).await.expect("hold");
    let booking = f
        .engine
        .confirm(&kept.token, me, f.card())
        .await
        .expect("book");
    let other = f
        .engine
        .confirm(&cancelled.token, me, f.card())
        .await
        .expect("book");
    f.engine.cancel_booking(other.id, me).await.expect("cancel");
    for _ in 0..2 {
        f.advance(LONG_AFTER);
        assert_eq!(f.sweeper_tick().await, 0);
    }
    assert_eq!(refunds_of(&f, kept.id), Some((0, 0)));
    assert_eq!(refunds_of(&f, cancelled.id), Some((1, 1)));
    let found = f.engine.booking(booking.id, me).await.expect("booking");
    assert_eq!(found.status, BookingStatus::Confirmed);
}

/// The store's side of abandoned payments: only attempts whose hold was
/// released or expired (not active, booked or never paid for), each
/// claimed for [`PAYMENT_CLAIM`], at most `limit` a call, gone once settled.
pub async fn abandoned_payments_are_claimed_then_settled<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    let (me, t0) = (HolderId::random(), f.now());
    let mut holds = Vec::new();
    for seat in ["B1", "B2", "B3", "B4", "B5"] {
        holds.push(f.hold(f.show, me, &[seat]).await.expect("hold"));
    }
    let [released, dropped, expiring, booked, unpaid] = &holds[..] else {
        unreachable!("five holds")
    };
    for hold in [released, dropped, expiring, booked] {
        let begun = f.store.begin_checkout(&hold.token, me, t0).await;
        assert!(matches!(begun, Ok(Checkout::Pay(_))));
    }
    for hold in [released, dropped, unpaid] {
        f.store.release(&hold.token, me, t0).await.expect("release");
    }
    let ids = |attempts: Vec<PaymentAttempt>| -> BTreeSet<HoldId> {
        attempts.into_iter().map(|a| a.hold).collect()
    };
    let both = BTreeSet::from([released.id, dropped.id]);
    let first = ids(f.store.abandoned_payments(t0, 1).await.expect("claim"));
    let second = ids(f.store.abandoned_payments(t0, 10).await.expect("claim"));
    assert_eq!((first.len(), second.len()), (1, 1), "one a call at limit 1");
    assert_eq!(&first | &second, both);
    assert!(
        f.store
            .abandoned_payments(t0, 10)
            .await
            .expect("claim")
            .is_empty()
    );

    let t1 = t0 + PAYMENT_CLAIM;
    let again = f.store.abandoned_payments(t1, 10).await.expect("claim");
    assert_eq!(ids(again.clone()), both, "claims lapse");
    for attempt in again.iter().chain(&again[..1]) {
        f.store.payment_settled(attempt, t1).await.expect("settle");
    }
    let stranger = PaymentAttempt::new(f.show, HoldId::random(), t1);
    f.store
        .payment_settled(&stranger, t1)
        .await
        .expect("unknown: a no-op");
    let receipt = PaymentReceipt::new("b4", booked.total, "4242");
    f.store
        .complete_checkout(&booked.token, me, &receipt, t1)
        .await
        .expect("book");

    let t2 = expiring.expires_at + f.policy.grace;
    f.store.sweep(t2).await.expect("sweep");
    let expired = f.store.abandoned_payments(t2, 10).await.expect("claim");
    assert_eq!(expired, [PaymentAttempt::new(f.show, expiring.id, t2)]);
    f.store
        .payment_settled(&expired[0], t2)
        .await
        .expect("settle");
    let later = t2 + LONG_AFTER;
    assert!(
        f.store
            .abandoned_payments(later, 10)
            .await
            .expect("claim")
            .is_empty()
    );
}

/// An interruption that releases `hold` and runs a sweeper's tick, which
/// must settle `settles` payments.
fn release_and_sweep<S: Store + 'static>(
    f: &Fixture<S>,
    hold: &Hold,
    settles: usize,
) -> Interruption {
    let (engine, token, holder) = (f.engine.clone(), hold.token.clone(), hold.holder);
    Box::new(move || {
        let (engine, token) = (engine.clone(), token.clone());
        Box::pin(async move {
            engine.release(&token, holder).await.expect("release");
            engine.sweep().await.expect("sweep");
            let settled = engine.refund_abandoned_payments().await.expect("refunds");
            assert_eq!(settled, settles, "payments the sweeper settled");
        })
    })
}
