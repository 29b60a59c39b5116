//! Switching a room on and off, and reading its settings.

use super::*;

impl PgStore {
    /// The room's counters, read without a lock (for an event's view).
    /// Commits `tx`, which changed `room`'s settings or phase, with a
    /// `Change::Line` event on the show's stream (taking the show's lock
    /// after the room's, in the one lock order).
    pub(super) async fn commit_with_line(
        &self,
        meta: Arc<crate::meta::ShowMeta>,
        tx: Transaction<'static, Postgres>,
        room: &Room,
        now: OffsetDateTime,
    ) -> Result<()> {
        let show = meta.show.id;
        let mut t = ShowTx::begin_in(self, meta, tx, now, false)
            .await?
            .ok_or(RoomError::UnknownShow(show))?;
        let counters = Self::read_counters(t.conn(), show).await?;
        let line = view(room, &counters, t.counts);
        t.log(Change::Line { line });
        t.commit().await?;
        Ok(())
    }
}

pub(super) async fn open(
    store: &PgStore,
    show: ShowId,
    config: RoomConfig,
    now: OffsetDateTime,
) -> Result<(), RoomError> {
    let meta = store.meta(show).await?;
    let now = in_micros(now);
    sales_of(store.pool(), show)
        .await?
        .check_room_open(meta.show.starts_at, now)?;
    let start = config.sale_opens_at().max(now);
    let pacer = Pacer::new(config.pace(), start);
    store
        .retrying(|| async {
            let mut tx = begin(store.pool()).await?;
            // The room row first (the lock order): insert, or take it and
            // change the settings, keeping the line, the draw and the pacing.
            let row: RoomRow = sqlx::query_as(&format!(
            "INSERT INTO waiting_rooms AS r (show_id, lobby_opens_at, sale_opens_at, max_active,
                 per_minute, admission_window_us, grace_us, phase, pacer_credit, pacer_as_of,
                 rate_as_of)
             VALUES ($1, $2, $3, $4, $5, $6, $7, {PHASE_LOBBY}, $8, $9, $9)
             ON CONFLICT (show_id) DO UPDATE SET lobby_opens_at = excluded.lobby_opens_at,
                 sale_opens_at = excluded.sale_opens_at, max_active = excluded.max_active,
                 per_minute = excluded.per_minute,
                 admission_window_us = excluded.admission_window_us,
                 grace_us = excluded.grace_us,
                 phase = CASE WHEN r.phase <> {PHASE_CLOSED} THEN r.phase
                              WHEN r.drawn THEN {PHASE_SELLING} ELSE {PHASE_LOBBY} END
             RETURNING {ROOM_COLUMNS}"
        ))
            .bind(show.as_uuid())
            .bind(config.lobby_opens_at())
            .bind(config.sale_opens_at())
            .bind(config.pace().max_active().map(i64::from))
            .bind(config.pace().per_minute().map(i64::from))
            .bind(micros(config.admission_window()))
            .bind(micros(config.grace()))
            .bind(pacer.credit)
            .bind(pacer.as_of)
            .fetch_one(&mut *tx)
            .await?;
            let room = row
                .read()?
                .ok_or_else(|| corrupt("waiting_rooms", "no row after the upsert"))?;
            sqlx::query("INSERT INTO room_counters (show_id) VALUES ($1) ON CONFLICT DO NOTHING")
                .bind(show.as_uuid())
                .execute(&mut *tx)
                .await?;
            store
                .commit_with_line(Arc::clone(&meta), tx, &room, now)
                .await
        })
        .await
}

pub(super) async fn close(
    store: &PgStore,
    show: ShowId,
    now: OffsetDateTime,
) -> Result<(), RoomError> {
    let meta = store.meta(show).await?;
    store
        .retrying(|| async {
            let mut tx = begin(store.pool()).await?;
            let mut room = match lock_room(&mut tx, show, false).await? {
                Some(room) if room.phase != RoomPhase::Closed => room,
                _ => return Err(RoomError::NoRoom(show).into()),
            };
            room.phase = RoomPhase::Closed;
            room.write(&mut tx, show).await?;
            store
                .commit_with_line(Arc::clone(&meta), tx, &room, now)
                .await
        })
        .await
}

pub(super) async fn read(
    store: &PgStore,
    show: ShowId,
    now: OffsetDateTime,
) -> Result<Option<RoomConfig>, RoomError> {
    let meta = store.meta(show).await?;
    let sales = sales_of(store.pool(), show).await?;
    if sales.check_room_open(meta.show.starts_at, now).is_err() {
        return Ok(None);
    }
    let row: Option<RoomRow> = sqlx::query_as(&format!(
        "SELECT {ROOM_COLUMNS} FROM waiting_rooms r WHERE r.show_id = $1"
    ))
    .bind(show.as_uuid())
    .fetch_optional(store.pool())
    .await
    .map_err(Error::from)?;
    let room = row.map(RoomRow::read).transpose()?.flatten();
    Ok(room
        .filter(|room| room.phase != RoomPhase::Closed)
        .map(|room| room.config))
}

/// The show's sales and moved start, as its `show_state` row has them.
async fn sales_of(pool: &sqlx::PgPool, show: ShowId) -> Result<SalesRow> {
    sqlx::query_as(
        "SELECT sales, sales_since, cancel_reason, starts_at FROM show_state WHERE show_id = $1",
    )
    .bind(show.as_uuid())
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| RoomError::UnknownShow(show).into())
}
