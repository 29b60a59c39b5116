//! Who has which seat, and how many seats each holder holds or waits for.

use std::sync::LazyLock;

use reservation_core::HolderId;
use reservation_core::catalog::SeatIndex;
use reservation_core::waitlist::SeatHolding;
use uuid::Uuid;

use super::{ShowTx, holdings};
use crate::error::{AdapterError, Error, Result, corrupt};
use crate::keys::show_keys;
use crate::rows::{ACTIVE, FREE, LoadOrSeat, LoadOrSeatRow, WAITING};
use crate::seat_cache::{Seats, changes_since, moved_by};

/// Sets seats' status and holder.
static SET_SEATS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "UPDATE seats SET status = $3, holder = $4 FROM {keys}
         WHERE (seats.show_id, seats.seat_index) = (k.show_id, k.seat_index)",
        keys = show_keys("$2::int4[]", &[], "k(show_id, seat_index)")
    )
});

/// One of a show's seat counts.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Tally {
    Available,
    Held,
    Booked,
}

/// Seats each holder holds or waits for, and who has each seat.
pub(crate) struct Seating {
    pub(crate) loads: Vec<(HolderId, u16)>,
    /// By seat index: every seat, or only the ones asked for when
    /// `complete` is false (the others read as free).
    pub(crate) holdings: Vec<SeatHolding>,
    pub(crate) complete: bool,
}

impl ShowTx {
    /// Who has each seat, by seat index.
    pub(crate) async fn holdings(&mut self) -> Result<Vec<SeatHolding>> {
        Ok(self.seating(&[], None).await?.holdings)
    }

    /// The loads of `holders` and who has each seat, from this instance's
    /// copy of the show's seats (`seat_cache`) when it has one not too far
    /// behind: then only the seats moved since are read. Without one, only
    /// the seats in `only` are read when it is given, else all.
    pub(crate) async fn seating(
        &mut self,
        holders: &[HolderId],
        only: Option<&[SeatIndex]>,
    ) -> Result<Seating> {
        if let Some(kept) = self.seat_cache.get(self.id())
            && let Some(moved) = self.moved_since(&kept).await?
        {
            let (loads, taken) = self.loads_and_taken_seats(holders, Some(&moved)).await?;
            let holdings = kept.moved(&moved, taken);
            return Ok(Seating {
                loads,
                holdings,
                complete: true,
            });
        }
        let (loads, taken) = self.loads_and_taken_seats(holders, only).await?;
        Ok(Seating {
            loads,
            holdings: holdings(self.meta.pricing.plan().len(), taken),
            complete: only.is_none(),
        })
    }

    /// The seats moved since `kept` was right: by the events committed
    /// since, and by this transaction so far. `None` when they cannot all
    /// be told.
    async fn moved_since(&mut self, kept: &Seats) -> Result<Option<Vec<SeatIndex>>> {
        let since = if kept.seq == self.last_seq {
            Vec::new()
        } else {
            let show = self.id();
            match changes_since(&mut self.tx, show, kept.seq, self.last_seq).await? {
                Some(changes) => changes,
                None => return Ok(None),
            }
        };
        let moved = moved_by(self.meta.pricing.plan(), since.iter().chain(&self.changes))?;
        Ok(Some(moved))
    }

    /// Moves `n` seats from the `from` count to the `to` count. A count
    /// that would go below zero disagrees with the seats: a storage error
    /// (nothing is kept), never a count wrapped around.
    pub(crate) fn recount(&mut self, n: usize, from: Tally, to: Tally) -> Result<()> {
        let wrong = |what: String| corrupt("show_state", what);
        let n = u32::try_from(n).map_err(|_| wrong(format!("{n} seats moved at once")))?;
        let had = *self.tally(from);
        *self.tally(from) = had
            .checked_sub(n)
            .ok_or_else(|| wrong(format!("{n} seats leave {from:?}, which counts {had}")))?;
        let has = *self.tally(to);
        *self.tally(to) = has
            .checked_add(n)
            .ok_or_else(|| wrong(format!("{n} more {to:?} seats than can be counted")))?;
        Ok(())
    }

    fn tally(&mut self, which: Tally) -> &mut u32 {
        match which {
            Tally::Available => &mut self.counts.available,
            Tally::Held => &mut self.counts.held,
            Tally::Booked => &mut self.counts.booked,
        }
    }

