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
    after: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/shows/{show}/events", tag = "shows", params(("show" = ShowId, Path), After, ("Last-Event-ID" = Option<u64>, Header, description = "The last sequence seen")), responses((status = 200, description = "Server-Sent Events: `change` events whose data is a ShowEvent and whose id is its sequence; `resync` when the client must reload the seat map", content_type = "text/event-stream", body = reservation_core::ShowEvent), (status = 404, description = "Not found", body = crate::error::Body)))]
pub(crate) async fn stream(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiPath(show): ApiPath<ShowId>,
    ApiQuery(query): ApiQuery<After>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let after = Sequence(resume.or(query.after).unwrap_or(0));
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
