//! Checkout: the hold's state before paying (recording the payment attempt
//! in `checkouts`), and the booking made once the payment is taken (at most
//! one per hold), which settles the attempt.

use std::sync::LazyLock;

use reservation_core::payment::PaymentReceipt;
use reservation_core::{
    Booking, BookingId, BookingStatus, Change, Checkout, ClosedReason, HoldId, HoldToken, HolderId,
    ReservationError, Ticket, TicketId,
};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::PgStore;
use crate::error::Result;
use crate::rows::{BOOKED, CONFIRMED, HoldStage};
use crate::show_tx::ShowTx;

pub(super) async fn begin(
    store: &PgStore,
    token: &HoldToken,
    holder: HolderId,
    now: OffsetDateTime,
) -> Result<Checkout, ReservationError> {
    let token = token.clone();
    store
        .on_token_show(&token.clone(), now, move |t| {
            Box::pin(begin_in(t, token.clone(), holder))
        })
        .await
}

async fn begin_in(t: &mut ShowTx, token: HoldToken, holder: HolderId) -> Result<Checkout> {
    t.check_not_cancelled()?;
    let row = t.hold_row(&token, holder).await?;
    match row.stage {
        HoldStage::Expired => Err(ReservationError::HoldExpired.into()),
        HoldStage::Withdrawn => Err(t.closed(ClosedReason::Cancelled).into()),
        HoldStage::Confirmed(booking) => PgStore::booking_in(t, booking)
            .await?
            .map(Checkout::AlreadyBooked)
            .ok_or_else(|| ReservationError::UnknownBooking(booking).into()),
        HoldStage::Active => {
            record_attempt(t, row.id).await?;
            Ok(Checkout::Pay(t.hold_view(&row)))
        }
    }
}

pub(super) async fn complete(
    store: &PgStore,
    token: &HoldToken,
    holder: HolderId,
    receipt: &PaymentReceipt,
    now: OffsetDateTime,
) -> Result<Booking, ReservationError> {
    let (token, receipt) = (token.clone(), receipt.clone());
    store
        .on_token_show(&token.clone(), now, move |t| {
            Box::pin(complete_in(t, token.clone(), holder, receipt.clone()))
        })
        .await
}

/// The booking's rows, the seats booked and the hold and its payment
/// attempt settled.
static PAY: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH paid AS (
             INSERT INTO payments (show_id, hold_id, receipt, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (show_id, hold_id) DO NOTHING
         ),
         booked AS (
             INSERT INTO bookings (show_id, id, holder, hold_id, seat_indexes, doc)
             VALUES ($1, $5, $6, $2, $7, $8)
         ),
         ticketed AS (
             INSERT INTO tickets (show_id, id, booking_id, seat_index)
             SELECT $1, id, $5, seat FROM unnest($9::uuid[], $7::int4[]) AS t(id, seat)
         ),
         settled AS (
             UPDATE checkouts SET settled_at = $4
             WHERE show_id = $1 AND hold_id = $2 AND settled_at IS NULL
         ),
         seated AS (
             UPDATE seats SET status = {BOOKED}, holder = $6
             WHERE show_id = $1 AND seat_index = ANY($7)
         )
         UPDATE holds SET state = {CONFIRMED}, booking_id = $5 WHERE show_id = $1 AND id = $2"
    )
});

async fn complete_in(
    t: &mut ShowTx,
    token: HoldToken,
    holder: HolderId,
    receipt: PaymentReceipt,
) -> Result<Booking> {
    t.check_not_cancelled()?;
    let row = t.hold_row(&token, holder).await?;
    match row.stage {
        HoldStage::Expired => return Err(ReservationError::HoldExpired.into()),
        HoldStage::Withdrawn => return Err(t.closed(ClosedReason::Cancelled).into()),
        HoldStage::Confirmed(booking) => {
            return PgStore::booking_in(t, booking)
                .await?
                .ok_or_else(|| ReservationError::UnknownBooking(booking).into());
        }
        HoldStage::Active => {}
    }
    let tickets: Vec<Ticket> = row
        .seats
        .iter()
        .map(|&i| Ticket {
            id: TicketId::random(),
            seat: t.meta.pricing.priced(i),
        })
        .collect();
    let booking = Booking {
        id: BookingId::random(),
        show: t.id(),
        holder,
        hold: row.id,
        total: t.meta.pricing.total(tickets.iter().map(|t| t.seat.price)),
        tickets,
        payment: receipt,
        created_at: t.now,
        status: BookingStatus::Confirmed,
    };
    let indexes: Vec<i32> = row.seats.iter().map(|s| s.0 as i32).collect();
    let ticket_ids: Vec<Uuid> = booking.tickets.iter().map(|t| t.id.as_uuid()).collect();
    // One statement: a payment's batch runs many of these (`show_turns`).
    sqlx::query(&PAY)
        .bind(t.id().as_uuid())
        .bind(row.id.as_uuid())
        .bind(sqlx::types::Json(&booking.payment))
        .bind(t.now)
        .bind(booking.id.as_uuid())
        .bind(holder.as_uuid())
        .bind(&indexes)
        .bind(sqlx::types::Json(&booking))
        .bind(&ticket_ids)
        .execute(t.conn())
        .await?;
    t.counts.held -= row.seats.len() as u32;
    t.counts.booked += row.seats.len() as u32;
    let seats = t.meta.pricing.seat_ids(&row.seats);
    t.log(Change::Booked {
        booking: booking.id,
        hold: row.id,
        seats,
    });
    // Fewer seats can free up now: some waiters may be beyond reach.
    t.drop_unservable().await?;
    Ok(booking)
}

/// Records that payment for `hold` is starting, before any charge: one
/// cheap write, and none when a repeated checkout finds the row there.
async fn record_attempt(t: &mut ShowTx, hold: HoldId) -> Result<()> {
    sqlx::query(
        "INSERT INTO checkouts (show_id, hold_id, free_at, started_at)
         SELECT show_id, id, free_at, $3 FROM holds WHERE show_id = $1 AND id = $2
         ON CONFLICT (show_id, hold_id) DO NOTHING",
    )
    .bind(t.id().as_uuid())
    .bind(hold.as_uuid())
    .bind(t.now)
    .execute(t.conn())
    .await?;
    Ok(())
}
