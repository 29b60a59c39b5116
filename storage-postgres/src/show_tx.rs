//! [`ShowTx`]: one transaction on one show. It begins by locking the show's
//! `show_state` row, settles the show (expiry, waitlist) and collects the
//! events its changes make; [`ShowTx::commit`] writes them to the outbox with
//! the next sequence numbers and updates the counters in the same
//! transaction, then wakes the show's subscribers.

use std::sync::{Arc, LazyLock};

use reservation_core::catalog::SeatIndex;
use reservation_core::waitlist::{SeatHolding, Waiter, beyond_reach, serve_in_order};
use reservation_core::{
    Availability, Change, Hold, HoldId, HoldState, HoldToken, HolderId, Policy, ReservationError,
    ReservationStore, Sequence, ShowId, WaitEnd, WaitId,
};
use sqlx::{PgConnection, Postgres, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::PgStore;
use crate::error::{AdapterError, Error, Result, is_disconnect};
use crate::feed::Notifier;
use crate::meta::ShowMeta;
use crate::rows::{
    ACTIVE, ENDED, EXPIRED, EndedWait, ExpiredHold, FREE, HELD, HoldRecord, HoldStage, LoadOrSeat,
    LoadOrSeatRow, OFFERED, StateRow, WAITING, WaiterRow, seat_indexes, sequence,
};

/// `at` to the microsecond: the database keeps microseconds, so the store
/// uses the same precision throughout.
pub(crate) fn in_micros(at: OffsetDateTime) -> OffsetDateTime {
    at.replace_nanosecond(at.nanosecond() / 1_000 * 1_000)
        .unwrap_or(at)
}

/// Every seat's holding, from the taken ones (their indexes checked
/// against the plan of `seats` seats).
pub(crate) fn holdings(seats: usize, taken: Vec<(SeatIndex, SeatHolding)>) -> Vec<SeatHolding> {
    let mut all = vec![SeatHolding::Free; seats];
    for (index, holding) in taken {
        if let Some(slot) = all.get_mut(index.get()) {
            *slot = holding;
        }
    }
    all
}

type PgQuery<'q> = sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments>;

/// Writes the seats and rows of new holds: parameters `$first` to
/// `$first + 8` in [`ShowTx::bind_holds`]'s order, the show at `$1`.
fn hold_writes(first: usize) -> String {
    let p = |n: usize| format!("${}", first + n);
    format!(
        "seated AS (
             UPDATE seats SET status = {HELD}, holder = s.holder
             FROM unnest({indexes}::int4[], {seat_holders}::uuid[]) AS s(seat_index, holder)
             WHERE seats.show_id = $1 AND seats.seat_index = s.seat_index
         ),
         held AS (
             INSERT INTO holds (show_id, id, secret, holder, seat_indexes, created_at, expires_at, free_at)
             SELECT $1, h.id, h.secret, h.holder, h.seats::int4[], {created}, {expires}, {free}
             FROM unnest({ids}::uuid[], {secrets}::bytea[], {holders}::uuid[], {lists}::text[])
                 AS h(id, secret, holder, seats)
         )",
        indexes = p(0),
        seat_holders = p(1),
        ids = p(2),
        secrets = p(3),
        holders = p(4),
        lists = p(5),
        created = p(6),
        expires = p(7),
        free = p(8),
    )
}

/// New holds, at once.
static WRITE_HOLDS: LazyLock<String> =
    LazyLock::new(|| format!("WITH {} SELECT NULL", hold_writes(2)));

/// The commit's one statement: the events and the show's counters.
const LOG_AND_COUNT: &str = "logged AS (
         INSERT INTO show_events (show_id, seq, at, change)
         SELECT $1, seq, $8, change FROM unnest($9::bigint[], $10::jsonb[]) AS e(seq, change)
     )
     UPDATE show_state SET last_seq = $2, next_in_line = $3, available = $4, held = $5, booked = $6,
         next_due = CASE WHEN $7 THEN LEAST(
             (SELECT min(free_at) FROM holds WHERE show_id = $1 AND state = 0),
             (SELECT min(expires_at) FROM waits WHERE show_id = $1 AND state = 0),
             $11)
         ELSE LEAST(next_due, $11) END
     WHERE show_id = $1";

