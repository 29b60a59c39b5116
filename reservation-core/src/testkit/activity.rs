//! A holder's own activity ("my tickets"): their bookings, payable holds
//! and waits, newest first, and never another holder's.

use time::Duration;

use super::fixture::Fixture;
use crate::activity::{ACTIVITY_LIMIT, HolderActivity};
use crate::booking::BookingStatus;
use crate::hold::SeatFilter;
use crate::ids::{BookingId, HoldId, HolderId};
use crate::limits::SeatCount;
use crate::store::Store;
use crate::waitlist::WaitRequest;

async fn activity<S: Store + 'static>(f: &Fixture<S>, holder: HolderId) -> HolderActivity {
    f.engine
        .holder_activity(holder)
        .await
        .expect("holder activity")
}

fn booking_ids(activity: &HolderActivity) -> Vec<BookingId> {
    activity.bookings.iter().map(|b| b.id).collect()
}

fn hold_ids(activity: &HolderActivity) -> Vec<HoldId> {
    activity.holds.iter().map(|h| h.id).collect()
}

/// A holder sees their booking (with its tickets), their open hold (with
/// the token checkout needs) and their wait (with its place), each with its
/// show; another holder sees none of it, and a new holder sees nothing.
pub async fn activity_lists_only_the_holders_own<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    let (me, other) = (HolderId::random(), HolderId::random());
    assert!(activity(&f, me).await.is_empty());

    let paid = f.hold(f.show, me, &["A1", "A2"]).await.expect("hold");
    let booking = f
        .engine
        .confirm(&paid.token, me, f.card())
        .await
        .expect("confirm");
    let open = f.hold(f.show, me, &["B1"]).await.expect("hold");
    let theirs = f.hold(f.show, other, &["C1"]).await.expect("hold");
    // Others hold the whole small show: I wait for two of its seats.
    f.fill(f.small_show, 0).await;
    let request = WaitRequest::new(f.small_show, me, SeatCount::new(2).expect("count"));
    let wait = f.engine.join_waitlist(&request).await.expect("join");

    let mine = activity(&f, me).await;
    assert_eq!(booking_ids(&mine), [booking.id]);
    assert_eq!(mine.bookings[0].show, f.show);
    assert_eq!(mine.bookings[0].tickets.len(), 2);
    assert_eq!(mine.bookings[0].status, BookingStatus::Confirmed);
    assert_eq!(hold_ids(&mine), [open.id], "the paid hold is a booking now");
    assert_eq!(mine.holds[0].token, open.token);
    assert_eq!(mine.holds[0].show, f.show);
    assert_eq!(mine.holds[0].seats.len(), 1);
    assert_eq!(mine.waits.len(), 1);
    assert_eq!(
        (mine.waits[0].wait.id, mine.waits[0].wait.show),
        (wait.id, f.small_show)
    );
    assert_eq!(mine.waits[0].position, 1);

    let their = activity(&f, other).await;
    assert!(their.bookings.is_empty() && their.waits.is_empty());
    assert_eq!(hold_ids(&their), [theirs.id]);
    assert!(activity(&f, HolderId::random()).await.is_empty());
}

/// Bookings are listed newest first, a cancelled one as cancelled; a
/// released hold is gone at once and an expired one once its expiry
/// passes (grace or not); holds are newest first too.
pub async fn activity_is_newest_first_without_ended_holds<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    let me = HolderId::random();
    let mut booked = Vec::new();
    for labels in [["A1"], ["A2"], ["A3"]] {
        let hold = f.hold(f.show, me, &labels).await.expect("hold");
        let booking = f
            .engine
            .confirm(&hold.token, me, f.card())
            .await
            .expect("confirm");
        booked.push(booking.id);
        f.advance(Duration::seconds(10));
    }
    f.engine
        .cancel_booking(booked[0], me)
        .await
        .expect("cancel");
    let released = f.hold(f.show, me, &["B1"]).await.expect("hold");
    f.engine
        .release(&released.token, me)
        .await
        .expect("release");
    let older = f.hold(f.show, me, &["C1"]).await.expect("hold");
    f.advance(Duration::seconds(10));
    let newer = f.hold(f.small_show, me, &["A1"]).await.expect("hold");

    let mine = activity(&f, me).await;
    booked.reverse();
    assert_eq!(booking_ids(&mine), booked, "newest first");
    assert!(matches!(
        mine.bookings[2].status,
        BookingStatus::Cancelled { .. }
    ));
    assert_eq!(mine.bookings[0].status, BookingStatus::Confirmed);
    assert_eq!(hold_ids(&mine), [newer.id, older.id], "newest first");

    // Just past the older hold's expiry, in its grace: no longer payable.
    f.advance(f.policy.hold_time - Duration::seconds(9));
    assert_eq!(hold_ids(&activity(&f, me).await), [newer.id]);
    f.advance(Duration::seconds(10) + f.policy.grace);
    let mine = activity(&f, me).await;
    assert!(mine.holds.is_empty(), "{:?}", mine.holds);
    assert_eq!(mine.bookings.len(), 3, "bookings stay");
}

/// Each list is bounded: past [`ACTIVITY_LIMIT`] bookings only the latest
/// are listed; older ones stay reachable by their ids.
pub async fn activity_lists_only_the_latest_bookings<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    let me = HolderId::random();
    let mut booked = Vec::new();
    for _ in 0..=ACTIVITY_LIMIT {
        let hold = f
            .hold_best(f.show, me, 1, SeatFilter::default())
            .await
            .expect("hold");
        let booking = f
            .engine
            .confirm(&hold.token, me, f.card())
            .await
            .expect("confirm");
        booked.push(booking.id);
        f.advance(Duration::seconds(1));
    }
    let mine = activity(&f, me).await;
    booked.reverse();
    assert_eq!(booking_ids(&mine), booked[..ACTIVITY_LIMIT], "the latest");
    let oldest = booked[ACTIVITY_LIMIT];
    f.engine.booking(oldest, me).await.expect("still there");
}
