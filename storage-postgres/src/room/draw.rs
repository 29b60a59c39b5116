//! The lobby's draw when the sale opens: the lobby numbered in the order of
//! the secret keys drawn at join, once, under the room row's lock.

use super::*;

impl PgStore {
    /// The lobby's draw, if due and not done: its own transaction, the room
    /// row locked so it happens once.
    pub(super) async fn draw(&self, show: ShowId, now: OffsetDateTime) -> Result<()> {
        let gate = Arc::clone(&self.inner.joins.draws.entry(show).or_default());
        let _turn = gate.lock().await;
        let drawn: Option<bool> =
            sqlx::query_scalar("SELECT drawn FROM waiting_rooms WHERE show_id = $1")
                .bind(show.as_uuid())
                .fetch_optional(self.pool())
                .await?;
        if drawn != Some(false) {
            return Ok(());
        }
        self.retrying(|| async {
            let mut tx = begin(self.pool()).await?;
            let Some(mut room) = lock_room(&mut tx, show, false).await? else {
                return Ok(());
            };
            if room.drawn || now < room.config.sale_opens_at() {
                return Ok(());
            }
            let Some(mut counters) = Counters::lock(&mut tx, show).await? else {
                return Err(corrupt("room_counters", "a room without counters"));
            };
            draw_locked(&mut tx, show, &mut room, &mut counters, now).await?;
            counters.write(&mut tx, show).await?;
            room.write(&mut tx, show).await?;
            tx.commit().await?;
            self.line_renumbered();
            Ok(())
        })
        .await
    }

    /// After a draw, which renumbered a whole line at once: the line's
    /// table is analyzed again, in the background. Statements are planned
    /// for the table as last analyzed, which was before the lobby filled
    /// if the lobby filled fast; planned so, the count of the visitors
    /// ahead in one's bucket walked every queued visitor of the show (on
    /// the index of silent visitors) rather than the bucket's range of the
    /// line: every page polling its place, just as the sale opens. Plans
    /// are made again once the table is analyzed.
    pub(super) fn line_renumbered(&self) {
        let pool = self.pool().clone();
        tokio::spawn(async move {
            if let Err(error) = sqlx::query("ANALYZE room_visitors").execute(&pool).await {
                tracing::warn!(%error, "could not analyze room_visitors after a draw");
            }
        });
    }
}

/// The draw, with the room and its counters locked: silent lobby visitors
/// are dropped, the others numbered in the order of their secret keys
/// after the numbers already given (one statement with `row_number()`).
pub(super) async fn draw_locked(
    conn: &mut PgConnection,
    show: ShowId,
    room: &mut Room,
    counters: &mut Counters,
    now: OffsetDateTime,
) -> Result<()> {
    let (_dropped, numbered): (i64, i64) = sqlx::query_as(&format!(
        "WITH dropped AS (
             UPDATE room_visitors SET state = {DROPPED}
             WHERE show_id = $1 AND state = {LOBBY} AND last_seen < $2
             RETURNING 1
         ),
         ranked AS (
             SELECT visitor, row_number() OVER (ORDER BY lobby_key, visitor) AS n
             FROM room_visitors WHERE show_id = $1 AND state = {LOBBY} AND last_seen >= $2
         ),
         numbered AS (
             UPDATE room_visitors v SET state = {QUEUED}, number = $3 + ranked.n, lobby_key = NULL
             FROM ranked WHERE v.show_id = $1 AND v.visitor = ranked.visitor
             RETURNING 1
         )
         SELECT (SELECT count(*) FROM dropped) AS dropped, (SELECT count(*) FROM numbered) AS numbered"
    ))
    .bind(show.as_uuid())
    .bind(now - room.config.grace())
    .bind(counters.last_number)
    .fetch_one(&mut *conn)
    .await?;
    let first = counters.last_number + 1;
    counters.last_number += numbered;
    counters.enqueue_range(first, counters.last_number);
    counters.in_lobby = 0;
    room.drawn = true;
    room.phase = RoomPhase::Selling;
    Ok(())
}
