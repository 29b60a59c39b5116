//! What a visitor sees: the line as a whole and their own standing in it.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::pacer::EtaRange;
use crate::ids::ShowId;

/// Where a room's sale stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RoomPhase {
    /// Before the sale: visitors gather; places are drawn at random when it opens.
    Lobby,
    /// Admitting in line order at the room's pace.
    Selling,
    /// Every seat left is held by a shopper: the line keeps its order and
    /// moves again if holds run out.
    AllHeld,
    /// Every seat is booked: nobody in line will get one unless bookings are
    /// cancelled (the line is kept for that).
    SoldOut,
    /// The room is switched off or the show has started.
    Closed,
}

/// The line as everyone in it sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LineView {
    /// Where the sale stands.
    pub phase: RoomPhase,
    /// When places are drawn and admission starts.
    #[serde(with = "time::serde::rfc3339")]
    pub sale_opens_at: OffsetDateTime,
    /// Visitors in the lobby or the queue.
    pub waiting: u64,
    /// Admitted shoppers whose admission is running.
    pub active: u32,
    /// Admissions made so far.
    pub admitted: u64,
    /// Seats free now.
    pub seats_free: u32,
    /// Seats held by shoppers now (they may come back).
    pub seats_held: u32,
}

/// One visitor's standing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case", tag = "state")]
#[non_exhaustive]
pub enum Standing {
    /// In the lobby; a uniformly random place is drawn when the sale opens.
    Lobby,
    /// In line.
    Queued {
        /// 1 for the next to be admitted.
        position: u64,
        /// People ahead (`position - 1`).
        ahead: u64,
        /// When admission is likely, if it can be told.
        eta: Option<EtaRange>,
    },
    /// Admitted: may hold seats until `until`.
    Admitted {
        /// When the admission ends (holds made before then run their usual time).
        #[serde(with = "time::serde::rfc3339")]
        until: OffsetDateTime,
    },
    /// The admission ran out before a booking; join again to queue anew.
    AdmissionEnded,
    /// Lost the place after not checking in for the room's grace period;
    /// join again to queue anew.
    Dropped,
    /// Left the line.
    Left,
    /// Booked: the admission is used.
    Finished,
}

impl Standing {
    /// Whether the visitor still has a place (lobby, queue or admission);
    /// joining again returns the same one.
    pub fn is_live(&self) -> bool {
        matches!(
            self,
            Self::Lobby | Self::Queued { .. } | Self::Admitted { .. }
        )
    }
}

/// A visitor's place in a show's room, as a store reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Place {
    /// The show.
    pub show: ShowId,
    /// The line.
    pub line: LineView,
    /// The visitor.
    pub standing: Standing,
}
