//! Writes a batch of operations (`show_turns`) keeps to make together, one
//! statement for all rather than one each: the payment attempts started
//! (`checkouts` rows), then the bookings made from paid holds.
//!
//! Until written they are invisible to the database, so whatever reads or
//! changes the rows they touch writes them first: [`ShowTx::write_kept`]
//! runs before seats or bookings are read, before a release, and before the
//! commit, and [`ShowTx::hold_row`] runs it when the hold it read has a
//! booking kept. Attempts go first, so a hold paid in the batch it was
//! begun in finds its attempt to settle.

use std::sync::LazyLock;

use reservation_core::catalog::SeatIndex;
use reservation_core::{Booking, HoldId};
use uuid::Uuid;

use super::ShowTx;
use crate::error::Result;
use crate::keys::show_keys;
use crate::rows::{BOOKED, CONFIRMED};

/// Payment attempts for holds, from their deadlines.
static START_ATTEMPTS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO checkouts (show_id, hold_id, free_at, started_at)
         SELECT show_id, id, free_at, $3 FROM {holds} JOIN holds USING (show_id, id)
         ON CONFLICT (show_id, hold_id) DO NOTHING",
        holds = show_keys("$2::uuid[]", &[], "k(show_id, id)")
    )
});

/// A booking to write, with the hold it books and the seats of its
/// tickets, in order.
pub(crate) struct PaidHold {
    pub(crate) hold: HoldId,
    pub(crate) seats: Vec<SeatIndex>,
    pub(crate) booking: Booking,
}

/// The payments, bookings and tickets, the seats booked, and the holds and
/// their payment attempts settled. Tickets come flattened with their
/// booking; a booking's seats are its tickets' in order.
static WRITE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH b AS (
             SELECT * FROM {bookings}
         ),
         t AS (
             SELECT * FROM unnest($7::uuid[], $8::uuid[], $9::int4[], $10::uuid[])
                 WITH ORDINALITY AS t(id, booking, seat, holder, n)
         ),
         paid AS (
             INSERT INTO payments (show_id, hold_id, receipt, created_at)
             SELECT $1, hold, receipt, $11 FROM b
             ON CONFLICT (show_id, hold_id) DO NOTHING
         ),
         booked AS (
             INSERT INTO bookings (show_id, id, holder, hold_id, seat_indexes, doc)
             SELECT $1, b.id, b.holder, b.hold,
                    (SELECT array_agg(t.seat ORDER BY t.n) FROM t WHERE t.booking = b.id), b.doc
             FROM b
         ),
         ticketed AS (
             INSERT INTO tickets (show_id, id, booking_id, seat_index)
             SELECT $1, id, booking, seat FROM t
         ),
         settled AS (
             UPDATE checkouts SET settled_at = $11 FROM b
             WHERE (checkouts.show_id, checkouts.hold_id) = (b.show_id, b.hold)
                 AND settled_at IS NULL
         ),
         seated AS (
             UPDATE seats SET status = {BOOKED}, holder = t.holder FROM {tickets}
             WHERE (seats.show_id, seats.seat_index) = (t.show_id, t.seat_index)
         )
         UPDATE holds SET state = {CONFIRMED}, booking_id = b.id
         FROM b WHERE (holds.show_id, holds.id) = (b.show_id, b.hold)",
        bookings = show_keys(
            "$2::uuid[]",
            &["$3::uuid[]", "$4::uuid[]", "$5::jsonb[]", "$6::jsonb[]"],
            "b(show_id, hold, id, holder, receipt, doc)"
        ),
        tickets = show_keys(
            "$9::int4[]",
            &["$10::uuid[]"],
            "t(show_id, seat_index, holder)"
        ),
    )
});

impl ShowTx {
    /// Keeps a payment attempt for the active `hold` for
    /// [`write_kept`](Self::write_kept): it is written before the
    /// transaction commits, so before any charge.
    pub(crate) fn start_attempt_at_write(&mut self, hold: HoldId) {
        self.attempts.push(hold);
    }

    /// Keeps `paid` for [`write_kept`](Self::write_kept); the caller has
    /// counted and logged it.
    pub(crate) fn book_at_write(&mut self, paid: PaidHold) {
        self.paid.push(paid);
    }

    /// Whether `hold` is booked but not yet written.
    pub(crate) fn is_unwritten_booking(&self, hold: HoldId) -> bool {
        self.paid.iter().any(|paid| paid.hold == hold)
    }

    /// Writes the attempts and bookings kept, in that order.
    pub(crate) async fn write_kept(&mut self) -> Result<()> {
        if !self.attempts.is_empty() {
            let holds: Vec<Uuid> = self.attempts.drain(..).map(|h| h.as_uuid()).collect();
            sqlx::query(&START_ATTEMPTS)
                .bind(self.uuid())
                .bind(&holds)
                .bind(self.now)
                .execute(&mut *self.tx)
                .await?;
        }
        if self.paid.is_empty() {
            return Ok(());
        }
        let paid = std::mem::take(&mut self.paid);
        let (mut ticket_ids, mut ticket_bookings, mut seats, mut seat_holders) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for PaidHold {
            booking,
            seats: indexes,
            ..
        } in &paid
        {
            for (ticket, index) in booking.tickets.iter().zip(indexes) {
                ticket_ids.push(ticket.id.as_uuid());
                ticket_bookings.push(booking.id.as_uuid());
                seats.push(index.0 as i32);
                seat_holders.push(booking.holder.as_uuid());
            }
        }
        let column = |f: fn(&PaidHold) -> Uuid| paid.iter().map(f).collect::<Vec<_>>();
        let receipts: Vec<_> = paid
            .iter()
            .map(|p| sqlx::types::Json(&p.booking.payment))
            .collect();
        let docs: Vec<_> = paid.iter().map(|p| sqlx::types::Json(&p.booking)).collect();
        sqlx::query(&WRITE)
            .bind(self.uuid())
            .bind(column(|p| p.hold.as_uuid()))
            .bind(column(|p| p.booking.id.as_uuid()))
            .bind(column(|p| p.booking.holder.as_uuid()))
            .bind(&receipts)
            .bind(&docs)
            .bind(&ticket_ids)
            .bind(&ticket_bookings)
            .bind(&seats)
            .bind(&seat_holders)
            .bind(self.now)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }
}
