//! PostgreSQL store for the Seatwise reservation engine.
//!
//! [`PgStore`] implements every port of `reservation-core` (`Catalog`,
//! `CatalogAdmin`, `ReservationStore`, `WaitingRoomStore`) and passes the
//! same conformance suites as the in-memory store. Migrations are embedded ([`MIGRATOR`]) and applied
//! by [`PgStore::connect`]; queries are checked at run time by the tests, so
//! the crate builds without a database.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use reservation_core::Policy;
//! let store = storage_postgres::PgStore::connect("postgres://postgres@127.0.0.1/seatwise", Policy::default()).await?;
//! # Ok(()) }
//! ```
//!
//! # Layout
//!
//! - `ops/`: the seat lifecycle ([`ReservationStore`](reservation_core::ReservationStore)),
//!   one module per operation or group of them (`hold`, `release`,
//!   `checkout`, `payments` (abandoned payment attempts), `booking`,
//!   `waitlist`, `reads`, `sweep`); `mod.rs` holds the trait's methods,
//!   which only call them.
//! - `connection.rs`: [`PoolConfig`], the connection budget and the time
//!   limits that keep a slow or absent database from hanging callers.
//! - `show_tx/`: `ShowTx`, one transaction on one show. `mod.rs` begins it
//!   (the show's lock) and commits it (events, counters); `settle` frees
//!   what fell due and hands seats to the waitlist, `seats` says who has
//!   which seat, `holds` makes and reads holds.
//! - `group_commit.rs`: the group-commit queue, generic over the request and
//!   its outcome; `hold_batch.rs` decides a show's queued holds with it,
//!   `show_turns.rs` runs a show's queued checkouts and releases with it,
//!   and the waiting room's joins use it too.
//! - `room/`: waiting rooms ([`WaitingRoomStore`](reservation_core::waiting_room::WaitingRoomStore)):
//!   `state` (the room row), `counters` (the line's counters and position
//!   buckets), `join`, `status` (a visitor's standing), `draw`, `pacing`,
//!   `leave`, `settings` (open, close, read).
//! - `rows.rs`: the booking path's rows (`FromRow`), their status codes, and
//!   their checked conversion into the core's types: a corrupt row is a
//!   storage error, never a default (migration 0006 checks the codes too).
//! - `error.rs`: the adapter's error, which `?` builds from sqlx errors and
//!   corrupt rows, and which becomes the port's error type at the edge.
//! - `feed.rs`: event subscriptions across processes (the outbox, woken by
//!   LISTEN/NOTIFY).
//! - `catalog.rs`, `search.rs`, `meta.rs`: the catalog ports, search from an
//!   in-process index, and a show's cached immutable facts.
//! - [`testing`]: fresh databases for tests.
//!
//! # Concurrency design
//!
//! One lock per show, taken first (`show_state ... FOR UPDATE`), decides
//! every hold, checkout, release and expiry on that show; holds, checkouts,
//! releases and waiting-room joins are group-committed; expiry is lazy (each transaction
//! settles its show first) and swept with `SKIP LOCKED`; events are written
//! to the `show_events` outbox in the changing transaction and announced
//! with `pg_notify`. Why this design and not SERIALIZABLE, per-seat locks,
//! optimistic versions or Redis locks, the waiting room's lock order, and
//! where each guarantee is enforced: `ARCHITECTURE.md` at the repository's
//! root.

/// The README's examples compile and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

mod catalog;
mod connection;
mod error;
mod feed;
mod group_commit;
mod hold_batch;
mod keys;
mod meta;
mod ops;
mod room;
mod rows;
mod search;
mod seat_cache;
mod show_turns;
mod show_tx;
pub mod testing;

use std::future::Future;
use std::sync::Arc;

use dashmap::DashMap;
use reservation_core::{Policy, ReservationError, Sequence, ShowId};
use sqlx::PgPool;
use sqlx::migrate::{MigrateError, Migrator};

pub use crate::connection::{CHECK_IDLE_AFTER, PoolConfig, RESERVED_CONNECTIONS};
use crate::error::Error;
use crate::feed::{Feed, Notifier};
use crate::hold_batch::HoldQueues;
use crate::meta::ShowMeta;
use crate::seat_cache::SeatCache;
use crate::show_turns::ShowTurns;

