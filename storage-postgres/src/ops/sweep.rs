//! Sweeping: settles every show something fell due on, so expiries happen
//! (and their events go out) on shows nobody touches.

use reservation_core::{ReservationError, ShowId};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::PgStore;
use crate::error::{Error, Result};
use crate::show_tx::ShowTx;

pub(super) async fn sweep(store: &PgStore, now: OffsetDateTime) -> Result<usize, ReservationError> {
    let mut ended = 0;
    loop {
        let due: Vec<Uuid> = sqlx::query_scalar(
            "SELECT show_id FROM show_state WHERE next_due <= $1 ORDER BY next_due LIMIT 64",
        )
        .bind(now)
        .fetch_all(store.pool())
        .await
        .map_err(Error::from)?;
        let mut progressed = false;
        for show in &due {
            let meta = store.meta(ShowId::from_uuid(*show)).await?;
            // Another sweeper or a request has this show: it settles it.
            let Some(t) = ShowTx::begin(store, meta, now, true).await? else {
                continue;
            };
            ended += t.ended;
            progressed = true;
            t.commit().await?;
        }
        if due.len() < 64 || !progressed {
            return Ok(ended);
        }
    }
}
