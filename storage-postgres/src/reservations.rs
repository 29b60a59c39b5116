//! The seat lifecycle on PostgreSQL: each method is one [`ShowTx`].

use std::collections::HashMap;

use async_trait::async_trait;
use reservation_core::catalog::SeatIndex;
use reservation_core::payment::PaymentReceipt;
use reservation_core::seating::choose_seats;
use reservation_core::waitlist::{SeatHolding, admission};
use reservation_core::{
    Availability, Booking, BookingId, BookingStatus, Change, Checkout, EventStream, Hold,
    HoldRequest, HoldToken, HolderId, Policy, ReservationError, ReservationStore, SeatMap,
    SeatSelection, SeatView, Sequence, ShowEvent, ShowId, Ticket, TicketId, Wait, WaitEnd, WaitId,
    WaitRequest, WaitStatus,
};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::PgStore;
use crate::error::{AdapterError, Error, Result, unsigned};
use crate::rows::{
    ACTIVE, BOOKED, ENDED, FREE, FreeingRow, HoldStage, StateRow, WAITING, WaitRecord, WaitRow,
    WaitStage, holding, seat_index, sequence,
};
use crate::show_tx::{ShowTx, holdings, in_micros};

/// The row of [`PgStore::seat_map_unlocked`]: the show's state and its
/// taken seats as three arrays (one row, not thousands).
#[derive(sqlx::FromRow)]
struct SeatMapRow {
    #[sqlx(flatten)]
    state: StateRow,
    indexes: Option<Vec<i32>>,
    statuses: Option<Vec<i16>>,
    holders: Option<Vec<Option<Uuid>>>,
}