/// Why a store cannot serve yet ([`PgStore::check_ready`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NotReady {
    /// The database does not answer.
    #[error("the database is unreachable: {0}")]
    Unreachable(#[source] sqlx::Error),
    /// The database lacks a migration this build needs.
    #[error("the database lacks migration {missing}")]
    Behind {
        /// The first migration missing.
        missing: i64,
    },
}

/// The embedded migrations.
pub static MIGRATOR: Migrator = sqlx::migrate!();

/// Applies the migrations that `pool`'s database lacks.
pub async fn migrate(pool: &PgPool) -> Result<(), MigrateError> {
    MIGRATOR.run(pool).await
}

/// Creates the database named in `url` if the server does not have it yet
/// (connecting to the server's `postgres` database to do so).
pub async fn create_database_if_missing(url: &str) -> Result<(), sqlx::Error> {
    use sqlx::{ConnectOptions, Connection};
    let options: sqlx::postgres::PgConnectOptions = url.parse()?;
    let Some(name) = options.get_database().map(str::to_owned) else {
        return Ok(());
    };
    let mut admin = options.database("postgres").connect().await?;
    let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(&name)
        .fetch_optional(&mut admin)
        .await?;
    if exists.is_none() {
        let quoted = name.replace('"', "\"\"");
        sqlx::query(&format!("CREATE DATABASE \"{quoted}\""))
            .execute(&mut admin)
            .await?;
    }
    admin.close().await
}

/// How often an operation is retried after a serialization failure or deadlock.
const RETRIES: usize = 5;

/// The PostgreSQL store. Cheap to clone; clones share the pool and caches.
#[derive(Clone)]
pub struct PgStore {
    inner: Arc<Inner>,
    /// Requests' pool, or the reserved one ([`PgStore::background`]).
    pool: PgPool,
}

struct Inner {
    /// The reserved connections: notifications and background work.
    background: PgPool,
    policy: Policy,
    shows: DashMap<ShowId, Arc<ShowMeta>>,
    /// Recently mapped shows' seats (`seat_cache`).
    seats: Arc<SeatCache>,
    feed: Feed,
    wakeups: Notifier,
    holds: HoldQueues,
    /// Other operations on a show, run in batches (`show_turns`).
    turns: ShowTurns,
    joins: room::JoinQueues,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("policy", &self.inner.policy)
            .finish_non_exhaustive()
    }
}

impl PgStore {
    /// Connects to `url` with the default [`PoolConfig`], applies the
    /// migrations, and returns the store.
    pub async fn connect(url: &str, policy: Policy) -> Result<Self, sqlx::Error> {
        Self::connect_with(url, policy, &PoolConfig::default()).await
    }

    /// Connects to `url` with `config`, applies the migrations, and returns
    /// the store.
    pub async fn connect_with(
        url: &str,
        policy: Policy,
        config: &PoolConfig,
    ) -> Result<Self, sqlx::Error> {
        let store = Self::lazy(url, policy, config)?;
        store.migrate().await?;
        Ok(store)
    }

    /// The store for `url` without touching the database: connections open
    /// on first use, and every operation fails with a storage error until
    /// the database is reachable and [`migrate`](Self::migrate) succeeded.
    /// For servers that must start, and stay up, while the database is
    /// down. Needs a Tokio runtime (it starts the store's background tasks).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// use reservation_core::Policy;
    /// use storage_postgres::{PgStore, PoolConfig};
    ///
    /// let store = PgStore::lazy("postgres://postgres@127.0.0.1/seatwise", Policy::default(), &PoolConfig::default())?;
    /// while let Err(error) = store.migrate().await {
    ///     eprintln!("waiting for the database: {error}");
    ///     tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    /// }
    /// store.check_ready().await?;
    /// # Ok(()) }
    /// ```
    pub fn lazy(url: &str, policy: Policy, config: &PoolConfig) -> Result<Self, sqlx::Error> {
        let (pool, background) = config.lazy_pools(&config.connect_options(url)?);
        Ok(Self::assemble(pool, background, policy))
    }

    /// A store over an existing pool, which also serves its background
    /// work; applies the migrations.
    pub async fn from_pool(pool: PgPool, policy: Policy) -> Result<Self, sqlx::Error> {
        let store = Self::assemble(pool.clone(), pool, policy);
        store.migrate().await?;
        Ok(store)
    }

