//! pg-hot-show: an on-sale. Clients race to sell out one 2,000-seat show on
//! PostgreSQL, each asking 4 seats at a time and, like a buyer, picking
//! other seats when told theirs are taken (best available after a few
//! misses). Seatwise's store runs beside the seeds' design on the same
//! server and the same buyers: a `SERIALIZABLE` transaction that selects
//! the seats, updates them and records the hold, retried on serialization
//! failure. Both are checked for double bookings afterwards. `pgbench -N`
//! on the same server at as many connections is the write limit beside
//! them: one hold a transaction would match it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::seq::IndexedRandom;
use reservation_core::catalog::SeatIndex;
use reservation_core::testkit::Fixture;
use reservation_core::{
    HoldRequest, HolderId, ReservationError, Reservations, SeatFilter, SeatList, SeatSelection,
    ShowId,
};
use sqlx::PgPool;
use storage_postgres::PgStore;
use uuid::Uuid;

use crate::pgbench;
use crate::report::Row;

const ROWS: u16 = 40;
const PER_ROW: u16 = 50;
const SEATS: usize = ROWS as usize * PER_ROW as usize;
/// Seats each request asks for.
const ASK: usize = 4;
/// Taken-seat answers a buyer takes before asking for the best available.
const MISSES_BEFORE_BEST: u32 = 3;
/// Times the baseline runs a transaction again after a serialization failure.
const SERIALIZABLE_RETRIES: u32 = 3;
/// Connections per system: the server allows 100 in all.
const MAX_CONNECTIONS: u32 = 64;

/// What one request came to.
enum Attempt {
    /// Seats held.
    Held,
    /// Some seats asked for are taken (their indexes): ask for others.
    Taken(Vec<usize>),
    /// Nothing left to hold.
    SoldOut,
    /// Fewer seats left than asked for: ask for this many.
    Only(usize),
    /// The system failed the request (the buyer sees an error).
    Failed,
}

/// One race's counts.
#[derive(Default, Clone, Copy)]
struct Race {
    elapsed: Duration,
    holds: u64,
    conflicts: u64,
    failures: u64,
    double_booked: i64,
    sold_out: bool,
}

