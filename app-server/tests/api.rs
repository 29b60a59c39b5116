//! The REST API through the router, without a socket.

#![allow(clippy::unwrap_used)] // a test may panic on setup failure

mod common;
#[path = "api/extend.rs"]
mod extend;
#[path = "api/my_tickets.rs"]
mod my_tickets;

use std::sync::Arc;
use std::time::Duration;

use app_server::{AppState, Health, app, site};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Client, fixture_app, fixture_app_with};
use http_body_util::BodyExt;
use reservation_core::{MemoryStore, Policy};
use serde_json::json;
use tower::ServiceExt;

#[tokio::test]
async fn health_and_unknown_routes() {
    let (app, _) = fixture_app().await;
    let mut client = Client::new(&app);
    let (status, body) = client.get("/healthz").await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("alive"))
    );
    let (status, body) = client.get("/readyz").await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("ready"))
    );
    let (status, body) = client.get("/api/v1/nope").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("no_such_route"))
    );
}

/// Until start-up is done, the server is alive but not ready, and every
/// request but the health checks gets 503 `unavailable` with `Retry-After`
/// (a page that retries by itself for people); then it serves.
#[tokio::test]
async fn a_starting_server_answers_503_until_started() {
    let health = Health::starting(None, Duration::from_secs(5));
    let (app, _) = fixture_app_with(|state| state.with_health(health.clone())).await;
    let mut client = Client::new(&app);
    assert_eq!(client.get("/healthz").await.0, StatusCode::OK);
    let (status, body) = client.get("/readyz").await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("starting"))
    );
    let response = app
        .clone()
        .oneshot(Request::get("/api/v1/cities").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers()[header::RETRY_AFTER], "2");
    let body: serde_json::Value =
        serde_json::from_slice(&response.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(body["error"]["code"], "unavailable");
    let page = app
        .clone()
        .oneshot(Request::get("/").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        page.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );

    health.set_started();
    assert_eq!(client.get("/readyz").await.0, StatusCode::OK);
    assert_eq!(client.get("/api/v1/cities").await.0, StatusCode::OK);
}

/// The ids schemathesis is given (app-server/schemathesis.toml) exist in
/// the demo catalog.
#[tokio::test]
async fn the_schemathesis_ids_name_demo_entities() {
    use reservation_core::Catalog;
    let store = MemoryStore::new(Policy::default());
    app_server::demo::load(&store, time::OffsetDateTime::now_utc())
        .await
        .unwrap();
    let config = include_str!("../schemathesis.toml");
    let id = |name: &str| {
        let line = config
            .lines()
            .find(|l| l.starts_with(&format!("{name} = ")))
            .unwrap();
        line.split('"').nth(1).unwrap().to_owned()
    };
    store.city(id("city").parse().unwrap()).await.unwrap();
    store.event(id("event").parse().unwrap()).await.unwrap();
    store.venue(id("venue").parse().unwrap()).await.unwrap();
    store.show(id("show").parse().unwrap()).await.unwrap();
    // The room routes' show is the demo's waiting room show.
    let room = config
        .lines()
        .find_map(|l| l.strip_prefix("parameters = { show = \""))
        .and_then(|l| l.split('"').next())
        .unwrap();
    assert_eq!(room, app_server::demo::room_show().to_string());
}

/// Instances started together on an empty database both load the demo:
/// loading is idempotent, and a half-loaded demo is finished.
#[tokio::test]
async fn the_demo_loads_once_when_loaded_twice_at_once() {
    use reservation_core::Catalog;
    let store = MemoryStore::new(Policy::default());
    let now = time::OffsetDateTime::now_utc();
    assert!(app_server::demo::needs_loading(&store).await.unwrap());
    let (a, b) = tokio::join!(
        app_server::demo::load(&store, now),
        app_server::demo::load(&store, now)
    );
    assert_eq!(a.unwrap().shows, b.unwrap().shows);
    assert!(!app_server::demo::needs_loading(&store).await.unwrap());
    assert_eq!(store.cities().await.unwrap().len(), 6);
}

