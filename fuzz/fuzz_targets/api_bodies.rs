//! Fuzz target `api_bodies`: hostile request bodies and query strings
//! through the real HTTP application (`app_server::app`), without a socket.
//!
//! The application is built once per process over the in-memory store seeded
//! by the testkit [`Fixture`], plus one show with fixed ids (so seed inputs
//! can name its seats), a manual clock that never moves, the fake payment
//! gateway and a fixed ticket-signing secret (so a seed can carry a genuine
//! ticket code). Every input is sent, as raw bytes (maybe invalid UTF-8 or
//! invalid JSON), as the body of every JSON `POST` route, and, percent-encoded
//! where a URI needs it, as the query string of every route that reads one.
//!
//! Checked on every response: the status is never 5xx (in memory nothing can
//! fail: the only exception is the `payment_unavailable` answer to the fake
//! gateway's "gateway error" test card, which is what that card is for), and
//! every 4xx body is JSON with a non-empty string `error.code`, like every
//! API error; 2xx bodies (other than the event stream's) are JSON.
//!
//! Requests that change state are undone (a hold made is released, a wait
//! cancelled, a booking cancelled and the paying session's hold renewed) so
//! every input meets the same application.

#![no_main]

use std::cell::RefCell;
use std::fmt::Write as _;
use std::sync::Arc;

use app_server::{AppState, HoldRates, SESSION_COOKIE, app, site};
use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt as _;
use libfuzzer_sys::fuzz_target;
use reservation_core::catalog::{City, GeoPoint, Hall, PriceList, Show, Venue, grid_layout};
use reservation_core::payment::{CardNumber, test_cards};
use reservation_core::testkit::{Fixture, STANDARD_PRICE, policy};
use reservation_core::ticket_code::TicketSigner;
use reservation_core::{
    BookingId, CatalogAdmin, CityId, HallId, HoldRequest, HoldToken, HolderId, MemoryStore,
    SeatCount, SeatFilter, SeatSelection, ShowId, VenueId, WaitId,
};
use serde_json::Value;
use time::Duration;
use tower::ServiceExt as _;

/// The ticket-signing secret: `SW1.` codes in the seed corpus were made with it.
const TICKET_SECRET: &[u8; 32] = b"seatwise-fuzz-api-bodies-secret!";

/// Name of the fixed-id catalog entries: the show is
/// `ShowId::from_name(FIXED)`, its seats `SeatId::from_name("api-bodies/A1")`
/// and so on (a 4x10 grid, row D premium, A5 and A6 accessible), in city
/// `CityId::from_name(FIXED)` at venue `VenueId::from_name(FIXED)`.
const FIXED: &str = "api-bodies";

thread_local! {
    /// A single-threaded runtime (with timers: the event stream's keep-alive
    /// needs them) and the application, built once per process.
    static SETUP: (tokio::runtime::Runtime, Target) = {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a current-thread tokio runtime");
        let target = runtime.block_on(Target::new());
        (runtime, target)
    };
}

fuzz_target!(|data: &[u8]| {
    SETUP.with(|(runtime, target)| runtime.block_on(target.run(data)));
});

/// What every input is sent to.
struct Target {
    app: Router,
    fixture: Fixture<MemoryStore>,
    /// The show with fixed ids; holds are tried there.
    show: ShowId,
    city: CityId,
    venue: VenueId,
    /// The session that makes holds (each one released at once).
    holder: HolderId,
    /// The session that joins the small show's waitlist (each wait cancelled at once).
    waiter: HolderId,
    /// The session whose hold the confirm route pays for.
    payer: HolderId,
    /// The payer's current hold (renewed after each successful payment).
    payer_token: RefCell<HoldToken>,
}

/// What a response came to, for the caller to undo what it did.
enum Answer {
    /// A 2xx JSON body (`Null` when empty).
    Success(Value),
    /// A refusal, or a response whose body was not read.
    Other,
}

