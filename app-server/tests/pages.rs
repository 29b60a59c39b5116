//! The pages render on the server, complete, so they read fine with
//! JavaScript off; the browser tests (next) cover hydration.

#![allow(clippy::unwrap_used)] // a test may panic on setup failure

use std::sync::Arc;

use app_server::{AppState, app, site};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use reservation_core::testkit::Fixture;
use reservation_core::{MemoryStore, Policy, Store};
use tower::ServiceExt;

async fn page(uri: &str) -> (StatusCode, String, String) {
    let f = Fixture::seed(MemoryStore::new(Policy::default())).await;
    let store: Arc<dyn Store> = f.store.clone();
    let app = app(
        AppState::new(
            store,
            Arc::new(f.gateway.clone()),
            Arc::new(f.clock.clone()),
        ),
        site("target/site"),
    );
    let uri = uri.replace("{city}", &f.city.to_string());
    let response = app
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
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
    (status, kind, body)
}

/// The text inside `<main>`, so content streamed into `<template>`s (which
/// needs JavaScript) does not count.
fn main_of(html: &str) -> &str {
    let start = html.find("<main>").unwrap();
    let end = html[start..].find("</main>").unwrap();
    &html[start..start + end]
}

#[tokio::test]
async fn home_lists_cities_without_javascript() {
    let (status, kind, html) = page("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.starts_with("text/html"), "{kind}");
    assert!(main_of(&html).contains("Springfield"), "{html}");
    assert!(
        html.contains("/pkg/app_web.js"),
        "the page loads its hydration script"
    );
}

#[tokio::test]
async fn a_city_lists_its_events_without_javascript() {
    let (status, _, html) = page("/cities/{city}").await;
    assert_eq!(status, StatusCode::OK);
    let main = main_of(&html);
    assert!(
        main.contains("Springfield") && main.contains("Avengers: Endgame"),
        "{main}"
    );
}

#[tokio::test]
async fn an_unknown_city_says_so() {
    let (_, _, html) = page(&format!("/cities/{}", uuid::Uuid::new_v4())).await;
    assert!(main_of(&html).contains("class=\"error\""), "{html}");
}

#[tokio::test]
async fn an_event_lists_venues_and_showtimes_by_day() {
    let f = Fixture::seed(MemoryStore::new(Policy::default())).await;
    let store: Arc<dyn Store> = f.store.clone();
    let app = app(
        AppState::new(
            store,
            Arc::new(f.gateway.clone()),
            Arc::new(f.clock.clone()),
        ),
        site("target/site"),
    );
    let uri = format!("/events/{}?city={}", f.event, f.city);
    let response = app
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let html = String::from_utf8(
        response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap();
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
}

#[tokio::test]
async fn a_show_draws_every_seat_with_its_state() {
    let f = Fixture::seed(MemoryStore::new(Policy::default())).await;
    let me = reservation_core::HolderId::random();
    f.hold(f.small_show, me, &["A1", "A2"]).await.unwrap();
    let store: Arc<dyn Store> = f.store.clone();
    let app = app(
        AppState::new(
            store,
            Arc::new(f.gateway.clone()),
            Arc::new(f.clock.clone()),
        ),
        site("target/site"),
    );
    let uri = format!("/shows/{}", f.small_show);
    let response = app
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let html = String::from_utf8(
        response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap();
    let main = main_of(&html);
    assert_eq!(main.matches("<circle").count(), 8, "one circle per seat");
    assert_eq!(main.matches("class=\"seat held").count(), 2, "{main}");
    assert!(
        main.contains("aria-label=\"Seat A1, 9.00 EUR, held\""),
        "{main}"
    );
    // Text nodes are separated by hydration markers.
    assert!(
        main.replace("<!>", "")
            .contains("6 seats available, 2 held, 0 sold"),
        "{main}"
    );
}

/// GETs `uri` as the session of `holder`.
async fn page_as(app: &axum::Router, uri: &str, holder: reservation_core::HolderId) -> String {
    let request = Request::get(uri)
        .header(
            header::COOKIE,
            format!("{}={holder}", app_server::SESSION_COOKIE),
        )
        .body(Body::empty())
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    String::from_utf8(
        response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap()
    .replace("<!>", "")
}

#[tokio::test]
async fn checkout_and_booking_belong_to_their_session() {
    let f = Fixture::seed(MemoryStore::new(Policy::default())).await;
    let store: Arc<dyn Store> = f.store.clone();
    let app = app(
        AppState::new(
            store,
            Arc::new(f.gateway.clone()),
            Arc::new(f.clock.clone()),
        ),
        site("target/site"),
    );
    let (me, other) = (
        reservation_core::HolderId::random(),
        reservation_core::HolderId::random(),
    );
    let hold = f.hold(f.show, me, &["J5", "J6"]).await.unwrap();
    let checkout = page_as(&app, &format!("/checkout/{}", hold.token), me).await;
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
    let theirs = page_as(&app, &format!("/checkout/{}", hold.token), other).await;
    assert!(
        main_of(&theirs).contains("class=\"error\""),
        "another session cannot see the hold"
    );
    let booking = f.engine.confirm(&hold.token, me, f.card()).await.unwrap();
    let confirmation = page_as(&app, &format!("/bookings/{}", booking.id), me).await;
    let main = main_of(&confirmation);
    assert!(
        main.contains("Booked: Avengers: Endgame")
            && main.contains(&booking.tickets[0].id.to_string()),
        "{main}"
    );
    let theirs = page_as(&app, &format!("/bookings/{}", booking.id), other).await;
    assert!(
        main_of(&theirs).contains("does not exist"),
        "another session cannot see the booking"
    );
}
