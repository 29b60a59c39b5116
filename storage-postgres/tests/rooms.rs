//! Waiting rooms on a real database: several instances joining and pacing
//! at once, and a restart mid-line. (The scenarios every store passes are
//! in `waiting_room.rs`.)

#![allow(clippy::unwrap_used)] // a test may panic on setup failure

use std::collections::{BTreeSet, HashMap};

use reservation_core::testkit::Fixture;
use reservation_core::waiting_room::{Pace, Pacer, Place, RoomConfig, Standing, WaitingRoomStore};
use reservation_core::{HolderId, Policy, ShowId};
use sqlx::postgres::PgPoolOptions;
use storage_postgres::PgStore;
use storage_postgres::testing::fresh_database;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// `n` app instances on the database at `url`, with small pools.
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

/// Reads `show`'s facts into every instance's cache: a thousand requests
/// missing it at once would each parse the hall (`PgStore::meta` does not
/// coalesce concurrent loads), which in a debug build starves the runtime.
async fn warm(stores: &[PgStore], show: ShowId, now: OffsetDateTime) {
    for store in stores {
        store.room(show, now).await.unwrap();
    }
}

fn position(place: &Place) -> u64 {
    match place.standing {
        Standing::Queued { position, .. } => position,
        other => panic!("queued, not {other:?}"),
    }
}

/// Every visitor row of `show`: (visitor, state, number, admitted_until).
async fn rows(
    store: &PgStore,
    show: ShowId,
) -> Vec<(Uuid, i16, Option<i64>, Option<OffsetDateTime>)> {
    sqlx::query_as(
        "SELECT visitor, state, number, admitted_until FROM room_visitors
         WHERE show_id = $1 ORDER BY number",
    )
    .bind(show.as_uuid())
    .fetch_all(store.pool())
    .await
    .unwrap()
}

/// Joins `visitors` all at once, each twice through two instances; returns
/// both answers per visitor.
async fn join_twice_at_once(
    stores: &[PgStore],
    show: ShowId,
    visitors: &[HolderId],
    now: OffsetDateTime,
) -> Vec<(HolderId, Place, Place)> {
    let tasks: Vec<_> = visitors
        .iter()
        .enumerate()
        .map(|(i, &visitor)| {
            let one = stores[i % stores.len()].clone();
            let two = stores[(i + 1) % stores.len()].clone();
            tokio::spawn(async move {
                let (a, b) =
                    tokio::join!(one.join(show, visitor, now), two.join(show, visitor, now));
                (visitor, a.unwrap(), b.unwrap())
            })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    answers
}

/// 1,000 visitors join at once through three instances (each visitor twice,
/// through two of them) before the sale, 300 more after it: everyone has
/// one place, the draw numbers the lobby 1..=1000 and the later ones follow
/// without gap or duplicate; one after another, arrivals line up in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn joins_on_three_instances_give_each_visitor_one_dense_place() {
    let url = fresh_database().await.unwrap();
    let stores = instances(&url, 3, 8).await;
    let f = Fixture::seed(stores[0].clone()).await;
    let (show, _) = f.add_grid_show(50, 40, 0).await;
    let t0 = f.now();
    let config = RoomConfig::new(
        t0,
        t0 + Duration::minutes(1),
        Pace::new(None, Some(600)).unwrap(),
    )
    .unwrap();
    stores[0].open_room(show, config, t0).await.unwrap();
    warm(&stores, show, t0).await;

    let lobby: Vec<HolderId> = (0..1000).map(|_| HolderId::random()).collect();
    for (_, a, b) in join_twice_at_once(&stores, show, &lobby, t0 + Duration::seconds(5)).await {
        assert_eq!((a.standing, b.standing), (Standing::Lobby, Standing::Lobby));
    }
    assert_eq!(rows(&stores[0], show).await.len(), 1000, "one row each");

    // The first read after the sale opens draws, whichever instance serves it.
    let t1 = t0 + Duration::seconds(61);
    // Everyone reads at once: the instances race to draw, once.
    let reads: Vec<_> = lobby
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let store = stores[(i + 2) % 3].clone();
            tokio::spawn(async move { store.place(show, v, t1).await.unwrap() })
        })
        .collect();
    let mut places = BTreeSet::new();
    for read in reads {
        assert!(
            places.insert(position(&read.await.unwrap())),
            "a duplicate place"
        );
    }
    assert_eq!(places, (1..=1000).collect(), "places are 1..=1000");
    let numbers: BTreeSet<i64> = rows(&stores[1], show)
        .await
        .iter()
        .map(|r| r.2.unwrap())
        .collect();
    assert_eq!(numbers, (1..=1000).collect(), "numbers are 1..=1000");

    let late: Vec<HolderId> = (0..300).map(|_| HolderId::random()).collect();
    let answers = join_twice_at_once(&stores, show, &late, t1).await;
    let mut late_places = BTreeSet::new();
    for (_, a, b) in &answers {
        assert_eq!(position(a), position(b), "joining again returns the place");
        late_places.insert(position(a));
    }
    assert_eq!(
        late_places,
        (1001..=1300).collect(),
        "behind the lobby, dense"
    );

    // One after another, through alternating instances: arrival order.
    for (i, expected) in (1301..=1330).enumerate() {
        let place = stores[i % 3]
            .join(show, HolderId::random(), t1 + Duration::seconds(1))
            .await
            .unwrap();
        assert_eq!(position(&place), expected);
    }
    let all = rows(&stores[2], show).await;
    let numbers: Vec<i64> = all.iter().map(|r| r.2.unwrap()).collect();
    assert_eq!(numbers, (1..=1330).collect::<Vec<_>>());
    let line = stores[0].place(show, lobby[0], t1).await.unwrap().line;
    assert_eq!(line.waiting, 1330);
}

