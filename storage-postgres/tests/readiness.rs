//! Readiness: a store is ready when its database answers and has every
//! migration this build has; a store built without touching the database
//! says why it is not.

#![allow(clippy::unwrap_used)] // a test may panic on setup failure

use std::time::Duration;

use reservation_core::Policy;
use storage_postgres::testing::fresh_database;
use storage_postgres::{NotReady, PgStore, PoolConfig};

#[tokio::test]
async fn ready_means_reachable_with_every_migration() {
    let url = fresh_database().await.unwrap();
    let store = PgStore::connect(&url, Policy::default()).await.unwrap();
    store.check_ready().await.unwrap();

    // A migration gone missing (an older instance's database, a botched
    // restore) is named.
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = 8")
        .execute(store.pool())
        .await
        .unwrap();
    assert!(matches!(
        store.check_ready().await,
        Err(NotReady::Behind { missing: 8 })
    ));

    // Nothing listening: unreachable, and said within the acquire timeout.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = PoolConfig::default().with_acquire_timeout(Duration::from_millis(300));
    let nowhere = PgStore::lazy(
        &format!("postgres://postgres@127.0.0.1:{port}/nowhere"),
        Policy::default(),
        &config,
    )
    .unwrap();
    let started = std::time::Instant::now();
    assert!(matches!(
        nowhere.check_ready().await,
        Err(NotReady::Unreachable(_))
    ));
    assert!(started.elapsed() < Duration::from_secs(2));
}
