//! Group commit: the requests for one key (a show's holds, a room's joins)
//! that arrive while that key's transaction runs queue up, and the next
//! transaction decides them all, in arrival order, and commits once. An
//! on-sale then costs one lock wait and one fsync per batch rather than per
//! request. Each request is decided as if it ran alone; the batch runner
//! (a closure given by the caller) says how.

use std::future::Future;
use std::hash::Hash;
use std::sync::Arc;

use dashmap::DashMap;
use tokio::sync::{Mutex, oneshot};

/// The requests waiting for their key's next transaction, per key.
pub(crate) struct GroupCommit<K, Req, Out> {
    queues: DashMap<K, Arc<Queue<Req, Out>>>,
    /// Most requests one transaction decides: bounds its time and size.
    max_batch: usize,
    /// Longest a request waits for its key's turn: past it the database is
    /// not keeping up (or not there), and waiting for a whole further
    /// transaction would only double the caller's wait.
    turn_wait: std::time::Duration,
}

struct Queue<Req, Out> {
    waiting: parking_lot::Mutex<Vec<Pending<Req, Out>>>,
    /// Held while a transaction of this queue runs.
    turn: Arc<Mutex<()>>,
}

impl<Req, Out> Default for Queue<Req, Out> {
    fn default() -> Self {
        Self {
            waiting: parking_lot::Mutex::new(Vec::new()),
            turn: Arc::default(),
        }
    }
}

/// A request and where its outcome goes.
struct Pending<Req, Out> {
    request: Req,
    reply: oneshot::Sender<Out>,
}

impl<K, Req, Out> GroupCommit<K, Req, Out>
where
    K: Eq + Hash,
    Req: Send + 'static,
    Out: Send + 'static,
{
    /// Queues of batches of at most `max_batch` requests, each waiting at
    /// most `turn_wait` for its turn.
    pub(crate) fn new(max_batch: usize, turn_wait: std::time::Duration) -> Self {
        Self {
            queues: DashMap::new(),
            max_batch,
            turn_wait,
        }
    }

    /// Queues `request` for `key`'s next transaction and waits for its
    /// outcome. Whoever gets the key's turn runs `decide` on everything
    /// queued by then (at most `max_batch`, in arrival order), in a task
    /// of its own: a caller that gives up does not abandon the requests it
    /// took. `decide` returns one outcome per request, in their order; a
    /// request it leaves without one gets `undecided()`, and so does one
    /// that did not get its turn within `turn_wait` (it gives up like a
    /// caller that went away: if a batch took it meanwhile, that batch
    /// still decides it).
    pub(crate) async fn submit<F, Fut>(
        &self,
        key: K,
        request: Req,
        undecided: fn() -> Out,
        decide: F,
    ) -> Out
    where
        F: FnOnce(Vec<Req>) -> Fut,
        Fut: Future<Output = Vec<Out>> + Send + 'static,
    {
        let queue = Arc::clone(&self.queues.entry(key).or_default());
        let (reply, mut outcome) = oneshot::channel();
        queue.waiting.lock().push(Pending { request, reply });
        // A request taken into a running batch is answered when that batch
        // commits, without queueing behind the next one.
        let turn = tokio::select! {
            decided = &mut outcome => return decided.unwrap_or_else(|_| undecided()),
            turn = Arc::clone(&queue.turn).lock_owned() => turn,
            () = tokio::time::sleep(self.turn_wait) => return undecided(),
        };
        let batch = {
            let mut waiting = queue.waiting.lock();
            // Requests whose callers have gone are not decided at all.
            waiting.retain(|p| !p.reply.is_closed());
            let take = waiting.len().min(self.max_batch);
            waiting.drain(..take).collect::<Vec<_>>()
        };
        if !batch.is_empty() {
            let (requests, replies): (Vec<_>, Vec<_>) =
                batch.into_iter().map(|p| (p.request, p.reply)).unzip();
            let decided = decide(requests);
            tokio::spawn(async move {
                let outcomes = decided.await;
                for (reply, outcome) in replies.into_iter().zip(outcomes) {
                    // A caller that gave up is fine.
                    let _ = reply.send(outcome);
                }
                drop(turn);
            });
        }
        outcome.await.unwrap_or_else(|_| undecided())
    }
}