static COMMIT: LazyLock<String> = LazyLock::new(|| format!("WITH {LOG_AND_COUNT}"));

/// The commit with holds made at commit: a statement's parts see the
/// tables as they were before it, so `$11` brings the new deadlines.
static COMMIT_WITH_HOLDS: LazyLock<String> =
    LazyLock::new(|| format!("WITH {}, {LOG_AND_COUNT}", hold_writes(12)));

/// A hold as stored.
pub(crate) struct HoldRow {
    pub(crate) id: HoldId,
    pub(crate) secret: [u8; 32],
    pub(crate) holder: HolderId,
    pub(crate) seats: Vec<SeatIndex>,
    pub(crate) created_at: OffsetDateTime,
    pub(crate) expires_at: OffsetDateTime,
    pub(crate) stage: HoldStage,
}

pub(crate) struct ShowTx {
    pub(crate) tx: Transaction<'static, Postgres>,
    wakeups: Notifier,
    pub(crate) meta: Arc<ShowMeta>,
    pub(crate) policy: Policy,
    pub(crate) now: OffsetDateTime,
    pub(crate) counts: Availability,
    last_seq: i64,
    next_in_line: i64,
    changes: Vec<Change>,
    /// Holds or waits ended or waits were added: `next_due` must be
    /// recomputed from the tables.
    due_recompute: bool,
    /// The earliest deadline of the holds made (`next_due` is at most it).
    new_deadline: Option<OffsetDateTime>,
    /// Holds made by [`create_holds_at_commit`](Self::create_holds_at_commit),
    /// which the commit writes.
    unwritten: Vec<HoldRow>,
    /// Holds and waits ended by settling.
    pub(crate) ended: usize,
}

/// Begins a transaction. A pooled connection the server dropped fails on
/// `BEGIN`, before anything could take effect, so another is tried (each
/// failed one is closed); there are at most as many as the pool holds.
pub(crate) async fn begin(
    pool: &sqlx::PgPool,
) -> std::result::Result<Transaction<'static, Postgres>, sqlx::Error> {
    let mut tries = pool.size() + 1;
    loop {
        match pool.begin().await {
            Err(error) if tries > 0 && is_disconnect(&error) => {
                tracing::debug!(%error, "a pooled connection was lost; trying another");
                tries -= 1;
            }
            outcome => return outcome,
        }
    }
}

impl ShowTx {
    /// Locks the show and settles it at `now`. `skip_locked` makes it return
    /// `None` instead of waiting when another transaction holds the show (for
    /// sweepers).
    pub(crate) async fn begin(
        store: &PgStore,
        meta: Arc<ShowMeta>,
        now: OffsetDateTime,
        skip_locked: bool,
    ) -> Result<Option<Self>> {
        let tx = begin(store.pool()).await?;
        Self::begin_in(store, meta, tx, now, skip_locked).await
    }

