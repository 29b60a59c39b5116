//! Checkout of a hold (pay or release it) and the booking it becomes, with
//! its tickets.

use leptos::prelude::*;

use crate::refusal::Refusal;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::server::{Backend, backend, failed, parse_id, title_of, visitor};

/// A line of a hold or booking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeatLine {
    /// Seat label.
    pub label: String,
    /// Price, formatted.
    pub price: String,
    /// The ticket (bookings only).
    pub ticket: Option<TicketView>,
}

/// A ticket: its id, its signed code and that code as a QR code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketView {
    /// Ticket id.
    pub id: String,
    /// The signed code a scanner reads.
    pub code: String,
    /// The code as an SVG QR code, rendered on the server.
    pub qr_svg: String,
}

/// The checkout page of a hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckoutData {
    /// The hold's token.
    pub token: String,
    /// The show's id.
    pub show: String,
    /// Event title.
    pub title: String,
    /// The held seats.
    pub seats: Vec<SeatLine>,
    /// Total, formatted.
    pub total: String,
    /// Its countdown and extensions.
    pub time: HoldTime,
}

/// How long a hold still lasts, and whether more time can be asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoldTime {
    /// Seconds left before the hold expires (as shown to the buyer).
    pub seconds_left: i64,
    /// How many more times the buyer may extend it.
    pub extensions_left: u8,
}

#[cfg(feature = "ssr")]
impl HoldTime {
    /// The time of `hold` as of `backend`'s clock.
    fn of(backend: &Backend, hold: &reservation_core::Hold) -> Self {
        let now = backend.engine.clock().now();
        Self {
            seconds_left: (hold.expires_at - now).whole_seconds().max(0),
            extensions_left: hold.extensions_left,
        }
    }
}

/// A hold of this visitor, for checkout.
// The generated argument struct's field `token` is the hold token.
#[allow(missing_docs)]
#[server(prefix = "/_server", endpoint = "checkout_page")]
pub async fn checkout_page(token: String) -> Result<CheckoutData, Refusal> {
    let parsed = hold_token(&token)?;
    let backend = backend()?;
    let hold = backend
        .engine
        .hold_status(&parsed, visitor()?)
        .await
        .map_err(failed)?;
    match hold.state {
        reservation_core::HoldState::Active => {}
        reservation_core::HoldState::Confirmed(booking) => {
            leptos_axum::redirect(&format!("/bookings/{booking}"));
        }
        // A state this page does not know yet cannot be paid here: no
        // payment form for it.
        _ => {
            return Err(Refusal::new(
                409,
                "refused",
                "This hold can no longer be paid.",
            ));
        }
    }
    let title = title_of(&backend, hold.show).await?;
    Ok(CheckoutData {
        token,
        show: hold.show.to_string(),
        title,
        seats: hold
            .seats
            .iter()
            .map(|s| SeatLine {
                label: s.label.to_string(),
                price: s.price.to_string(),
                ticket: None,
            })
            .collect(),
        total: hold.total.to_string(),
        time: HoldTime::of(&backend, &hold),
    })
}

/// More time on a hold, as the policy allows (WCAG 2.2.1): the new
/// countdown.
// The generated argument struct's field `token` is the hold token.
#[allow(missing_docs)]
#[server(prefix = "/_server", endpoint = "extend_hold")]
pub async fn extend_hold(token: String) -> Result<HoldTime, Refusal> {
    let backend = backend()?;
    let hold = backend
        .engine
        .extend_hold(&hold_token(&token)?, visitor()?)
        .await
        .map_err(failed)?;
    Ok(HoldTime::of(&backend, &hold))
}

/// Pays for a hold with a card and goes to the booking.
// The generated argument struct's fields are the hold token and the card number.
#[allow(missing_docs)]
#[server(prefix = "/_server", endpoint = "pay")]
pub async fn pay(token: String, card: String) -> Result<(), Refusal> {
    let card = reservation_core::payment::CardNumber::parse(&card).map_err(failed)?;
    let booking = backend()?
        .engine
        .confirm(&hold_token(&token)?, visitor()?, card)
        .await
        .map_err(failed)?;
    leptos_axum::redirect(&format!("/bookings/{}", booking.id));
    Ok(())
}

