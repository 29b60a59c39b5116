//! The event stream and seat map consistency; sweeping.

use std::collections::HashMap;

use futures_util::StreamExt;
use time::Duration;

use super::fixture::Fixture;
use crate::events::{Change, Sequence, ShowEvent};
use crate::ids::{HolderId, SeatId};
use crate::limits::SeatCount;
use crate::seat_map::{SeatMap, SeatStatus};
use crate::store::Store;
use crate::waitlist::WaitRequest;

/// Applies events to a seat map the way a client would.
pub fn apply(statuses: &mut HashMap<SeatId, SeatStatus>, event: &ShowEvent) {
    let (seats, status) = match &event.change {
        Change::Held { seats, .. } | Change::Offered { seats, .. } => (seats, SeatStatus::Held),
        Change::Released { seats, .. }
        | Change::Expired { seats, .. }
        | Change::Cancelled { seats, .. }
        | Change::Withdrawn { seats, .. } => (seats, SeatStatus::Available),
        Change::Booked { seats, .. } => (seats, SeatStatus::Booked),
        // Nothing else moves a seat (a stream from a newer build may hold
        // kinds this one does not know).
        _ => return,
    };
    for seat in seats {
        statuses.insert(*seat, status);
    }
}

/// Seat statuses of a map.
pub fn statuses(map: &SeatMap) -> HashMap<SeatId, SeatStatus> {
    map.seats.iter().map(|s| (s.seat, s.status)).collect()
}

/// Every change is one event, numbered 1, 2, 3... without gaps, and applying
/// them to an empty map gives the store's seat map at the last sequence.
pub async fn events_are_gap_free_and_replay_to_the_seat_map<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    let empty = f.engine.seat_map(f.small_show, None).await.expect("map");
    assert_eq!(empty.seq, Sequence(0));
    let (a, b, c) = (HolderId::random(), HolderId::random(), HolderId::random());
    let ha = f
        .hold(f.small_show, a, &["A1", "A2", "A3"])
        .await
        .expect("hold");
    let hb = f
        .hold(f.small_show, b, &["A4", "B1", "B2", "B3", "B4"])
        .await
        .expect("hold");
    f.engine
        .join_waitlist(&WaitRequest::new(
            f.small_show,
            c,
            SeatCount::new(2).expect("2"),
        ))
        .await
        .expect("wait");
    let booking = f
        .engine
        .confirm(&ha.token, a, f.card())
        .await
        .expect("book");
    f.engine
        .release(&hb.token, b)
        .await
        .expect("release -> offer");
    f.engine
        .cancel_booking(booking.id, a)
        .await
        .expect("cancel");
    f.advance(f.policy.hold_time + f.policy.grace);
    let map = f
        .engine
        .seat_map(f.small_show, None)
        .await
        .expect("map after expiry");
    let events = f
        .store
        .events_since(f.small_show, Sequence(0), 1000)
        .await
        .expect("events");
    let seqs: Vec<u64> = events.iter().map(|e| e.seq.0).collect();
    assert_eq!(seqs, (1..=events.len() as u64).collect::<Vec<_>>());
    assert_eq!(map.seq, Sequence(events.len() as u64));
    let kinds: Vec<&str> = events.iter().map(|e| e.change.kind()).collect();
    assert_eq!(
        kinds,
        [
            "held",
            "held",
            "wait_joined",
            "booked",
            "released",
            "offered",
            "cancelled",
            "expired"
        ]
    );
    let mut replayed = statuses(&empty);
    for event in &events {
        apply(&mut replayed, event);
    }
    assert_eq!(replayed, statuses(&map));
    let tail = f
        .store
        .events_since(f.small_show, Sequence(5), 2)
        .await
        .expect("page");
    assert_eq!(tail.iter().map(|e| e.seq.0).collect::<Vec<_>>(), [6, 7]);
}

async fn next(
    stream: &mut crate::events::EventStream,
) -> Option<Result<ShowEvent, crate::error::ReservationError>> {
    tokio::time::timeout(std::time::Duration::from_secs(5), stream.next())
        .await
        .expect("event within 5 s")
}

/// A subscriber gets the events after its sequence, then live ones, in order.
pub async fn subscribers_resume_then_follow_live<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    let me = HolderId::random();
    f.hold(f.show, me, &["A1"]).await.expect("hold");
    f.hold(f.show, me, &["A2"]).await.expect("hold");
    let mut from_start = f
        .engine
        .subscribe(f.show, Sequence(0))
        .await
        .expect("subscribe");
    let mut from_one = f
        .engine
        .subscribe(f.show, Sequence(1))
        .await
        .expect("subscribe");
    f.hold(f.show, me, &["A3"]).await.expect("hold");
    for expected in 1..=3 {
        let event = next(&mut from_start).await.expect("open").expect("event");
        assert_eq!(event.seq, Sequence(expected));
    }
    for expected in 2..=3 {
        assert_eq!(
            next(&mut from_one).await.expect("open").expect("event").seq,
            Sequence(expected)
        );
    }
}

/// A sweep frees every hold that is due and emits its event even if nobody
/// reads the show; sweeping again does nothing.
pub async fn sweep_expires_due_holds<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    f.hold(f.show, HolderId::random(), &["A1"])
        .await
        .expect("hold");
    f.hold(f.small_show, HolderId::random(), &["A1"])
        .await
        .expect("hold");
    f.advance(Duration::minutes(1));
    f.hold(f.show, HolderId::random(), &["A2"])
        .await
        .expect("hold");
    f.advance(f.policy.hold_time + f.policy.grace - Duration::minutes(1));
    assert_eq!(f.engine.sweep().await.expect("sweep"), 2);
    assert_eq!(f.engine.sweep().await.expect("sweep again"), 0);
    let events = f
        .store
        .events_since(f.small_show, Sequence(0), 10)
        .await
        .expect("events");
    assert!(matches!(
        events.last().map(|e| &e.change),
        Some(Change::Expired { .. })
    ));
    assert_eq!(
        f.store
            .availability(f.show, f.now())
            .await
            .expect("counts")
            .held,
        1
    );
}
