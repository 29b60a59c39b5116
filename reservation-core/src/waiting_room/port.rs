//! The port a store implements to keep waiting rooms, and its errors.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::config::{RoomConfig, RoomConfigError};
use super::status::Place;
use crate::error::StorageError;
use crate::ids::{HolderId, ShowId};
use crate::sales::ClosedReason;

/// A refused or failed waiting-room operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RoomError {
    /// No such show.
    #[error("show {0} does not exist")]
    UnknownShow(ShowId),
    /// The show has no waiting room switched on: go straight to the seats.
    #[error("show {0} has no waiting room; its seats are on sale directly")]
    NoRoom(ShowId),
    /// The lobby is not open yet.
    #[error("the waiting room opens at {opens_at}")]
    LobbyNotOpen {
        /// When it opens.
        opens_at: OffsetDateTime,
    },
    /// The visitor never joined this room.
    #[error("you are not in this show's waiting room; join it first")]
    NotInLine,
    /// The show has started or was cancelled: no room can be opened or
    /// joined. (Paused sales still take joins: the line keeps its order
    /// and admits nobody until sales resume.)
    #[error("sales are closed: {reason}")]
    SalesClosed {
        /// When the show starts (or started).
        starts_at: OffsetDateTime,
        /// Why: [`ClosedReason::Started`] or [`ClosedReason::Cancelled`].
        reason: ClosedReason,
    },
    /// The settings make no sense.
    #[error(transparent)]
    Config(#[from] RoomConfigError),
    /// The store failed; nothing changed, it is safe to retry.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl RoomError {
    /// The refusal of opening or joining a room while sales are closed for
    /// `reason` (none when they are open). Paused sales refuse neither: the
    /// line keeps its order and admits nobody until sales resume.
    pub fn when_closed(
        reason: Option<ClosedReason>,
        starts_at: OffsetDateTime,
    ) -> Result<(), Self> {
        match reason {
            None | Some(ClosedReason::Paused) => Ok(()),
            Some(reason) => Err(Self::SalesClosed { starts_at, reason }),
        }
    }
}

/// Waiting rooms, kept by a store. Every method is one atomic unit, as in
/// [`ReservationStore`](crate::ReservationStore); `now` comes from the
/// caller's clock.
///
/// Joins and status reads never admit anyone: admission is decided by
/// [`pace_rooms`](Self::pace_rooms), which an application runs about once a
/// second (several instances may run it at once; each admission happens
/// once). Joins and reads do perform the lobby draw when it is due, so a
/// visitor arriving after the sale opened always lines up behind everyone
/// who was in the lobby.
///
/// Applications call it through [`WaitingRoom`](super::WaitingRoom), which
/// adds the clock and signs admission passes; called directly:
///
/// ```
/// use reservation_core::waiting_room::{Pace, RoomConfig, Standing, WaitingRoomStore};
/// use reservation_core::{HolderId, MemoryStore, sample};
/// use time::{Duration, OffsetDateTime};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let store = MemoryStore::default();
/// let show = sample::load(&store).await?;
/// let now = OffsetDateTime::now_utc();
/// let config = RoomConfig::new(now, now + Duration::minutes(1), Pace::new(Some(100), None)?)?;
/// store.open_room(show, config, now).await?;
///
/// let me = HolderId::random();
/// assert_eq!(store.join(show, me, now).await?.standing, Standing::Lobby);
/// // The sale opens: the lobby is drawn and the pacer lets the visitor in.
/// assert_eq!(store.pace_rooms(now + Duration::minutes(1)).await?, 1);
/// # Ok(())
/// # }
/// ```
#[async_trait]
pub trait WaitingRoomStore: Send + Sync {
    /// Switches `show`'s room on, or changes its settings (the line is kept;
    /// the draw is not repeated). Refusals: `UnknownShow`, `SalesClosed`.
    async fn open_room(
        &self,
        show: ShowId,
        config: RoomConfig,
        now: OffsetDateTime,
    ) -> Result<(), RoomError>;

    /// Switches the room off: the seats are on sale to everyone, and every
    /// visitor's standing says so (phase `Closed`). Refusal: `NoRoom`.
    async fn close_room(&self, show: ShowId, now: OffsetDateTime) -> Result<(), RoomError>;

    /// The settings of `show`'s room, if one is switched on and the show has
    /// not started. Refusal: `UnknownShow`.
    async fn room(
        &self,
        show: ShowId,
        now: OffsetDateTime,
    ) -> Result<Option<RoomConfig>, RoomError>;

    /// Puts `visitor` in line: the lobby before the sale opens, the end of
    /// the queue after. A visitor with a live place (lobby, queue, running
    /// admission) gets that place back; one whose place ended joins anew.
    /// Refusals: `UnknownShow`, `NoRoom`, `LobbyNotOpen`, `SalesClosed`.
    async fn join(
        &self,
        show: ShowId,
        visitor: HolderId,
        now: OffsetDateTime,
    ) -> Result<Place, RoomError>;

    /// Where `visitor` stands. Also a check-in: it keeps the place for
    /// another grace period. Refusals: `UnknownShow`, `NoRoom`, `NotInLine`.
    async fn place(
        &self,
        show: ShowId,
        visitor: HolderId,
        now: OffsetDateTime,
    ) -> Result<Place, RoomError>;

    /// Takes `visitor` out of line (or ends their admission early, letting
    /// the next one in). Refusals: `UnknownShow`, `NoRoom`, `NotInLine`.
    async fn leave(
        &self,
        show: ShowId,
        visitor: HolderId,
        now: OffsetDateTime,
    ) -> Result<(), RoomError>;

    /// Records that `visitor` booked: the admission is used, and an active
    /// shopper's slot frees for the next in line. Does nothing for a visitor
    /// who is not admitted, or a show without a room.
    async fn finish(
        &self,
        show: ShowId,
        visitor: HolderId,
        now: OffsetDateTime,
    ) -> Result<(), RoomError>;

    /// Moves every open room to `now`: draws the lobby when the sale opens,
    /// drops visitors silent for longer than the grace, ends admissions past
    /// their window, tells the phase from the seats (selling, all held, sold
    /// out, closed when the show starts), and admits the next visitors as
    /// the pace and the free seats allow. Each change to a line is a
    /// [`Change::Line`](crate::Change::Line) event on the show's stream.
    /// Returns how many visitors it admitted.
    async fn pace_rooms(&self, now: OffsetDateTime) -> Result<u64, RoomError>;
}
