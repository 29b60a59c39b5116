//! Making holds (with one statement, or in the commit's) and reading them.

use std::sync::LazyLock;

use reservation_core::catalog::SeatIndex;
use reservation_core::{
    ClosedReason, Hold, HoldId, HoldState, HoldToken, HolderId, ReservationError,
};
use sqlx::Row;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{PgQuery, ShowTx, Tally};
use crate::error::{AdapterError, Result, corrupt};
use crate::keys::show_keys;
use crate::meta::ShowMeta;
use crate::rows::{FREE, HELD, HoldRecord, HoldStage, seat_indexes};

/// What [`ShowTx::hold_row`] reads of a hold.
const HOLD_COLUMNS: &str =
    "id, holder, seat_indexes, created_at, expires_at, state, booking_id, extensions";

static READ_HOLD: LazyLock<String> = LazyLock::new(|| {
    format!("SELECT {HOLD_COLUMNS} FROM holds WHERE show_id = $1 AND secret = $2")
});

static READ_AHEAD: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT secret, {HOLD_COLUMNS} FROM {keys} JOIN holds USING (show_id, secret)",
        keys = show_keys("$2::bytea[]", &[], "k(show_id, secret)")
    )
});

/// A hold read ahead, by its secret.
#[derive(sqlx::FromRow)]
struct ReadAhead {
    secret: Vec<u8>,
    #[sqlx(flatten)]
    record: HoldRecord,
}

/// A hold as stored.
pub(crate) struct HoldRow {
    pub(crate) id: HoldId,
    pub(crate) secret: [u8; 32],
    pub(crate) holder: HolderId,
    pub(crate) seats: Vec<SeatIndex>,
    pub(crate) created_at: OffsetDateTime,
    pub(crate) expires_at: OffsetDateTime,
    /// Extensions used.
    pub(crate) extensions: u8,
    pub(crate) stage: HoldStage,
}

impl HoldRow {
    /// The hold `record` keeps, behind `secret`, checked against a hall of
    /// `seats` seats.
    pub(crate) fn read(record: HoldRecord, secret: [u8; 32], seats: usize) -> Result<Self> {
        Ok(Self {
            id: HoldId::from_uuid(record.id),
            secret,
            holder: HolderId::from_uuid(record.holder),
            seats: seat_indexes(&record.seat_indexes, seats, "holds")?,
            created_at: record.created_at,
            expires_at: record.expires_at,
            extensions: u8::try_from(record.extensions)
                .map_err(|_| corrupt("holds", "extensions out of range"))?,
            stage: HoldStage::read(record.state, record.booking_id)?,
        })
    }

    /// The hold as the core shows it, priced by its show's `meta`, with
    /// what is left of the `allowed` extensions.
    pub(crate) fn view(&self, meta: &ShowMeta, allowed: u8) -> Hold {
        let seats: Vec<_> = self.seats.iter().map(|&i| meta.pricing.priced(i)).collect();
        Hold {
            id: self.id,
            token: HoldToken::from_parts(meta.show.id, self.secret),
            show: meta.show.id,
            holder: self.holder,
            total: meta.pricing.total(seats.iter().map(|s| s.price)),
            seats,
            created_at: self.created_at,
            expires_at: self.expires_at,
            extensions_left: allowed.saturating_sub(self.extensions),
            state: match self.stage {
                HoldStage::Confirmed(booking) => HoldState::Confirmed(booking),
                HoldStage::Active | HoldStage::Expired | HoldStage::Withdrawn => HoldState::Active,
            },
        }
    }
}

