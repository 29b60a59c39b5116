//! Waiting rooms on PostgreSQL: [`WaitingRoomStore`] for [`PgStore`], the
//! line state machine of `reservation_core::waiting_room` (the memory
//! store's `Line`) kept in four tables (migration 0004).
//!
//! **Locks**, always in this order when a transaction takes several: the
//! room's `waiting_rooms` row (pacing, the draw, open, close), the show's
//! `show_state` row (the event outbox), the room's `room_counters` row
//! (every change of a visitor's state), then visitor and bucket rows. Joins
//! and leaves never lock the room row, so they never make a pacer skip a
//! room, and the pacer never waits for more than one join batch.
//!
//! **Numbers** are dense from 1 in admission order: the draw numbers the
//! lobby in key order, joins after it take the next ones under the counters
//! row's lock, in batches (see [`JoinQueues`]), so arrival order is number
//! order and the numbers of several instances interleave without gaps.
//!
//! **Positions** are counted per bucket of 1024 numbers in `room_buckets`:
//! the people ahead of number `n` are the queued of the buckets below `n`'s
//! plus those below `n` in its own bucket, one row per bucket and at most
//! 1023 index entries, whatever the line's length.
//!
//! **Check-ins** (status reads) record `last_seen` only when the recorded
//! one is older than a sixteenth of the grace, without waiting for the
//! flush, so a polling page costs a read, not a write, nearly every time.
//! The price: a place is kept at least 15/16 of the grace after the last
//! check-in rather than exactly the grace (the memory store's rule).
//!
//! **Status reads** are one statement without locks, unless the draw is
//! due or a hold of the show has expired unsettled: then one request per
//! process draws or settles (in-process gates), and the read is repeated.
//!
//! # Layout
//!
//! One module per concern, the trait's methods here calling them: `state`
//! (the room row), `counters` (the line's counters and buckets), `join`
//! (group-committed joins), `status` (a visitor's standing), `draw` (the
//! lobby's draw), `pacing` (admissions), `leave` (leaving and finishing),
//! `settings` (opening, closing, reading a room).

mod counters;
mod draw;
mod join;
mod leave;
mod pacing;
mod settings;
mod state;
mod status;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use async_trait::async_trait;
use dashmap::DashMap;
use reservation_core::waiting_room::{
    EtaRange, LineView, ObservedRate, Occupancy, Pace, Pacer, Place, RoomConfig, RoomError,
    RoomPhase, Standing, WaitingRoomStore,
};
use reservation_core::{Availability, Change, HolderId, ShowId};
use sqlx::{PgConnection, Postgres, Transaction};
use time::{Duration, OffsetDateTime};
use tokio::sync::Mutex;
use uuid::Uuid;

use crate::PgStore;
use crate::error::{AdapterError, Error, Result, corrupt, unsigned};
use crate::rows::{CountsRow, SalesRow};
use crate::show_tx::{NO_SEQ_SCANS, ShowTx, begin, in_micros};

use self::{counters::*, draw::*, state::*, status::*};

pub(crate) use self::join::JoinQueues;

/// Visitor states in `room_visitors.state`.
const LOBBY: i16 = 0;
const QUEUED: i16 = 1;
const ADMITTED: i16 = 2;
const ADMISSION_ENDED: i16 = 3;
const DROPPED: i16 = 4;
const LEFT: i16 = 5;
const FINISHED: i16 = 6;

/// Room phases in `waiting_rooms.phase`.
const PHASE_LOBBY: i16 = 0;
const PHASE_SELLING: i16 = 1;
const PHASE_ALL_HELD: i16 = 2;
const PHASE_SOLD_OUT: i16 = 3;
const PHASE_CLOSED: i16 = 4;

/// Numbers per position bucket: `bucket = number >> BUCKET_BITS`.
const BUCKET_BITS: u32 = 10;

/// A check-in is recorded when the recorded one is older than the grace
/// divided by this: a place is kept at least 15/16 of the grace after the
/// last check-in, and polling pages write rarely.
const CHECK_IN_EVERY: i32 = 16;

/// Most joins one transaction decides.
const MAX_JOIN_BATCH: usize = 512;

/// The room row's columns, as read into a [`RoomRow`].
const ROOM_COLUMNS: &str = "r.lobby_opens_at, r.sale_opens_at, r.max_active, r.per_minute,
    r.admission_window_us, r.grace_us, r.phase, r.drawn, r.pacer_credit, r.pacer_as_of,
    r.rate_per_minute, r.rate_as_of, r.admitted";

