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