    /// Like [`begin`](Self::begin), in a transaction that already locked
    /// what comes before the show's row in the lock order (a waiting room's
    /// row, see `room.rs`).
    pub(crate) async fn begin_in(
        store: &PgStore,
        meta: Arc<ShowMeta>,
        mut tx: Transaction<'static, Postgres>,
        now: OffsetDateTime,
        skip_locked: bool,
    ) -> Result<Option<Self>> {
        let now = in_micros(now);
        let lock = if skip_locked {
            "FOR UPDATE SKIP LOCKED"
        } else {
            "FOR UPDATE"
        };
        // The transaction's other statements are index lookups keyed by the
        // show: planning them afresh each time (PostgreSQL's custom plans)
        // cost a quarter of the server's time, so each is planned once per
        // connection; with sequential scans off, a plan made while a table
        // was nearly empty cannot scan it whole once it has grown.
        let row: Option<StateRow> = sqlx::query_as(&format!(
            "SELECT set_config('plan_cache_mode', 'force_generic_plan', true),
                 set_config('enable_seqscan', 'off', true),
                 last_seq, next_in_line, next_due, available, held, booked
             FROM show_state WHERE show_id = $1 {lock}"
        ))
        .bind(meta.show.id.as_uuid())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return if skip_locked {
                Ok(None)
            } else {
                Err(ReservationError::UnknownShow(meta.show.id).into())
            };
        };
        let counts = row.counts.try_into()?;
        let next_due = row.next_due;
        sequence(row.last_seq, "show_state")?;
        if row.next_in_line < 0 {
            return Err(crate::error::corrupt(
                "show_state",
                format!("next_in_line is {}", row.next_in_line),
            ));
        }
        let mut show = Self {
            wakeups: store.wakeups().clone(),
            last_seq: row.last_seq,
            next_in_line: row.next_in_line,
            tx,
            meta,
            policy: store.policy(),
            now,
            counts,
            changes: Vec::new(),
            due_recompute: false,
            new_deadline: None,
            unwritten: Vec::new(),
            ended: 0,
        };
        if next_due.is_some_and(|due| due <= now) {
            show.settle().await?;
        }
        Ok(Some(show))
    }

    pub(crate) fn id(&self) -> ShowId {
        self.meta.show.id
    }

    fn uuid(&self) -> Uuid {
        self.meta.show.id.as_uuid()
    }

    pub(crate) fn conn(&mut self) -> &mut PgConnection {
        &mut self.tx
    }

    pub(crate) fn log(&mut self, change: Change) {
        self.changes.push(change);
    }

    // ---- settling ---------------------------------------------------------------------------

    /// Frees holds past `free_at`, ends waits past `expires_at`, serves the waitlist.
    async fn settle(&mut self) -> Result<()> {
        let mut expired: Vec<ExpiredHold> = sqlx::query_as(&format!(
            "UPDATE holds SET state = {EXPIRED} WHERE show_id = $1 AND state = {ACTIVE} AND free_at <= $2
             RETURNING id, seat_indexes, free_at"
        ))
        .bind(self.uuid())
        .bind(self.now)
        .fetch_all(&mut *self.tx)
        .await?;
        expired.sort_by_key(|hold| (hold.free_at, hold.id));
        for ExpiredHold {
            id,
            seat_indexes: seats,
            ..
        } in &expired
        {
            let seats = seat_indexes(seats, self.meta.pricing.plan().len(), "holds")?;
            self.set_seats(&seats, FREE, None).await?;
            self.counts.held -= seats.len() as u32;
            self.counts.available += seats.len() as u32;
            let seats = self.meta.pricing.seat_ids(&seats);
            self.log(Change::Expired {
                hold: HoldId::from_uuid(*id),
                seats,
            });
        }
        let mut waits: Vec<EndedWait> = sqlx::query_as(&format!(
            "UPDATE waits SET state = {ENDED}, end_reason = 'expired'
             WHERE show_id = $1 AND state = {WAITING} AND expires_at <= $2
             RETURNING id, line_order"
        ))
        .bind(self.uuid())
        .bind(self.now)
        .fetch_all(&mut *self.tx)
        .await?;
        waits.sort_by_key(|w| (w.line_order, w.id));
        for EndedWait { id, .. } in &waits {
            self.log(Change::WaitEnded {
                wait: WaitId::from_uuid(*id),
                reason: WaitEnd::Expired,
            });
        }
        self.ended += expired.len() + waits.len();
        self.due_recompute = true;
        if !expired.is_empty() || !waits.is_empty() {
            self.serve_waitlist().await?;
        }
        Ok(())
    }

    /// The waits in line, in join order.
    async fn waiters(&mut self) -> Result<Vec<Waiter>> {
        let rows: Vec<WaiterRow> = sqlx::query_as(&format!(
            "SELECT id, holder, seat_count, category_index FROM waits
             WHERE show_id = $1 AND state = {WAITING} ORDER BY line_order"
        ))
        .bind(self.uuid())
        .fetch_all(&mut *self.tx)
        .await?;
        rows.into_iter().map(Waiter::try_from).collect()
    }

    /// Who has each seat, by seat index.
    pub(crate) async fn holdings(&mut self) -> Result<Vec<SeatHolding>> {
        let taken = self.taken_seats(None).await?;
        Ok(holdings(self.meta.pricing.plan().len(), taken))
    }

    /// Who has the held or booked seats among `only` (or among all seats):
    /// seats not listed are free.
    pub(crate) async fn taken_seats(
        &mut self,
        only: Option<&[SeatIndex]>,
    ) -> Result<Vec<(SeatIndex, SeatHolding)>> {
        Ok(self.loads_and_taken_seats(&[], only).await?.1)
    }

    /// [`loads`](Self::loads) and [`taken_seats`](Self::taken_seats) in one
    /// read: what deciding holds needs.
    pub(crate) async fn loads_and_taken_seats(
        &mut self,
        holders: &[HolderId],
        only: Option<&[SeatIndex]>,
    ) -> Result<(Vec<(HolderId, u16)>, Vec<(SeatIndex, SeatHolding)>)> {
        self.expect_written();
        let seat_filter = match only {
            Some(_) => "AND seat_index = ANY($3)",
            None => "",
        };
        // Rows with a seat index are taken seats; the others are loads. The
        // codes are literals: a cached plan can then use the partial
        // indexes (`WHERE state = 0`).
        let query = format!(
            "SELECT holder, sum(seats)::int8 AS load, NULL::int4 AS seat_index, NULL::int2 AS status
             FROM (
                 SELECT holder, cardinality(seat_indexes) AS seats FROM holds
                 WHERE show_id = $1 AND holder = ANY($2) AND state = {ACTIVE}
                 UNION ALL
                 SELECT holder, seat_count FROM waits
                 WHERE show_id = $1 AND holder = ANY($2) AND state = {WAITING}
             ) AS held GROUP BY holder
             UNION ALL
             SELECT holder, NULL, seat_index, status FROM seats
             WHERE show_id = $1 AND status <> {FREE} {seat_filter}"
        );
        let holders: Vec<Uuid> = holders.iter().map(|h| h.as_uuid()).collect();
        let mut query = sqlx::query_as(&query).bind(self.uuid()).bind(&holders);
        if let Some(seats) = only {
            query = query.bind(seats.iter().map(|s| s.0 as i32).collect::<Vec<_>>());
        }
        let rows: Vec<LoadOrSeatRow> = query.fetch_all(&mut *self.tx).await?;
        let seats = self.meta.pricing.plan().len();
        let (mut loads, mut taken) = (Vec::new(), Vec::new());
        for row in rows {
            match row.read(seats)? {
                LoadOrSeat::Seat(index, holding) => taken.push((index, holding)),
                LoadOrSeat::Load(holder, load) => loads.push((holder, load)),
            }
        }
        Ok((loads, taken))
    }

    /// The FCFS policy: freed seats to waiters in join order, then drop the
    /// waiters beyond reach. Runs in the transaction that freed the seats.
    pub(crate) async fn serve_waitlist(&mut self) -> Result<()> {
        let waiters = self.waiters().await?;
        if waiters.is_empty() {
            return Ok(());
        }
        let holdings = self.holdings().await?;
        let mut free: Vec<bool> = holdings.iter().map(|s| *s == SeatHolding::Free).collect();
        let served = serve_in_order(self.meta.pricing.plan(), &mut free, &waiters);
        for (wait, seats) in &served {
            let Some(waiter) = waiters.iter().find(|w| w.id == *wait) else {
                continue;
            };
            let hold = self.create_hold(waiter.holder, seats).await?;
            sqlx::query(
                "UPDATE waits SET state = $3, offered_secret = $4 WHERE show_id = $1 AND id = $2",
            )
            .bind(self.uuid())
            .bind(wait.as_uuid())
            .bind(OFFERED)
            .bind(&hold.token.secret()[..])
            .execute(&mut *self.tx)
            .await?;
            let seats = self.meta.pricing.seat_ids(seats);
            self.log(Change::Offered {
                wait: *wait,
                hold: hold.id,
                seats,
            });
        }
        if served.is_empty() {
            self.drop_beyond_reach(&waiters, &holdings).await
        } else {
            self.drop_unservable().await
        }
    }

    /// Ends the waits that can no longer be served (step 4 of the policy).
    pub(crate) async fn drop_unservable(&mut self) -> Result<()> {
        let waiters = self.waiters().await?;
        if waiters.is_empty() {
            return Ok(());
        }
        let holdings = self.holdings().await?;
        self.drop_beyond_reach(&waiters, &holdings).await
    }

    async fn drop_beyond_reach(
        &mut self,
        waiters: &[Waiter],
        holdings: &[SeatHolding],
    ) -> Result<()> {
        let doomed = beyond_reach(self.meta.pricing.plan(), holdings, waiters);
        if doomed.is_empty() {
            return Ok(());
        }
        let ids: Vec<Uuid> = doomed.iter().map(WaitId::as_uuid).collect();
        sqlx::query("UPDATE waits SET state = $3, end_reason = 'sold_out' WHERE show_id = $1 AND id = ANY($2)")
            .bind(self.uuid())
            .bind(&ids)
            .bind(ENDED)
            .execute(&mut *self.tx)
            .await?;
        for wait in doomed {
            self.log(Change::WaitEnded {
                wait,
                reason: WaitEnd::SoldOut,
            });
        }
        self.due_recompute = true;
        Ok(())
    }

    // ---- seats and holds --------------------------------------------------------------------

    pub(crate) async fn set_seats(
        &mut self,
        seats: &[SeatIndex],
        status: i16,
        holder: Option<HolderId>,
    ) -> Result<()> {
        let indexes: Vec<i32> = seats.iter().map(|s| s.0 as i32).collect();
        sqlx::query(
            "UPDATE seats SET status = $3, holder = $4 WHERE show_id = $1 AND seat_index = ANY($2)",
        )
        .bind(self.uuid())
        .bind(&indexes)
        .bind(status)
        .bind(holder.map(|h| h.as_uuid()))
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Holds `seats` (checked free by the caller) for `holder`; the caller logs the event.
    pub(crate) async fn create_hold(
        &mut self,
        holder: HolderId,
        seats: &[SeatIndex],
    ) -> Result<Hold> {
        let mut holds = self.create_holds(&[(holder, seats.to_vec())]).await?;
        holds.pop().ok_or_else(|| AdapterError::Undecided.into())
    }

    /// Makes one hold per `(holder, seats)` (the seats checked free by the
    /// caller, no seat in two of them) with one statement; the caller logs
    /// the events.
    pub(crate) async fn create_holds(
        &mut self,
        grants: &[(HolderId, Vec<SeatIndex>)],
    ) -> Result<Vec<Hold>> {
        let rows = self.new_holds(grants);
        if !rows.is_empty() {
            let query = sqlx::query(&WRITE_HOLDS).bind(self.uuid());
            self.bind_holds(query, &rows).execute(&mut *self.tx).await?;
        }
        Ok(rows.iter().map(|row| self.hold_view(row)).collect())
    }

    /// Like [`create_holds`](Self::create_holds), but the commit writes the
    /// holds in its own statement: for an operation's last step, after
    /// which nothing in the transaction reads seats or holds.
    pub(crate) fn create_holds_at_commit(
        &mut self,
        grants: &[(HolderId, Vec<SeatIndex>)],
    ) -> Vec<Hold> {
        let rows = self.new_holds(grants);
        let holds = rows.iter().map(|row| self.hold_view(row)).collect();
        self.unwritten.extend(rows);
        holds
    }

    /// Reads must not miss holds the commit is still to write.
    fn expect_written(&self) {
        debug_assert!(
            self.unwritten.is_empty(),
            "read seats or holds after create_holds_at_commit"
        );
    }

    /// The rows of new holds, with the counts and deadline updated.
    fn new_holds(&mut self, grants: &[(HolderId, Vec<SeatIndex>)]) -> Vec<HoldRow> {
        let expires_at = self.now + self.policy.hold_time;
        let rows: Vec<HoldRow> = grants
            .iter()
            .map(|(holder, seats)| {
                let (id, token) = HoldToken::issue(self.id());
                HoldRow {
                    id,
                    secret: *token.secret(),
                    holder: *holder,
                    seats: seats.clone(),
                    created_at: self.now,
                    expires_at,
                    stage: HoldStage::Active,
                }
            })
            .collect();
        if !rows.is_empty() {
            let count: u32 = rows.iter().map(|row| row.seats.len() as u32).sum();
            self.counts.available -= count;
            self.counts.held += count;
            let free_at = expires_at + self.policy.grace;
            self.new_deadline = Some(self.new_deadline.map_or(free_at, |d| d.min(free_at)));
        }
        rows
    }

    /// Binds the parameters of [`hold_writes`] (after the show's `$1`).
    fn bind_holds<'q>(&self, query: PgQuery<'q>, rows: &[HoldRow]) -> PgQuery<'q> {
        let (seat_indexes, seat_holders): (Vec<i32>, Vec<Uuid>) = rows
            .iter()
            .flat_map(|row| row.seats.iter().map(|s| (s.0 as i32, row.holder.as_uuid())))
            .unzip();
        // Arrays of arrays cannot be unnested row by row: each hold's seats
        // travel as an array literal.
        let seat_lists: Vec<String> = rows
            .iter()
            .map(|row| {
                let list: Vec<String> = row.seats.iter().map(|s| s.0.to_string()).collect();
                format!("{{{}}}", list.join(","))
            })
            .collect();
        let expires_at = self.now + self.policy.hold_time;
        query
            .bind(seat_indexes)
            .bind(seat_holders)
            .bind(rows.iter().map(|r| r.id.as_uuid()).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.secret.to_vec()).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.holder.as_uuid()).collect::<Vec<_>>())
            .bind(seat_lists)
            .bind(self.now)
            .bind(expires_at)
            .bind(expires_at + self.policy.grace)
    }

    /// The hold behind `token`, if it is `holder`'s.
    pub(crate) async fn hold_row(
        &mut self,
        token: &HoldToken,
        holder: HolderId,
    ) -> Result<HoldRow> {
        self.expect_written();
        let row: Option<HoldRecord> = sqlx::query_as(
            "SELECT id, holder, seat_indexes, created_at, expires_at, state, booking_id FROM holds
             WHERE show_id = $1 AND secret = $2",
        )
        .bind(self.uuid())
        .bind(&token.secret()[..])
        .fetch_optional(&mut *self.tx)
        .await?;
        let row = row.ok_or(ReservationError::InvalidHoldToken)?;
        // Another holder's token looks exactly like an unknown one.
        if row.holder != holder.as_uuid() {
            return Err(ReservationError::InvalidHoldToken.into());
        }
        Ok(HoldRow {
            id: HoldId::from_uuid(row.id),
            secret: *token.secret(),
            holder,
            seats: seat_indexes(&row.seat_indexes, self.meta.pricing.plan().len(), "holds")?,
            created_at: row.created_at,
            expires_at: row.expires_at,
            stage: HoldStage::read(row.state, row.booking_id)?,
        })
    }

    pub(crate) fn hold_view(&self, row: &HoldRow) -> Hold {
        let seats: Vec<_> = row
            .seats
            .iter()
            .map(|&i| self.meta.pricing.priced(i))
            .collect();
        Hold {
            id: row.id,
            token: HoldToken::from_parts(self.id(), row.secret),
            show: self.id(),
            holder: row.holder,
            total: self.meta.pricing.total(seats.iter().map(|s| s.price)),
            seats,
            created_at: row.created_at,
            expires_at: row.expires_at,
            state: match row.stage {
                HoldStage::Confirmed(booking) => HoldState::Confirmed(booking),
                HoldStage::Active | HoldStage::Expired => HoldState::Active,
            },
        }
    }

    /// Seats `holder` holds or waits for in this show.
    pub(crate) async fn load(&mut self, holder: HolderId) -> Result<u16> {
        let loads = self.loads(&[holder]).await?;
        Ok(loads.first().map_or(0, |(_, load)| *load))
    }

    /// Seats each of `holders` holds or waits for in this show (holders
    /// with none are left out).
    pub(crate) async fn loads(&mut self, holders: &[HolderId]) -> Result<Vec<(HolderId, u16)>> {
        Ok(self.loads_and_taken_seats(holders, Some(&[])).await?.0)
    }

    pub(crate) fn take_next_in_line(&mut self) -> i64 {
        self.next_in_line += 1;
        self.due_recompute = true;
        self.next_in_line
    }

    // ---- commit -----------------------------------------------------------------------------

    /// Ends the operation: a storage failure rolls everything back (the
    /// transaction is dropped); anything else, a refusal included, commits,
    /// so what settling did (expiries, offers) is kept.
    pub(crate) async fn finish<T>(self, outcome: Result<T>) -> Result<T> {
        if let Err(Error::Storage(failure)) = outcome {
            return Err(Error::Storage(failure));
        }
        self.commit().await?;
        outcome
    }

    /// Writes the events with the next sequence numbers, the counters and
    /// `next_due`, commits, then wakes the show's subscribers. Returns the
    /// show's last sequence number.
    pub(crate) async fn commit(mut self) -> Result<Sequence> {
        if self.changes.is_empty() && !self.due_recompute && self.new_deadline.is_none() {
            self.tx.commit().await?;
            return sequence(self.last_seq, "show_state");
        }
        let first = self.last_seq + 1;
        let seqs: Vec<i64> = (first..first + self.changes.len() as i64).collect();
        let docs: Vec<serde_json::Value> = self
            .changes
            .iter()
            .map(serde_json::to_value)
            .collect::<std::result::Result<_, _>>()
            .map_err(crate::error::storage)?;
        let last_seq = self.last_seq + self.changes.len() as i64;
        let unwritten = std::mem::take(&mut self.unwritten);
        let sql: &str = if unwritten.is_empty() {
            &COMMIT
        } else {
            &COMMIT_WITH_HOLDS
        };
        let query = sqlx::query(sql)
            .bind(self.uuid())
            .bind(last_seq)
            .bind(self.next_in_line)
            .bind(self.counts.available as i32)
            .bind(self.counts.held as i32)
            .bind(self.counts.booked as i32)
            .bind(self.due_recompute)
            .bind(self.now)
            .bind(&seqs)
            .bind(&docs)
            .bind(self.new_deadline);
        let query = if unwritten.is_empty() {
            query
        } else {
            self.bind_holds(query, &unwritten)
        };
        query.execute(&mut *self.tx).await?;
        self.tx.commit().await?;
        if !docs.is_empty() {
            self.wakeups.announce(self.meta.show.id);
        }
        sequence(last_seq, "show_state")
    }
}
