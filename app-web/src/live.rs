//! Following a show's changes in the browser: the server's Server-Sent
//! Events (`/api/v1/shows/{id}/events`) turned into seat states.

use serde::Deserialize;

use crate::data::SeatState;

/// The newest show-event format these pages read
/// (`reservation_core::events::wire::FORMAT`, which the browser build does
/// not link; a test keeps them equal).
pub const EVENT_FORMAT: u16 = 1;

/// One change as the event stream sends it (the fields pages need).
#[derive(Debug, Deserialize)]
pub struct LiveEvent {
    /// The format of `change`; events from before versions had none.
    #[serde(default = "first_format")]
    pub v: u16,
    /// What happened.
    pub change: LiveChange,
}

const fn first_format() -> u16 {
    1
}

impl LiveEvent {
    /// Whether the server writes a format newer than this page reads: the
    /// server was upgraded under an open page, which should reload.
    pub fn is_newer_than_page(&self) -> bool {
        self.v > EVENT_FORMAT
    }
}

/// What happened to which seats.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveChange {
    /// Held (or offered to a waiter).
    Held {
        /// Seat ids.
        seats: Vec<String>,
    },
    /// Offered to a waiter: held for them.
    Offered {
        /// Seat ids.
        seats: Vec<String>,
    },
    /// Released by the holder.
    Released {
        /// Seat ids.
        seats: Vec<String>,
    },
    /// A hold ran out.
    Expired {
        /// Seat ids.
        seats: Vec<String>,
    },
    /// A booking was cancelled.
    Cancelled {
        /// Seat ids.
        seats: Vec<String>,
    },
    /// Paid for.
    Booked {
        /// Seat ids.
        seats: Vec<String>,
    },
    /// A hold ended by the show's cancellation.
    Withdrawn {
        /// Seat ids.
        seats: Vec<String>,
    },
    /// The show's waiting room moved (a draw, admissions, drops, a new
    /// phase): visitors in line re-read their place.
    Line {},
    /// The organizer paused the show's sales.
    SalesPaused {},
    /// The organizer resumed them.
    SalesResumed {},
    /// The show moved to another start.
    Rescheduled {},
    /// The show was called off.
    ShowCancelled {},
    /// Waitlist bookkeeping: no seat changes.
    #[serde(other)]
    Other,
}

impl LiveChange {
    /// The seats it touches and their new state.
    pub fn seats(&self) -> Option<(&[String], SeatState)> {
        match self {
            Self::Held { seats } | Self::Offered { seats } => Some((seats, SeatState::Held)),
            Self::Released { seats }
            | Self::Expired { seats }
            | Self::Cancelled { seats }
            | Self::Withdrawn { seats } => Some((seats, SeatState::Available)),
            Self::Booked { seats } => Some((seats, SeatState::Booked)),
            _ => None,
        }
    }

    /// Whether the page must be drawn afresh: what is for sale, or when,
    /// changed (the organizer paused, resumed, moved or cancelled the show).
    pub fn changes_the_sale(&self) -> bool {
        matches!(
            self,
            Self::SalesPaused {}
                | Self::SalesResumed {}
                | Self::Rescheduled {}
                | Self::ShowCancelled {}
        )
    }
}

/// Calls `apply` with every change of `show` after `after`, until the page
/// goes away; reloads the page when the server says to resync. `connected`
/// hears whether the stream is open (the browser reconnects by itself,
/// resuming after the last event it saw).
#[cfg(feature = "hydrate")]
pub fn follow(
    show: &str,
    after: u64,
    apply: impl Fn(LiveChange) + 'static,
    connected: impl Fn(bool) + 'static,
) {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;

    let Ok(source) =
        web_sys::EventSource::new(&format!("/api/v1/shows/{show}/events?after={after}"))
    else {
        return;
    };
    let on_change =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |message: web_sys::MessageEvent| {
            let Some(event) = message
                .data()
                .as_string()
                .and_then(|text| serde_json::from_str::<LiveEvent>(&text).ok())
            else {
                return;
            };
            if event.is_newer_than_page() || event.change.changes_the_sale() {
                if let Some(window) = web_sys::window() {
                    let _ = window.location().reload();
                }
            } else {
                apply(event.change);
            }
        });
    let on_resync = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |_| {
        if let Some(window) = web_sys::window() {
            let _ = window.location().reload();
        }
    });
    let connected = std::rc::Rc::new(connected);
    let on_open = {
        let connected = connected.clone();
        Closure::<dyn FnMut(web_sys::Event)>::new(move |_| connected(true))
    };
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| connected(false));
    let _ = source.add_event_listener_with_callback("change", on_change.as_ref().unchecked_ref());
    let _ = source.add_event_listener_with_callback("resync", on_resync.as_ref().unchecked_ref());
    source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    // The listeners live as long as the source; the source closes with the page.
    on_change.forget();
    on_resync.forget();
    on_open.forget();
    on_error.forget();
    let source = send_wrapper::SendWrapper::new(source);
    leptos::prelude::on_cleanup(move || source.close());
}

