//! The organizer's operations on a show's sales: pausing and resuming,
//! moving the start, cancelling (every hold, wait and booking ends, and each
//! booking's payment is refunded exactly once, even across a crash).

use time::Duration;

use super::fixture::Fixture;
use crate::booking::{BookingStatus, CancelCause};
use crate::catalog::search::SearchQuery;
use crate::error::ReservationError;
use crate::events::{Change, Sequence, WaitEnd};
use crate::hold::Hold;
use crate::ids::{HoldId, HolderId, ShowId};
use crate::limits::SeatCount;
use crate::sales::{CancelReason, ClosedReason, SalesState};
use crate::store::{Checkout, Store};
use crate::waitlist::{WaitRequest, WaitStatus};

fn reason() -> CancelReason {
    CancelReason::parse("the lead is ill").expect("a reason")
}

fn closed(reason: ClosedReason) -> impl Fn(&ReservationError) -> bool {
    move |e| matches!(e, ReservationError::SalesClosed { reason: r, .. } if *r == reason)
}

/// The kinds of the show's events after `after`.
async fn kinds_since<S: Store + 'static>(
    f: &Fixture<S>,
    show: ShowId,
    after: Sequence,
) -> Vec<&'static str> {
    let events = f
        .store
        .events_since(show, after, 1_000)
        .await
        .expect("events");
    events.iter().map(|e| e.change.kind()).collect()
}

/// (refunds applied, refund requests) of the charge for `hold`.
fn refunds_of<S>(f: &Fixture<S>, hold: HoldId) -> (u32, u32) {
    let ledger = f.gateway.ledger();
    let record = ledger
        .into_iter()
        .find(|r| r.key == hold)
        .expect("a charge for the hold");
    (record.refunds_applied, record.refund_requests)
}

/// While paused, holds and waits are refused as `SalesClosed { Paused }`;
/// a hold made before can still be paid; resuming takes holds again. Each
/// change of state is one event; pausing twice is one.
pub async fn paused_sales_refuse_holds_but_take_payment<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    let me = HolderId::random();
    let hold = f.hold(f.small_show, me, &["A1", "A2"]).await.expect("hold");
    let start = f
        .engine
        .seat_map(f.small_show, None)
        .await
        .expect("map")
        .seq;
    let paused = f.engine.pause_sales(f.small_show).await.expect("pause");
    assert!(matches!(paused, SalesState::Paused { since } if since == f.now()));
    assert_eq!(
        f.engine.pause_sales(f.small_show).await.expect("again"),
        paused
    );
    let refused = f.hold(f.small_show, HolderId::random(), &["B1"]).await;
    assert!(
        refused.as_ref().is_err_and(closed(ClosedReason::Paused)),
        "{refused:?}"
    );
    let wait = WaitRequest::new(f.small_show, HolderId::random(), SeatCount::ONE);
    let refused = f.engine.join_waitlist(&wait).await;
    assert!(
        refused.as_ref().is_err_and(closed(ClosedReason::Paused)),
        "{refused:?}"
    );
    let map = f.engine.seat_map(f.small_show, None).await.expect("map");
    assert_eq!(map.sales, paused);
    f.engine
        .confirm(&hold.token, me, f.card())
        .await
        .expect("a hold made before the pause can be paid");
    assert_eq!(
        f.engine.resume_sales(f.small_show).await.expect("resume"),
        SalesState::OnSale
    );
    assert_eq!(
        f.engine.resume_sales(f.small_show).await.expect("again"),
        SalesState::OnSale
    );
    f.hold(f.small_show, HolderId::random(), &["B1"])
        .await
        .expect("on sale again");
    assert_eq!(
        kinds_since(&f, f.small_show, start).await,
        ["sales_paused", "booked", "sales_resumed", "held"]
    );
}

/// Waits keep their place while sales are paused and are not served: seats
/// freed meanwhile stay free. Resuming serves them first.
pub async fn paused_waits_keep_their_place_until_resumed<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    let holds = f.fill(f.small_show, 0).await;
    let waiter = HolderId::random();
    let request = WaitRequest::new(f.small_show, waiter, SeatCount::new(2).expect("count"));
    let wait = f.engine.join_waitlist(&request).await.expect("wait");
    f.engine.pause_sales(f.small_show).await.expect("pause");
    let first: &Hold = holds.first().expect("a hold");
    f.engine
        .release(&first.token, first.holder)
        .await
        .expect("release");
    let counts = f.engine.availability(f.small_show).await.expect("counts");
    assert_eq!(
        counts.available,
        first.seats.len() as u32,
        "freed seats stay free"
    );
    assert!(matches!(
        f.engine.wait_status(wait.id, waiter).await.expect("status"),
        WaitStatus::Waiting { position: 1, .. }
    ));
    f.engine.resume_sales(f.small_show).await.expect("resume");
    assert!(matches!(
        f.engine.wait_status(wait.id, waiter).await.expect("status"),
        WaitStatus::Offered { hold } if hold.seats.len() == 2
    ));
}

