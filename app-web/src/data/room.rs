//! A show's on-sale waiting room: joining it, the visitor's place, leaving.

use leptos::prelude::*;

use crate::refusal::Refusal;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::server::{admission_pass, backend, failed, parse_id, visitor};

/// A visitor's place in a show's waiting room, for its page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoomPageData {
    /// The show's id.
    pub show: String,
    /// Event title.
    pub title: String,
    /// Venue and hall.
    pub place: String,
    /// Start, formatted.
    pub starts: String,
    /// Where the sale stands.
    pub phase: SalePhase,
    /// Why nobody is let in, when the organizer paused or cancelled the
    /// show's sales (or it started).
    pub closed: Option<String>,
    /// Where this visitor stands.
    pub standing: StandingView,
    /// When the sale opens (or, before the lobby opens, the lobby), on the
    /// venue's clocks: "19:30:00 CET".
    pub opens: String,
    /// Place in line, 1 for the next (queued only).
    pub position: Option<u64>,
    /// People ahead (queued only).
    pub ahead: Option<u64>,
    /// When admission is likely, such as "in 2 to 5 minutes" (when known).
    pub eta: Option<String>,
    /// Visitors waiting in the lobby or the queue.
    pub waiting: u64,
    /// Seats free now.
    pub seats_free: u32,
    /// Seats held by shoppers now.
    pub seats_held: u32,
    /// Admitted: the seats are open to this visitor.
    pub admitted: bool,
    /// The show's event sequence, to follow the line's moves from (0 when
    /// not asked for).
    pub seq: u64,
}

/// Where a show's sale stands, as its waiting room page tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SalePhase {
    /// The lobby opens later.
    NotOpen,
    /// Visitors gather; the sale has not opened.
    Lobby,
    /// The line is admitted in order.
    Selling,
    /// Every free seat is held by shoppers; the line waits in order.
    AllHeld,
    /// Every seat is booked.
    SoldOut,
    /// No room (or not any more): the seats are on sale directly.
    Closed,
}

impl SalePhase {
    /// Its name, as the page's `data-phase` attribute (and the style
    /// sheet) spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotOpen => "not_open",
            Self::Lobby => "lobby",
            Self::Selling => "selling",
            Self::AllHeld => "all_held",
            Self::SoldOut => "sold_out",
            Self::Closed => "closed",
        }
    }
}

/// Where a visitor stands in a waiting room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StandingView {
    /// In the lobby, before the draw.
    Lobby,
    /// In line, at [`RoomPageData::position`].
    Queued,
    /// Admitted to the seats.
    Admitted,
    /// Not in line (gone, dropped, or there is no room).
    NotInLine,
}

impl RoomPageData {
    /// What a screen reader hears when it changes: the phase and the place,
    /// nothing that moves on every tick.
    pub fn headline(&self) -> String {
        if let Some(closed) = &self.closed {
            return match (self.phase, self.position) {
                (SalePhase::Closed, _) => closed.clone(),
                (_, Some(position)) => {
                    format!("{closed} You keep your place: number {position} in line.")
                }
                (_, None) => format!("{closed} You keep your place in line."),
            };
        }
        match (self.phase, self.position) {
            (SalePhase::NotOpen, _) => format!("The waiting room opens at {}.", self.opens),
            (SalePhase::Closed, _) => "This show has no waiting room now: its seats are on sale.".into(),
            (SalePhase::SoldOut, _) => "Sold out: every seat is booked. The line keeps its order in case bookings are cancelled.".into(),
            (_, _) if self.admitted => "It's your turn: taking you to the seats.".into(),
            (SalePhase::Lobby, _) => format!(
                "You are in the lobby. The sale opens at {}; then everyone here gets a random place in line.",
                self.opens
            ),
            (SalePhase::AllHeld, Some(position)) => format!(
                "You are number {position} in line. All seats are held right now; the line keeps its order."
            ),
            (SalePhase::Selling, Some(1)) => "You are number 1 in line: you are next.".into(),
            (SalePhase::Selling, Some(position)) => format!("You are number {position} in line."),
            (SalePhase::Selling | SalePhase::AllHeld, None) => "You are in line.".into(),
        }
    }
}

