//! The session's own tickets: its bookings, the holds it can still pay for
//! and its waits in line, each with its show and links back to it, so a
//! buyer who closed the booking tab gets back to their tickets.

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use reservation_core::{Hold, HolderActivity, ShowId, WaitInLine};
use serde::Serialize;

use super::tickets::SignedBooking;
use super::zoned::ZonedShow;
use crate::error::ApiError;
use crate::session::Session;
use crate::state::AppState;

/// What a list item's show is to a buyer: what plays, where and when (on
/// the venue's clocks).
#[derive(Clone, Serialize, utoipa::ToSchema)]
pub(crate) struct ShowSummary {
    #[serde(flatten)]
    show: ZonedShow,
    /// The event's title.
    event_title: String,
    /// The venue's name.
    venue_name: String,
}

/// Where an item lives: in the API, and as a page for people.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct Links {
    /// The item in the API (a hold is paid at this URL + `/confirm`).
    #[schema(example = "/api/v1/bookings/0b8a3c2e-1f4d-4f6e-9a51-2d3c4b5a6f70")]
    api: String,
    /// Its page: a booking's tickets with their QR codes, a hold's
    /// checkout, a wait's place in line.
    #[schema(example = "/bookings/0b8a3c2e-1f4d-4f6e-9a51-2d3c4b5a6f70")]
    page: String,
}

/// A booking, confirmed or cancelled, with its ticket codes.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct BookingItem {
    booking: SignedBooking,
    show: ShowSummary,
    links: Links,
}

/// A hold that can still be paid, with its token.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct HoldItem {
    hold: Hold,
    show: ShowSummary,
    links: Links,
}

/// A wait still in line, with its place.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct WaitItem {
    /// The wait and its `position` (1 for the next served).
    #[serde(flatten)]
    wait: WaitInLine,
    show: ShowSummary,
    links: Links,
}

/// The session's tickets, each list newest first and at most 100 long
/// (older bookings stay at their own URLs).
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct MyTickets {
    bookings: Vec<BookingItem>,
    holds: Vec<HoldItem>,
    waits: Vec<WaitItem>,
}

/// The caller's bookings, payable holds and waits; a new session's lists
/// are empty, and no session sees another's.
#[utoipa::path(get, operation_id = "my_tickets",
    path = "/api/v1/me/tickets", tag = "holds", responses((status = 200, body = MyTickets)))]
pub(crate) async fn tickets(
    State(state): State<AppState>,
    session: Session,
) -> Result<Json<MyTickets>, ApiError> {
    let HolderActivity {
        bookings,
        holds,
        waits,
        ..
    } = state.engine.holder_activity(session.0).await?;
    let mut shows = Shows::new(&state);
    let mut mine = MyTickets {
        bookings: Vec::with_capacity(bookings.len()),
        holds: Vec::with_capacity(holds.len()),
        waits: Vec::with_capacity(waits.len()),
    };
    for booking in bookings {
        let id = booking.id;
        mine.bookings.push(BookingItem {
            show: shows.summary(booking.show).await?,
            booking: SignedBooking::new(booking, &state.tickets),
            links: Links::to(&format!("bookings/{id}")),
        });
    }
    for hold in holds {
        mine.holds.push(HoldItem {
            show: shows.summary(hold.show).await?,
            links: Links {
                api: format!("/api/v1/holds/{}", hold.token),
                page: format!("/checkout/{}", hold.token),
            },
            hold,
        });
    }
    for wait in waits {
        mine.waits.push(WaitItem {
            show: shows.summary(wait.wait.show).await?,
            links: Links::to(&format!("waits/{}", wait.wait.id)),
            wait,
        });
    }
    Ok(Json(mine))
}

impl Links {
    /// The links of an item whose API path and page path agree
    /// (`bookings/{id}`, `waits/{id}`).
    fn to(path: &str) -> Self {
        Self {
            api: format!("/api/v1/{path}"),
            page: format!("/{path}"),
        }
    }
}

/// Shows' summaries, each looked up in the catalog once per answer.
struct Shows<'s> {
    state: &'s AppState,
    known: HashMap<ShowId, ShowSummary>,
}

impl<'s> Shows<'s> {
    fn new(state: &'s AppState) -> Self {
        Self {
            state,
            known: HashMap::new(),
        }
    }

    async fn summary(&mut self, id: ShowId) -> Result<ShowSummary, ApiError> {
        if let Some(known) = self.known.get(&id) {
            return Ok(known.clone());
        }
        let catalog = &self.state.catalog;
        let show = catalog.show(id).await?;
        let event = catalog.event(show.event).await?;
        let venue = catalog.venue(show.venue).await?;
        let summary = ShowSummary {
            show: ZonedShow::new(show, &venue.time_zone),
            event_title: event.title,
            venue_name: venue.name,
        };
        self.known.insert(id, summary.clone());
        Ok(summary)
    }
}
