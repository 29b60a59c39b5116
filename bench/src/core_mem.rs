//! core-mem: holds of 4 seats, then a release (or, one time in
//! [`CONFIRM_EVERY`], a payment), through the engine on the in-memory store,
//! beside a bare `Mutex<HashMap<seat, state>>` making the same writes.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use reservation_core::payment::CardNumber;
use reservation_core::testkit::Fixture;
use reservation_core::{
    Clock, HoldRequest, HolderId, MemoryStore, Policy, Reservations, SeatId, SeatList,
    SeatSelection, ShowId,
};

use crate::report::Row;

/// One hold in this many is paid for; the others are released.
const CONFIRM_EVERY: u64 = 64;
/// Seats per hold.
const SEATS: usize = 4;

/// A thread's walk over seats: release puts a block back, payment moves on.
struct Blocks {
    shows: Vec<(ShowId, Vec<SeatId>)>,
    show: usize,
    at: usize,
}

impl Blocks {
    fn current(&self) -> (ShowId, &[SeatId]) {
        let (show, seats) = &self.shows[self.show];
        (*show, &seats[self.at..self.at + SEATS])
    }

    /// After a payment: the next block, or `false` when every show is sold.
    fn advance(&mut self) -> bool {
        self.at += SEATS;
        if self.at + SEATS > self.shows[self.show].1.len() {
            self.at = 0;
            self.show += 1;
        }
        self.show < self.shows.len()
    }
}

/// Runs both sides at 1 and 2 threads for `run` each.
pub(crate) async fn run(run: Duration, rows: &mut Vec<Row>, progress: &indicatif::ProgressBar) {
    for threads in [1, 2] {
        let engine = engine_holds_per_second(threads, run).await;
        progress.inc(1);
        let bare = bare_map_holds_per_second(threads, run);
        progress.inc(1);
        rows.push(Row::ratio(
            "core-mem",
            &format!("{threads} thread(s): engine vs Mutex<HashMap>"),
            "holds/s",
            engine,
            bare,
            ">= 1,000,000 holds/s; >= 0.5x",
        ));
    }
}

/// Shows enough for `run` at a few million holds a second.
async fn shows(f: &Fixture<MemoryStore>, run: Duration) -> Vec<(ShowId, Vec<SeatId>)> {
    let needed = (run.as_secs_f64() * 4_000_000.0 / CONFIRM_EVERY as f64 * SEATS as f64 / 2000.0)
        .ceil() as usize
        + 1;
    let mut shows = Vec::with_capacity(needed);
    for _ in 0..needed {
        let (show, hall) = f.add_grid_show(40, 50, 0).await;
        shows.push((show, hall.plan().seats().iter().map(|s| s.id).collect()));
    }
    shows
}

/// The fixture's time, frozen: the bench measures the engine, not a clock
/// behind a mutex shared by the threads.
struct Frozen(time::OffsetDateTime);

impl Clock for Frozen {
    fn now(&self) -> time::OffsetDateTime {
        self.0
    }
}

async fn engine_holds_per_second(threads: usize, run: Duration) -> f64 {
    let policy = Policy::default();
    let f = Fixture::seed(MemoryStore::new(policy)).await;
    let engine = Reservations::new(
        f.store.clone(),
        Arc::new(f.gateway.clone()),
        Arc::new(Frozen(f.now())),
    );
    let mut tasks = Vec::new();
    for _ in 0..threads {
        let blocks = Blocks {
            shows: shows(&f, run).await,
            show: 0,
            at: 0,
        };
        let (engine, card) = (engine.clone(), f.card());
        tasks.push(tokio::spawn(async move {
            engine_loop(&engine, card, blocks, run).await
        }));
    }
    let mut holds = 0;
    for task in tasks {
        holds += task.await.unwrap_or(0);
    }
    holds as f64 / run.as_secs_f64()
}

async fn engine_loop(
    engine: &Reservations,
    card: CardNumber,
    mut blocks: Blocks,
    run: Duration,
) -> u64 {
    let started = Instant::now();
    let mut holds = 0u64;
    while started.elapsed() < run {
        for _ in 0..256 {
            let (show, seats) = blocks.current();
            let holder = HolderId::random();
            let Ok(seats) = SeatList::new(seats.to_vec()) else {
                return holds;
            };
            let request = HoldRequest::new(show, holder, SeatSelection::Seats(seats));
            let Ok(hold) = engine.hold(&request).await else {
                return holds;
            };
            holds += 1;
            if holds.is_multiple_of(CONFIRM_EVERY) {
                if engine
                    .confirm(&hold.token, holder, card.clone())
                    .await
                    .is_err()
                    || !blocks.advance()
                {
                    return holds;
                }
            } else if engine.release(&hold.token, holder).await.is_err() {
                return holds;
            }
        }
    }
    holds
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Bare {
    Held(HolderId),
    Booked,
}

/// The baseline: one map of seat states behind one mutex, per show.
fn bare_map_holds_per_second(threads: usize, run: Duration) -> f64 {
    // Enough for 16 million holds a second.
    let seat_count = (run.as_secs_f64() * 16e6 / CONFIRM_EVERY as f64) as usize * SEATS + SEATS;
    let maps: Vec<Arc<Mutex<HashMap<SeatId, Bare>>>> = (0..threads)
        .map(|_| Arc::new(Mutex::new(HashMap::new())))
        .collect();
    let handles: Vec<_> = maps
        .into_iter()
        .map(|map| {
            std::thread::spawn(move || {
                let seats: Vec<SeatId> = (0..seat_count).map(|_| SeatId::random()).collect();
                let started = Instant::now();
                let (mut holds, mut at) = (0u64, 0usize);
                while started.elapsed() < run && at + SEATS <= seats.len() {
                    for _ in 0..256 {
                        let block = &seats[at..at + SEATS];
                        let holder = HolderId::random();
                        {
                            let mut map = map.lock();
                            if block.iter().any(|s| map.contains_key(s)) {
                                return holds;
                            }
                            for seat in block {
                                map.insert(*seat, Bare::Held(holder));
                            }
                        }
                        holds += 1;
                        let mut map = map.lock();
                        if holds.is_multiple_of(CONFIRM_EVERY) {
                            for seat in block {
                                map.insert(*seat, Bare::Booked);
                            }
                            at += SEATS;
                            if at + SEATS > seats.len() {
                                return holds;
                            }
                        } else {
                            for seat in block {
                                if map.get(seat) == Some(&Bare::Held(holder)) {
                                    map.remove(seat);
                                }
                            }
                        }
                    }
                }
                holds
            })
        })
        .collect();
    let holds: u64 = handles.into_iter().map(|h| h.join().unwrap_or(0)).sum();
    holds as f64 / run.as_secs_f64()
}
