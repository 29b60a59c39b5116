//! The show's sales state and start, kept on its locked `show_state` row
//! (migration 0009), and what cancelling the show ends.

use reservation_core::{
    Booking, BookingStatus, CancelCause, Change, ClosedReason, ReservationError, SalesState,
    WaitEnd, WaitId,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::ShowTx;
use crate::error::Result;
use crate::rows::{
    ACTIVE, CANCELLED, ENDED, EndedWait, ExpiredHold, ON_SALE, PAUSED, WAITING, WITHDRAWN,
};

impl ShowTx {
    /// New holds and waits are taken: sales are on and the show has not started.
    pub(crate) fn check_on_sale(&self) -> std::result::Result<(), ReservationError> {
        let reason = match &self.sales {
            SalesState::Paused { .. } => ClosedReason::Paused,
            SalesState::Cancelled { .. } => ClosedReason::Cancelled,
            _ if self.now >= self.starts_at => ClosedReason::Started,
            _ => return Ok(()),
        };
        Err(self.closed(reason))
    }

    /// Anything but reading is refused on a cancelled show.
    pub(crate) fn check_not_cancelled(&self) -> Result<()> {
        match self.sales {
            SalesState::Cancelled { .. } => Err(self.closed(ClosedReason::Cancelled).into()),
            _ => Ok(()),
        }
    }

    pub(crate) fn closed(&self, reason: ClosedReason) -> ReservationError {
        ReservationError::SalesClosed {
            starts_at: self.starts_at,
            reason,
        }
    }

    /// Stores `state` as the show's sales state.
    pub(crate) async fn set_sales(&mut self, state: SalesState) -> Result<()> {
        let (code, since, reason) = match &state {
            SalesState::Paused { since } => (PAUSED, Some(*since), None),
            SalesState::Cancelled { at, reason } => (CANCELLED, Some(*at), Some(reason.as_str())),
            _ => (ON_SALE, None, None),
        };
        sqlx::query(
            "UPDATE show_state SET sales = $2, sales_since = $3, cancel_reason = $4
             WHERE show_id = $1",
        )
        .bind(self.uuid())
        .bind(code)
        .bind(since)
        .bind(reason)
        .execute(&mut *self.tx)
        .await?;
        self.sales = state;
        Ok(())
    }

    /// Moves the start to `to`, in the catalog too; waits end at it at the
    /// latest. Other processes' search indexes learn it from the caller's
    /// catalog notification.
    pub(crate) async fn move_start(&mut self, to: OffsetDateTime) -> Result<()> {
        sqlx::query(
            "WITH moved AS (UPDATE shows SET starts_at = $2 WHERE id = $1)
             UPDATE show_state SET starts_at = $2 WHERE show_id = $1",
        )
        .bind(self.uuid())
        .bind(to)
        .execute(&mut *self.tx)
        .await?;
        sqlx::query(&format!(
            "UPDATE waits SET expires_at = $2
             WHERE show_id = $1 AND state = {WAITING} AND expires_at > $2"
        ))
        .bind(self.uuid())
        .bind(to)
        .execute(&mut *self.tx)
        .await?;
        self.due_recompute = true;
        self.starts_at = to;
        Ok(())
    }

    /// Ends everything the show had going, its sales state already set to
    /// cancelled: waits end, active holds are withdrawn, and confirmed
    /// bookings are cancelled with their payments owed a refund.
    pub(crate) async fn end_all_for_cancel(&mut self) -> Result<()> {
        let mut waits: Vec<EndedWait> = sqlx::query_as(&format!(
            "UPDATE waits SET state = {ENDED}, end_reason = 'show_cancelled'
             WHERE show_id = $1 AND state = {WAITING}
             RETURNING id, line_order"
        ))
        .bind(self.uuid())
        .fetch_all(&mut *self.tx)
        .await?;
        waits.sort_by_key(|w| (w.line_order, w.id));
        for wait in &waits {
            self.log(Change::WaitEnded {
                wait: WaitId::from_uuid(wait.id),
                reason: WaitEnd::ShowCancelled,
            });
        }
        let holds: Vec<ExpiredHold> = sqlx::query_as(&format!(
            "UPDATE holds SET state = {WITHDRAWN} WHERE show_id = $1 AND state = {ACTIVE}
             RETURNING id, seat_indexes, free_at"
        ))
        .bind(self.uuid())
        .fetch_all(&mut *self.tx)
        .await?;
        self.free_ended_holds(holds, |hold, seats| Change::Withdrawn { hold, seats })
            .await?;
        self.due_recompute = true;
        self.cancel_all_bookings().await
    }

    async fn cancel_all_bookings(&mut self) -> Result<()> {
        let docs: Vec<sqlx::types::Json<Booking>> =
            sqlx::query_scalar("SELECT doc FROM bookings WHERE show_id = $1 ORDER BY id")
                .bind(self.uuid())
                .fetch_all(&mut *self.tx)
                .await?;
        let mut owed: Vec<Uuid> = Vec::new();
        for sqlx::types::Json(mut booking) in docs {
            if booking.status != BookingStatus::Confirmed {
                continue;
            }
            self.cancel_booking(&mut booking, CancelCause::ShowCancelled)
                .await?;
            owed.push(booking.hold.as_uuid());
        }
        // The booking settled its payment's row; opening it again with
        // `refund_owed` hands the refund to the sweepers' refund pass,
        // durably, in this transaction.
        sqlx::query(
            "INSERT INTO checkouts (show_id, hold_id, free_at, started_at, refund_owed)
             SELECT $1, hold, $3, $3, true FROM unnest($2::uuid[]) AS owed(hold)
             ON CONFLICT (show_id, hold_id) DO UPDATE
             SET refund_owed = true, settled_at = NULL, claimed_until = NULL,
                 free_at = EXCLUDED.free_at",
        )
        .bind(self.uuid())
        .bind(&owed)
        .bind(self.now)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }
}