impl Race {
    fn holds_per_second(&self) -> f64 {
        self.holds as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// A system under test.
#[derive(Clone)]
enum Seller {
    Seatwise {
        engine: Reservations,
        show: ShowId,
        seats: Arc<Vec<reservation_core::SeatId>>,
        plan: Arc<reservation_core::catalog::SeatingPlan>,
    },
    Serializable(PgPool),
}

impl Seller {
    async fn hold(&self, seats: Option<&[usize]>, count: usize) -> Attempt {
        match self {
            Self::Seatwise {
                engine,
                show,
                seats: ids,
                plan,
            } => {
                let selection = match seats {
                    Some(seats) => {
                        match SeatList::new(
                            seats.iter().filter_map(|&i| ids.get(i).copied()).collect(),
                        ) {
                            Ok(list) => SeatSelection::Seats(list),
                            Err(_) => return Attempt::Failed,
                        }
                    }
                    None => match reservation_core::SeatCount::new(count as u64) {
                        Ok(count) => SeatSelection::BestAvailable {
                            count,
                            filter: SeatFilter::default(),
                        },
                        Err(_) => return Attempt::Failed,
                    },
                };
                let request = HoldRequest::new(*show, HolderId::random(), selection);
                match engine.hold(&request).await {
                    Ok(_) => Attempt::Held,
                    Err(ReservationError::SeatsTaken(conflicts)) => Attempt::Taken(
                        conflicts
                            .iter()
                            .filter_map(|c| plan.index_of(c.seat).map(SeatIndex::get))
                            .collect(),
                    ),
                    Err(ReservationError::NotEnoughSeats { available: 0, .. }) => Attempt::SoldOut,
                    Err(ReservationError::NotEnoughSeats { available, .. }) => {
                        Attempt::Only(available)
                    }
                    Err(_) => Attempt::Failed,
                }
            }
            Self::Serializable(pool) => {
                for _ in 0..=SERIALIZABLE_RETRIES {
                    match serializable_hold(pool, seats, count).await {
                        Err(e) if retryable(&e) => continue,
                        Err(_) => return Attempt::Failed,
                        Ok(attempt) => return attempt,
                    }
                }
                Attempt::Failed
            }
        }
    }
}

/// The seeds' design: select the seats, update them if all are free, record
/// the hold, in one `SERIALIZABLE` transaction.
async fn serializable_hold(
    pool: &PgPool,
    seats: Option<&[usize]>,
    count: usize,
) -> Result<Attempt, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")
        .execute(&mut *tx)
        .await?;
    let wanted: Vec<i32> = match seats {
        Some(seats) => seats.iter().map(|&i| i as i32).collect(),
        None => sqlx::query_scalar(
            "SELECT seat_index FROM baseline_seats WHERE status = 0 ORDER BY seat_index LIMIT $1",
        )
        .bind(count as i64)
        .fetch_all(&mut *tx)
        .await?,
    };
    if wanted.is_empty() {
        return Ok(Attempt::SoldOut);
    }
    let free: Vec<i32> = sqlx::query_scalar(
        "SELECT seat_index FROM baseline_seats WHERE seat_index = ANY($1) AND status = 0",
    )
    .bind(&wanted)
    .fetch_all(&mut *tx)
    .await?;
    if free.len() < wanted.len() {
        let taken = wanted
            .iter()
            .filter(|s| !free.contains(s))
            .map(|&s| s as usize)
            .collect();
        return Ok(Attempt::Taken(taken));
    }
    let holder = Uuid::new_v4();
    sqlx::query("UPDATE baseline_seats SET status = 1, holder = $2 WHERE seat_index = ANY($1)")
        .bind(&wanted)
        .bind(holder)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO baseline_holds (id, holder, seats, expires_at)
         VALUES ($1, $2, $3, now() + interval '5 minutes')",
    )
    .bind(Uuid::new_v4())
    .bind(holder)
    .bind(&wanted)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Attempt::Held)
}

fn retryable(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .and_then(|e| e.code())
        .is_some_and(|code| code == "40001" || code == "40P01")
}

/// A buyer: asks for a block of 4 seats side by side it believes free,
/// learns from "taken" answers, and asks for the best available after a
/// few misses, until it gets seats or the show sells out.
async fn buyer(seller: Seller, deadline: Instant) -> Race {
    let mut race = Race::default();
    let mut believed_free = vec![true; SEATS];
    let mut misses = 0;
    let mut ask = ASK;
    while Instant::now() < deadline {
        let block = (misses < MISSES_BEFORE_BEST && ask == ASK)
            .then(|| pick_block(&believed_free))
            .flatten();
        match seller.hold(block.as_deref(), ask).await {
            Attempt::Held => {
                race.holds += 1;
                misses = 0;
                if let Some(block) = block {
                    block.iter().for_each(|&i| believed_free[i] = false);
                }
            }
            Attempt::Taken(seats) => {
                race.conflicts += 1;
                misses += 1;
                for i in seats {
                    if let Some(free) = believed_free.get_mut(i) {
                        *free = false;
                    }
                }
            }
            Attempt::Only(n) => ask = n.min(ASK),
            Attempt::SoldOut => {
                race.sold_out = true;
                break;
            }
            Attempt::Failed => race.failures += 1,
        }
    }
    race
}

/// A random block of `ASK` seats side by side, all believed free.
fn pick_block(believed_free: &[bool]) -> Option<Vec<usize>> {
    let starts: Vec<usize> = (0..ROWS as usize)
        .flat_map(|row| {
            (0..=(PER_ROW as usize - ASK)).map(move |seat| row * PER_ROW as usize + seat)
        })
        .filter(|&start| believed_free[start..start + ASK].iter().all(|&f| f))
        .collect();
    let start = *starts.choose(&mut rand::rng())?;
    Some((start..start + ASK).collect())
}

