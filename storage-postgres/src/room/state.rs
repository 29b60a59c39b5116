//! The room's row (`waiting_rooms`): its settings, phase and pacing state,
//! read, written and locked (the first lock of the order).

use super::*;

/// A room as its row keeps it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Room {
    pub(super) config: RoomConfig,
    pub(super) phase: RoomPhase,
    pub(super) drawn: bool,
    pub(super) pacer: Pacer,
    pub(super) rate: ObservedRate,
    pub(super) admitted: u64,
}

/// The room row's columns ([`ROOM_COLUMNS`]), all `None` when read through
/// an outer join for a show without a room.
#[derive(Debug, sqlx::FromRow)]
pub(super) struct RoomRow {
    pub(super) lobby_opens_at: Option<OffsetDateTime>,
    pub(super) sale_opens_at: Option<OffsetDateTime>,
    pub(super) max_active: Option<i64>,
    pub(super) per_minute: Option<i64>,
    pub(super) admission_window_us: Option<i64>,
    pub(super) grace_us: Option<i64>,
    pub(super) phase: Option<i16>,
    pub(super) drawn: Option<bool>,
    pub(super) pacer_credit: Option<f64>,
    pub(super) pacer_as_of: Option<OffsetDateTime>,
    pub(super) rate_per_minute: Option<f64>,
    pub(super) rate_as_of: Option<OffsetDateTime>,
    pub(super) admitted: Option<i64>,
}

impl RoomRow {
    /// The room, or `None` when the show has none.
    pub(super) fn read(self) -> Result<Option<Room>> {
        const T: &str = "waiting_rooms";
        let Some(phase) = self.phase else {
            return Ok(None);
        };
        let limit = |name: &str, n: Option<i64>| -> Result<Option<u32>> {
            n.map(|n| u32::try_from(n).map_err(|_| corrupt(T, format!("{name} is {n}"))))
                .transpose()
        };
        let bad = |e: reservation_core::waiting_room::RoomConfigError| corrupt(T, e.to_string());
        let pace = Pace::new(
            limit("max_active", self.max_active)?,
            limit("per_minute", self.per_minute)?,
        )
        .map_err(bad)?;
        let window = required(self.admission_window_us, T, "admission_window_us")?;
        let grace = required(self.grace_us, T, "grace_us")?;
        let config = RoomConfig::new(
            required(self.lobby_opens_at, T, "lobby_opens_at")?,
            required(self.sale_opens_at, T, "sale_opens_at")?,
            pace,
        )
        .and_then(|c| c.with_admission_window(Duration::microseconds(window)))
        .and_then(|c| c.with_grace(Duration::microseconds(grace)))
        .map_err(bad)?;
        Ok(Some(Room {
            config,
            phase: phase_of(phase)?,
            drawn: required(self.drawn, T, "drawn")?,
            pacer: Pacer {
                credit: required(self.pacer_credit, T, "pacer_credit")?,
                as_of: required(self.pacer_as_of, T, "pacer_as_of")?,
            },
            rate: ObservedRate {
                per_minute: self.rate_per_minute,
                as_of: required(self.rate_as_of, T, "rate_as_of")?,
            },
            admitted: unsigned(required(self.admitted, T, "admitted")?, T, "admitted")?,
        }))
    }
}

impl Room {
    /// Writes what a transaction may change: phase, draw, pacing, admissions.
    pub(super) async fn write(&self, conn: &mut PgConnection, show: ShowId) -> Result<()> {
        sqlx::query(
            "UPDATE waiting_rooms SET phase = $2, drawn = $3, pacer_credit = $4, pacer_as_of = $5,
                 rate_per_minute = $6, rate_as_of = $7, admitted = $8
             WHERE show_id = $1",
        )
        .bind(show.as_uuid())
        .bind(phase_code(self.phase)?)
        .bind(self.drawn)
        .bind(self.pacer.credit)
        .bind(self.pacer.as_of)
        .bind(self.rate.per_minute)
        .bind(self.rate.as_of)
        .bind(i64::try_from(self.admitted).unwrap_or(i64::MAX))
        .execute(conn)
        .await?;
        Ok(())
    }
}

/// Locks the room row (the first lock of the order); `None` when there is
/// no room, or with `skip_locked` when another transaction has it.
pub(super) async fn lock_room(
    conn: &mut PgConnection,
    show: ShowId,
    skip_locked: bool,
) -> Result<Option<Room>> {
    let skip = if skip_locked { "SKIP LOCKED" } else { "" };
    let row: Option<RoomRow> = sqlx::query_as(&format!(
        "SELECT {ROOM_COLUMNS} FROM waiting_rooms r WHERE r.show_id = $1 FOR NO KEY UPDATE {skip}"
    ))
    .bind(show.as_uuid())
    .fetch_optional(conn)
    .await?;
    Ok(row.map(RoomRow::read).transpose()?.flatten())
}
