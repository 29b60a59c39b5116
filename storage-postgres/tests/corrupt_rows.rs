//! A row that breaks the store's invariants (an unknown code, a seat index
//! outside the hall, a NULL where a value belongs, a negative sequence) is a
//! storage error, never a default. The rows are corrupted by hand, with the
//! tables' CHECK constraints set aside first, as a bug or a hand edit from
//! before them might have left them.

#![allow(clippy::unwrap_used)] // a test may panic on setup failure

use std::fmt::Debug;

use reservation_core::testkit::{Fixture, policy};
use reservation_core::{
    HolderId, ReservationError, ReservationStore, SeatCount, Sequence, WaitRequest,
};
use storage_postgres::PgStore;
use storage_postgres::testing::fresh_store;

async fn fixture() -> Fixture<PgStore> {
    Fixture::seed(fresh_store(policy()).await.unwrap()).await
}

/// Runs `sql` on the fixture's database without the booking path's CHECK
/// constraints.
async fn corrupt(f: &Fixture<PgStore>, sql: &str) {
    sqlx::query(
        "DO $$ DECLARE c record; BEGIN
             FOR c IN SELECT conrelid::regclass AS t, conname FROM pg_constraint
                 WHERE contype = 'c' AND conrelid = ANY (
                     '{show_state,seats,holds,bookings,tickets,waits,show_events}'::regclass[])
             LOOP
                 EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', c.t, c.conname);
             END LOOP;
         END $$",
    )
    .execute(f.store.pool())
    .await
    .unwrap();
    let changed = sqlx::query(sql)
        .execute(f.store.pool())
        .await
        .unwrap()
        .rows_affected();
    assert!(changed > 0, "{sql} changed nothing");
}

