//! More time on a hold, on the holder's request: the seats stay held and
//! the deadline moves, so the waitlist's estimates follow.

use time::OffsetDateTime;

use super::ShowState;
use crate::error::ReservationError;
use crate::hold::{Hold, HoldToken};
use crate::ids::HolderId;

impl ShowState {
    pub(crate) fn extend_hold(
        &mut self,
        token: &HoldToken,
        holder: HolderId,
        now: OffsetDateTime,
    ) -> Result<Hold, ReservationError> {
        self.settle(now);
        let record = self.active_record(token, holder)?;
        if record.extensions >= self.policy.hold_extensions {
            return Err(ReservationError::NoExtensionsLeft);
        }
        let (id, old_free_at) = (record.id, record.expires_at + self.policy.grace);
        let (step, grace) = (self.policy.hold_extension, self.policy.grace);
        let record = self
            .holds
            .get_mut(token.secret())
            .ok_or(ReservationError::InvalidHoldToken)?;
        record.extensions += 1;
        record.expires_at += step;
        let free_at = record.expires_at + grace;
        self.deadlines.remove(&(old_free_at, id));
        self.deadlines.insert((free_at, id), *token.secret());
        self.checkouts.extend(id, free_at);
        self.hold_view(token.secret())
            .ok_or(ReservationError::InvalidHoldToken)
    }
}