/// Rescheduling moves the start in the catalog and the sales window, with
/// one `Rescheduled` event; a show cannot be moved into the past.
pub async fn reschedule_moves_the_start<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    let from = f.store.show(f.small_show).await.expect("show").starts_at;
    let start = f
        .engine
        .seat_map(f.small_show, None)
        .await
        .expect("map")
        .seq;
    let to = from + Duration::days(2);
    f.engine.reschedule(f.small_show, to).await.expect("move");
    f.engine
        .reschedule(f.small_show, to)
        .await
        .expect("moving to where it is");
    assert_eq!(
        f.store.show(f.small_show).await.expect("show").starts_at,
        to
    );
    let events = f
        .store
        .events_since(f.small_show, start, 10)
        .await
        .expect("events");
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].change, Change::Rescheduled { from, to });
    for past in [f.now(), f.now() - Duration::hours(1)] {
        assert!(matches!(
            f.engine.reschedule(f.small_show, past).await,
            Err(ReservationError::StartsInPast { starts_at }) if starts_at == past
        ));
    }
    // Search finds the event by its shows' new start, not the old one.
    let around = |at: time::OffsetDateTime| SearchQuery {
        starts_after: Some(at - Duration::hours(1)),
        starts_before: Some(at + Duration::hours(1)),
        ..SearchQuery::default()
    };
    let found = f.store.search(&around(from)).await.expect("search");
    assert!(found.hits.iter().any(|hit| hit.event.id == f.event));
    f.engine.reschedule(f.show, to).await.expect("move");
    let found = f.store.search(&around(from)).await.expect("search");
    assert!(
        found.hits.iter().all(|hit| hit.event.id != f.event),
        "{found:?}"
    );
    let found = f.store.search(&around(to)).await.expect("search");
    let hit = found.hits.iter().find(|hit| hit.event.id == f.event);
    assert_eq!(hit.map(|hit| (hit.first_show, hit.shows)), Some((to, 2)));

    f.clock.set(from + Duration::hours(1));
    f.hold(f.small_show, HolderId::random(), &["A1"])
        .await
        .expect("the old start no longer closes sales");
    f.clock.set(to);
    let refused = f.hold(f.small_show, HolderId::random(), &["A2"]).await;
    assert!(
        refused.as_ref().is_err_and(closed(ClosedReason::Started)),
        "{refused:?}"
    );
}

