//! on-sale: a whole city at one show. Visitors join one 2,000-seat show's
//! waiting room in the lobby, the sale opens, and the room admits them at
//! its pace while each admitted visitor holds 4 seats and pays, until the
//! show is sold out; in memory and on PostgreSQL.
//!
//! Time in the sale is the stores' own (a manual clock moved a second per
//! pacing tick), so the pace is measured against the configured one
//! exactly; joins, status reads and the sale's wall time are real.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use reservation_core::testkit::waiting_room::{RoomFixture, RoomStore};
use reservation_core::waiting_room::{Pace, RoomConfig, RoomPhase, Standing};
use reservation_core::{HolderId, MemoryStore, Policy, SeatId};
use time::Duration;

use crate::http::quantile_ms;
use crate::report::Row;

/// Tasks joining (and reading their places) at once.
const CLIENTS: usize = 64;
/// Pages polling their status at once while latency is measured.
const LATENCY_READERS: usize = 8;
/// The room's pace: new admissions a minute, and active shoppers at most.
const PER_MINUTE: u32 = 300;
const MAX_ACTIVE: u32 = 200;
/// Seats each buyer takes.
const SEATS_EACH: u64 = 4;

/// Runs the sale with `visitors` in the lobby on each store.
pub(crate) async fn run(
    visitors: usize,
    pg: Option<storage_postgres::PgStore>,
    rows: &mut Vec<Row>,
    progress: &indicatif::ProgressBar,
) {
    let memory = MemoryStore::new(Policy::default());
    measure("memory", memory, visitors, ">= 50,000/s", rows).await;
    progress.inc(1);
    if let Some(pg) = pg {
        measure("PostgreSQL", pg.clone(), visitors, ">= 5,000/s", rows).await;
        if let Some(size) = room_bytes(&pg).await {
            rows.push(Row::plain(
                "on-sale",
                &format!(
                    "PostgreSQL, {visitors} visitors: bytes per queued visitor (rows and indexes)"
                ),
                "B",
                size as f64 / visitors as f64,
                "",
            ));
        }
    }
    progress.inc(1);
}

/// What the line takes on disk: its visitor rows with their indexes.
async fn room_bytes(store: &storage_postgres::PgStore) -> Option<i64> {
    sqlx::query_scalar("SELECT pg_total_relation_size('room_visitors')")
        .fetch_one(store.pool())
        .await
        .map_err(|e| eprintln!("cannot size the line: {e}"))
        .ok()
}

/// The resident memory of this process, in bytes (0 where /proc is missing).
fn resident_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// Runs `work` for every item in `items` on [`CLIENTS`] tasks; returns each
/// call's latency.
async fn fan_out<T, F, Fut>(items: Vec<T>, work: F) -> Vec<StdDuration>
where
    T: Send + 'static,
    F: Fn(T) -> Fut + Send + Sync + Clone + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    fan_out_on(CLIENTS, items, work).await
}

/// [`fan_out`] on `tasks` tasks.
async fn fan_out_on<T, F, Fut>(tasks: usize, items: Vec<T>, work: F) -> Vec<StdDuration>
where
    T: Send + 'static,
    F: Fn(T) -> Fut + Send + Sync + Clone + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let chunk = items.len().div_ceil(tasks).max(1);
    let mut chunks = Vec::new();
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        chunks.push(items.by_ref().take(chunk).collect::<Vec<T>>());
    }
    let tasks: Vec<_> = chunks
        .into_iter()
        .map(|chunk| {
            let work = work.clone();
            tokio::spawn(async move {
                let mut times = Vec::with_capacity(chunk.len());
                for item in chunk {
                    let started = Instant::now();
                    work(item).await;
                    times.push(started.elapsed());
                }
                times
            })
        })
        .collect();
    let mut times = Vec::new();
    for task in tasks {
        times.extend(task.await.unwrap_or_default());
    }
    times
}

