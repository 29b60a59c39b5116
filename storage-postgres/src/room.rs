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
use tokio::sync::{Mutex, oneshot};
use uuid::Uuid;

use crate::PgStore;
use crate::error::{AdapterError, Error, Result, corrupt, unsigned};
use crate::rows::CountsRow;
use crate::show_tx::{ShowTx, begin, in_micros};

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

/// A room as its row keeps it.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Room {
    config: RoomConfig,
    phase: RoomPhase,
    drawn: bool,
    pacer: Pacer,
    rate: ObservedRate,
    admitted: u64,
}

/// The room row's columns ([`ROOM_COLUMNS`]), all `None` when read through
/// an outer join for a show without a room.
#[derive(Debug, sqlx::FromRow)]
struct RoomRow {
    lobby_opens_at: Option<OffsetDateTime>,
    sale_opens_at: Option<OffsetDateTime>,
    max_active: Option<i64>,
    per_minute: Option<i64>,
    admission_window_us: Option<i64>,
    grace_us: Option<i64>,
    phase: Option<i16>,
    drawn: Option<bool>,
    pacer_credit: Option<f64>,
    pacer_as_of: Option<OffsetDateTime>,
    rate_per_minute: Option<f64>,
    rate_as_of: Option<OffsetDateTime>,
    admitted: Option<i64>,
}

impl RoomRow {
    /// The room, or `None` when the show has none.
    fn read(self) -> Result<Option<Room>> {
        const T: &str = "waiting_rooms";
        let Some(phase) = self.phase else {
            return Ok(None);
        };
        let limit = |name: &str, n: Option<i64>| -> Result<Option<u32>> {
            n.map(|n| u32::try_from(n).map_err(|_| corrupt(T, format!("{name} is {n}"))))
                .transpose()
        };
        let bad = |e: reservation_core::waiting_room::RoomConfigError| corrupt(T, e.to_string());
        let pace = Pace::new(
            limit("max_active", self.max_active)?,
            limit("per_minute", self.per_minute)?,
        )
        .map_err(bad)?;
        let window = required(self.admission_window_us, T, "admission_window_us")?;
        let grace = required(self.grace_us, T, "grace_us")?;
        let config = RoomConfig::new(
            required(self.lobby_opens_at, T, "lobby_opens_at")?,
            required(self.sale_opens_at, T, "sale_opens_at")?,
            pace,
        )
        .and_then(|c| c.with_admission_window(Duration::microseconds(window)))
        .and_then(|c| c.with_grace(Duration::microseconds(grace)))
        .map_err(bad)?;
        Ok(Some(Room {
            config,
            phase: phase_of(phase)?,
            drawn: required(self.drawn, T, "drawn")?,
            pacer: Pacer {
                credit: required(self.pacer_credit, T, "pacer_credit")?,
                as_of: required(self.pacer_as_of, T, "pacer_as_of")?,
            },
            rate: ObservedRate {
                per_minute: self.rate_per_minute,
                as_of: required(self.rate_as_of, T, "rate_as_of")?,
            },
            admitted: unsigned(required(self.admitted, T, "admitted")?, T, "admitted")?,
        }))
    }
}

impl Room {
    /// Writes what a transaction may change: phase, draw, pacing, admissions.
    async fn write(&self, conn: &mut PgConnection, show: ShowId) -> Result<()> {
        sqlx::query(
            "UPDATE waiting_rooms SET phase = $2, drawn = $3, pacer_credit = $4, pacer_as_of = $5,
                 rate_per_minute = $6, rate_as_of = $7, admitted = $8
             WHERE show_id = $1",
        )
        .bind(show.as_uuid())
        .bind(phase_code(self.phase)?)
        .bind(self.drawn)
        .bind(self.pacer.credit)
        .bind(self.pacer.as_of)
        .bind(self.rate.per_minute)
        .bind(self.rate.as_of)
        .bind(i64::try_from(self.admitted).unwrap_or(i64::MAX))
        .execute(conn)
        .await?;
        Ok(())
    }
}

/// The line's counters (`room_counters`) and the bucket changes a
/// transaction makes, written together by [`Counters::write`].
#[derive(Debug, Clone, PartialEq, Eq)]
struct Counters {
    last_number: i64,
    in_lobby: i64,
    queued: i64,
    active: i64,
    /// Queued count changes by bucket, not yet written.
    buckets: BTreeMap<i64, i64>,
}

/// The counters row's columns ([`COUNTER_COLUMNS`]), all `None` when read
/// through an outer join for a show without a room.
#[derive(Debug, sqlx::FromRow)]
struct CountersRow {
    last_number: Option<i64>,
    in_lobby: Option<i64>,
    queued: Option<i64>,
    active: Option<i64>,
}

impl CountersRow {
    /// The counters, or `None` when the show has no room.
    fn read(self) -> Result<Option<Counters>> {
        const T: &str = "room_counters";
        let Some(last_number) = self.last_number else {
            return Ok(None);
        };
        let counters = Counters {
            last_number,
            in_lobby: required(self.in_lobby, T, "in_lobby")?,
            queued: required(self.queued, T, "queued")?,
            active: required(self.active, T, "active")?,
            buckets: BTreeMap::new(),
        };
        if counters.last_number < 0
            || counters.in_lobby < 0
            || counters.queued < 0
            || counters.active < 0
        {
            return Err(corrupt(T, format!("negative count in {counters:?}")));
        }
        Ok(Some(counters))
    }
}

impl Counters {
    /// Locks the room's counters (every change of a visitor's state does).
    async fn lock(conn: &mut PgConnection, show: ShowId) -> Result<Option<Self>> {
        let row: Option<CountersRow> = sqlx::query_as(&format!(
            "SELECT {COUNTER_COLUMNS} FROM room_counters c WHERE c.show_id = $1 FOR NO KEY UPDATE"
        ))
        .bind(show.as_uuid())
        .fetch_optional(conn)
        .await?;
        Ok(row.map(CountersRow::read).transpose()?.flatten())
    }