/// Writes the seats and rows of new holds: parameters `$first` to
/// `$first + 8` in [`ShowTx::bind_holds`]'s order, the show at `$1`.
/// [`all_free`] says whether the seats were free.
pub(super) fn hold_writes(first: usize) -> String {
    let p = |n: usize| format!("${}", first + n);
    format!(
        "seated AS (
             UPDATE seats SET status = {HELD}, holder = s.holder
             FROM {seat_keys}
             WHERE (seats.show_id, seats.seat_index) = (s.show_id, s.seat_index)
         ),
         held AS (
             INSERT INTO holds (show_id, id, secret, holder, seat_indexes, created_at, expires_at, free_at)
             SELECT $1, h.id, h.secret, h.holder, h.seats::int4[], {created}, {expires}, {free}
             FROM unnest({ids}::uuid[], {secrets}::bytea[], {holders}::uuid[], {lists}::text[])
                 AS h(id, secret, holder, seats)
         )",
        seat_keys = show_keys(
            &format!("{}::int4[]", p(0)),
            &[&format!("{}::uuid[]", p(1))],
            "s(show_id, seat_index, holder)"
        ),
        ids = p(2),
        secrets = p(3),
        holders = p(4),
        lists = p(5),
        created = p(6),
        expires = p(7),
        free = p(8),
    )
}

/// Whether the seats [`hold_writes`] takes (its parameter `$first`) were
/// all free before (a statement's parts all see the tables as they were
/// before it): one taken means the seats were chosen from a wrong copy,
/// and nothing may be kept.
pub(super) fn all_free(first: usize) -> String {
    format!(
        "NOT EXISTS (SELECT FROM {keys} JOIN seats USING (show_id, seat_index)
             WHERE seats.status <> {FREE})",
        keys = show_keys(&format!("${first}::int4[]"), &[], "k(show_id, seat_index)")
    )
}

/// New holds, at once, and whether their seats were free.
static WRITE_HOLDS: LazyLock<String> =
    LazyLock::new(|| format!("WITH {} SELECT {}", hold_writes(2), all_free(2)));

