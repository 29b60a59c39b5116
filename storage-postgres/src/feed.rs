//! Event subscriptions across processes: the outbox table is the truth,
//! `LISTEN/NOTIFY` only wakes readers up.
//!
//! One listener connection per process receives a notification naming the
//! show after every committed change and wakes that show's subscribers, who
//! then read the outbox after their last sequence. The same connection
//! receives catalog changes for the search index. A missed notification (a
//! reconnect) only delays delivery until the next wake-up or the periodic
//! re-read, never loses or reorders events.

use std::sync::Arc;
use std::time::Duration;

use dashmap::DashMap;
use reservation_core::{EventStream, Sequence, ShowEvent, ShowId, StorageError};
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio::sync::{broadcast, mpsc, watch};

use crate::error::{AdapterError, Result, storage};
use crate::rows::EventRow;
use crate::search::{CATALOG_CHANNEL, CatalogChange, CatalogIndex};

/// The notification channel.
pub(crate) const CHANNEL: &str = "seatwise_events";

/// How long a subscriber waits for a wake-up before reading the outbox anyway.
const REREAD_EVERY: Duration = Duration::from_secs(2);

/// How long a caller waits for the listener to start listening.
const LISTEN_WAIT: Duration = Duration::from_secs(10);

/// Events read per query.
const PAGE: usize = 256;

pub(crate) struct Feed {
    /// Where the listener takes its connection: the reserved pool, so
    /// requests that exhaust theirs never silence live updates.
    background: PgPool,
    wakers: Arc<DashMap<ShowId, broadcast::Sender<()>>>,
    /// Catalog changes go to the search index.
    catalog: Arc<CatalogIndex>,
    /// How many times the listener has started listening (0: not yet).
    listening: std::sync::OnceLock<watch::Receiver<u64>>,
}

impl Feed {
    /// A feed whose listener connects through `background`.
    pub(crate) fn new(background: PgPool) -> Self {
        Self {
            background,
            wakers: Arc::default(),
            catalog: Arc::default(),
            listening: std::sync::OnceLock::new(),
        }
    }

    /// The search index, fed by this feed's catalog notifications.
    pub(crate) fn catalog(&self) -> &CatalogIndex {
        &self.catalog
    }

    /// Starts the listener if it is not running; returns its count of
    /// (re)connections.
    fn listener(&self) -> watch::Receiver<u64> {
        self.listening
            .get_or_init(|| {
                let (listening, receiver) = watch::channel(0);
                let listener = Listener {
                    wakers: Arc::clone(&self.wakers),
                    catalog: Arc::clone(&self.catalog),
                    listening,
                };
                tokio::spawn(listener.run(self.background.clone()));
                receiver
            })
            .clone()
    }

    /// Waits until the listener listens, so that no change committed from
    /// now on goes unnoticed; fails after [`LISTEN_WAIT`] (the database is
    /// unreachable) rather than hold a request forever.
    pub(crate) async fn listening(&self) -> Result<(), StorageError> {
        let mut listener = self.listener();
        match tokio::time::timeout(LISTEN_WAIT, listener.wait_for(|n| *n > 0)).await {
            Ok(listening) => listening.map(drop).map_err(storage),
            Err(_) => Err(storage(AdapterError::NotListening)),
        }
    }

    /// Events of `show` after `after`, then live ones, in order.
    pub(crate) fn subscribe(&self, pool: PgPool, show: ShowId, after: Sequence) -> EventStream {
        let wake = self
            .wakers
            .entry(show)
            .or_insert_with(|| broadcast::channel(16).0)
            .subscribe();
        self.listener();
        let state = (pool, after, wake, std::collections::VecDeque::new());
        let stream = futures_util::stream::unfold(Some(state), move |state| async move {
            let (pool, mut after, mut wake, mut ready) = state?;
            loop {
                if let Some(event) = ready.pop_front() {
                    return Some((Ok(event), Some((pool, after, wake, ready))));
                }
                match events_after(&pool, show, after, PAGE).await {
                    Ok(events) if !events.is_empty() => {
                        after = events.last().map_or(after, |e: &ShowEvent| e.seq);
                        ready.extend(events);
                    }
                    Ok(_) => {
                        // Lagging wake-ups are fine: we re-read the outbox either way.
                        let _ = tokio::time::timeout(REREAD_EVERY, wake.recv()).await;
                    }
                    Err(failure) => return Some((Err(failure.into()), None)),
                }
            }
        });
        Box::pin(stream)
    }
}

