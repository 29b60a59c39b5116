//! Bookings: read by their holder, cancelled (the seats go to the waitlist
//! first).

use reservation_core::{
    Booking, BookingId, BookingStatus, CancelCause, HolderId, ReservationError,
};
use time::OffsetDateTime;

use crate::PgStore;
use crate::error::{Error, Result};

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
                t.cancel_booking(&mut found, CancelCause::Holder).await?;
                t.serve_waitlist().await?;
                Ok(found)
            }
            .await;
            t.finish(outcome).await
        })
        .await
}
