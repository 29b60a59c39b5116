//! The booking path's rows as the tables keep them (`FromRow`), and their
//! checked conversion into the core's types. A row that breaks the store's
//! invariants (an unknown code, a seat index outside the hall, a NULL where
//! a value belongs, a negative count) is a storage error, never a default.
//! Migration 0006 checks the codes in the tables too.

use reservation_core::catalog::{CategoryCode, SeatIndex};
use reservation_core::events::wire;
use reservation_core::waiting_room::RoomError;
use reservation_core::waitlist::{SeatHolding, Waiter};
use reservation_core::{
    Availability, BookingId, CancelReason, ClosedReason, HoldId, HolderId, PaymentAttempt,
    SalesState, SeatCount, Sequence, ShowEvent, ShowId, Wait, WaitEnd, WaitId,
};
use sqlx::types::Json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::{Result, corrupt, unsigned};

/// Seat status codes in `seats.status`.
pub(crate) const FREE: i16 = 0;
pub(crate) const HELD: i16 = 1;
pub(crate) const BOOKED: i16 = 2;

/// Hold state codes in `holds.state` (released holds are deleted).
pub(crate) const ACTIVE: i16 = 0;
pub(crate) const EXPIRED: i16 = 1;
pub(crate) const CONFIRMED: i16 = 2;
/// Ended because the show was cancelled (migration 0009).
pub(crate) const WITHDRAWN: i16 = 3;

/// Wait state codes in `waits.state`.
pub(crate) const WAITING: i16 = 0;
pub(crate) const OFFERED: i16 = 1;
pub(crate) const ENDED: i16 = 2;

/// Sales state codes in `show_state.sales` (migration 0009).
pub(crate) const ON_SALE: i16 = 0;
pub(crate) const PAUSED: i16 = 1;
pub(crate) const CANCELLED: i16 = 2;

/// A sequence number as stored in `table`.
pub(crate) fn sequence(seq: i64, table: &'static str) -> Result<Sequence> {
    Ok(Sequence(unsigned(seq, table, "a sequence number")?))
}

/// A place in line from how many wait ahead (1 for the first); a line
/// longer than `u32::MAX` reads as that long.
pub(crate) fn position(ahead: i64) -> u32 {
    u32::try_from(ahead).unwrap_or(u32::MAX).saturating_add(1)
}

/// A seat index as stored in `table`, checked against a hall of `seats` seats.
pub(crate) fn seat_index(index: i32, seats: usize, table: &'static str) -> Result<SeatIndex> {
    u32::try_from(index)
        .ok()
        .filter(|&i| (i as usize) < seats)
        .map(SeatIndex)
        .ok_or_else(|| corrupt(table, format!("seat index {index} in a hall of {seats}")))
}

/// Seat indexes as stored (`integer[]`), each checked as [`seat_index`] does.
pub(crate) fn seat_indexes(
    stored: &[i32],
    seats: usize,
    table: &'static str,
) -> Result<Vec<SeatIndex>> {
    stored
        .iter()
        .map(|&index| seat_index(index, seats, table))
        .collect()
}

/// A taken seat's holding from its `status` and `holder` columns.
pub(crate) fn holding(status: i16, holder: Option<Uuid>) -> Result<SeatHolding> {
    let holder = holder.map(HolderId::from_uuid).ok_or_else(|| {
        corrupt(
            "seats",
            format!("a seat of status {status} without a holder"),
        )
    })?;
    match status {
        HELD => Ok(SeatHolding::Held(holder)),
        BOOKED => Ok(SeatHolding::Booked(holder)),
        other => Err(corrupt("seats", format!("status {other} of a taken seat"))),
    }
}

/// The seat counts of a `show_state` row.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct CountsRow {
    available: i32,
    held: i32,
    booked: i32,
}

impl TryFrom<CountsRow> for Availability {
    type Error = crate::error::Error;

    fn try_from(row: CountsRow) -> Result<Self> {
        let count = |n: i32, what: &str| {
            u32::try_from(n).map_err(|_| corrupt("show_state", format!("{what} is {n}")))
        };
        Ok(Self {
            available: count(row.available, "available")?,
            held: count(row.held, "held")?,
            booked: count(row.booked, "booked")?,
        })
    }
}

/// The `show_state` row a show's transaction locks.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct StateRow {
    pub(crate) last_seq: i64,
    pub(crate) next_in_line: i64,
    pub(crate) next_due: Option<OffsetDateTime>,
    #[sqlx(flatten)]
    pub(crate) counts: CountsRow,
    #[sqlx(flatten)]
    pub(crate) sales: SalesRow,
}