/// Joins `show`'s waiting room (or returns the live place; a check-in
/// either way). When admitted, sets the pass cookie and redirects to the
/// seats; without a room on, the answer says so ([`SalePhase::Closed`]). `follow`: also
/// read the show's event sequence, to follow its stream from (a page's
/// first read; the check-ins that follow skip it).
// The generated argument struct's fields are the show id and `follow`.
#[allow(missing_docs)]
#[server(prefix = "/_server", endpoint = "room_page")]
pub async fn room_page(show: String, follow: bool) -> Result<RoomPageData, Refusal> {
    use super::local_time;
    use reservation_core::waiting_room::{RoomError, RoomPhase, Standing};
    let id: reservation_core::ShowId = parse_id(&show, "no such show")?;
    let backend = backend()?;
    let details = backend.catalog.show(id).await.map_err(failed)?;
    let event = backend.catalog.event(details.event).await.map_err(failed)?;
    let venue = backend.catalog.venue(details.venue).await.map_err(failed)?;
    let hall = backend.catalog.hall(details.hall).await.map_err(failed)?;
    let zone = &venue.time_zone;
    let mut data = RoomPageData {
        show: id.to_string(),
        title: event.title,
        place: format!("{} · {}", venue.name, hall.name()),
        starts: local_time::long(details.starts_at, zone),
        phase: SalePhase::Closed,
        closed: None,
        standing: StandingView::NotInLine,
        opens: String::new(),
        position: None,
        ahead: None,
        eta: None,
        waiting: 0,
        seats_free: 0,
        seats_held: 0,
        admitted: false,
        seq: 0,
    };
    let Some(room) = backend.engine.waiting_room() else {
        return Ok(data);
    };
    let me = visitor()?;
    let status = match room.join(id, me).await {
        Ok(status) => status,
        Err(RoomError::NoRoom(_)) => return Ok(data),
        Err(RoomError::SalesClosed { reason, .. }) => {
            data.closed = Some(format!("Sales for this show have ended: {reason}."));
            return Ok(data);
        }
        Err(RoomError::LobbyNotOpen { opens_at }) => {
            data.phase = SalePhase::NotOpen;
            data.opens = local_time::clock_seconds(opens_at, zone);
            return Ok(data);
        }
        Err(error) => return Err(failed(error)),
    };
    let now = backend.engine.clock().now();
    let line = status.place.line;
    if follow {
        // Read once per page: the page reloads when the sales change.
        let map = backend.engine.seat_map(id, None).await.map_err(failed)?;
        data.seq = map.seq.0;
        if matches!(map.sales, reservation_core::SalesState::Paused { .. }) {
            data.closed = Some("Sales are paused: nobody is let in until they resume.".to_owned());
        }
    }
    data.phase = match line.phase {
        RoomPhase::Lobby => SalePhase::Lobby,
        RoomPhase::Selling => SalePhase::Selling,
        RoomPhase::AllHeld => SalePhase::AllHeld,
        RoomPhase::SoldOut => SalePhase::SoldOut,
        // Closed, or a phase this page does not know yet: as if there were
        // no room.
        _ => SalePhase::Closed,
    };
    data.opens = local_time::clock_seconds(line.sale_opens_at, zone);
    data.waiting = line.waiting;
    data.seats_free = line.seats_free;
    data.seats_held = line.seats_held;
    data.standing = match status.place.standing {
        Standing::Lobby => StandingView::Lobby,
        Standing::Queued {
            position,
            ahead,
            eta,
        } => {
            data.position = Some(position);
            data.ahead = Some(ahead);
            data.eta = eta.map(|eta| eta_words((eta.earliest - now, eta.latest - now)));
            StandingView::Queued
        }
        Standing::Admitted { .. } => StandingView::Admitted,
        _ => StandingView::NotInLine,
    };
    if let Some(pass) = status.admission {
        data.admitted = true;
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>()
            && let Ok(cookie) = http::HeaderValue::from_str(&crate::admission::set_cookie(
                &pass.token,
                pass.expires_at,
                now,
                super::server::https(),
            ))
        {
            response.append_header(http::header::SET_COOKIE, cookie);
        }
        leptos_axum::redirect(&format!("/shows/{id}"));
    }
    Ok(data)
}

/// An estimate in words, from how far away its two ends are.
#[cfg(feature = "ssr")]
fn eta_words((earliest, latest): (time::Duration, time::Duration)) -> String {
    let minutes = |d: time::Duration| d.whole_seconds().max(0) / 60;
    let unit = |n: i64| if n == 1 { "minute" } else { "minutes" };
    match (minutes(earliest), minutes(latest)) {
        (_, 0) => "in less than a minute".to_owned(),
        (_, b) if b >= 120 => format!("in about {} hours", (b + 30) / 60),
        (0, b) => format!("within {b} {}", unit(b)),
        (a, b) if a == b => format!("in about {b} {}", unit(b)),
        (a, b) => format!("in {a} to {b} minutes"),
    }
}

/// Leaves `show`'s waiting room (or gives up the admission) and goes back
/// to the event's showtimes.
// The generated argument struct's field `show` is the show id.
#[allow(missing_docs)]
#[server(prefix = "/_server", endpoint = "leave_room")]
pub async fn leave_room(show: String) -> Result<(), Refusal> {
    use reservation_core::waiting_room::RoomError;
    let id: reservation_core::ShowId = parse_id(&show, "no such show")?;
    let backend = backend()?;
    let me = visitor()?;
    let event = backend.catalog.show(id).await.map_err(failed)?.event;
    if let Some(room) = backend.engine.waiting_room() {
        match room.leave(id, me).await {
            Ok(()) | Err(RoomError::NotInLine | RoomError::NoRoom(_)) => {}
            Err(error) => return Err(failed(error)),
        }
        let ours = match admission_pass() {
            Some(pass) => room.check(id, me, Some(&pass)).await.is_ok(),
            None => false,
        };
        if ours
            && let Some(response) = use_context::<leptos_axum::ResponseOptions>()
            && let Ok(clear) = http::HeaderValue::from_str(&crate::admission::clear_cookie())
        {
            response.append_header(http::header::SET_COOKIE, clear);
        }
    }
    leptos_axum::redirect(&format!("/events/{event}"));
    Ok(())
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::eta_words;
    use time::Duration;

    #[test]
    fn estimates_read_as_words() {
        let m = Duration::minutes;
        assert_eq!(
            eta_words((Duration::seconds(5), Duration::seconds(50))),
            "in less than a minute"
        );
        assert_eq!(eta_words((Duration::seconds(5), m(1))), "within 1 minute");
        assert_eq!(eta_words((m(0), m(4))), "within 4 minutes");
        assert_eq!(
            eta_words((m(3), m(3) + Duration::seconds(20))),
            "in about 3 minutes"
        );
        assert_eq!(eta_words((m(2), m(7))), "in 2 to 7 minutes");
        assert_eq!(eta_words((m(60), m(150))), "in about 3 hours");
        assert_eq!(eta_words((m(-5), m(-1))), "in less than a minute");
    }
}
