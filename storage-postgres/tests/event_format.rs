//! The outbox keeps each change with its wire-format version: changes
//! stored before versions existed, and by every version this build knows,
//! still read back; a change from a newer build is a storage error, never
//! a guess.

#![allow(clippy::unwrap_used)] // a test may panic on setup failure

use reservation_core::events::wire;
use reservation_core::testkit::Fixture;
use reservation_core::{Change, Policy, ReservationError, ReservationStore, Sequence};
use storage_postgres::testing::fresh_store;

/// Version 1 events as the core's fixtures keep them.
const FORMAT_1: &str = include_str!("../../reservation-core/tests/fixtures/events/format-1.json");

#[tokio::test]
async fn changes_stored_before_versions_read_back_and_newer_ones_are_refused() {
    let store = fresh_store(Policy::default()).await.unwrap();
    let f = Fixture::seed(store.clone()).await;
    f.hold(f.show, reservation_core::HolderId::random(), &["A1"])
        .await
        .unwrap();
    let docs: Vec<serde_json::Value> = serde_json::from_str(FORMAT_1).unwrap();
    let changes: Vec<serde_json::Value> = docs.iter().map(|d| d["change"].clone()).collect();

    // Written as the outbox was before versions: no `v` column.
    let last = 1 + changes.len() as i64;
    sqlx::query(
        "INSERT INTO show_events (show_id, seq, at, change)
         SELECT $1, 1 + n, now(), doc FROM unnest($2::jsonb[]) WITH ORDINALITY AS d(doc, n)",
    )
    .bind(f.show.as_uuid())
    .bind(&changes)
    .execute(store.pool())
    .await
    .unwrap();
    sqlx::query("UPDATE show_state SET last_seq = $2 WHERE show_id = $1")
        .bind(f.show.as_uuid())
        .bind(last)
        .execute(store.pool())
        .await
        .unwrap();

    let read = store.events_since(f.show, Sequence(1), 100).await.unwrap();
    let want: Vec<Change> = changes
        .iter()
        .map(|doc| wire::decode_change(1, doc.clone()).unwrap())
        .collect();
    let got: Vec<Change> = read.into_iter().map(|e| e.change).collect();
    assert_eq!(got, want);
    // What this build writes is marked with its format.
    let format: i16 =
        sqlx::query_scalar("SELECT v FROM show_events WHERE show_id = $1 AND seq = 1")
            .bind(f.show.as_uuid())
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert_eq!(format, i16::try_from(wire::FORMAT).unwrap());

    // A newer build's change: refused as a storage failure.
    sqlx::query("UPDATE show_events SET v = $2 WHERE show_id = $1 AND seq = $3")
        .bind(f.show.as_uuid())
        .bind(i16::try_from(wire::FORMAT + 1).unwrap())
        .bind(last)
        .execute(store.pool())
        .await
        .unwrap();
    match store.events_since(f.show, Sequence(1), 100).await {
        Err(ReservationError::Storage(failure)) => {
            assert!(failure.to_string().contains("format"), "{failure}");
        }
        other => panic!("a newer format must not decode: {other:?}"),
    }
    // And the schema refuses a version that never existed.
    let zero = sqlx::query("UPDATE show_events SET v = 0 WHERE show_id = $1 AND seq = 1")
        .bind(f.show.as_uuid())
        .execute(store.pool())
        .await;
    assert!(zero.is_err());
}
