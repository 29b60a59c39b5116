//! Several app instances on one database: a subscriber on one instance sees
//! every change made through another, in order, and resumes from a sequence.

#![allow(clippy::unwrap_used)] // a test may panic on setup failure

use std::time::Duration;

use futures_util::StreamExt;
use reservation_core::testkit::Fixture;
use reservation_core::{Change, HolderId, Policy, ReservationStore, Sequence};
use storage_postgres::PgStore;
use storage_postgres::testing::fresh_database;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_on_one_instance_sees_changes_made_through_another() {
    let url = fresh_database().await.unwrap();
    let (one, two) = (
        PgStore::connect(&url, Policy::default()).await.unwrap(),
        PgStore::connect(&url, Policy::default()).await.unwrap(),
    );
    let f = Fixture::seed(one).await;
    let mut live = two.subscribe(f.show, Sequence(0)).await.unwrap();
    let me = HolderId::random();
    let first = f.hold(f.show, me, &["C1", "C2"]).await.unwrap();
    let second = f.hold(f.show, me, &["C3"]).await.unwrap();
    f.engine.confirm(&first.token, me, f.card()).await.unwrap();
    f.engine.release(&second.token, me).await.unwrap();
    let mut seen = Vec::new();
    while seen.len() < 4 {
        let event = tokio::time::timeout(Duration::from_secs(5), live.next())
            .await
            .expect("event within 5 s")
            .unwrap()
            .unwrap();
        seen.push(event);
    }
    let kinds: Vec<(u64, &str)> = seen
        .iter()
        .map(|e| {
            let kind = match e.change {
                Change::Held { .. } => "held",
                Change::Booked { .. } => "booked",
                Change::Released { .. } => "released",
                _ => "other",
            };
            (e.seq.0, kind)
        })
        .collect();
    assert_eq!(
        kinds,
        [(1, "held"), (2, "held"), (3, "booked"), (4, "released")]
    );
    // A reconnecting browser resumes after the last sequence it saw.
    let mut resumed = two.subscribe(f.show, Sequence(2)).await.unwrap();
    let next = tokio::time::timeout(Duration::from_secs(5), resumed.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(next.seq, Sequence(3));
}
