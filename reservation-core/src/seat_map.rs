//! Seat maps: a consistent snapshot of a show's seats.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::catalog::SeatingPlan;
use crate::events::Sequence;
use crate::ids::{HolderId, SeatId, ShowId};
use crate::sales::SalesState;
use crate::waitlist::SeatHolding;

/// The state of one seat as every reader sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SeatStatus {
    /// Free to hold.
    Available,
    /// In someone's hold (maybe yours; see [`SeatView::mine`]).
    Held,
    /// Sold (maybe to you).
    Booked,
}

/// One seat in a seat map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeatView {
    /// The seat.
    pub seat: SeatId,
    /// Its status.
    pub status: SeatStatus,
    /// Held or booked by the caller.
    pub mine: bool,
}

/// Seat counts of a show.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Availability {
    /// Free seats.
    pub available: u32,
    /// Held seats.
    pub held: u32,
    /// Booked seats.
    pub booked: u32,
}

impl Availability {
    /// All seats.
    pub fn capacity(&self) -> u32 {
        self.available + self.held + self.booked
    }
}

/// Every seat of a show at one instant, stamped with the sequence of the
/// last event it includes: apply events after `seq` to keep it current.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeatMap {
    /// The show.
    pub show: ShowId,
    /// Last event reflected.
    pub seq: Sequence,
    /// When it was taken.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Every seat, in the hall's plan order.
    pub seats: Vec<SeatView>,
    /// Totals.
    pub counts: Availability,
    /// Whether the seats are for sale: a paused or cancelled show's free
    /// seats are not.
    #[serde(default)]
    pub sales: SalesState,
}

impl SeatView {
    /// The views of every seat of `plan`, whose holdings are `holdings` (by
    /// seat index), as `viewer` sees them. Every store builds maps with this.
    pub fn all(
        plan: &SeatingPlan,
        holdings: &[SeatHolding],
        viewer: Option<HolderId>,
    ) -> Vec<SeatView> {
        holdings
            .iter()
            .zip(plan.seats())
            .map(|(holding, seat)| {
                let (status, owner) = match holding {
                    SeatHolding::Free => (SeatStatus::Available, None),
                    SeatHolding::Held(h) => (SeatStatus::Held, Some(*h)),
                    SeatHolding::Booked(h) => (SeatStatus::Booked, Some(*h)),
                };
                SeatView {
                    seat: seat.id,
                    status,
                    mine: viewer.is_some() && owner == viewer,
                }
            })
            .collect()
    }
}
