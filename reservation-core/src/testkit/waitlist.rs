//! The FCFS waitlist.

use time::Duration;

use super::fixture::Fixture;
use crate::error::ReservationError;
use crate::events::{Change, Sequence, WaitEnd};
use crate::hold::Hold;
use crate::ids::{HolderId, WaitId};
use crate::limits::SeatCount;
use crate::store::Store;
use crate::waitlist::{WaitRequest, WaitStatus};

fn request<S>(f: &Fixture<S>, holder: HolderId, count: u64) -> WaitRequest {
    WaitRequest::new(f.small_show, holder, SeatCount::new(count).expect("count"))
}

async fn join<S: Store + 'static>(f: &Fixture<S>, count: u64) -> (HolderId, WaitId) {
    let holder = HolderId::random();
    let wait = f
        .engine
        .join_waitlist(&request(f, holder, count))
        .await
        .expect("join waitlist");
    (holder, wait.id)
}

async fn offered<S: Store + 'static>(
    f: &Fixture<S>,
    (holder, wait): (HolderId, WaitId),
) -> Option<Hold> {
    match f
        .engine
        .wait_status(wait, holder)
        .await
        .expect("wait status")
    {
        WaitStatus::Offered { hold } => Some(hold),
        _ => None,
    }
}

/// Waiting is for when seats are held by others: with enough seats free the
/// answer is `SeatsAvailable`, with too few free or held it is `SoldOut`; one
/// wait per holder and show.
pub async fn waiting_requires_seats_held_by_others<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    let me = HolderId::random();
    assert!(matches!(
        f.engine.join_waitlist(&request(&f, me, 2)).await,
        Err(ReservationError::SeatsAvailable { available: 8 })
    ));
    let x = HolderId::random();
    let big = f
        .hold(f.small_show, x, &["A1", "A2", "A3", "A4", "B1", "B2"])
        .await
        .expect("hold 6");
    let wait = f
        .engine
        .join_waitlist(&request(&f, me, 3))
        .await
        .expect("2 free + 6 held >= 3");
    assert!(matches!(
        f.engine
            .join_waitlist(&request(&f, HolderId::random(), 2))
            .await,
        Err(ReservationError::SeatsAvailable { available: 2 })
    ));
    assert!(matches!(
        f.engine.join_waitlist(&request(&f, me, 3)).await,
        Err(ReservationError::AlreadyWaiting(w)) if w == wait.id
    ));
    f.engine
        .confirm(&big.token, x, f.card())
        .await
        .expect("book the 6");
    assert!(matches!(
        f.engine
            .join_waitlist(&request(&f, HolderId::random(), 3))
            .await,
        Err(ReservationError::SoldOut)
    ));
}

/// Freed seats go to waiters in join order, each getting a fresh hold of the
/// best seats; a waiter whose request no longer fits the rest keeps its place
/// and is served by the next freeing.
pub async fn freed_seats_go_to_waiters_in_join_order<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    let (x, y) = (HolderId::random(), HolderId::random());
    let hx = f
        .hold(f.small_show, x, &["A1", "A2", "A3", "A4"])
        .await
        .expect("hold");
    let hy = f
        .hold(f.small_show, y, &["B1", "B2", "B3", "B4"])
        .await
        .expect("hold");
    f.advance(Duration::minutes(1));
    let w1 = join(&f, 3).await;
    let w2 = join(&f, 1).await;
    let w3 = join(&f, 4).await;
    f.advance(Duration::minutes(1));
    f.engine.release(&hy.token, y).await.expect("release 4");
    let o1 = offered(&f, w1).await.expect("first waiter served");
    let o2 = offered(&f, w2).await.expect("second waiter served");
    assert_eq!((o1.seats.len(), o2.seats.len()), (3, 1));
    assert_eq!(o1.holder, w1.0);
    assert_eq!(
        o1.expires_at,
        f.now() + f.policy.hold_time,
        "a fresh hold time"
    );
    assert!(
        offered(&f, w3).await.is_none(),
        "4 do not fit in what is left"
    );
    assert_eq!(
        f.engine
            .seat_map(f.small_show, None)
            .await
            .expect("map")
            .counts
            .available,
        0
    );
    f.clock.set(hx.expires_at + f.policy.grace);
    let o3 = offered(&f, w3)
        .await
        .expect("third waiter served at expiry");
    assert_eq!(o3.seats.len(), 4);
    let booking = f
        .engine
        .confirm(&o3.token, w3.0, f.card())
        .await
        .expect("offer is a real hold");
    assert_eq!(booking.tickets.len(), 4);
    // The events name the offers in order.
    let events = f
        .store
        .events_since(f.small_show, Sequence(0), 100)
        .await
        .expect("events");
    let offers: Vec<WaitId> = events
        .iter()
        .filter_map(|e| match e.change {
            Change::Offered { wait, .. } => Some(wait),
            _ => None,
        })
        .collect();
    assert_eq!(offers, [w1.1, w2.1, w3.1]);
}

/// A waiter whose request does not fit the freed seats does not block a later
/// waiter whose request does, and keeps first place.
pub async fn a_large_request_does_not_block_a_small_one<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    let (x, y) = (HolderId::random(), HolderId::random());
    let hx = f
        .hold(f.small_show, x, &["A1", "A2", "A3", "A4", "B1", "B2"])
        .await
        .expect("hold");
    let hy = f.hold(f.small_show, y, &["B3", "B4"]).await.expect("hold");
    let big = join(&f, 4).await;
    let small = join(&f, 2).await;
    f.engine.release(&hy.token, y).await.expect("release 2");
    assert!(
        offered(&f, small).await.is_some(),
        "the 2-seat waiter takes the 2 seats"
    );
    let WaitStatus::Waiting { position, .. } =
        f.engine.wait_status(big.1, big.0).await.expect("status")
    else {
        panic!("the 4-seat waiter is still waiting")
    };
    assert_eq!(position, 1);
    f.engine.release(&hx.token, x).await.expect("release 6");
    assert_eq!(offered(&f, big).await.map(|h| h.seats.len()), Some(4));
    assert_eq!(
        f.engine
            .seat_map(f.small_show, None)
            .await
            .expect("map")
            .counts
            .available,
        2
    );
}

