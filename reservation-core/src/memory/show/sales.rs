//! The organizer's side of a show: its sales state (pause, resume,
//! cancel) and its start. Each is one step under the show's lock, like a
//! hold, so a hold is decided wholly before or wholly after it.

use std::sync::Arc;

use time::OffsetDateTime;

use super::{HoldPhase, Secret, ShowState, WaitPhase};
use crate::booking::{BookingStatus, CancelCause};
use crate::catalog::Show;
use crate::error::ReservationError;
use crate::events::{Change, WaitEnd};
use crate::fast_map::FastMap;
use crate::ids::HoldId;
use crate::sales::{CancelReason, ClosedReason, SalesState};
use crate::waiting_room::RoomError;

impl ShowState {
    /// New holds and waits are taken: sales are on and the show has not started.
    pub(super) fn check_on_sale(&self, now: OffsetDateTime) -> Result<(), ReservationError> {
        match self.closed_reason(now) {
            Some(reason) => Err(self.closed(reason)),
            None => Ok(()),
        }
    }

    /// Why sales are closed at `now`, if they are.
    pub(crate) fn closed_reason(&self, now: OffsetDateTime) -> Option<ClosedReason> {
        match self.sales.closed_reason() {
            None if now >= self.show.starts_at => Some(ClosedReason::Started),
            reason => reason,
        }
    }

    /// A room of the show may be opened or joined (see [`RoomError::when_closed`]).
    pub(crate) fn check_room_open(&self, now: OffsetDateTime) -> Result<(), RoomError> {
        RoomError::when_closed(self.closed_reason(now), self.show.starts_at)
    }

    /// Payment is taken unless the show was cancelled (a pause spares the
    /// holds already made).
    pub(super) fn check_not_cancelled(&self) -> Result<(), ReservationError> {
        match self.sales {
            SalesState::Cancelled { .. } => Err(self.closed_for_good()),
            _ => Ok(()),
        }
    }

    fn closed(&self, reason: ClosedReason) -> ReservationError {
        ReservationError::SalesClosed {
            starts_at: self.show.starts_at,
            reason,
        }
    }

    pub(super) fn closed_for_good(&self) -> ReservationError {
        self.closed(ClosedReason::Cancelled)
    }

    pub(crate) fn pause_sales(
        &mut self,
        now: OffsetDateTime,
    ) -> Result<SalesState, ReservationError> {
        self.settle(now);
        self.check_not_cancelled()?;
        if self.sales.is_on_sale() {
            self.sales = SalesState::Paused { since: now };
            self.log.push(now, Change::SalesPaused);
        }
        Ok(self.sales.clone())
    }

    pub(crate) fn resume_sales(
        &mut self,
        now: OffsetDateTime,
    ) -> Result<SalesState, ReservationError> {
        self.settle(now);
        self.check_not_cancelled()?;
        if !self.sales.is_on_sale() {
            self.sales = SalesState::OnSale;
            self.log.push(now, Change::SalesResumed);
            // The seats freed while paused go to the waiters first.
            self.serve_waitlist(now);
        }
        Ok(self.sales.clone())
    }

    /// Moves the start; returns the show as it is now, for the catalog.
    pub(crate) fn reschedule(
        &mut self,
        to: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<Arc<Show>, ReservationError> {
        self.settle(now);
        self.check_not_cancelled()?;
        if to <= now {
            return Err(ReservationError::StartsInPast { starts_at: to });
        }
        let from = self.show.starts_at;
        if from != to {
            let mut moved = (*self.show).clone();
            moved.starts_at = to;
            self.show = Arc::new(moved);
            // A wait ends at the show's start at the latest. Clamping keeps
            // the line's expiries in join order, which settling relies on.
            for record in self.waits.values_mut() {
                if matches!(record.phase, WaitPhase::Waiting(_)) {
                    record.wait.expires_at = record.wait.expires_at.min(to);
                }
            }
            self.log.push(now, Change::Rescheduled { from, to });
        }
        Ok(Arc::clone(&self.show))
    }

    pub(crate) fn cancel(
        &mut self,
        reason: &CancelReason,
        now: OffsetDateTime,
    ) -> Result<SalesState, ReservationError> {
        self.settle(now);
        if let SalesState::Cancelled { .. } = self.sales {
            return Ok(self.sales.clone());
        }
        self.sales = SalesState::Cancelled {
            at: now,
            reason: reason.clone(),
        };
        self.log.push(
            now,
            Change::ShowCancelled {
                reason: reason.clone(),
            },
        );
        while let Some((_, wait)) = self.line.pop_first() {
            self.end_wait(wait, WaitEnd::ShowCancelled, now);
        }
        while let Some((_, secret)) = self.deadlines.pop_first() {
            self.end_hold(&secret, HoldPhase::Withdrawn, now);
        }
        self.cancel_bookings(now);
        Ok(self.sales.clone())
    }

    /// Cancels every confirmed booking with the show and records each
    /// payment as owed a refund.
    fn cancel_bookings(&mut self, now: OffsetDateTime) {
        let secrets: FastMap<HoldId, Secret> = self
            .holds
            .iter()
            .map(|(secret, record)| (record.id, *secret))
            .collect();
        let mut ids: Vec<_> = self
            .bookings
            .values()
            .filter(|b| b.status == BookingStatus::Confirmed)
            .map(|b| (b.created_at, b.id))
            .collect();
        // Events in booking order, so every replay tells the same story.
        ids.sort_unstable();
        for (_, id) in ids {
            let Some(booking) = self.bookings.get_mut(&id) else {
                continue;
            };
            booking.status = BookingStatus::Cancelled {
                at: now,
                reason: CancelCause::ShowCancelled,
            };
            let (hold, booking) = (booking.hold, booking.clone());
            self.free_booking(&booking, now);
            if let Some(secret) = secrets.get(&hold) {
                self.checkouts.owe(hold, *secret, now);
            }
        }
    }
}
