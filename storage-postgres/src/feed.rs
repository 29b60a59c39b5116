//! Event subscriptions across processes: the outbox table is the truth,
//! `LISTEN/NOTIFY` only wakes readers up.
//!
//! One listener connection per process receives a notification naming the
//! show after every committed change and wakes that show's subscribers, who
//! then read the outbox after their last sequence. A missed notification (a
//! reconnect) only delays delivery until the next wake-up or the periodic
//! re-read, never loses or reorders events.

use std::sync::Arc;
use std::time::Duration;

use dashmap::DashMap;
use reservation_core::{Change, EventStream, ReservationError, Sequence, ShowEvent, ShowId};
use sqlx::postgres::PgListener;
use sqlx::{PgPool, Row};
use tokio::sync::{broadcast, mpsc};

use crate::error::storage;

/// The notification channel.
pub(crate) const CHANNEL: &str = "seatwise_events";

/// How long a subscriber waits for a wake-up before reading the outbox anyway.
const REREAD_EVERY: Duration = Duration::from_secs(2);

/// Events read per query.
const PAGE: usize = 256;

#[derive(Default)]
pub(crate) struct Feed {
    wakers: Arc<DashMap<ShowId, broadcast::Sender<()>>>,
    listener: std::sync::OnceLock<()>,
}

impl Feed {
    /// Events of `show` after `after`, then live ones, in order.
    pub(crate) fn subscribe(&self, pool: PgPool, show: ShowId, after: Sequence) -> EventStream {
        let wake = self
            .wakers
            .entry(show)
            .or_insert_with(|| broadcast::channel(16).0)
            .subscribe();
        self.listener.get_or_init(|| {
            tokio::spawn(listen(pool.clone(), Arc::clone(&self.wakers)));
        });
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
                    Err(failure) => return Some((Err(failure), None)),
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
    queue: mpsc::UnboundedSender<ShowId>,
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
        let _ = self.queue.send(show);
    }
}

/// Most wake-ups one statement sends.
const WAKEUPS_PER_STATEMENT: usize = 1024;

async fn send_wakeups(pool: PgPool, mut pending: mpsc::UnboundedReceiver<ShowId>) {
    let mut shows = Vec::new();
    while pending.recv_many(&mut shows, WAKEUPS_PER_STATEMENT).await > 0 {
        shows.sort_unstable();
        shows.dedup();
        let names: Vec<String> = shows.drain(..).map(|s| s.to_string()).collect();
        let sent = sqlx::query("SELECT pg_notify($1, show) FROM unnest($2::text[]) AS show")
            .bind(CHANNEL)
            .bind(&names)
            .execute(&pool)
            .await;
        if let Err(error) = sent {
            tracing::warn!(%error, shows = names.len(), "no wake-up sent for new events");
        }
    }
}

/// Wakes subscribers of each show named by a notification; after a lost
/// connection, wakes everyone (notifications may have been missed).
async fn listen(pool: PgPool, wakers: Arc<DashMap<ShowId, broadcast::Sender<()>>>) {
    loop {
        let mut listener = match PgListener::connect_with(&pool).await {
            Ok(listener) => listener,
            Err(error) => {
                tracing::warn!(%error, "event listener cannot connect; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if let Err(error) = listener.listen(CHANNEL).await {
            tracing::warn!(%error, "LISTEN failed; retrying");
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        loop {
            match listener.try_recv().await {
                Ok(Some(note)) => {
                    if let Ok(show) = note.payload().parse::<ShowId>()
                        && let Some(waker) = wakers.get(&show)
                    {
                        // Nobody listening is fine.
                        let _ = waker.send(());
                    }
                }
                Ok(None) | Err(_) => {
                    for waker in wakers.iter() {
                        let _ = waker.send(());
                    }
                    break;
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
) -> Result<Vec<ShowEvent>, ReservationError> {
    let rows = sqlx::query("SELECT seq, at, change FROM show_events WHERE show_id = $1 AND seq > $2 ORDER BY seq LIMIT $3")
        .bind(show.as_uuid())
        .bind(i64::try_from(after.0).unwrap_or(i64::MAX))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(pool)
        .await
        .map_err(storage)?;
    rows.iter()
        .map(|row| {
            let seq: i64 = row.try_get("seq").map_err(storage)?;
            let change: sqlx::types::Json<Change> = row.try_get("change").map_err(storage)?;
            Ok(ShowEvent {
                show,
                seq: Sequence(u64::try_from(seq).unwrap_or(0)),
                at: row.try_get("at").map_err(storage)?,
                change: change.0,
            })
        })
        .collect()
}
