//! A show's on-sale waiting room: join the line, check in, leave. An
//! admitted visitor's answer carries the admission pass, also set as the
//! `seatwise_admission` cookie so browsers show it without JavaScript; API
//! clients send it back in the `Seatwise-Admission` header.

use app_web::ClientOrigin;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use reservation_core::ShowId;
use reservation_core::catalog::CatalogError;
use reservation_core::waiting_room::{RoomError, RoomStatus, WaitingRoom};

use crate::error::ApiError;
use crate::extract::ApiPath;
use crate::session::Session;
use crate::state::AppState;

/// The rooms, or why `show` has none: unknown, or no rooms on this store.
async fn rooms(state: &AppState, show: ShowId) -> Result<&WaitingRoom, ApiError> {
    match &state.room {
        Some(room) => Ok(room),
        None => match state.catalog.show(show).await {
            Ok(_) => Err(RoomError::NoRoom(show).into()),
            Err(CatalogError::Unknown { .. }) => Err(RoomError::UnknownShow(show).into()),
            Err(error) => Err(error.into()),
        },
    }
}

/// `status` with the pass as a cookie when admitted (`Secure` over HTTPS).
fn answer(
    state: &AppState,
    origin: ClientOrigin,
    code: StatusCode,
    status: RoomStatus,
) -> Response {
    let cookie = status.admission.as_ref().and_then(|pass| {
        let value = app_web::admission::set_cookie(
            &pass.token,
            pass.expires_at,
            state.engine.clock().now(),
            origin.https,
        );
        HeaderValue::from_str(&value).ok()
    });
    let mut response = (code, Json(status)).into_response();
    if let Some(cookie) = cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// Joins the line (the lobby before the sale opens, the end of the queue
/// after). A visitor with a live place gets it back (200), whatever number
/// of times they join: one place per session.
#[utoipa::path(post, operation_id = "join_room",
    path = "/api/v1/shows/{show}/room", tag = "rooms", params(("show" = ShowId, Path)),
    responses(
        (status = 201, description = "Joined the line", body = RoomStatus,
            headers(("Set-Cookie" = String, description = "`seatwise_admission`, when admitted"))),
        (status = 200, description = "Already in line: the live place", body = RoomStatus,
            headers(("Set-Cookie" = String, description = "`seatwise_admission`, when admitted"))),
        (status = 404, description = "Unknown show (`unknown_show`), or it has no waiting room on (`no_room`): its seats are on sale directly", body = crate::error::Body),
        (status = 409, description = "The lobby is not open yet (`lobby_not_open`) or the show has started (`sales_closed`)", body = crate::error::Body)))]
pub(crate) async fn join(
    State(state): State<AppState>,
    Extension(origin): Extension<ClientOrigin>,
    session: Session,
    ApiPath(show): ApiPath<ShowId>,
) -> Result<Response, ApiError> {
    let room = rooms(&state, show).await?;
    let live = match room.status(show, session.0).await {
        Ok(status) if status.place.standing.is_live() => Some(status),
        _ => None,
    };
    Ok(match live {
        Some(status) => answer(&state, origin, StatusCode::OK, status),
        None => answer(
            &state,
            origin,
            StatusCode::CREATED,
            room.join(show, session.0).await?,
        ),
    })
}

/// Where the caller stands: phase, place, people ahead, an estimate, the
/// seats left, and the pass when admitted. Also a check-in: a visitor who
/// does not check in for the room's grace period (2 minutes by default)
/// loses the place.
#[utoipa::path(get, operation_id = "room_status",
    path = "/api/v1/shows/{show}/room", tag = "rooms", params(("show" = ShowId, Path)),
    responses(
        (status = 200, description = "The caller's standing", body = RoomStatus,
            headers(("Set-Cookie" = String, description = "`seatwise_admission`, when admitted"))),
        (status = 404, description = "Unknown show (`unknown_show`), no waiting room on (`no_room`), or the caller never joined (`not_in_line`)", body = crate::error::Body)))]
pub(crate) async fn status(
    State(state): State<AppState>,
    Extension(origin): Extension<ClientOrigin>,
    session: Session,
    ApiPath(show): ApiPath<ShowId>,
) -> Result<Response, ApiError> {
    let room = rooms(&state, show).await?;
    let status = room.status(show, session.0).await?;
    Ok(answer(&state, origin, StatusCode::OK, status))
}

/// Leaves the line, or gives up a running admission (the next in line gets
/// the slot). Removes the pass cookie when it is this show's.
#[utoipa::path(delete, operation_id = "leave_room",
    path = "/api/v1/shows/{show}/room", tag = "rooms", params(("show" = ShowId, Path)),
    responses(
        (status = 204, description = "Left the line"),
        (status = 404, description = "Unknown show (`unknown_show`), no waiting room on (`no_room`), or the caller never joined (`not_in_line`)", body = crate::error::Body)))]
pub(crate) async fn leave(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    ApiPath(show): ApiPath<ShowId>,
) -> Result<Response, ApiError> {
    let room = rooms(&state, show).await?;
    room.leave(show, session.0).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    let pass = app_web::admission::pass(&headers);
    let ours = match pass {
        Some(pass) => room.check(show, session.0, Some(&pass)).await.is_ok(),
        None => false,
    };
    if ours && let Ok(clear) = HeaderValue::from_str(&app_web::admission::clear_cookie()) {
        response.headers_mut().append(header::SET_COOKIE, clear);
    }
    Ok(response)
}
