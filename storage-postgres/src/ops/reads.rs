//! Reads: the seat map (without the show's lock when nothing is due),
//! availability, and the show's events.

use std::sync::{Arc, LazyLock};

use reservation_core::catalog::SeatingPlan;
use reservation_core::{
    Availability, EventStream, HolderId, ReservationError, SeatMap, SeatView, Sequence, ShowEvent,
    ShowId,
};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::PgStore;
use crate::error::{Result, corrupt};
use crate::keys::show_keys;
use crate::rows::{FREE, StateRow, holding, seat_index, sequence};
use crate::seat_cache::{Seats, changes_since, moved_by};
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

/// The seat map without the show's lock, unless something is due to be
/// settled first (then `None`). Readers then do not queue behind an
/// on-sale's hold batches. The seats come from the cache when the show is
/// as it was last mapped (`seat_cache`), else with the show's row in one
/// statement: one snapshot keeps the counts, sequence and seats consistent.
async fn seat_map_unlocked(
    store: &PgStore,
    show: ShowId,
    viewer: Option<HolderId>,
    now: OffsetDateTime,
) -> Result<Option<SeatMap>> {
    let meta = store.meta(show).await?;
    let plan = meta.pricing.plan();
    let kept = match store.inner.seats.get(show) {
        Some(kept) => catch_up(store, show, plan, kept).await?,
        None => None,
    };
    let (state, seats) = match kept {
        Some(found) => found,
        None => read_seats(store, show, plan.len()).await?,
    };
    if state.next_due.is_some_and(|due| due <= now) {
        return Ok(None);
    }
    Ok(Some(SeatMap {
        show,
        seq: sequence(state.last_seq, "show_state")?,
        seats: SeatView::all(plan, &seats.holdings, viewer),
        sales: state.sales.state()?,
        counts: state.counts.try_into()?,
        at: in_micros(now),
    }))
}

const STATE: &str = "SELECT last_seq, next_in_line, next_due, available, held, booked,
                            sales, sales_since, cancel_reason, starts_at
                     FROM show_state WHERE show_id = $1";

/// The taken seats among `$2`.
static MOVED_SEATS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT seat_index, status, holder FROM {keys} JOIN seats USING (show_id, seat_index)
         WHERE status <> $3",
        keys = show_keys("$2::int4[]", &[], "k(show_id, seat_index)")
    )
});

/// The show's row and the `kept` seats brought up to it: as kept when the
/// show has not changed, else with the seats its events since moved read
/// again (one snapshot for the row, the events and the seats). `None` when
/// reading every taken seat is the better way (too many events, or ones
/// this build cannot read).
async fn catch_up(
    store: &PgStore,
    show: ShowId,
    plan: &SeatingPlan,
    kept: Arc<Seats>,
) -> Result<Option<(StateRow, Arc<Seats>)>> {
    let state: Option<StateRow> = sqlx::query_as(STATE)
        .bind(show.as_uuid())
        .fetch_optional(store.pool())
        .await?;
    let state = state.ok_or(ReservationError::UnknownShow(show))?;
    if state.last_seq == kept.seq {
        return Ok(Some((state, kept)));
    }
    let mut tx = store
        .pool()
        .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .await?;
    let state: Option<StateRow> = sqlx::query_as(STATE)
        .bind(show.as_uuid())
        .fetch_optional(&mut *tx)
        .await?;
    let state = state.ok_or(ReservationError::UnknownShow(show))?;
    let Some(changes) = changes_since(&mut tx, show, kept.seq, state.last_seq).await? else {
        return Ok(None);
    };
    let moved = moved_by(plan, &changes)?;
    let indexes: Vec<i32> = moved.iter().map(|index| index.0 as i32).collect();
    let rows: Vec<(i32, i16, Option<Uuid>)> = sqlx::query_as(&MOVED_SEATS)
        .bind(show.as_uuid())
        .bind(&indexes)
        .bind(FREE)
        .fetch_all(&mut *tx)
        .await?;
    tx.commit().await?;
    let taken = rows
        .into_iter()
        .map(|(index, status, holder)| {
            Ok((
                seat_index(index, plan.len(), "seats")?,
                holding(status, holder)?,
            ))
        })
        .collect::<Result<_>>()?;
    let seats = Arc::new(Seats {
        seq: state.last_seq,
        holdings: kept.moved(&moved, taken),
    });
    store.inner.seats.put(show, Arc::clone(&seats));
    Ok(Some((state, seats)))
}

/// The show's row and its seats, read in one statement and kept in the
/// cache.
async fn read_seats(
    store: &PgStore,
    show: ShowId,
    seat_count: usize,
) -> Result<(StateRow, Arc<Seats>)> {
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
                seat_index(index, seat_count, "seats")?,
                holding(status, holder)?,
            ))
        })
        .collect::<Result<_>>()?;
    let seats = Arc::new(Seats {
        seq: row.state.last_seq,
        holdings: holdings(seat_count, taken),
    });
    store.inner.seats.put(show, Arc::clone(&seats));
    Ok((row.state, seats))
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
