//! Ticket codes: bookings carry one signed code per ticket, and a door
//! scanner checks a code here.

use axum::Json;
use axum::extract::State;
use reservation_core::ticket_code::{TicketSigner, VerifiedTicket};
use reservation_core::{Booking, ShowId, TicketId};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::state::AppState;

/// A booking with the signed code of each ticket (what its QR code carries).
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct SignedBooking {
    #[serde(flatten)]
    booking: Booking,
    /// One code per ticket, in the order of `tickets`.
    ticket_codes: Vec<String>,
}

impl SignedBooking {
    pub(crate) fn new(booking: Booking, signer: &TicketSigner) -> Self {
        let ticket_codes = booking
            .tickets
            .iter()
            .map(|t| signer.sign(booking.show, t.id))
            .collect();
        Self {
            booking,
            ticket_codes,
        }
    }
}

/// A code read off a ticket.
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct TicketCode {
    code: String,
}

/// What a genuine code names.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct GenuineTicket {
    show: ShowId,
    ticket: TicketId,
}

/// Checks a ticket code's signature: genuine codes name their show and
/// ticket; forged or altered ones are refused.
#[utoipa::path(post, operation_id = "verify_ticket",
    path = "/api/v1/tickets/verify", tag = "holds", request_body = TicketCode, responses((status = 200, body = GenuineTicket), (status = 422, description = "Malformed, forged or altered", body = crate::error::Body)))]
pub(crate) async fn verify(
    State(state): State<AppState>,
    ApiJson(TicketCode { code }): ApiJson<TicketCode>,
) -> Result<Json<GenuineTicket>, ApiError> {
    let VerifiedTicket { show, ticket } = state.tickets.verify(&code)?;
    Ok(Json(GenuineTicket { show, ticket }))
}
