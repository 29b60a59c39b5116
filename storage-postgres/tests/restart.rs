//! A restart: the pool is closed mid-flow (with requests in flight), a new
//! store connects to the same database, and holds and the waitlist are intact
//! and expire on time.

#![allow(clippy::unwrap_used)] // a test may panic on setup failure

use std::sync::Arc;

use reservation_core::testkit::Fixture;
use reservation_core::{
    Clock, HoldRequest, HoldState, HolderId, Policy, ReservationError, ReservationStore, SeatCount,
    SeatList, SeatSelection, WaitRequest, WaitStatus,
};
use sqlx::Connection;
use sqlx::postgres::PgPoolOptions;
use storage_postgres::PgStore;
use storage_postgres::testing::fresh_database;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn holds_and_waitlist_survive_a_restart_and_expire_on_time() {
    let url = fresh_database().await.unwrap();
    let first = PgStore::from_pool(
        PgPoolOptions::new()
            .max_connections(16)
            .connect(&url)
            .await
            .unwrap(),
        Policy::default(),
    )
    .await
    .unwrap();
    let f = Arc::new(Fixture::seed(first.clone()).await);
    let (buyer, waiter) = (HolderId::random(), HolderId::random());
    let hold = f
        .hold(
            f.small_show,
            buyer,
            &["A1", "A2", "A3", "A4", "B1", "B2", "B3", "B4"],
        )
        .await
        .unwrap();
    let request = WaitRequest::new(f.small_show, waiter, SeatCount::new(2).unwrap());
    let wait = f.engine.join_waitlist(&request).await.unwrap();

    // Requests in flight when the pool goes away either happen completely or not at all.
    let in_flight: Vec<_> = (1..=10)
        .map(|n| {
            let f = Arc::clone(&f);
            tokio::spawn(async move {
                let seats = SeatList::new(f.seats(f.show, &[format!("F{n}").as_str()])).unwrap();
                f.engine
                    .hold(&HoldRequest::new(
                        f.show,
                        HolderId::random(),
                        SeatSelection::Seats(seats),
                    ))
                    .await
            })
        })
        .collect();
    // Let some of them reach the database before it goes away.
    tokio::time::sleep(std::time::Duration::from_millis(15)).await;
    first.pool().close().await;
    let mut succeeded = 0;
    for request in in_flight {
        match request.await.unwrap() {
            Ok(_) => succeeded += 1,
            Err(ReservationError::Storage(_)) => {}
            Err(other) => panic!("unexpected refusal: {other}"),
        }
    }

    // Restart: a new store on the same database.
    let clock = f.clock.clone();
    let (show, small_show, policy) = (f.show, f.small_show, f.policy);
    drop(f);
    let second = PgStore::connect(&url, Policy::default()).await.unwrap();
    assert_eq!(
        second.availability(show, clock.now()).await.unwrap().held,
        succeeded,
        "in-flight holds are all or nothing"
    );
    let status = second
        .hold_status(&hold.token, buyer, clock.now())
        .await
        .unwrap();
    assert_eq!(
        (status.state, status.expires_at),
        (HoldState::Active, hold.expires_at)
    );
    let WaitStatus::Waiting { position, .. } = second
        .wait_status(wait.id, waiter, clock.now())
        .await
        .unwrap()
    else {
        panic!("the waiter is still in line")
    };
    assert_eq!(position, 1);

    // On time: held until expires_at + grace, then the waiter is served.
    clock.set(hold.expires_at + policy.grace - time::Duration::milliseconds(1));
    assert_eq!(
        second
            .availability(small_show, clock.now())
            .await
            .unwrap()
            .held,
        8
    );
    clock.set(hold.expires_at + policy.grace);
    assert!(matches!(
        second.hold_status(&hold.token, buyer, clock.now()).await,
        Err(ReservationError::HoldExpired)
    ));
    let WaitStatus::Offered { hold: offer } = second
        .wait_status(wait.id, waiter, clock.now())
        .await
        .unwrap()
    else {
        panic!("the waiter gets the freed seats")
    };
    assert_eq!(offer.seats.len(), 2);
    println!(
        "restart: {succeeded} of 10 in-flight holds committed before the pool closed; hold and waitlist intact"
    );
}

/// The name of `store`'s database, and a connection to the server's admin
/// database.
async fn database_and_admin(store: &PgStore) -> (String, sqlx::PgConnection) {
    let database: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(store.pool())
        .await
        .unwrap();
    let admin = sqlx::PgConnection::connect(&storage_postgres::testing::server_url())
        .await
        .unwrap();
    (database, admin)
}

/// Drops every connection of `store`'s database but the caller's, as a
/// restart or failover of the server does.
async fn drop_connections(store: &PgStore) {
    let (database, mut admin) = database_and_admin(store).await;
    let dropped: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = $1 AND pid <> pg_backend_pid()",
    )
    .bind(&database)
    .fetch_all(&mut admin)
    .await
    .unwrap();
    assert!(dropped.len() >= 3, "idle connections were dropped");
}

/// Opens three connections and waits until all are idle in the pool.
async fn idle_connections(store: &PgStore) {
    let mut open = Vec::new();
    for _ in 0..3 {
        open.push(store.pool().acquire().await.unwrap());
    }
    drop(open);
    while store.pool().num_idle() < 3 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}

/// The server drops the pool's idle connections: connections idle a while
/// are checked before use, and transactions on a just-dropped one take
/// another, so neither holds nor reads fail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_the_server_dropped_fail_no_request() {
    let url = fresh_database().await.unwrap();
    let store = PgStore::connect(&url, Policy::default()).await.unwrap();
    let f = Fixture::seed(store.clone()).await;
    f.hold(f.show, HolderId::random(), &["A1"]).await.unwrap();

    // Dropped just now: not yet due for a check.
    idle_connections(&store).await;
    drop_connections(&store).await;
    for n in 1..=4 {
        let seat = format!("B{n}");
        f.hold(f.show, HolderId::random(), &[seat.as_str()])
            .await
            .unwrap();
    }

    // Dropped and idle past the check.
    idle_connections(&store).await;
    drop_connections(&store).await;
    tokio::time::sleep(storage_postgres::CHECK_IDLE_AFTER).await;
    // A plain read (no transaction of the store's) first.
    store.last_sequence(f.show).await.unwrap();
    assert_eq!(f.engine.availability(f.show).await.unwrap().held, 5);
}

/// The database refuses connections before a process's first search: the
/// search fails with a storage error within its wait, rather than hang the
/// request until the database is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_fails_rather_than_hangs_while_the_database_refuses_connections() {
    use reservation_core::Catalog;
    use reservation_core::catalog::search::{SearchError, SearchQuery};

    let url = fresh_database().await.unwrap();
    let store = PgStore::connect(&url, Policy::default()).await.unwrap();
    idle_connections(&store).await;
    let (database, mut admin) = database_and_admin(&store).await;
    sqlx::query(&format!(
        "ALTER DATABASE {database} ALLOW_CONNECTIONS false"
    ))
    .execute(&mut admin)
    .await
    .unwrap();
    drop_connections(&store).await;

    let outcome = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        store.search(&SearchQuery::default()),
    )
    .await
    .expect("an answer, not a hang");
    assert!(
        matches!(outcome, Err(SearchError::Storage(_))),
        "{outcome:?}"
    );

    sqlx::query(&format!("ALTER DATABASE {database} ALLOW_CONNECTIONS true"))
        .execute(&mut admin)
        .await
        .unwrap();
}