/// `clients` buyers race on `seller` until the show sells out or `limit`.
async fn race(seller: &Seller, clients: usize, limit: Duration) -> Race {
    let started = Instant::now();
    let deadline = started + limit;
    let buyers: Vec<_> = (0..clients)
        .map(|_| tokio::spawn(buyer(seller.clone(), deadline)))
        .collect();
    let mut total = Race::default();
    for buyer in buyers {
        if let Ok(race) = buyer.await {
            total.holds += race.holds;
            total.conflicts += race.conflicts;
            total.failures += race.failures;
            total.sold_out |= race.sold_out;
        }
    }
    total.elapsed = started.elapsed();
    total
}

/// Seats in more than one hold, from the holds recorded.
async fn double_booked(pool: &PgPool, query: &str, show: Option<Uuid>) -> i64 {
    let count = match show {
        Some(show) => sqlx::query_scalar(query).bind(show).fetch_one(pool).await,
        None => sqlx::query_scalar(query).fetch_one(pool).await,
    };
    count.unwrap_or_else(|e| {
        eprintln!("pg-hot-show: cannot count double bookings ({e})");
        -1
    })
}

/// Runs the race at each client count on both systems, `rounds` times each,
/// and reports the median round beside `pgbench -N` run for `pgbench_secs`
/// (on a pgbench database of `scale`).
pub(crate) async fn run(
    limit: Duration,
    rounds: usize,
    clients: &[usize],
    (pgbench_secs, scale): (u64, u32),
    rows: &mut Vec<Row>,
    progress: &indicatif::ProgressBar,
) {
    let url = match storage_postgres::testing::fresh_database().await {
        Ok(url) => url,
        Err(e) => {
            eprintln!("pg-hot-show: no scratch database ({e}): skipped");
            return;
        }
    };
    let binary = pgbench::binary();
    let pgbench_url = match &binary {
        Some(binary) => pgbench::database(binary, scale)
            .await
            .map_err(|why| eprintln!("pg-hot-show: no pgbench -N baseline: {why}"))
            .ok(),
        None => {
            eprintln!("pg-hot-show: no pgbench -N baseline: pgbench is not installed");
            None
        }
    };
    for &n in clients {
        let connections = u32::try_from(n).unwrap_or(u32::MAX).min(MAX_CONNECTIONS);
        // Before this count's pools open: the server has room for its clients.
        let write_limit =
            binary
                .as_deref()
                .zip(pgbench_url.as_deref())
                .and_then(|(binary, url)| {
                    let args = ["-N".to_owned()];
                    pgbench::tps(binary, &args, url, connections as usize, pgbench_secs)
                        .map_err(|why| eprintln!("pg-hot-show: pgbench -N at {connections}: {why}"))
                        .ok()
                });
        let pool = match storage_postgres::PoolConfig::default()
            .pool_options()
            .max_connections(connections)
            .connect(&url)
            .await
        {
            Ok(pool) => pool,
            Err(e) => {
                eprintln!("pg-hot-show: cannot connect ({e}): skipped");
                return;
            }
        };
        let Ok(store) = PgStore::from_pool(pool.clone(), reservation_core::Policy::default())
            .await
            .map_err(|e| eprintln!("pg-hot-show: cannot migrate ({e}): skipped"))
        else {
            return;
        };
        let fixture = Fixture::seed(store).await;
        let mut seatwise = Vec::new();
        let mut baseline = Vec::new();
        for _ in 0..rounds {
            let (show, hall) = fixture.add_grid_show(ROWS, PER_ROW, 0).await;
            let plan = Arc::clone(hall.plan());
            let seller = Seller::Seatwise {
                engine: fixture.engine.clone(),
                show,
                seats: Arc::new(plan.seats().iter().map(|s| s.id).collect()),
                plan,
            };
            let mut outcome = race(&seller, n, limit).await;
            outcome.double_booked = double_booked(
                &pool,
                "SELECT count(*) - count(DISTINCT s) FROM holds, unnest(seat_indexes) AS s
                 WHERE show_id = $1 AND state = 0",
                Some(show.as_uuid()),
            )
            .await;
            seatwise.push(outcome);
            if let Err(e) = reset_baseline(&pool).await {
                eprintln!("pg-hot-show: cannot set up the baseline ({e}): skipped");
                return;
            }
            let mut outcome = race(&Seller::Serializable(pool.clone()), n, limit).await;
            outcome.double_booked = double_booked(
                &pool,
                "SELECT count(*) - count(DISTINCT s) FROM baseline_holds, unnest(seats) AS s",
                None,
            )
            .await;
            baseline.push(outcome);
        }
        let seatwise = median(&mut seatwise);
        if let Some(tps) = write_limit {
            rows.push(Row::ratio(
                "pg-hot-show",
                &format!("{n} clients ({connections} conns), holds/s vs pgbench -N"),
                "holds/s",
                seatwise.holds_per_second(),
                tps,
                if n == 64 { ">= 1.0x pgbench -N" } else { "" },
            ));
        }
        report(n, connections, seatwise, median(&mut baseline), limit, rows);
        progress.inc(1);
        pool.close().await;
    }
    pgbench::drop_databases(&pgbench_url.into_iter().collect::<Vec<_>>()).await;
}