    fn shape(&self) -> (i64, i64, i64) {
        (self.in_lobby, self.queued, self.active)
    }

    /// `number` joins the queue.
    fn enqueue(&mut self, number: i64) {
        self.queued += 1;
        *self.buckets.entry(number >> BUCKET_BITS).or_default() += 1;
    }

    /// `number` leaves the queue (admitted, dropped or left).
    fn dequeue(&mut self, number: i64) {
        self.queued -= 1;
        *self.buckets.entry(number >> BUCKET_BITS).or_default() -= 1;
    }

    /// Numbers `first..=last` join the queue.
    fn enqueue_range(&mut self, first: i64, last: i64) {
        let mut from = first;
        while from <= last {
            let bucket = from >> BUCKET_BITS;
            let to = ((bucket + 1) << BUCKET_BITS).min(last + 1);
            *self.buckets.entry(bucket).or_default() += to - from;
            self.queued += to - from;
            from = to;
        }
    }

    /// Binds [`LINE_WRITE`]'s parameters `$2` to `$7`.
    fn bind<'q>(&mut self, query: PgQuery<'q>) -> PgQuery<'q> {
        let (buckets, deltas): (Vec<i64>, Vec<i64>) = std::mem::take(&mut self.buckets)
            .into_iter()
            .filter(|(_, delta)| *delta != 0)
            .unzip();
        query
            .bind(buckets)
            .bind(deltas)
            .bind(self.last_number)
            .bind(self.in_lobby)
            .bind(self.queued)
            .bind(self.active)
    }

    /// Writes the counters and the bucket changes (under the counters' lock).
    async fn write(&mut self, conn: &mut PgConnection, show: ShowId) -> Result<()> {
        let query = sqlx::query(&COUNTERS_WRITE).bind(show.as_uuid());
        self.bind(query).execute(conn).await?;
        Ok(())
    }
}

type PgQuery<'q> = sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments>;

/// Writes the counters and adds the bucket changes, the show at `$1`, then
/// [`Counters::bind`]'s `$2` to `$7`. A bucket's first change is an insert
/// (a negative one then fails the CHECK: the counts would be corrupt).
const LINE_WRITE: &str = "delta AS (
         SELECT * FROM unnest($2::int8[], $3::int8[]) AS d(bucket, delta)
     ),
     changed AS (
         UPDATE room_buckets b SET queued = b.queued + delta.delta
         FROM delta WHERE b.show_id = $1 AND b.bucket = delta.bucket
         RETURNING b.bucket
     ),
     added AS (
         INSERT INTO room_buckets (show_id, bucket, queued)
         SELECT $1, delta.bucket, delta.delta FROM delta
         WHERE delta.bucket NOT IN (SELECT bucket FROM changed)
     ),
     counted AS (
         UPDATE room_counters SET last_number = $4, in_lobby = $5, queued = $6, active = $7
         WHERE show_id = $1
     )";

static COUNTERS_WRITE: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| format!("WITH {LINE_WRITE} SELECT 1"));

/// New visitors (`$8` to `$12`) with the counters.
static JOIN_WRITE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "WITH {LINE_WRITE},
         joined AS (
             INSERT INTO room_visitors (show_id, visitor, state, lobby_key, number, last_seen, joined_at)
             SELECT $1, j.visitor, j.state, j.key, j.number, j.at, j.at
             FROM unnest($8::uuid[], $9::int2[], $10::int8[], $11::int8[], $12::timestamptz[])
                 AS j(visitor, state, key, number, at)
             ON CONFLICT (show_id, visitor) DO UPDATE SET state = excluded.state,
                 lobby_key = excluded.lobby_key, number = excluded.number, admitted_until = NULL,
                 last_seen = excluded.last_seen, joined_at = excluded.joined_at
         )
         SELECT 1"
    )
});

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

/// What the line says about one visitor.
#[derive(Debug, Clone, Copy)]
struct VisitorRow {
    state: i16,
    until: Option<OffsetDateTime>,
    last_seen: OffsetDateTime,
    /// People ahead, when queued.
    ahead: Option<u64>,
}

impl VisitorRow {
    fn is_live(&self, now: OffsetDateTime) -> bool {
        match self.state {
            LOBBY | QUEUED => true,
            ADMITTED => self.until.is_some_and(|until| until > now),
            _ => false,
        }
    }

    fn standing(&self, room: &Room, now: OffsetDateTime) -> Result<Standing> {
        const T: &str = "room_visitors";
        Ok(match self.state {
            LOBBY => Standing::Lobby,
            QUEUED => {
                let ahead = self
                    .ahead
                    .ok_or_else(|| corrupt(T, "a queued visitor without a number"))?;
                queued(ahead, room, now)
            }
            ADMITTED => match self.until {
                Some(until) if until > now => Standing::Admitted { until },
                Some(_) => Standing::AdmissionEnded,
                None => return Err(corrupt(T, "an admission without an end")),
            },
            ADMISSION_ENDED => Standing::AdmissionEnded,
            DROPPED => Standing::Dropped,
            LEFT => Standing::Left,
            FINISHED => Standing::Finished,
            other => return Err(corrupt(T, format!("state {other}"))),
        })
    }
}

fn queued(ahead: u64, room: &Room, now: OffsetDateTime) -> Standing {
    Standing::Queued {
        position: ahead + 1,
        ahead,
        eta: EtaRange::estimate(ahead, now, &room.rate, room.config.pace()),
    }
}

/// One consistent read of a room, its line, the show's seats and a visitor.
struct Snapshot {
    room: Room,
    counters: Counters,
    seats: Availability,
    visitor: Option<VisitorRow>,
}

impl Snapshot {
    fn place(&self, show: ShowId, now: OffsetDateTime) -> Result<Option<Place>> {
        let Some(visitor) = &self.visitor else {
            return Ok(None);
        };
        Ok(Some(Place {
            show,
            line: view(&self.room, &self.counters, self.seats),
            standing: visitor.standing(&self.room, now)?,
        }))
    }
}

