//! Who has which seat, and how many seats each holder holds or waits for.

use reservation_core::HolderId;
use reservation_core::catalog::SeatIndex;
use reservation_core::waitlist::SeatHolding;
use uuid::Uuid;

use super::{ShowTx, holdings};
use crate::error::Result;
use crate::rows::{ACTIVE, FREE, LoadOrSeat, LoadOrSeatRow, WAITING};

impl ShowTx {
    /// Who has each seat, by seat index.
    pub(crate) async fn holdings(&mut self) -> Result<Vec<SeatHolding>> {
        let taken = self.taken_seats(None).await?;
        Ok(holdings(self.meta.pricing.plan().len(), taken))
    }

    /// Who has the held or booked seats among `only` (or among all seats):
    /// seats not listed are free.
    pub(crate) async fn taken_seats(
        &mut self,
        only: Option<&[SeatIndex]>,
    ) -> Result<Vec<(SeatIndex, SeatHolding)>> {
        Ok(self.loads_and_taken_seats(&[], only).await?.1)
    }

    /// [`loads`](Self::loads) and [`taken_seats`](Self::taken_seats) in one
    /// read: what deciding holds needs.
    pub(crate) async fn loads_and_taken_seats(
        &mut self,
        holders: &[HolderId],
        only: Option<&[SeatIndex]>,
    ) -> Result<(Vec<(HolderId, u16)>, Vec<(SeatIndex, SeatHolding)>)> {
        self.expect_written();
        self.write_kept().await?;
        let seat_filter = match only {
            Some(_) => "AND seat_index = ANY($3)",
            None => "",
        };
        // Rows with a seat index are taken seats; the others are loads. The
        // codes are literals: a cached plan can then use the partial
        // indexes (`WHERE state = 0`).
        let query = format!(
            "SELECT holder, sum(seats)::int8 AS load, NULL::int4 AS seat_index, NULL::int2 AS status
             FROM (
                 SELECT holder, cardinality(seat_indexes) AS seats FROM holds
                 WHERE show_id = $1 AND holder = ANY($2) AND state = {ACTIVE}
                 UNION ALL
                 SELECT holder, seat_count FROM waits
                 WHERE show_id = $1 AND holder = ANY($2) AND state = {WAITING}
             ) AS held GROUP BY holder
             UNION ALL
             SELECT holder, NULL, seat_index, status FROM seats
             WHERE show_id = $1 AND status <> {FREE} {seat_filter}"
        );
        let holders: Vec<Uuid> = holders.iter().map(|h| h.as_uuid()).collect();
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
        sqlx::query(
            "UPDATE seats SET status = $3, holder = $4 WHERE show_id = $1 AND seat_index = ANY($2)",
        )
        .bind(self.uuid())
        .bind(&indexes)
        .bind(status)
        .bind(holder.map(|h| h.as_uuid()))
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }
}