/// The round with the median holds/s.
fn median(rounds: &mut [Race]) -> Race {
    rounds.sort_by(|a, b| a.holds_per_second().total_cmp(&b.holds_per_second()));
    rounds.get(rounds.len() / 2).copied().unwrap_or_default()
}

async fn reset_baseline(pool: &PgPool) -> Result<(), sqlx::Error> {
    for statement in [
        "DROP TABLE IF EXISTS baseline_seats, baseline_holds",
        "CREATE TABLE baseline_seats (seat_index int PRIMARY KEY, status smallint NOT NULL DEFAULT 0, holder uuid)",
        "CREATE TABLE baseline_holds (id uuid PRIMARY KEY, holder uuid NOT NULL, seats int[] NOT NULL, expires_at timestamptz NOT NULL)",
    ] {
        sqlx::query(statement).execute(pool).await?;
    }
    sqlx::query("INSERT INTO baseline_seats (seat_index) SELECT generate_series(0, $1 - 1)")
        .bind(SEATS as i32)
        .execute(pool)
        .await?;
    sqlx::query("ANALYZE baseline_seats").execute(pool).await?;
    Ok(())
}

fn report(
    clients: usize,
    connections: u32,
    seatwise: Race,
    baseline: Race,
    limit: Duration,
    rows: &mut Vec<Row>,
) {
    let case = |what: &str| format!("{clients} clients ({connections} conns), {what}");
    let sold_out = |race: &Race| {
        if race.sold_out {
            race.elapsed.as_secs_f64()
        } else {
            eprintln!(
                "pg-hot-show: not sold out within {} s at {clients} clients",
                limit.as_secs()
            );
            f64::NAN
        }
    };
    let target = if clients == 64 {
        ">= 4x SERIALIZABLE"
    } else {
        ""
    };
    rows.push(Row::ratio(
        "pg-hot-show",
        &case("holds/s"),
        "holds/s",
        seatwise.holds_per_second(),
        baseline.holds_per_second(),
        target,
    ));
    rows.push(Row::ratio(
        "pg-hot-show",
        &case("time to sell out"),
        "s",
        sold_out(&seatwise),
        sold_out(&baseline),
        "",
    ));
    for (what, value, base, target) in [
        (
            "conflicts (taken seats)",
            seatwise.conflicts,
            baseline.conflicts,
            "",
        ),
        (
            "failures shown to users",
            seatwise.failures,
            baseline.failures,
            "0",
        ),
    ] {
        rows.push(Row {
            baseline: Some(base as f64),
            ..Row::plain("pg-hot-show", &case(what), "requests", value as f64, target)
        });
    }
    rows.push(Row {
        baseline: Some(baseline.double_booked as f64),
        ..Row::plain(
            "pg-hot-show",
            &case("double bookings"),
            "seats",
            seatwise.double_booked as f64,
            "0",
        )
    });
}
