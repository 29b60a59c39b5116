//! One show's part of a holder's activity: their bookings, payable holds
//! and waits in line. The caller settles the show first.

use time::OffsetDateTime;

use super::{HoldPhase, ShowState, WaitPhase};
use crate::activity::WaitInLine;
use crate::booking::Booking;
use crate::hold::Hold;
use crate::ids::HolderId;

impl ShowState {
    pub(crate) fn bookings_of(&self, holder: HolderId) -> Vec<Booking> {
        self.bookings
            .values()
            .filter(|b| b.holder == holder)
            .cloned()
            .collect()
    }

    /// Holds of `holder` still payable at `now`: active and before their
    /// buyer-facing expiry.
    pub(crate) fn payable_holds_of(&self, holder: HolderId, now: OffsetDateTime) -> Vec<Hold> {
        self.holds
            .iter()
            .filter(|(_, r)| r.holder == holder && r.phase == HoldPhase::Active)
            .filter(|(_, r)| r.expires_at > now)
            .filter_map(|(secret, _)| self.hold_view(secret))
            .collect()
    }

    pub(crate) fn waits_in_line_of(&self, holder: HolderId) -> Vec<WaitInLine> {
        self.waits
            .values()
            .filter(|w| w.wait.holder == holder)
            .filter_map(|w| match w.phase {
                WaitPhase::Waiting(order) => {
                    Some(WaitInLine::new(w.wait.clone(), self.position(order)))
                }
                _ => None,
            })
            .collect()
    }

    /// The place in line of the wait at `order`: 1 for the first.
    pub(super) fn position(&self, order: u64) -> u32 {
        self.line.range(..order).count() as u32 + 1
    }
}