#[tokio::test]
async fn the_demo_catalog_is_a_real_storefront() {
    let store = MemoryStore::new(Policy::default());
    let now = time::OffsetDateTime::now_utc();
    let loaded = app_server::demo::load(&store, now).await.unwrap();
    assert!(
        loaded.cities >= 5 && loaded.venues >= 20 && loaded.events >= 30,
        "{loaded:?}"
    );
    assert!(loaded.largest_hall >= 2000, "{loaded:?}");
    let app = app(AppState::demo(Arc::new(store)), site("target/site"));
    let mut client = Client::new(&app);
    let (_, cities) = client.get("/api/v1/cities").await;
    let berlin = cities
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Berlin")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, events) = client.get(&format!("/api/v1/cities/{berlin}/events")).await;
    assert_eq!(status, StatusCode::OK);
    let events = events.as_array().unwrap();
    assert!(
        events.len() >= 10,
        "Berlin shows many events ({})",
        events.len()
    );
    // Showtimes span the next two weeks.
    let event = events[0]["event"]["id"].as_str().unwrap();
    let (_, details) = client
        .get(&format!("/api/v1/events/{event}?city={berlin}"))
        .await;
    let venue = &details["showtimes"][0];
    assert!(
        venue["shows"][0]["availability"]["available"]
            .as_u64()
            .unwrap()
            > 0
    );
    // Typo-tolerant search.
    let (status, found) = client.get("/api/v1/search?q=metropolsi").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(found["hits"][0]["event"]["title"], "Metropolis");
}