/// When the seats a waiter needs are booked, it is dropped as sold out.
pub async fn sold_out_waiters_are_dropped<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    let x = HolderId::random();
    let hold = f
        .hold(
            f.small_show,
            x,
            &["A1", "A2", "A3", "A4", "B1", "B2", "B3", "B4"],
        )
        .await
        .expect("hold all");
    let waiter = join(&f, 4).await;
    f.engine
        .confirm(&hold.token, x, f.card())
        .await
        .expect("book all");
    assert_eq!(
        f.engine
            .wait_status(waiter.1, waiter.0)
            .await
            .expect("status"),
        WaitStatus::Ended {
            reason: WaitEnd::SoldOut
        }
    );
    let events = f
        .store
        .events_since(f.small_show, Sequence(0), 100)
        .await
        .expect("events");
    assert!(matches!(
        events.last().map(|e| &e.change),
        Some(Change::WaitEnded {
            reason: WaitEnd::SoldOut,
            ..
        })
    ));
    // Its seats no longer count against its limit.
    assert!(
        f.hold(
            f.show,
            waiter.0,
            &["A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "A9", "A10"]
        )
        .await
        .is_ok()
    );
}

/// A wait ends after `max_wait`; a waiter may cancel; either way it is gone.
/// Another holder cannot see or cancel it.
pub async fn waits_expire_and_can_be_cancelled<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    f.hold(
        f.small_show,
        HolderId::random(),
        &["A1", "A2", "A3", "A4", "B1", "B2", "B3", "B4"],
    )
    .await
    .expect("hold all");
    // First in line takes every seat that frees up, so the others keep waiting.
    let _greedy = join(&f, 8).await;
    let early = join(&f, 2).await;
    let late = join(&f, 2).await;
    assert!(matches!(
        f.engine.cancel_wait(late.1, HolderId::random()).await,
        Err(ReservationError::UnknownWait(_))
    ));
    assert!(matches!(
        f.engine.wait_status(late.1, HolderId::random()).await,
        Err(ReservationError::UnknownWait(_))
    ));
    f.engine.cancel_wait(late.1, late.0).await.expect("cancel");
    assert_eq!(
        f.engine.wait_status(late.1, late.0).await.expect("status"),
        WaitStatus::Ended {
            reason: WaitEnd::Cancelled
        }
    );
    assert!(matches!(
        f.engine.cancel_wait(late.1, late.0).await,
        Err(ReservationError::UnknownWait(_))
    ));
    f.advance(f.policy.max_wait - Duration::seconds(1));
    assert!(matches!(
        f.engine.wait_status(early.1, early.0).await,
        Ok(WaitStatus::Waiting { position: 1, .. })
    ));
    f.advance(Duration::seconds(1));
    assert_eq!(
        f.engine
            .wait_status(early.1, early.0)
            .await
            .expect("status"),
        WaitStatus::Ended {
            reason: WaitEnd::Expired
        }
    );
}

/// A waiter sees its place in line and when it would be served if the holds
/// ahead of it ran out unpaid. Seats offered to waiters ahead do not count:
/// those holds are usually paid, so when only they could serve the waiter
/// the estimate is unknown (`None`).
pub async fn wait_status_tells_position_and_estimate<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    let first_free = f.free_at_from_now();
    let (a, b) = (HolderId::random(), HolderId::random());
    let first = f
        .hold(f.small_show, a, &["A1", "A2", "A3", "A4"])
        .await
        .expect("hold");
    f.advance(Duration::minutes(1));
    let second_free = f.free_at_from_now();
    let second = f
        .hold(f.small_show, b, &["B1", "B2", "B3", "B4"])
        .await
        .expect("hold");
    let w1 = join(&f, 2).await;
    let w2 = join(&f, 4).await;
    let status = |w: (HolderId, WaitId)| f.engine.wait_status(w.1, w.0);
    let WaitStatus::Waiting {
        position: p1,
        estimated_offer_at: e1,
        ..
    } = status(w1).await.expect("status")
    else {
        panic!("waiting")
    };
    let WaitStatus::Waiting {
        position: p2,
        estimated_offer_at: e2,
        ..
    } = status(w2).await.expect("status")
    else {
        panic!("waiting")
    };
    assert_eq!((p1, e1), (1, Some(first_free)));
    assert_eq!((p2, e2), (2, Some(second_free)));

    // The first 4 seats come back: 2 are offered to the first waiter, 2
    // stay free; the second waiter needs 2 more, which the second hold
    // would free.
    f.engine.release(&first.token, a).await.expect("release");
    assert!(offered(&f, w1).await.is_some());
    let estimate = |status| match status {
        Ok(WaitStatus::Waiting {
            position,
            estimated_offer_at,
            ..
        }) => (position, estimated_offer_at),
        other => panic!("waiting, not {other:?}"),
    };
    assert_eq!(estimate(status(w2).await), (1, Some(second_free)));
    // Paid: only the offer to the first waiter could still serve it.
    f.engine
        .confirm(&second.token, b, f.card())
        .await
        .expect("pay");
    assert_eq!(estimate(status(w2).await), (1, None));
}
