//! The waitlist: joining it, where a wait stands, leaving it.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::server::{admission_pass, backend, failed, parse_id, title_of, to_the_room, visitor};

/// Joins the show's waitlist for `count` seats; returns the wait's id.
// The generated argument struct's fields are the show id and the count.
#[allow(missing_docs)]
#[server(prefix = "/_server", endpoint = "join_wait")]
pub async fn join_wait(show: String, count: u8) -> Result<String, ServerFnError> {
    let show: reservation_core::ShowId = parse_id(&show, "no such show")?;
    let count = reservation_core::SeatCount::new(u64::from(count)).map_err(failed)?;
    let request = reservation_core::WaitRequest {
        show,
        holder: visitor()?,
        count,
        category: None,
    };
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
    /// The show's id.
    pub show: String,
    /// Event title.
    pub title: String,
    /// Seats wanted.
    pub count: u8,
    /// "waiting", "offered" or "ended".
    pub state: String,
    /// Place in line (waiting only).
    pub position: u32,
    /// When seats may be offered, "HH:MM" (waiting only, when known).
    pub estimate: Option<String>,
    /// The hold made for this visitor (offered only).
    pub token: Option<String>,
    /// Why it ended (ended only).
    pub reason: Option<String>,
}

/// One of this visitor's waits.
// The generated argument struct's field `id` is the wait id.
#[allow(missing_docs)]
#[server(prefix = "/_server", endpoint = "wait_page")]
pub async fn wait_page(id: String) -> Result<WaitData, ServerFnError> {
    use reservation_core::WaitStatus;
    let wait_id: reservation_core::WaitId = parse_id(&id, "no such wait")?;
    let backend = backend()?;
    let status = backend
        .engine
        .wait_status(wait_id, visitor()?)
        .await
        .map_err(failed)?;
    let mut data = WaitData {
        id,
        show: String::new(),
        title: String::new(),
        count: 0,
        state: String::new(),
        position: 0,
        estimate: None,
        token: None,
        reason: None,
    };
    let show = match status {
        WaitStatus::Waiting {
            wait,
            position,
            estimated_offer_at,
        } => {
            data.state = "waiting".into();
            data.count = wait.count.into();
            data.position = position;
            let format = time::macros::format_description!("[hour]:[minute]");
            data.estimate = estimated_offer_at.and_then(|at| at.format(format).ok());
            wait.show
        }
        WaitStatus::Offered { hold } => {
            data.state = "offered".into();
            data.count = hold.seats.len() as u8;
            data.token = Some(hold.token.to_string());
            hold.show
        }
        WaitStatus::Ended { reason } => {
            data.state = "ended".into();
            data.reason = Some(
                match reason {
                    reservation_core::WaitEnd::Cancelled => "You left the waitlist.",
                    reservation_core::WaitEnd::Expired => "The wait ran out of time.",
                    reservation_core::WaitEnd::SoldOut => {
                        "Sorry: the seats you waited for were sold."
                    }
                    _ => "The wait has ended.",
                }
                .into(),
            );
            return Ok(data);
        }
    };
    data.show = show.to_string();
    data.title = title_of(&backend, show).await?;
    Ok(data)
}

/// Leaves the waitlist and goes back to the show.
// The generated argument struct's fields are the wait and show ids.
#[allow(missing_docs)]
#[server(prefix = "/_server", endpoint = "leave_wait")]
pub async fn leave_wait(id: String, show: String) -> Result<(), ServerFnError> {
    let wait_id: reservation_core::WaitId = parse_id(&id, "no such wait")?;
    backend()?
        .engine
        .cancel_wait(wait_id, visitor()?)
        .await
        .map_err(failed)?;
    leptos_axum::redirect(&format!("/shows/{show}"));
    Ok(())
}