impl ShowTx {
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
        let rows = self.new_holds(grants)?;
        if !rows.is_empty() {
            let query = sqlx::query(&WRITE_HOLDS).bind(self.uuid());
            let all_free: bool = self
                .bind_holds(query, &rows)
                .fetch_one(&mut *self.tx)
                .await?
                .try_get(0)?;
            if !all_free {
                return Err(self.seats_moved());
            }
        }
        Ok(rows.iter().map(|row| self.hold_view(row)).collect())
    }

    /// Like [`create_holds`](Self::create_holds), but the commit writes the
    /// holds in its own statement: for an operation's last step, after
    /// which nothing in the transaction reads seats or holds.
    pub(crate) fn create_holds_at_commit(
        &mut self,
        grants: &[(HolderId, Vec<SeatIndex>)],
    ) -> Result<Vec<Hold>> {
        let rows = self.new_holds(grants)?;
        let holds = rows.iter().map(|row| self.hold_view(row)).collect();
        self.unwritten.extend(rows);
        Ok(holds)
    }

    /// Reads must not miss holds the commit is still to write.
    pub(super) fn expect_written(&self) {
        debug_assert!(
            self.unwritten.is_empty(),
            "read seats or holds after create_holds_at_commit"
        );
    }

    /// The rows of new holds, with the counts and deadline updated.
    pub(super) fn new_holds(
        &mut self,
        grants: &[(HolderId, Vec<SeatIndex>)],
    ) -> Result<Vec<HoldRow>> {
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
                    extensions: 0,
                    stage: HoldStage::Active,
                }
            })
            .collect();
        if !rows.is_empty() {
            let count = rows.iter().map(|row| row.seats.len()).sum();
            self.recount(count, Tally::Available, Tally::Held)?;
            let free_at = expires_at + self.policy.grace;
            self.new_deadline = Some(self.new_deadline.map_or(free_at, |d| d.min(free_at)));
        }
        Ok(rows)
    }

    /// Binds the parameters of [`hold_writes`] (after the show's `$1`).
    pub(super) fn bind_holds<'q>(&self, query: PgQuery<'q>, rows: &[HoldRow]) -> PgQuery<'q> {
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

    /// The hold behind `token`, if it is `holder`'s: as booked when its
    /// booking is still to be written (which writes it).
    pub(crate) async fn hold_row(
        &mut self,
        token: &HoldToken,
        holder: HolderId,
    ) -> Result<HoldRow> {
        let row = self.hold_row_as_stored(token, holder).await?;
        if !self.is_unwritten_booking(row.id) {
            return Ok(row);
        }
        self.write_kept().await?;
        self.hold_row_as_stored(token, holder).await
    }

    /// Reads the holds of `tokens` in one statement, for a batch of
    /// operations (`show_turns`): each hold's first [`hold_row`](Self::hold_row)
    /// is then served from here. Only an operation that read a hold changes
    /// it, so until that first read the hold is as read ahead; later reads
    /// go to the table.
    pub(crate) async fn read_ahead(&mut self, tokens: &[HoldToken]) -> Result<()> {
        // One operation gains nothing.
        if tokens.len() < 2 {
            return Ok(());
        }
        let secrets: Vec<&[u8]> = tokens.iter().map(|t| &t.secret()[..]).collect();
        let rows: Vec<ReadAhead> = sqlx::query_as(&READ_AHEAD)
            .bind(self.uuid())
            .bind(&secrets)
            .fetch_all(&mut *self.tx)
            .await?;
        for ReadAhead { secret, record } in rows {
            let secret = secret
                .try_into()
                .map_err(|_| corrupt("holds", "a secret that is not 32 bytes"))?;
            self.read_ahead.insert(secret, record);
        }
        Ok(())
    }

    async fn hold_row_as_stored(&mut self, token: &HoldToken, holder: HolderId) -> Result<HoldRow> {
        self.expect_written();
        let row = match self.read_ahead.remove(token.secret()) {
            Some(row) => Some(row),
            None => {
                sqlx::query_as(&READ_HOLD)
                    .bind(self.uuid())
                    .bind(&token.secret()[..])
                    .fetch_optional(&mut *self.tx)
                    .await?
            }
        };
        let row = row.ok_or(ReservationError::InvalidHoldToken)?;
        // Another holder's token looks exactly like an unknown one.
        if row.holder != holder.as_uuid() {
            return Err(ReservationError::InvalidHoldToken.into());
        }
        HoldRow::read(row, *token.secret(), self.meta.pricing.plan().len())
    }

    /// Gives the active hold `row` one more extension of the policy's
    /// step: its deadline, and that of a payment in flight for it, move.
    pub(crate) async fn extend(&mut self, row: &mut HoldRow) -> Result<()> {
        row.extensions += 1;
        row.expires_at += self.policy.hold_extension;
        let free_at = row.expires_at + self.policy.grace;
        sqlx::query(
            "WITH moved AS (
                 UPDATE checkouts SET free_at = $4
                 WHERE show_id = $1 AND hold_id = $2 AND settled_at IS NULL AND NOT refund_owed
             )
             UPDATE holds SET expires_at = $3, free_at = $4, extensions = $5
             WHERE show_id = $1 AND id = $2",
        )
        .bind(self.uuid())
        .bind(row.id.as_uuid())
        .bind(row.expires_at)
        .bind(free_at)
        .bind(i16::from(row.extensions))
        .execute(&mut *self.tx)
        .await?;
        // The show's earliest deadline may have been this hold's.
        self.due_recompute = true;
        Ok(())
    }

    /// The active hold behind `token`, if it is `holder`'s; an ended one
    /// is refused with why it ended.
    pub(crate) async fn active_hold_row(
        &mut self,
        token: &HoldToken,
        holder: HolderId,
    ) -> Result<HoldRow> {
        let row = self.hold_row(token, holder).await?;
        match row.stage {
            HoldStage::Expired => Err(ReservationError::HoldExpired.into()),
            HoldStage::Withdrawn => Err(self.closed(ClosedReason::Cancelled).into()),
            HoldStage::Confirmed(booking) => Err(ReservationError::HoldConfirmed(booking).into()),
            HoldStage::Active => Ok(row),
        }
    }

    pub(crate) fn hold_view(&self, row: &HoldRow) -> Hold {
        row.view(&self.meta, self.policy.hold_extensions)
    }
}
