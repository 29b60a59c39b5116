//! Holding seats from the seat map: the chosen seats or the best ones.
//!
//! Every server function here creates holds, so each carries the
//! `HoldLimit` middleware: the server's rate limit on holds (the backend's
//! `HoldGate`) answers before the function runs, as on the API's hold
//! route.

use leptos::prelude::*;

use crate::refusal::Refusal;

#[cfg(feature = "ssr")]
use super::server::{admission_pass, backend, failed, parse_id, to_the_room, visitor};

/// Holds the chosen seats; returns the hold's token.
// The generated argument struct's fields are the show and seat ids.
#[allow(missing_docs)]
#[server(prefix = "/_server", endpoint = "hold_seats")]
#[middleware(super::server::HoldLimit)]
pub async fn hold_seats(show: String, seats: Vec<String>) -> Result<String, Refusal> {
    let show: reservation_core::ShowId = parse_id(&show, "no such show")?;
    let seats = seats
        .iter()
        .map(|s| parse_id(s, "no such seat"))
        .collect::<Result<Vec<reservation_core::SeatId>, _>>()?;
    let seats = reservation_core::SeatList::new(seats).map_err(failed)?;
    hold(show, reservation_core::SeatSelection::Seats(seats)).await
}

/// Holds the best `count` seats; returns the hold's token.
// The generated argument struct's fields are the show id and the count.
#[allow(missing_docs)]
#[server(prefix = "/_server", endpoint = "hold_best")]
#[middleware(super::server::HoldLimit)]
pub async fn hold_best(show: String, count: u8) -> Result<String, Refusal> {
    let show: reservation_core::ShowId = parse_id(&show, "no such show")?;
    let count = reservation_core::SeatCount::new(u64::from(count)).map_err(failed)?;
    let seats = reservation_core::SeatSelection::BestAvailable {
        count,
        filter: reservation_core::SeatFilter::default(),
    };
    hold(show, seats).await
}

/// Holds `seats` of `show` for this visitor (with the admission pass the
/// request shows); returns the hold's token.
#[cfg(feature = "ssr")]
async fn hold(
    show: reservation_core::ShowId,
    seats: reservation_core::SeatSelection,
) -> Result<String, Refusal> {
    let request = reservation_core::HoldRequest::new(show, visitor()?, seats);
    Ok(backend()?
        .engine
        .hold_admitted(&request, admission_pass().as_deref())
        .await
        .map_err(|e| to_the_room(e, show))?
        .token
        .to_string())
}
