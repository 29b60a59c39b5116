//! Who holds which seat of a show, as a map read last found it, by the
//! show's sequence number: a show that has not changed since (its
//! `last_seq` is the same: every change of a seat is an event) is mapped
//! from one small row instead of its taken seats, which for an arena are
//! tens of thousands.
//!
//! Entries are only ever replaced whole, by a read that saw the seats and
//! the sequence number in one snapshot; a change on any instance moves the
//! sequence number, so a stale entry is never used, only replaced.

use std::sync::Arc;

use dashmap::DashMap;
use reservation_core::ShowId;
use reservation_core::waitlist::SeatHolding;

/// Shows kept at most: an arena's entry is about 2 MB.
const MAX_SHOWS: usize = 256;

/// A show's seats at a sequence number.
pub(crate) struct Seats {
    pub(crate) seq: i64,
    pub(crate) holdings: Vec<SeatHolding>,
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
}
