//! A show: what, where, when, the hall's layout, and the live seat map.

use axum::Json;
use axum::extract::State;
use reservation_core::catalog::{Event, Layout, Venue};
use reservation_core::waiting_room::RoomConfig;
use reservation_core::{SeatMap, ShowId};
use serde::Serialize;

use super::zoned::ZonedShow;
use crate::error::ApiError;
use crate::extract::ApiPath;
use crate::session::Session;
use crate::state::AppState;

/// Everything needed to draw a show's page; the layout has every seat's id,
/// label, position, category and flags.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ShowDetails {
    show: ZonedShow,
    event: Event,
    venue: Venue,
    hall: HallView,
    /// The show's waiting room, when one is on: holds and waits then need
    /// its admission pass (join at `/api/v1/shows/{show}/room`).
    waiting_room: Option<RoomConfig>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct HallView {
    name: String,
    capacity: usize,
    layout: Layout,
}

#[utoipa::path(get, path = "/api/v1/shows/{show}", tag = "shows", params(("show" = ShowId, Path)), responses((status = 200, body = ShowDetails), (status = 404, description = "Not found", body = crate::error::Body)))]
pub(crate) async fn show(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<ShowId>,
) -> Result<Json<ShowDetails>, ApiError> {
    let show = state.catalog.show(id).await?;
    let event = state.catalog.event(show.event).await?;
    let venue = state.catalog.venue(show.venue).await?;
    let hall = state.catalog.hall(show.hall).await?;
    let hall = HallView {
        name: hall.name().to_owned(),
        capacity: hall.capacity(),
        layout: (**hall.layout()).clone(),
    };
    let waiting_room = match &state.room {
        Some(room) => room.room(id).await?,
        None => None,
    };
    Ok(Json(ShowDetails {
        show: ZonedShow::new(show, &venue.time_zone),
        event,
        venue,
        hall,
        waiting_room,
    }))
}

#[utoipa::path(get, path = "/api/v1/shows/{show}/seats", tag = "shows", params(("show" = ShowId, Path)), responses((status = 200, description = "Every seat; the caller's are `mine`", body = SeatMap), (status = 404, description = "Not found", body = crate::error::Body)))]
pub(crate) async fn seat_map(
    State(state): State<AppState>,
    session: Session,
    ApiPath(show): ApiPath<ShowId>,
) -> Result<Json<SeatMap>, ApiError> {
    Ok(Json(state.engine.seat_map(show, Some(session.0)).await?))
}
