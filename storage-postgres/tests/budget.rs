//! The connection budget: when requests hold every connection of an
//! instance's request pool, further requests are answered within the
//! acquire timeout, and the instance's background work (sweeping, and the
//! wake-ups that tell other instances' subscribers) goes on through its
//! reserved connections.

#![allow(clippy::unwrap_used)] // a test may panic on setup failure

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use reservation_core::testkit::Fixture;
use reservation_core::{Change, Clock, HolderId, Policy, ReservationError, ReservationStore};
use storage_postgres::testing::fresh_database;
use storage_postgres::{PgStore, PoolConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn requests_that_exhaust_the_pool_starve_neither_the_sweeper_nor_other_instances() {
    let url = fresh_database().await.unwrap();
    let acquire = Duration::from_millis(500);
    let config = PoolConfig::default()
        .with_max_connections(2)
        .with_acquire_timeout(acquire);
    let busy = PgStore::connect_with(&url, Policy::default(), &config)
        .await
        .unwrap();
    let f = Fixture::seed(busy.clone()).await;
    let hold = f.hold(f.show, HolderId::random(), &["A1"]).await.unwrap();

    // Another instance watches the show.
    let other = PgStore::connect(&url, Policy::default()).await.unwrap();
    let after = other.last_sequence(f.show).await.unwrap();
    let mut events = other.subscribe(f.show, after).await.unwrap();

    // Requests hold every connection of `busy`'s pool.
    let _first = busy.pool().acquire().await.unwrap();
    let _second = busy.pool().acquire().await.unwrap();
    let asked = Instant::now();
    let refused = f.hold(f.show, HolderId::random(), &["B1"]).await;
    let waited = asked.elapsed();
    assert!(
        matches!(refused, Err(ReservationError::Storage(_))),
        "a request with no connection to be had: {refused:?}"
    );
    assert!(
        waited < acquire * 4,
        "answered within the acquire timeout, not {waited:?}"
    );

    // The sweeper still expires the hold, and the other instance hears of it.
    let later = f.clock.now() + time::Duration::hours(1);
    let swept = busy.background().sweep(later).await.unwrap();
    assert_eq!(
        swept, 1,
        "the sweeper ended the hold on a reserved connection"
    );
    let heard = tokio::time::timeout(Duration::from_secs(10), events.next())
        .await
        .expect("the other instance's subscriber hears of the expiry")
        .unwrap()
        .unwrap();
    assert!(
        matches!(&heard.change, Change::Expired { hold: id, .. } if *id == hold.id),
        "{heard:?}"
    );
}