/// The read behind `join` and `place`: one statement, one snapshot, no
/// lock. The people ahead of a queued visitor are the queued of the buckets
/// below theirs plus those below them in their own bucket.
static READ: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT {ROOM_COLUMNS}, {COUNTER_COLUMNS},
             st.available, st.held, st.booked, st.next_due,
             v.state, v.admitted_until, v.last_seen,
             CASE WHEN v.state = {QUEUED} THEN
                 (SELECT coalesce(sum(b.queued), 0)::int8 FROM room_buckets b
                  WHERE b.show_id = $1 AND b.bucket < (v.number >> {BUCKET_BITS}))
               + (SELECT count(*) FROM room_visitors q
                  WHERE q.show_id = $1 AND q.state = {QUEUED}
                    AND q.number >= ((v.number >> {BUCKET_BITS}) << {BUCKET_BITS})
                    AND q.number < v.number)
             END AS ahead
         FROM show_state st
         LEFT JOIN waiting_rooms r ON r.show_id = st.show_id
         LEFT JOIN room_counters c ON c.show_id = st.show_id
         LEFT JOIN room_visitors v ON v.show_id = st.show_id AND v.visitor = $2
         WHERE st.show_id = $1"
    )
});

/// The row of [`READ`].
#[derive(Debug, sqlx::FromRow)]
struct SnapshotRow {
    #[sqlx(flatten)]
    room: RoomRow,
    #[sqlx(flatten)]
    counters: CountersRow,
    #[sqlx(flatten)]
    seats: CountsRow,
    next_due: Option<OffsetDateTime>,
    state: Option<i16>,
    admitted_until: Option<OffsetDateTime>,
    last_seen: Option<OffsetDateTime>,
    ahead: Option<i64>,
}

/// The row `join_all` reads under the counters' lock: the room, the show's
/// seats, and the batch's visitors already known, as three arrays.
#[derive(Debug, sqlx::FromRow)]
struct JoinRow {
    #[sqlx(flatten)]
    room: RoomRow,
    #[sqlx(flatten)]
    seats: CountsRow,
    next_due: Option<OffsetDateTime>,
    visitors: Option<Vec<Uuid>>,
    states: Option<Vec<i16>>,
    untils: Option<Vec<Option<OffsetDateTime>>>,
}

/// A visitor state code as stored, checked.
fn visitor_state(code: i16) -> Result<i16> {
    match code {
        LOBBY..=FINISHED => Ok(code),
        other => Err(corrupt("room_visitors", format!("state {other}"))),
    }
}

/// How a queued join ended.
enum Joined {
    /// A new place. `seats_due`: a hold of the show was due to expire, so
    /// the seat counts must be settled and read again.
    New { place: Place, seats_due: bool },
    /// The visitor had a live place already: read it (a check-in).
    Live,
    /// The sale has opened and the lobby is not drawn yet: draw, then join.
    DrawDue,
}

/// The joins waiting for their room's next transaction (group commit, as
/// `hold_batch.rs` does for holds): a room's joins all take the counters
/// row's lock, so one transaction numbers a whole batch and commits once.
#[derive(Default)]
pub(crate) struct JoinQueues {
    shows: DashMap<ShowId, Arc<JoinQueue>>,
    /// One draw attempt per show at a time in this process: when the sale
    /// opens, every status read finds the draw due, and all but one need
    /// only see that it was done.
    draws: DashMap<ShowId, Arc<Mutex<()>>>,
    /// Likewise for settling a show whose holds are due before a status
    /// read reports its seats (settling takes the show's lock).
    settles: DashMap<ShowId, Arc<Mutex<()>>>,
}

#[derive(Default)]
struct JoinQueue {
    waiting: parking_lot::Mutex<Vec<PendingJoin>>,
    /// Held while a transaction of this queue runs.
    turn: Arc<Mutex<()>>,
}

struct PendingJoin {
    visitor: HolderId,
    now: OffsetDateTime,
    reply: oneshot::Sender<Result<Joined, RoomError>>,
}

/// A new visitor row, as the join batch writes it.
struct NewVisitor {
    visitor: Uuid,
    state: i16,
    key: Option<i64>,
    number: Option<i64>,
    at: OffsetDateTime,
}

impl PgStore {
    /// Reads the room, drawing the lobby first when the sale has opened and
    /// settling the show when a hold is due (so the seat counts are those
    /// at `now`). `NoRoom` when the show has none switched on.
    async fn snapshot(
        &self,
        show: ShowId,
        visitor: HolderId,
        now: OffsetDateTime,
    ) -> Result<Snapshot> {
        let mut attempts = 0;
        loop {
            attempts += 1;
            let row: SnapshotRow = sqlx::query_as(&READ)
                .bind(show.as_uuid())
                .bind(visitor.as_uuid())
                .fetch_optional(self.pool())
                .await?
                .ok_or(RoomError::UnknownShow(show))?;
            let room = row.room.read()?.ok_or(RoomError::NoRoom(show))?;
            if room.phase == RoomPhase::Closed {
                return Err(RoomError::NoRoom(show).into());
            }
            let counters = row
                .counters
                .read()?
                .ok_or_else(|| corrupt("room_counters", "a room without counters"))?;
            // Each catch-up below happens once; a third read takes what it finds.
            if attempts < 3 {
                if !room.drawn && now >= room.config.sale_opens_at() {
                    self.draw(show, now).await?;
                    continue;
                }
                if row.next_due.is_some_and(|due| due <= now) {
                    self.settle(show, now).await?;
                    continue;
                }
            }
            let visitor = match row.state {
                None => None,
                Some(state) => Some(VisitorRow {
                    state: visitor_state(state)?,
                    until: row.admitted_until,
                    last_seen: required(row.last_seen, "room_visitors", "last_seen")?,
                    ahead: row
                        .ahead
                        .map(|n| unsigned(n, "room_buckets", "people ahead"))
                        .transpose()?,
                }),
            };
            return Ok(Snapshot {
                room,
                counters,
                seats: row.seats.try_into()?,
                visitor,
            });
        }
    }