/// The sales state and start of a `show_state` row.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct SalesRow {
    sales: i16,
    sales_since: Option<OffsetDateTime>,
    cancel_reason: Option<String>,
    /// `None` until the show is first moved.
    pub(crate) starts_at: Option<OffsetDateTime>,
}

impl SalesRow {
    /// Whether a room of the show may be opened or joined at `now`
    /// ([`RoomError::when_closed`]), by this row's start (or `cached_start`,
    /// the scheduled one, when the show was never moved).
    pub(crate) fn check_room_open(
        &self,
        cached_start: OffsetDateTime,
        now: OffsetDateTime,
    ) -> std::result::Result<(), RoomError> {
        let starts_at = self.starts_at.unwrap_or(cached_start);
        let reason = match self.sales {
            PAUSED => Some(ClosedReason::Paused),
            CANCELLED => Some(ClosedReason::Cancelled),
            _ if now >= starts_at => Some(ClosedReason::Started),
            _ => None,
        };
        RoomError::when_closed(reason, starts_at)
    }

    /// The sales state this row keeps.
    pub(crate) fn state(&self) -> Result<SalesState> {
        let since = || {
            self.sales_since.ok_or_else(|| {
                corrupt(
                    "show_state",
                    format!("sales {} without its time", self.sales),
                )
            })
        };
        match self.sales {
            ON_SALE => Ok(SalesState::OnSale),
            PAUSED => Ok(SalesState::Paused { since: since()? }),
            CANCELLED => {
                let text = self.cancel_reason.as_deref().unwrap_or_default();
                let reason = CancelReason::parse(text)
                    .map_err(|_| corrupt("show_state", format!("cancel_reason {text:?}")))?;
                Ok(SalesState::Cancelled {
                    at: since()?,
                    reason,
                })
            }
            other => Err(corrupt("show_state", format!("sales {other}"))),
        }
    }
}

/// One row of [`ShowTx::loads_and_taken_seats`](crate::show_tx::ShowTx::loads_and_taken_seats):
/// a holder's load, or a taken seat.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct LoadOrSeatRow {
    holder: Option<Uuid>,
    load: Option<i64>,
    seat_index: Option<i32>,
    status: Option<i16>,
}

/// What a [`LoadOrSeatRow`] says.
pub(crate) enum LoadOrSeat {
    Load(HolderId, u16),
    Seat(SeatIndex, SeatHolding),
}

impl LoadOrSeatRow {
    /// The load or seat, checked against a hall of `seats` seats.
    pub(crate) fn read(self, seats: usize) -> Result<LoadOrSeat> {
        if let Some(index) = self.seat_index {
            let status = self
                .status
                .ok_or_else(|| corrupt("seats", "a seat without a status"))?;
            return Ok(LoadOrSeat::Seat(
                seat_index(index, seats, "seats")?,
                holding(status, self.holder)?,
            ));
        }
        let (Some(holder), Some(load)) = (self.holder, self.load) else {
            return Err(corrupt("holds", "a load without a holder or a sum"));
        };
        let load = u16::try_from(load)
            .map_err(|_| corrupt("holds", format!("a holder's load of {load}")))?;
        Ok(LoadOrSeat::Load(HolderId::from_uuid(holder), load))
    }
}

/// Where a hold is in its life, from its `state` and `booking_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HoldStage {
    Active,
    Expired,
    Confirmed(BookingId),
    Withdrawn,
}

impl HoldStage {
    pub(crate) fn read(state: i16, booking: Option<Uuid>) -> Result<Self> {
        match (state, booking) {
            (ACTIVE, None) => Ok(Self::Active),
            (EXPIRED, None) => Ok(Self::Expired),
            (WITHDRAWN, None) => Ok(Self::Withdrawn),
            (CONFIRMED, Some(booking)) => Ok(Self::Confirmed(BookingId::from_uuid(booking))),
            (state, booking) => Err(corrupt(
                "holds",
                format!("state {state} with booking {booking:?}"),
            )),
        }
    }
}

/// A hold as `hold_row` reads it.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct HoldRecord {
    pub(crate) id: Uuid,
    pub(crate) holder: Uuid,
    pub(crate) seat_indexes: Vec<i32>,
    pub(crate) created_at: OffsetDateTime,
    pub(crate) expires_at: OffsetDateTime,
    pub(crate) state: i16,
    pub(crate) booking_id: Option<Uuid>,
    /// Extensions used (0011).
    pub(crate) extensions: i16,
}

/// A hold that settling expired.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct ExpiredHold {
    pub(crate) free_at: OffsetDateTime,
    pub(crate) id: Uuid,
    pub(crate) seat_indexes: Vec<i32>,
}

