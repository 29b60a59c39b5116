//! Settling a show, the first thing each of its transactions does: holds
//! past their `free_at` are freed and waits past their limit end, and the
//! freed seats go to the waitlist in join order before anyone else sees them.

use reservation_core::waitlist::{SeatHolding, Waiter, beyond_reach, serve_in_order};
use reservation_core::{Change, HoldId, SeatId, WaitEnd, WaitId};
use uuid::Uuid;

use super::{ShowTx, Tally};
use crate::error::Result;
use crate::rows::{
    ACTIVE, ENDED, EXPIRED, EndedWait, ExpiredHold, FREE, OFFERED, WAITING, WaiterRow, seat_indexes,
};

impl ShowTx {
    /// Frees holds past `free_at`, ends waits past `expires_at`, serves the waitlist.
    pub(super) async fn settle(&mut self) -> Result<()> {
        let expired: Vec<ExpiredHold> = sqlx::query_as(&format!(
            "UPDATE holds SET state = {EXPIRED} WHERE show_id = $1 AND state = {ACTIVE} AND free_at <= $2
             RETURNING id, seat_indexes, free_at"
        ))
        .bind(self.uuid())
        .bind(self.now)
        .fetch_all(&mut *self.tx)
        .await?;
        let expired = self
            .free_ended_holds(expired, |hold, seats| Change::Expired { hold, seats })
            .await?;
        let mut waits: Vec<EndedWait> = sqlx::query_as(&format!(
            "UPDATE waits SET state = {ENDED}, end_reason = 'expired'
             WHERE show_id = $1 AND state = {WAITING} AND expires_at <= $2
             RETURNING id, line_order"
        ))
        .bind(self.uuid())
        .bind(self.now)
        .fetch_all(&mut *self.tx)
        .await?;
        waits.sort_by_key(|w| (w.line_order, w.id));
        for EndedWait { id, .. } in &waits {
            self.log(Change::WaitEnded {
                wait: WaitId::from_uuid(*id),
                reason: WaitEnd::Expired,
            });
        }
        self.ended += expired + waits.len();
        self.due_recompute = true;
        if expired > 0 || !waits.is_empty() {
            self.serve_waitlist().await?;
        }
        Ok(())
    }

    /// Frees the seats of `holds`, just ended, in the order they were due,
    /// logging `change` for each; returns how many there were.
    pub(super) async fn free_ended_holds(
        &mut self,
        mut holds: Vec<ExpiredHold>,
        change: fn(HoldId, Vec<SeatId>) -> Change,
    ) -> Result<usize> {
        holds.sort_by_key(|hold| (hold.free_at, hold.id));
        for ExpiredHold {
            id,
            seat_indexes: seats,
            ..
        } in &holds
        {
            let seats = seat_indexes(seats, self.meta.pricing.plan().len(), "holds")?;
            self.set_seats(&seats, FREE, None).await?;
            self.recount(seats.len(), Tally::Held, Tally::Available)?;
            let seats = self.meta.pricing.seat_ids(&seats);
            self.log(change(HoldId::from_uuid(*id), seats));
        }
        Ok(holds.len())
    }

    /// The waits in line, in join order.
    pub(super) async fn waiters(&mut self) -> Result<Vec<Waiter>> {
        if self.no_waiters {
            return Ok(Vec::new());
        }
        let rows: Vec<WaiterRow> = sqlx::query_as(&format!(
            "SELECT id, holder, seat_count, category_index FROM waits
             WHERE show_id = $1 AND state = {WAITING} ORDER BY line_order"
        ))
        .bind(self.uuid())
        .fetch_all(&mut *self.tx)
        .await?;
        self.no_waiters = rows.is_empty();
        rows.into_iter().map(Waiter::try_from).collect()
    }

    /// The FCFS policy: freed seats to waiters in join order, then drop the
    /// waiters beyond reach. Runs in the transaction that freed the seats.
    /// While sales are paused waiters keep their place and freed seats
    /// stay free.
    pub(crate) async fn serve_waitlist(&mut self) -> Result<()> {
        if !self.sales.is_on_sale() {
            return Ok(());
        }
        let waiters = self.waiters().await?;
        if waiters.is_empty() {
            return Ok(());
        }
        let holdings = self.holdings().await?;
        let mut free: Vec<bool> = holdings.iter().map(|s| *s == SeatHolding::Free).collect();
        let served = serve_in_order(self.meta.pricing.plan(), &mut free, &waiters);
        for (wait, seats) in &served {
            let Some(waiter) = waiters.iter().find(|w| w.id == *wait) else {
                continue;
            };
            let hold = self.create_hold(waiter.holder, seats).await?;
            sqlx::query(
                "UPDATE waits SET state = $3, offered_secret = $4 WHERE show_id = $1 AND id = $2",
            )
            .bind(self.uuid())
            .bind(wait.as_uuid())
            .bind(OFFERED)
            .bind(&hold.token.secret()[..])
            .execute(&mut *self.tx)
            .await?;
            let seats = self.meta.pricing.seat_ids(seats);
            self.log(Change::Offered {
                wait: *wait,
                hold: hold.id,
                seats,
            });
        }
        if served.is_empty() {
            self.drop_beyond_reach(&waiters, &holdings).await
        } else {
            self.drop_unservable().await
        }
    }

    /// Ends the waits that can no longer be served (step 4 of the policy).
    pub(crate) async fn drop_unservable(&mut self) -> Result<()> {
        let waiters = self.waiters().await?;
        if waiters.is_empty() {
            return Ok(());
        }
        let holdings = self.holdings().await?;
        self.drop_beyond_reach(&waiters, &holdings).await
    }

    pub(super) async fn drop_beyond_reach(
        &mut self,
        waiters: &[Waiter],
        holdings: &[SeatHolding],
    ) -> Result<()> {
        let doomed = beyond_reach(self.meta.pricing.plan(), holdings, waiters);
        if doomed.is_empty() {
            return Ok(());
        }
        let ids: Vec<Uuid> = doomed.iter().map(WaitId::as_uuid).collect();
        sqlx::query("UPDATE waits SET state = $3, end_reason = 'sold_out' WHERE show_id = $1 AND id = ANY($2)")
            .bind(self.uuid())
            .bind(&ids)
            .bind(ENDED)
            .execute(&mut *self.tx)
            .await?;
        for wait in doomed {
            self.log(Change::WaitEnded {
                wait,
                reason: WaitEnd::SoldOut,
            });
        }
        self.due_recompute = true;
        Ok(())
    }
}