    /// Settles `show` at `now` (frees the holds due) unless another request
    /// of this process just did.
    async fn settle(&self, show: ShowId, now: OffsetDateTime) -> Result<()> {
        use reservation_core::ReservationStore;
        let gate = Arc::clone(&self.inner.joins.settles.entry(show).or_default());
        let _turn = gate.lock().await;
        let next_due: Option<Option<OffsetDateTime>> =
            sqlx::query_scalar("SELECT next_due FROM show_state WHERE show_id = $1")
                .bind(show.as_uuid())
                .fetch_optional(self.pool())
                .await?;
        if next_due.flatten().is_some_and(|due| due <= now) {
            self.availability(show, now).await?;
        }
        Ok(())
    }

    /// Records a check-in at `now`, unless one was recorded lately.
    async fn check_in(
        &self,
        show: ShowId,
        visitor: HolderId,
        seen: &VisitorRow,
        room: &Room,
        now: OffsetDateTime,
    ) -> Result<()> {
        let recent = now - room.config.grace() / CHECK_IN_EVERY;
        if seen.last_seen >= recent {
            return Ok(());
        }
        // Not worth an fsync to wait for: a check-in lost in a crash only
        // makes the place look older by the time since the one before,
        // and a crash stops the pacer too.
        sqlx::query(
            "UPDATE room_visitors SET last_seen = $3
             FROM (SELECT set_config('synchronous_commit', 'off', true)) AS relaxed
             WHERE show_id = $1 AND visitor = $2 AND last_seen < $4",
        )
        .bind(show.as_uuid())
        .bind(visitor.as_uuid())
        .bind(now)
        .bind(recent)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The lobby's draw, if due and not done: its own transaction, the room
    /// row locked so it happens once.
    async fn draw(&self, show: ShowId, now: OffsetDateTime) -> Result<()> {
        let gate = Arc::clone(&self.inner.joins.draws.entry(show).or_default());
        let _turn = gate.lock().await;
        let drawn: Option<bool> =
            sqlx::query_scalar("SELECT drawn FROM waiting_rooms WHERE show_id = $1")
                .bind(show.as_uuid())
                .fetch_optional(self.pool())
                .await?;
        if drawn != Some(false) {
            return Ok(());
        }
        self.retrying(|| async {
            let mut tx = begin(self.pool()).await?;
            let Some(mut room) = lock_room(&mut tx, show, false).await? else {
                return Ok(());
            };
            if room.drawn || now < room.config.sale_opens_at() {
                return Ok(());
            }
            let Some(mut counters) = Counters::lock(&mut tx, show).await? else {
                return Err(corrupt("room_counters", "a room without counters"));
            };
            draw_locked(&mut tx, show, &mut room, &mut counters, now).await?;
            counters.write(&mut tx, show).await?;
            room.write(&mut tx, show).await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    /// Queues a join for the room's next batch and waits for its outcome.
    async fn join_batched(
        &self,
        show: ShowId,
        visitor: HolderId,
        now: OffsetDateTime,
    ) -> Result<Joined, RoomError> {
        let queue = Arc::clone(&self.inner.joins.shows.entry(show).or_default());
        let (reply, mut outcome) = oneshot::channel();
        queue.waiting.lock().push(PendingJoin {
            visitor,
            now,
            reply,
        });
        let undecided = |_| Err(Error::from(AdapterError::Undecided).into());
        let turn = tokio::select! {
            decided = &mut outcome => return decided.unwrap_or_else(undecided),
            turn = Arc::clone(&queue.turn).lock_owned() => turn,
        };
        let batch = {
            let mut waiting = queue.waiting.lock();
            waiting.retain(|p| !p.reply.is_closed());
            let take = waiting.len().min(MAX_JOIN_BATCH);
            waiting.drain(..take).collect::<Vec<_>>()
        };
        if !batch.is_empty() {
            let store = self.clone();
            tokio::spawn(async move {
                store.decide_joins(show, batch).await;
                drop(turn);
            });
        }
        outcome.await.unwrap_or_else(undecided)
    }

    /// Decides a batch of joins in one transaction and answers each.
    async fn decide_joins(&self, show: ShowId, batch: Vec<PendingJoin>) {
        let (requests, replies): (Vec<_>, Vec<_>) = batch
            .into_iter()
            .map(|p| ((p.visitor, p.now), p.reply))
            .unzip();
        let outcome: Result<_, RoomError> = self.retrying(|| self.join_all(show, &requests)).await;
        match outcome {
            Ok(decided) => {
                for (reply, decision) in replies.into_iter().zip(decided) {
                    let _ = reply.send(decision);
                }
            }
            Err(failure) => {
                for reply in replies {
                    let _ = reply.send(Err(failure.clone()));
                }
            }
        }
    }

    /// Puts `requests` in line in this order, under the counters' lock.
    async fn join_all(
        &self,
        show: ShowId,
        requests: &[(HolderId, OffsetDateTime)],
    ) -> Result<Vec<Result<Joined, RoomError>>> {
        let meta = self.meta(show).await?;
        let mut tx = begin(self.pool()).await?;
        let Some(mut counters) = Counters::lock(&mut tx, show).await? else {
            return Ok(requests
                .iter()
                .map(|_| Err(RoomError::NoRoom(show)))
                .collect());
        };
        // A statement after the lock sees what its earlier holders committed
        // (a draw included).
        let visitors: Vec<Uuid> = requests.iter().map(|(v, _)| v.as_uuid()).collect();
        let row: JoinRow = sqlx::query_as(&format!(
            "SELECT {ROOM_COLUMNS}, st.available, st.held, st.booked, st.next_due,
                 known.visitors, known.states, known.untils
             FROM waiting_rooms r JOIN show_state st ON st.show_id = r.show_id,
             LATERAL (
                 SELECT array_agg(visitor) AS visitors, array_agg(state) AS states,
                     array_agg(admitted_until) AS untils
                 FROM room_visitors WHERE show_id = $1 AND visitor = ANY($2)
             ) AS known
             WHERE r.show_id = $1"
        ))
        .bind(show.as_uuid())
        .bind(&visitors)
        .fetch_one(&mut *tx)
        .await?;
        let room = row
            .room
            .read()?
            .ok_or_else(|| corrupt("waiting_rooms", "counters without a room"))?;
        let seats: Availability = row.seats.try_into()?;
        let next_due = row.next_due;
        // array_agg over no rows is NULL: none of them is known.
        let ids = row.visitors.unwrap_or_default();
        let states = row.states.unwrap_or_default();
        let untils = row.untils.unwrap_or_default();
        if states.len() != ids.len() || untils.len() != ids.len() {
            return Err(corrupt(
                "room_visitors",
                "the visitors' arrays differ in length",
            ));
        }
        let mut known: HashMap<Uuid, (i16, Option<OffsetDateTime>)> = HashMap::new();
        for (id, (state, until)) in ids.into_iter().zip(states.into_iter().zip(untils)) {
            known.insert(id, (visitor_state(state)?, until));
        }
        let starts_at = meta.show.starts_at;
        let mut decided = Vec::with_capacity(requests.len());
        let mut fresh: Vec<NewVisitor> = Vec::new();
        for &(visitor, now) in requests {
            let now = in_micros(now);
            if room.phase == RoomPhase::Closed {
                decided.push(Err(RoomError::NoRoom(show)));
                continue;
            }
            if now >= starts_at {
                decided.push(Err(RoomError::SalesClosed { starts_at }));
                continue;
            }
            if now < room.config.lobby_opens_at() {
                decided.push(Err(RoomError::LobbyNotOpen {
                    opens_at: room.config.lobby_opens_at(),
                }));
                continue;
            }
            if !room.drawn && now >= room.config.sale_opens_at() {
                decided.push(Ok(Joined::DrawDue));
                continue;
            }
            let id = visitor.as_uuid();
            let before = known.get(&id).copied();
            if let Some((state, until)) = before {
                let row = VisitorRow {
                    state,
                    until,
                    last_seen: now,
                    ahead: None,
                };
                if row.is_live(now) {
                    decided.push(Ok(Joined::Live));
                    continue;
                }
                if state == ADMITTED {
                    // An admission past its end that the pacer has not ended yet.
                    counters.active -= 1;
                }
            }
            let (state, standing) = if room.drawn {
                counters.last_number += 1;
                let ahead = unsigned(counters.queued, "room_counters", "queued")?;
                counters.enqueue(counters.last_number);
                (QUEUED, queued(ahead, &room, now))
            } else {
                counters.in_lobby += 1;
                (LOBBY, Standing::Lobby)
            };
            fresh.push(NewVisitor {
                visitor: id,
                state,
                // ThreadRng: ChaCha12 seeded from the OS, a CSPRNG. The
                // bits are kept as a bigint: the order of their signed
                // values is as uniformly random as the unsigned.
                key: (state == LOBBY).then(|| rand::random::<u64>() as i64),
                number: (state == QUEUED).then_some(counters.last_number),
                at: now,
            });
            known.insert(id, (state, None));
            decided.push(Ok(Joined::New {
                place: Place {
                    show,
                    line: view(&room, &counters, seats),
                    standing,
                },
                seats_due: next_due.is_some_and(|due| due <= now),
            }));
        }
        if !fresh.is_empty() {
            // The visitors, buckets and counters in one statement.
            let query = sqlx::query(&JOIN_WRITE).bind(show.as_uuid());
            counters
                .bind(query)
                .bind(fresh.iter().map(|v| v.visitor).collect::<Vec<_>>())
                .bind(fresh.iter().map(|v| v.state).collect::<Vec<_>>())
                .bind(fresh.iter().map(|v| v.key).collect::<Vec<_>>())
                .bind(fresh.iter().map(|v| v.number).collect::<Vec<_>>())
                .bind(fresh.iter().map(|v| v.at).collect::<Vec<_>>())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(decided)
    }

    /// Paces one room, if no other transaction has it. Returns how many it admitted.
    async fn pace_room(&self, show: ShowId, now: OffsetDateTime) -> Result<u64> {
        let mut tx = begin(self.pool()).await?;
        let Some(mut room) = lock_room(&mut tx, show, true).await? else {
            return Ok(0);
        };
        if room.phase == RoomPhase::Closed {
            return Ok(0);
        }
        let meta = self.meta(show).await?;
        let starts_at = meta.show.starts_at;
        let mut t = ShowTx::begin_in(self, meta, tx, now, false)
            .await?
            .ok_or(RoomError::UnknownShow(show))?;
        let now = t.now;
        let seats = t.counts;
        let mut counters = Counters::lock(t.conn(), show)
            .await?
            .ok_or_else(|| corrupt("room_counters", "a room without counters"))?;
        if now >= starts_at {
            room.phase = RoomPhase::Closed;
            room.write(t.conn(), show).await?;
            t.log(Change::Line {
                line: view(&room, &counters, seats),
            });
            t.commit().await?;
            return Ok(0);
        }
        let before = (room.phase, counters.shape());
        let (room_before, counters_before) = (room, counters.clone());
        let mut changed = false;
        if !room.drawn && now >= room.config.sale_opens_at() {
            draw_locked(t.conn(), show, &mut room, &mut counters, now).await?;
            changed = true;
        }
        // Silent visitors lose their place (a dropped lobby visitor has no number).
        let dropped: Vec<Option<i64>> = sqlx::query_scalar(&format!(
            "UPDATE room_visitors SET state = {DROPPED}
             WHERE show_id = $1 AND state IN ({LOBBY}, {QUEUED}) AND last_seen < $2
             RETURNING number"
        ))
        .bind(show.as_uuid())
        .bind(now - room.config.grace())
        .fetch_all(t.conn())
        .await?;
        for number in dropped {
            match number {
                Some(number) => counters.dequeue(number),
                None => counters.in_lobby -= 1,
            }
        }
        let ended: i64 = sqlx::query_scalar(&format!(
            "WITH ended AS (
                 UPDATE room_visitors SET state = {ADMISSION_ENDED}
                 WHERE show_id = $1 AND state = {ADMITTED} AND admitted_until <= $2
                 RETURNING 1
             ) SELECT count(*) FROM ended"
        ))
        .bind(show.as_uuid())
        .bind(now)
        .fetch_one(t.conn())
        .await?;
        counters.active -= ended;
        let mut admitted = 0u32;
        if room.drawn {
            room.phase = if seats.available > 0 {
                RoomPhase::Selling
            } else if seats.held > 0 {
                RoomPhase::AllHeld
            } else {
                RoomPhase::SoldOut
            };
            let pace = room.config.pace();
            if room.phase == RoomPhase::Selling {
                let occupancy = Occupancy {
                    active: u32::try_from(counters.active).unwrap_or(u32::MAX),
                    free_seats: seats.available,
                };
                let allowance = room.pacer.allowance(pace, now, occupancy);
                if allowance > 0 {
                    let numbers: Vec<i64> = sqlx::query_scalar(&format!(
                        "WITH next AS (
                             SELECT visitor FROM room_visitors
                             WHERE show_id = $1 AND state = {QUEUED}
                             ORDER BY number LIMIT $2
                         )
                         UPDATE room_visitors v SET state = {ADMITTED}, admitted_until = $3
                         FROM next WHERE v.show_id = $1 AND v.visitor = next.visitor
                         RETURNING v.number"
                    ))
                    .bind(show.as_uuid())
                    .bind(i64::from(allowance))
                    .bind(now + room.config.admission_window())
                    .fetch_all(t.conn())
                    .await?;
                    for &number in &numbers {
                        counters.dequeue(number);
                    }
                    counters.active += numbers.len() as i64;
                    admitted = u32::try_from(numbers.len()).unwrap_or(u32::MAX);
                }
            }
            room.pacer.spend(pace, now, admitted);
            room.rate.record(now, admitted);
            room.admitted += u64::from(admitted);
        }
        changed |= before != (room.phase, counters.shape());
        // A room waiting for its sale changes nothing tick after tick.
        if counters != counters_before {
            counters.write(t.conn(), show).await?;
        }
        if room != room_before {
            room.write(t.conn(), show).await?;
        }
        if changed {
            t.log(Change::Line {
                line: view(&room, &counters, seats),
            });
        }
        t.commit().await?;
        Ok(u64::from(admitted))
    }

    /// The room's counters, read without a lock (for an event's view).
    /// Commits `tx`, which changed `room`'s settings or phase, with a
    /// `Change::Line` event on the show's stream (taking the show's lock
    /// after the room's, in the one lock order).
    async fn commit_with_line(
        &self,
        meta: Arc<crate::meta::ShowMeta>,
        tx: Transaction<'static, Postgres>,
        room: &Room,
        now: OffsetDateTime,
    ) -> Result<()> {
        let show = meta.show.id;
        let mut t = ShowTx::begin_in(self, meta, tx, now, false)
            .await?
            .ok_or(RoomError::UnknownShow(show))?;
        let counters = Self::read_counters(t.conn(), show).await?;
        let line = view(room, &counters, t.counts);
        t.log(Change::Line { line });
        t.commit().await?;
        Ok(())
    }

    async fn read_counters(conn: &mut PgConnection, show: ShowId) -> Result<Counters> {
        let row: Option<CountersRow> = sqlx::query_as(&format!(
            "SELECT {COUNTER_COLUMNS} FROM room_counters c WHERE c.show_id = $1"
        ))
        .bind(show.as_uuid())
        .fetch_optional(conn)
        .await?;
        row.map(CountersRow::read)
            .transpose()?
            .flatten()
            .ok_or_else(|| corrupt("room_counters", "a room without counters"))
    }

    /// Ends `visitor`'s place with `to` when its state is one of `from`:
    /// leave and finish. Returns whether the visitor is in this room's line.
    async fn end_place(
        &self,
        show: ShowId,
        visitor: HolderId,
        from: &[i16],
        to: i16,
    ) -> Result<bool> {
        let mut tx = begin(self.pool()).await?;
        let Some(mut counters) = Counters::lock(&mut tx, show).await? else {
            return Err(RoomError::NoRoom(show).into());
        };
        let row: Option<(i16, Option<i64>)> = sqlx::query_as(
            "SELECT state, number FROM room_visitors WHERE show_id = $1 AND visitor = $2",
        )
        .bind(show.as_uuid())
        .bind(visitor.as_uuid())
        .fetch_optional(&mut *tx)
        .await?;
        let Some((state, number)) = row else {
            return Ok(false);
        };
        let state = visitor_state(state)?;
        if !from.contains(&state) {
            return Ok(true);
        }
        match state {
            LOBBY => counters.in_lobby -= 1,
            QUEUED => counters.dequeue(required(number, "room_visitors", "number")?),
            ADMITTED => counters.active -= 1,
            _ => return Ok(true),
        }
        sqlx::query("UPDATE room_visitors SET state = $3 WHERE show_id = $1 AND visitor = $2")
            .bind(show.as_uuid())
            .bind(visitor.as_uuid())
            .bind(to)
            .execute(&mut *tx)
            .await?;
        counters.write(&mut tx, show).await?;
        tx.commit().await?;
        Ok(true)
    }
}

/// Locks the room row (the first lock of the order); `None` when there is
/// no room, or with `skip_locked` when another transaction has it.
async fn lock_room(
    conn: &mut PgConnection,
    show: ShowId,
    skip_locked: bool,
) -> Result<Option<Room>> {
    let skip = if skip_locked { "SKIP LOCKED" } else { "" };
    let row: Option<RoomRow> = sqlx::query_as(&format!(
        "SELECT {ROOM_COLUMNS} FROM waiting_rooms r WHERE r.show_id = $1 FOR NO KEY UPDATE {skip}"
    ))
    .bind(show.as_uuid())
    .fetch_optional(conn)
    .await?;
    Ok(row.map(RoomRow::read).transpose()?.flatten())
}

/// The draw, with the room and its counters locked: silent lobby visitors
/// are dropped, the others numbered in the order of their secret keys
/// after the numbers already given (one statement with `row_number()`).
async fn draw_locked(
    conn: &mut PgConnection,
    show: ShowId,
    room: &mut Room,
    counters: &mut Counters,
    now: OffsetDateTime,
) -> Result<()> {
    let (_dropped, numbered): (i64, i64) = sqlx::query_as(&format!(
        "WITH dropped AS (
             UPDATE room_visitors SET state = {DROPPED}
             WHERE show_id = $1 AND state = {LOBBY} AND last_seen < $2
             RETURNING 1
         ),
         ranked AS (
             SELECT visitor, row_number() OVER (ORDER BY lobby_key, visitor) AS n
             FROM room_visitors WHERE show_id = $1 AND state = {LOBBY} AND last_seen >= $2
         ),
         numbered AS (
             UPDATE room_visitors v SET state = {QUEUED}, number = $3 + ranked.n, lobby_key = NULL
             FROM ranked WHERE v.show_id = $1 AND v.visitor = ranked.visitor
             RETURNING 1
         )
         SELECT (SELECT count(*) FROM dropped) AS dropped, (SELECT count(*) FROM numbered) AS numbered"
    ))
    .bind(show.as_uuid())
    .bind(now - room.config.grace())
    .bind(counters.last_number)
    .fetch_one(&mut *conn)
    .await?;
    let first = counters.last_number + 1;
    counters.last_number += numbered;
    counters.enqueue_range(first, counters.last_number);
    counters.in_lobby = 0;
    room.drawn = true;
    room.phase = RoomPhase::Selling;
    Ok(())
}

#[async_trait]
impl WaitingRoomStore for PgStore {
    async fn open_room(
        &self,
        show: ShowId,
        config: RoomConfig,
        now: OffsetDateTime,
    ) -> Result<(), RoomError> {
        let meta = self.meta(show).await?;
        let now = in_micros(now);
        let starts_at = meta.show.starts_at;
        if now >= starts_at {
            return Err(RoomError::SalesClosed { starts_at });
        }
        let start = config.sale_opens_at().max(now);
        let pacer = Pacer::new(config.pace(), start);
        self.retrying(|| async {
            let mut tx = begin(self.pool()).await?;
            // The room row first (the lock order): insert, or take it and
            // change the settings, keeping the line, the draw and the pacing.
            let row: RoomRow = sqlx::query_as(&format!(
                "INSERT INTO waiting_rooms AS r (show_id, lobby_opens_at, sale_opens_at, max_active,
                     per_minute, admission_window_us, grace_us, phase, pacer_credit, pacer_as_of,
                     rate_as_of)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, {PHASE_LOBBY}, $8, $9, $9)
                 ON CONFLICT (show_id) DO UPDATE SET lobby_opens_at = excluded.lobby_opens_at,
                     sale_opens_at = excluded.sale_opens_at, max_active = excluded.max_active,
                     per_minute = excluded.per_minute,
                     admission_window_us = excluded.admission_window_us,
                     grace_us = excluded.grace_us,
                     phase = CASE WHEN r.phase <> {PHASE_CLOSED} THEN r.phase
                                  WHEN r.drawn THEN {PHASE_SELLING} ELSE {PHASE_LOBBY} END
                 RETURNING {ROOM_COLUMNS}"
            ))
            .bind(show.as_uuid())
            .bind(config.lobby_opens_at())
            .bind(config.sale_opens_at())
            .bind(config.pace().max_active().map(i64::from))
            .bind(config.pace().per_minute().map(i64::from))
            .bind(micros(config.admission_window()))
            .bind(micros(config.grace()))
            .bind(pacer.credit)
            .bind(pacer.as_of)
            .fetch_one(&mut *tx)
            .await?;
            let room = row
                .read()?
                .ok_or_else(|| corrupt("waiting_rooms", "no row after the upsert"))?;
            sqlx::query("INSERT INTO room_counters (show_id) VALUES ($1) ON CONFLICT DO NOTHING")
                .bind(show.as_uuid())
                .execute(&mut *tx)
                .await?;
            self.commit_with_line(Arc::clone(&meta), tx, &room, now)
                .await
        })
        .await
    }