/// Releases a hold and goes back to the show.
// The generated argument struct's field `token` is the hold token.
#[allow(missing_docs)]
#[server(prefix = "/_server", endpoint = "release_hold")]
pub async fn release_hold(token: String) -> Result<(), Refusal> {
    let parsed = hold_token(&token)?;
    backend()?
        .engine
        .release(&parsed, visitor()?)
        .await
        .map_err(failed)?;
    leptos_axum::redirect(&format!("/shows/{}", parsed.show()));
    Ok(())
}

/// A booking of this visitor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BookingData {
    /// Booking id.
    pub id: String,
    /// Event title.
    pub title: String,
    /// Tickets.
    pub tickets: Vec<SeatLine>,
    /// Total paid, formatted.
    pub total: String,
    /// Last four digits of the card.
    pub card: String,
    /// Why it is no longer valid, for the buyer (`None`: it is).
    pub cancelled: Option<String>,
}

/// One of this visitor's bookings.
// The generated argument struct's field `id` is the booking id.
#[allow(missing_docs)]
#[server(prefix = "/_server", endpoint = "booking_page")]
pub async fn booking_page(id: String) -> Result<BookingData, Refusal> {
    let booking_id: reservation_core::BookingId = parse_id(&id, "no such booking")?;
    let backend = backend()?;
    let booking = backend
        .engine
        .booking(booking_id, visitor()?)
        .await
        .map_err(failed)?;
    let title = title_of(&backend, booking.show).await?;
    let cancelled = cancellation(&backend, &booking).await?;
    Ok(BookingData {
        id,
        title,
        tickets: booking
            .tickets
            .iter()
            .map(|t| SeatLine {
                label: t.seat.label.to_string(),
                price: t.seat.price.to_string(),
                // A cancelled booking's tickets admit nobody: no codes.
                ticket: cancelled
                    .is_none()
                    .then(|| ticket_view(&backend, booking.show, t.id)),
            })
            .collect(),
        total: booking.total.to_string(),
        card: booking.payment.card_last4.clone(),
        cancelled,
    })
}

/// What a buyer is told about a booking that is no longer valid.
#[cfg(feature = "ssr")]
async fn cancellation(
    backend: &Backend,
    booking: &reservation_core::Booking,
) -> Result<Option<String>, Refusal> {
    use reservation_core::{BookingStatus, CancelCause, SalesState};
    let refund = format!(
        "{} has been refunded to the card ending {}",
        booking.total, booking.payment.card_last4
    );
    Ok(match &booking.status {
        BookingStatus::Confirmed => None,
        BookingStatus::Cancelled {
            reason: CancelCause::ShowCancelled,
            ..
        } => {
            let map = backend
                .engine
                .seat_map(booking.show, None)
                .await
                .map_err(failed)?;
            let why = match &map.sales {
                SalesState::Cancelled { reason, .. } => format!(" ({reason})"),
                _ => String::new(),
            };
            Some(format!("The show was cancelled{why}. {refund}."))
        }
        BookingStatus::Cancelled { .. } => Some(format!("You cancelled this booking. {refund}.")),
        _ => Some("This booking is no longer valid.".to_owned()),
    })
}

/// A ticket of `show` with its signed code, drawn as a QR code.
#[cfg(feature = "ssr")]
fn ticket_view(
    backend: &Backend,
    show: reservation_core::ShowId,
    ticket: reservation_core::TicketId,
) -> TicketView {
    let code = backend.tickets.sign(show, ticket);
    // A 64-character code always fits a QR code; an empty image would only
    // mean a bug in the encoder, and the code is printed beside it anyway.
    let qr_svg = qrcode::QrCode::new(code.as_bytes())
        .map(|qr| {
            qr.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(160, 160)
                .quiet_zone(true)
                .build()
        })
        .unwrap_or_default();
    // An XML declaration means nothing inside HTML.
    let qr_svg = match qr_svg.find("<svg") {
        Some(start) => qr_svg[start..].to_owned(),
        None => qr_svg,
    };
    TicketView {
        id: ticket.to_string(),
        code,
        qr_svg,
    }
}

/// A hold token from a page's URL; a malformed one is reported like one
/// that is gone.
#[cfg(feature = "ssr")]
fn hold_token(text: &str) -> Result<reservation_core::HoldToken, Refusal> {
    text.parse()
        .map_err(|_| Refusal::new(404, "unknown_hold", "This hold does not exist (any more)."))
}
