//! Pacing: admissions at the organizer's pace, decided once per room and
//! tick under the room's, the show's and the counters' locks.

use reservation_core::{ClosedReason, ReservationError};

use super::*;

impl PgStore {
    /// Paces one room, if no other transaction has it. Returns how many it admitted.
    pub(super) async fn pace_room(&self, show: ShowId, now: OffsetDateTime) -> Result<u64> {
        // Before the transaction: loading it takes a connection of its own,
        // and the background work has only one to spare.
        let meta = self.meta(show).await?;
        let mut tx = begin(self.pool()).await?;
        let Some(mut room) = lock_room(&mut tx, show, true).await? else {
            return Ok(0);
        };
        if room.phase == RoomPhase::Closed {
            return Ok(0);
        }
        let mut t = ShowTx::begin_in(self, meta, tx, now, false)
            .await?
            .ok_or(RoomError::UnknownShow(show))?;
        // The locked row's start: the show may have been moved since this
        // process cached its facts.
        let now = t.now;
        let closed = match t.check_on_sale() {
            Err(ReservationError::SalesClosed { reason, .. }) => Some(reason),
            _ => None,
        };
        let seats = t.counts;
        let mut counters = Counters::lock(t.conn(), show)
            .await?
            .ok_or_else(|| corrupt("room_counters", "a room without counters"))?;
        if matches!(
            closed,
            Some(ClosedReason::Started | ClosedReason::Cancelled)
        ) {
            room.phase = RoomPhase::Closed;
            room.write(t.conn(), show).await?;
            t.log(Change::Line {
                line: view(&room, &counters, seats),
            });
            t.commit().await?;
            return Ok(0);
        }
        let before = (room.phase, counters.shape());
        let (room_before, counters_before) = (room, counters.clone());
        let drawing = !room.drawn && now >= room.config.sale_opens_at();
        if drawing {
            draw_locked(t.conn(), show, &mut room, &mut counters, now).await?;
        }
        let mut changed = drawing;
        // Silent visitors lose their place (a dropped lobby visitor has no number).
        let dropped: Vec<Option<i64>> = sqlx::query_scalar(&format!(
            "UPDATE room_visitors SET state = {DROPPED}
             WHERE show_id = $1 AND state IN ({LOBBY}, {QUEUED}) AND last_seen < $2
             RETURNING number"
        ))
        .bind(show.as_uuid())
        .bind(now - room.config.grace())
        .fetch_all(t.conn())
        .await?;
        for number in dropped {
            match number {
                Some(number) => counters.dequeue(number),
                None => counters.in_lobby -= 1,
            }
        }
        let ended: i64 = sqlx::query_scalar(&format!(
            "WITH ended AS (
                 UPDATE room_visitors SET state = {ADMISSION_ENDED}
                 WHERE show_id = $1 AND state = {ADMITTED} AND admitted_until <= $2
                 RETURNING 1
             ) SELECT count(*) FROM ended"
        ))
        .bind(show.as_uuid())
        .bind(now)
        .fetch_one(t.conn())
        .await?;
        counters.active -= ended;
        let mut admitted = 0u32;
        if room.drawn {
            room.phase = if seats.available > 0 {
                RoomPhase::Selling
            } else if seats.held > 0 {
                RoomPhase::AllHeld
            } else {
                RoomPhase::SoldOut
            };
            let pace = room.config.pace();
            // While sales are paused the line keeps its order, admitting nobody.
            if room.phase == RoomPhase::Selling && closed.is_none() {
                let occupancy = Occupancy {
                    active: u32::try_from(counters.active).unwrap_or(u32::MAX),
                    free_seats: seats.available,
                };
                let allowance = room.pacer.allowance(pace, now, occupancy);
                if allowance > 0 {
                    // The first `$2` in line: those numbered up to the
                    // `$2`-th's number (all when fewer wait), one range of
                    // the line's index. (Joined to a `LIMIT $2` list, the
                    // update was planned for a tenth of the line and
                    // hash-joined all of it: 12 ms a tick.)
                    let numbers: Vec<i64> = sqlx::query_scalar(&format!(
                        "UPDATE room_visitors SET state = {ADMITTED}, admitted_until = $3
                         WHERE show_id = $1 AND state = {QUEUED} AND number <= coalesce(
                             (SELECT number FROM room_visitors
                              WHERE show_id = $1 AND state = {QUEUED}
                              ORDER BY number OFFSET $2 - 1 LIMIT 1),
                             {LAST})
                         RETURNING number",
                        LAST = i64::MAX
                    ))
                    .bind(show.as_uuid())
                    .bind(i64::from(allowance))
                    .bind(now + room.config.admission_window())
                    .fetch_all(t.conn())
                    .await?;
                    for &number in &numbers {
                        counters.dequeue(number);
                    }
                    counters.active += numbers.len() as i64;
                    admitted = u32::try_from(numbers.len()).unwrap_or(u32::MAX);
                }
            }
            room.pacer.spend(pace, now, admitted);
            room.rate.record(now, admitted);
            room.admitted += u64::from(admitted);
        }
        changed |= before != (room.phase, counters.shape());
        // A room waiting for its sale changes nothing tick after tick.
        if counters != counters_before {
            counters.write(t.conn(), show).await?;
        }
        if room != room_before {
            room.write(t.conn(), show).await?;
        }
        if changed {
            t.log(Change::Line {
                line: view(&room, &counters, seats),
            });
        }
        t.commit().await?;
        if drawing {
            self.line_renumbered();
        }
        Ok(u64::from(admitted))
    }
}

pub(super) async fn pace(store: &PgStore, now: OffsetDateTime) -> Result<u64, RoomError> {
    let rooms: Vec<Uuid> = sqlx::query_scalar(&format!(
        "SELECT show_id FROM waiting_rooms WHERE phase <> {PHASE_CLOSED} ORDER BY show_id"
    ))
    .fetch_all(store.pool())
    .await
    .map_err(Error::from)?;
    let mut admitted = 0;
    let mut failed = None;
    for show in rooms {
        let show = ShowId::from_uuid(show);
        match store.retrying(|| store.pace_room(show, now)).await {
            Ok(n) => admitted += n,
            Err(error) => {
                // The other rooms still move; the error is reported.
                tracing::warn!(%show, %error, "pacing a waiting room failed");
                failed.get_or_insert(error);
            }
        }
    }
    match failed {
        Some(error) => Err(error),
        None => Ok(admitted),
    }
}