    /// Every seat's holding once the changes logged so far are committed:
    /// the commit keeps it as this instance's copy (`seat_cache`), unless
    /// more changes come first.
    pub(crate) fn keep_seats(&mut self, holdings: Vec<SeatHolding>) {
        self.seats_after = Some((self.changes.len(), holdings));
    }

    /// The failure of a write that found a seat taken that the seats chosen
    /// from had free: the copy is forgotten, and the transaction (rolled
    /// back) may run again.
    pub(crate) fn seats_moved(&self) -> Error {
        self.seat_cache.forget(self.id());
        AdapterError::SeatsMoved.into()
    }

    /// [`loads`](Self::loads) and who has the held or booked seats among
    /// `only` (or among all seats) in one read.
    async fn loads_and_taken_seats(
        &mut self,
        holders: &[HolderId],
        only: Option<&[SeatIndex]>,
    ) -> Result<(Vec<(HolderId, u16)>, Vec<(SeatIndex, SeatHolding)>)> {
        self.expect_written();
        self.write_kept().await?;
        let seats = match only {
            Some(_) => format!(
                "{} JOIN seats USING (show_id, seat_index) WHERE",
                show_keys("$3::int4[]", &[], "k(show_id, seat_index)")
            ),
            None => "seats WHERE show_id = $1 AND".to_owned(),
        };
        let holder_keys = show_keys("$2::uuid[]", &[], "k(show_id, holder)");
        // Rows with a seat index are taken seats; the others are loads. The
        // codes are literals: a cached plan can then use the partial
        // indexes (`WHERE state = 0`).
        let query = format!(
            "SELECT holder, sum(seats)::int8 AS load, NULL::int4 AS seat_index, NULL::int2 AS status
             FROM (
                 SELECT holder, cardinality(seat_indexes) AS seats
                 FROM {holder_keys} JOIN holds USING (show_id, holder) WHERE state = {ACTIVE}
                 UNION ALL
                 SELECT holder, seat_count
                 FROM {holder_keys} JOIN waits USING (show_id, holder) WHERE state = {WAITING}
             ) AS held GROUP BY holder
             UNION ALL
             SELECT holder, NULL, seat_index, status FROM {seats} status <> {FREE}"
        );
        // Each holder once: a holder listed twice would count twice.
        let mut holders: Vec<Uuid> = holders.iter().map(|h| h.as_uuid()).collect();
        holders.sort_unstable();
        holders.dedup();
        let mut query = sqlx::query_as(&query).bind(self.uuid()).bind(&holders);
        if let Some(seats) = only {
            query = query.bind(seats.iter().map(|s| s.0 as i32).collect::<Vec<_>>());
        }
        let rows: Vec<LoadOrSeatRow> = query.fetch_all(&mut *self.tx).await?;
        let seats = self.meta.pricing.plan().len();
        let (mut loads, mut taken) = (Vec::new(), Vec::new());
        for row in rows {
            match row.read(seats)? {
                LoadOrSeat::Seat(index, holding) => taken.push((index, holding)),
                LoadOrSeat::Load(holder, load) => loads.push((holder, load)),
            }
        }
        Ok((loads, taken))
    }

    /// Seats `holder` holds or waits for in this show.
    pub(crate) async fn load(&mut self, holder: HolderId) -> Result<u16> {
        let loads = self.loads(&[holder]).await?;
        Ok(loads.first().map_or(0, |(_, load)| *load))
    }

    /// Seats each of `holders` holds or waits for in this show (holders
    /// with none are left out).
    pub(crate) async fn loads(&mut self, holders: &[HolderId]) -> Result<Vec<(HolderId, u16)>> {
        Ok(self.loads_and_taken_seats(holders, Some(&[])).await?.0)
    }

    pub(crate) async fn set_seats(
        &mut self,
        seats: &[SeatIndex],
        status: i16,
        holder: Option<HolderId>,
    ) -> Result<()> {
        let indexes: Vec<i32> = seats.iter().map(|s| s.0 as i32).collect();
        sqlx::query(&SET_SEATS)
            .bind(self.uuid())
            .bind(&indexes)
            .bind(status)
            .bind(holder.map(|h| h.as_uuid()))
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }
}