impl Target {
    /// Seeds the store, makes the standing holds and builds the application.
    async fn new() -> Self {
        let fixture = Fixture::seed(MemoryStore::new(policy())).await;
        let (city, venue, show) = add_fixed_show(&fixture).await;
        let payer = HolderId::from_name("api-bodies/payer");
        // The small show fully held by someone else: joining its waitlist
        // for 1 to 8 seats is accepted.
        fixture
            .hold_best(
                fixture.small_show,
                HolderId::from_name("api-bodies/blocker"),
                8,
                SeatFilter::default(),
            )
            .await
            .expect("hold the whole small show");
        let payer_token = payer_hold(&fixture, payer).await;
        // Hold rate limits off: this target checks bodies, not the limiter
        // (which would answer 429 before reading most of them).
        let state = AppState::new(
            fixture.store.clone(),
            Arc::new(fixture.gateway.clone()),
            Arc::new(fixture.clock.clone()),
        )
        .with_ticket_signer(TicketSigner::new(TICKET_SECRET).expect("a 32-byte secret"))
        .with_hold_rates(HoldRates::OFF);
        Self {
            app: app(state, site("target/site")),
            fixture,
            show,
            city,
            venue,
            holder: HolderId::from_name("api-bodies/holder"),
            waiter: HolderId::from_name("api-bodies/waiter"),
            payer,
            payer_token: RefCell::new(payer_token),
        }
    }

    /// Sends `data` everywhere and checks every answer.
    async fn run(&self, data: &[u8]) {
        let f = &self.fixture;

        // Holds: in the fixed show as a session whose holds are undone, and
        // in the full small show as a new session.
        let route = format!("/api/v1/shows/{}/holds", self.show);
        if let Answer::Success(hold) = self.post(&route, Some(self.holder), data).await {
            let token: HoldToken =
                serde_json::from_value(hold["token"].clone()).expect("a created hold has a token");
            f.engine
                .release(&token, self.holder)
                .await
                .expect("release the hold just made");
        }
        let route = format!("/api/v1/shows/{}/holds", f.small_show);
        self.post(&route, None, data).await;

        // Waits: in the full small show (undone), and in a show with free seats.
        let route = format!("/api/v1/shows/{}/waits", f.small_show);
        if let Answer::Success(wait) = self.post(&route, Some(self.waiter), data).await {
            let id: WaitId =
                serde_json::from_value(wait["id"].clone()).expect("a created wait has an id");
            f.engine
                .cancel_wait(id, self.waiter)
                .await
                .expect("cancel the wait just joined");
        }
        let route = format!("/api/v1/shows/{}/waits", self.show);
        self.post(&route, None, data).await;

        // Payment: as the hold's owner (a booking is undone and the hold
        // renewed), and as a stranger.
        let token = self.payer_token.borrow().clone();
        let route = format!("/api/v1/holds/{token}/confirm");
        if let Answer::Success(booking) = self.post(&route, Some(self.payer), data).await {
            let id: BookingId =
                serde_json::from_value(booking["id"].clone()).expect("a booking has an id");
            f.engine
                .cancel_booking(id, self.payer)
                .await
                .expect("cancel the booking just made");
            *self.payer_token.borrow_mut() = payer_hold(f, self.payer).await;
        }
        self.post(&route, None, data).await;

        // Ticket codes.
        self.post("/api/v1/tickets/verify", None, data).await;

        // Query strings.
        let query = query_string(data);
        for route in [
            "/api/v1/search".to_owned(),
            format!("/api/v1/events/{}", f.event),
            format!("/api/v1/cities/{}/events", self.city),
            format!("/api/v1/venues/{}/events", self.venue),
        ] {
            self.get(&format!("{route}?{query}"), false).await;
        }
        // Server-Sent Events: only the status and error bodies are read.
        self.get(&format!("/api/v1/shows/{}/events?{query}", self.show), true)
            .await;
    }

    /// `POST route` with `body` as JSON, in `session` (or a new session).
    async fn post(&self, route: &str, session: Option<HolderId>, body: &[u8]) -> Answer {
        let mut request = Request::builder()
            .method(Method::POST)
            .uri(route)
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(holder) = session {
            request = request.header(header::COOKIE, format!("{SESSION_COOKIE}={holder}"));
        }
        let request = request
            .body(Body::from(body.to_vec()))
            .expect("a request to a known route");
        self.exchange(route, request, Some(body), false).await
    }

    /// `GET uri` in a new session. URIs the `http` crate refuses cannot
    /// reach a server: they are skipped.
    async fn get(&self, uri: &str, stream: bool) {
        let Ok(request) = Request::builder()
            .method(Method::GET)
            .uri(uri)
            .body(Body::empty())
        else {
            return;
        };
        self.exchange(uri, request, None, stream).await;
    }