/// Sends the wake-ups of committed changes. They go after the commits, not
/// in them: a transaction that notifies holds a database-wide lock through
/// its commit's flush, which made every show's transactions commit one at a
/// time. The wake-ups that queue while one statement runs go out together in
/// the next. A lost wake-up only waits for the subscribers' periodic re-read.
#[derive(Clone)]
pub(crate) struct Notifier {
    queue: mpsc::UnboundedSender<(&'static str, String)>,
}

impl Notifier {
    /// Starts the sending task on the current runtime.
    pub(crate) fn start(pool: PgPool) -> Self {
        let (queue, pending) = mpsc::unbounded_channel();
        tokio::spawn(send_wakeups(pool, pending));
        Self { queue }
    }

    /// Wakes the subscribers of `show`, in every process, soon.
    pub(crate) fn announce(&self, show: ShowId) {
        // The task ends only with its runtime; subscribers still re-read.
        let _ = self.queue.send((CHANNEL, show.to_string()));
    }

    /// Tells every process's search index about a catalog change.
    pub(crate) fn announce_catalog(&self, change: CatalogChange) {
        let _ = self.queue.send((CATALOG_CHANNEL, change.to_string()));
    }
}

/// Most wake-ups one statement sends.
const WAKEUPS_PER_STATEMENT: usize = 1024;

async fn send_wakeups(pool: PgPool, mut pending: mpsc::UnboundedReceiver<(&'static str, String)>) {
    let mut notes = Vec::new();
    while pending.recv_many(&mut notes, WAKEUPS_PER_STATEMENT).await > 0 {
        // Duplicates say nothing more; the order of distinct ones is kept.
        let mut seen = std::collections::HashSet::new();
        notes.retain(|note| seen.insert(note.clone()));
        let (channels, payloads): (Vec<&str>, Vec<String>) = notes.drain(..).unzip();
        let sent = sqlx::query(
            "SELECT pg_notify(channel, payload) FROM unnest($1::text[], $2::text[]) AS n(channel, payload)",
        )
        .bind(&channels)
        .bind(&payloads)
        .execute(&pool)
        .await;
        if let Err(error) = sent {
            tracing::warn!(%error, notes = payloads.len(), "wake-ups not sent");
        }
    }
}

/// The one connection per process that listens for notifications.
struct Listener {
    wakers: Arc<DashMap<ShowId, broadcast::Sender<()>>>,
    catalog: Arc<CatalogIndex>,
    listening: watch::Sender<u64>,
}

impl Listener {
    /// Wakes the subscribers of each show named by a notification and hands
    /// catalog changes to the search index. After a lost connection it wakes
    /// every subscriber and has the index rebuilt: notifications may have
    /// been missed.
    async fn run(self, pool: PgPool) {
        loop {
            let mut listener = match PgListener::connect_with(&pool).await {
                Ok(listener) => listener,
                Err(error) => {
                    tracing::warn!(%error, "event listener cannot connect; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            if let Err(error) = listener.listen_all([CHANNEL, CATALOG_CHANNEL]).await {
                tracing::warn!(%error, "LISTEN failed; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
            self.listening.send_modify(|connections| *connections += 1);
            loop {
                match listener.try_recv().await {
                    Ok(Some(note)) if note.channel() == CATALOG_CHANNEL => {
                        self.catalog.changed(note.payload());
                    }
                    Ok(Some(note)) => {
                        if let Ok(show) = note.payload().parse::<ShowId>()
                            && let Some(waker) = self.wakers.get(&show)
                        {
                            // Nobody listening is fine.
                            let _ = waker.send(());
                        }
                    }
                    Ok(None) | Err(_) => {
                        for waker in self.wakers.iter() {
                            let _ = waker.send(());
                        }
                        self.catalog.missed_changes();
                        break;
                    }
                }
            }
        }
    }
}

/// Outbox events of `show` after `after`, oldest first.
pub(crate) async fn events_after(
    pool: &PgPool,
    show: ShowId,
    after: Sequence,
    limit: usize,
) -> Result<Vec<ShowEvent>> {
    let rows: Vec<EventRow> = sqlx::query_as(
        "SELECT seq, at, v, change FROM show_events WHERE show_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
    )
    .bind(show.as_uuid())
    // Past the largest sequence there is nothing to read.
    .bind(i64::try_from(after.0).unwrap_or(i64::MAX))
    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(|row| row.read(show)).collect()
}
