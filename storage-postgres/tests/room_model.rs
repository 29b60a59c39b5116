//! The PostgreSQL line against the model: random sequences of joins,
//! status reads, leaves, bookings and pacing give the same answers, to the
//! field, as the memory store's line (`reservation_core`'s `Line`).

#![allow(clippy::unwrap_used)] // a test may panic on setup failure

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reservation_core::testkit::{Fixture, policy};
use reservation_core::waiting_room::{Pace, RoomConfig, WaitingRoomStore};
use reservation_core::{Catalog, CatalogAdmin, HolderId, MemoryStore};
use storage_postgres::testing::fresh_store;
use time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn random_operations_match_the_memory_line() {
    let pg = fresh_store(policy()).await.unwrap();
    let f = Fixture::seed(pg.clone()).await;
    // The same show in a memory store.
    let mem = MemoryStore::new(policy());
    let show = pg.show(f.show).await.unwrap();
    mem.add_city(pg.city(f.city).await.unwrap()).await.unwrap();
    mem.add_venue(pg.venue(f.venue).await.unwrap())
        .await
        .unwrap();
    mem.add_hall(f.main_hall.clone()).await.unwrap();
    mem.add_performer(pg.performer(f.performer).await.unwrap())
        .await
        .unwrap();
    mem.add_event(pg.event(f.event).await.unwrap())
        .await
        .unwrap();
    mem.add_show(show.clone()).await.unwrap();

    let mut now = f.now();
    for seed in 0..3u64 {
        let mut rng = StdRng::seed_from_u64(seed);
        let config = RoomConfig::new(now, now, Pace::new(Some(7), Some(40)).unwrap())
            .unwrap()
            .with_grace(Duration::minutes(1))
            .unwrap()
            .with_admission_window(Duration::minutes(2))
            .unwrap();
        // Each seed reopens the room with the line it left.
        let (a, b) = (
            pg.open_room(show.id, config, now).await,
            mem.open_room(show.id, config, now).await,
        );
        assert_eq!(a, b);
        let visitors: Vec<HolderId> = (0..40).map(|_| HolderId::random()).collect();
        for step in 0..400 {
            let v = visitors[rng.random_range(0..visitors.len())];
            let op = rng.random_range(0..100);
            match op {
                0..35 => {
                    let (a, b) = (
                        pg.join(show.id, v, now).await,
                        mem.join(show.id, v, now).await,
                    );
                    assert_eq!(a, b, "seed {seed} step {step}: join");
                }
                35..65 => {
                    let (a, b) = (
                        pg.place(show.id, v, now).await,
                        mem.place(show.id, v, now).await,
                    );
                    assert_eq!(a, b, "seed {seed} step {step}: place");
                }
                65..72 => {
                    let (a, b) = (
                        pg.leave(show.id, v, now).await,
                        mem.leave(show.id, v, now).await,
                    );
                    assert_eq!(a, b, "seed {seed} step {step}: leave");
                }
                72..78 => {
                    let (a, b) = (
                        pg.finish(show.id, v, now).await,
                        mem.finish(show.id, v, now).await,
                    );
                    assert_eq!(a, b, "seed {seed} step {step}: finish");
                }
                _ => {
                    // At least a sixteenth of the grace: the PostgreSQL
                    // store records check-ins that far apart. Time moves
                    // only with a pace, so no admission has run out
                    // unended when someone joins: the memory line loops
                    // forever in `tick` after such a join (see
                    // `rooms.rs`, joining_after_an_admission_ran_out_queues_anew).
                    now += Duration::seconds(rng.random_range(4..20));
                    let (a, b) = (pg.pace_rooms(now).await, mem.pace_rooms(now).await);
                    assert_eq!(a, b, "seed {seed} step {step}: pace");
                }
            }
        }
        // Every visitor's standing at the end.
        for v in &visitors {
            assert_eq!(
                pg.place(show.id, *v, now).await,
                mem.place(show.id, *v, now).await,
                "seed {seed}: final"
            );
        }
        let (a, b) = (
            pg.close_room(show.id, now).await,
            mem.close_room(show.id, now).await,
        );
        assert_eq!(a, b);
    }
}
