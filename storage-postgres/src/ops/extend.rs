//! More time on a hold, on its holder's request: one transaction under the
//! show's lock, like every hold operation.

use reservation_core::{Hold, HoldToken, HolderId, ReservationError};
use time::OffsetDateTime;

use crate::PgStore;
use crate::error::Result;

pub(super) async fn extend_hold(
    store: &PgStore,
    token: &HoldToken,
    holder: HolderId,
    now: OffsetDateTime,
) -> Result<Hold, ReservationError> {
    store
        .retrying(|| async {
            let mut t = store.begin_for_token(token, now).await?;
            let outcome = async {
                let mut row = t.active_hold_row(token, holder).await?;
                if row.extensions >= t.policy.hold_extensions {
                    return Err(ReservationError::NoExtensionsLeft.into());
                }
                t.extend(&mut row).await?;
                Ok(t.hold_view(&row))
            }
            .await;
            t.finish(outcome).await
        })
        .await
}