#[tokio::test]
async fn a_session_holds_pays_and_only_it_sees_its_booking() {
    let (app, f) = fixture_app().await;
    let (mut me, mut other) = (Client::new(&app), Client::new(&app));
    let show = f.show;
    let (status, map) = me.get(&format!("/api/v1/shows/{show}/seats")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(map["seats"].as_array().unwrap().len(), 200);
    let seats = f.seats(show, &["E5", "E6"]);
    let (status, hold) = me
        .post(
            &format!("/api/v1/shows/{show}/holds"),
            json!({ "seats": seats }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{hold}");
    let token = hold["token"].as_str().unwrap().to_owned();
    // Another session: the same seats are taken, and the token is unknown to it.
    let (status, refused) = other
        .post(
            &format!("/api/v1/shows/{show}/holds"),
            json!({ "seats": seats }),
        )
        .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("seats_taken"))
    );
    assert_eq!(refused["error"]["details"][0]["taken"], "held");
    let (status, _) = other
        .post(
            &format!("/api/v1/holds/{token}/confirm"),
            json!({ "card_number": "4242 4242 4242 4242" }),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Declined, then paid.
    let (status, declined) = me
        .post(
            &format!("/api/v1/holds/{token}/confirm"),
            json!({ "card_number": "4000 0000 0000 0002" }),
        )
        .await;
    assert_eq!(
        (status, declined["error"]["code"].as_str()),
        (StatusCode::PAYMENT_REQUIRED, Some("payment_declined"))
    );
    let (status, booking) = me
        .post(
            &format!("/api/v1/holds/{token}/confirm"),
            json!({ "card_number": "4242 4242 4242 4242" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{booking}");
    assert_eq!(booking["tickets"].as_array().unwrap().len(), 2);
    // Each ticket's signed code verifies; an altered one does not.
    let codes = booking["ticket_codes"].as_array().unwrap();
    assert_eq!(codes.len(), 2);
    for (code, ticket) in codes.iter().zip(booking["tickets"].as_array().unwrap()) {
        let (status, genuine) = other
            .post("/api/v1/tickets/verify", json!({ "code": code }))
            .await;
        assert_eq!(status, StatusCode::OK, "{genuine}");
        assert_eq!(
            (&genuine["ticket"], &genuine["show"]),
            (&ticket["id"], &json!(show))
        );
        let mut forged = code.as_str().unwrap().to_owned();
        let last = if forged.ends_with('A') { "B" } else { "A" };
        forged.replace_range(forged.len() - 1.., last);
        let (status, refused) = other
            .post("/api/v1/tickets/verify", json!({ "code": forged }))
            .await;
        assert_eq!(
            (status, refused["error"]["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("forged_ticket_code"))
        );
    }
    let id = booking["id"].as_str().unwrap();
    assert_eq!(
        me.get(&format!("/api/v1/bookings/{id}")).await.0,
        StatusCode::OK
    );
    assert_eq!(
        other.get(&format!("/api/v1/bookings/{id}")).await.0,
        StatusCode::NOT_FOUND
    );
    let (_, map) = me.get(&format!("/api/v1/shows/{show}/seats")).await;
    let mine = map["seats"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["mine"] == true)
        .count();
    assert_eq!(mine, 2);
}

#[tokio::test]
async fn bad_input_gets_json_errors_with_4xx() {
    let (app, f) = fixture_app().await;
    let mut client = Client::new(&app);
    let show = f.show;
    let cases = [
        (
            "POST",
            format!("/api/v1/shows/{show}/holds"),
            Some(json!({ "seats": [] })),
        ),
        (
            "POST",
            format!("/api/v1/shows/{show}/holds"),
            Some(json!({ "best_available": { "count": 11 } })),
        ),
        (
            "POST",
            format!("/api/v1/shows/{show}/holds"),
            Some(json!({ "nonsense": true })),
        ),
        ("GET", "/api/v1/shows/not-a-uuid/seats".to_owned(), None),
        ("GET", format!("/api/v1/holds/{}", "x".repeat(64)), None),
        ("GET", "/api/v1/search?limit=0".to_owned(), None),
        ("GET", "/api/v1/search?cursor=forged".to_owned(), None),
        (
            "GET",
            "/api/v1/search?lat=91&lon=0&radius_km=5".to_owned(),
            None,
        ),
        (
            "GET",
            format!("/api/v1/shows/{}", uuid::Uuid::new_v4()),
            None,
        ),
    ];
    for (method, uri, body) in cases {
        let (status, error) = client.send(method, &uri, body).await;
        assert!(status.is_client_error(), "{method} {uri}: {status}");
        assert!(
            error["error"]["code"].is_string() && error["error"]["message"].is_string(),
            "{method} {uri}: {error}"
        );
    }
    let raw = Request::post(format!("/api/v1/shows/{show}/holds"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{not json"))
        .unwrap();
    let response = app.oneshot(raw).await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn waiting_through_the_api() {
    let (app, f) = fixture_app().await;
    let (mut holder, mut waiter) = (Client::new(&app), Client::new(&app));
    let show = f.small_show;
    let all = f.seats(show, &["A1", "A2", "A3", "A4", "B1", "B2", "B3", "B4"]);
    let (status, _) = holder
        .post(
            &format!("/api/v1/shows/{show}/holds"),
            json!({ "seats": all }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, wait) = waiter
        .post(
            &format!("/api/v1/shows/{show}/waits"),
            json!({ "count": 2 }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{wait}");
    let id = wait["id"].as_str().unwrap();
    let (_, status) = waiter.get(&format!("/api/v1/waits/{id}")).await;
    assert_eq!(
        (status["state"].as_str(), status["position"].as_u64()),
        (Some("waiting"), Some(1))
    );
    f.advance(f.policy.hold_time + f.policy.grace);
    let (_, status) = waiter.get(&format!("/api/v1/waits/{id}")).await;
    assert_eq!(status["state"], "offered");
    assert_eq!(status["hold"]["seats"].as_array().unwrap().len(), 2);
    assert_eq!(
        holder.get(&format!("/api/v1/waits/{id}")).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_event_stream_sends_changes_with_their_sequence() {
    let (app, f) = fixture_app().await;
    let show = f.show;
    let request = Request::get(format!("/api/v1/shows/{show}/events"))
        .body(Body::empty())
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "text/event-stream"
    );
    let mut body = response.into_body();
    let mut client = Client::new(&app);
    let seats = f.seats(show, &["J1"]);
    client
        .post(
            &format!("/api/v1/shows/{show}/holds"),
            json!({ "seats": seats }),
        )
        .await;
    let mut text = String::new();
    while !text.contains("\n\n") {
        let frame = tokio::time::timeout(Duration::from_secs(5), body.frame())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        if let Ok(data) = frame.into_data() {
            text.push_str(std::str::from_utf8(&data).unwrap());
        }
    }
    assert!(
        text.contains("id: 1")
            && text.contains("event: change")
            && text.contains("\"type\":\"held\""),
        "{text}"
    );
    // The data is the versioned wire form the OpenAPI document describes.
    let data = text
        .lines()
        .find_map(|line| line.strip_prefix("data:"))
        .unwrap();
    let event: serde_json::Value = serde_json::from_str(data.trim()).unwrap();
    assert_eq!(event["v"], reservation_core::events::wire::FORMAT);
    assert_eq!(event["seq"], 1);
    let (_, doc) = client.get("/api/v1/openapi.json").await;
    let schema = &doc["components"]["schemas"]["ShowEvent"];
    for field in ["v", "show", "seq", "at", "change"] {
        assert!(
            schema["properties"][field].is_object(),
            "ShowEvent documents `{field}`: {schema}"
        );
        assert!(
            event[field] != serde_json::Value::Null,
            "the stream sends `{field}`: {event}"
        );
    }
}

#[tokio::test]
async fn the_openapi_document_covers_every_route() {
    let (app, _) = fixture_app().await;
    let (status, doc) = Client::new(&app).get("/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let mut paths: Vec<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |method| (method.clone(), path.clone()))
        })
        .collect();
    paths.sort();
    let mut expected: Vec<(String, String)> = [
        ("get", "/api/v1/cities"),
        ("get", "/api/v1/cities/{city}/events"),
        ("get", "/api/v1/venues/{venue}/events"),
        ("get", "/api/v1/events/{event}"),
        ("get", "/api/v1/search"),
        ("get", "/api/v1/shows/{show}"),
        ("get", "/api/v1/shows/{show}/seats"),
        ("get", "/api/v1/shows/{show}/events"),
        ("post", "/api/v1/shows/{show}/holds"),
        ("post", "/api/v1/shows/{show}/waits"),
        ("post", "/api/v1/shows/{show}/room"),
        ("get", "/api/v1/shows/{show}/room"),
        ("delete", "/api/v1/shows/{show}/room"),
        ("get", "/api/v1/holds/{token}"),
        ("delete", "/api/v1/holds/{token}"),
        ("post", "/api/v1/holds/{token}/confirm"),
        ("post", "/api/v1/holds/{token}/extend"),
        ("get", "/api/v1/bookings/{booking}"),
        ("delete", "/api/v1/bookings/{booking}"),
        ("get", "/api/v1/me/tickets"),
        ("post", "/api/v1/tickets/verify"),
        ("get", "/api/v1/waits/{wait}"),
        ("delete", "/api/v1/waits/{wait}"),
        ("get", "/api/v1/openapi.json"),
        ("post", "/api/v1/admin/cities"),
        ("put", "/api/v1/admin/cities/{city}"),
        ("post", "/api/v1/admin/venues"),
        ("put", "/api/v1/admin/venues/{venue}"),
        ("post", "/api/v1/admin/venues/{venue}/halls"),
        ("post", "/api/v1/admin/performers"),
        ("put", "/api/v1/admin/performers/{performer}"),
        ("post", "/api/v1/admin/events"),
        ("put", "/api/v1/admin/events/{event}"),
        ("post", "/api/v1/admin/shows"),
        ("post", "/api/v1/admin/shows/{show}/pause"),
        ("post", "/api/v1/admin/shows/{show}/resume"),
        ("post", "/api/v1/admin/shows/{show}/reschedule"),
        ("post", "/api/v1/admin/shows/{show}/cancel"),
    ]
    .iter()
    .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
    .collect();
    expected.sort();
    assert_eq!(paths, expected);
    for schema in [
        "Hold",
        "SeatSelection",
        "SeatMap",
        "Booking",
        "WaitStatus",
        "ShowEvent",
        "Error",
        "Layout",
    ] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "schema {schema} is documented"
        );
    }
}

/// Times keep their RFC 3339 instant and add the venue's zone and local
/// start; search's days are the city's (the fixture's city and venue are in
/// America/Chicago, its clock at 2030-01-01 12:00 UTC, its shows a day
/// later: 06:00 CST).
#[tokio::test]
async fn times_come_with_the_zone_and_days_are_the_citys() {
    let (app, f) = fixture_app().await;
    let mut client = Client::new(&app);
    let (status, details) = client.get(&format!("/api/v1/shows/{}", f.show)).await;
    assert_eq!(status, StatusCode::OK);
    let show = &details["show"];
    assert_eq!(show["starts_at"], "2030-01-02T12:00:00Z");
    assert_eq!(show["time_zone"], "America/Chicago");
    assert_eq!(show["starts_at_local"], "2030-01-02T06:00:00-06:00");
    assert_eq!(details["venue"]["time_zone"], "America/Chicago");
    let (_, event) = client
        .get(&format!("/api/v1/events/{}?city={}", f.event, f.city))
        .await;
    let listed = &event["showtimes"][0]["shows"][0];
    assert_eq!(listed["starts_at_local"], "2030-01-02T06:00:00-06:00");
    assert_eq!(listed["time_zone"], "America/Chicago");
    let (_, cities) = client.get("/api/v1/cities").await;
    assert_eq!(cities[0]["time_zone"], "America/Chicago");
    let (_, in_city) = client
        .get(&format!("/api/v1/cities/{}/events", f.city))
        .await;
    let (_, at_venue) = client
        .get(&format!("/api/v1/venues/{}/events", f.venue))
        .await;
    for summary in [&in_city[0], &at_venue["events"][0]] {
        assert_eq!(summary["next_show"], "2030-01-02T12:00:00Z", "{summary}");
        assert_eq!(summary["next_show_local"], "2030-01-02T06:00:00-06:00");
        assert_eq!(summary["time_zone"], "America/Chicago");
    }

    let search = |query: String| format!("/api/v1/search?city={}&{query}", f.city);
    let (status, page) = client
        .get(&search("first_day=2030-01-02&last_day=2030-01-02".into()))
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["hits"][0]["shows"], 2);
    assert_eq!(page["hits"][0]["time_zone"], "America/Chicago");
    let (_, page) = client.get(&search("first_day=2030-01-03".into())).await;
    assert_eq!(page["hits"], json!([]));
    // Tuesday 1 January 2030: the week runs from Monday 30 December.
    let (_, page) = client.get(&search("this_week=true".into())).await;
    assert_eq!(page["hits"][0]["shows"], 2, "{page}");
    for query in ["first_day=2030-01-02", "this_week=true"] {
        let (status, body) = client.get(&format!("/api/v1/search?{query}")).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("days_need_city")),
            "{query}"
        );
    }
    let (status, _) = client.get(&search("first_day=2030-13-01".into())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (_, doc) = client.get("/api/v1/openapi.json").await;
    let zoned = doc["components"]["schemas"]["ZonedShow"].to_string();
    assert!(
        zoned.contains("starts_at_local") && zoned.contains("time_zone"),
        "{zoned}"
    );
    let search_params = doc["paths"]["/api/v1/search"]["get"]["parameters"].to_string();
    for name in ["first_day", "last_day", "this_week"] {
        assert!(search_params.contains(name), "{name}: {search_params}");
    }
}
