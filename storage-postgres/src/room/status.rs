//! A visitor's standing: one read without locks (a snapshot), the draw or
//! settling it may need first, and the check-in it records.

use super::*;

/// What the line says about one visitor.
#[derive(Debug, Clone, Copy)]
pub(super) struct VisitorRow {
    pub(super) state: i16,
    pub(super) until: Option<OffsetDateTime>,
    pub(super) last_seen: OffsetDateTime,
    /// People ahead, when queued.
    pub(super) ahead: Option<u64>,
}

impl VisitorRow {
    pub(super) fn is_live(&self, now: OffsetDateTime) -> bool {
        match self.state {
            LOBBY | QUEUED => true,
            ADMITTED => self.until.is_some_and(|until| until > now),
            _ => false,
        }
    }

    pub(super) fn standing(&self, room: &Room, now: OffsetDateTime) -> Result<Standing> {
        const T: &str = "room_visitors";
        Ok(match self.state {
            LOBBY => Standing::Lobby,
            QUEUED => {
                let ahead = self
                    .ahead
                    .ok_or_else(|| corrupt(T, "a queued visitor without a number"))?;
                queued(ahead, room, now)
            }
            ADMITTED => match self.until {
                Some(until) if until > now => Standing::Admitted { until },
                Some(_) => Standing::AdmissionEnded,
                None => return Err(corrupt(T, "an admission without an end")),
            },
            ADMISSION_ENDED => Standing::AdmissionEnded,
            DROPPED => Standing::Dropped,
            LEFT => Standing::Left,
            FINISHED => Standing::Finished,
            other => return Err(corrupt(T, format!("state {other}"))),
        })
    }
}

/// One consistent read of a room, its line, the show's seats and a visitor.
pub(super) struct Snapshot {
    pub(super) room: Room,
    pub(super) counters: Counters,
    pub(super) seats: Availability,
    pub(super) visitor: Option<VisitorRow>,
}

impl Snapshot {
    pub(super) fn place(&self, show: ShowId, now: OffsetDateTime) -> Result<Option<Place>> {
        let Some(visitor) = &self.visitor else {
            return Ok(None);
        };
        Ok(Some(Place {
            show,
            line: view(&self.room, &self.counters, self.seats),
            standing: visitor.standing(&self.room, now)?,
        }))
    }
}

/// The read behind `join` and `place`: one statement, one snapshot, no
/// lock. The people ahead of a queued visitor are the queued of the buckets
/// below theirs plus those below them in their own bucket.
pub(super) static READ: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT {ROOM_COLUMNS}, {COUNTER_COLUMNS},
             st.available, st.held, st.booked, st.next_due,
             v.state, v.admitted_until, v.last_seen,
             CASE WHEN v.state = {QUEUED} THEN
                 (SELECT coalesce(sum(b.queued), 0)::int8 FROM room_buckets b
                  WHERE b.show_id = $1 AND b.bucket < (v.number >> {BUCKET_BITS}))
               + (SELECT count(*) FROM room_visitors q
                  WHERE q.show_id = $1 AND q.state = {QUEUED}
                    AND q.number >= ((v.number >> {BUCKET_BITS}) << {BUCKET_BITS})
                    AND q.number < v.number)
             END AS ahead
         FROM show_state st
         LEFT JOIN waiting_rooms r ON r.show_id = st.show_id
         LEFT JOIN room_counters c ON c.show_id = st.show_id
         LEFT JOIN room_visitors v ON v.show_id = st.show_id AND v.visitor = $2
         WHERE st.show_id = $1"
    )
});

/// The row of [`READ`].
#[derive(Debug, sqlx::FromRow)]
pub(super) struct SnapshotRow {
    #[sqlx(flatten)]
    pub(super) room: RoomRow,
    #[sqlx(flatten)]
    pub(super) counters: CountersRow,
    #[sqlx(flatten)]
    pub(super) seats: CountsRow,
    pub(super) next_due: Option<OffsetDateTime>,
    pub(super) state: Option<i16>,
    pub(super) admitted_until: Option<OffsetDateTime>,
    pub(super) last_seen: Option<OffsetDateTime>,
    pub(super) ahead: Option<i64>,
}

