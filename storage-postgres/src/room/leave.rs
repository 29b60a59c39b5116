//! Ending a place: a visitor leaves, or finishes (books).

use super::*;

impl PgStore {
    /// Ends `visitor`'s place with `to` when its state is one of `from`:
    /// leave and finish. Returns whether the visitor is in this room's line.
    pub(super) async fn end_place(
        &self,
        show: ShowId,
        visitor: HolderId,
        from: &[i16],
        to: i16,
    ) -> Result<bool> {
        let mut tx = begin(self.pool()).await?;
        let Some(mut counters) = Counters::lock(&mut tx, show).await? else {
            return Err(RoomError::NoRoom(show).into());
        };
        let row: Option<(i16, Option<i64>)> = sqlx::query_as(
            "SELECT state, number FROM room_visitors WHERE show_id = $1 AND visitor = $2",
        )
        .bind(show.as_uuid())
        .bind(visitor.as_uuid())
        .fetch_optional(&mut *tx)
        .await?;
        let Some((state, number)) = row else {
            return Ok(false);
        };
        let state = visitor_state(state)?;
        if !from.contains(&state) {
            return Ok(true);
        }
        match state {
            LOBBY => counters.in_lobby -= 1,
            QUEUED => counters.dequeue(required(number, "room_visitors", "number")?),
            ADMITTED => counters.active -= 1,
            _ => return Ok(true),
        }
        sqlx::query("UPDATE room_visitors SET state = $3 WHERE show_id = $1 AND visitor = $2")
            .bind(show.as_uuid())
            .bind(visitor.as_uuid())
            .bind(to)
            .execute(&mut *tx)
            .await?;
        counters.write(&mut tx, show).await?;
        tx.commit().await?;
        Ok(true)
    }
}

pub(super) async fn leave(
    store: &PgStore,
    show: ShowId,
    visitor: HolderId,
    _now: OffsetDateTime,
) -> Result<(), RoomError> {
    store.meta(show).await?;
    let phase: Option<i16> =
        sqlx::query_scalar("SELECT phase FROM waiting_rooms WHERE show_id = $1")
            .bind(show.as_uuid())
            .fetch_optional(store.pool())
            .await
            .map_err(Error::from)?;
    let phase = phase.map(phase_of).transpose()?;
    if phase.is_none_or(|phase| phase == RoomPhase::Closed) {
        return Err(RoomError::NoRoom(show));
    }
    let in_line: Result<bool, RoomError> = store
        .retrying(|| store.end_place(show, visitor, &[LOBBY, QUEUED, ADMITTED], LEFT))
        .await;
    if in_line? {
        Ok(())
    } else {
        Err(RoomError::NotInLine)
    }
}

pub(super) async fn finish(
    store: &PgStore,
    show: ShowId,
    visitor: HolderId,
    _now: OffsetDateTime,
) -> Result<(), RoomError> {
    // Called after every booking: a show without a room (or a visitor
    // not admitted) costs one indexed read and no lock.
    let state: Option<i16> =
        sqlx::query_scalar("SELECT state FROM room_visitors WHERE show_id = $1 AND visitor = $2")
            .bind(show.as_uuid())
            .bind(visitor.as_uuid())
            .fetch_optional(store.pool())
            .await
            .map_err(Error::from)?;
    if state != Some(ADMITTED) {
        return Ok(());
    }
    let ended: Result<bool, RoomError> = store
        .retrying(|| store.end_place(show, visitor, &[ADMITTED], FINISHED))
        .await;
    ended.map(drop)
}
