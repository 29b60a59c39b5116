//! Releasing a hold: its seats go to the waitlist first, then to everyone.

use std::sync::LazyLock;

use reservation_core::{Change, HoldToken, HolderId, ReservationError};
use time::OffsetDateTime;

use crate::PgStore;
use crate::error::Result;
use crate::keys::show_keys;
use crate::rows::FREE;
use crate::show_tx::{ShowTx, Tally};

pub(super) async fn release(
    store: &PgStore,
    token: &HoldToken,
    holder: HolderId,
    now: OffsetDateTime,
) -> Result<(), ReservationError> {
    let token = token.clone();
    store
        .on_token_show(&token.clone(), now, move |t| {
            Box::pin(release_in(t, token.clone(), holder))
        })
        .await
}

/// The hold's seats freed and its row gone, in one statement: a batch
/// runs many releases (`show_turns`).
static RELEASE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH freed AS (
             UPDATE seats SET status = {FREE}, holder = NULL FROM {keys}
             WHERE (seats.show_id, seats.seat_index) = (k.show_id, k.seat_index)
         )
         DELETE FROM holds WHERE show_id = $1 AND id = $2",
        keys = show_keys("$3::int4[]", &[], "k(show_id, seat_index)")
    )
});

async fn release_in(t: &mut ShowTx, token: HoldToken, holder: HolderId) -> Result<()> {
    // A payment attempt kept for this hold must exist before it goes.
    t.write_kept().await?;
    let row = t.active_hold_row(&token, holder).await?;
    sqlx::query(&RELEASE)
        .bind(t.id().as_uuid())
        .bind(row.id.as_uuid())
        .bind(row.seats.iter().map(|s| s.0 as i32).collect::<Vec<_>>())
        .execute(t.conn())
        .await?;
    t.recount(row.seats.len(), Tally::Held, Tally::Available)?;
    let seats = t.meta.pricing.seat_ids(&row.seats);
    t.log(Change::Released {
        hold: row.id,
        seats,
    });
    t.serve_waitlist().await
}
