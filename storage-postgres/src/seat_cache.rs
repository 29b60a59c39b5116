//! Who holds which seat of a show, as a map read last found it, by the
//! show's sequence number: a show that has not changed since (its
//! `last_seq` is the same: every change of a seat is an event) is mapped
//! from one small row instead of its taken seats, which for an arena are
//! tens of thousands.
//!
//! Entries are only ever replaced whole, by a read that saw the seats and
//! the sequence number in one snapshot (or a transaction that held the
//! show's lock and committed at it); a change on any instance moves the
//! sequence number, so a stale entry is never used as it is, only brought
//! forward by the seats its events since moved ([`moved_by_events`]).
//!
//! Seat maps read it, and so do transactions choosing seats under the
//! show's lock (`show_tx::seats`). For those a wrong copy would mean a
//! double booking, so the seats a hold takes are written only if they are
//! free, and the commit fails otherwise (`show_tx::holds`).

use std::sync::Arc;

use dashmap::DashMap;
use reservation_core::catalog::{SeatIndex, SeatingPlan};
use reservation_core::waitlist::SeatHolding;
use reservation_core::{Change, ShowId};
use sqlx::PgConnection;

use crate::error::{Result, corrupt};
use crate::rows::EventRow;

/// Events a kept copy is brought forward by at most: beyond, reading every
/// taken seat is cheaper.
pub(crate) const CATCH_UP: i64 = 500;

/// Shows kept at most: an arena's entry is about 2 MB.
const MAX_SHOWS: usize = 256;

/// A show's seats at a sequence number.
pub(crate) struct Seats {
    pub(crate) seq: i64,
    pub(crate) holdings: Vec<SeatHolding>,
}

impl Seats {
    /// These seats' holdings, with the `moved` ones as `taken` has them
    /// (moved seats not in it are free).
    pub(crate) fn moved(
        &self,
        moved: &[SeatIndex],
        taken: Vec<(SeatIndex, SeatHolding)>,
    ) -> Vec<SeatHolding> {
        let mut holdings = self.holdings.clone();
        for index in moved.iter().map(|index| index.get()) {
            if let Some(slot) = holdings.get_mut(index) {
                *slot = SeatHolding::Free;
            }
        }
        for (index, holding) in taken {
            if let Some(slot) = holdings.get_mut(index.get()) {
                *slot = holding;
            }
        }
        holdings
    }
}

/// The changes of `show`'s events after `after` up to `upto`; `None` when
/// the events are not all there or not all readable by this build (then
/// reading every seat is the way).
pub(crate) async fn changes_since(
    conn: &mut PgConnection,
    show: ShowId,
    after: i64,
    upto: i64,
) -> Result<Option<Vec<Change>>> {
    if !(1..=CATCH_UP).contains(&(upto - after)) {
        return Ok(None);
    }
    let events: Vec<EventRow> = sqlx::query_as(
        "SELECT seq, at, v, change FROM show_events
         WHERE show_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq",
    )
    .bind(show.as_uuid())
    .bind(after)
    .bind(upto)
    .fetch_all(conn)
    .await?;
    if events.len() as i64 != upto - after {
        return Ok(None);
    }
    let mut changes = Vec::with_capacity(events.len());
    for event in events {
        let Ok(event) = event.read(show) else {
            return Ok(None);
        };
        changes.push(event.change);
    }
    Ok(Some(changes))
}

/// The seats `changes` moved, each once, by their index in `plan`.
pub(crate) fn moved_by<'a>(
    plan: &SeatingPlan,
    changes: impl IntoIterator<Item = &'a Change>,
) -> Result<Vec<SeatIndex>> {
    let mut moved = Vec::new();
    for change in changes {
        for &seat in change.seats() {
            let index = plan
                .index_of(seat)
                .ok_or_else(|| corrupt("show_events", format!("seat {seat} is not the hall's")))?;
            moved.push(index);
        }
    }
    moved.sort_unstable();
    moved.dedup();
    Ok(moved)
}

/// The seats of recently mapped shows.
#[derive(Default)]
pub(crate) struct SeatCache(DashMap<ShowId, Arc<Seats>>);

impl SeatCache {
    /// The seats of `show` as last read, at whatever sequence number.
    pub(crate) fn get(&self, show: ShowId) -> Option<Arc<Seats>> {
        self.0.get(&show).map(|seats| Arc::clone(&seats))
    }

    /// Keeps `seats` for `show` in place of what was kept. (A slower
    /// reader may put back an older copy: that costs the next read a
    /// catch-up, never a wrong map, as a copy is only used at its own
    /// sequence number.)
    pub(crate) fn put(&self, show: ShowId, seats: Arc<Seats>) {
        if self.0.len() >= MAX_SHOWS && !self.0.contains_key(&show) {
            // Any one goes: a miss costs one full read.
            let victim = self.0.iter().next().map(|entry| *entry.key());
            if let Some(victim) = victim {
                self.0.remove(&victim);
            }
        }
        self.0.insert(show, seats);
    }

    /// Forgets `show`'s seats: the next read reads them all.
    pub(crate) fn forget(&self, show: ShowId) {
        self.0.remove(&show);
    }
}