/// Three instances pace one room at the same instants for three simulated
/// minutes: together they admit exactly what one pacer allows, each visitor
/// once, in number order.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_pacers_admit_what_one_would_in_line_order() {
    let url = fresh_database().await.unwrap();
    let stores = instances(&url, 3, 8).await;
    let f = Fixture::seed(stores[0].clone()).await;
    let (show, _) = f.add_grid_show(50, 40, 0).await;
    let t0 = f.now();
    let pace = Pace::new(None, Some(90)).unwrap();
    let sale = t0 + Duration::seconds(10);
    let config = RoomConfig::new(t0, sale, pace).unwrap();
    stores[0].open_room(show, config, t0).await.unwrap();
    warm(&stores, show, t0).await;
    let visitors: Vec<HolderId> = (0..600).map(|_| HolderId::random()).collect();
    join_twice_at_once(&stores, show, &visitors, t0).await;

    let mut lone = Pacer::new(pace, sale);
    let (mut expected, mut total) = (0u64, 0u64);
    for second in 0..=190 {
        let now = t0 + Duration::seconds(second);
        if now >= sale {
            let occupancy = reservation_core::waiting_room::Occupancy {
                active: u32::try_from(expected).unwrap(),
                free_seats: 2000,
            };
            let n = lone.allowance(pace, now, occupancy);
            lone.spend(pace, now, n);
            expected += u64::from(n);
        }
        let racing: Vec<_> = stores
            .iter()
            .map(|s| {
                let s = s.clone();
                tokio::spawn(async move { s.pace_rooms(now).await.unwrap() })
            })
            .collect();
        for pacer in racing {
            total += pacer.await.unwrap();
        }
        if second % 60 == 59 {
            for (i, v) in visitors.iter().enumerate() {
                stores[i % 3].place(show, *v, now).await.unwrap();
            }
        }
    }
    assert!(expected > 250, "the test paces for a while: {expected}");
    assert_eq!(total, expected, "admitted what one pacer allows");

    let all = rows(&stores[0], show).await;
    let mut admitted: Vec<(i64, OffsetDateTime)> = all
        .iter()
        .filter(|r| r.1 == 2)
        .map(|r| (r.2.unwrap(), r.3.unwrap()))
        .collect();
    admitted.sort();
    assert_eq!(admitted.len() as u64, total, "each admitted once");
    let numbers: Vec<i64> = admitted.iter().map(|a| a.0).collect();
    assert_eq!(
        numbers,
        (1..=total as i64).collect::<Vec<_>>(),
        "in number order"
    );
    assert!(
        admitted.windows(2).all(|w| w[0].1 <= w[1].1),
        "no later number admitted before an earlier one"
    );
    let line = stores[1]
        .place(show, visitors[0], t0 + Duration::seconds(190))
        .await;
    assert_eq!(line.unwrap().line.admitted, total);
}

