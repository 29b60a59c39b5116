//! The pages render on the server, complete, so they read fine with
//! JavaScript off; the browser tests (`tests/browser/`) cover hydration.

#![allow(clippy::unwrap_used)] // a test may panic on setup failure

use std::sync::{Arc, Mutex, PoisonError};

use app_server::{AppState, app, site};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use reservation_core::testkit::Fixture;
use reservation_core::ticket_code::{TicketSigner, VerifiedTicket};
use reservation_core::waiting_room::{AdmissionSigner, Pace, RoomConfig, WaitingRoom};
use reservation_core::{HolderId, MemoryStore, Policy, Store};
use tower::ServiceExt;

#[path = "pages/extend.rs"]
mod extend;
#[path = "pages/my_tickets.rs"]
mod my_tickets;
#[path = "pages/refusals.rs"]
mod refusals;

/// Page renders in one process sometimes never finished when tests ran them
/// at the same time (10 runs in 40 hung; run one at a time, none in 25).
/// Until that is understood, these tests render one at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Runs `test` on its own runtime while no other test of this file runs.
fn one_at_a_time(test: impl Future<Output = ()>) {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(test);
}

/// The app over a fresh testkit fixture.
async fn fixture_app() -> (axum::Router, Fixture<MemoryStore>) {
    let f = Fixture::seed(MemoryStore::new(Policy::default())).await;
    let store: Arc<dyn Store> = f.store.clone();
    let app = app(
        AppState::new(
            store,
            Arc::new(f.gateway.clone()),
            Arc::new(f.clock.clone()),
        )
        .with_ticket_signer(signer()),
        site("target/site"),
    );
    (app, f)
}

/// The app's ticket signer (the same secret makes the same signer).
fn signer() -> TicketSigner {
    TicketSigner::new(&[42; 32]).unwrap()
}

