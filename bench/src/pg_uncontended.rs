//! pg-uncontended: 4-seat holds through `PgStore` (`ReservationStore::hold`,
//! one transaction each) at 1, 8 and 64 concurrent clients on as many pooled
//! connections, each hold on a random show of a 1,000-show x 2,000-seat
//! catalog (100 shows in `--quick`) by a fresh holder, beside `pgbench -N`
//! (pgbench's simple-update transaction) on the same server at the same
//! client counts, on a database of its own, and beside pgbench replaying the
//! SQL one hold sends ([`REPLAY`]) on the holds' own catalog: the second
//! ratio is the engine's cost over its SQL. Each show's seats are handed out
//! in 4-seat blocks in turn, so holds wait for each other only on a show's
//! lock, never conflict on a seat (until a show is full). Setting up the
//! catalog (2 million seat rows) is timed too.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use reservation_core::catalog::{
    City, Event, EventKind, GeoPoint, Hall, PriceList, Show, Venue, grid_layout,
};
use reservation_core::{
    CatalogAdmin, Currency, HallId, HoldRequest, HolderId, Money, Policy, ReservationError,
    ReservationStore, SeatId, SeatList, SeatSelection, Sequence, ShowId,
};
use sqlx::postgres::PgPoolOptions;
use sqlx::{Connection, PgConnection};
use storage_postgres::PgStore;
use storage_postgres::testing::fresh_database;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::pgbench;
use crate::report::Row;

/// Concurrent clients measured, holds and pgbench alike.
const CLIENTS: [usize; 3] = [1, 8, 64];
/// Seats per hold.
const SEATS: usize = 4;
/// A hall of 40 rows of 50: 2,000 seats.
const ROWS: u16 = 40;
const PER_ROW: u16 = 50;
/// Connections adding shows while the catalog is built.
const SETUP_TASKS: usize = 4;
const TARGET: &str = ">= 0.6x pgbench -N at 64 clients";
/// The SQL of one hold, for `pgbench -M prepared -f`; sqlx prepares its
/// statements too.
const REPLAY: &str = include_str!("pg_uncontended/replay.sql");

/// The catalog the holds run on.
struct Catalog {
    url: String,
    shows: Vec<ShowId>,
    /// The hall's seats, in order: block `b` is seats `4b..4b + 4`.
    seats: Vec<SeatId>,
    /// Each show's next block to hold: its event count when a run starts.
    next_block: Vec<AtomicU32>,
}