    async fn close_room(&self, show: ShowId, now: OffsetDateTime) -> Result<(), RoomError> {
        let meta = self.meta(show).await?;
        self.retrying(|| async {
            let mut tx = begin(self.pool()).await?;
            let mut room = match lock_room(&mut tx, show, false).await? {
                Some(room) if room.phase != RoomPhase::Closed => room,
                _ => return Err(RoomError::NoRoom(show).into()),
            };
            room.phase = RoomPhase::Closed;
            room.write(&mut tx, show).await?;
            self.commit_with_line(Arc::clone(&meta), tx, &room, now)
                .await
        })
        .await
    }

    async fn room(
        &self,
        show: ShowId,
        now: OffsetDateTime,
    ) -> Result<Option<RoomConfig>, RoomError> {
        let meta = self.meta(show).await?;
        if now >= meta.show.starts_at {
            return Ok(None);
        }
        let row: Option<RoomRow> = sqlx::query_as(&format!(
            "SELECT {ROOM_COLUMNS} FROM waiting_rooms r WHERE r.show_id = $1"
        ))
        .bind(show.as_uuid())
        .fetch_optional(self.pool())
        .await
        .map_err(Error::from)?;
        let room = row.map(RoomRow::read).transpose()?.flatten();
        Ok(room
            .filter(|room| room.phase != RoomPhase::Closed)
            .map(|room| room.config))
    }