impl PgStore {
    /// The seat map from one statement, without the show's lock, unless
    /// something is due to be settled first (then `None`). Readers then do
    /// not queue behind an on-sale's hold batches, and one snapshot keeps
    /// the counts, sequence and seats consistent.
    async fn seat_map_unlocked(
        &self,
        show: ShowId,
        viewer: Option<HolderId>,
        now: OffsetDateTime,
    ) -> Result<Option<SeatMap>> {
        let meta = self.meta(show).await?;
        let row: Option<SeatMapRow> = sqlx::query_as(
            "SELECT st.last_seq, st.next_in_line, st.next_due, st.available, st.held, st.booked,
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
        .fetch_optional(self.pool())
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
            return Err(crate::error::corrupt(
                "seats",
                "taken seats' arrays differ in length",
            ));
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
            counts: row.state.counts.try_into()?,
            at: in_micros(now),
        }))
    }

    /// Locks and settles `show` for one operation.
    pub(crate) async fn begin(&self, show: ShowId, now: OffsetDateTime) -> Result<ShowTx> {
        let meta = self.meta(show).await?;
        ShowTx::begin(self, meta, now, false)
            .await?
            .ok_or_else(|| ReservationError::UnknownShow(show).into())
    }

    /// Like [`begin`](Self::begin) for a hold token: an unknown show is an unknown token.
    async fn begin_for_token(&self, token: &HoldToken, now: OffsetDateTime) -> Result<ShowTx> {
        match self.begin(token.show(), now).await {
            Err(Error::Refused(ReservationError::UnknownShow(_))) => {
                Err(ReservationError::InvalidHoldToken.into())
            }
            other => other,
        }
    }

    /// The show of a booking or wait, found by its own id.
    async fn show_of(&self, table: &str, id: Uuid) -> Result<Option<ShowId>> {
        let show: Option<Uuid> =
            sqlx::query_scalar(&format!("SELECT show_id FROM {table} WHERE id = $1"))
                .bind(id)
                .fetch_optional(self.pool())
                .await?;
        Ok(show.map(ShowId::from_uuid))
    }

    async fn booking_tx(&self, booking: BookingId, now: OffsetDateTime) -> Result<ShowTx> {
        let show = self.show_of("bookings", booking.as_uuid()).await?;
        self.begin(show.ok_or(ReservationError::UnknownBooking(booking))?, now)
            .await
    }

    async fn wait_tx(&self, wait: WaitId, now: OffsetDateTime) -> Result<ShowTx> {
        let show = self.show_of("waits", wait.as_uuid()).await?;
        self.begin(show.ok_or(ReservationError::UnknownWait(wait))?, now)
            .await
    }

    /// Turns "no such seat in this show" into "a seat of another show" when
    /// the seat exists elsewhere.
    async fn explain_unknown_seat(
        &self,
        show: ShowId,
        error: ReservationError,
    ) -> ReservationError {
        let ReservationError::UnknownSeat(seat) = error else {
            return error;
        };
        let elsewhere = sqlx::query_scalar::<_, i32>("SELECT 1 FROM hall_seats WHERE seat_id = $1")
            .bind(seat.as_uuid())
            .fetch_optional(self.pool())
            .await;
        match elsewhere {
            Ok(Some(_)) => ReservationError::SeatOfAnotherShow { seat, show },
            Ok(None) => ReservationError::UnknownSeat(seat),
            Err(e) => Error::from(e).into(),
        }
    }

    /// Decides `requests` one by one in this order, each against the seats
    /// and holder loads the earlier ones left, and writes the holds made
    /// with one statement per table. The outer error is a storage failure
    /// (nothing is kept); the inner ones are refusals of single requests.
    pub(crate) async fn hold_all(
        &self,
        t: &mut ShowTx,
        requests: &[HoldRequest],
    ) -> Result<Vec<Result<Hold, ReservationError>>> {
        if t.now >= t.meta.show.starts_at {
            let closed = ReservationError::SalesClosed {
                starts_at: t.meta.show.starts_at,
            };
            return Ok(requests.iter().map(|_| Err(closed.clone())).collect());
        }
        let holders: Vec<HolderId> = requests.iter().map(|r| r.holder).collect();
        // Listed seats need only their own rows; best available needs all.
        let plan = std::sync::Arc::clone(t.meta.pricing.plan());
        let listed: Option<Vec<SeatIndex>> = requests
            .iter()
            .map(|r| match &r.seats {
                SeatSelection::Seats(list) => {
                    Some(list.as_slice().iter().filter_map(|id| plan.index_of(*id)))
                }
                SeatSelection::BestAvailable { .. } => None,
            })
            .collect::<Option<Vec<_>>>()
            .map(|lists| lists.into_iter().flatten().collect());
        let (loads, taken) = t.loads_and_taken_seats(&holders, listed.as_deref()).await?;
        let mut loads: HashMap<HolderId, u16> = loads.into_iter().collect();
        let mut taken: HashMap<SeatIndex, SeatHolding> = taken.into_iter().collect();
        let mut decided = Vec::with_capacity(requests.len());
        let mut grants = Vec::new();
        for request in requests {
            let active = loads.get(&request.holder).copied().unwrap_or(0);
            let holding = |i| taken.get(&i).copied().unwrap_or(SeatHolding::Free);
            match choose_seats(&t.meta.pricing, &t.policy, request, active, holding) {
                Ok(seats) => {
                    for &seat in &seats {
                        taken.insert(seat, SeatHolding::Held(request.holder));
                    }
                    *loads.entry(request.holder).or_default() += seats.len() as u16;
                    decided.push(Ok(()));
                    grants.push((request.holder, seats));
                }
                Err(refused) => decided.push(Err(refused)),
            }
        }
        let holds = t.create_holds_at_commit(&grants);
        for (hold, (_, seats)) in holds.iter().zip(&grants) {
            let seats = t.meta.pricing.seat_ids(seats);
            t.log(Change::Held {
                hold: hold.id,
                seats,
            });
        }
        // The granted requests take the holds in order.
        let mut holds = holds.into_iter();
        Ok(decided
            .into_iter()
            .map(|granted| {
                granted.and_then(|()| {
                    holds
                        .next()
                        .ok_or_else(|| Error::from(AdapterError::Undecided).into())
                })
            })
            .collect())
    }

    async fn booking_in(t: &mut ShowTx, booking: BookingId) -> Result<Option<Booking>> {
        let doc: Option<sqlx::types::Json<Booking>> =
            sqlx::query_scalar("SELECT doc FROM bookings WHERE show_id = $1 AND id = $2")
                .bind(t.id().as_uuid())
                .bind(booking.as_uuid())
                .fetch_optional(t.conn())
                .await?;
        Ok(doc.map(|d| d.0))
    }

    async fn wait_row(t: &mut ShowTx, wait: WaitId, holder: HolderId) -> Result<WaitRow> {
        let row: Option<WaitRecord> = sqlx::query_as(
            "SELECT holder, seat_count, category, line_order, joined_at, expires_at, state, end_reason, offered_secret
             FROM waits WHERE show_id = $1 AND id = $2",
        )
        .bind(t.id().as_uuid())
        .bind(wait.as_uuid())
        .fetch_optional(t.conn())
        .await?;
        let row = row
            .ok_or(ReservationError::UnknownWait(wait))?
            .read(wait, t.id())?;
        if row.wait.holder != holder {
            return Err(ReservationError::UnknownWait(wait).into());
        }
        Ok(row)
    }

    /// When the waiter at `line_order` would be served if every hold ran out
    /// unpaid (see the memory store for the same rule).
    async fn estimate(t: &mut ShowTx, line_order: i64) -> Result<Option<OffsetDateTime>> {
        let needed: i64 = sqlx::query_scalar(
            "SELECT COALESCE(sum(seat_count), 0) FROM waits WHERE show_id = $1 AND state = $2 AND line_order <= $3",
        )
        .bind(t.id().as_uuid())
        .bind(WAITING)
        .bind(line_order)
        .fetch_one(t.conn())
        .await?;
        let missing = unsigned(needed, "waits", "seats wanted")?
            .saturating_sub(u64::from(t.counts.available));
        let freeing: Vec<FreeingRow> = sqlx::query_as(
            "SELECT free_at, cardinality(seat_indexes) AS n FROM holds WHERE show_id = $1 AND state = $2 ORDER BY free_at",
        )
        .bind(t.id().as_uuid())
        .bind(ACTIVE)
        .fetch_all(t.conn())
        .await?;
        let mut have = 0u64;
        for row in freeing {
            have += unsigned(row.n.into(), "holds", "a hold's seats")?;
            if have >= missing {
                return Ok(Some(row.free_at));
            }
        }
        Ok(None)
    }
}