/// Builds the catalog, then measures each client count, then drops the
/// scratch databases. Every step is one `progress` tick.
pub(crate) async fn run(quick: bool, rows: &mut Vec<Row>, progress: &indicatif::ProgressBar) {
    if std::env::var_os("DATABASE_URL").is_none() {
        eprintln!("pg-uncontended: DATABASE_URL is not set: no rows");
        return;
    }
    // pgbench's scale: 100,000 accounts a unit. `-N` never updates the
    // branches, so a small scale does not limit concurrency; 1 initialises
    // in a second for the quick run.
    let (show_count, secs, scale) = if quick { (100, 3, 1) } else { (1_000, 10, 10) };
    let started = Instant::now();
    let catalog = match setup(show_count).await {
        Ok(catalog) => catalog,
        Err(why) => {
            eprintln!("pg-uncontended: cannot build the catalog: {why}");
            return;
        }
    };
    let setup_secs = started.elapsed().as_secs_f64();
    let scope = format!(
        "{}{show_count} shows x {} seats, {secs} s a run",
        if quick { "quick: " } else { "" },
        catalog.seats.len(),
    );
    rows.push(Row::plain(
        "pg-uncontended",
        &format!("setup: {scope}, one hall"),
        "s",
        setup_secs,
        "",
    ));
    progress.inc(1);
    let binary = pgbench::binary();
    let missing = "pgbench is neither on PATH nor in /usr/lib/postgresql";
    let plain = match &binary {
        Some(binary) => pgbench::database(binary, scale).await,
        None => Err(missing.to_owned()),
    };
    if let Err(why) = &plain {
        eprintln!("pg-uncontended: no pgbench -N baseline: {why}");
    }
    let replay = match &binary {
        Some(_) => replay_script(&catalog).await,
        None => Err(missing.to_owned()),
    };
    if let Err(why) = &replay {
        eprintln!("pg-uncontended: no replay baseline: {why}");
    }
    let plain_args = plain
        .as_ref()
        .ok()
        .map(|url| (vec!["-N".into()], url.clone()));
    let replay_args = replay
        .as_ref()
        .ok()
        .map(|script| (replay_args(script, show_count), catalog.url.clone()));
    let catalog = Arc::new(catalog);
    let run = Duration::from_secs(secs);
    for clients in CLIENTS {
        let holds = holds_per_second(&catalog, clients, run).await;
        progress.inc(1);
        let tps = |workload: &Option<(Vec<String>, String)>, name: &str| {
            let (Some(binary), Some((args, url))) = (&binary, workload) else {
                return None;
            };
            pgbench::tps(binary, args, url, clients, secs)
                .map_err(|why| eprintln!("pg-uncontended: {name} at {clients} clients: {why}"))
                .ok()
        };
        let plain_tps = tps(&plain_args, "pgbench -N");
        let replay_tps = tps(&replay_args, "the replay");
        progress.inc(1);
        let Some(tally) = holds
            .map_err(|why| eprintln!("pg-uncontended: holds at {clients} clients: {why}"))
            .ok()
        else {
            continue;
        };
        let case = format!(
            "{clients} client{} ({scope}; {} conflicts)",
            if clients == 1 { "" } else { "s" },
            tally.conflicts
        );
        let target = if clients == 64 { TARGET } else { "" };
        let row = |case: &str, baseline: Option<f64>, target| match baseline {
            Some(tps) => Row::ratio(
                "pg-uncontended",
                case,
                "holds/s",
                tally.per_second,
                tps,
                target,
            ),
            None => Row::plain("pg-uncontended", case, "holds/s", tally.per_second, target),
        };
        rows.push(row(&format!("{case} vs pgbench -N"), plain_tps, target));
        rows.push(row(
            &format!("{case} vs its SQL in pgbench -M prepared -f"),
            replay_tps,
            "",
        ));
    }
    if let Ok(script) = &replay {
        let _ = std::fs::remove_file(script);
    }
    let mut scratch = vec![catalog.url.clone()];
    scratch.extend(plain.ok());
    pgbench::drop_databases(&scratch).await;
}

/// A scratch database with one city, venue, event and 2,000-seat hall, and
/// `count` shows in that one hall, added through `CatalogAdmin` a few at a
/// time (a hall per show would add 2,000 `hall_seats` rows and a layout to
/// parse for each, and the holds never look at halls).
async fn setup(count: usize) -> Result<Catalog, String> {
    let url = fresh_database().await.map_err(|e| e.to_string())?;
    let pool = PgPoolOptions::new()
        .max_connections(SETUP_TASKS as u32)
        .connect(&url)
        .await
        .map_err(|e| e.to_string())?;
    let store = PgStore::from_pool(pool, Policy::default())
        .await
        .map_err(|e| e.to_string())?;
    let point = |lat, lon| GeoPoint::new(lat, lon).map_err(|e| e.to_string());
    let city = City::new("Benchville", "US", point(39.8, -89.6)?);
    let venue = Venue::new(city.id, "Bench Arena", point(39.8, -89.65)?)
        .with_address("1 Load Street", "62701");
    // Seat ids derive from the layout's name: unique in a fresh database.
    let hall = Hall::new(
        HallId::random(),
        venue.id,
        "Arena",
        grid_layout("pg-uncontended", ROWS, PER_ROW, 0),
    )
    .map_err(|e| e.to_string())?;
    let event = Event::new(EventKind::Concert, "Load Test Live")
        .with_description("Many shows, many holds.")
        .with_genres(["benchmark"])
        .with_duration_minutes(120);
    store
        .add_city(city.clone())
        .await
        .map_err(|e| e.to_string())?;
    store
        .add_venue(venue.clone())
        .await
        .map_err(|e| e.to_string())?;
    store
        .add_hall(hall.clone())
        .await
        .map_err(|e| e.to_string())?;
    store
        .add_event(event.clone())
        .await
        .map_err(|e| e.to_string())?;
    // Shows start tomorrow: sales stay open through the run.
    let starts_at = OffsetDateTime::now_utc() + time::Duration::days(1);
    let prices = PriceList::uniform(&hall.layout().categories, Money::new(900, Currency::EUR));
    let shows: Arc<Vec<ShowId>> = Arc::new((0..count).map(|_| ShowId::random()).collect());
    let next = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..SETUP_TASKS)
        .map(|_| {
            let (store, shows, next, prices) =
                (store.clone(), shows.clone(), next.clone(), prices.clone());
            let (event, hall, venue, city) = (event.id, hall.id(), venue.id, city.id);
            tokio::spawn(async move {
                while let Some(&id) = shows.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let show = Show::from_ids(event, hall, venue, city, starts_at, prices.clone())
                        .with_id(id);
                    store.add_show(show).await.map_err(|e| e.to_string())?;
                }
                Ok::<(), String>(())
            })
        })
        .collect();
    for task in tasks {
        task.await.map_err(|e| e.to_string())??;
    }
    store.pool().close().await;
    Ok(Catalog {
        url,
        next_block: shows.iter().map(|_| AtomicU32::new(0)).collect(),
        shows: shows.to_vec(),
        seats: hall.plan().seats().iter().map(|s| s.id).collect(),
    })
}

