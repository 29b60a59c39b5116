//! "My tickets": this visitor's bookings, the holds they can still pay for
//! and their waits in line, so closing a tab never loses a ticket.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::refusal::Refusal;

#[cfg(feature = "ssr")]
use super::server::{Backend, backend, failed, visitor};

/// One line of "My tickets": what, where, when, how it stands, and a link
/// to its own page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketItem {
    /// Event title.
    pub title: String,
    /// Venue name.
    pub venue: String,
    /// When the show starts, on the venue's clocks ("Sat 12 Dec, 19:30 CET").
    pub starts: String,
    /// How it stands, for people ("2 tickets · 18.00 EUR", "4:59 left to pay").
    pub state: String,
    /// Its page: the booking (with the QR codes), checkout, or the wait.
    pub href: String,
    /// Over (a cancelled booking): kept for the record, shown muted.
    pub over: bool,
}

/// Everything on "My tickets", each list newest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TicketsData {
    /// Bookings, confirmed or cancelled.
    pub bookings: Vec<TicketItem>,
    /// Holds still payable.
    pub holds: Vec<TicketItem>,
    /// Waits in line.
    pub waits: Vec<TicketItem>,
}

impl TicketsData {
    /// Whether there is nothing to list.
    pub fn is_empty(&self) -> bool {
        self.bookings.is_empty() && self.holds.is_empty() && self.waits.is_empty()
    }
}

/// This visitor's tickets.
#[server(prefix = "/_server", endpoint = "my_tickets")]
pub async fn my_tickets() -> Result<TicketsData, Refusal> {
    use reservation_core::BookingStatus;
    let backend = backend()?;
    let activity = backend
        .engine
        .holder_activity(visitor()?)
        .await
        .map_err(failed)?;
    let now = backend.engine.clock().now();
    let mut shows = Shows::new(&backend);
    let mut data = TicketsData::default();
    for booking in activity.bookings {
        let over = !matches!(booking.status, BookingStatus::Confirmed);
        let state = if over {
            "Cancelled and refunded".to_owned()
        } else {
            format!(
                "{} · {}",
                super::count(booking.tickets.len(), "ticket"),
                booking.total
            )
        };
        let href = format!("/bookings/{}", booking.id);
        data.bookings
            .push(shows.item(booking.show, state, href, over).await?);
    }
    for hold in activity.holds {
        let left = (hold.expires_at - now).whole_seconds().max(0);
        let state = format!(
            "{} held · {}:{:02} left to pay",
            super::count(hold.seats.len(), "seat"),
            left / 60,
            left % 60
        );
        let href = format!("/checkout/{}", hold.token);
        data.holds
            .push(shows.item(hold.show, state, href, false).await?);
    }
    for in_line in activity.waits {
        let wait = in_line.wait;
        let state = format!(
            "Number {} in line for {}",
            in_line.position,
            super::count(wait.count.get(), "seat")
        );
        let href = format!("/waits/{}", wait.id);
        data.waits
            .push(shows.item(wait.show, state, href, false).await?);
    }
    Ok(data)
}

/// What, where and when of each show, looked up once per page.
#[cfg(feature = "ssr")]
struct Shows<'b> {
    backend: &'b Backend,
    known: std::collections::HashMap<reservation_core::ShowId, (String, String, String)>,
}

#[cfg(feature = "ssr")]
impl<'b> Shows<'b> {
    fn new(backend: &'b Backend) -> Self {
        Self {
            backend,
            known: Default::default(),
        }
    }

    /// The line of something of `show`.
    async fn item(
        &mut self,
        show: reservation_core::ShowId,
        state: String,
        href: String,
        over: bool,
    ) -> Result<TicketItem, Refusal> {
        let (title, venue, starts) = match self.known.get(&show) {
            Some(known) => known.clone(),
            None => {
                let facts = self.facts(show).await?;
                self.known.insert(show, facts.clone());
                facts
            }
        };
        Ok(TicketItem {
            title,
            venue,
            starts,
            state,
            href,
            over,
        })
    }

    async fn facts(
        &self,
        id: reservation_core::ShowId,
    ) -> Result<(String, String, String), Refusal> {
        let catalog = &self.backend.catalog;
        let show = catalog.show(id).await.map_err(failed)?;
        let event = catalog.event(show.event).await.map_err(failed)?;
        let venue = catalog.venue(show.venue).await.map_err(failed)?;
        let starts = super::local_time::short(show.starts_at, &venue.time_zone);
        Ok((event.title, venue.name, starts))
    }
}