#[track_caller]
fn assert_storage_error<T: Debug>(outcome: Result<T, ReservationError>) {
    assert!(
        matches!(outcome, Err(ReservationError::Storage(_))),
        "a corrupt row must be a storage error, got {outcome:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_seat_status_is_a_storage_error() {
    let f = fixture().await;
    f.hold(f.show, HolderId::random(), &["A1"]).await.unwrap();
    corrupt(&f, "UPDATE seats SET status = 7 WHERE status = 1").await;
    assert_storage_error(f.store.seat_map(f.show, None, f.now()).await);
    // Holds read the listed seats too.
    assert_storage_error(f.hold(f.show, HolderId::random(), &["A1"]).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_taken_seat_without_a_holder_is_a_storage_error() {
    let f = fixture().await;
    f.hold(f.show, HolderId::random(), &["A1", "A2"])
        .await
        .unwrap();
    corrupt(&f, "UPDATE seats SET holder = NULL WHERE status = 1").await;
    assert_storage_error(f.store.seat_map(f.show, None, f.now()).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seat_index_outside_the_hall_is_a_storage_error() {
    let f = fixture().await;
    let holder = HolderId::random();
    let hold = f.hold(f.show, holder, &["A1"]).await.unwrap();
    corrupt(&f, "UPDATE holds SET seat_indexes = '{100000}'").await;
    assert_storage_error(f.store.hold_status(&hold.token, holder, f.now()).await);
    corrupt(&f, "UPDATE seats SET seat_index = -1 WHERE status = 1").await;
    assert_storage_error(f.store.seat_map(f.show, None, f.now()).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_negative_sequence_or_count_is_a_storage_error() {
    let f = fixture().await;
    f.hold(f.show, HolderId::random(), &["A1"]).await.unwrap();
    corrupt(&f, "UPDATE show_state SET last_seq = -3").await;
    assert_storage_error(f.store.last_sequence(f.show).await);
    assert_storage_error(f.store.seat_map(f.show, None, f.now()).await);
    assert_storage_error(f.store.availability(f.show, f.now()).await);
    corrupt(&f, "UPDATE show_state SET last_seq = 1, held = -1").await;
    assert_storage_error(f.store.availability(f.show, f.now()).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_hold_state_is_a_storage_error() {
    let f = fixture().await;
    let holder = HolderId::random();
    let hold = f.hold(f.show, holder, &["A1"]).await.unwrap();
    corrupt(&f, "UPDATE holds SET state = 9").await;
    assert_storage_error(f.store.hold_status(&hold.token, holder, f.now()).await);
    assert_storage_error(f.store.release(&hold.token, holder, f.now()).await);
    // A confirmed hold without its booking is no better.
    corrupt(&f, "UPDATE holds SET state = 2, booking_id = NULL").await;
    assert_storage_error(f.store.begin_checkout(&hold.token, holder, f.now()).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_wait_is_a_storage_error() {
    let f = fixture().await;
    let seats = ["A1", "A2", "A3", "A4", "B1", "B2", "B3", "B4"];
    let buyer = HolderId::random();
    let hold = f.hold(f.small_show, buyer, &seats).await.unwrap();
    let waiter = HolderId::random();
    let wait = f
        .engine
        .join_waitlist(&WaitRequest::new(
            f.small_show,
            waiter,
            SeatCount::new(2).unwrap(),
        ))
        .await
        .unwrap();
    corrupt(&f, "UPDATE waits SET state = 2, end_reason = 'bored'").await;
    assert_storage_error(f.store.wait_status(wait.id, waiter, f.now()).await);
    corrupt(&f, "UPDATE waits SET state = 5, end_reason = NULL").await;
    assert_storage_error(f.store.wait_status(wait.id, waiter, f.now()).await);
    // Serving the line reads every waiter: a count of none is corrupt.
    corrupt(&f, "UPDATE waits SET state = 0, seat_count = 0").await;
    assert_storage_error(f.store.release(&hold.token, buyer, f.now()).await);
    assert_eq!(
        f.store.last_sequence(f.small_show).await.unwrap(),
        Sequence(2),
        "the failed release changed nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_sales_state_is_a_storage_error() {
    let f = fixture().await;
    for sql in [
        "UPDATE show_state SET sales = 7",
        "UPDATE show_state SET sales = 1, sales_since = NULL",
        "UPDATE show_state SET sales = 2, sales_since = now(), cancel_reason = '  '",
    ] {
        corrupt(&f, sql).await;
        // Every operation reads the state under the show's lock, and a
        // seat map reads it without.
        assert_storage_error(f.hold(f.show, HolderId::random(), &["A1"]).await);
        assert_storage_error(f.store.seat_map(f.show, None, f.now()).await);
    }
}

/// Counters that say fewer seats are held than a hold has (the seats and
/// the counts disagree) fail the release that would take them below zero,
/// and nothing is kept: never a count wrapped around to four billion.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counters_below_a_holds_seats_are_a_storage_error() {
    let f = fixture().await;
    let me = HolderId::random();
    let hold = f.hold(f.show, me, &["A1", "A2"]).await.unwrap();
    corrupt(&f, "UPDATE show_state SET held = 1").await;
    assert_storage_error(f.engine.release(&hold.token, me).await);
    let (held, available): (i32, i32) =
        sqlx::query_as("SELECT held, available FROM show_state WHERE show_id = $1")
            .bind(f.show.as_uuid())
            .fetch_one(f.store.pool())
            .await
            .unwrap();
    assert_eq!(held, 1, "the failed release changed no count");
    assert!(available >= 0);
    assert!(
        f.engine.hold_status(&hold.token, me).await.is_ok(),
        "the hold stands"
    );
}

/// The error a statement fails with: the CHECK constraint it broke.
async fn broken_check(f: &Fixture<PgStore>, sql: &str) -> Option<String> {
    let error = sqlx::query(sql).execute(f.store.pool()).await.err()?;
    error
        .as_database_error()
        .and_then(|e| e.constraint())
        .map(str::to_owned)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tables_refuse_codes_the_store_never_writes() {
    let f = fixture().await;
    let buyer = HolderId::random();
    let seats = ["A1", "A2", "A3", "A4", "B1", "B2", "B3", "B4"];
    f.hold(f.small_show, buyer, &seats).await.unwrap();
    f.engine
        .join_waitlist(&WaitRequest::new(
            f.small_show,
            HolderId::random(),
            SeatCount::new(2).unwrap(),
        ))
        .await
        .unwrap();
    for (sql, constraint) in [
        (
            "UPDATE seats SET status = 7 WHERE status = 1",
            "seats_status_code",
        ),
        (
            "UPDATE seats SET holder = NULL WHERE status = 1",
            "seats_holder_iff_taken",
        ),
        ("UPDATE holds SET state = 9", "holds_state_code"),
        ("UPDATE holds SET state = 2", "holds_booking_iff_confirmed"),
        ("UPDATE holds SET seat_indexes = '{-1}'", "holds_seats"),
        ("UPDATE waits SET state = 5", "waits_state_code"),
        ("UPDATE waits SET seat_count = 0", "waits_seat_count_range"),
        ("UPDATE waits SET state = 2", "waits_end_reason"),
        ("UPDATE show_state SET last_seq = -1", "show_state_counts"),
        ("UPDATE show_events SET seq = 0", "show_events_seq_range"),
        ("UPDATE show_state SET sales = 3", "show_state_sales_code"),
        ("UPDATE show_state SET sales = 1", "show_state_sales_since"),
        (
            "UPDATE show_state SET sales = 2, sales_since = now()",
            "show_state_cancel_reason",
        ),
    ] {
        assert_eq!(
            broken_check(&f, sql).await.as_deref(),
            Some(constraint),
            "{sql}"
        );
    }
}
