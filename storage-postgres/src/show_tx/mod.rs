//! [`ShowTx`]: one transaction on one show. It begins by locking the show's
//! `show_state` row, settles the show (expiry, waitlist) and collects the
//! events its changes make; [`ShowTx::commit`] writes them to the outbox with
//! the next sequence numbers and updates the counters in the same
//! transaction, then wakes the show's subscribers.
//!
//! Its methods are grouped by concern: `settle` (expiry and the waitlist's
//! handoff, which every transaction runs first), `seats` (who has which
//! seat, the holders' loads), `holds` (making and reading holds),
//! `bookings` (cancelling one) and `sales` (the show's sales state and
//! start); the beginning and the commit are here.

mod bookings;
mod holds;
mod kept;
mod sales;
mod seats;
mod settle;

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use reservation_core::catalog::SeatIndex;
use reservation_core::waitlist::SeatHolding;
use reservation_core::{
    Availability, Change, Policy, ReservationError, ReservationStore, SalesState, Sequence, ShowId,
};
use sqlx::{PgConnection, Postgres, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::PgStore;
use crate::error::{Error, Result, is_disconnect};
use crate::feed::Notifier;
use crate::meta::ShowMeta;
use crate::rows::{HoldRecord, StateRow, sequence};
use crate::seat_cache::{SeatCache, Seats};
pub(crate) use kept::PaidHold;

pub(crate) use holds::HoldRow;
pub(crate) use seats::Tally;

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

/// Set in a transaction's locking statement: its later statements run
/// without sequential scans, so a plan made while a table was nearly empty
/// cannot scan it whole once it has grown (the show's transactions and the
/// waiting rooms' alike).
pub(crate) const NO_SEQ_SCANS: &str = "set_config('enable_seqscan', 'off', true)";

pub(super) type PgQuery<'q> = sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments>;

/// The commit's one statement: the events (in this build's wire format)
/// and the show's counters, updated only if `condition` also holds (it updates one
/// row or none).
fn log_and_count(condition: &str) -> String {
    format!(
        "logged AS (
         INSERT INTO show_events (show_id, seq, at, v, change)
         SELECT $1, seq, $8, {format}, change FROM unnest($9::bigint[], $10::jsonb[]) AS e(seq, change)
     )
     UPDATE show_state SET last_seq = $2, next_in_line = $3, available = $4, held = $5, booked = $6,
         next_due = CASE WHEN $7 THEN LEAST(
             (SELECT min(free_at) FROM holds WHERE show_id = $1 AND state = 0),
             (SELECT min(expires_at) FROM waits WHERE show_id = $1 AND state = 0),
             $11)
         ELSE LEAST(next_due, $11) END
     WHERE show_id = $1 {condition}",
        format = reservation_core::events::wire::FORMAT
    )
}

static COMMIT: LazyLock<String> = LazyLock::new(|| format!("WITH {}", log_and_count("")));

/// The commit with holds made at commit: a statement's parts see the
/// tables as they were before it, so `$11` brings the new deadlines. It
/// changes nothing unless every seat of the holds was free.
static COMMIT_WITH_HOLDS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH {}, {}",
        holds::hold_writes(12),
        log_and_count(&format!("AND {}", holds::all_free(12)))
    )
});

pub(crate) struct ShowTx {
    pub(crate) tx: Transaction<'static, Postgres>,
    wakeups: Notifier,
    seat_cache: Arc<SeatCache>,
    /// Every seat's holding after the first `.0` changes, for the seat
    /// cache if the commit makes no others ([`keep_seats`](Self::keep_seats)).
    seats_after: Option<(usize, Vec<SeatHolding>)>,
    pub(crate) meta: Arc<ShowMeta>,
    pub(crate) policy: Policy,
    pub(crate) now: OffsetDateTime,
    pub(crate) counts: Availability,
    /// The sales state, as of the lock.
    pub(crate) sales: SalesState,
    /// When the show starts: the cached [`ShowMeta`] is not told when
    /// another instance moves it, so the locked row says.
    pub(crate) starts_at: OffsetDateTime,
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
    /// Payment attempts and bookings still to write ([`kept`]).
    attempts: Vec<reservation_core::HoldId>,
    paid: Vec<PaidHold>,
    /// No one waits: read so in this transaction, which holds the show's
    /// lock, and no one joined since ([`take_next_in_line`](Self::take_next_in_line)
    /// is how a wait is added). Saves a batch of payments a read each.
    no_waiters: bool,
    /// Holds read for a batch before its operations ran, by secret
    /// ([`read_ahead`](Self::read_ahead)).
    read_ahead: HashMap<[u8; 32], HoldRecord>,
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
    /// row, see `room/`).
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
        // connection, and without sequential scans (`NO_SEQ_SCANS`).
        let row: Option<StateRow> = sqlx::query_as(&format!(
            "SELECT set_config('plan_cache_mode', 'force_generic_plan', true),
                 {NO_SEQ_SCANS},
                 last_seq, next_in_line, next_due, available, held, booked,
                 sales, sales_since, cancel_reason, starts_at
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
        let sales = row.sales.state()?;
        let starts_at = row.sales.starts_at.unwrap_or(meta.show.starts_at);
        sequence(row.last_seq, "show_state")?;
        if row.next_in_line < 0 {
            return Err(crate::error::corrupt(
                "show_state",
                format!("next_in_line is {}", row.next_in_line),
            ));
        }
        let mut show = Self {
            wakeups: store.wakeups().clone(),
            seat_cache: Arc::clone(store.seat_cache()),
            seats_after: None,
            last_seq: row.last_seq,
            next_in_line: row.next_in_line,
            tx,
            meta,
            policy: store.policy(),
            now,
            counts,
            sales,
            starts_at,
            changes: Vec::new(),
            due_recompute: false,
            new_deadline: None,
            unwritten: Vec::new(),
            attempts: Vec::new(),
            paid: Vec::new(),
            no_waiters: false,
            read_ahead: HashMap::new(),
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

    pub(crate) fn take_next_in_line(&mut self) -> i64 {
        self.no_waiters = false;
        self.next_in_line += 1;
        self.due_recompute = true;
        self.next_in_line
    }

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
        self.write_kept().await?;
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
        if query.execute(&mut *self.tx).await?.rows_affected() != 1 {
            // Dropped, the transaction rolls back.
            return Err(self.seats_moved());
        }
        self.tx.commit().await?;
        if let Some((changes, holdings)) = self.seats_after.take()
            && changes == self.changes.len()
        {
            let seats = Seats {
                seq: last_seq,
                holdings,
            };
            self.seat_cache.put(self.meta.show.id, Arc::new(seats));
        }
        if !docs.is_empty() {
            self.wakeups.announce(self.meta.show.id);
        }
        sequence(last_seq, "show_state")
    }
}
