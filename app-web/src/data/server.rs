//! What every server function reaches on the server: the backend and the
//! visitor from the request's context, the limit on holds, and the helpers
//! that turn ids and refusals into what pages show. Compiled only with
//! feature `ssr`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::body::Body;
use http::{Request, Response};
use leptos::prelude::*;
use leptos::server_fn::Bytes;
use leptos::server_fn::error::ServerFnErrorErr;
use leptos::server_fn::middleware::{BoxedService, Layer, Service};

use crate::refusal::Refusal;
use crate::refusal::codes::{Coded, UNAVAILABLE_RETRY_AFTER_SECONDS};

/// What server functions reach on the server: the catalog, the engine,
/// the ticket signer and the limit on holds.
#[derive(Clone)]
pub struct Backend {
    /// Catalog reads and search.
    pub catalog: Arc<dyn reservation_core::Catalog>,
    /// Holds, payments, seat maps.
    pub engine: reservation_core::Reservations,
    /// Signs the codes in tickets' QR codes.
    pub tickets: Arc<reservation_core::ticket_code::TicketSigner>,
    /// Refuses hold creation over the server's limits.
    pub holds: Arc<dyn HoldGate>,
}

/// The server's limit on creating holds, asked before a server function
/// that creates holds runs (those in `data::hold` carry the middleware
/// that asks it).
pub trait HoldGate: Send + Sync {
    /// The response refusing `request` when it is over the limit (counting
    /// it when it is not); `None` lets it through.
    fn refuse(&self, request: &Request<Body>) -> Option<Response<Body>>;
}

/// Server function middleware: the backend's [`HoldGate`] answers first.
/// Every server function that creates holds carries it
/// (`#[middleware(HoldLimit)]`), so the limit sits on the route itself.
pub(super) struct HoldLimit;

impl Layer<Request<Body>, Response<Body>> for HoldLimit {
    fn layer(
        &self,
        inner: BoxedService<Request<Body>, Response<Body>>,
    ) -> BoxedService<Request<Body>, Response<Body>> {
        BoxedService::new(inner.ser, Limited(inner))
    }
}

/// A server function behind [`HoldLimit`].
struct Limited(BoxedService<Request<Body>, Response<Body>>);

impl Service<Request<Body>, Response<Body>> for Limited {
    fn run(
        &mut self,
        request: Request<Body>,
        _: fn(ServerFnErrorErr) -> Bytes,
    ) -> Pin<Box<dyn Future<Output = Response<Body>> + Send>> {
        // The server provides the backend for every server function call;
        // without it the function fails anyway, on its own `backend()`.
        match use_context::<Backend>().and_then(|backend| backend.holds.refuse(&request)) {
            Some(refusal) => Box::pin(std::future::ready(refusal)),
            None => self.0.run(request),
        }
    }
}

pub(super) fn backend() -> Result<Backend, Refusal> {
    use_context::<Backend>()
        .ok_or_else(|| Refusal::new(500, "server_error", "no backend in context"))
}

/// The visitor's session, put in context by the server for every request.
#[derive(Debug, Clone, Copy)]
pub struct Visitor(pub reservation_core::HolderId);

/// Where a request comes from, as the server's trusted proxies tell it: the
/// client's address and whether it reached the site over HTTPS (cookies
/// set then are `Secure`). Put in the request by the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientOrigin {
    /// The client's address.
    pub address: std::net::IpAddr,
    /// Whether the client reached the site over HTTPS.
    pub https: bool,
}

/// Whether this request reached the site over HTTPS.
#[cfg(feature = "ssr")]
pub(super) fn https() -> bool {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<ClientOrigin>().map(|o| o.https))
        .unwrap_or(false)
}

pub(super) fn visitor() -> Result<reservation_core::HolderId, Refusal> {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Visitor>().map(|v| v.0))
        .ok_or_else(|| Refusal::new(500, "server_error", "no session"))
}

/// The admission pass this request shows (header or cookie).
pub(super) fn admission_pass() -> Option<String> {
    use_context::<http::request::Parts>().and_then(|parts| crate::admission::pass(&parts.headers))
}

/// A refusal of the engine; an admission refusal sends the visitor to the
/// show's waiting room.
pub(super) fn to_the_room(
    refused: reservation_core::ReservationError,
    show: reservation_core::ShowId,
) -> Refusal {
    if let reservation_core::ReservationError::Admission(why) = &refused {
        // The refusal first: a plain form post's redirect status wins.
        let refusal = failed(refused.clone()).with_message(format!(
            "This show's sale runs through a waiting room ({why}): taking you there."
        ));
        leptos_axum::redirect(&format!("/shows/{show}/room"));
        return refusal;
    }
    failed(refused)
}

/// The title of the event a show plays.
pub(super) async fn title_of(
    backend: &Backend,
    show: reservation_core::ShowId,
) -> Result<String, Refusal> {
    let event = backend.catalog.show(show).await.map_err(failed)?.event;
    Ok(backend.catalog.event(event).await.map_err(failed)?.title)
}

/// The time zone of `show`'s venue, whose clocks its pages read.
pub(super) async fn venue_zone(
    backend: &Backend,
    show: reservation_core::ShowId,
) -> Result<reservation_core::catalog::TimeZone, Refusal> {
    let venue = backend.catalog.show(show).await.map_err(failed)?.venue;
    Ok(backend
        .catalog
        .venue(venue)
        .await
        .map_err(failed)?
        .time_zone)
}

/// Parses an id from a page's URL; a malformed one is reported like a
/// missing one (404 `not_found`).
pub(super) fn parse_id<T: std::str::FromStr>(text: &str, missing: &str) -> Result<T, Refusal> {
    text.parse().map_err(|_| Refusal::not_found(missing))
}

/// A library error as the refusal the API gives it (same status and code,
/// its message); a failure to reach the store (the database is down or
/// slow) is logged and told as what it means to a buyer, with when to
/// retry.
pub(super) fn failed(error: impl Coded) -> Refusal {
    if let Some((status, code)) = error.coded() {
        return Refusal::new(status.as_u16(), code, error.to_string());
    }
    tracing::error!(%error, "a page's request failed");
    Refusal::new(503, "unavailable", UNAVAILABLE).with_retry_after(UNAVAILABLE_RETRY_AFTER_SECONDS)
}

/// What a buyer reads when the store cannot be reached.
const UNAVAILABLE: &str = "We can't reach our ticket system right now. Seats you hold stay yours until their hold runs out; please try again in a moment.";

/// An event's kind as the API spells it ("movie", "concert", ...).
pub(super) fn kind_name(kind: reservation_core::catalog::EventKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}
