//! Holding seats: all or nothing, the limits, expiry, release.

use time::Duration;

use super::fixture::Fixture;
use crate::error::{InputError, ReservationError};
use crate::hold::{HoldRequest, HoldState, SeatFilter, SeatList, SeatSelection, Taken};
use crate::ids::{HolderId, SeatId, ShowId};
use crate::sales::ClosedReason;
use crate::seat_map::SeatStatus;
use crate::store::Store;

/// A hold takes exactly the seats asked for, priced per category, and the
/// seat map shows them held (and mine to the holder only).
pub async fn hold_takes_the_seats_with_prices<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    let me = HolderId::random();
    let hold = f.hold(f.show, me, &["C5", "C6", "J1"]).await.expect("hold");
    assert_eq!(
        hold.seats
            .iter()
            .map(|s| s.label.as_str())
            .collect::<Vec<_>>(),
        ["C5", "C6", "J1"]
    );
    assert_eq!(hold.total.minor, 900 + 900 + 1500);
    assert_eq!(hold.expires_at, f.now() + f.policy.hold_time);
    assert_eq!(hold.state, HoldState::Active);
    let held = f.seats(f.show, &["C5", "C6", "J1"]);
    let mine = f.engine.seat_map(f.show, Some(me)).await.expect("map");
    let theirs = f
        .engine
        .seat_map(f.show, Some(HolderId::random()))
        .await
        .expect("map");
    for (map, is_mine) in [(mine, true), (theirs, false)] {
        for view in &map.seats {
            let expected = if held.contains(&view.seat) {
                SeatStatus::Held
            } else {
                SeatStatus::Available
            };
            assert_eq!(view.status, expected);
            assert_eq!(view.mine, is_mine && held.contains(&view.seat));
        }
        assert_eq!(
            (map.counts.available, map.counts.held, map.counts.booked),
            (197, 3, 0)
        );
    }
}

/// A hold with one taken seat takes nothing and names every taken seat with
/// why it is taken: held by someone else, held by you, or booked.
pub async fn hold_is_all_or_nothing<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    let (me, other) = (HolderId::random(), HolderId::random());
    let theirs = f.hold(f.show, other, &["A1"]).await.expect("hold");
    f.engine
        .confirm(&theirs.token, other, f.card())
        .await
        .expect("book");
    f.hold(f.show, other, &["A2"]).await.expect("hold");
    f.hold(f.show, me, &["A3"]).await.expect("hold");
    let refused = f.hold(f.show, me, &["A1", "A2", "A3", "A4"]).await;
    let Err(ReservationError::SeatsTaken(mut conflicts)) = refused else {
        panic!("expected SeatsTaken, got {refused:?}")
    };
    conflicts.sort_by(|a, b| a.label.cmp(&b.label));
    let got: Vec<(&str, Taken)> = conflicts
        .iter()
        .map(|c| (c.label.as_str(), c.taken))
        .collect();
    assert_eq!(
        got,
        [
            ("A1", Taken::Booked),
            ("A2", Taken::Held),
            ("A3", Taken::HeldByYou)
        ]
    );
    let map = f.engine.seat_map(f.show, None).await.expect("map");
    let a4 = f.seats(f.show, &["A4"])[0];
    assert_eq!(
        map.seats.iter().find(|s| s.seat == a4).map(|s| s.status),
        Some(SeatStatus::Available)
    );
    assert_eq!(map.counts.held, 2);
}

/// Unknown shows and seats, seats of another show and unknown categories are
/// refused with their own errors; nothing is held.
pub async fn bad_hold_requests_are_refused<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    let me = HolderId::random();
    let request = |show: ShowId, seats: Vec<SeatId>| {
        HoldRequest::new(
            show,
            me,
            SeatSelection::Seats(SeatList::new(seats).expect("list")),
        )
    };
    let unknown_show = ShowId::random();
    assert!(matches!(
        f.engine.hold(&request(unknown_show, f.seats(f.show, &["A1"]))).await,
        Err(ReservationError::UnknownShow(s)) if s == unknown_show
    ));
    let ghost = SeatId::random();
    assert!(matches!(
        f.engine.hold(&request(f.show, vec![ghost])).await,
        Err(ReservationError::UnknownSeat(s)) if s == ghost
    ));
    let foreign = f.seats(f.small_show, &["A1"])[0];
    assert!(matches!(
        f.engine.hold(&request(f.show, vec![f.seats(f.show, &["A1"])[0], foreign])).await,
        Err(ReservationError::SeatOfAnotherShow { seat, show }) if seat == foreign && show == f.show
    ));
    let filter = SeatFilter::default()
        .with_category(crate::catalog::CategoryCode::parse("VIP").expect("code"));
    assert!(matches!(
        f.hold_best(f.show, me, 2, filter).await,
        Err(ReservationError::UnknownCategory(_))
    ));
    assert!(matches!(
        f.hold_best(f.show, me, 0, SeatFilter::default()).await,
        Err(ReservationError::Input(InputError::InvalidSeatCount(0)))
    ));
    assert!(matches!(
        f.hold_best(f.show, me, 11, SeatFilter::default()).await,
        Err(ReservationError::Input(InputError::InvalidSeatCount(11)))
    ));
    let map = f.engine.seat_map(f.show, None).await.expect("map");
    assert_eq!(map.counts.held, 0);
}

