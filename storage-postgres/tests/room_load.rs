//! Ad-hoc load measurements of the waiting room (ignored by default):
//!
//! ```text
//! cargo test -p storage-postgres --test room_load -- --ignored --nocapture --test-threads 1
//! ```

#![allow(clippy::unwrap_used)] // a measurement may panic on setup failure
#![allow(clippy::print_stdout)]

use std::time::Instant;

use reservation_core::testkit::Fixture;
use reservation_core::waiting_room::{Pace, RoomConfig, Standing, WaitingRoomStore};
use reservation_core::{HolderId, Policy, ShowId};
use sqlx::postgres::PgPoolOptions;
use storage_postgres::PgStore;
use storage_postgres::testing::fresh_database;
use time::{Duration, OffsetDateTime};

async fn instances(url: &str, n: usize, pool: u32) -> Vec<PgStore> {
    let mut stores = Vec::new();
    for _ in 0..n {
        let pool = PgPoolOptions::new()
            .max_connections(pool)
            .connect(url)
            .await
            .unwrap();
        stores.push(PgStore::from_pool(pool, Policy::default()).await.unwrap());
    }
    stores
}

/// `total` fresh visitors join from `tasks` concurrent tasks spread over
/// `stores`; returns them and the joins per second.
async fn join_many(
    stores: &[PgStore],
    show: ShowId,
    now: OffsetDateTime,
    total: usize,
    tasks: usize,
) -> (Vec<HolderId>, f64) {
    let started = Instant::now();
    let workers: Vec<_> = (0..tasks)
        .map(|t| {
            let store = stores[t % stores.len()].clone();
            tokio::spawn(async move {
                let mut joined = Vec::new();
                for _ in 0..total / tasks {
                    let visitor = HolderId::random();
                    store.join(show, visitor, now).await.unwrap();
                    joined.push(visitor);
                }
                joined
            })
        })
        .collect();
    let mut visitors = Vec::new();
    for worker in workers {
        visitors.extend(worker.await.unwrap());
    }
    let rate = visitors.len() as f64 / started.elapsed().as_secs_f64();
    (visitors, rate)
}

async fn room(stores: &[PgStore], sale_in: Duration) -> (Fixture<PgStore>, ShowId, OffsetDateTime) {
    let f = Fixture::seed(stores[0].clone()).await;
    let (show, _) = f.add_grid_show(50, 40, 0).await;
    let t0 = f.now();
    let config = RoomConfig::new(t0, t0 + sale_in, Pace::new(None, Some(600)).unwrap()).unwrap();
    stores[0].open_room(show, config, t0).await.unwrap();
    for store in stores {
        store.room(show, t0).await.unwrap();
    }
    (f, show, t0)
}

/// Joins per second through three instances, in the lobby and after the
/// draw (numbered under the counters' lock).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "load measurement"]
async fn join_throughput() {
    let url = fresh_database().await.unwrap();
    let stores = instances(&url, 3, 16).await;
    let (_f, show, t0) = room(&stores, Duration::minutes(1)).await;
    let (_, lobby) = join_many(&stores, show, t0, 20_000, 300).await;
    println!("lobby joins: {lobby:.0}/s");
    let after = t0 + Duration::minutes(1);
    let (_, queued) = join_many(&stores, show, after, 20_000, 300).await;
    println!("queue joins (after the draw): {queued:.0}/s");
}

fn percentile(sorted: &[std::time::Duration], p: f64) -> std::time::Duration {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

/// Status reads (place) with 100,000 in line, a fifth of them dropped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "load measurement"]
async fn status_reads_with_100k_in_line() {
    let url = fresh_database().await.unwrap();
    let stores = instances(&url, 1, 16).await;
    let store = &stores[0];
    let (_f, show, t0) = room(&stores, Duration::ZERO).await;
    let (visitors, rate) = join_many(&stores, show, t0, 100_000, 300).await;
    println!("100k joins at {rate:.0}/s");
    // A fifth fall silent and are dropped; some are admitted.
    sqlx::query(
        "UPDATE room_visitors SET last_seen = last_seen - interval '1 hour'
         WHERE show_id = $1 AND random() < 0.2",
    )
    .bind(show.as_uuid())
    .execute(store.pool())
    .await
    .unwrap();
    sqlx::query("VACUUM ANALYZE room_visitors")
        .execute(store.pool())
        .await
        .unwrap();
    let paced = Instant::now();
    let admitted = store.pace_rooms(t0 + Duration::seconds(1)).await.unwrap();
    println!(
        "pace with ~20k silent: {admitted} admitted in {:?}",
        paced.elapsed()
    );
    for (label, at, step, at_once) in [
        ("reads, one at a time", t0 + Duration::seconds(1), 50, 1),
        ("reads, 8 at once", t0 + Duration::seconds(1), 20, 8),
        (
            "reads recording check-ins, one at a time",
            t0 + Duration::seconds(30),
            50,
            1,
        ),
        (
            "reads recording check-ins, 8 at once",
            t0 + Duration::seconds(60),
            20,
            8,
        ),
    ] {
        let sample: Vec<HolderId> = visitors.iter().step_by(step).copied().collect();
        let started = Instant::now();
        let workers: Vec<_> = sample
            .chunks(sample.len().div_ceil(at_once))
            .map(|chunk| {
                let (store, chunk) = (store.clone(), chunk.to_vec());
                tokio::spawn(async move {
                    let mut times = Vec::new();
                    for v in chunk {
                        let start = Instant::now();
                        let place = store.place(show, v, at).await.unwrap();
                        times.push(start.elapsed());
                        assert!(matches!(
                            place.standing,
                            Standing::Queued { .. } | Standing::Dropped | Standing::Admitted { .. }
                        ));
                    }
                    times
                })
            })
            .collect();
        let mut times = Vec::new();
        for worker in workers {
            times.extend(worker.await.unwrap());
        }
        times.sort();
        println!(
            "{label}: {} in {:?}: p50 {:?}, p99 {:?}, max {:?}",
            times.len(),
            started.elapsed(),
            percentile(&times, 0.5),
            percentile(&times, 0.99),
            times[times.len() - 1]
        );
    }
}