#[cfg(test)]
mod tests {
    use super::*;
    use reservation_core::{
        BookingId, Change, HoldId, SeatId, Sequence, ShowEvent, ShowId, WaitEnd, WaitId,
    };

    #[test]
    fn pages_read_the_format_the_server_writes() {
        assert_eq!(EVENT_FORMAT, reservation_core::events::wire::FORMAT);
        let event: LiveEvent = serde_json::from_str(
            r#"{"v":2,"show":"x","seq":1,"at":"x","change":{"type":"renamed"}}"#,
        )
        .unwrap();
        assert!(event.is_newer_than_page());
        let event: LiveEvent =
            serde_json::from_str(r#"{"change":{"type":"held","seats":["a"]}}"#).unwrap();
        assert!(!event.is_newer_than_page());
    }

    /// The page understands exactly what the server sends.
    fn parse(change: Change) -> LiveChange {
        let event = ShowEvent::new(
            ShowId::random(),
            Sequence(7),
            time::OffsetDateTime::UNIX_EPOCH,
            change,
        );
        serde_json::from_str::<LiveEvent>(&serde_json::to_string(&event).unwrap())
            .unwrap()
            .change
    }

    #[test]
    fn every_server_change_maps_to_seat_states() {
        let seat = SeatId::random();
        let id = seat.to_string();
        let cases = [
            (
                Change::Held {
                    hold: HoldId::random(),
                    seats: vec![seat],
                },
                Some(SeatState::Held),
            ),
            (
                Change::Offered {
                    wait: WaitId::random(),
                    hold: HoldId::random(),
                    seats: vec![seat],
                },
                Some(SeatState::Held),
            ),
            (
                Change::Released {
                    hold: HoldId::random(),
                    seats: vec![seat],
                },
                Some(SeatState::Available),
            ),
            (
                Change::Expired {
                    hold: HoldId::random(),
                    seats: vec![seat],
                },
                Some(SeatState::Available),
            ),
            (
                Change::Cancelled {
                    booking: BookingId::random(),
                    seats: vec![seat],
                },
                Some(SeatState::Available),
            ),
            (
                Change::Booked {
                    booking: BookingId::random(),
                    hold: HoldId::random(),
                    seats: vec![seat],
                },
                Some(SeatState::Booked),
            ),
            (
                Change::WaitJoined {
                    wait: WaitId::random(),
                    count: 2,
                },
                None,
            ),
            (
                Change::WaitEnded {
                    wait: WaitId::random(),
                    reason: WaitEnd::SoldOut,
                },
                None,
            ),
        ];
        let line = parse(Change::Line {
            line: reservation_core::waiting_room::LineView {
                phase: reservation_core::waiting_room::RoomPhase::Selling,
                sale_opens_at: time::OffsetDateTime::UNIX_EPOCH,
                waiting: 3,
                active: 1,
                admitted: 1,
                seats_free: 10,
                seats_held: 2,
            },
        });
        assert!(matches!(line, LiveChange::Line {}), "{line:?}");
        let withdrawn = parse(Change::Withdrawn {
            hold: HoldId::random(),
            seats: vec![seat],
        });
        assert_eq!(
            withdrawn.seats().map(|(seats, s)| (seats.to_vec(), s)),
            Some((vec![id.clone()], SeatState::Available))
        );
        let reason = reservation_core::CancelReason::parse("storm").unwrap();
        let sale_changes = [
            Change::SalesPaused,
            Change::SalesResumed,
            Change::Rescheduled {
                from: time::OffsetDateTime::UNIX_EPOCH,
                to: time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(1),
            },
            Change::ShowCancelled { reason },
        ];
        for change in sale_changes {
            let live = parse(change);
            assert!(live.changes_the_sale(), "the page redraws on {live:?}");
        }
        for (change, state) in cases {
            let live = parse(change);
            assert!(!live.changes_the_sale(), "{live:?}");
            assert_eq!(
                live.seats().map(|(seats, s)| (seats.to_vec(), s)),
                state.map(|s| (vec![id.clone()], s))
            );
        }
    }
}
