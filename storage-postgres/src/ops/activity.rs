//! A holder's own bookings, payable holds and waits in line, across shows
//! (migration 0010 indexes the three tables by holder). The shows where
//! something of theirs is due are settled first, as every read settles;
//! the lists are then read in one snapshot, without any show's lock.

use reservation_core::{
    ACTIVITY_LIMIT, Booking, HolderActivity, HolderId, ReservationError, ShowId, WaitId, WaitInLine,
};
use sqlx::PgConnection;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::PgStore;
use crate::error::{Result, corrupt};
use crate::rows::{ACTIVE, HoldRecord, WAITING, WaitRecord, position};
use crate::show_tx::{HoldRow, begin, in_micros};

/// A payable hold of the holder, with its show and secret.
#[derive(sqlx::FromRow)]
struct HeldRow {
    show_id: Uuid,
    secret: Vec<u8>,
    #[sqlx(flatten)]
    record: HoldRecord,
}

/// A wait of the holder in line, with how many wait ahead of it.
#[derive(sqlx::FromRow)]
struct InLineRow {
    show_id: Uuid,
    id: Uuid,
    ahead: i64,
    #[sqlx(flatten)]
    record: WaitRecord,
}

/// Each list's bound, as the queries take it.
const LIMIT: i64 = ACTIVITY_LIMIT as i64;

pub(super) async fn activity(
    store: &PgStore,
    holder: HolderId,
    now: OffsetDateTime,
) -> Result<HolderActivity, ReservationError> {
    let now = in_micros(now);
    settle_due(store, holder, now).await?;
    Ok(read(store, holder, now).await?)
}

/// Settles the shows where `holder` holds or waits and something is due,
/// so expired holds are gone and freed seats offered before the read.
async fn settle_due(
    store: &PgStore,
    holder: HolderId,
    now: OffsetDateTime,
) -> Result<(), ReservationError> {
    let due: Vec<Uuid> = sqlx::query_scalar(
        "SELECT show_id FROM show_state WHERE next_due <= $2 AND show_id IN (
             SELECT show_id FROM holds WHERE holder = $1 AND state = $3
             UNION SELECT show_id FROM waits WHERE holder = $1 AND state = $4
         )",
    )
    .bind(holder.as_uuid())
    .bind(now)
    .bind(ACTIVE)
    .bind(WAITING)
    .fetch_all(store.pool())
    .await
    .map_err(crate::error::Error::from)?;
    for show in due {
        store
            .retrying::<_, ReservationError, _, _>(|| async {
                store
                    .begin(ShowId::from_uuid(show), now)
                    .await?
                    .commit()
                    .await?;
                Ok(())
            })
            .await?;
    }
    Ok(())
}

/// The three lists, from one snapshot.
async fn read(store: &PgStore, holder: HolderId, now: OffsetDateTime) -> Result<HolderActivity> {
    let mut tx = begin(store.pool()).await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    let bookings = bookings(&mut tx, holder).await?;
    let holds: Vec<HeldRow> = sqlx::query_as(
        "SELECT show_id, secret, id, holder, seat_indexes, created_at, expires_at, state, booking_id,
             extensions
         FROM holds WHERE holder = $1 AND state = $2 AND expires_at > $3
         ORDER BY created_at DESC, id DESC LIMIT $4",
    )
    .bind(holder.as_uuid())
    .bind(ACTIVE)
    .bind(now)
    .bind(LIMIT)
    .fetch_all(&mut *tx)
    .await?;
    let waits: Vec<InLineRow> = sqlx::query_as(
        "SELECT w.show_id, w.id, w.holder, w.seat_count, w.category, w.line_order, w.joined_at,
             w.expires_at, w.state, w.end_reason, w.offered_secret,
             (SELECT count(*) FROM waits a
              WHERE a.show_id = w.show_id AND a.state = $2 AND a.line_order < w.line_order) AS ahead
         FROM waits w WHERE w.holder = $1 AND w.state = $2 AND w.expires_at > $3
         ORDER BY w.joined_at DESC, w.id DESC LIMIT $4",
    )
    .bind(holder.as_uuid())
    .bind(WAITING)
    .bind(now)
    .bind(LIMIT)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let mut held = Vec::with_capacity(holds.len());
    for row in holds {
        // Cached by the store: each show's facts are read once.
        let meta = store.meta(ShowId::from_uuid(row.show_id)).await?;
        let secret: [u8; 32] = row
            .secret
            .as_slice()
            .try_into()
            .map_err(|_| corrupt("holds", "a secret not 32 bytes long"))?;
        let hold = HoldRow::read(row.record, secret, meta.pricing.plan().len())?;
        held.push(hold.view(&meta, store.inner.policy.hold_extensions));
    }
    let in_line = waits
        .into_iter()
        .map(|row| {
            let show = ShowId::from_uuid(row.show_id);
            let wait = row.record.read(WaitId::from_uuid(row.id), show)?.wait;
            Ok(WaitInLine::new(wait, position(row.ahead)))
        })
        .collect::<Result<_>>()?;
    Ok(HolderActivity::new(bookings, held, in_line))
}

/// The holder's latest bookings, newest first.
async fn bookings(conn: &mut PgConnection, holder: HolderId) -> Result<Vec<Booking>> {
    let docs: Vec<sqlx::types::Json<Booking>> = sqlx::query_scalar(
        "SELECT doc FROM bookings WHERE holder = $1
         ORDER BY (doc->>'created_at')::timestamptz DESC, id DESC LIMIT $2",
    )
    .bind(holder.as_uuid())
    .bind(LIMIT)
    .fetch_all(conn)
    .await?;
    Ok(docs.into_iter().map(|d| d.0).collect())
}
