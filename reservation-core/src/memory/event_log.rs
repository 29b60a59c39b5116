//! A show's event stream in memory: a bounded backlog for catching up plus a
//! broadcast channel for live subscribers.

use std::collections::VecDeque;

use futures_util::StreamExt;
use time::OffsetDateTime;
use tokio::sync::broadcast;
use tokio_stream::wrappers::BroadcastStream;

use crate::error::ReservationError;
use crate::events::{Change, EventStream, Sequence, ShowEvent};
use crate::ids::ShowId;

/// How many live events a subscriber may fall behind before it must resync.
const LIVE_BUFFER: usize = 1024;

pub(crate) struct EventLog {
    show: ShowId,
    last: Sequence,
    backlog: VecDeque<ShowEvent>,
    capacity: usize,
    // Created on first subscription: a broadcast channel preallocates its buffer.
    live: Option<broadcast::Sender<ShowEvent>>,
}

impl EventLog {
    pub(crate) fn new(show: ShowId, capacity: usize) -> Self {
        Self {
            show,
            last: Sequence(0),
            backlog: VecDeque::new(),
            capacity: capacity.max(1),
            live: None,
        }
    }

    pub(crate) fn last(&self) -> Sequence {
        self.last
    }

    pub(crate) fn push(&mut self, at: OffsetDateTime, change: Change) {
        self.last = self.last.next();
        let event = ShowEvent::new(self.show, self.last, at, change);
        if let Some(live) = &self.live {
            // No receivers is fine: nobody is watching this show right now.
            let _ = live.send(event.clone());
        }
        if self.backlog.len() == self.capacity {
            self.backlog.pop_front();
        }
        self.backlog.push_back(event);
    }

    /// The oldest sequence a reader may resume after.
    fn oldest_resumable(&self) -> Sequence {
        self.backlog
            .front()
            .map_or(self.last, |e| Sequence(e.seq.0 - 1))
    }

    pub(crate) fn since(
        &self,
        after: Sequence,
        limit: usize,
    ) -> Result<Vec<ShowEvent>, ReservationError> {
        if after < self.oldest_resumable() {
            return Err(ReservationError::EventsGone {
                oldest: self.oldest_resumable(),
            });
        }
        let skip = self.backlog.len()
            - usize::try_from(self.last.0 - after.0.min(self.last.0)).unwrap_or(0);
        Ok(self
            .backlog
            .iter()
            .skip(skip)
            .take(limit)
            .cloned()
            .collect())
    }

    /// Backlog after `after`, then live events. Called with the show locked,
    /// so no event can slip between the backlog and the live feed.
    pub(crate) fn subscribe(&mut self, after: Sequence) -> Result<EventStream, ReservationError> {
        let backlog = self.since(after, usize::MAX)?;
        let receiver = self
            .live
            .get_or_insert_with(|| broadcast::channel(LIVE_BUFFER).0)
            .subscribe();
        let mut failed = false;
        let live = BroadcastStream::new(receiver)
            .map(|item| {
                item.map_err(|_lagged| ReservationError::EventsGone {
                    oldest: Sequence(0),
                })
            })
            // Stop after the first error: a lagging subscriber must resync.
            .take_while(move |item| {
                let keep = !failed;
                failed |= item.is_err();
                std::future::ready(keep)
            });
        Ok(Box::pin(
            futures_util::stream::iter(backlog.into_iter().map(Ok)).chain(live),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::WaitId;

    fn change() -> Change {
        Change::WaitJoined {
            wait: WaitId::random(),
            count: 1,
        }
    }

    #[test]
    fn sequences_start_at_one_and_have_no_gaps() {
        let mut log = EventLog::new(ShowId::random(), 10);
        let now = OffsetDateTime::UNIX_EPOCH;
        for _ in 0..5 {
            log.push(now, change());
        }
        let seqs: Vec<u64> = log
            .since(Sequence(0), 100)
            .unwrap()
            .iter()
            .map(|e| e.seq.0)
            .collect();
        assert_eq!(seqs, vec![1, 2, 3, 4, 5]);
        let tail: Vec<u64> = log
            .since(Sequence(3), 100)
            .unwrap()
            .iter()
            .map(|e| e.seq.0)
            .collect();
        assert_eq!(tail, vec![4, 5]);
        assert!(log.since(Sequence(5), 100).unwrap().is_empty());
    }

    #[test]
    fn trimmed_history_is_reported_not_skipped() {
        let mut log = EventLog::new(ShowId::random(), 3);
        for _ in 0..5 {
            log.push(OffsetDateTime::UNIX_EPOCH, change());
        }
        assert!(matches!(
            log.since(Sequence(1), 10),
            Err(ReservationError::EventsGone {
                oldest: Sequence(2)
            })
        ));
        assert_eq!(log.since(Sequence(2), 10).unwrap().len(), 3);
    }
}
