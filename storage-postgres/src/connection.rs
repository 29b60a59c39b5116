//! How the store uses its database server: a bounded connection budget and
//! bounded waits, so that a slow, frozen or absent database is an answer
//! within seconds rather than a hang, and one instance cannot starve the
//! others or its own background work.

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgPool};

/// How long a pooled connection may sit idle before it is checked (pinged)
/// on its next use. Busy connections go unchecked: a ping is a round trip
/// per transaction.
pub const CHECK_IDLE_AFTER: Duration = Duration::from_secs(1);

/// Connections each store keeps besides [`PoolConfig::max_connections`]:
/// one for the listener of notifications and one for the background work
/// (the sweeper, the waiting rooms' pacer, sending wake-ups), so that
/// requests that exhaust their pool never stop expiries or live updates.
pub const RESERVED_CONNECTIONS: u32 = 2;

/// The connection budget and time limits of a [`PgStore`](crate::PgStore).
///
/// An instance opens at most `max_connections +` [`RESERVED_CONNECTIONS`]
/// connections; size the pools of N instances so that their sum stays
/// below the server's `max_connections` minus what operators need
/// (PostgreSQL's default 100 fits seven instances at the defaults).
///
/// ```
/// use std::time::Duration;
/// use storage_postgres::PoolConfig;
///
/// let config = PoolConfig::default()
///     .with_max_connections(20)
///     .with_acquire_timeout(Duration::from_secs(2));
/// assert_eq!(config.max_connections, 20);
/// assert_eq!(config.budget(), 20 + storage_postgres::RESERVED_CONNECTIONS);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PoolConfig {
    /// Connections for requests (default 10).
    pub max_connections: u32,
    /// Longest a request waits for a connection, connecting included
    /// (default 3 s): while the database is unreachable, requests fail
    /// after this long (a hold queued behind a failing batch of holds after
    /// half as long again).
    pub acquire_timeout: Duration,
    /// Longest one statement may run (default 5 s); also how long a
    /// transaction may sit idle, so a stalled client cannot keep a show
    /// locked.
    pub statement_timeout: Duration,
    /// Longest a statement waits for a lock (default 2 s).
    pub lock_timeout: Duration,
}

impl Default for PoolConfig {
    fn default() -> Self {
        Self {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(3),
            statement_timeout: Duration::from_secs(5),
            lock_timeout: Duration::from_secs(2),
        }
    }
}

impl PoolConfig {
    /// The same with `n` connections for requests (at least 1).
    pub fn with_max_connections(mut self, n: u32) -> Self {
        self.max_connections = n.max(1);
        self
    }

    /// The same with another connection-acquire timeout.
    pub fn with_acquire_timeout(mut self, timeout: Duration) -> Self {
        self.acquire_timeout = timeout;
        self
    }

    /// The same with another statement (and idle-in-transaction) timeout.
    pub fn with_statement_timeout(mut self, timeout: Duration) -> Self {
        self.statement_timeout = timeout;
        self
    }

    /// The same with another lock timeout.
    pub fn with_lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = timeout;
        self
    }

    /// Every connection one store may open.
    pub fn budget(&self) -> u32 {
        self.max_connections + RESERVED_CONNECTIONS
    }

    /// The longest one operation should take: a connection, then its
    /// statements. Past it, the database is not answering (a frozen
    /// server enforces no statement timeout), and a caller can give up.
    pub fn operation_deadline(&self) -> Duration {
        self.acquire_timeout + self.statement_timeout
    }

    /// `url`'s connection options with these time limits set for every
    /// session (startup parameters: no extra round trip per transaction).
    pub fn connect_options(&self, url: &str) -> Result<PgConnectOptions, sqlx::Error> {
        let millis = |d: Duration| d.as_millis().to_string();
        let options: PgConnectOptions = url.parse()?;
        Ok(options.options([
            ("statement_timeout", millis(self.statement_timeout)),
            (
                "idle_in_transaction_session_timeout",
                millis(self.statement_timeout),
            ),
            ("lock_timeout", millis(self.lock_timeout)),
        ]))
    }

    /// The request pool's options: [`max_connections`](Self::max_connections),
    /// the acquire timeout, and a ping only for connections idle for
    /// [`CHECK_IDLE_AFTER`] (a connection the server dropped within that
    /// time fails its first statement; the store's transactions then take
    /// another one).
    pub fn pool_options(&self) -> PgPoolOptions {
        self.options(self.max_connections)
    }

    /// A pool of `connections` with these limits. Failed connects back off
    /// at most a fifth of the acquire timeout, so a database that is back
    /// gets used within that.
    fn options(&self, connections: u32) -> PgPoolOptions {
        PgPoolOptions::new()
            .max_connections(connections)
            .acquire_timeout(self.acquire_timeout)
            .test_before_acquire(false)
            .before_acquire(|connection, meta| {
                Box::pin(async move {
                    if meta.idle_for >= CHECK_IDLE_AFTER {
                        connection.ping().await?;
                    }
                    Ok(true)
                })
            })
    }

    /// The request pool and the reserved one for background work, both
    /// connecting on first use.
    pub(crate) fn lazy_pools(&self, options: &PgConnectOptions) -> (PgPool, PgPool) {
        (
            self.pool_options().connect_lazy_with(options.clone()),
            self.options(RESERVED_CONNECTIONS)
                .connect_lazy_with(options.clone()),
        )
    }
}
