//! [`WaitingRoom`]: the operations an application calls, with the clock
//! and the pass signer wired in, and the gate the engine checks holds at.

use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::admission::{AdmissionError, AdmissionSigner};
use super::config::RoomConfig;
use super::port::{RoomError, WaitingRoomStore};
use super::status::{Place, Standing};
use crate::clock::Clock;
use crate::error::ReservationError;
use crate::fast_map::FastDashMap;
use crate::ids::{HolderId, ShowId};

/// How long the gate trusts what it read about a show's room. An organizer
/// switching a room on takes effect at once on the instance that did it and
/// within this on the others.
pub const ROOM_CACHE_TTL: StdDuration = StdDuration::from_secs(1);

/// A visitor's standing, with the admission pass when admitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoomStatus {
    /// Where the visitor stands.
    #[serde(flatten)]
    pub place: Place,
    /// While admitted: the pass to show when holding seats or waiting.
    pub admission: Option<AdmissionPass>,
}

/// Proof of admission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdmissionPass {
    /// The signed pass.
    pub token: String,
    /// When it stops admitting.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// Waiting rooms: a store, a clock and a pass signer. Cheap to clone;
/// clones share everything.
#[derive(Clone)]
pub struct WaitingRoom {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn WaitingRoomStore>,
    clock: Arc<dyn Clock>,
    signer: AdmissionSigner,
    rooms: FastDashMap<ShowId, (Option<RoomConfig>, Instant)>,
}

impl std::fmt::Debug for WaitingRoom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WaitingRoom").finish_non_exhaustive()
    }
}

impl WaitingRoom {
    /// Rooms kept in `store`, on `clock`'s time, with passes signed by `signer`.
    pub fn new(
        store: Arc<dyn WaitingRoomStore>,
        clock: Arc<dyn Clock>,
        signer: AdmissionSigner,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                clock,
                signer,
                rooms: FastDashMap::default(),
            }),
        }
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn WaitingRoomStore> {
        &self.inner.store
    }

    fn now(&self) -> OffsetDateTime {
        self.inner.clock.now()
    }

    /// Switches `show`'s room on (or changes its settings).
    pub async fn open(&self, show: ShowId, config: RoomConfig) -> Result<(), RoomError> {
        let outcome = self.inner.store.open_room(show, config, self.now()).await;
        self.inner.rooms.remove(&show);
        outcome
    }

    /// Switches `show`'s room off.
    pub async fn close(&self, show: ShowId) -> Result<(), RoomError> {
        let outcome = self.inner.store.close_room(show, self.now()).await;
        self.inner.rooms.remove(&show);
        outcome
    }

    /// The settings of `show`'s room, if it has one on.
    pub async fn room(&self, show: ShowId) -> Result<Option<RoomConfig>, RoomError> {
        self.inner.store.room(show, self.now()).await
    }

    /// Joins `show`'s line (or returns the live place).
    pub async fn join(&self, show: ShowId, visitor: HolderId) -> Result<RoomStatus, RoomError> {
        let place = self.inner.store.join(show, visitor, self.now()).await?;
        Ok(self.status_of(place, visitor))
    }

    /// Where `visitor` stands; a check-in.
    pub async fn status(&self, show: ShowId, visitor: HolderId) -> Result<RoomStatus, RoomError> {
        let place = self.inner.store.place(show, visitor, self.now()).await?;
        Ok(self.status_of(place, visitor))
    }

    /// Leaves the line, or gives up the admission.
    pub async fn leave(&self, show: ShowId, visitor: HolderId) -> Result<(), RoomError> {
        self.inner.store.leave(show, visitor, self.now()).await
    }

    /// Records a booking by `visitor` (see [`WaitingRoomStore::finish`]).
    pub async fn finish(&self, show: ShowId, visitor: HolderId) -> Result<(), RoomError> {
        self.inner.store.finish(show, visitor, self.now()).await
    }

    fn status_of(&self, place: Place, visitor: HolderId) -> RoomStatus {
        let admission = match place.standing {
            Standing::Admitted { until } => Some(AdmissionPass {
                token: self.inner.signer.sign(place.show, visitor, until),
                expires_at: until,
            }),
            _ => None,
        };
        RoomStatus { place, admission }
    }

    /// Checks that `visitor` may hold seats or wait on `show` now: yes when
    /// the show has no room on, else only with a valid `pass`. Refusals are
    /// [`ReservationError::Admission`].
    pub async fn check(
        &self,
        show: ShowId,
        visitor: HolderId,
        pass: Option<&str>,
    ) -> Result<(), ReservationError> {
        let now = self.now();
        let room = match self.cached_room(show) {
            Some(room) => room,
            None => {
                let room = match self.inner.store.room(show, now).await {
                    Ok(room) => room,
                    Err(RoomError::Storage(e)) => return Err(ReservationError::Storage(e)),
                    // An unknown show has no room; the hold says it is unknown.
                    Err(_) => None,
                };
                self.inner.rooms.insert(show, (room, Instant::now()));
                room
            }
        };
        if room.is_none() {
            return Ok(());
        }
        let pass = pass.ok_or(AdmissionError::Required)?;
        self.inner.signer.verify(pass, show, visitor, now)?;
        Ok(())
    }

    fn cached_room(&self, show: ShowId) -> Option<Option<RoomConfig>> {
        let entry = self.inner.rooms.get(&show)?;
        let (room, read_at) = *entry;
        (read_at.elapsed() < ROOM_CACHE_TTL).then_some(room)
    }

    /// Paces every room now (see [`WaitingRoomStore::pace_rooms`]).
    pub async fn pace(&self) -> Result<u64, RoomError> {
        self.inner.store.pace_rooms(self.now()).await
    }

    /// Paces every `period`, forever: spawn it next to the server and abort
    /// it on shutdown. About a second keeps lines moving smoothly.
    pub async fn run_pacer(&self, period: StdDuration) {
        let mut ticks = tokio::time::interval(period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match self.pace().await {
                Ok(0) => {}
                Ok(admitted) => tracing::debug!(admitted, "waiting rooms admitted visitors"),
                Err(error) => tracing::warn!(%error, "pacing waiting rooms failed; retrying"),
            }
        }
    }
}
