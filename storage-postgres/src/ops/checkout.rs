//! Checkout: the hold's state before paying (recording the payment attempt
//! in `checkouts`), and the booking made once the payment is taken (at most
//! one per hold), which settles the attempt.

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
    store
        .retrying(|| async {
            let mut t = store.begin_for_token(token, now).await?;
            let outcome = async {
                t.check_not_cancelled()?;
                let row = t.hold_row(token, holder).await?;
                match row.stage {
                    HoldStage::Expired => Err(ReservationError::HoldExpired.into()),
                    HoldStage::Withdrawn => Err(t.closed(ClosedReason::Cancelled).into()),
                    HoldStage::Confirmed(booking) => PgStore::booking_in(&mut t, booking)
                        .await?
                        .map(Checkout::AlreadyBooked)
                        .ok_or_else(|| ReservationError::UnknownBooking(booking).into()),
                    HoldStage::Active => {
                        record_attempt(&mut t, row.id).await?;
                        Ok(Checkout::Pay(t.hold_view(&row)))
                    }
                }
            }
            .await;
            t.finish(outcome).await
        })
        .await
}

pub(super) async fn complete(
    store: &PgStore,
    token: &HoldToken,
    holder: HolderId,
    receipt: &PaymentReceipt,
    now: OffsetDateTime,
) -> Result<Booking, ReservationError> {
    store
        .retrying(|| async {
            let mut t = store.begin_for_token(token, now).await?;
            if let Err(closed) = t.check_not_cancelled() {
                return t.finish(Err(closed)).await;
            }
            let row = match t.hold_row(token, holder).await {
                Ok(row) => row,
                Err(refused) => return t.finish(Err(refused)).await,
            };
            match row.stage {
                HoldStage::Expired => {
                    return t.finish(Err(ReservationError::HoldExpired.into())).await;
                }
                HoldStage::Withdrawn => {
                    let closed = t.closed(ClosedReason::Cancelled);
                    return t.finish(Err(closed.into())).await;
                }
                HoldStage::Confirmed(booking) => {
                    let found = PgStore::booking_in(&mut t, booking)
                        .await
                        .and_then(|found| {
                            found.ok_or_else(|| ReservationError::UnknownBooking(booking).into())
                        });
                    return t.finish(found).await;
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
                payment: receipt.clone(),
                created_at: t.now,
                status: BookingStatus::Confirmed,
            };
            let show = t.id().as_uuid();
            let indexes: Vec<i32> = row.seats.iter().map(|s| s.0 as i32).collect();
            sqlx::query(
            "INSERT INTO payments (show_id, hold_id, receipt, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (show_id, hold_id) DO NOTHING",
        )
        .bind(show)
        .bind(row.id.as_uuid())
        .bind(sqlx::types::Json(receipt))
        .bind(t.now)
        .execute(t.conn())
        .await?;
            sqlx::query(
                "INSERT INTO bookings (show_id, id, holder, hold_id, seat_indexes, doc)
             VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(show)
            .bind(booking.id.as_uuid())
            .bind(holder.as_uuid())
            .bind(row.id.as_uuid())
            .bind(&indexes)
            .bind(sqlx::types::Json(&booking))
            .execute(t.conn())
            .await?;
            let ticket_ids: Vec<Uuid> = booking.tickets.iter().map(|t| t.id.as_uuid()).collect();
            sqlx::query(
                "INSERT INTO tickets (show_id, id, booking_id, seat_index)
             SELECT $1, id, $2, seat FROM unnest($3::uuid[], $4::int[]) AS t(id, seat)",
            )
            .bind(show)
            .bind(booking.id.as_uuid())
            .bind(&ticket_ids)
            .bind(&indexes)
            .execute(t.conn())
            .await?;
            sqlx::query(
                "UPDATE holds SET state = $3, booking_id = $4 WHERE show_id = $1 AND id = $2",
            )
            .bind(show)
            .bind(row.id.as_uuid())
            .bind(CONFIRMED)
            .bind(booking.id.as_uuid())
            .execute(t.conn())
            .await?;
            sqlx::query(
                "UPDATE checkouts SET settled_at = $3
                 WHERE show_id = $1 AND hold_id = $2 AND settled_at IS NULL",
            )
            .bind(show)
            .bind(row.id.as_uuid())
            .bind(t.now)
            .execute(t.conn())
            .await?;
            t.set_seats(&row.seats, BOOKED, Some(holder)).await?;
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
            t.commit().await?;
            Ok(booking)
        })
        .await
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
