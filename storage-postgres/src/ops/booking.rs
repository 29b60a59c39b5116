//! Bookings: read by their holder, cancelled (the seats go to the waitlist
//! first).

use reservation_core::catalog::SeatIndex;
use reservation_core::{Booking, BookingId, BookingStatus, Change, HolderId, ReservationError};
use time::OffsetDateTime;

use crate::PgStore;
use crate::error::{Error, Result};
use crate::rows::FREE;

pub(super) async fn read(
    store: &PgStore,
    booking: BookingId,
    holder: HolderId,
) -> Result<Booking, ReservationError> {
    let doc: Option<sqlx::types::Json<Booking>> =
        sqlx::query_scalar("SELECT doc FROM bookings WHERE id = $1 AND holder = $2")
            .bind(booking.as_uuid())
            .bind(holder.as_uuid())
            .fetch_optional(store.pool())
            .await
            .map_err(Error::from)?;
    doc.map(|d| d.0)
        .ok_or(ReservationError::UnknownBooking(booking))
}

pub(super) async fn cancel(
    store: &PgStore,
    booking: BookingId,
    holder: HolderId,
    now: OffsetDateTime,
) -> Result<Booking, ReservationError> {
    store
        .retrying(|| async {
            let mut t = store.booking_tx(booking, now).await?;
            let outcome = async {
                let mut found = PgStore::booking_in(&mut t, booking)
                    .await?
                    .filter(|b| b.holder == holder)
                    .ok_or(ReservationError::UnknownBooking(booking))?;
                if found.status != BookingStatus::Confirmed {
                    return Err(ReservationError::BookingAlreadyCancelled(booking).into());
                }
                found.status = BookingStatus::Cancelled { at: t.now };
                sqlx::query("UPDATE bookings SET doc = $3 WHERE show_id = $1 AND id = $2")
                    .bind(t.id().as_uuid())
                    .bind(booking.as_uuid())
                    .bind(sqlx::types::Json(&found))
                    .execute(t.conn())
                    .await?;
                let seats: Vec<SeatIndex> = found
                    .tickets
                    .iter()
                    .filter_map(|ticket| t.meta.pricing.plan().index_of(ticket.seat.seat))
                    .collect();
                t.set_seats(&seats, FREE, None).await?;
                t.counts.booked -= seats.len() as u32;
                t.counts.available += seats.len() as u32;
                let ids = t.meta.pricing.seat_ids(&seats);
                t.log(Change::Cancelled {
                    booking,
                    seats: ids,
                });
                t.serve_waitlist().await?;
                Ok(found)
            }
            .await;
            t.finish(outcome).await
        })
        .await
}