/// A booked holder, a holder paying, a plain holder and a waiter: cancelling
/// ends them all in one step, refunds the booking and the charge in flight
/// exactly once, shows no seat held or booked, refuses everything after,
/// and a second cancellation changes nothing.
pub async fn cancel_show_ends_everything_and_refunds_once<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    let (booker, payer, holder, waiter) = (
        HolderId::random(),
        HolderId::random(),
        HolderId::random(),
        HolderId::random(),
    );
    let booked = f
        .hold(f.small_show, booker, &["A1", "A2"])
        .await
        .expect("hold");
    let booking = f
        .engine
        .confirm(&booked.token, booker, f.card())
        .await
        .expect("book");
    let paying = f
        .hold(f.small_show, payer, &["A3", "A4"])
        .await
        .expect("hold");
    let held = f
        .hold(f.small_show, holder, &["B1", "B2", "B3", "B4"])
        .await
        .expect("hold");
    let request = WaitRequest::new(f.small_show, waiter, SeatCount::ONE);
    let wait = f.engine.join_waitlist(&request).await.expect("wait");
    // The payer's charge is on its way when the show is cancelled.
    let Ok(Checkout::Pay(_)) = f.store.begin_checkout(&paying.token, payer, f.now()).await else {
        panic!("checkout should begin");
    };
    let receipt = crate::payment::PaymentGateway::charge(
        &f.gateway,
        &crate::payment::ChargeRequest::new(paying.id, payer, paying.total, f.card()),
    )
    .await
    .expect("charge");
    let start = f
        .engine
        .seat_map(f.small_show, None)
        .await
        .expect("map")
        .seq;

    let state = f
        .engine
        .cancel_show(f.small_show, &reason())
        .await
        .expect("cancel");
    assert_eq!(
        state,
        SalesState::Cancelled {
            at: f.now(),
            reason: reason()
        }
    );
    assert_eq!(refunds_of(&f, booked.id).0, 1, "the booking is refunded");
    let found = f.engine.booking(booking.id, booker).await.expect("booking");
    assert!(matches!(
        found.status,
        BookingStatus::Cancelled {
            reason: CancelCause::ShowCancelled,
            ..
        }
    ));
    let late = f
        .store
        .complete_checkout(&paying.token, payer, &receipt, f.now())
        .await;
    assert!(
        late.as_ref().is_err_and(closed(ClosedReason::Cancelled)),
        "{late:?}"
    );
    let status = f.engine.hold_status(&held.token, holder).await;
    assert!(
        status.as_ref().is_err_and(closed(ClosedReason::Cancelled)),
        "{status:?}"
    );
    assert_eq!(
        f.engine.wait_status(wait.id, waiter).await.expect("wait"),
        WaitStatus::Ended {
            reason: WaitEnd::ShowCancelled
        }
    );
    let map = f.engine.seat_map(f.small_show, None).await.expect("map");
    assert_eq!((map.counts.held, map.counts.booked), (0, 0));
    assert_eq!(map.sales, state);
    let mut kinds = kinds_since(&f, f.small_show, start).await;
    assert_eq!(
        kinds.remove(0),
        "show_cancelled",
        "the cancellation comes first"
    );
    kinds.sort_unstable();
    assert_eq!(kinds, ["cancelled", "wait_ended", "withdrawn", "withdrawn"]);

    // Everything after is refused as cancelled.
    let refused = f.hold(f.small_show, HolderId::random(), &["A1"]).await;
    assert!(
        refused.as_ref().is_err_and(closed(ClosedReason::Cancelled)),
        "{refused:?}"
    );
    for refused in [
        f.engine.pause_sales(f.small_show).await,
        f.engine.resume_sales(f.small_show).await,
    ] {
        assert!(
            refused.as_ref().is_err_and(closed(ClosedReason::Cancelled)),
            "{refused:?}"
        );
    }
    let moved = f
        .engine
        .reschedule(f.small_show, f.now() + Duration::days(3))
        .await;
    assert!(
        moved.as_ref().is_err_and(closed(ClosedReason::Cancelled)),
        "{moved:?}"
    );

    // The charge in flight is refunded once its attempt is due; again and
    // the sweeper refund nothing more.
    f.advance(Duration::minutes(10));
    f.sweeper_tick().await;
    assert_eq!(
        f.engine
            .cancel_show(f.small_show, &reason())
            .await
            .expect("again"),
        state
    );
    f.advance(Duration::minutes(10));
    assert_eq!(f.sweeper_tick().await, 0);
    assert_eq!(refunds_of(&f, booked.id), (1, 1));
    assert_eq!(refunds_of(&f, paying.id).0, 1);
    assert_eq!(
        kinds_since(&f, f.small_show, start).await.len(),
        5,
        "no new events"
    );
}

/// The refunds a cancellation owes are durable: if nothing refunds them at
/// once (the process died right after the store's step), the sweeper does,
/// each exactly once.
pub async fn cancelled_bookings_are_refunded_by_the_sweeper<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    let mut holds = Vec::new();
    for labels in [["A1", "A2"], ["A3", "A4"], ["B1", "B2"]] {
        let me = HolderId::random();
        let hold = f.hold(f.small_show, me, &labels).await.expect("hold");
        f.engine
            .confirm(&hold.token, me, f.card())
            .await
            .expect("book");
        holds.push(hold.id);
    }
    // The store's step alone: the engine's refunds never ran.
    f.store
        .cancel_show(f.small_show, &reason(), f.now())
        .await
        .expect("cancel");
    for hold in &holds {
        assert_eq!(refunds_of(&f, *hold).0, 0);
    }
    assert_eq!(f.sweeper_tick().await, 3);
    assert_eq!(f.sweeper_tick().await, 0);
    f.advance(Duration::minutes(10));
    assert_eq!(f.sweeper_tick().await, 0);
    for hold in &holds {
        assert_eq!(refunds_of(&f, *hold), (1, 1));
    }
}
