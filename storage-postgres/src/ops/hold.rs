//! Holds: all or nothing, decided in batches per show (`hold_batch`), and
//! a hold's status.

use std::collections::HashMap;
use std::sync::Arc;

use reservation_core::catalog::SeatIndex;
use reservation_core::seating::choose_seats;
use reservation_core::waitlist::SeatHolding;
use reservation_core::{
    Change, ClosedReason, Hold, HoldRequest, HoldToken, HolderId, ReservationError, SeatSelection,
    ShowId,
};
use time::OffsetDateTime;

use crate::PgStore;
use crate::error::{AdapterError, Error, Result};
use crate::rows::HoldStage;
use crate::show_tx::ShowTx;

pub(super) async fn hold(
    store: &PgStore,
    request: &HoldRequest,
    now: OffsetDateTime,
) -> Result<Hold, ReservationError> {
    match store.hold_batched(request, now).await {
        Err(refused) => Err(store.explain_unknown_seat(request.show, refused).await),
        held => held,
    }
}

pub(super) async fn status(
    store: &PgStore,
    token: &HoldToken,
    holder: HolderId,
    now: OffsetDateTime,
) -> Result<Hold, ReservationError> {
    store
        .retrying(|| async {
            let mut t = store.begin_for_token(token, now).await?;
            let outcome = match t.hold_row(token, holder).await {
                Ok(row) if row.stage == HoldStage::Expired => {
                    Err(ReservationError::HoldExpired.into())
                }
                Ok(row) if row.stage == HoldStage::Withdrawn => {
                    Err(t.closed(ClosedReason::Cancelled).into())
                }
                Ok(row) => Ok(t.hold_view(&row)),
                Err(refused) => Err(refused),
            };
            t.finish(outcome).await
        })
        .await
}

impl PgStore {
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
        if let Err(closed) = t.check_on_sale() {
            return Ok(requests.iter().map(|_| Err(closed.clone())).collect());
        }
        let holders: Vec<HolderId> = requests.iter().map(|r| r.holder).collect();
        // Listed seats need only their own rows; best available needs all.
        let plan = Arc::clone(t.meta.pricing.plan());
        let listed: Option<Vec<SeatIndex>> = requests
            .iter()
            .map(|r| match &r.seats {
                SeatSelection::Seats(list) => {
                    Some(list.as_slice().iter().filter_map(|id| plan.index_of(*id)))
                }
                // Best available, or a selection this adapter does not
                // know: load every seat and let the core choose.
                _ => None,
            })
            .collect::<Option<Vec<_>>>()
            .map(|lists| lists.into_iter().flatten().collect());
        let mut seating = t.seating(&holders, listed.as_deref()).await?;
        let mut loads: HashMap<HolderId, u16> = seating.loads.into_iter().collect();
        let mut decided = Vec::with_capacity(requests.len());
        let mut grants = Vec::new();
        for request in requests {
            let active = loads.get(&request.holder).copied().unwrap_or(0);
            let holdings = &seating.holdings;
            let holding =
                |i: SeatIndex| holdings.get(i.get()).copied().unwrap_or(SeatHolding::Free);
            match choose_seats(&t.meta.pricing, &t.policy, request, active, holding) {
                Ok(seats) => {
                    for seat in &seats {
                        if let Some(slot) = seating.holdings.get_mut(seat.get()) {
                            *slot = SeatHolding::Held(request.holder);
                        }
                    }
                    *loads.entry(request.holder).or_default() += seats.len() as u16;
                    decided.push(Ok(()));
                    grants.push((request.holder, seats));
                }
                Err(refused) => decided.push(Err(refused)),
            }
        }
        let holds = t.create_holds_at_commit(&grants)?;
        for (hold, (_, seats)) in holds.iter().zip(&grants) {
            let seats = t.meta.pricing.seat_ids(seats);
            t.log(Change::Held {
                hold: hold.id,
                seats,
            });
        }
        if seating.complete {
            t.keep_seats(seating.holdings);
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
}