/// One client count's outcome.
struct Tally {
    per_second: f64,
    conflicts: u64,
}

/// `clients` tasks on a pool of `clients` connections, holding for `run`.
async fn holds_per_second(
    catalog: &Arc<Catalog>,
    clients: usize,
    run: Duration,
) -> Result<Tally, String> {
    let pool = storage_postgres::PoolConfig::default()
        .pool_options()
        .max_connections(clients as u32)
        .connect(&catalog.url)
        .await
        .map_err(|e| e.to_string())?;
    let store = PgStore::from_pool(pool, Policy::default())
        .await
        .map_err(|e| e.to_string())?;
    let outcome = async {
        sync_blocks(&store, catalog).await?;
        warm_up(&store, catalog, clients).await?;
        let started = Instant::now();
        let tasks: Vec<_> = (0..clients)
            .map(|_| tokio::spawn(client(store.clone(), catalog.clone(), started + run)))
            .collect();
        let (mut holds, mut conflicts, mut failure) = (0, 0, None);
        for task in tasks {
            match task.await.map_err(|e| e.to_string()).and_then(|r| r) {
                Ok((h, c)) => (holds, conflicts) = (holds + h, conflicts + c),
                Err(why) => failure = Some(why),
            }
        }
        let elapsed = started.elapsed();
        match failure {
            Some(why) => Err(why),
            None => Ok(Tally {
                per_second: holds as f64 / elapsed.as_secs_f64(),
                conflicts,
            }),
        }
    }
    .await;
    store.pool().close().await;
    outcome
}

/// Starts each show's blocks at its event count: every hold so far, the
/// replay's too, took the block its show's count named then.
async fn sync_blocks(store: &PgStore, catalog: &Catalog) -> Result<(), String> {
    let counts: HashMap<Uuid, i64> = sqlx::query_as("SELECT show_id, last_seq FROM show_state")
        .fetch_all(store.pool())
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .collect();
    for (show, next) in catalog.shows.iter().zip(&catalog.next_block) {
        let count = counts.get(&show.as_uuid()).copied().unwrap_or(0);
        next.store(
            u32::try_from(count).map_err(|e| e.to_string())?,
            Ordering::Relaxed,
        );
    }
    Ok(())
}

/// Reads every show's events once, `clients` at a time: loads the store's
/// per-show cache and opens the pool's connections, as a server that has
/// been running would have, without holding any seats.
async fn warm_up(store: &PgStore, catalog: &Arc<Catalog>, clients: usize) -> Result<(), String> {
    let next = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (store, catalog, next) = (store.clone(), catalog.clone(), next.clone());
            tokio::spawn(async move {
                while let Some(&show) = catalog.shows.get(next.fetch_add(1, Ordering::Relaxed)) {
                    store
                        .events_since(show, Sequence(0), 1)
                        .await
                        .map_err(|e| e.to_string())?;
                }
                Ok::<(), String>(())
            })
        })
        .collect();
    for task in tasks {
        task.await.map_err(|e| e.to_string())??;
    }
    Ok(())
}

