//! seat-map: p50/p99 of reading a 2,000-seat and an 80,000-seat show's map,
//! in memory and on PostgreSQL, with a quarter of the seats held: read
//! again and again unchanged, then each read right after a seat changed.

use std::time::{Duration, Instant};

use reservation_core::testkit::Fixture;
use reservation_core::{
    HoldRequest, HolderId, MemoryStore, Policy, SeatList, SeatSelection, ShowId, Store,
};

use crate::report::Row;

/// Reads each map for `run`, on the memory store and (when given) on `pg`.
pub(crate) async fn run(
    run: Duration,
    pg: Option<storage_postgres::PgStore>,
    rows: &mut Vec<Row>,
    progress: &indicatif::ProgressBar,
) {
    let memory = MemoryStore::new(Policy::default());
    measure("memory", memory, run, rows).await;
    progress.inc(1);
    if let Some(pg) = pg {
        measure("PostgreSQL", pg, run, rows).await;
    }
    progress.inc(1);
}

async fn measure<S: Store + 'static>(name: &str, store: S, run: Duration, rows: &mut Vec<Row>) {
    let f = Fixture::seed(store).await;
    for (seats, rows_of, target) in [
        (2_000u32, 40u16, "p99 <= 5 ms"),
        (80_000, 400, "p99 <= 10 ms"),
    ] {
        let per_row = u16::try_from(seats / u32::from(rows_of)).unwrap_or(u16::MAX);
        let (show, hall) = f.add_grid_show(rows_of, per_row, 0).await;
        // A quarter held, in holds of 10 by many holders.
        let ids: Vec<_> = hall.plan().seats().iter().map(|s| s.id).collect();
        for block in ids.chunks(10).step_by(4) {
            let Ok(seats) = SeatList::new(block.to_vec()) else {
                continue;
            };
            let request = HoldRequest::new(show, HolderId::random(), SeatSelection::Seats(seats));
            let _ = f.engine.hold(&request).await;
        }
        // Unchanged between reads (a crowd looking at one map), then each
        // read right after a seat changed (a hold made or released): a store
        // that keeps the map it read last serves only the first from that.
        let unchanged = reads(&f, show, run, None).await;
        let one_seat = SeatList::new(ids[ids.len() - 1..].to_vec()).ok();
        let changed = reads(&f, show, run, one_seat).await;
        for (times, when) in [(unchanged, ""), (changed, ", after a change")] {
            let case = format!("{name}, {seats} seats{when}");
            rows.extend(Row::p50_p99("seat-map", &case, &times, target));
        }
    }
}

/// Reads `show`'s map for `run` (at least 20 times), holding or releasing
/// `change` before each read when given: the sorted read times.
async fn reads<S: Store + 'static>(
    f: &Fixture<S>,
    show: ShowId,
    run: Duration,
    change: Option<SeatList>,
) -> Vec<Duration> {
    let holder = HolderId::random();
    let mut held = None;
    let mut times = Vec::new();
    let started = Instant::now();
    while started.elapsed() < run || times.len() < 20 {
        if let Some(seats) = &change {
            held = match held.take() {
                Some(token) => {
                    let _ = f.engine.release(&token, holder).await;
                    None
                }
                None => {
                    let request =
                        HoldRequest::new(show, holder, SeatSelection::Seats(seats.clone()));
                    f.engine.hold(&request).await.ok().map(|hold| hold.token)
                }
            };
        }
        let t = Instant::now();
        if f.engine.seat_map(show, None).await.is_err() {
            break;
        }
        times.push(t.elapsed());
    }
    times.sort();
    times
}