/// One holder holds at most `max_seats_per_holder` seats of a show at a time,
/// across holds and waits; releasing makes room again; other shows and other
/// holders are not affected.
pub async fn holder_limit_spans_holds_and_waits<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    let me = HolderId::random();
    f.hold(f.show, me, &["A1", "A2", "A3", "A4", "A5", "A6"])
        .await
        .expect("hold 6");
    let second = f
        .hold(f.show, me, &["B1", "B2", "B3", "B4"])
        .await
        .expect("hold 4 more");
    assert!(matches!(
        f.hold(f.show, me, &["C1"]).await,
        Err(ReservationError::OverHolderLimit {
            limit: 10,
            active: 10,
            requested: 1
        })
    ));
    assert!(
        f.hold(f.show, HolderId::random(), &["C1"]).await.is_ok(),
        "another holder is not limited"
    );
    assert!(
        f.hold(f.small_show, me, &["A1"]).await.is_ok(),
        "another show has its own limit"
    );
    f.engine.release(&second.token, me).await.expect("release");
    f.hold(f.show, me, &["C2", "C3", "C4", "C5"])
        .await
        .expect("room again after release");

    // Waiting seats use the same budget: with the show full, 6 held plus a
    // wait for 5 is over the limit; a wait for 4 fits.
    let waiter = HolderId::random();
    f.hold(f.show, waiter, &["D1", "D2", "D3", "D4", "D5", "D6"])
        .await
        .expect("hold 6");
    f.fill(f.show, 0).await;
    let wait = |count| {
        crate::waitlist::WaitRequest::new(
            f.show,
            waiter,
            crate::limits::SeatCount::new(count).expect("count"),
        )
    };
    assert!(matches!(
        f.engine.join_waitlist(&wait(5)).await,
        Err(ReservationError::OverHolderLimit {
            limit: 10,
            active: 6,
            requested: 5
        })
    ));
    f.engine
        .join_waitlist(&wait(4))
        .await
        .expect("a wait within the limit");
}

/// A hold stays held through its shown expiry and the grace period, and is
/// free for everyone the instant after, without any sweep.
pub async fn hold_expires_lazily_after_grace<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    let (me, other) = (HolderId::random(), HolderId::random());
    let hold = f.hold(f.show, me, &["E7", "E8"]).await.expect("hold");
    f.clock
        .set(hold.expires_at + f.policy.grace - Duration::milliseconds(1));
    assert!(matches!(
        f.hold(f.show, other, &["E7"]).await,
        Err(ReservationError::SeatsTaken(_))
    ));
    assert_eq!(
        f.engine
            .hold_status(&hold.token, me)
            .await
            .expect("still active")
            .state,
        HoldState::Active
    );
    f.clock.set(hold.expires_at + f.policy.grace);
    let map = f.engine.seat_map(f.show, None).await.expect("map");
    assert_eq!(map.counts.held, 0, "expired at expires_at + grace");
    assert!(matches!(
        f.engine.hold_status(&hold.token, me).await,
        Err(ReservationError::HoldExpired)
    ));
    f.hold(f.show, other, &["E7", "E8"])
        .await
        .expect("free for others");
    assert!(matches!(
        f.engine.release(&hold.token, me).await,
        Err(ReservationError::HoldExpired)
    ));
}

/// Releasing frees the seats at once; the token is then dead, and another
/// holder's release of it is refused like an unknown token.
pub async fn release_frees_seats_at_once<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    let (me, other) = (HolderId::random(), HolderId::random());
    let hold = f.hold(f.show, me, &["F1", "F2"]).await.expect("hold");
    assert!(matches!(
        f.engine.release(&hold.token, other).await,
        Err(ReservationError::InvalidHoldToken)
    ));
    assert!(matches!(
        f.engine.hold_status(&hold.token, other).await,
        Err(ReservationError::InvalidHoldToken)
    ));
    f.engine.release(&hold.token, me).await.expect("release");
    f.hold(f.show, other, &["F1", "F2"])
        .await
        .expect("free at once");
    assert!(matches!(
        f.engine.release(&hold.token, me).await,
        Err(ReservationError::InvalidHoldToken)
    ));
    assert!(matches!(
        f.engine.confirm(&hold.token, me, f.card()).await,
        Err(ReservationError::InvalidHoldToken)
    ));
    assert_eq!(f.gateway.attempts(), 0, "a dead hold is never charged");
}

