//! The first-come-first-served waitlist.
//!
//! # Policy
//!
//! A holder may join a show's waitlist for N seats (optionally of one price
//! category) only when fewer than N such seats are available and enough are
//! held by others that N could free up; otherwise the answer is
//! [`SeatsAvailable`](crate::ReservationError::SeatsAvailable) (hold them) or
//! [`SoldOut`](crate::ReservationError::SoldOut). Waiting seats count toward
//! the holder's per-show limit.
//!
//! Whenever seats free up (a hold is released or expires, a booking is
//! cancelled), before the operation that freed them returns and before any
//! other request can see them, the store serves the queue:
//!
//! 1. Go through the waiters in the order they joined.
//! 2. A waiter whose request fits the seats free at that point (at least N
//!    free seats of its category) gets a new hold of the best N of them
//!    ([`best_available`]), with a fresh hold
//!    time, and an [`Offered`](crate::Change::Offered) event. The wait ends.
//! 3. A waiter whose request does not fit keeps its place; the next waiter is
//!    tried with the seats still free.
//! 4. A waiter whose request can no longer be met at all (fewer than N seats
//!    of its category are free or held by others: the rest are booked) is
//!    dropped with a [`WaitEnded`](crate::Change::WaitEnded) `SoldOut` event.
//!
//! Waits also end when they reach the policy's `max_wait` or the show starts
//! (`Expired`), or are cancelled (`Cancelled`).
//!
//! **Guarantee.** A later waiter is never given seats an earlier waiter could
//! have taken at that moment: a waiter is skipped only when the seats then
//! free cannot satisfy its request. Seats left free after serving the queue
//! are ones no waiter can use, and only those are open to everyone.
//! Skipping (step 3) trades strict head-of-line order for not leaving seats
//! idle while a large request waits: a waiter for 6 seats does not block a
//! waiter for 2 when only 2 seats free up.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::catalog::{CategoryCode, SeatIndex, SeatingPlan};
use crate::error::ReservationError;
use crate::events::WaitEnd;
use crate::hold::Hold;
use crate::ids::{HolderId, ShowId, WaitId};
use crate::limits::SeatCount;
use crate::seating::best_available;

/// A request to wait for seats. Build one with [`WaitRequest::new`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[non_exhaustive]
pub struct WaitRequest {
    /// The show.
    pub show: ShowId,
    /// Who waits.
    pub holder: HolderId,
    /// How many seats.
    pub count: SeatCount,
    /// Only seats of this category.
    pub category: Option<CategoryCode>,
}

impl WaitRequest {
    /// A request that `holder` wait for `count` seats of `show`, of any
    /// category.
    ///
    /// ```
    /// use reservation_core::catalog::CategoryCode;
    /// use reservation_core::{HolderId, SeatCount, ShowId, WaitRequest};
    ///
    /// let request = WaitRequest::new(ShowId::random(), HolderId::random(), SeatCount::new(2)?)
    ///     .with_category(CategoryCode::parse("standard")?);
    /// assert_eq!(request.count.get(), 2);
    /// # Ok::<(), reservation_core::InputError>(())
    /// ```
    pub fn new(show: ShowId, holder: HolderId, count: SeatCount) -> Self {
        Self {
            show,
            holder,
            count,
            category: None,
        }
    }

    /// The same request, only for seats of price category `category`
    /// (a code, or an `Option` of one as a caller received it; `None` is any
    /// category).
    #[must_use]
    pub fn with_category(mut self, category: impl Into<Option<CategoryCode>>) -> Self {
        self.category = category.into();
        self
    }
}

/// A place in a waitlist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Wait {
    /// Id (with the holder, the capability to query or cancel it).
    pub id: WaitId,
    /// The show.
    pub show: ShowId,
    /// Who waits.
    pub holder: HolderId,
    /// Seats wanted.
    pub count: SeatCount,
    /// Category wanted.
    pub category: Option<CategoryCode>,
    /// When it joined (its place in line).
    #[serde(with = "time::serde::rfc3339")]
    pub joined_at: OffsetDateTime,
    /// When it ends if not served.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// Where a wait stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case", tag = "state")]
