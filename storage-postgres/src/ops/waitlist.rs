//! The waitlist: joining the line, a wait's status (place, estimate, or the
//! hold offered), leaving it.

use reservation_core::waitlist::admission;
use reservation_core::{
    Change, HoldToken, HolderId, ReservationError, Wait, WaitEnd, WaitId, WaitRequest, WaitStatus,
};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::PgStore;
use crate::error::{Error, Result, unsigned};
use crate::rows::{
    ACTIVE, ENDED, FreeingRow, HoldStage, WAITING, WaitRecord, WaitRow, WaitStage, position,
};
use crate::show_tx::ShowTx;

pub(super) async fn join(
    store: &PgStore,
    request: &WaitRequest,
    now: OffsetDateTime,
) -> Result<Wait, ReservationError> {
    store
        .retrying(|| async {
            let mut t = store.begin(request.show, now).await?;
            let outcome = async {
                t.check_on_sale()?;
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
                    expires_at: (t.now + t.policy.max_wait).min(t.starts_at),
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

pub(super) async fn status(
    store: &PgStore,
    wait: WaitId,
    holder: HolderId,
    now: OffsetDateTime,
) -> Result<WaitStatus, ReservationError> {
    store.retrying(|| async {
        let mut t = store.wait_tx(wait, now).await?;
        let outcome = async {
            let row = wait_row(&mut t, wait, holder).await?;
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
                        position: position(ahead),
                        estimated_offer_at: estimate(&mut t, row.line_order).await?,
                    }
                }
                WaitStage::Offered(secret) => {
                    let token = HoldToken::from_parts(t.id(), secret);
                    match t.hold_row(&token, holder).await {
                        Ok(hold) if hold.stage == HoldStage::Expired => WaitStatus::Ended {
                            reason: WaitEnd::Expired,
                        },
                        Ok(hold) if hold.stage == HoldStage::Withdrawn => WaitStatus::Ended {
                            reason: WaitEnd::ShowCancelled,
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

pub(super) async fn cancel(
    store: &PgStore,
    wait: WaitId,
    holder: HolderId,
    now: OffsetDateTime,
) -> Result<(), ReservationError> {
    store.retrying(|| async {
        let mut t = store.wait_tx(wait, now).await?;
        let outcome = async {
            let row = wait_row(&mut t, wait, holder).await?;
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
    let missing =
        unsigned(needed, "waits", "seats wanted")?.saturating_sub(u64::from(t.counts.available));
    let freeing: Vec<FreeingRow> = sqlx::query_as(
        // Offers to waiters are usually paid: they do not count as freeing.
        "SELECT free_at, cardinality(seat_indexes) AS n FROM holds h
         WHERE show_id = $1 AND state = $2
           AND NOT EXISTS (SELECT 1 FROM waits w WHERE w.show_id = $1 AND w.offered_secret = h.secret)
         ORDER BY free_at",
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
