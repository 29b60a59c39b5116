//! Releasing a hold: its seats go to the waitlist first, then to everyone.

use reservation_core::{Change, HoldToken, HolderId, ReservationError};
use time::OffsetDateTime;

use crate::PgStore;
use crate::error::Result;
use crate::rows::FREE;

pub(super) async fn release(
    store: &PgStore,
    token: &HoldToken,
    holder: HolderId,
    now: OffsetDateTime,
) -> Result<(), ReservationError> {
    store
        .retrying(|| async {
            let mut t = store.begin_for_token(token, now).await?;
            let outcome = async {
                let row = t.active_hold_row(token, holder).await?;
                t.set_seats(&row.seats, FREE, None).await?;
                sqlx::query("DELETE FROM holds WHERE show_id = $1 AND id = $2")
                    .bind(t.id().as_uuid())
                    .bind(row.id.as_uuid())
                    .execute(t.conn())
                    .await?;
                t.counts.held -= row.seats.len() as u32;
                t.counts.available += row.seats.len() as u32;
                let seats = t.meta.pricing.seat_ids(&row.seats);
                t.log(Change::Released {
                    hold: row.id,
                    seats,
                });
                t.serve_waitlist().await
            }
            .await;
            t.finish(outcome).await
        })
        .await
}