/// A payment attempt (`checkouts`) as the sweeper claims it.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct AttemptRow {
    show_id: Uuid,
    hold_id: Uuid,
    free_at: OffsetDateTime,
}

impl From<AttemptRow> for PaymentAttempt {
    fn from(row: AttemptRow) -> Self {
        Self::new(
            ShowId::from_uuid(row.show_id),
            HoldId::from_uuid(row.hold_id),
            row.free_at,
        )
    }
}

/// A wait that settling ended.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct EndedWait {
    pub(crate) line_order: i64,
    pub(crate) id: Uuid,
}

/// A wait in line, as the waitlist's handoff needs it.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct WaiterRow {
    id: Uuid,
    holder: Uuid,
    seat_count: i16,
    category_index: Option<i16>,
}

fn seat_count(count: i16) -> Result<SeatCount> {
    u64::try_from(count)
        .ok()
        .and_then(|n| SeatCount::new(n).ok())
        .ok_or_else(|| corrupt("waits", format!("seat_count {count}")))
}

impl TryFrom<WaiterRow> for Waiter {
    type Error = crate::error::Error;

    fn try_from(row: WaiterRow) -> Result<Self> {
        Ok(Self {
            id: WaitId::from_uuid(row.id),
            holder: HolderId::from_uuid(row.holder),
            count: seat_count(row.seat_count)?,
            category: row
                .category_index
                .map(|c| {
                    u16::try_from(c).map_err(|_| corrupt("waits", format!("category_index {c}")))
                })
                .transpose()?,
        })
    }
}

/// Where a wait is in its life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum WaitStage {
    Waiting,
    /// Offered a hold: the hold token's secret.
    Offered([u8; 32]),
    Ended(WaitEnd),
}

/// A wait as `wait_row` reads it.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct WaitRecord {
    holder: Uuid,
    seat_count: i16,
    category: Option<String>,
    line_order: i64,
    joined_at: OffsetDateTime,
    expires_at: OffsetDateTime,
    state: i16,
    end_reason: Option<String>,
    offered_secret: Option<Vec<u8>>,
}

/// A wait as stored, checked.
pub(crate) struct WaitRow {
    pub(crate) wait: Wait,
    pub(crate) line_order: i64,
    pub(crate) stage: WaitStage,
}

impl WaitRecord {
    /// The wait `id` of `show` this row keeps.
    pub(crate) fn read(self, id: WaitId, show: ShowId) -> Result<WaitRow> {
        let stage = match self.state {
            WAITING => WaitStage::Waiting,
            OFFERED => WaitStage::Offered(
                self.offered_secret
                    .as_deref()
                    .and_then(|s| s.try_into().ok())
                    .ok_or_else(|| corrupt("waits", "an offer without its hold's secret"))?,
            ),
            ENDED => WaitStage::Ended(match self.end_reason.as_deref() {
                Some("expired") => WaitEnd::Expired,
                Some("sold_out") => WaitEnd::SoldOut,
                Some("cancelled") => WaitEnd::Cancelled,
                Some("show_cancelled") => WaitEnd::ShowCancelled,
                other => return Err(corrupt("waits", format!("end_reason {other:?}"))),
            }),
            other => return Err(corrupt("waits", format!("state {other}"))),
        };
        let category = self
            .category
            .map(|c| {
                CategoryCode::parse(&c).map_err(|_| corrupt("waits", format!("category {c:?}")))
            })
            .transpose()?;
        Ok(WaitRow {
            wait: Wait {
                id,
                show,
                holder: HolderId::from_uuid(self.holder),
                count: seat_count(self.seat_count)?,
                category,
                joined_at: self.joined_at,
                expires_at: self.expires_at,
            },
            line_order: self.line_order,
            stage,
        })
    }
}

/// A hold that will free seats, for a waiter's estimate.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct FreeingRow {
    pub(crate) free_at: OffsetDateTime,
    /// Its seats.
    pub(crate) n: i32,
}

/// An event of the outbox (`show_events`).
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct EventRow {
    seq: i64,
    at: OffsetDateTime,
    /// The wire format `change` was written in (`events::wire`).
    v: i16,
    change: Json<serde_json::Value>,
}

impl EventRow {
    /// The event of `show` this row keeps, its change read by the format it
    /// was written in.
    pub(crate) fn read(self, show: ShowId) -> Result<ShowEvent> {
        let version = u16::try_from(self.v)
            .map_err(|_| corrupt("show_events", format!("event format {}", self.v)))?;
        let change = wire::decode_change(version, self.change.0)
            .map_err(|error| corrupt("show_events", error.to_string()))?;
        Ok(ShowEvent::new(
            show,
            sequence(self.seq, "show_events")?,
            self.at,
            change,
        ))
    }
}