/// Re-holding seats you already hold is refused (`HeldByYou`) and does not
/// extend the original hold's expiry (a buyer cannot keep seats forever).
pub async fn re_holding_does_not_reset_the_countdown<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    let me = HolderId::random();
    let hold = f.hold(f.show, me, &["G1", "G2"]).await.expect("hold");
    f.advance(Duration::minutes(4));
    assert!(matches!(
        f.hold(f.show, me, &["G1", "G2", "G3"]).await,
        Err(ReservationError::SeatsTaken(_))
    ));
    assert_eq!(
        f.engine
            .hold_status(&hold.token, me)
            .await
            .expect("hold")
            .expires_at,
        hold.expires_at
    );
    f.clock.set(hold.expires_at + f.policy.grace);
    assert!(matches!(
        f.engine.hold_status(&hold.token, me).await,
        Err(ReservationError::HoldExpired)
    ));
}

/// Best available picks adjacent seats in one row near the hall's sweet spot,
/// honours category and accessibility filters, and refuses when too few
/// matching seats are free.
pub async fn best_available_picks_adjacent_seats<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    let me = HolderId::random();
    let hold = f
        .hold_best(f.show, me, 4, SeatFilter::default())
        .await
        .expect("best 4");
    let plan = f.main_hall.plan();
    let mut index: Vec<_> = hold
        .seats
        .iter()
        .map(|s| plan.index_of(s.seat).expect("seat of hall"))
        .collect();
    index.sort();
    assert!(
        index.windows(2).all(|w| plan.adjacent(w[0], w[1])),
        "one block of adjacent seats"
    );
    let numbers: Vec<u16> = index.iter().map(|i| plan.seat(*i).number).collect();
    assert!(
        numbers.iter().all(|n| (8..=13).contains(n)),
        "centre of a 20-seat row: {numbers:?}"
    );

    let premium = SeatFilter::default()
        .with_category(crate::catalog::CategoryCode::parse("P").expect("code"));
    let vip = f.hold_best(f.show, me, 2, premium).await.expect("premium");
    assert!(
        vip.seats
            .iter()
            .all(|s| s.category.as_str() == "P" && s.price.minor == 1500)
    );

    let accessible = SeatFilter::default().with_accessible(true);
    let other = HolderId::random();
    let wheel = f
        .hold_best(f.show, other, 2, accessible.clone())
        .await
        .expect("accessible");
    let labels: Vec<&str> = wheel.seats.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(labels.len(), 2);
    assert!(
        labels.iter().all(|l| *l == "A10" || *l == "A11"),
        "{labels:?}"
    );
    assert!(matches!(
        f.hold_best(f.show, HolderId::random(), 1, accessible).await,
        Err(ReservationError::NotEnoughSeats {
            requested: 1,
            available: 0
        })
    ));
}

/// Sales close when the show starts: no new holds or waits, and waits end.
/// A hold made before the start can still be paid for.
pub async fn sales_close_when_the_show_starts<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    let starts_at = f.store.show(f.small_show).await.expect("show").starts_at;
    f.clock.set(starts_at - Duration::minutes(2));
    let (me, waiter) = (HolderId::random(), HolderId::random());
    let hold = f
        .hold(
            f.small_show,
            me,
            &["A1", "A2", "A3", "A4", "B1", "B2", "B3", "B4"],
        )
        .await
        .expect("hold all");
    let request = crate::waitlist::WaitRequest::new(
        f.small_show,
        waiter,
        crate::limits::SeatCount::new(2).expect("count"),
    );
    let wait = f.engine.join_waitlist(&request).await.expect("wait");
    assert_eq!(
        wait.expires_at, starts_at,
        "a wait ends at the show's start at the latest"
    );
    f.clock.set(starts_at);
    assert!(matches!(
        f.hold(f.small_show, HolderId::random(), &["A1"]).await,
        Err(ReservationError::SalesClosed { starts_at: s, reason: ClosedReason::Started }) if s == starts_at
    ));
    assert!(matches!(
        f.engine
            .join_waitlist(&crate::waitlist::WaitRequest {
                holder: HolderId::random(),
                ..request
            })
            .await,
        Err(ReservationError::SalesClosed { .. })
    ));
    assert_eq!(
        f.engine.wait_status(wait.id, waiter).await.expect("status"),
        crate::waitlist::WaitStatus::Ended {
            reason: crate::events::WaitEnd::Expired
        }
    );
    f.engine
        .confirm(&hold.token, me, f.card())
        .await
        .expect("a hold made before the start can be paid");
}
