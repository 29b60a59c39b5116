//! Anonymous sessions: no login, a random id in a cookie is the holder.
//! Holds, bookings and waits of one session are invisible to every other.

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use reservation_core::HolderId;

use crate::error::ApiError;

/// The session cookie.
pub const COOKIE: &str = "seatwise_session";

/// How long a session cookie lasts.
const MAX_AGE: time::Duration = time::Duration::days(30);

/// The caller's session: the holder of its holds, bookings and waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Session(pub HolderId);

/// Middleware: reads the session cookie, or starts a session (122 random
/// bits) and sets the cookie on the response.
pub(crate) async fn ensure_session(jar: CookieJar, mut request: Request, next: Next) -> Response {
    let existing = jar
        .get(COOKIE)
        .and_then(|c| c.value().parse::<HolderId>().ok());
    let holder = existing.unwrap_or_else(HolderId::random);
    request.extensions_mut().insert(Session(holder));
    // The pages read the visitor from the same request.
    request.extensions_mut().insert(app_web::Visitor(holder));
    let https = request
        .extensions()
        .get::<app_web::ClientOrigin>()
        .is_some_and(|origin| origin.https);
    let response = next.run(request).await;
    if existing.is_some() {
        return response;
    }
    let cookie = Cookie::build((COOKIE, holder.to_string()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(https)
        .max_age(MAX_AGE)
        .build();
    (jar.add(cookie), response).into_response()
}

impl<S: Send + Sync> FromRequestParts<S> for Session {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Session>()
            .copied()
            .ok_or_else(|| ApiError::internal(&"session middleware missing"))
    }
}
