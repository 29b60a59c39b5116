//! A holder's own bookings, holds and waits, for "my tickets".

use super::Reservations;
use crate::activity::HolderActivity;
use crate::error::ReservationError;
use crate::ids::HolderId;

impl Reservations {
    /// Everything of `holder` now: bookings, holds still payable and waits
    /// in line, newest first (see
    /// [`ReservationStore::holder_activity`](crate::ReservationStore::holder_activity)).
    /// The example is on [`HolderActivity`].
    pub async fn holder_activity(
        &self,
        holder: HolderId,
    ) -> Result<HolderActivity, ReservationError> {
        self.store.holder_activity(holder, self.clock.now()).await
    }
}
