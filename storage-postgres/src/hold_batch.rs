//! Group commit for holds. An on-sale is many holds on one show, and each
//! would take the show's lock and commit (one fsync) in turn. Instead, the
//! requests that arrive while a show's transaction runs queue up, and the
//! next transaction decides them all, one by one in arrival order, and
//! commits once. Each request is decided as if it ran alone (all or
//! nothing, against the seats the earlier ones left), so the limits and
//! first come, first served hold as before; the show's row lock still
//! orders the batches of several server instances.

use std::sync::Arc;

use dashmap::DashMap;
use reservation_core::{Hold, HoldRequest, ReservationError, ShowId};
use time::OffsetDateTime;
use tokio::sync::{Mutex, oneshot};

use crate::PgStore;
use crate::error::{AdapterError, Error};

/// Most requests one transaction decides: bounds its time and size.
const MAX_BATCH: usize = 256;

/// The hold requests waiting for their show's next transaction.
#[derive(Default)]
pub(crate) struct HoldQueues {
    shows: DashMap<ShowId, Arc<Queue>>,
}

#[derive(Default)]
struct Queue {
    waiting: parking_lot::Mutex<Vec<Pending>>,
    /// Held while a transaction of this queue runs.
    turn: Arc<Mutex<()>>,
}

/// A request and where its outcome goes.
struct Pending {
    request: HoldRequest,
    now: OffsetDateTime,
    reply: oneshot::Sender<Result<Hold, ReservationError>>,
}

impl PgStore {
    /// Queues `request` for its show's next transaction and waits for the
    /// outcome. Whoever gets the show's turn decides everything queued by
    /// then, in a task of its own: a caller that gives up does not abandon
    /// the requests it took.
    pub(crate) async fn hold_batched(
        &self,
        request: &HoldRequest,
        now: OffsetDateTime,
    ) -> Result<Hold, ReservationError> {
        let queue = Arc::clone(&self.inner.holds.shows.entry(request.show).or_default());
        let (reply, mut outcome) = oneshot::channel();
        queue.waiting.lock().push(Pending {
            request: request.clone(),
            now,
            reply,
        });
        let undecided = |_| Err(Error::from(AdapterError::Undecided).into());
        // A request taken into a running batch is answered when that batch
        // commits, without queueing behind the next one.
        let turn = tokio::select! {
            decided = &mut outcome => return decided.unwrap_or_else(undecided),
            turn = Arc::clone(&queue.turn).lock_owned() => turn,
        };
        let batch = {
            let mut waiting = queue.waiting.lock();
            // Requests whose callers have gone are not decided at all.
            waiting.retain(|p| !p.reply.is_closed());
            let take = waiting.len().min(MAX_BATCH);
            waiting.drain(..take).collect::<Vec<_>>()
        };
        if !batch.is_empty() {
            let store = self.clone();
            tokio::spawn(async move {
                store.decide(batch).await;
                drop(turn);
            });
        }
        outcome.await.unwrap_or_else(undecided)
    }

    /// Decides `batch` in one transaction and answers each request.
    async fn decide(&self, batch: Vec<Pending>) {
        // Time only moves on: the latest arrival's clock is right for all.
        let (Some(show), Some(now)) = (
            batch.first().map(|p| p.request.show),
            batch.iter().map(|p| p.now).max(),
        ) else {
            return;
        };
        let started = std::time::Instant::now();
        let size = batch.len();
        let (requests, replies): (Vec<_>, Vec<_>) =
            batch.into_iter().map(|p| (p.request, p.reply)).unzip();
        let outcome: Result<_, Error> = self
            .retrying(|| async {
                let mut t = self.begin(show, now).await?;
                let decided = self.hold_all(&mut t, &requests).await;
                t.finish(decided).await
            })
            .await;
        tracing::debug!(%show, size, elapsed = ?started.elapsed(), "hold batch decided");
        match outcome {
            Ok(decided) => {
                for (reply, decision) in replies.into_iter().zip(decided) {
                    let _ = reply.send(decision);
                }
            }
            Err(failure) => {
                for reply in replies {
                    let _ = reply.send(Err(failure.clone().into()));
                }
            }
        }
    }
}
