//! Joining the line: group-committed per room, numbered in arrival order
//! under the counters row's lock.

use super::*;
use crate::group_commit::GroupCommit;
use crate::keys::show_keys;

/// New visitors (`$8` to `$12`) with the counters.
pub(super) static JOIN_WRITE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "WITH {LINE_WRITE},
         joined AS (
             INSERT INTO room_visitors (show_id, visitor, state, lobby_key, number, last_seen, joined_at)
             SELECT $1, j.visitor, j.state, j.key, j.number, j.at, j.at
             FROM unnest($8::uuid[], $9::int2[], $10::int8[], $11::int8[], $12::timestamptz[])
                 AS j(visitor, state, key, number, at)
             ON CONFLICT (show_id, visitor) DO UPDATE SET state = excluded.state,
                 lobby_key = excluded.lobby_key, number = excluded.number, admitted_until = NULL,
                 last_seen = excluded.last_seen, joined_at = excluded.joined_at
         )
         SELECT 1"
    )
});

/// The row `join_all` reads under the counters' lock: the room, the show's
/// seats, and the batch's visitors already known, as three arrays.
#[derive(Debug, sqlx::FromRow)]
pub(super) struct JoinRow {
    #[sqlx(flatten)]
    pub(super) room: RoomRow,
    #[sqlx(flatten)]
    pub(super) seats: CountsRow,
    #[sqlx(flatten)]
    pub(super) sales: SalesRow,
    pub(super) next_due: Option<OffsetDateTime>,
    pub(super) visitors: Option<Vec<Uuid>>,
    pub(super) states: Option<Vec<i16>>,
    pub(super) untils: Option<Vec<Option<OffsetDateTime>>>,
}

/// How a queued join ended.
pub(super) enum Joined {
    /// A new place. `seats_due`: a hold of the show was due to expire, so
    /// the seat counts must be settled and read again.
    New { place: Place, seats_due: bool },
    /// The visitor had a live place already: read it (a check-in).
    Live,
    /// The sale has opened and the lobby is not drawn yet: draw, then join.
    DrawDue,
}

/// The joins waiting for their room's next transaction (group commit, as
/// for holds): a room's joins all take the counters row's lock, so one
/// transaction numbers a whole batch and commits once.
pub(crate) struct JoinQueues {
    pub(super) batches: GroupCommit<ShowId, (HolderId, OffsetDateTime), Result<Joined, RoomError>>,
    /// One draw attempt per show at a time in this process: when the sale
    /// opens, every status read finds the draw due, and all but one need
    /// only see that it was done.
    pub(super) draws: DashMap<ShowId, Arc<Mutex<()>>>,
    /// Likewise for settling a show whose holds are due before a status
    /// read reports its seats (settling takes the show's lock).
    pub(super) settles: DashMap<ShowId, Arc<Mutex<()>>>,
}

impl JoinQueues {
    /// Queues whose joins wait at most `turn_wait` for their turn.
    pub(crate) fn new(turn_wait: std::time::Duration) -> Self {
        Self {
            batches: GroupCommit::new(MAX_JOIN_BATCH, turn_wait),
            draws: DashMap::new(),
            settles: DashMap::new(),
        }
    }
}

/// A new visitor row, as the join batch writes it.
pub(super) struct NewVisitor {
    pub(super) visitor: Uuid,
    pub(super) state: i16,
    pub(super) key: Option<i64>,
    pub(super) number: Option<i64>,
    pub(super) at: OffsetDateTime,
}

impl PgStore {
    /// Queues a join for the room's next batch and waits for its outcome.
    pub(super) async fn join_batched(
        &self,
        show: ShowId,
        visitor: HolderId,
        now: OffsetDateTime,
    ) -> Result<Joined, RoomError> {
        let store = self.clone();
        self.inner
            .joins
            .batches
            .submit(
                show,
                (visitor, now),
                || Err(Error::from(AdapterError::Undecided).into()),
                move |batch| async move { store.decide_joins(show, batch).await },
            )
            .await
    }

    /// Decides a batch of joins in one transaction: an outcome per join, in
    /// their order.
    pub(super) async fn decide_joins(
        &self,
        show: ShowId,
        requests: Vec<(HolderId, OffsetDateTime)>,
    ) -> Vec<Result<Joined, RoomError>> {
        let outcome: Result<_, RoomError> = self.retrying(|| self.join_all(show, &requests)).await;
        outcome.unwrap_or_else(|failure| requests.iter().map(|_| Err(failure.clone())).collect())
    }

