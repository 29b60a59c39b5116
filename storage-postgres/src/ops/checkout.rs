//! Checkout: the hold's state before paying (recording the payment attempt
//! in `checkouts`), and the booking made once the payment is taken (at most
//! one per hold), which settles the attempt.

use reservation_core::payment::PaymentReceipt;
use reservation_core::{
    Booking, BookingId, BookingStatus, Change, Checkout, ClosedReason, HoldToken, HolderId,
    ReservationError, Ticket, TicketId,
};
use time::OffsetDateTime;

use crate::PgStore;
use crate::error::Result;
use crate::rows::HoldStage;
use crate::show_tx::{PaidHold, ShowTx, Tally};

pub(super) async fn begin(
    store: &PgStore,
    token: &HoldToken,
    holder: HolderId,
    now: OffsetDateTime,
) -> Result<Checkout, ReservationError> {
    let token = token.clone();
    store
        .on_token_show(&token.clone(), now, move |t| {
            Box::pin(begin_in(t, token.clone(), holder))
        })
        .await
}

async fn begin_in(t: &mut ShowTx, token: HoldToken, holder: HolderId) -> Result<Checkout> {
    t.check_not_cancelled()?;
    let row = t.hold_row(&token, holder).await?;
    match row.stage {
        HoldStage::Expired => Err(ReservationError::HoldExpired.into()),
        HoldStage::Withdrawn => Err(t.closed(ClosedReason::Cancelled).into()),
        HoldStage::Confirmed(booking) => PgStore::booking_in(t, booking)
            .await?
            .map(Checkout::AlreadyBooked)
            .ok_or_else(|| ReservationError::UnknownBooking(booking).into()),
        HoldStage::Active => {
            // Written with the batch's other attempts (`show_tx/kept.rs`).
            t.start_attempt_at_write(row.id);
            Ok(Checkout::Pay(t.hold_view(&row)))
        }
    }
}

pub(super) async fn complete(
    store: &PgStore,
    token: &HoldToken,
    holder: HolderId,
    receipt: &PaymentReceipt,
    now: OffsetDateTime,
) -> Result<Booking, ReservationError> {
    let (token, receipt) = (token.clone(), receipt.clone());
    store
        .on_token_show(&token.clone(), now, move |t| {
            Box::pin(complete_in(t, token.clone(), holder, receipt.clone()))
        })
        .await
}

async fn complete_in(
    t: &mut ShowTx,
    token: HoldToken,
    holder: HolderId,
    receipt: PaymentReceipt,
) -> Result<Booking> {
    t.check_not_cancelled()?;
    let row = t.hold_row(&token, holder).await?;
    match row.stage {
        HoldStage::Expired => return Err(ReservationError::HoldExpired.into()),
        HoldStage::Withdrawn => return Err(t.closed(ClosedReason::Cancelled).into()),
        HoldStage::Confirmed(booking) => {
            return PgStore::booking_in(t, booking)
                .await?
                .ok_or_else(|| ReservationError::UnknownBooking(booking).into());
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
        payment: receipt,
        created_at: t.now,
        status: BookingStatus::Confirmed,
    };
    t.recount(row.seats.len(), Tally::Held, Tally::Booked)?;
    let seats = t.meta.pricing.seat_ids(&row.seats);
    t.log(Change::Booked {
        booking: booking.id,
        hold: row.id,
        seats,
    });
    // Written with the batch's other bookings (`show_tx/kept.rs`).
    t.book_at_write(PaidHold {
        hold: row.id,
        seats: row.seats,
        booking: booking.clone(),
    });
    // Fewer seats can free up now: some waiters may be beyond reach.
    t.drop_unservable().await?;
    Ok(booking)
}
