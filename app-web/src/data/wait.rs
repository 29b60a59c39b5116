//! The waitlist: joining it, where a wait stands, leaving it.

use leptos::prelude::*;

use crate::refusal::Refusal;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::server::{
    admission_pass, backend, failed, parse_id, title_of, to_the_room, venue_zone, visitor,
};

/// Joins the show's waitlist for `count` seats; returns the wait's id.
// The generated argument struct's fields are the show id and the count.
#[allow(missing_docs)]
#[server(prefix = "/_server", endpoint = "join_wait")]
pub async fn join_wait(show: String, count: u8) -> Result<String, Refusal> {
    let show: reservation_core::ShowId = parse_id(&show, "no such show")?;
    let count = reservation_core::SeatCount::new(u64::from(count)).map_err(failed)?;
    let request = reservation_core::WaitRequest::new(show, visitor()?, count);
    Ok(backend()?
        .engine
        .join_waitlist_admitted(&request, admission_pass().as_deref())
        .await
        .map_err(|e| to_the_room(e, show))?
        .id
        .to_string())
}

/// Where a wait stands, for its page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaitData {
    /// The wait's id.
    pub id: String,
    /// The show's id (empty once the wait has ended).
    pub show: String,
    /// Event title (empty once the wait has ended).
    pub title: String,
    /// Seats wanted (0 once the wait has ended).
    pub count: u8,
    /// In line, offered seats, or over.
    pub state: WaitState,
}

/// The state of a wait.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitState {
    /// In line.
    Waiting {
        /// Place in line, 1 for the next.
        position: u32,
        /// When seats may be offered, on the venue's clocks ("19:30 CET";
        /// when known).
        estimate: Option<String>,
    },
    /// Seats were freed and held for this visitor.
    Offered {
        /// The hold made for this visitor.
        token: String,
    },
    /// Over: left, timed out or sold out.
    Ended {
        /// Why, for people.
        reason: String,
    },
}

/// One of this visitor's waits.
// The generated argument struct's field `id` is the wait id.
#[allow(missing_docs)]
#[server(prefix = "/_server", endpoint = "wait_page")]
pub async fn wait_page(id: String) -> Result<WaitData, Refusal> {
    use reservation_core::{WaitEnd, WaitStatus};
    let wait_id: reservation_core::WaitId = parse_id(&id, "no such wait")?;
    let backend = backend()?;
    let status = backend
        .engine
        .wait_status(wait_id, visitor()?)
        .await
        .map_err(failed)?;
    let (show, count, state) = match status {
        WaitStatus::Waiting {
            wait,
            position,
            estimated_offer_at,
        } => {
            let estimate = match estimated_offer_at {
                Some(at) => Some(super::local_time::clock(
                    at,
                    &venue_zone(&backend, wait.show).await?,
                )),
                None => None,
            };
            let state = WaitState::Waiting { position, estimate };
            (wait.show, wait.count.into(), state)
        }
        WaitStatus::Offered { hold } => {
            let token = hold.token.to_string();
            (
                hold.show,
                hold.seats.len() as u8,
                WaitState::Offered { token },
            )
        }
        // A state this page does not know yet offers no seats: show it as
        // ended, never as a place in line or an offer.
        ended => {
            let reason = match ended {
                WaitStatus::Ended {
                    reason: WaitEnd::Cancelled,
                } => "You left the waitlist.",
                WaitStatus::Ended {
                    reason: WaitEnd::Expired,
                } => "The wait ran out of time.",
                WaitStatus::Ended {
                    reason: WaitEnd::SoldOut,
                } => "Sorry: the seats you waited for were sold.",
                _ => "The wait has ended.",
            };
            return Ok(WaitData {
                id,
                show: String::new(),
                title: String::new(),
                count: 0,
                state: WaitState::Ended {
                    reason: reason.into(),
                },
            });
        }
    };
    Ok(WaitData {
        id,
        show: show.to_string(),
        title: title_of(&backend, show).await?,
        count,
        state,
    })
}

/// Leaves the waitlist and goes back to the show.
// The generated argument struct's fields are the wait and show ids.
#[allow(missing_docs)]
#[server(prefix = "/_server", endpoint = "leave_wait")]
pub async fn leave_wait(id: String, show: String) -> Result<(), Refusal> {
    let wait_id: reservation_core::WaitId = parse_id(&id, "no such wait")?;
    backend()?
        .engine
        .cancel_wait(wait_id, visitor()?)
        .await
        .map_err(failed)?;
    leptos_axum::redirect(&format!("/shows/{show}"));
    Ok(())
}