    /// Puts `requests` in line in this order, under the counters' lock.
    pub(super) async fn join_all(
        &self,
        show: ShowId,
        requests: &[(HolderId, OffsetDateTime)],
    ) -> Result<Vec<Result<Joined, RoomError>>> {
        let meta = self.meta(show).await?;
        let mut tx = begin(self.pool()).await?;
        let Some(mut counters) = Counters::lock(&mut tx, show).await? else {
            return Ok(requests
                .iter()
                .map(|_| Err(RoomError::NoRoom(show)))
                .collect());
        };
        // A statement after the lock sees what its earlier holders committed
        // (a draw included).
        let mut visitors: Vec<Uuid> = requests.iter().map(|(v, _)| v.as_uuid()).collect();
        visitors.sort_unstable();
        visitors.dedup();
        let row: JoinRow = sqlx::query_as(&format!(
            "SELECT {ROOM_COLUMNS}, st.available, st.held, st.booked, st.next_due,
                 st.sales, st.sales_since, st.cancel_reason, st.starts_at,
                 known.visitors, known.states, known.untils
             FROM waiting_rooms r JOIN show_state st ON st.show_id = r.show_id,
             LATERAL (
                 SELECT array_agg(visitor) AS visitors, array_agg(state) AS states,
                     array_agg(admitted_until) AS untils
                 FROM {visitors} JOIN room_visitors USING (show_id, visitor)
             ) AS known
             WHERE r.show_id = $1",
            visitors = show_keys("$2::uuid[]", &[], "k(show_id, visitor)")
        ))
        .bind(show.as_uuid())
        .bind(&visitors)
        .fetch_one(&mut *tx)
        .await?;
        let room = row
            .room
            .read()?
            .ok_or_else(|| corrupt("waiting_rooms", "counters without a room"))?;
        let seats: Availability = row.seats.try_into()?;
        let next_due = row.next_due;
        // array_agg over no rows is NULL: none of them is known.
        let ids = row.visitors.unwrap_or_default();
        let states = row.states.unwrap_or_default();
        let untils = row.untils.unwrap_or_default();
        if states.len() != ids.len() || untils.len() != ids.len() {
            return Err(corrupt(
                "room_visitors",
                "the visitors' arrays differ in length",
            ));
        }
        let mut known: HashMap<Uuid, (i16, Option<OffsetDateTime>)> = HashMap::new();
        for (id, (state, until)) in ids.into_iter().zip(states.into_iter().zip(untils)) {
            known.insert(id, (visitor_state(state)?, until));
        }
        let mut decided = Vec::with_capacity(requests.len());
        let mut fresh: Vec<NewVisitor> = Vec::new();
        for &(visitor, now) in requests {
            let now = in_micros(now);
            if room.phase == RoomPhase::Closed {
                decided.push(Err(RoomError::NoRoom(show)));
                continue;
            }
            // The locked row's start and sales: this process's cached start
            // is stale once the show was moved.
            if let Err(refusal) = row.sales.check_room_open(meta.show.starts_at, now) {
                decided.push(Err(refusal));
                continue;
            }
            if now < room.config.lobby_opens_at() {
                decided.push(Err(RoomError::LobbyNotOpen {
                    opens_at: room.config.lobby_opens_at(),
                }));
                continue;
            }
            if !room.drawn && now >= room.config.sale_opens_at() {
                decided.push(Ok(Joined::DrawDue));
                continue;
            }
            let id = visitor.as_uuid();
            let before = known.get(&id).copied();
            if let Some((state, until)) = before {
                let row = VisitorRow {
                    state,
                    until,
                    last_seen: now,
                    ahead: None,
                };
                if row.is_live(now) {
                    decided.push(Ok(Joined::Live));
                    continue;
                }
                if state == ADMITTED {
                    // An admission past its end that the pacer has not ended yet.
                    counters.active -= 1;
                }
            }
            let (state, standing) = if room.drawn {
                counters.last_number += 1;
                let ahead = unsigned(counters.queued, "room_counters", "queued")?;
                counters.enqueue(counters.last_number);
                (QUEUED, queued(ahead, &room, now))
            } else {
                counters.in_lobby += 1;
                (LOBBY, Standing::Lobby)
            };
            fresh.push(NewVisitor {
                visitor: id,
                state,
                // ThreadRng: ChaCha12 seeded from the OS, a CSPRNG. The
                // bits are kept as a bigint: the order of their signed
                // values is as uniformly random as the unsigned.
                key: (state == LOBBY).then(|| rand::random::<u64>() as i64),
                number: (state == QUEUED).then_some(counters.last_number),
                at: now,
            });
            known.insert(id, (state, None));
            decided.push(Ok(Joined::New {
                place: Place {
                    show,
                    line: view(&room, &counters, seats),
                    standing,
                },
                seats_due: next_due.is_some_and(|due| due <= now),
            }));
        }
        if !fresh.is_empty() {
            // The visitors, buckets and counters in one statement.
            let query = sqlx::query(&JOIN_WRITE).bind(show.as_uuid());
            counters
                .bind(query)
                .bind(fresh.iter().map(|v| v.visitor).collect::<Vec<_>>())
                .bind(fresh.iter().map(|v| v.state).collect::<Vec<_>>())
                .bind(fresh.iter().map(|v| v.key).collect::<Vec<_>>())
                .bind(fresh.iter().map(|v| v.number).collect::<Vec<_>>())
                .bind(fresh.iter().map(|v| v.at).collect::<Vec<_>>())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(decided)
    }
}

pub(super) async fn join(
    store: &PgStore,
    show: ShowId,
    visitor: HolderId,
    now: OffsetDateTime,
) -> Result<Place, RoomError> {
    let now = in_micros(now);
    // Straight to the batch, which checks everything under the
    // counters' lock: a join costs no statement of its own.
    let mut drawn = false;
    loop {
        match store.join_batched(show, visitor, now).await? {
            Joined::New {
                mut place,
                seats_due,
            } => {
                if seats_due {
                    store.settle(show, now).await?;
                    let row: CountsRow = sqlx::query_as(
                        "SELECT available, held, booked FROM show_state WHERE show_id = $1",
                    )
                    .bind(show.as_uuid())
                    .fetch_one(store.pool())
                    .await
                    .map_err(Error::from)?;
                    let seats: Availability = row.try_into()?;
                    place.line.seats_free = seats.available;
                    place.line.seats_held = seats.held;
                }
                return Ok(place);
            }
            Joined::Live => return store.place(show, visitor, now).await,
            Joined::DrawDue if !drawn => {
                store.draw(show, now).await?;
                drawn = true;
            }
            Joined::DrawDue => {
                return Err(corrupt("waiting_rooms", "the draw did not happen").into());
            }
        }
    }
}