    async fn join(
        &self,
        show: ShowId,
        visitor: HolderId,
        now: OffsetDateTime,
    ) -> Result<Place, RoomError> {
        let meta = self.meta(show).await?;
        let now = in_micros(now);
        let starts_at = meta.show.starts_at;
        if now >= starts_at {
            return Err(RoomError::SalesClosed { starts_at });
        }
        // Straight to the batch, which checks everything under the
        // counters' lock: a join costs no statement of its own.
        let mut drawn = false;
        loop {
            match self.join_batched(show, visitor, now).await? {
                Joined::New {
                    mut place,
                    seats_due,
                } => {
                    if seats_due {
                        self.settle(show, now).await?;
                        let row: CountsRow = sqlx::query_as(
                            "SELECT available, held, booked FROM show_state WHERE show_id = $1",
                        )
                        .bind(show.as_uuid())
                        .fetch_one(self.pool())
                        .await
                        .map_err(Error::from)?;
                        let seats: Availability = row.try_into()?;
                        place.line.seats_free = seats.available;
                        place.line.seats_held = seats.held;
                    }
                    return Ok(place);
                }
                Joined::Live => return self.place(show, visitor, now).await,
                Joined::DrawDue if !drawn => {
                    self.draw(show, now).await?;
                    drawn = true;
                }
                Joined::DrawDue => {
                    return Err(corrupt("waiting_rooms", "the draw did not happen").into());
                }
            }
        }
    }