#[async_trait]
impl ReservationStore for PgStore {
    fn policy(&self) -> Policy {
        self.inner.policy
    }

    async fn hold(
        &self,
        request: &HoldRequest,
        now: OffsetDateTime,
    ) -> Result<Hold, ReservationError> {
        match self.hold_batched(request, now).await {
            Err(refused) => Err(self.explain_unknown_seat(request.show, refused).await),
            held => held,
        }
    }

    async fn hold_status(
        &self,
        token: &HoldToken,
        holder: HolderId,
        now: OffsetDateTime,
    ) -> Result<Hold, ReservationError> {
        self.retrying(|| async {
            let mut t = self.begin_for_token(token, now).await?;
            let outcome = match t.hold_row(token, holder).await {
                Ok(row) if row.stage == HoldStage::Expired => {
                    Err(ReservationError::HoldExpired.into())
                }
                Ok(row) => Ok(t.hold_view(&row)),
                Err(refused) => Err(refused),
            };
            t.finish(outcome).await
        })
        .await
    }

    async fn release(
        &self,
        token: &HoldToken,
        holder: HolderId,
        now: OffsetDateTime,
    ) -> Result<(), ReservationError> {
        self.retrying(|| async {
            let mut t = self.begin_for_token(token, now).await?;
            let outcome = async {
                let row = t.hold_row(token, holder).await?;
                match row.stage {
                    HoldStage::Expired => return Err(ReservationError::HoldExpired.into()),
                    HoldStage::Confirmed(_) => {
                        return Err(ReservationError::InvalidHoldToken.into());
                    }
                    HoldStage::Active => {}
                }
                t.set_seats(&row.seats, FREE, None).await?;
                sqlx::query("DELETE FROM holds WHERE show_id = $1 AND id = $2")
                    .bind(t.id().as_uuid())
                    .bind(row.id.as_uuid())
                    .execute(t.conn())
                    .await?;
                t.counts.held -= row.seats.len() as u32;
                t.counts.available += row.seats.len() as u32;
                let seats = t.meta.pricing.seat_ids(&row.seats);
                t.log(Change::Released {
                    hold: row.id,
                    seats,
                });
                t.serve_waitlist().await
            }
            .await;
            t.finish(outcome).await
        })
        .await
    }

