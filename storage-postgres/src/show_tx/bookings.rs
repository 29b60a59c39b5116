//! Cancelling a booking inside the show's transaction: by its holder
//! (`ops/booking`) or with the whole show (`sales`).

use reservation_core::catalog::SeatIndex;
use reservation_core::{Booking, BookingStatus, CancelCause, Change};

use super::{ShowTx, Tally};
use crate::error::Result;
use crate::rows::FREE;

impl ShowTx {
    /// Marks the confirmed `booking` cancelled for `reason`, stores it,
    /// frees its seats and logs the change. The caller serves the waitlist.
    pub(crate) async fn cancel_booking(
        &mut self,
        booking: &mut Booking,
        reason: CancelCause,
    ) -> Result<()> {
        booking.status = BookingStatus::Cancelled {
            at: self.now,
            reason,
        };
        sqlx::query("UPDATE bookings SET doc = $3 WHERE show_id = $1 AND id = $2")
            .bind(self.uuid())
            .bind(booking.id.as_uuid())
            .bind(sqlx::types::Json(&*booking))
            .execute(&mut *self.tx)
            .await?;
        let plan = self.meta.pricing.plan();
        let seats: Vec<SeatIndex> = booking
            .tickets
            .iter()
            .filter_map(|ticket| plan.index_of(ticket.seat.seat))
            .collect();
        self.set_seats(&seats, FREE, None).await?;
        self.recount(seats.len(), Tally::Booked, Tally::Available)?;
        let seats = self.meta.pricing.seat_ids(&seats);
        self.log(Change::Cancelled {
            booking: booking.id,
            seats,
        });
        Ok(())
    }
}