/// GETs `uri`, as the session of `holder` when given: status, content type
/// and the HTML without hydration markers (which separate text nodes).
async fn get(
    app: &axum::Router,
    uri: &str,
    holder: Option<HolderId>,
) -> (StatusCode, String, String) {
    let mut request = Request::get(uri);
    if let Some(holder) = holder {
        request = request.header(
            header::COOKIE,
            format!("{}={holder}", app_server::SESSION_COOKIE),
        );
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let kind = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = String::from_utf8(
        response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap();
    (status, kind, body.replace("<!>", ""))
}

/// A page of the fixture app; `{city}` in `uri` is the fixture's city.
async fn page(uri: &str) -> (StatusCode, String, String) {
    let (app, f) = fixture_app().await;
    get(&app, &uri.replace("{city}", &f.city.to_string()), None).await
}

/// The time in "seats free up for you by {time}." of a waiting page.
fn free_up_time(main: &str) -> &str {
    let start = main.find("seats free up for you by ").unwrap() + 25;
    let end = main[start..].find('.').unwrap();
    &main[start..start + end]
}

/// The text inside `<main>`, so content streamed into `<template>`s (which
/// needs JavaScript) does not count.
fn main_of(html: &str) -> &str {
    let start = html.find("<main>").unwrap();
    let end = html[start..].find("</main>").unwrap();
    &html[start..start + end]
}

#[test]
fn home_lists_cities_without_javascript() {
    one_at_a_time(async {
        let (status, kind, html) = page("/").await;
        assert_eq!(status, StatusCode::OK);
        assert!(kind.starts_with("text/html"), "{kind}");
        assert!(main_of(&html).contains("Springfield"), "{html}");
        assert!(
            html.contains("/pkg/app_web.js"),
            "the page loads its hydration script"
        );
    });
}

#[test]
fn a_city_lists_its_events_without_javascript() {
    one_at_a_time(async {
        let (status, _, html) = page("/cities/{city}").await;
        assert_eq!(status, StatusCode::OK);
        let main = main_of(&html);
        assert!(
            main.contains("Springfield") && main.contains("Avengers: Endgame"),
            "{main}"
        );
    });
}

#[test]
fn a_city_lists_its_venues_and_a_venue_its_events() {
    one_at_a_time(async {
        let (app, f) = fixture_app().await;
        let (_, _, html) = get(&app, &format!("/cities/{}", f.city), None).await;
        assert!(
            main_of(&html).contains(&format!("/venues/{}", f.venue)),
            "{html}"
        );
        let (status, _, html) = get(&app, &format!("/venues/{}", f.venue), None).await;
        assert_eq!(status, StatusCode::OK);
        let main = main_of(&html);
        assert!(
            main.contains("Grand Cinema")
                && main.contains(&format!("/events/{}?city={}", f.event, f.city)),
            "{main}"
        );
    });
}

#[test]
fn an_event_without_a_city_offers_the_cities_where_it_plays() {
    one_at_a_time(async {
        let (app, f) = fixture_app().await;
        let (_, _, html) = get(&app, &format!("/events/{}", f.event), None).await;
        let main = main_of(&html);
        assert!(
            main.contains("Avengers: Endgame") && main.contains(&format!("?city={}", f.city)),
            "{main}"
        );
        assert!(!main.contains("class=\"error\""), "{main}");
    });
}

#[test]
fn an_unknown_city_says_so() {
    one_at_a_time(async {
        let (_, _, html) = page(&format!("/cities/{}", uuid::Uuid::new_v4())).await;
        assert!(main_of(&html).contains("class=\"error\""), "{html}");
    });
}

#[test]
fn an_event_lists_venues_and_showtimes_by_day() {
    one_at_a_time(async {
        let (app, f) = fixture_app().await;
        let (_, _, html) = get(&app, &format!("/events/{}?city={}", f.event, f.city), None).await;
        let main = main_of(&html);
        assert!(
            main.contains("Grand Cinema") && main.contains("Robert Downey Jr."),
            "{main}"
        );
        assert!(
            main.contains(&format!("/shows/{}", f.show))
                && main.contains(&format!("/shows/{}", f.small_show)),
            "{main}"
        );
    });
}

#[test]
fn a_show_draws_every_seat_with_its_state() {
    one_at_a_time(async {
        let (app, f) = fixture_app().await;
        f.hold(f.small_show, HolderId::random(), &["A1", "A2"])
            .await
            .unwrap();
        let (_, _, html) = get(&app, &format!("/shows/{}", f.small_show), None).await;
        let main = main_of(&html);
        assert_eq!(main.matches("data-seat=").count(), 8, "one circle per seat");
        assert_eq!(main.matches("class=\"seat held").count(), 2, "{main}");
        assert!(
            main.contains("aria-label=\"Row A, seat 1, 9.00 EUR, held\""),
            "{main}"
        );
        assert_eq!(
            main.matches("aria-checked=\"false\" aria-disabled=\"true\"")
                .count(),
            2,
            "held seats are disabled: {main}"
        );
        assert_eq!(main.matches("tabindex=\"0\"").count(), 1, "one Tab stop");
        assert!(main.contains("6 seats available, 2 held, 0 sold"), "{main}");
    });
}

#[test]
fn checkout_and_booking_belong_to_their_session() {
    one_at_a_time(async {
        let (app, f) = fixture_app().await;
        let (me, other) = (HolderId::random(), HolderId::random());
        let hold = f.hold(f.show, me, &["J5", "J6"]).await.unwrap();
        let checkout = get(&app, &format!("/checkout/{}", hold.token), Some(me))
            .await
            .2;
        let main = main_of(&checkout);
        assert!(
            main.contains("Seat J5") && main.contains("30.00 EUR"),
            "{main}"
        );
        assert!(
            main.contains("held for 5:00") || main.contains("held for 4:59"),
            "{main}"
        );
        assert!(
            main.contains("<form") && main.contains("name=\"card\""),
            "a payment form that works without JavaScript"
        );
        let theirs = get(&app, &format!("/checkout/{}", hold.token), Some(other))
            .await
            .2;
        assert!(
            main_of(&theirs).contains("class=\"error\""),
            "another session cannot see the hold"
        );
        let booking = f.engine.confirm(&hold.token, me, f.card()).await.unwrap();
        let confirmation = get(&app, &format!("/bookings/{}", booking.id), Some(me))
            .await
            .2;
        let main = main_of(&confirmation);
        assert!(main.contains("Booked: Avengers: Endgame"), "{main}");
        assert_eq!(
            main.matches("<svg").count(),
            2,
            "a QR code per ticket: {main}"
        );
        let codes: Vec<VerifiedTicket> = main
            .match_indices("SW1.")
            .map(|(at, _)| signer().verify(&main[at..at + 68]).unwrap())
            .collect();
        let shown: Vec<VerifiedTicket> = booking
            .tickets
            .iter()
            .map(|t| VerifiedTicket {
                show: f.show,
                ticket: t.id,
            })
            .collect();
        assert_eq!(codes, shown, "each ticket's signed code, printed");
        let theirs = get(&app, &format!("/bookings/{}", booking.id), Some(other))
            .await
            .2;
        assert!(
            main_of(&theirs).contains("does not exist"),
            "another session cannot see the booking"
        );
    });
}

#[test]
fn a_cancelled_show_s_booking_says_so_and_shows_no_codes() {
    one_at_a_time(async {
        let (app, f) = fixture_app().await;
        let me = HolderId::random();
        let hold = f.hold(f.show, me, &["J5", "J6"]).await.unwrap();
        let booking = f.engine.confirm(&hold.token, me, f.card()).await.unwrap();
        let reason = reservation_core::CancelReason::parse("Storm warning").unwrap();
        f.engine.cancel_show(f.show, &reason).await.unwrap();
        let page = get(&app, &format!("/bookings/{}", booking.id), Some(me))
            .await
            .2;
        let main = main_of(&page);
        assert!(main.contains("Cancelled: Avengers: Endgame"), "{main}");
        assert!(
            main.contains("The show was cancelled (Storm warning). 30.00 EUR has been refunded to the card ending 4242."),
            "{main}"
        );
        assert!(
            !main.contains("<svg") && !main.contains("SW1."),
            "no ticket codes: {main}"
        );
        let show = get(&app, &format!("/shows/{}", f.show), Some(me)).await.2;
        let main = main_of(&show);
        assert!(
            main.contains(
                "This show was cancelled (Storm warning). Everyone who booked has been refunded."
            ),
            "{main}"
        );
        assert!(
            !main.contains("Hold the best seats"),
            "nothing to hold: {main}"
        );
    });
}

#[test]
fn a_waiter_sees_its_place_in_line_and_nobody_else_does() {
    one_at_a_time(async {
        let (app, f) = fixture_app().await;
        f.hold(
            f.small_show,
            HolderId::random(),
            &["A1", "A2", "A3", "A4", "B1", "B2", "B3", "B4"],
        )
        .await
        .unwrap();
        let (me, other) = (HolderId::random(), HolderId::random());
        let request = reservation_core::WaitRequest::new(
            f.small_show,
            me,
            reservation_core::SeatCount::new(2).unwrap(),
        );
        let wait = f.engine.join_waitlist(&request).await.unwrap();
        let (_, _, html) = get(&app, &format!("/waits/{}", wait.id), Some(me)).await;
        let main = main_of(&html);
        assert!(
            main.contains("Waiting for 2 seats") && main.contains("You are number 1 in line."),
            "{main}"
        );
        // The holds ahead run out minutes after the fixture's 12:00 UTC,
        // told on the venue's clocks (America/Chicago).
        let estimate = free_up_time(main);
        assert!(
            estimate.starts_with("06:0") && estimate.ends_with(" CST"),
            "{main}"
        );
        assert!(
            main.contains("name=\"id\""),
            "a leave form that works without JavaScript"
        );
        let (_, _, theirs) = get(&app, &format!("/waits/{}", wait.id), Some(other)).await;
        assert!(
            main_of(&theirs).contains("class=\"error\""),
            "another session cannot see the wait"
        );
    });
}

#[test]
fn search_tolerates_typos_without_javascript_and_escapes_input() {
    one_at_a_time(async {
        let (app, f) = fixture_app().await;
        let (status, _, html) =
            get(&app, &format!("/search?q=avngers&city={}", f.city), None).await;
        assert_eq!(status, StatusCode::OK);
        let main = main_of(&html);
        assert!(
            main.contains("Avengers: Endgame")
                && main.contains(&format!("/events/{}?city={}", f.event, f.city)),
            "{main}"
        );
        let (_, _, html) = get(&app, "/search?q=zzqqxx", None).await;
        assert!(main_of(&html).contains("Nothing found"), "{html}");
        let (_, _, html) = get(&app, "/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E", None).await;
        assert!(
            !html.contains("<script>alert(1)"),
            "search text is escaped in the page"
        );
        assert!(main_of(&html).contains("Nothing found"), "{html}");
        // The title too: the words cannot close it early.
        let (_, _, html) = get(&app, "/search?q=%3C%2Ftitle%3E%3Cb%3Ex", None).await;
        assert!(
            !html.contains("</title><b>")
                && html.contains("<title>Search: /titlebx · Seatwise</title>"),
            "the search words stay in the title: {html}"
        );
    });
}

/// The fixture app with waiting rooms; `f.show`'s room is on: the lobby
/// opened now, the sale opens after `sale_in`, one shopper at a time.
async fn room_fixture_app(
    sale_in: time::Duration,
) -> (axum::Router, Fixture<MemoryStore>, WaitingRoom) {
    let f = Fixture::seed(MemoryStore::new(Policy::default())).await;
    let store: Arc<dyn Store> = f.store.clone();
    let room = WaitingRoom::new(
        f.store.clone(),
        Arc::new(f.clock.clone()),
        AdmissionSigner::new(&[7; 32]).unwrap(),
    );
    let now = reservation_core::Clock::now(&f.clock);
    let config = RoomConfig::new(now, now + sale_in, Pace::new(Some(1), None).unwrap()).unwrap();
    room.open(f.show, config).await.unwrap();
    let app = app(
        AppState::new(
            store,
            Arc::new(f.gateway.clone()),
            Arc::new(f.clock.clone()),
        )
        .with_waiting_room(room.clone()),
        site("target/site"),
    );
    (app, f, room)
}

/// Sends `request` as a browser (accepting HTML unless it says otherwise)
/// of `holder` with `cookies` besides the session: status, headers and the
/// HTML without hydration markers.
async fn send_as(
    app: &axum::Router,
    mut request: axum::http::request::Builder,
    body: Body,
    holder: HolderId,
    cookies: &str,
) -> (StatusCode, axum::http::HeaderMap, String) {
    if !request
        .headers_ref()
        .is_some_and(|h| h.contains_key(header::ACCEPT))
    {
        request = request.header(header::ACCEPT, "text/html,application/xhtml+xml");
    }
    let request = request.header(
        header::COOKIE,
        format!("{}={holder}; {cookies}", app_server::SESSION_COOKIE),
    );
    let response = app
        .clone()
        .oneshot(request.body(body).unwrap())
        .await
        .unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let html = String::from_utf8(bytes.to_vec()).unwrap();
    (status, headers, html.replace("<!>", ""))
}

#[test]
fn the_show_page_sends_a_visitor_without_a_pass_to_the_room() {
    one_at_a_time(async {
        let (app, f, _room) = room_fixture_app(time::Duration::minutes(1)).await;
        let me = HolderId::random();
        let (status, headers, _) = send_as(
            &app,
            Request::get(format!("/shows/{}", f.show)),
            Body::empty(),
            me,
            "seatwise_admission=SWA1.forged",
        )
        .await;
        assert!(status.is_redirection(), "{status}");
        assert_eq!(
            headers.get(header::LOCATION).unwrap(),
            &format!("/shows/{}/room", f.show)
        );
        // A show without a room shows its seats.
        let (status, _, html) = get(&app, &format!("/shows/{}", f.small_show), Some(me)).await;
        assert_eq!(status, StatusCode::OK);
        assert!(main_of(&html).contains("seat-map"));
    });
}

#[test]
fn the_waiting_page_joins_and_refreshes_itself_without_javascript() {
    one_at_a_time(async {
        let (app, f, room) = room_fixture_app(time::Duration::ZERO).await;
        // One shopper is admitted, then I arrive: second in line (one
        // ahead: the first queued visitor).
        for _ in 0..2 {
            room.join(f.show, HolderId::random()).await.unwrap();
        }
        room.pace().await.unwrap();
        let me = HolderId::random();
        let path = format!("/shows/{}/room", f.show);
        let (status, _, html) = get(&app, &path, Some(me)).await;
        assert_eq!(status, StatusCode::OK);
        let standing = room.status(f.show, me).await.unwrap();
        assert!(
            matches!(
                standing.place.standing,
                reservation_core::waiting_room::Standing::Queued { position: 2, .. }
            ),
            "the page joined the line: {standing:?}"
        );
        assert!(
            html.contains(r#"<meta http-equiv="refresh" content="10">"#),
            "reloads itself without JavaScript: {html}"
        );
        assert!(
            html.contains(
                "<title>#2 in line · Waiting room · Avengers: Endgame · Seatwise</title>"
            ),
            "{html}"
        );
        let main = main_of(&html);
        assert!(main.contains("You are number 2 in line."), "{main}");
        assert!(main.contains(r#"aria-live="polite""#), "{main}");
        assert!(main.contains(r#"<dd class="position">2</dd>"#), "{main}");
        assert!(main.contains(r#"<dd class="ahead">1</dd>"#), "{main}");
        assert!(
            main.contains(r#"<dd class="seats">200<small>0 held by shoppers"#),
            "{main}"
        );
        assert!(main.contains("2 people waiting in all."), "{main}");
        assert!(main.contains(r#"action="/_server/leave_room""#), "{main}");
        // Reloading keeps the place.
        let (_, _, again) = get(&app, &path, Some(me)).await;
        assert!(main_of(&again).contains("You are number 2 in line."));
        assert_eq!(room.status(f.show, me).await.unwrap().place.line.waiting, 2);
    });
}

#[test]
fn the_lobby_page_gives_the_sale_time() {
    one_at_a_time(async {
        let (app, f, _room) = room_fixture_app(time::Duration::minutes(2)).await;
        let (status, _, html) = get(
            &app,
            &format!("/shows/{}/room", f.show),
            Some(HolderId::random()),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let main = main_of(&html);
        // The fixture's clock: 2030-01-01 12:00 UTC, read on the venue's
        // clocks (America/Chicago).
        assert!(main.contains("The sale opens at 06:02:00 CST"), "{main}");
        assert!(
            main.contains(r#"<dd class="opens">06:02:00 CST</dd>"#),
            "{main}"
        );
    });
}

#[test]
fn an_admitted_visitor_goes_straight_to_the_seats_and_can_hold() {
    one_at_a_time(async {
        let (app, f, room) = room_fixture_app(time::Duration::ZERO).await;
        let me = HolderId::random();
        let path = format!("/shows/{}/room", f.show);
        let (status, _, _) = get(&app, &path, Some(me)).await;
        assert_eq!(status, StatusCode::OK);
        room.pace().await.unwrap();
        let (status, headers, _) = send_as(&app, Request::get(&path), Body::empty(), me, "").await;
        assert!(status.is_redirection(), "{status}");
        assert_eq!(
            headers.get(header::LOCATION).unwrap(),
            &format!("/shows/{}", f.show)
        );
        let cookie = headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|c| c.to_str().unwrap())
            .find(|c| c.starts_with("seatwise_admission="))
            .expect("the pass cookie");
        let pass = cookie.split(';').next().unwrap().to_owned();
        let (status, _, html) = send_as(
            &app,
            Request::get(format!("/shows/{}", f.show)),
            Body::empty(),
            me,
            &pass,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(main_of(&html).contains("seat-map"));
        // The page's hold takes the pass from the cookie; without it, the
        // visitor is sent to the room.
        let hold = |cookies: String| {
            let app = app.clone();
            async move {
                send_as(
                    &app,
                    Request::post("/_server/hold_best")
                        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                        .header(header::ACCEPT, "application/json"),
                    Body::from(format!("show={}&count=2", f.show)),
                    me,
                    &cookies,
                )
                .await
            }
        };
        let (status, _, body) = hold(pass.clone()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (_, _, body) = hold(String::new()).await;
        assert!(body.contains("waiting room"), "{body}");
        // So does the page's waitlist join: with the pass it passes the gate
        // (and is refused as seats are free); without, to the room.
        let wait = |cookies: String| {
            let app = app.clone();
            async move {
                send_as(
                    &app,
                    Request::post("/_server/join_wait")
                        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                        .header(header::ACCEPT, "application/json"),
                    Body::from(format!("show={}&count=2", f.show)),
                    me,
                    &cookies,
                )
                .await
            }
        };
        let (_, _, body) = wait(pass.clone()).await;
        assert!(
            body.contains("available") && !body.contains("waiting room"),
            "{body}"
        );
        let (_, headers, body) = wait(String::new()).await;
        assert!(body.contains("waiting room"), "{body}");
        assert!(headers.contains_key("serverfnredirect"), "{headers:?}");
    });
}

#[test]
fn leaving_the_line_works_without_javascript() {
    one_at_a_time(async {
        let (app, f, room) = room_fixture_app(time::Duration::minutes(1)).await;
        let me = HolderId::random();
        get(&app, &format!("/shows/{}/room", f.show), Some(me)).await;
        let (status, headers, _) = send_as(
            &app,
            Request::post("/_server/leave_room")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded"),
            Body::from(format!("show={}", f.show)),
            me,
            "",
        )
        .await;
        assert!(status.is_redirection(), "{status}");
        assert_eq!(
            headers.get(header::LOCATION).unwrap(),
            &format!("/events/{}", f.event)
        );
        assert_eq!(
            room.status(f.show, me).await.unwrap().place.standing,
            reservation_core::waiting_room::Standing::Left
        );
    });
}

#[test]
fn the_waiting_page_says_when_every_seat_is_held_sold_or_the_room_is_off() {
    one_at_a_time(async {
        let (app, f, room) = room_fixture_app(time::Duration::ZERO).await;
        // The 8-seat show behind its own room; its seats held by others (the
        // fixture's engine is not gated).
        let now = f.now();
        room.open(
            f.small_show,
            RoomConfig::new(now, now, Pace::new(Some(5), None).unwrap()).unwrap(),
        )
        .await
        .unwrap();
        let holds = f.fill(f.small_show, 0).await;
        room.pace().await.unwrap();
        let (me, path) = (HolderId::random(), format!("/shows/{}/room", f.small_show));
        let (_, _, html) = get(&app, &path, Some(me)).await;
        let main = main_of(&html);
        assert!(
            main.contains("All seats are held right now; the line keeps its order."),
            "{main}"
        );
        assert!(main.contains(r#"data-phase="all_held""#), "{main}");
        // Every seat booked: sold out, said to everyone.
        for hold in &holds {
            f.engine
                .confirm(&hold.token, hold.holder, f.card())
                .await
                .unwrap();
        }
        room.pace().await.unwrap();
        let (_, _, html) = get(&app, &path, Some(me)).await;
        assert!(
            main_of(&html).contains("Sold out: every seat is booked."),
            "{html}"
        );
        // The room switched off: the seats are on sale, with a link to them.
        room.close(f.small_show).await.unwrap();
        let (status, _, html) = get(&app, &path, Some(me)).await;
        assert_eq!(status, StatusCode::OK);
        let main = main_of(&html);
        assert!(main.contains("its seats are on sale"), "{main}");
        assert!(
            main.contains(&format!(r#"href="/shows/{}""#, f.small_show)),
            "{main}"
        );
    });
}

/// Shows in Vienna on both sides of the 2027 clock changes: every time reads
/// on the venue's clocks with its abbreviation, and the days are Vienna's
/// (a show at 00:30 belongs to the day it starts on there).
#[test]
fn times_read_on_the_venue_clock_across_clock_changes() {
    use reservation_core::CatalogAdmin;
    use reservation_core::catalog::{City, GeoPoint, Hall, PriceList, Show, TimeZone, Venue};
    use time::macros::datetime;
    one_at_a_time(async {
        let (app, f) = fixture_app().await;
        f.clock.advance(datetime!(2027-03-01 12:00 UTC) - f.now());
        let zone = TimeZone::parse("Europe/Vienna").unwrap();
        let here = GeoPoint::new(48.208, 16.373).unwrap();
        let city = City::new("Wien", "AT", here).with_time_zone(zone.clone());
        let venue = Venue::new(city.id, "Burgkino", here).with_time_zone(zone);
        let layout = reservation_core::catalog::grid_layout("burgkino", 2, 4, 0);
        let hall = Hall::new(reservation_core::HallId::random(), venue.id, "1", layout).unwrap();
        f.store.add_city(city.clone()).await.unwrap();
        f.store.add_venue(venue.clone()).await.unwrap();
        f.store.add_hall(hall.clone()).await.unwrap();
        let prices = PriceList::uniform(
            &hall.layout().categories,
            reservation_core::testkit::STANDARD_PRICE,
        );
        let mut shows = Vec::new();
        for at in [
            datetime!(2027-03-27 18:30 UTC), // Sat 27 Mar, 19:30 CET
            datetime!(2027-03-27 23:30 UTC), // Sun 28 Mar, 00:30 CET
            datetime!(2027-03-28 17:30 UTC), // Sun 28 Mar, 19:30 CEST
            datetime!(2027-10-30 17:30 UTC), // Sat 30 Oct, 19:30 CEST
            datetime!(2027-10-30 22:30 UTC), // Sun 31 Oct, 00:30 CEST
            datetime!(2027-10-31 18:30 UTC), // Sun 31 Oct, 19:30 CET
        ] {
            let show = Show::new(f.event, &venue, &hall, at, prices.clone());
            shows.push(show.id);
            f.store.add_show(show).await.unwrap();
        }
        let (_, _, html) = get(&app, &format!("/events/{}?city={}", f.event, city.id), None).await;
        let main = main_of(&html);
        assert!(!main.contains("UTC"), "{main}");
        // Each day once, in order, with its shows under it.
        let days = ["Sat 27 Mar", "Sun 28 Mar", "Sat 30 Oct", "Sun 31 Oct"];
        let at: Vec<usize> = days.iter().map(|d| main.find(d).unwrap()).collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{main}");
        let under = |day: usize| &main[at[day]..at.get(day + 1).copied().unwrap_or(main.len())];
        let times = |day: usize| {
            ["19:30 CET", "00:30 CET", "19:30 CEST", "00:30 CEST"]
                .into_iter()
                .filter(|t| under(day).contains(&format!(">{t}<")))
                .collect::<Vec<_>>()
        };
        assert_eq!(times(0), ["19:30 CET"]);
        assert_eq!(times(1), ["00:30 CET", "19:30 CEST"]);
        assert_eq!(times(2), ["19:30 CEST"]);
        assert_eq!(times(3), ["19:30 CET", "00:30 CEST"]);
        for d in days {
            assert_eq!(main.matches(d).count(), 1, "{d} once: {main}");
        }
        let (_, _, html) = get(&app, &format!("/shows/{}", shows[2]), None).await;
        assert!(
            main_of(&html).contains("Sunday 28 March, 19:30 CEST"),
            "{html}"
        );
        let (_, _, html) = get(&app, &format!("/cities/{}", city.id), None).await;
        assert!(main_of(&html).contains("Sat 27 Mar, 19:30 CET"), "{html}");
        // From Vienna's 28 March on: its midnight is 23:00 UTC on the 27th.
        let search = format!("/search?q=&city={}&from=2027-03-28", city.id);
        let (_, _, html) = get(&app, &search, None).await;
        let main = main_of(&html);
        assert!(
            main.contains("5 shows, first Sun 28 Mar, 00:30 CET"),
            "{main}"
        );
        // Thursday 25 March: this week in Vienna ends with Sunday the 28th,
        // whose last show starts at 19:30 CEST (17:30 UTC).
        f.clock.advance(datetime!(2027-03-25 12:00 UTC) - f.now());
        let search = format!("/search?q=&city={}&week=this", city.id);
        let (_, _, html) = get(&app, &search, None).await;
        let main = main_of(&html);
        assert!(
            main.contains("3 shows, first Sat 27 Mar, 19:30 CET"),
            "{main}"
        );
    });
}
