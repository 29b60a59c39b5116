//! Show turns: the operations on one show that arrive while that show's
//! transaction runs (paying, releasing, a checkout starting) queue up, and
//! the next transaction runs them all, one after another in arrival order,
//! and commits once ([`GroupCommit`]). A sell-out's payments then cost one
//! lock wait and one fsync per batch rather than per payment.
//!
//! Each operation runs as it would alone: it sees what the ones before it
//! did, and a refusal keeps what was done before it, as [`ShowTx::finish`]
//! does. A storage failure loses the whole batch, which is run again as
//! one when the failure was only a conflict, and fails for all otherwise.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use reservation_core::{HoldToken, ReservationError, ShowId};
use time::OffsetDateTime;

use crate::PgStore;
use crate::error::{AdapterError, Error, Result};
use crate::group_commit::GroupCommit;
use crate::meta::ShowMeta;
use crate::show_tx::ShowTx;

/// Most operations one transaction runs: bounds its time and size.
const MAX_BATCH: usize = 128;

/// What an operation's body returns: it borrows the show's transaction.
pub(crate) type Body<'t, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 't>>;

/// The operations waiting for their show's next transaction.
pub(crate) struct ShowTurns(GroupCommit<ShowId, Queued, Result<(), ReservationError>>);

impl ShowTurns {
    /// Queues whose operations wait at most `turn_wait` for their turn.
    pub(crate) fn new(turn_wait: std::time::Duration) -> Self {
        Self(GroupCommit::new(MAX_BATCH, turn_wait))
    }
}

/// An operation with the hold it is about and its caller's clock.
pub(crate) struct Queued {
    turn: Box<dyn Turn>,
    token: HoldToken,
    now: OffsetDateTime,
}

/// An operation, with its outcome kept for its caller.
trait Turn: Send {
    /// Runs the operation in `t` and keeps its outcome; an error is a
    /// storage failure, which loses the transaction.
    fn run<'t>(&'t mut self, t: &'t mut ShowTx) -> Body<'t, ()>;
}

/// An operation's body and where its outcome goes.
struct Op<F, T> {
    body: F,
    outcome: Arc<parking_lot::Mutex<Option<Result<T>>>>,
}

impl<F, T> Turn for Op<F, T>
where
    F: for<'t> FnMut(&'t mut ShowTx) -> Body<'t, T> + Send,
    T: Send,
{
    fn run<'t>(&'t mut self, t: &'t mut ShowTx) -> Body<'t, ()> {
        Box::pin(async move {
            match (self.body)(t).await {
                Err(Error::Storage(failure)) => Err(Error::Storage(failure)),
                outcome => {
                    *self.outcome.lock() = Some(outcome);
                    Ok(())
                }
            }
        })
    }
}

impl PgStore {
    /// Runs `body` on the show of `token` in its next transaction (see the
    /// module's docs) and returns its outcome: an unknown show is an
    /// unknown token.
    pub(crate) async fn on_token_show<T, F>(
        &self,
        token: &HoldToken,
        now: OffsetDateTime,
        body: F,
    ) -> Result<T, ReservationError>
    where
        F: for<'t> FnMut(&'t mut ShowTx) -> Body<'t, T> + Send + 'static,
        T: Send + 'static,
    {
        let meta = match self.meta(token.show()).await {
            Err(Error::Refused(ReservationError::UnknownShow(_))) => {
                return Err(ReservationError::InvalidHoldToken);
            }
            meta => meta?,
        };
        let outcome = Arc::new(parking_lot::Mutex::new(None));
        let queued = Queued {
            turn: Box::new(Op {
                body,
                outcome: Arc::clone(&outcome),
            }),
            token: token.clone(),
            now,
        };
        let store = self.clone();
        self.inner
            .turns
            .0
            .submit(
                meta.show.id,
                queued,
                || Err(Error::from(AdapterError::Undecided).into()),
                move |batch| async move { store.run_turns(meta, batch).await },
            )
            .await?;
        let outcome = outcome.lock().take();
        outcome
            .unwrap_or_else(|| Err(AdapterError::Undecided.into()))
            .map_err(ReservationError::from)
    }

    /// Runs `batch` in one transaction: `Ok` for each when it committed.
    async fn run_turns(
        &self,
        meta: Arc<ShowMeta>,
        batch: Vec<Queued>,
    ) -> Vec<Result<(), ReservationError>> {
        // Time only moves on: the latest arrival's clock is right for all.
        let Some(now) = batch.iter().map(|queued| queued.now).max() else {
            return Vec::new();
        };
        let size = batch.len();
        let batch = tokio::sync::Mutex::new(batch);
        let outcome: Result<(), Error> = self
            .retrying(|| async {
                let mut batch = batch.lock().await;
                let mut t = ShowTx::begin(self, Arc::clone(&meta), now, false)
                    .await?
                    .ok_or(ReservationError::UnknownShow(meta.show.id))?;
                let tokens: Vec<HoldToken> =
                    batch.iter().map(|queued| queued.token.clone()).collect();
                t.read_ahead(&tokens).await?;
                for queued in batch.iter_mut() {
                    queued.turn.run(&mut t).await?;
                }
                t.commit().await.map(drop)
            })
            .await;
        match outcome {
            Ok(()) => (0..size).map(|_| Ok(())).collect(),
            Err(failure) => {
                let failure = ReservationError::from(failure);
                (0..size).map(|_| Err(failure.clone())).collect()
            }
        }
    }
}