    async fn begin_checkout(
        &self,
        token: &HoldToken,
        holder: HolderId,
        now: OffsetDateTime,
    ) -> Result<Checkout, ReservationError> {
        self.retrying(|| async {
            let mut t = self.begin_for_token(token, now).await?;
            let outcome = async {
                let row = t.hold_row(token, holder).await?;
                match row.stage {
                    HoldStage::Expired => Err(ReservationError::HoldExpired.into()),
                    HoldStage::Confirmed(booking) => Self::booking_in(&mut t, booking)
                        .await?
                        .map(Checkout::AlreadyBooked)
                        .ok_or_else(|| ReservationError::UnknownBooking(booking).into()),
                    HoldStage::Active => Ok(Checkout::Pay(t.hold_view(&row))),
                }
            }
            .await;
            t.finish(outcome).await
        })
        .await
    }

    async fn complete_checkout(
        &self,
        token: &HoldToken,
        holder: HolderId,
        receipt: &PaymentReceipt,
        now: OffsetDateTime,
    ) -> Result<Booking, ReservationError> {
        self.retrying(|| async {
            let mut t = self.begin_for_token(token, now).await?;
            let row = match t.hold_row(token, holder).await {
                Ok(row) => row,
                Err(refused) => return t.finish(Err(refused)).await,
            };
            match row.stage {
                HoldStage::Expired => {
                    return t.finish(Err(ReservationError::HoldExpired.into())).await;
                }
                HoldStage::Confirmed(booking) => {
                    let found = Self::booking_in(&mut t, booking).await.and_then(|found| {
                        found.ok_or_else(|| ReservationError::UnknownBooking(booking).into())
                    });
                    return t.finish(found).await;
                }
                HoldStage::Active => {}
            }
            let tickets: Vec<Ticket> = row
                .seats
                .iter()
                .map(|&i| Ticket {
                    id: TicketId::random(),
                    seat: t.meta.pricing.priced(i),
                })
                .collect();
            let booking = Booking {
                id: BookingId::random(),
                show: t.id(),
                holder,
                hold: row.id,
                total: t.meta.pricing.total(tickets.iter().map(|t| t.seat.price)),
                tickets,
                payment: receipt.clone(),
                created_at: t.now,
                status: BookingStatus::Confirmed,
            };
            let show = t.id().as_uuid();
            let indexes: Vec<i32> = row.seats.iter().map(|s| s.0 as i32).collect();
            sqlx::query(
                "INSERT INTO payments (show_id, hold_id, receipt, created_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (show_id, hold_id) DO NOTHING",
            )
            .bind(show)
            .bind(row.id.as_uuid())
            .bind(sqlx::types::Json(receipt))
            .bind(t.now)
            .execute(t.conn())
            .await?;
            sqlx::query(
                "INSERT INTO bookings (show_id, id, holder, hold_id, seat_indexes, doc)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(show)
            .bind(booking.id.as_uuid())
            .bind(holder.as_uuid())
            .bind(row.id.as_uuid())
            .bind(&indexes)
            .bind(sqlx::types::Json(&booking))
            .execute(t.conn())
            .await?;
            let ticket_ids: Vec<Uuid> = booking.tickets.iter().map(|t| t.id.as_uuid()).collect();
            sqlx::query(
                "INSERT INTO tickets (show_id, id, booking_id, seat_index)
                 SELECT $1, id, $2, seat FROM unnest($3::uuid[], $4::int[]) AS t(id, seat)",
            )
            .bind(show)
            .bind(booking.id.as_uuid())
            .bind(&ticket_ids)
            .bind(&indexes)
            .execute(t.conn())
            .await?;
            sqlx::query(
                "UPDATE holds SET state = $3, booking_id = $4 WHERE show_id = $1 AND id = $2",
            )
            .bind(show)
            .bind(row.id.as_uuid())
            .bind(crate::rows::CONFIRMED)
            .bind(booking.id.as_uuid())
            .execute(t.conn())
            .await?;
            t.set_seats(&row.seats, BOOKED, Some(holder)).await?;
            t.counts.held -= row.seats.len() as u32;
            t.counts.booked += row.seats.len() as u32;
            let seats = t.meta.pricing.seat_ids(&row.seats);
            t.log(Change::Booked {
                booking: booking.id,
                hold: row.id,
                seats,
            });
            // Fewer seats can free up now: some waiters may be beyond reach.
            t.drop_unservable().await?;
            t.commit().await?;
            Ok(booking)
        })
        .await
    }

    async fn booking(
        &self,
        booking: BookingId,
        holder: HolderId,
    ) -> Result<Booking, ReservationError> {
        let doc: Option<sqlx::types::Json<Booking>> =
            sqlx::query_scalar("SELECT doc FROM bookings WHERE id = $1 AND holder = $2")
                .bind(booking.as_uuid())
                .bind(holder.as_uuid())
                .fetch_optional(self.pool())
                .await
                .map_err(Error::from)?;
        doc.map(|d| d.0)
            .ok_or(ReservationError::UnknownBooking(booking))
    }

    async fn cancel_booking(
        &self,
        booking: BookingId,
        holder: HolderId,
        now: OffsetDateTime,
    ) -> Result<Booking, ReservationError> {
        self.retrying(|| async {
            let mut t = self.booking_tx(booking, now).await?;
            let outcome = async {
                let mut found = Self::booking_in(&mut t, booking)
                    .await?
                    .filter(|b| b.holder == holder)
                    .ok_or(ReservationError::UnknownBooking(booking))?;
                if found.status != BookingStatus::Confirmed {
                    return Err(ReservationError::BookingAlreadyCancelled(booking).into());
                }
                found.status = BookingStatus::Cancelled { at: t.now };
                sqlx::query("UPDATE bookings SET doc = $3 WHERE show_id = $1 AND id = $2")
                    .bind(t.id().as_uuid())
                    .bind(booking.as_uuid())
                    .bind(sqlx::types::Json(&found))
                    .execute(t.conn())
                    .await?;
                let seats: Vec<SeatIndex> = found
                    .tickets
                    .iter()
                    .filter_map(|ticket| t.meta.pricing.plan().index_of(ticket.seat.seat))
                    .collect();
                t.set_seats(&seats, FREE, None).await?;
                t.counts.booked -= seats.len() as u32;
                t.counts.available += seats.len() as u32;
                let ids = t.meta.pricing.seat_ids(&seats);
                t.log(Change::Cancelled {
                    booking,
                    seats: ids,
                });
                t.serve_waitlist().await?;
                Ok(found)
            }
            .await;
            t.finish(outcome).await
        })
        .await
    }

    async fn join_waitlist(
        &self,
        request: &WaitRequest,
        now: OffsetDateTime,
    ) -> Result<Wait, ReservationError> {
        self.retrying(|| async {
            let mut t = self.begin(request.show, now).await?;
            let outcome = async {
                if t.now >= t.meta.show.starts_at {
                    return Err(ReservationError::SalesClosed {
                        starts_at: t.meta.show.starts_at,
                    }
                    .into());
                }
                let category = request
                    .category
                    .as_ref()
                    .map(|c| t.meta.pricing.category_index(c))
                    .transpose()?;
                let existing: Option<Uuid> = sqlx::query_scalar(
                    "SELECT id FROM waits WHERE show_id = $1 AND holder = $2 AND state = $3 LIMIT 1",
                )
                .bind(t.id().as_uuid())
                .bind(request.holder.as_uuid())
                .bind(WAITING)
                .fetch_optional(t.conn())
                .await?;
                if let Some(existing) = existing {
                    return Err(
                        ReservationError::AlreadyWaiting(WaitId::from_uuid(existing)).into(),
                    );
                }
                let holdings = t.holdings().await?;
                admission(
                    t.meta.pricing.plan(),
                    &holdings,
                    request.holder,
                    request.count,
                    category,
                )?;
                let active = t.load(request.holder).await?;
                let limit = t.policy.max_seats_per_holder;
                if active + request.count.get() as u16 > limit {
                    return Err(ReservationError::OverHolderLimit {
                        limit,
                        active,
                        requested: request.count.get() as u16,
                    }
                    .into());
                }
                let wait = Wait {
                    id: WaitId::random(),
                    show: t.id(),
                    holder: request.holder,
                    count: request.count,
                    category: request.category.clone(),
                    joined_at: t.now,
                    expires_at: (t.now + t.policy.max_wait).min(t.meta.show.starts_at),
                };
                let order = t.take_next_in_line();
                sqlx::query(
                    "INSERT INTO waits (show_id, id, holder, seat_count, category, category_index,
                         line_order, joined_at, expires_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(t.id().as_uuid())
                .bind(wait.id.as_uuid())
                .bind(wait.holder.as_uuid())
                .bind(wait.count.get() as i16)
                .bind(wait.category.as_ref().map(|c| c.as_str().to_owned()))
                .bind(category.map(|c| c as i16))
                .bind(order)
                .bind(wait.joined_at)
                .bind(wait.expires_at)
                .execute(t.conn())
                .await?;
                t.log(Change::WaitJoined {
                    wait: wait.id,
                    count: request.count.into(),
                });
                Ok(wait)
            }
            .await;
            t.finish(outcome).await
        })
        .await
    }

    async fn wait_status(
        &self,
        wait: WaitId,
        holder: HolderId,
        now: OffsetDateTime,
    ) -> Result<WaitStatus, ReservationError> {
        self.retrying(|| async {
            let mut t = self.wait_tx(wait, now).await?;
            let outcome = async {
                let row = Self::wait_row(&mut t, wait, holder).await?;
                Ok(match row.stage {
                    WaitStage::Waiting => {
                        let ahead: i64 = sqlx::query_scalar(
                            "SELECT count(*) FROM waits WHERE show_id = $1 AND state = $2 AND line_order < $3",
                        )
                        .bind(t.id().as_uuid())
                        .bind(WAITING)
                        .bind(row.line_order)
                        .fetch_one(t.conn())
                        .await?;
                        WaitStatus::Waiting {
                            wait: row.wait,
                            // A line longer than u32::MAX reads as that long.
                            position: u32::try_from(ahead).unwrap_or(u32::MAX).saturating_add(1),
                            estimated_offer_at: Self::estimate(&mut t, row.line_order).await?,
                        }
                    }
                    WaitStage::Offered(secret) => {
                        let token = HoldToken::from_parts(t.id(), secret);
                        match t.hold_row(&token, holder).await {
                            Ok(hold) if hold.stage == HoldStage::Expired => WaitStatus::Ended {
                                reason: WaitEnd::Expired,
                            },
                            Ok(hold) => WaitStatus::Offered {
                                hold: t.hold_view(&hold),
                            },
                            // The offered hold was released.
                            Err(Error::Refused(ReservationError::InvalidHoldToken)) => {
                                WaitStatus::Ended {
                                    reason: WaitEnd::Cancelled,
                                }
                            }
                            Err(other) => return Err(other),
                        }
                    }
                    WaitStage::Ended(reason) => WaitStatus::Ended { reason },
                })
            }
            .await;
            t.finish(outcome).await
        })
        .await
    }

    async fn cancel_wait(
        &self,
        wait: WaitId,
        holder: HolderId,
        now: OffsetDateTime,
    ) -> Result<(), ReservationError> {
        self.retrying(|| async {
            let mut t = self.wait_tx(wait, now).await?;
            let outcome = async {
                let row = Self::wait_row(&mut t, wait, holder).await?;
                if row.stage != WaitStage::Waiting {
                    return Err(ReservationError::UnknownWait(wait).into());
                }
                sqlx::query(
                    "UPDATE waits SET state = $3, end_reason = 'cancelled' WHERE show_id = $1 AND id = $2",
                )
                .bind(t.id().as_uuid())
                .bind(wait.as_uuid())
                .bind(ENDED)
                .execute(t.conn())
                .await?;
                t.log(Change::WaitEnded {
                    wait,
                    reason: WaitEnd::Cancelled,
                });
                Ok(())
            }
            .await;
            t.finish(outcome).await
        })
        .await
    }

    async fn seat_map(
        &self,
        show: ShowId,
        viewer: Option<HolderId>,
        now: OffsetDateTime,
    ) -> Result<SeatMap, ReservationError> {
        if let Some(map) = self.seat_map_unlocked(show, viewer, now).await? {
            return Ok(map);
        }
        self.retrying(|| async {
            let mut t = self.begin(show, now).await?;
            let holdings = t.holdings().await?;
            let plan = std::sync::Arc::clone(t.meta.pricing.plan());
            let (counts, at) = (t.counts, t.now);
            let seq = t.commit().await?;
            let seats = SeatView::all(&plan, &holdings, viewer);
            Ok(SeatMap {
                show,
                seq,
                at,
                seats,
                counts,
            })
        })
        .await
    }

    async fn availability(
        &self,
        show: ShowId,
        now: OffsetDateTime,
    ) -> Result<Availability, ReservationError> {
        self.retrying(|| async {
            let t = self.begin(show, now).await?;
            let counts = t.counts;
            t.finish(Ok(counts)).await
        })
        .await
    }

    async fn sweep(&self, now: OffsetDateTime) -> Result<usize, ReservationError> {
        let mut ended = 0;
        loop {
            let due: Vec<Uuid> = sqlx::query_scalar(
                "SELECT show_id FROM show_state WHERE next_due <= $1 ORDER BY next_due LIMIT 64",
            )
            .bind(now)
            .fetch_all(self.pool())
            .await
            .map_err(Error::from)?;
            let mut progressed = false;
            for show in &due {
                let meta = self.meta(ShowId::from_uuid(*show)).await?;
                // Another sweeper or a request has this show: it settles it.
                let Some(t) = ShowTx::begin(self, meta, now, true).await? else {
                    continue;
                };
                ended += t.ended;
                progressed = true;
                t.commit().await?;
            }
            if due.len() < 64 || !progressed {
                return Ok(ended);
            }
        }
    }

    async fn events_since(
        &self,
        show: ShowId,
        after: Sequence,
        limit: usize,
    ) -> Result<Vec<ShowEvent>, ReservationError> {
        self.meta(show).await?;
        Ok(crate::feed::events_after(self.pool(), show, after, limit).await?)
    }

    async fn subscribe(
        &self,
        show: ShowId,
        after: Sequence,
    ) -> Result<EventStream, ReservationError> {
        self.meta(show).await?;
        Ok(self.inner.feed.subscribe(self.pool().clone(), show, after))
    }
}