    async fn place(
        &self,
        show: ShowId,
        visitor: HolderId,
        now: OffsetDateTime,
    ) -> Result<Place, RoomError> {
        self.meta(show).await?;
        let now = in_micros(now);
        let snapshot = self.snapshot(show, visitor, now).await?;
        let seen = snapshot.visitor.as_ref().ok_or(RoomError::NotInLine)?;
        self.check_in(show, visitor, seen, &snapshot.room, now)
            .await?;
        snapshot.place(show, now)?.ok_or(RoomError::NotInLine)
    }

    async fn leave(
        &self,
        show: ShowId,
        visitor: HolderId,
        _now: OffsetDateTime,
    ) -> Result<(), RoomError> {
        self.meta(show).await?;
        let phase: Option<i16> =
            sqlx::query_scalar("SELECT phase FROM waiting_rooms WHERE show_id = $1")
                .bind(show.as_uuid())
                .fetch_optional(self.pool())
                .await
                .map_err(Error::from)?;
        let phase = phase.map(phase_of).transpose()?;
        if phase.is_none_or(|phase| phase == RoomPhase::Closed) {
            return Err(RoomError::NoRoom(show));
        }
        let in_line: Result<bool, RoomError> = self
            .retrying(|| self.end_place(show, visitor, &[LOBBY, QUEUED, ADMITTED], LEFT))
            .await;
        if in_line? {
            Ok(())
        } else {
            Err(RoomError::NotInLine)
        }
    }