/// The counters row's columns, as read into a [`CountersRow`].
const COUNTER_COLUMNS: &str = "c.last_number, c.in_lobby, c.queued, c.active";

fn phase_of(code: i16) -> Result<RoomPhase> {
    Ok(match code {
        PHASE_LOBBY => RoomPhase::Lobby,
        PHASE_SELLING => RoomPhase::Selling,
        PHASE_ALL_HELD => RoomPhase::AllHeld,
        PHASE_SOLD_OUT => RoomPhase::SoldOut,
        PHASE_CLOSED => RoomPhase::Closed,
        other => return Err(corrupt("waiting_rooms", format!("phase {other}"))),
    })
}

fn phase_code(phase: RoomPhase) -> Result<i16> {
    Ok(match phase {
        RoomPhase::Lobby => PHASE_LOBBY,
        RoomPhase::Selling => PHASE_SELLING,
        RoomPhase::AllHeld => PHASE_ALL_HELD,
        RoomPhase::SoldOut => PHASE_SOLD_OUT,
        RoomPhase::Closed => PHASE_CLOSED,
        other => return Err(corrupt("waiting_rooms", format!("unknown phase {other:?}"))),
    })
}

/// A column that the query may return as NULL (an outer join) but the
/// table never does.
fn required<T>(value: Option<T>, table: &'static str, name: &str) -> Result<T> {
    value.ok_or_else(|| corrupt(table, format!("{name} is NULL")))
}

fn micros(d: Duration) -> i64 {
    i64::try_from(d.whole_microseconds()).unwrap_or(i64::MAX)
}

fn view(room: &Room, counters: &Counters, seats: Availability) -> LineView {
    LineView {
        phase: room.phase,
        sale_opens_at: room.config.sale_opens_at(),
        waiting: u64::try_from(counters.in_lobby + counters.queued).unwrap_or(0),
        active: u32::try_from(counters.active).unwrap_or(u32::MAX),
        admitted: room.admitted,
        seats_free: seats.available,
        seats_held: seats.held,
    }
}

fn queued(ahead: u64, room: &Room, now: OffsetDateTime) -> Standing {
    Standing::Queued {
        position: ahead + 1,
        ahead,
        eta: EtaRange::estimate(ahead, now, &room.rate, room.config.pace()),
    }
}

/// A visitor state code as stored, checked.
fn visitor_state(code: i16) -> Result<i16> {
    match code {
        LOBBY..=FINISHED => Ok(code),
        other => Err(corrupt("room_visitors", format!("state {other}"))),
    }
}

#[async_trait]
impl WaitingRoomStore for PgStore {
    async fn open_room(
        &self,
        show: ShowId,
        config: RoomConfig,
        now: OffsetDateTime,
    ) -> Result<(), RoomError> {
        settings::open(self, show, config, now).await
    }

    async fn close_room(&self, show: ShowId, now: OffsetDateTime) -> Result<(), RoomError> {
        settings::close(self, show, now).await
    }

    async fn room(
        &self,
        show: ShowId,
        now: OffsetDateTime,
    ) -> Result<Option<RoomConfig>, RoomError> {
        settings::read(self, show, now).await
    }

    async fn join(
        &self,
        show: ShowId,
        visitor: HolderId,
        now: OffsetDateTime,
    ) -> Result<Place, RoomError> {
        join::join(self, show, visitor, now).await
    }

    async fn place(
        &self,
        show: ShowId,
        visitor: HolderId,
        now: OffsetDateTime,
    ) -> Result<Place, RoomError> {
        status::place(self, show, visitor, now).await
    }

    async fn leave(
        &self,
        show: ShowId,
        visitor: HolderId,
        now: OffsetDateTime,
    ) -> Result<(), RoomError> {
        leave::leave(self, show, visitor, now).await
    }

    async fn finish(
        &self,
        show: ShowId,
        visitor: HolderId,
        now: OffsetDateTime,
    ) -> Result<(), RoomError> {
        leave::finish(self, show, visitor, now).await
    }

    async fn pace_rooms(&self, now: OffsetDateTime) -> Result<u64, RoomError> {
        pacing::pace(self, now).await
    }
}
