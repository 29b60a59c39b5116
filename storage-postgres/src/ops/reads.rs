//! Reads: the seat map (without the show's lock when nothing is due),
//! availability, and the show's events.

use std::sync::Arc;

use reservation_core::{
    Availability, EventStream, HolderId, ReservationError, SeatMap, SeatView, Sequence, ShowEvent,
    ShowId,
};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::PgStore;
use crate::error::{Result, corrupt};
use crate::rows::{FREE, StateRow, holding, seat_index, sequence};
use crate::show_tx::{holdings, in_micros};

/// The row of [`seat_map_unlocked`]: the show's state and its
/// taken seats as three arrays (one row, not thousands).
#[derive(sqlx::FromRow)]
struct SeatMapRow {
    #[sqlx(flatten)]
    state: StateRow,
    indexes: Option<Vec<i32>>,
    statuses: Option<Vec<i16>>,
    holders: Option<Vec<Option<Uuid>>>,
}

pub(super) async fn seat_map(
    store: &PgStore,
    show: ShowId,
    viewer: Option<HolderId>,
    now: OffsetDateTime,
) -> Result<SeatMap, ReservationError> {
    if let Some(map) = seat_map_unlocked(store, show, viewer, now).await? {
        return Ok(map);
    }
    store
        .retrying(|| async {
            let mut t = store.begin(show, now).await?;
            let holdings = t.holdings().await?;
            let plan = Arc::clone(t.meta.pricing.plan());
            let (counts, at, sales) = (t.counts, t.now, t.sales.clone());
            let seq = t.commit().await?;
            let seats = SeatView::all(&plan, &holdings, viewer);
            Ok(SeatMap {
                show,
                seq,
                at,
                seats,
                counts,
                sales,
            })
        })
        .await
}

/// The seat map from one statement, without the show's lock, unless
/// something is due to be settled first (then `None`). Readers then do
/// not queue behind an on-sale's hold batches, and one snapshot keeps
/// the counts, sequence and seats consistent.
async fn seat_map_unlocked(
    store: &PgStore,
    show: ShowId,
    viewer: Option<HolderId>,
    now: OffsetDateTime,
) -> Result<Option<SeatMap>> {
    let meta = store.meta(show).await?;
    let row: Option<SeatMapRow> = sqlx::query_as(
        "SELECT st.last_seq, st.next_in_line, st.next_due, st.available, st.held, st.booked,
                st.sales, st.sales_since, st.cancel_reason, st.starts_at,
                taken.indexes, taken.statuses, taken.holders
         FROM show_state st, LATERAL (
             SELECT array_agg(seat_index) AS indexes, array_agg(status) AS statuses,
                    array_agg(holder) AS holders
             FROM seats WHERE show_id = $1 AND status <> $2
         ) AS taken
         WHERE st.show_id = $1",
    )
    .bind(show.as_uuid())
    .bind(FREE)
    .fetch_optional(store.pool())
    .await?;
    let row = row.ok_or(ReservationError::UnknownShow(show))?;
    if row.state.next_due.is_some_and(|due| due <= now) {
        return Ok(None);
    }
    let plan = meta.pricing.plan();
    // array_agg over no rows is NULL: no seat is taken.
    let indexes = row.indexes.unwrap_or_default();
    let statuses = row.statuses.unwrap_or_default();
    let holders = row.holders.unwrap_or_default();
    if statuses.len() != indexes.len() || holders.len() != indexes.len() {
        return Err(corrupt("seats", "taken seats' arrays differ in length"));
    }
    let taken = indexes
        .into_iter()
        .zip(statuses)
        .zip(holders)
        .map(|((index, status), holder)| {
            Ok((
                seat_index(index, plan.len(), "seats")?,
                holding(status, holder)?,
            ))
        })
        .collect::<Result<_>>()?;
    Ok(Some(SeatMap {
        show,
        seq: sequence(row.state.last_seq, "show_state")?,
        seats: SeatView::all(plan, &holdings(plan.len(), taken), viewer),
        sales: row.state.sales.state()?,
        counts: row.state.counts.try_into()?,
        at: in_micros(now),
    }))
}

pub(super) async fn availability(
    store: &PgStore,
    show: ShowId,
    now: OffsetDateTime,
) -> Result<Availability, ReservationError> {
    store
        .retrying(|| async {
            let t = store.begin(show, now).await?;
            let counts = t.counts;
            t.finish(Ok(counts)).await
        })
        .await
}

pub(super) async fn events_since(
    store: &PgStore,
    show: ShowId,
    after: Sequence,
    limit: usize,
) -> Result<Vec<ShowEvent>, ReservationError> {
    store.meta(show).await?;
    Ok(crate::feed::events_after(store.pool(), show, after, limit).await?)
}

pub(super) async fn subscribe(
    store: &PgStore,
    show: ShowId,
    after: Sequence,
) -> Result<EventStream, ReservationError> {
    store.meta(show).await?;
    Ok(store
        .inner
        .feed
        .subscribe(store.pool().clone(), show, after))
}
