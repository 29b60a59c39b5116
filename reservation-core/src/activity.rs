//! What one holder has across every show: their bookings, the holds they
//! can still pay for and the waits they are in, so a buyer who closed the
//! booking tab can always get back to their tickets.

use std::cmp::Reverse;

use serde::{Deserialize, Serialize};

use crate::booking::Booking;
use crate::hold::Hold;
use crate::waitlist::Wait;

/// The most items of each kind (bookings, holds, waits) that
/// [`ReservationStore::holder_activity`](crate::ReservationStore::holder_activity)
/// returns: the newest ones. A page of "my tickets" lists a buyer's
/// latest purchases; older ones stay reachable by their own ids.
pub const ACTIVITY_LIMIT: usize = 100;

/// A wait still in line, with its place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[non_exhaustive]
pub struct WaitInLine {
    /// The wait.
    pub wait: Wait,
    /// 1 for the first in line.
    pub position: u32,
}

impl WaitInLine {
    /// `wait`, at `position` in its show's line (1 is the next served).
    pub fn new(wait: Wait, position: u32) -> Self {
        Self { wait, position }
    }
}

/// One holder's bookings, open holds and waits, across every show, each
/// list newest first and at most [`ACTIVITY_LIMIT`] long.
///
/// ```
/// use reservation_core::*;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let (engine, show) = sample::engine().await?;
/// let me = HolderId::random();
/// assert!(engine.holder_activity(me).await?.is_empty());
///
/// let one = SeatSelection::BestAvailable { count: SeatCount::ONE, filter: SeatFilter::default() };
/// let hold = engine.hold(&HoldRequest::new(show, me, one)).await?;
/// let mine = engine.holder_activity(me).await?;
/// assert_eq!(mine.holds[0].token, hold.token); // enough to go back to checkout
/// assert!(engine.holder_activity(HolderId::random()).await?.is_empty());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[non_exhaustive]
pub struct HolderActivity {
    /// Bookings, confirmed or cancelled, by `created_at`, newest first.
    pub bookings: Vec<Booking>,
    /// Holds that can still be paid: not confirmed, and not past their
    /// `expires_at` (a hold in its grace is no longer offered to its
    /// buyer). Each carries its token, what checkout needs. By
    /// `created_at`, newest first.
    pub holds: Vec<Hold>,
    /// Waits still in line, by `joined_at`, newest first. A wait that was
    /// offered seats shows as its hold.
    pub waits: Vec<WaitInLine>,
}

impl HolderActivity {
    /// The activity of these lists, put in order (newest first, ties by
    /// id, so every store lists the same way) and cut to
    /// [`ACTIVITY_LIMIT`] each.
    pub fn new(
        mut bookings: Vec<Booking>,
        mut holds: Vec<Hold>,
        mut waits: Vec<WaitInLine>,
    ) -> Self {
        bookings.sort_by_key(|b| Reverse((b.created_at, b.id)));
        holds.sort_by_key(|h| Reverse((h.created_at, h.id)));
        waits.sort_by_key(|w| Reverse((w.wait.joined_at, w.wait.id)));
        bookings.truncate(ACTIVITY_LIMIT);
        holds.truncate(ACTIVITY_LIMIT);
        waits.truncate(ACTIVITY_LIMIT);
        Self {
            bookings,
            holds,
            waits,
        }
    }

    /// Whether there is nothing to show.
    pub fn is_empty(&self) -> bool {
        self.bookings.is_empty() && self.holds.is_empty() && self.waits.is_empty()
    }
}
