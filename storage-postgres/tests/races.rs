//! Real concurrency against a real PostgreSQL: tasks on a multi-threaded
//! runtime, each with its own connection, racing for the same seats. Run with
//! `--nocapture` to see the figures.

#![allow(clippy::unwrap_used)] // a test may panic on setup failure

use std::collections::HashSet;
use std::sync::Arc;

use reservation_core::testkit::Fixture;
use reservation_core::testkit::concurrency::sell_out;
use reservation_core::{
    Change, HoldRequest, HolderId, Policy, ReservationError, ReservationStore, SeatCount, SeatList,
    SeatSelection, Sequence, ShowId, WaitRequest,
};
use sqlx::postgres::PgPoolOptions;
use storage_postgres::PgStore;
use storage_postgres::testing::fresh_database;

/// Concurrent clients in the hot-show race (and database connections).
const CLIENTS: usize = 64;

async fn store_with_pool(connections: u32) -> (PgStore, String) {
    let url = fresh_database().await.unwrap();
    let pool = PgPoolOptions::new()
        .max_connections(connections)
        .connect(&url)
        .await
        .unwrap();
    (
        PgStore::from_pool(pool, Policy::default()).await.unwrap(),
        url,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hot_show_sells_out_without_double_booking() {
    let (store, _) = store_with_pool(CLIENTS as u32).await;
    let f = Arc::new(Fixture::seed(store.clone()).await);
    let (show, _) = f.add_grid_show(40, 50, 5).await;
    let started = std::time::Instant::now();
    let race = sell_out(&f, show, CLIENTS).await;
    let elapsed = started.elapsed();
    let mut owners = HashSet::new();
    let double_bookings = race
        .bought
        .iter()
        .flatten()
        .filter(|seat| !owners.insert(**seat))
        .count();
    // The database agrees: every seat booked once, one ticket per seat.
    let (booked, tickets, distinct): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM seats WHERE show_id = $1 AND status = 2),
                (SELECT count(*) FROM tickets WHERE show_id = $1),
                (SELECT count(DISTINCT seat_index) FROM tickets WHERE show_id = $1)",
    )
    .bind(show.as_uuid())
    .fetch_one(store.pool())
    .await
    .unwrap();
    println!(
        "hot show: {CLIENTS} clients on {CLIENTS} connections sold 2000 seats in {elapsed:.2?}: {} holds confirmed, \
         {} conflicts, {double_bookings} double bookings; database: {booked} booked seats, {tickets} tickets",
        race.holds, race.conflicts
    );
    assert_eq!(double_bookings, 0);
    assert_eq!(owners.len(), 2000);
    assert_eq!((booked, tickets, distinct), (2000, 2000, 2000));
    assert!(race.conflicts > 0, "the race must contend");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_holder_racing_twenty_holds_gets_at_most_ten_seats() {
    let (store, _) = store_with_pool(24).await;
    let f = Arc::new(Fixture::seed(store).await);
    let seats = f.seats(
        f.show,
        &(1..=20)
            .map(|n| format!("D{n}"))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    let holder = HolderId::random();
    let attempts: Vec<_> = seats
        .into_iter()
        .map(|seat| {
            let f = Arc::clone(&f);
            tokio::spawn(async move {
                let request = HoldRequest::new(
                    f.show,
                    holder,
                    SeatSelection::Seats(SeatList::new(vec![seat]).unwrap()),
                );
                f.engine.hold(&request).await
            })
        })
        .collect();
    let (mut held, mut over_limit) = (0, 0);
    for attempt in attempts {
        match attempt.await.unwrap() {
            Ok(_) => held += 1,
            Err(ReservationError::OverHolderLimit { .. }) => over_limit += 1,
            Err(other) => panic!("unexpected refusal: {other}"),
        }
    }
    println!(
        "one holder, 20 parallel single-seat holds: {held} held, {over_limit} refused over the limit"
    );
    assert_eq!((held, over_limit), (10, 10));
    assert_eq!(f.engine.availability(f.show).await.unwrap().held, 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_sweepers_serve_waiters_in_order_once() {
    const SHOWS: usize = 6;
    const SWEEPERS: usize = 4;
    let (store, _) = store_with_pool(32).await;
    let f = Fixture::seed(store.clone()).await;
    let mut shows: Vec<(ShowId, Vec<reservation_core::WaitId>)> = Vec::new();
    for _ in 0..SHOWS {
        // 3 x 10 seats, all held; 12 waiters for 1-3 seats each (at most 24 seats).
        let (show, _) = f.add_grid_show(3, 10, 0).await;
        f.fill(show, 0).await;
        let mut waits = Vec::new();
        for i in 0..12 {
            let request =
                WaitRequest::new(show, HolderId::random(), SeatCount::new(1 + i % 3).unwrap());
            waits.push(f.engine.join_waitlist(&request).await.unwrap().id);
        }
        shows.push((show, waits));
    }
    // Every hold is now due; the sweepers race each other for the shows.
    f.advance(f.policy.hold_time + f.policy.grace);
    let now = f.now();
    let sweepers: Vec<_> = (0..SWEEPERS)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.sweep(now).await.unwrap() })
        })
        .collect();
    let mut swept = 0;
    for sweeper in sweepers {
        swept += sweeper.await.unwrap();
    }
    assert_eq!(
        swept,
        SHOWS * 3,
        "every hold expired by exactly one sweeper"
    );
    let mut offers_total = 0;
    for (show, waits) in &shows {
        let events = store
            .events_since(*show, Sequence(0), 10_000)
            .await
            .unwrap();
        let expired = events
            .iter()
            .filter(|e| matches!(e.change, Change::Expired { .. }))
            .count();
        assert_eq!(expired, 3, "each of the 3 holds expired exactly once");
        let mut offered_seats = HashSet::new();
        let mut offered: Vec<reservation_core::WaitId> = Vec::new();
        for event in &events {
            if let Change::Offered { wait, seats, .. } = &event.change {
                offered.push(*wait);
                for seat in seats {
                    assert!(offered_seats.insert(*seat), "seat {seat} offered twice");
                }
            }
        }
        assert_eq!(&offered, waits, "every waiter served once, in join order");
        offers_total += offered.len();
        let seqs: Vec<u64> = events.iter().map(|e| e.seq.0).collect();
        assert_eq!(
            seqs,
            (1..=events.len() as u64).collect::<Vec<_>>(),
            "gap-free events"
        );
    }
    println!(
        "{SWEEPERS} concurrent sweepers over {SHOWS} shows: {swept} holds expired, each by exactly one sweeper; \
         {offers_total} offers in join order, no seat offered twice"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_racing_for_the_same_seats_leave_them_to_exactly_one() {
    let (store, _) = store_with_pool(16).await;
    let f = Arc::new(Fixture::seed(store).await);
    let wanted = f.seats(f.show, &["E1", "E2", "E3", "E4"]);
    // Every other racer overlaps the block by one seat only.
    let overlapping = f.seats(f.show, &["E4", "E5", "E6"]);
    let racers: Vec<_> = (0..60)
        .map(|i| {
            let f = Arc::clone(&f);
            let seats = if i % 2 == 0 {
                wanted.clone()
            } else {
                overlapping.clone()
            };
            tokio::spawn(async move {
                let request = HoldRequest::new(
                    f.show,
                    HolderId::random(),
                    SeatSelection::Seats(SeatList::new(seats).unwrap()),
                );
                f.engine.hold(&request).await
            })
        })
        .collect();
    let (mut held, mut taken) = (Vec::new(), 0);
    for racer in racers {
        match racer.await.unwrap() {
            Ok(hold) => held.push(hold.seats.len()),
            Err(ReservationError::SeatsTaken(conflicts)) => {
                assert!(
                    conflicts
                        .iter()
                        .all(|c| c.taken == reservation_core::Taken::Held)
                );
                taken += 1;
            }
            Err(other) => panic!("unexpected refusal: {other}"),
        }
    }
    // E4 is in both blocks: whichever came first got its block, nobody else.
    assert_eq!(held.len(), 1, "exactly one racer holds");
    assert_eq!(taken, 59);
    let map = f.engine.availability(f.show).await.unwrap();
    assert_eq!(map.held as usize, held[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn callers_giving_up_lose_nobody_else_their_holds() {
    let (store, _) = store_with_pool(8).await;
    let f = Arc::new(Fixture::seed(store.clone()).await);
    let (show, hall) = f.add_grid_show(10, 20, 0).await;
    let racers: Vec<_> = hall
        .plan()
        .seats()
        .iter()
        .map(|seat| {
            let f = Arc::clone(&f);
            let seat = seat.id;
            tokio::spawn(async move {
                let request = HoldRequest::new(
                    show,
                    HolderId::random(),
                    SeatSelection::Seats(SeatList::new(vec![seat]).unwrap()),
                );
                f.engine.hold(&request).await
            })
        })
        .collect();
    // Half the callers go away at once, some while their batch runs.
    let mut kept = 0;
    for (i, racer) in racers.into_iter().enumerate() {
        if i % 2 == 0 {
            racer.abort();
        } else {
            racer.await.unwrap().unwrap();
            kept += 1;
        }
    }
    // A hold is made (and kept) or not at all: the counts, the seats and the
    // holds agree, and every caller who stayed got their seat.
    let (held_seats, holds): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM seats WHERE show_id = $1 AND status = 1),
                (SELECT count(*) FROM holds WHERE show_id = $1 AND state = 0)",
    )
    .bind(show.as_uuid())
    .fetch_one(store.pool())
    .await
    .unwrap();
    let counted = f.engine.availability(show).await.unwrap();
    assert_eq!(held_seats, holds);
    assert_eq!(counted.held as i64, holds);
    assert!(holds >= kept, "{holds} holds for {kept} callers who stayed");
    assert_eq!(counted.held + counted.available, 200);
}

/// Buyers holding and paying on one show while it is cancelled mid-way:
/// every confirm books before the cancel (then the cancel refunds it) or
/// is refused after it (then its own charge is refunded). Afterwards no
/// booking stands, no seat is taken, every charge is refunded exactly
/// once, and sweeping again refunds nothing more.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cancelling_a_show_mid_sale_refunds_every_charge_once() {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use reservation_core::{CancelReason, ClosedReason, SeatFilter};

    /// Bookings made before the organizer cancels.
    const CANCEL_AFTER: usize = 40;

    let (store, _) = store_with_pool(CLIENTS as u32 + 4).await;
    let f = Arc::new(Fixture::seed(store.clone()).await);
    let (show, _) = f.add_grid_show(20, 20, 2).await;
    let booked = Arc::new(AtomicUsize::new(0));
    let refused_at_confirm = Arc::new(AtomicUsize::new(0));
    let mut buyers = Vec::new();
    for _ in 0..CLIENTS {
        let (f, booked, refused_at_confirm) =
            (f.clone(), booked.clone(), refused_at_confirm.clone());
        buyers.push(tokio::spawn(async move {
            loop {
                let me = HolderId::random();
                let hold = match f.hold_best(show, me, 2, SeatFilter::default()).await {
                    Ok(hold) => hold,
                    Err(ReservationError::SalesClosed { reason, .. }) => {
                        assert_eq!(reason, ClosedReason::Cancelled);
                        return;
                    }
                    Err(other) => panic!("hold: {other}"),
                };
                match f.engine.confirm(&hold.token, me, f.card()).await {
                    Ok(_) => {
                        booked.fetch_add(1, Ordering::SeqCst);
                    }
                    Err(ReservationError::SalesClosed {
                        reason: ClosedReason::Cancelled,
                        ..
                    }) => {
                        refused_at_confirm.fetch_add(1, Ordering::SeqCst);
                        return;
                    }
                    Err(other) => panic!("confirm: {other}"),
                }
            }
        }));
    }
    while booked.load(Ordering::SeqCst) < CANCEL_AFTER {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let reason = CancelReason::parse("the venue flooded").unwrap();
    f.engine.cancel_show(show, &reason).await.unwrap();
    for buyer in buyers {
        buyer.await.unwrap();
    }
    // Charges still in flight at the cancel were refunded by their own
    // confirm; whatever is left over is the sweeper's, once due.
    f.advance(time::Duration::minutes(10));
    let swept = f.sweeper_tick().await;
    let ledger = f.gateway.ledger();
    println!(
        "cancel race: {} bookings before the cancel, {} confirms refused after it, {} charges, {swept} settled by the sweeper",
        booked.load(Ordering::SeqCst),
        refused_at_confirm.load(Ordering::SeqCst),
        ledger.len()
    );
    assert!(ledger.len() >= CANCEL_AFTER);
    for charge in &ledger {
        assert_eq!(charge.refunds_applied, 1, "charge for hold {}", charge.key);
    }
    let (taken, confirmed): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM seats WHERE show_id = $1 AND status <> 0),
                (SELECT count(*) FROM bookings WHERE show_id = $1 AND doc->'status'->>'status' = 'confirmed')",
    )
    .bind(show.as_uuid())
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!((taken, confirmed), (0, 0), "no seat held or booked");
    let counts = f.engine.availability(show).await.unwrap();
    assert_eq!((counts.held, counts.booked), (0, 0));

    // Again, later: nothing more to refund, the same cancellation.
    f.advance(time::Duration::minutes(10));
    assert_eq!(f.sweeper_tick().await, 0);
    f.engine.cancel_show(show, &reason).await.unwrap();
    assert_eq!(f.sweeper_tick().await, 0);
    let after = f.gateway.ledger();
    assert_eq!(after.len(), ledger.len(), "no charge after the cancel");
    assert!(after.iter().all(|charge| charge.refunds_applied == 1));
}

/// Payments on one show are written in batches (`show_tx/kept.rs`): the
/// same hold paid by many at once, in one batch or across batches, still
/// gets exactly one booking, the one every payer is answered with.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn paying_one_hold_many_times_at_once_books_it_once() {
    use reservation_core::SeatFilter;

    const HOLDS: usize = 24;
    const PAYERS: usize = 6;

    let (store, _) = store_with_pool(CLIENTS as u32).await;
    let f = Arc::new(Fixture::seed(store.clone()).await);
    let (show, _) = f.add_grid_show(10, 20, 0).await;
    let mut holds = Vec::new();
    for _ in 0..HOLDS {
        let me = HolderId::random();
        let hold = f
            .hold_best(show, me, 3, SeatFilter::default())
            .await
            .unwrap();
        holds.push((me, hold));
    }
    let mut payers = Vec::new();
    for (me, hold) in &holds {
        for _ in 0..PAYERS {
            let (f, token, me) = (f.clone(), hold.token.clone(), *me);
            payers.push(tokio::spawn(async move {
                let booking = f.engine.confirm(&token, me, f.card()).await.unwrap();
                (booking.hold, booking.id, booking.tickets.len())
            }));
        }
    }
    let mut answers = std::collections::HashMap::new();
    for payer in payers {
        let (hold, booking, tickets) = payer.await.unwrap();
        assert_eq!(tickets, 3);
        assert_eq!(
            *answers.entry(hold).or_insert(booking),
            booking,
            "hold {hold}"
        );
    }
    assert_eq!(answers.len(), HOLDS);
    let (bookings, tickets, booked_seats, confirmed_holds): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM bookings WHERE show_id = $1),
                (SELECT count(*) FROM tickets WHERE show_id = $1),
                (SELECT count(*) FROM seats WHERE show_id = $1 AND status = 2),
                (SELECT count(*) FROM holds WHERE show_id = $1 AND state = 2)",
    )
    .bind(show.as_uuid())
    .fetch_one(store.pool())
    .await
    .unwrap();
    let expected = (
        HOLDS as i64,
        3 * HOLDS as i64,
        3 * HOLDS as i64,
        HOLDS as i64,
    );
    assert_eq!((bookings, tickets, booked_seats, confirmed_holds), expected);
    assert_eq!(f.gateway.ledger().len(), HOLDS, "one charge per hold");
    // Every attempt was written and settled by its booking: none is left
    // for the sweeper to refund.
    let (attempts, open): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE settled_at IS NULL) FROM checkouts
         WHERE show_id = $1",
    )
    .bind(show.as_uuid())
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!((attempts, open), (HOLDS as i64, 0));
    let map = f.engine.seat_map(show, None).await.unwrap();
    assert_eq!(map.counts.booked, 3 * HOLDS as u32);
    assert_eq!(map.counts.held, 0);
}