    fn assemble(pool: PgPool, background: PgPool, policy: Policy) -> Self {
        // A queued request waits for its turn at most half as long as for a
        // connection: with the database gone, a hold queued behind a batch
        // that is failing answers within 1.5 acquire timeouts, not two.
        let turn_wait = pool.options().get_acquire_timeout() / 2;
        Self {
            inner: Arc::new(Inner {
                policy,
                shows: DashMap::new(),
                seats: Arc::default(),
                feed: Feed::new(background.clone()),
                wakeups: Notifier::start(background.clone()),
                background: background.clone(),
                holds: HoldQueues::new(turn_wait),
                turns: ShowTurns::new(turn_wait),
                joins: room::JoinQueues::new(turn_wait),
            }),
            pool,
        }
    }

    /// Applies the migrations the database lacks, on a connection of its
    /// own without the statement timeout (a migration may take longer than
    /// any request should).
    pub async fn migrate(&self) -> Result<(), sqlx::Error> {
        // Later settings override the pool's.
        let options = self
            .pool()
            .connect_options()
            .as_ref()
            .clone()
            .options([("statement_timeout", "0"), ("lock_timeout", "0")]);
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await?;
        let migrated = MIGRATOR.run(&pool).await;
        pool.close().await;
        Ok(migrated?)
    }

    /// Whether the store can serve: the database answers, and it has every
    /// migration this build knows (a newer instance may have added more).
    pub async fn check_ready(&self) -> Result<(), NotReady> {
        let applied: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
                .fetch_all(self.pool())
                .await
                .map_err(NotReady::Unreachable)?;
        match MIGRATOR.iter().find(|m| !applied.contains(&m.version)) {
            None => Ok(()),
            Some(missing) => Err(NotReady::Behind {
                missing: missing.version,
            }),
        }
    }

    /// The same store on its reserved connections: for the background
    /// work (sweeping, pacing) that must go on while requests have every
    /// connection of the request pool. Shares the caches and the feed.
    pub fn background(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
            pool: self.inner.background.clone(),
        }
    }

    /// The connection pool.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Where the wake-ups of committed changes go.
    pub(crate) fn seat_cache(&self) -> &Arc<SeatCache> {
        &self.inner.seats
    }

    pub(crate) fn wakeups(&self) -> &Notifier {
        &self.inner.wakeups
    }

    /// The show's immutable facts, cached.
    pub(crate) async fn meta(&self, show: ShowId) -> error::Result<Arc<ShowMeta>> {
        if let Some(meta) = self.inner.shows.get(&show) {
            return Ok(Arc::clone(&meta));
        }
        let meta = Arc::new(
            ShowMeta::load(self.pool(), show)
                .await?
                .ok_or(ReservationError::UnknownShow(show))?,
        );
        self.inner.shows.insert(show, Arc::clone(&meta));
        Ok(meta)
    }

    /// Drops the cached facts of `show` (its start moved): the next use
    /// reads them again.
    pub(crate) fn forget_meta(&self, show: ShowId) {
        self.inner.shows.remove(&show);
    }

    /// Runs `op` again when it failed only by conflicting with another
    /// transaction, so such failures never reach callers; converts the
    /// outcome into the port's error type.
    pub(crate) async fn retrying<T, E, F, Fut>(&self, mut op: F) -> Result<T, E>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = error::Result<T>>,
        E: From<Error>,
    {
        let mut attempt = 0;
        loop {
            match op().await {
                Err(failure) if attempt < RETRIES && failure.is_conflict() => {
                    attempt += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(2 << attempt)).await;
                }
                outcome => return outcome.map_err(E::from),
            }
        }
    }

    /// The last event sequence of `show`.
    pub async fn last_sequence(&self, show: ShowId) -> Result<Sequence, ReservationError> {
        let seq: Option<i64> =
            sqlx::query_scalar("SELECT last_seq FROM show_state WHERE show_id = $1")
                .bind(show.as_uuid())
                .fetch_optional(self.pool())
                .await
                .map_err(Error::from)?;
        let seq = seq.ok_or(ReservationError::UnknownShow(show))?;
        Ok(rows::sequence(seq, "show_state")?)
    }
}