    /// Sends `request` and checks the answer (see the module docs).
    async fn exchange(
        &self,
        route: &str,
        request: Request<Body>,
        body: Option<&[u8]>,
        stream: bool,
    ) -> Answer {
        let response = self
            .app
            .clone()
            .oneshot(request)
            .await
            .expect("the router's error type is Infallible");
        let status = response.status();
        if status.is_success() && stream {
            return Answer::Other;
        }
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("an in-memory body can be read")
            .to_bytes();
        let json: Option<Value> = serde_json::from_slice(&bytes).ok();
        let text = String::from_utf8_lossy(&bytes);
        if status.is_server_error() {
            let code = json.as_ref().and_then(error_code);
            assert!(
                status == StatusCode::SERVICE_UNAVAILABLE
                    && code == Some("payment_unavailable")
                    && route.ends_with("/confirm")
                    && body.is_some_and(is_gateway_error_card),
                "{route} answered {status}: {text}"
            );
            return Answer::Other;
        }
        if status.is_client_error() {
            let code = json.as_ref().and_then(error_code);
            assert!(
                code.is_some_and(|c| !c.is_empty()),
                "{route} answered {status} without a JSON error code: {text}"
            );
            return Answer::Other;
        }
        if status.is_success() {
            if bytes.is_empty() {
                return Answer::Success(Value::Null);
            }
            let json =
                json.unwrap_or_else(|| panic!("{route} answered {status} with non-JSON: {text}"));
            return Answer::Success(json);
        }
        panic!("{route} answered {status}: {text}");
    }
}

/// `error.code` of an error body.
fn error_code(json: &Value) -> Option<&str> {
    json.get("error")?.get("code")?.as_str()
}

/// Whether `body` pays with the fake gateway's "gateway error" test card
/// (the one card whose payment fails with 503 by design).
fn is_gateway_error_card(body: &[u8]) -> bool {
    let Ok(json) = serde_json::from_slice::<Value>(body) else {
        return false;
    };
    let Some(number) = json.get("card_number").and_then(Value::as_str) else {
        return false;
    };
    let gateway_error =
        CardNumber::parse(test_cards::GATEWAY_ERROR).expect("the test cards are valid");
    CardNumber::parse(number).is_ok_and(|card| card.digits() == gateway_error.digits())
}

/// `data` as a query string: printable ASCII is kept as it is (so `&`, `=`
/// and `%` escapes shape the query), anything else is percent-encoded.
fn query_string(data: &[u8]) -> String {
    let mut query = String::with_capacity(data.len());
    for &byte in data {
        if byte.is_ascii_graphic() && byte != b'#' {
            query.push(char::from(byte));
        } else {
            let _ = write!(query, "%{byte:02X}");
        }
    }
    query
}

/// A fresh hold of 2 seats for the payer in the fixture's main show.
async fn payer_hold(f: &Fixture<MemoryStore>, payer: HolderId) -> HoldToken {
    f.engine
        .hold(&HoldRequest::new(
            f.show,
            payer,
            SeatSelection::BestAvailable {
                count: SeatCount::new(2).expect("2 seats"),
                filter: SeatFilter::default(),
            },
        ))
        .await
        .expect("the payer's hold")
        .token
}

/// Adds a city, venue, hall and show with ids derived from [`FIXED`], for
/// the fixture's event, a day after the clock's start.
async fn add_fixed_show(f: &Fixture<MemoryStore>) -> (CityId, VenueId, ShowId) {
    let here = GeoPoint::new(48.85, 2.35).expect("a valid position");
    let city = City::new("Fuzzville", "FR", here).with_id(CityId::from_name(FIXED));
    let venue = Venue::new(city.id, "Fuzz Hall", here)
        .with_id(VenueId::from_name(FIXED))
        .with_address("1 rue du Test", "75001");
    let hall = Hall::new(
        HallId::from_name(FIXED),
        venue.id,
        "Fuzz",
        grid_layout(FIXED, 4, 10, 1),
    )
    .expect("a valid grid layout");
    let prices = PriceList::uniform(&hall.layout().categories, STANDARD_PRICE);
    let show = Show::new(f.event, &venue, &hall, f.now() + Duration::days(1), prices)
        .with_id(ShowId::from_name(FIXED));
    let ids = (city.id, venue.id, show.id);
    f.store.add_city(city).await.expect("add city");
    f.store.add_venue(venue).await.expect("add venue");
    f.store.add_hall(hall).await.expect("add hall");
    f.store.add_show(show).await.expect("add show");
    ids
}