/// One client: holds until `deadline`; returns its holds and conflicts.
async fn client(
    store: PgStore,
    catalog: Arc<Catalog>,
    deadline: Instant,
) -> Result<(u64, u64), String> {
    let (mut holds, mut conflicts) = (0, 0);
    while Instant::now() < deadline {
        let show = rand::random_range(0..catalog.shows.len());
        match hold_once(&store, &catalog, show).await {
            Ok(()) => holds += 1,
            Err(ReservationError::SeatsTaken(_)) => conflicts += 1,
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok((holds, conflicts))
}

/// Holds the show's next 4-seat block (wrapping around once the show is
/// full, which then conflicts) for a fresh holder.
async fn hold_once(
    store: &PgStore,
    catalog: &Catalog,
    show: usize,
) -> Result<(), ReservationError> {
    let blocks = catalog.seats.len() / SEATS;
    let block = catalog.next_block[show].fetch_add(1, Ordering::Relaxed) as usize % blocks;
    let seats = SeatList::new(catalog.seats[block * SEATS..(block + 1) * SEATS].to_vec())?;
    let request = HoldRequest::new(
        catalog.shows[show],
        HolderId::random(),
        SeatSelection::Seats(seats),
    );
    store
        .hold(&request, OffsetDateTime::now_utc())
        .await
        .map(drop)
}

/// Writes [`REPLAY`] to a temporary file and adds its lookup tables to the
/// catalog: show number to show id, and each block's seat indexes and its
/// seat ids as the `Held` event lists them. Returns the file.
async fn replay_script(catalog: &Catalog) -> Result<PathBuf, String> {
    let mut db = PgConnection::connect(&catalog.url)
        .await
        .map_err(|e| e.to_string())?;
    let shows: Vec<Uuid> = catalog.shows.iter().map(ShowId::as_uuid).collect();
    let blocks: Vec<serde_json::Value> = catalog
        .seats
        .chunks_exact(SEATS)
        .map(serde_json::to_value)
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    let setup = [
        sqlx::query("CREATE TABLE replay_shows (n int4 PRIMARY KEY, show_id uuid NOT NULL)"),
        sqlx::query(
            "INSERT INTO replay_shows SELECT n, show_id
             FROM unnest($1::uuid[]) WITH ORDINALITY AS s(show_id, n)",
        )
        .bind(shows),
        sqlx::query(
            "CREATE TABLE replay_blocks (block int4 PRIMARY KEY, indexes int4[] NOT NULL, seats jsonb NOT NULL)",
        ),
        // A seat's index is its place in the plan, as in `hold_once`.
        sqlx::query(
            "INSERT INTO replay_blocks
             SELECT block - 1, ARRAY(SELECT generate_series((block - 1) * $2, block * $2 - 1)), seats
             FROM unnest($1::jsonb[]) WITH ORDINALITY AS b(seats, block)",
        )
        .bind(blocks)
        .bind(SEATS as i32),
        sqlx::query("ANALYZE replay_shows, replay_blocks"),
    ];
    for query in setup {
        query.execute(&mut db).await.map_err(|e| e.to_string())?;
    }
    let _ = db.close().await;
    let path = std::env::temp_dir().join(format!(
        "seatwise-pg-uncontended-{}.sql",
        std::process::id()
    ));
    std::fs::write(&path, REPLAY).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// pgbench's arguments for [`REPLAY`] from `script` on `shows` shows.
fn replay_args(script: &Path, shows: usize) -> Vec<String> {
    let policy = Policy::default();
    let blocks = usize::from(ROWS) * usize::from(PER_ROW) / SEATS;
    [
        "-n".to_owned(),
        "-M".into(),
        "prepared".into(),
        "-f".into(),
        script.display().to_string(),
        "-D".into(),
        format!("shows={shows}"),
        "-D".into(),
        format!("blocks={blocks}"),
        "-D".into(),
        format!("hold_time={} seconds", policy.hold_time.whole_seconds()),
        "-D".into(),
        format!("grace={} seconds", policy.grace.whole_seconds()),
    ]
    .into()
}