impl PgStore {
    /// Reads the room, drawing the lobby first when the sale has opened and
    /// settling the show when a hold is due (so the seat counts are those
    /// at `now`). `NoRoom` when the show has none switched on.
    pub(super) async fn snapshot(
        &self,
        show: ShowId,
        visitor: HolderId,
        now: OffsetDateTime,
    ) -> Result<Snapshot> {
        let mut attempts = 0;
        loop {
            attempts += 1;
            let row: SnapshotRow = sqlx::query_as(&READ)
                .bind(show.as_uuid())
                .bind(visitor.as_uuid())
                .fetch_optional(self.pool())
                .await?
                .ok_or(RoomError::UnknownShow(show))?;
            let room = row.room.read()?.ok_or(RoomError::NoRoom(show))?;
            if room.phase == RoomPhase::Closed {
                return Err(RoomError::NoRoom(show).into());
            }
            let counters = row
                .counters
                .read()?
                .ok_or_else(|| corrupt("room_counters", "a room without counters"))?;
            // Each catch-up below happens once; a third read takes what it finds.
            if attempts < 3 {
                if !room.drawn && now >= room.config.sale_opens_at() {
                    self.draw(show, now).await?;
                    continue;
                }
                if row.next_due.is_some_and(|due| due <= now) {
                    self.settle(show, now).await?;
                    continue;
                }
            }
            let visitor = match row.state {
                None => None,
                Some(state) => Some(VisitorRow {
                    state: visitor_state(state)?,
                    until: row.admitted_until,
                    last_seen: required(row.last_seen, "room_visitors", "last_seen")?,
                    ahead: row
                        .ahead
                        .map(|n| unsigned(n, "room_buckets", "people ahead"))
                        .transpose()?,
                }),
            };
            return Ok(Snapshot {
                room,
                counters,
                seats: row.seats.try_into()?,
                visitor,
            });
        }
    }

    /// Settles `show` at `now` (frees the holds due) unless another request
    /// of this process just did.
    pub(super) async fn settle(&self, show: ShowId, now: OffsetDateTime) -> Result<()> {
        use reservation_core::ReservationStore;
        let gate = Arc::clone(&self.inner.joins.settles.entry(show).or_default());
        let _turn = gate.lock().await;
        let next_due: Option<Option<OffsetDateTime>> =
            sqlx::query_scalar("SELECT next_due FROM show_state WHERE show_id = $1")
                .bind(show.as_uuid())
                .fetch_optional(self.pool())
                .await?;
        if next_due.flatten().is_some_and(|due| due <= now) {
            self.availability(show, now).await?;
        }
        Ok(())
    }

    /// Records a check-in at `now`, unless one was recorded lately.
    pub(super) async fn check_in(
        &self,
        show: ShowId,
        visitor: HolderId,
        seen: &VisitorRow,
        room: &Room,
        now: OffsetDateTime,
    ) -> Result<()> {
        let recent = now - room.config.grace() / CHECK_IN_EVERY;
        if seen.last_seen >= recent {
            return Ok(());
        }
        // Not worth an fsync to wait for: a check-in lost in a crash only
        // makes the place look older by the time since the one before,
        // and a crash stops the pacer too.
        sqlx::query(
            "UPDATE room_visitors SET last_seen = $3
             FROM (SELECT set_config('synchronous_commit', 'off', true)) AS relaxed
             WHERE show_id = $1 AND visitor = $2 AND last_seen < $4",
        )
        .bind(show.as_uuid())
        .bind(visitor.as_uuid())
        .bind(now)
        .bind(recent)
        .execute(self.pool())
        .await?;
        Ok(())
    }
}

pub(super) async fn place(
    store: &PgStore,
    show: ShowId,
    visitor: HolderId,
    now: OffsetDateTime,
) -> Result<Place, RoomError> {
    store.meta(show).await?;
    let now = in_micros(now);
    let snapshot = store.snapshot(show, visitor, now).await?;
    let seen = snapshot.visitor.as_ref().ok_or(RoomError::NotInLine)?;
    store
        .check_in(show, visitor, seen, &snapshot.room, now)
        .await?;
    snapshot.place(show, now)?.ok_or(RoomError::NotInLine)
}