    async fn finish(
        &self,
        show: ShowId,
        visitor: HolderId,
        _now: OffsetDateTime,
    ) -> Result<(), RoomError> {
        // Called after every booking: a show without a room (or a visitor
        // not admitted) costs one indexed read and no lock.
        let state: Option<i16> = sqlx::query_scalar(
            "SELECT state FROM room_visitors WHERE show_id = $1 AND visitor = $2",
        )
        .bind(show.as_uuid())
        .bind(visitor.as_uuid())
        .fetch_optional(self.pool())
        .await
        .map_err(Error::from)?;
        if state != Some(ADMITTED) {
            return Ok(());
        }
        let ended: Result<bool, RoomError> = self
            .retrying(|| self.end_place(show, visitor, &[ADMITTED], FINISHED))
            .await;
        ended.map(drop)
    }

    async fn pace_rooms(&self, now: OffsetDateTime) -> Result<u64, RoomError> {
        let rooms: Vec<Uuid> = sqlx::query_scalar(&format!(
            "SELECT show_id FROM waiting_rooms WHERE phase <> {PHASE_CLOSED} ORDER BY show_id"
        ))
        .fetch_all(self.pool())
        .await
        .map_err(Error::from)?;
        let mut admitted = 0;
        let mut failed = None;
        for show in rooms {
            let show = ShowId::from_uuid(show);
            match self.retrying(|| self.pace_room(show, now)).await {
                Ok(n) => admitted += n,
                Err(error) => {
                    // The other rooms still move; the error is reported.
                    tracing::warn!(%show, %error, "pacing a waiting room failed");
                    failed.get_or_insert(error);
                }
            }
        }
        match failed {
            Some(error) => Err(error),
            None => Ok(admitted),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn empty() -> Counters {
        Counters {
            last_number: 0,
            in_lobby: 0,
            queued: 0,
            active: 0,
            buckets: BTreeMap::new(),
        }
    }

    #[test]
    fn a_range_of_numbers_is_counted_in_its_buckets() {
        let mut counters = empty();
        counters.enqueue_range(1, 3000);
        assert_eq!(counters.queued, 3000);
        // Bucket 0 holds 1..=1023 (there is no number 0).
        assert_eq!(
            counters.buckets,
            BTreeMap::from([(0, 1023), (1, 1024), (2, 953)])
        );
        let mut one_by_one = empty();
        for number in 1..=3000 {
            one_by_one.enqueue(number);
        }
        assert_eq!(one_by_one, counters);
        counters.dequeue(1024);
        counters.dequeue(2047);
        assert_eq!(counters.buckets[&1], 1022);
        counters.enqueue_range(5, 4);
        assert_eq!(counters.queued, 2998, "an empty range adds nothing");
    }
}