async fn measure<S: RoomStore + 'static>(
    name: &str,
    store: S,
    visitors: usize,
    join_target: &'static str,
    rows: &mut Vec<Row>,
) {
    let r = Arc::new(RoomFixture::seed(store).await);
    let (show, hall) = r.f.add_grid_show(40, 50, 5).await;
    let capacity = hall.plan().len();
    let now = r.f.now();
    // A long grace: the sale takes simulated minutes and the bench does not
    // spend reads on check-ins (the conformance scenarios test the grace).
    let config = RoomConfig::new(
        now,
        now + Duration::minutes(1),
        Pace::new(Some(MAX_ACTIVE), Some(PER_MINUTE)).expect("pace"),
    )
    .and_then(|c| c.with_grace(Duration::hours(24)))
    .expect("room");
    r.room.open(show, config).await.expect("open room");

    // The lobby fills.
    let lobby: Vec<HolderId> = (0..visitors).map(|_| HolderId::random()).collect();
    let rss_before = resident_bytes();
    let started = Instant::now();
    let room = r.clone();
    fan_out(lobby.clone(), move |v| {
        let room = room.clone();
        async move {
            if let Err(e) = room.room.join(show, v).await {
                eprintln!("join failed: {e}");
            }
        }
    })
    .await;
    let joins_per_s = visitors as f64 / started.elapsed().as_secs_f64();
    let bytes_per_visitor = resident_bytes().saturating_sub(rss_before) as f64 / visitors as f64;

    // The sale opens: the draw, then everyone reads their place once.
    r.f.advance(Duration::minutes(1));
    let started = Instant::now();
    r.room.pace().await.expect("draw and first admissions");
    let draw = started.elapsed();
    let places = Arc::new(parking_lot::Mutex::new(Vec::with_capacity(visitors)));
    let (room, sink) = (r.clone(), places.clone());
    fan_out(lobby.clone(), move |v| {
        let (room, sink) = (room.clone(), sink.clone());
        async move {
            if let Ok(status) = room.room.status(show, v).await {
                let place = match status.place.standing {
                    Standing::Queued { position, .. } => position,
                    // Admitted by the first tick: ahead of every queued place.
                    _ => 0,
                };
                sink.lock().push((place, v));
            }
        }
    })
    .await;
    // Status latency: a page polling, LATENCY_READERS at a time (not a
    // saturated pool, whose latency is only its throughput).
    let sample: Vec<HolderId> = lobby
        .iter()
        .step_by((visitors / 4_000).max(1))
        .copied()
        .collect();
    let room = r.clone();
    let mut reads = fan_out_on(LATENCY_READERS, sample, move |v| {
        let room = room.clone();
        async move {
            let _ = room.room.status(show, v).await;
        }
    })
    .await;
    reads.sort();
    let mut order = std::mem::take(&mut *places.lock());
    order.sort();

    // Sell: one pacing tick per simulated second; the admitted buy at once.
    let mut admitted = 0usize;
    let mut inversions = 0u64;
    let mut sold_seats: Vec<SeatId> = Vec::new();
    let mut per_tick = Vec::new();
    let started = Instant::now();
    let mut ticks = 0;
    loop {
        let n = if ticks == 0 {
            // The first tick ran with the draw.
            order.iter().filter(|(p, _)| *p == 0).count()
        } else {
            r.room.pace().await.expect("pace") as usize
        };
        per_tick.push(n);
        let buyers: Vec<HolderId> = order[admitted..(admitted + n).min(order.len())]
            .iter()
            .map(|(_, v)| *v)
            .collect();
        admitted += buyers.len();
        for buyer in buyers {
            let Some(pass) = r
                .room
                .status(show, buyer)
                .await
                .ok()
                .and_then(|s| s.admission)
            else {
                inversions += 1;
                continue;
            };
            let Ok(hold) = r.hold(show, buyer, SEATS_EACH, Some(&pass.token)).await else {
                continue;
            };
            if let Ok(booking) = r.engine.confirm(&hold.token, buyer, r.f.card()).await {
                sold_seats.extend(booking.tickets.iter().map(|t| t.seat.seat));
            }
        }
        if let Some((_, next)) = order.get(admitted) {
            let status = r.room.status(show, *next).await.ok();
            if status
                .as_ref()
                .is_some_and(|s| matches!(s.place.standing, Standing::Admitted { .. }))
            {
                inversions += 1;
            }
            if status.is_some_and(|s| s.place.line.phase == RoomPhase::SoldOut) {
                break;
            }
        }
        ticks += 1;
        if admitted >= order.len() || ticks > 3_600 {
            break;
        }
        r.f.advance(Duration::seconds(1));
    }
    let sale_wall = started.elapsed();
    let sale_simulated = ticks;
    let booked = r.engine.availability(show).await.map_or(0, |a| a.booked);
    let distinct: HashSet<SeatId> = sold_seats.iter().copied().collect();
    let double_bookings = sold_seats.len() - distinct.len();
    // The pace over the first full minute after the opening burst.
    let minute: usize = per_tick.iter().skip(1).take(60).sum();

    let case = |what: &str| format!("{name}, {visitors} visitors: {what}");
    rows.push(Row::plain(
        "on-sale",
        &case("joins"),
        "joins/s",
        joins_per_s,
        join_target,
    ));
    rows.push(Row::plain(
        "on-sale",
        &case("status read p50, 8 readers"),
        "ms",
        quantile_ms(&reads, 0.5),
        "",
    ));
    rows.push(Row::plain(
        "on-sale",
        &case("status read p99, 8 readers"),
        "ms",
        quantile_ms(&reads, 0.99),
        "<= 5 ms",
    ));
    rows.push(Row::plain(
        "on-sale",
        &case("the draw at opening"),
        "ms",
        draw.as_secs_f64() * 1000.0,
        "",
    ));
    rows.push(Row::ratio(
        "on-sale",
        &case("admissions in the first minute vs the pace"),
        "/min",
        minute as f64,
        f64::from(PER_MINUTE),
        "within 5%",
    ));
    rows.push(Row::plain(
        "on-sale",
        &case("order inversions after opening"),
        "",
        inversions as f64,
        "0",
    ));
    rows.push(Row::plain(
        "on-sale",
        &case(&format!("sell out {booked}/{capacity} seats, simulated")),
        "s",
        f64::from(sale_simulated),
        "",
    ));
    rows.push(Row::plain(
        "on-sale",
        &case("sell out, wall time"),
        "s",
        sale_wall.as_secs_f64(),
        "",
    ));
    rows.push(Row::plain(
        "on-sale",
        &case("double bookings"),
        "",
        double_bookings as f64,
        "0",
    ));
    if name == "memory" {
        rows.push(Row::plain(
            "on-sale",
            &case("bytes per queued visitor (RSS growth)"),
            "B",
            bytes_per_visitor,
            "",
        ));
    }
}