/// A restart mid-line: a new store on the same database finds every place,
/// number and admission, and pacing goes on from where it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_line_survives_a_restart() {
    let url = fresh_database().await.unwrap();
    let first = instances(&url, 1, 8).await.remove(0);
    let f = Fixture::seed(first.clone()).await;
    let (show, _) = f.add_grid_show(10, 10, 0).await;
    let t0 = f.now();
    let config = RoomConfig::new(
        t0,
        t0 + Duration::seconds(30),
        Pace::new(Some(5), None).unwrap(),
    )
    .unwrap();
    first.open_room(show, config, t0).await.unwrap();
    let mut visitors = Vec::new();
    for _ in 0..40 {
        let visitor = HolderId::random();
        first.join(show, visitor, t0).await.unwrap();
        visitors.push(visitor);
    }
    let t1 = t0 + Duration::seconds(30);
    assert_eq!(first.pace_rooms(t1).await.unwrap(), 5);
    let mut leaver = None;
    for v in &visitors {
        if matches!(
            first.place(show, *v, t1).await.unwrap().standing,
            Standing::Queued { .. }
        ) {
            leaver = Some(*v);
            break;
        }
    }
    first.leave(show, leaver.unwrap(), t1).await.unwrap();
    let late = HolderId::random();
    first.join(show, late, t1).await.unwrap();
    visitors.push(late);
    let mut before: HashMap<HolderId, Place> = HashMap::new();
    for v in &visitors {
        before.insert(*v, first.place(show, *v, t1).await.unwrap());
    }
    let rows_before = rows(&first, show).await;
    first.pool().close().await;
    drop(f);
    drop(first);

    let second = PgStore::connect(&url, Policy::default()).await.unwrap();
    assert_eq!(rows(&second, show).await, rows_before);
    for v in &visitors {
        assert_eq!(second.place(show, *v, t1).await.unwrap(), before[v]);
    }
    // Five shoppers are in: nobody more until one finishes.
    let t2 = t1 + Duration::seconds(1);
    assert_eq!(second.pace_rooms(t2).await.unwrap(), 0);
    let shopper = visitors
        .iter()
        .find(|v| matches!(before[*v].standing, Standing::Admitted { .. }))
        .unwrap();
    second.finish(show, *shopper, t2).await.unwrap();
    assert_eq!(second.pace_rooms(t2).await.unwrap(), 1);
    let next = visitors
        .iter()
        .find(|v| matches!(before[*v].standing, Standing::Queued { position: 1, .. }))
        .unwrap();
    assert!(matches!(
        second.place(show, *next, t2).await.unwrap().standing,
        Standing::Admitted { .. }
    ));
    let admitted = rows(&second, show)
        .await
        .iter()
        .filter(|r| r.1 == 2 || r.1 == 6)
        .count();
    assert_eq!(admitted, 6, "five before the restart, one after");
}

/// Positions are ranks among the queued, across the position buckets
/// (1,024 numbers each): 3,000 in line, every seventh left, the first
/// hundred admitted.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn positions_are_ranks_across_buckets() {
    let url = fresh_database().await.unwrap();
    let stores = instances(&url, 1, 16).await;
    let store = &stores[0];
    let f = Fixture::seed(store.clone()).await;
    let (show, _) = f.add_grid_show(50, 40, 0).await;
    let t0 = f.now();
    let config = RoomConfig::new(t0, t0, Pace::new(Some(100), None).unwrap()).unwrap();
    store.open_room(show, config, t0).await.unwrap();
    warm(&stores, show, t0).await;
    let visitors: Vec<HolderId> = (0..3000).map(|_| HolderId::random()).collect();
    join_twice_at_once(&stores, show, &visitors, t0).await;
    let by_number: HashMap<Uuid, i64> = rows(store, show)
        .await
        .iter()
        .map(|r| (r.0, r.2.unwrap()))
        .collect();
    let mut line: Vec<HolderId> = visitors.clone();
    line.sort_by_key(|v| by_number[&v.as_uuid()]);
    for v in line.iter().step_by(7) {
        store.leave(show, *v, t0).await.unwrap();
    }
    assert_eq!(store.pace_rooms(t0).await.unwrap(), 100);
    let queued: Vec<HolderId> = line
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 7 != 0)
        .map(|(_, v)| *v)
        .skip(100)
        .collect();
    for (rank, v) in queued.iter().enumerate() {
        let place = store.place(show, *v, t0).await.unwrap();
        assert_eq!(
            position(&place),
            rank as u64 + 1,
            "number {}",
            by_number[&v.as_uuid()]
        );
    }
    assert_eq!(
        store.place(show, queued[0], t0).await.unwrap().line.waiting,
        queued.len() as u64
    );
}

/// Seats freed by an expired hold show in status reads and joins at once,
/// with no sweep run: the read settles the show first.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reads_report_the_seats_an_expired_hold_freed() {
    let url = fresh_database().await.unwrap();
    let store = instances(&url, 1, 8).await.remove(0);
    let f = Fixture::seed(store.clone()).await;
    let t0 = f.now();
    let config = RoomConfig::new(t0, t0, Pace::new(Some(5), None).unwrap()).unwrap();
    store.open_room(f.small_show, config, t0).await.unwrap();
    let me = HolderId::random();
    store.join(f.small_show, me, t0).await.unwrap();
    f.hold_best(
        f.small_show,
        HolderId::random(),
        8,
        reservation_core::SeatFilter::default(),
    )
    .await
    .unwrap();
    let held = store.place(f.small_show, me, t0).await.unwrap().line;
    assert_eq!((held.seats_free, held.seats_held), (0, 8));
    let freed = f.free_at_from_now();
    let line = store.place(f.small_show, me, freed).await.unwrap().line;
    assert_eq!((line.seats_free, line.seats_held), (8, 0));
    let joined = store
        .join(f.small_show, HolderId::random(), freed)
        .await
        .unwrap();
    assert_eq!(joined.line.seats_free, 8);
}
