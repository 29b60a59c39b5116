//! Waiting rooms in memory: one [`Line`] per room behind its own mutex,
//! taken before the show's (never the other way round), so the line and the
//! seats it reports are read at one instant.

use std::sync::Arc;

use async_trait::async_trait;
use parking_lot::Mutex;
use time::OffsetDateTime;

use super::MemoryStore;
use super::show::ShowState;
use crate::error::ReservationError;
use crate::events::Change;
use crate::ids::{HolderId, ShowId};
use crate::waiting_room::line::Line;
use crate::waiting_room::{Place, RoomConfig, RoomError, WaitingRoomStore};

impl MemoryStore {
    fn show_for_room(&self, show: ShowId) -> Result<Arc<Mutex<ShowState>>, RoomError> {
        self.show(show).map_err(|e| match e {
            ReservationError::UnknownShow(show) => RoomError::UnknownShow(show),
            other => unreachable!("show lookups only fail as unknown: {other}"),
        })
    }

    fn line(&self, show: ShowId) -> Result<Arc<Mutex<Line>>, RoomError> {
        self.show_for_room(show)?;
        self.inner
            .rooms
            .get(&show)
            .map(|line| Arc::clone(&line))
            .ok_or(RoomError::NoRoom(show))
    }

    /// Runs `op` on the line with the show's seats at `now`.
    fn with_line<T>(
        &self,
        show: ShowId,
        now: OffsetDateTime,
        op: impl FnOnce(&mut Line, crate::seat_map::Availability) -> Result<T, RoomError>,
    ) -> Result<T, RoomError> {
        let line = self.line(show)?;
        let mut line = line.lock();
        let state = self.show_for_room(show)?;
        let seats = state.lock().availability(now);
        op(&mut line, seats)
    }
}

/// Puts `line` as it is at `now` on its show's stream.
fn announce(line: &Line, state: &mut ShowState, now: OffsetDateTime) {
    let seats = state.availability(now);
    state.record_change(
        now,
        Change::Line {
            line: line.view(seats),
        },
    );
}

#[async_trait]
impl WaitingRoomStore for MemoryStore {
    async fn open_room(
        &self,
        show: ShowId,
        config: RoomConfig,
        now: OffsetDateTime,
    ) -> Result<(), RoomError> {
        let state = self.show_for_room(show)?;
        state.lock().check_room_open(now)?;
        let line = self
            .inner
            .rooms
            .entry(show)
            .or_insert_with(|| Arc::new(Mutex::new(Line::new(show, config, now))))
            .clone();
        let mut line = line.lock();
        line.reconfigure(config);
        announce(&line, &mut state.lock(), now);
        Ok(())
    }

    async fn close_room(&self, show: ShowId, now: OffsetDateTime) -> Result<(), RoomError> {
        let line = self.line(show)?;
        let mut line = line.lock();
        if line.config().is_none() {
            return Err(RoomError::NoRoom(show));
        }
        line.close();
        announce(&line, &mut self.show_for_room(show)?.lock(), now);
        Ok(())
    }

    async fn room(
        &self,
        show: ShowId,
        now: OffsetDateTime,
    ) -> Result<Option<RoomConfig>, RoomError> {
        let open = self
            .show_for_room(show)?
            .lock()
            .check_room_open(now)
            .is_ok();
        let Some(line) = self.inner.rooms.get(&show).map(|l| Arc::clone(&l)) else {
            return Ok(None);
        };
        let config = line.lock().config();
        Ok(config.filter(|_| open))
    }

    async fn join(
        &self,
        show: ShowId,
        visitor: HolderId,
        now: OffsetDateTime,
    ) -> Result<Place, RoomError> {
        self.show_for_room(show)?.lock().check_room_open(now)?;
        self.with_line(show, now, |line, seats| line.join(visitor, now, seats))
    }

    async fn place(
        &self,
        show: ShowId,
        visitor: HolderId,
        now: OffsetDateTime,
    ) -> Result<Place, RoomError> {
        self.with_line(show, now, |line, seats| line.place(visitor, now, seats))
    }

    async fn leave(
        &self,
        show: ShowId,
        visitor: HolderId,
        _now: OffsetDateTime,
    ) -> Result<(), RoomError> {
        self.line(show)?.lock().leave(visitor)
    }

    async fn finish(
        &self,
        show: ShowId,
        visitor: HolderId,
        _now: OffsetDateTime,
    ) -> Result<(), RoomError> {
        if let Some(line) = self.inner.rooms.get(&show).map(|l| Arc::clone(&l)) {
            line.lock().finish(visitor);
        }
        Ok(())
    }

    async fn pace_rooms(&self, now: OffsetDateTime) -> Result<u64, RoomError> {
        // Collect first so no registry shard stays locked while a room moves.
        let rooms: Vec<(ShowId, Arc<Mutex<Line>>)> = self
            .inner
            .rooms
            .iter()
            .map(|r| (*r.key(), Arc::clone(r.value())))
            .collect();
        let mut admitted = 0;
        for (show, line) in rooms {
            let state = self.show_for_room(show)?;
            let mut line = line.lock();
            let mut state = state.lock();
            let seats = state.availability(now);
            let (n, changed) = line.tick(now, seats, state.closed_reason(now));
            admitted += n;
            if changed {
                state.record_change(
                    now,
                    Change::Line {
                        line: line.view(seats),
                    },
                );
            }
        }
        Ok(admitted)
    }
}
