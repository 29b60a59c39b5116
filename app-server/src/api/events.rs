//! A show's live changes as Server-Sent Events. Each event's SSE id is its
//! sequence number, so a reconnecting browser resumes with `Last-Event-ID`;
//! `?after=N` does the same for a client that starts from a seat map.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::{Stream, StreamExt};
use reservation_core::{ReservationError, Sequence, ShowId};
use serde::Deserialize;

use crate::error::ApiError;
use crate::extract::{ApiPath, ApiQuery};
use crate::state::AppState;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct After {
    /// Resume after this sequence number (or send `Last-Event-ID`).
    #[param(minimum = 0)]
    after: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/shows/{show}/events", tag = "shows", params(("show" = ShowId, Path), After, ("Last-Event-ID" = Option<i64>, Header, minimum = 0, description = "The last sequence seen")), responses((status = 200, description = "Server-Sent Events: `change` events whose data is a ShowEvent and whose id is its sequence; `resync` when the client must reload the seat map", content_type = "text/event-stream"), (status = 404, description = "Not found", body = crate::error::Body)))]
pub(crate) async fn stream(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiPath(show): ApiPath<ShowId>,
    ApiQuery(query): ApiQuery<After>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let resume = match headers.get("last-event-id") {
        Some(value) => Some(sequence(value.to_str().ok(), "Last-Event-ID")?),
        None => None,
    };
    let after = match query.after {
        Some(after) => Some(sequence(Some(&after.to_string()), "after")?),
        None => None,
    };
    let after = Sequence(resume.or(after).unwrap_or(0));
    let events = state.engine.subscribe(show, after).await?;
    let stream = events.map(|item| {
        Ok(match item {
            Ok(event) => Event::default()
                .id(event.seq.0.to_string())
                .event("change")
                .json_data(&event)
                .unwrap_or_else(|_| Event::default().event("resync")),
            // Fell too far behind (or the store failed): reload the map.
            Err(ReservationError::EventsGone { .. }) | Err(_) => {
                Event::default().event("resync").data("reload the seat map")
            }
        })
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// A sequence number from a client: 0 to `i64::MAX` (what the stores keep).
fn sequence(text: Option<&str>, name: &str) -> Result<u64, ApiError> {
    text.and_then(|t| t.trim().parse::<i64>().ok())
        .and_then(|n| u64::try_from(n).ok())
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_sequence",
                format!("`{name}` is a sequence number, 0 or more"),
            )
        })
}
