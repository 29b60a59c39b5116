//! Abandoned payments: the attempts `checkout` recorded whose hold was
//! released or expired without a booking, claimed for the sweeper that
//! refunds them, then settled.

use std::sync::LazyLock;

use reservation_core::{PAYMENT_CLAIM, PaymentAttempt, ReservationError};
use time::OffsetDateTime;

use crate::PgStore;
use crate::error::Error;
use crate::rows::{AttemptRow, EXPIRED, WITHDRAWN};

/// Claims unsettled attempts owed a refund (their booking was cancelled
/// with the show) or whose hold is gone (released), expired or withdrawn.
/// `SKIP LOCKED` and the claim keep concurrent sweepers apart: a row one of
/// them is claiming is skipped, and once claimed it is not due again until
/// the claim lapses. No show lock is taken, so this never waits for sales.
static CLAIM: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH due AS (
             SELECT c.show_id, c.hold_id FROM checkouts c
             LEFT JOIN holds h ON h.show_id = c.show_id AND h.id = c.hold_id
             WHERE c.settled_at IS NULL
               AND (c.claimed_until IS NULL OR c.claimed_until <= $1)
               AND (c.refund_owed OR h.id IS NULL OR h.state IN ({EXPIRED}, {WITHDRAWN}))
             ORDER BY c.free_at
             LIMIT $2
             FOR UPDATE OF c SKIP LOCKED
         )
         UPDATE checkouts c SET claimed_until = $3
         FROM due WHERE c.show_id = due.show_id AND c.hold_id = due.hold_id
         RETURNING c.show_id, c.hold_id, c.free_at"
    )
});

pub(super) async fn abandoned(
    store: &PgStore,
    now: OffsetDateTime,
    limit: usize,
) -> Result<Vec<PaymentAttempt>, ReservationError> {
    let rows: Vec<AttemptRow> = sqlx::query_as(&CLAIM)
        .bind(now)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .bind(now + PAYMENT_CLAIM)
        .fetch_all(store.pool())
        .await
        .map_err(Error::from)?;
    Ok(rows.into_iter().map(PaymentAttempt::from).collect())
}

pub(super) async fn settled(
    store: &PgStore,
    attempt: &PaymentAttempt,
    now: OffsetDateTime,
) -> Result<(), ReservationError> {
    sqlx::query(
        "UPDATE checkouts SET settled_at = $3
         WHERE show_id = $1 AND hold_id = $2 AND settled_at IS NULL",
    )
    .bind(attempt.show.as_uuid())
    .bind(attempt.hold.as_uuid())
    .bind(now)
    .execute(store.pool())
    .await
    .map_err(Error::from)?;
    Ok(())
}
