//! A holder's own bookings, holds and waits: the shows they held or waited
//! in are indexed, so only those are visited, each settled at `now` first
//! like any other read.

use time::OffsetDateTime;

use super::MemoryStore;
use crate::activity::HolderActivity;
use crate::ids::{HolderId, ShowId};

impl MemoryStore {
    /// Records that `holder` has something in `show`.
    pub(super) fn note_holder(&self, holder: HolderId, show: ShowId) {
        // A set: one holder may have been in thousands of shows.
        self.inner
            .holder_shows
            .entry(holder)
            .or_default()
            .insert(show);
    }

    pub(super) fn activity(&self, holder: HolderId, now: OffsetDateTime) -> HolderActivity {
        // Copied out, so no index shard stays locked while shows are.
        let shows = self
            .inner
            .holder_shows
            .get(&holder)
            .map(|s| s.value().iter().copied().collect::<Vec<_>>())
            .unwrap_or_default();
        let (mut bookings, mut holds, mut waits) = (Vec::new(), Vec::new(), Vec::new());
        for show in shows.iter().filter_map(|id| self.show(*id).ok()) {
            let mut show = show.lock();
            show.settle(now);
            bookings.extend(show.bookings_of(holder));
            holds.extend(show.payable_holds_of(holder, now));
            waits.extend(show.waits_in_line_of(holder));
        }
        HolderActivity::new(bookings, holds, waits)
    }
}