#[non_exhaustive]
pub enum WaitStatus {
    /// Still in line.
    Waiting {
        /// The wait.
        wait: Wait,
        /// 1 for the first in line.
        position: u32,
        /// When enough held seats run out for this waiter to be served if
        /// nobody ahead pays, or `None` if that cannot be told (the seats it
        /// needs are held by waiters' holds that may be paid).
        #[serde(with = "time::serde::rfc3339::option")]
        estimated_offer_at: Option<OffsetDateTime>,
    },
    /// Served: these seats are held for the waiter. Confirm with its token.
    Offered {
        /// The hold made for the waiter.
        hold: Hold,
    },
    /// Left the line without seats.
    Ended {
        /// Why.
        reason: WaitEnd,
    },
}

/// Who has a seat, as the waitlist policy sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeatHolding {
    /// Available.
    Free,
    /// In a hold of this holder.
    Held(HolderId),
    /// Booked by this holder.
    Booked(HolderId),
}

/// One waiter as the policy functions see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiter {
    /// The wait.
    pub id: WaitId,
    /// Who waits.
    pub holder: HolderId,
    /// Seats wanted.
    pub count: SeatCount,
    /// Index of the wanted category in the layout, if any.
    pub category: Option<u16>,
}

/// Applies steps 1-3 of the policy: hands free seats to `waiters` (given in
/// join order). Seats given away are marked taken in `free`. Returns each
/// served waiter with its seats, in order. Stores call this with the show
/// locked, in the same atomic step that freed the seats.
pub fn serve_in_order<'w>(
    plan: &SeatingPlan,
    free: &mut [bool],
    waiters: impl IntoIterator<Item = &'w Waiter>,
) -> Vec<(WaitId, Vec<SeatIndex>)> {
    let mut served = Vec::new();
    for waiter in waiters {
        let fits = |i: SeatIndex| waiter.category.is_none_or(|c| plan.seat(i).category == c);
        let free_now = &*free;
        if let Some(seats) = best_available(plan, waiter.count.get(), |i| free_now[i.get()], fits) {
            for seat in &seats {
                free[seat.get()] = false;
            }
            served.push((waiter.id, seats));
        }
    }
    served
}

/// Seats per layout category that are free, or held by anyone but `holder`:
/// the seats that `holder` could still get.
fn open_seats(
    plan: &SeatingPlan,
    seats: &[SeatHolding],
    holder: HolderId,
    category: Option<u16>,
) -> (usize, usize) {
    let (mut free, mut held_by_others) = (0, 0);
    for (i, seat) in seats.iter().enumerate() {
        if category.is_some_and(|c| plan.seat(SeatIndex(i as u32)).category != c) {
            continue;
        }
        match seat {
            SeatHolding::Free => free += 1,
            SeatHolding::Held(h) if *h != holder => held_by_others += 1,
            _ => {}
        }
    }
    (free, held_by_others)
}

/// Whether `holder` may join the waitlist for `count` seats (of `category`,
/// a layout category index): `SeatsAvailable` if that many are free now,
/// `SoldOut` if fewer are free or held by others.
pub fn admission(
    plan: &SeatingPlan,
    seats: &[SeatHolding],
    holder: HolderId,
    count: SeatCount,
    category: Option<u16>,
) -> Result<(), ReservationError> {
    let (free, held_by_others) = open_seats(plan, seats, holder, category);
    if free >= count.get() {
        return Err(ReservationError::SeatsAvailable { available: free });
    }
    if free + held_by_others < count.get() {
        return Err(ReservationError::SoldOut);
    }
    Ok(())
}

/// Step 4 of the policy: the waiters whose request can no longer be met,
/// because fewer seats of their category are free or held by others than
/// they want (the rest are booked, or their own).
pub fn beyond_reach<'w>(
    plan: &SeatingPlan,
    seats: &[SeatHolding],
    waiters: impl IntoIterator<Item = &'w Waiter>,
) -> Vec<WaitId> {
    waiters
        .into_iter()
        .filter(|w| {
            let (free, held_by_others) = open_seats(plan, seats, w.holder, w.category);
            free + held_by_others < w.count.get()
        })
        .map(|w| w.id)
        .collect()
}
