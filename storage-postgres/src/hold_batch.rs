//! Group commit for holds. An on-sale is many holds on one show, and each
//! would take the show's lock and commit (one fsync) in turn. Instead, the
//! requests that arrive while a show's transaction runs queue up, and the
//! next transaction decides them all, one by one in arrival order, and
//! commits once ([`GroupCommit`]). Each request is decided as if it ran
//! alone (all or nothing, against the seats the earlier ones left), so the
//! limits and first come, first served hold as before; the show's row lock
//! still orders the batches of several server instances.

use reservation_core::{Hold, HoldRequest, ReservationError, ShowId};
use time::OffsetDateTime;

use crate::PgStore;
use crate::error::{AdapterError, Error};
use crate::group_commit::GroupCommit;

/// Most requests one transaction decides: bounds its time and size.
const MAX_BATCH: usize = 256;

/// The hold requests (with their callers' clocks) waiting for their show's
/// next transaction.
pub(crate) struct HoldQueues(GroupCommit<ShowId, (HoldRequest, OffsetDateTime), Decision>);

/// One request's outcome.
type Decision = Result<Hold, ReservationError>;

impl HoldQueues {
    /// Queues whose requests wait at most `turn_wait` for their turn.
    pub(crate) fn new(turn_wait: std::time::Duration) -> Self {
        Self(GroupCommit::new(MAX_BATCH, turn_wait))
    }
}

impl PgStore {
    /// Queues `request` for its show's next transaction and waits for the
    /// outcome (see [`GroupCommit::submit`]).
    pub(crate) async fn hold_batched(
        &self,
        request: &HoldRequest,
        now: OffsetDateTime,
    ) -> Result<Hold, ReservationError> {
        let store = self.clone();
        self.inner
            .holds
            .0
            .submit(
                request.show,
                (request.clone(), now),
                || Err(Error::from(AdapterError::Undecided).into()),
                move |batch| async move { store.decide(batch).await },
            )
            .await
    }

    /// Decides `batch` in one transaction: an outcome per request, in order.
    async fn decide(&self, batch: Vec<(HoldRequest, OffsetDateTime)>) -> Vec<Decision> {
        // Time only moves on: the latest arrival's clock is right for all.
        let (Some(show), Some(now)) = (
            batch.first().map(|(request, _)| request.show),
            batch.iter().map(|(_, now)| *now).max(),
        ) else {
            return Vec::new();
        };
        let started = std::time::Instant::now();
        let size = batch.len();
        let requests: Vec<HoldRequest> = batch.into_iter().map(|(request, _)| request).collect();
        let outcome: Result<_, Error> = self
            .retrying(|| async {
                let mut t = self.begin(show, now).await?;
                let decided = self.hold_all(&mut t, &requests).await;
                t.finish(decided).await
            })
            .await;
        tracing::debug!(%show, size, elapsed = ?started.elapsed(), "hold batch decided");
        outcome.unwrap_or_else(|failure| {
            let failure = ReservationError::from(failure);
            requests.iter().map(|_| Err(failure.clone())).collect()
        })
    }
}
