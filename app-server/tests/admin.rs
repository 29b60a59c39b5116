//! The organizer API: closed without the token, and with it a city, venue,
//! hall (from `examples/layouts/studio.json`), performer, event and show
//! put on a running server and sold through the public API, then corrected
//! (`updates`); every refusal a JSON error naming what is wrong.

#![allow(clippy::unwrap_used)] // a test may panic on setup failure

mod common;
#[path = "admin/updates.rs"]
mod updates;

use app_server::AdminToken;
use axum::Router;
use axum::http::StatusCode;
use common::{Client, fixture_app_with};
use serde_json::{Value, json};

const TOKEN: &str = "organizer-token-0123456789";

async fn app() -> Router {
    let (app, _) =
        fixture_app_with(|state| state.with_admin_token(AdminToken::new(TOKEN).unwrap())).await;
    app
}

/// An organizer's request: status and JSON.
async fn admin(client: &mut Client, method: &str, uri: &str, body: Value) -> (StatusCode, Value) {
    let bearer = format!("Bearer {TOKEN}");
    let (status, _, json) = client
        .send_with(
            method,
            uri,
            Some(("application/json", body.to_string().into_bytes())),
            &[("authorization", &bearer)],
        )
        .await;
    (status, json)
}

fn studio() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/layouts/studio.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn text(value: &Value) -> String {
    value.as_str().unwrap().to_owned()
}

#[tokio::test]
async fn without_the_token_the_organizer_api_is_closed_and_says_nothing_more() {
    let app = app().await;
    let mut client = Client::new(&app);
    let city =
        json!({ "name": "Vienna", "country": "AT", "location": { "lat": 48.2, "lon": 16.37 } });
    for (uri, authorization) in [
        ("/api/v1/admin/cities", None),
        (
            "/api/v1/admin/cities",
            Some("Bearer wrong-token-0123456789"),
        ),
        ("/api/v1/admin/cities", Some(TOKEN)),
        ("/api/v1/admin/no-such-route", None),
    ] {
        let headers: Vec<(&str, &str)> = authorization
            .iter()
            .map(|a| ("authorization", *a))
            .collect();
        let (status, headers, body) = client
            .send_with(
                "POST",
                uri,
                Some(("application/json", city.to_string().into_bytes())),
                &headers,
            )
            .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("unauthorized")),
            "{uri} with {authorization:?}"
        );
        assert_eq!(headers["www-authenticate"], "Bearer");
    }
    // With the token, an unknown route is just that.
    let (status, body) = admin(
        &mut client,
        "POST",
        "/api/v1/admin/no-such-route",
        json!({}),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("no_such_route"))
    );

    // A server without a token has no organizer API at all.
    let (closed, _) = fixture_app_with(|state| state).await;
    let (status, body) = admin(
        &mut Client::new(&closed),
        "POST",
        "/api/v1/admin/cities",
        city,
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthorized"))
    );
}

#[tokio::test]
async fn an_organizer_puts_on_a_show_that_buyers_can_find_and_book() {
    let app = app().await;
    let mut client = Client::new(&app);
    let (status, city) = admin(
        &mut client,
        "POST",
        "/api/v1/admin/cities",
        json!({ "name": "Vienna", "country": "AT", "location": { "lat": 48.2, "lon": 16.37 },
                "time_zone": "Europe/Vienna" }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{city}");
    assert_eq!(city["time_zone"], "Europe/Vienna");
    let (status, _) = admin(
        &mut client,
        "POST",
        "/api/v1/admin/cities",
        json!({ "name": "Atlantis", "country": "XX", "location": { "lat": 0.0, "lon": 0.0 },
                "time_zone": "Atlantic/Atlantis" }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "an unknown zone");
    let (status, venue) = admin(
        &mut client,
        "POST",
        "/api/v1/admin/venues",
        json!({ "city": city["id"], "name": "Filmhaus", "address": "Spittelberggasse 3", "postal_code": "1070",
                "location": { "lat": 48.203, "lon": 16.355 } }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{venue}");
    assert_eq!(
        venue["time_zone"], "Europe/Vienna",
        "a venue is in its city's zone"
    );
    let venue_id = text(&venue["id"]);
    let (status, hall) = admin(
        &mut client,
        "POST",
        &format!("/api/v1/admin/venues/{venue_id}/halls"),
        studio(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{hall}");
    assert_eq!(
        (hall["name"].as_str(), hall["capacity"].as_u64()),
        (Some("Studio 2"), Some(40))
    );
    let (status, performer) = admin(
        &mut client,
        "POST",
        "/api/v1/admin/performers",
        json!({ "name": "Fritz Lang" }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{performer}");
    let (status, event) = admin(
        &mut client,
        "POST",
        "/api/v1/admin/events",
        json!({ "kind": "movie", "title": "Der müde Tod", "genres": ["Drama"], "performers": [performer["id"]],
                "duration_minutes": 98, "rating": "12" }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{event}");
    let starts_at = "2030-03-14T18:30:00Z";
    let (status, show) = admin(
        &mut client,
        "POST",
        "/api/v1/admin/shows",
        json!({ "event": event["id"], "venue": venue_id, "hall": hall["id"], "starts_at": starts_at,
                "currency": "EUR", "prices": { "A": 1100, "P": 1500 } }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{show}");
    let show_id = text(&show["id"]);

    // Buyers find it and book it, wheelchair places and all.
    let (status, found) = client
        .get(&format!(
            "/api/v1/events/{}?city={}",
            text(&event["id"]),
            text(&city["id"])
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert!(
        found.to_string().contains(&show_id),
        "the event lists the new show: {found}"
    );
    let (status, details) = client.get(&format!("/api/v1/shows/{show_id}")).await;
    assert_eq!(status, StatusCode::OK, "{details}");
    let row_a = details
        .pointer("/hall/layout/sections/0/rows/0/seats")
        .unwrap();
    assert_eq!(row_a[0]["label"], "A1");
    assert_eq!(row_a[0]["flags"]["accessible"], true, "{}", row_a[0]);
    assert_eq!(row_a[1]["flags"]["companion"], true, "{}", row_a[1]);
    let (status, map) = client.get(&format!("/api/v1/shows/{show_id}/seats")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(map["counts"]["available"], 40, "{}", map["counts"]);
    let (status, hold) = client
        .post(
            &format!("/api/v1/shows/{show_id}/holds"),
            json!({ "best_available": { "count": 2 } }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{hold}");
    let labels: Vec<&str> = hold["seats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["C4", "C5"], "the middle of the middle row: {hold}");
    assert_eq!(hold["total"]["minor"], 2200, "at the show's prices: {hold}");
}

#[tokio::test]
async fn refused_layouts_name_the_offending_seat() {
    let app = app().await;
    let mut client = Client::new(&app);
    let (_, city) = admin(
        &mut client,
        "POST",
        "/api/v1/admin/cities",
        json!({ "name": "Graz", "country": "AT", "location": { "lat": 47.07, "lon": 15.44 } }),
    )
    .await;
    let (_, venue) = admin(
        &mut client,
        "POST",
        "/api/v1/admin/venues",
        json!({ "city": city["id"], "name": "Rechbauerkino", "location": { "lat": 47.07, "lon": 15.45 } }),
    )
    .await;
    let halls = format!("/api/v1/admin/venues/{}/halls", text(&venue["id"]));
    let seat = |path: &str| format!("/sections/0/rows/0/seats/{path}");
    let cases: [(&str, Value, Value); 3] = [
        ("duplicate label", json!("A1"), json!({ "seat": "A1" })),
        (
            "unknown category",
            json!("X"),
            json!({ "seat": "A2", "category": "X" }),
        ),
        (
            "overlap",
            json!({ "x": 22.0, "y": 31.0 }),
            json!({ "seat": "A1", "overlaps": "A2" }),
        ),
    ];
    for (what, value, details) in cases {
        let mut layout = studio();
        let target = match what {
            "duplicate label" => seat("1/label"),
            "unknown category" => seat("1/category"),
            _ => seat("1/position"),
        };
        *layout.pointer_mut(&target).unwrap() = value;
        let (status, body) = admin(&mut client, "POST", &halls, layout).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_layout")),
            "{what}: {body}"
        );
        assert_eq!(body["error"]["details"], details, "{what}: {body}");
    }
    // A document that is not a layout at all, and a venue that does not exist.
    let (status, body) = admin(&mut client, "POST", &halls, json!({ "name": "Empty" })).await;
    assert!(status.is_client_error(), "{body}");
    let (status, body) = admin(
        &mut client,
        "POST",
        &format!("/api/v1/admin/venues/{}/halls", uuid::Uuid::new_v4()),
        studio(),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
}

#[tokio::test]
async fn shows_that_cannot_be_are_refused_with_the_reason() {
    let app = app().await;
    let mut client = Client::new(&app);
    let (_, city) = admin(
        &mut client,
        "POST",
        "/api/v1/admin/cities",
        json!({ "name": "Linz", "country": "AT", "location": { "lat": 48.3, "lon": 14.29 } }),
    )
    .await;
    let (status, body) = admin(
        &mut client,
        "POST",
        "/api/v1/admin/venues",
        json!({ "city": uuid::Uuid::new_v4(), "name": "Nowhere", "location": { "lat": 48.3, "lon": 14.29 } }),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_reference"))
    );
    let (_, venue) = admin(
        &mut client,
        "POST",
        "/api/v1/admin/venues",
        json!({ "city": city["id"], "name": "Moviemento", "location": { "lat": 48.3, "lon": 14.29 } }),
    )
    .await;
    let venue_id = text(&venue["id"]);
    let (_, hall) = admin(
        &mut client,
        "POST",
        &format!("/api/v1/admin/venues/{venue_id}/halls"),
        studio(),
    )
    .await;
    let (_, event) = admin(
        &mut client,
        "POST",
        "/api/v1/admin/events",
        json!({ "kind": "movie", "title": "M", "duration_minutes": 117 }),
    )
    .await;
    let show = |starts_at: &str, prices: Value| {
        json!({ "event": event["id"], "venue": venue_id, "hall": hall["id"], "starts_at": starts_at,
                "currency": "EUR", "prices": prices })
    };
    let cases = [
        (
            "in the past",
            show("2001-01-01T20:00:00Z", json!({ "A": 900, "P": 1200 })),
            "starts_in_the_past",
        ),
        (
            "a category unpriced",
            show("2030-01-01T20:00:00Z", json!({ "A": 900 })),
            "invalid_catalog_data",
        ),
        (
            "a category the hall lacks",
            show(
                "2030-01-01T20:00:00Z",
                json!({ "A": 900, "P": 1200, "Z": 1 }),
            ),
            "invalid_catalog_data",
        ),
        (
            "a negative price",
            show("2030-01-01T20:00:00Z", json!({ "A": -1, "P": 1200 })),
            "invalid_catalog_data",
        ),
    ];
    for (what, body, code) in cases {
        let (status, refused) = admin(&mut client, "POST", "/api/v1/admin/shows", body).await;
        assert_eq!(
            (status, refused["error"]["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(code)),
            "{what}: {refused}"
        );
    }
    let (status, refused) = admin(
        &mut client,
        "POST",
        "/api/v1/admin/events",
        json!({ "kind": "movie", "title": "  ", "duration_minutes": 90 }),
    )
    .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_input"))
    );
}

/// Puts on a show of the studio layout: its id.
async fn put_on_show(client: &mut Client) -> String {
    let (_, city) = admin(
        client,
        "POST",
        "/api/v1/admin/cities",
        json!({ "name": "Innsbruck", "country": "AT", "location": { "lat": 47.26, "lon": 11.39 } }),
    )
    .await;
    let (_, venue) = admin(
        client,
        "POST",
        "/api/v1/admin/venues",
        json!({ "city": city["id"], "name": "Leokino", "location": { "lat": 47.26, "lon": 11.39 } }),
    )
    .await;
    let venue_id = text(&venue["id"]);
    let (_, hall) = admin(
        client,
        "POST",
        &format!("/api/v1/admin/venues/{venue_id}/halls"),
        studio(),
    )
    .await;
    let (_, event) = admin(
        client,
        "POST",
        "/api/v1/admin/events",
        json!({ "kind": "movie", "title": "Sunrise", "duration_minutes": 94 }),
    )
    .await;
    let (status, show) = admin(
        client,
        "POST",
        "/api/v1/admin/shows",
        json!({ "event": event["id"], "venue": venue_id, "hall": hall["id"], "starts_at": "2030-06-01T19:00:00Z",
                "currency": "EUR", "prices": { "A": 1000, "P": 1400 } }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{show}");
    text(&show["id"])
}

#[tokio::test]
async fn an_organizer_pauses_moves_and_cancels_a_show_and_buyers_get_their_money_back() {
    let (app, f) =
        fixture_app_with(|state| state.with_admin_token(AdminToken::new(TOKEN).unwrap())).await;
    let mut organizer = Client::new(&app);
    let show = put_on_show(&mut organizer).await;
    let mut buyer = Client::new(&app);
    let holds = format!("/api/v1/shows/{show}/holds");
    let two = json!({ "best_available": { "count": 2 } });
    let (status, hold) = buyer.post(&holds, two.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{hold}");
    let (status, booking) = buyer
        .post(
            &format!("/api/v1/holds/{}/confirm", text(&hold["token"])),
            json!({ "card_number": "4242 4242 4242 4242" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{booking}");

    // Paused: no new holds; resumed: holds again.
    let (status, paused) = admin(
        &mut organizer,
        "POST",
        &format!("/api/v1/admin/shows/{show}/pause"),
        json!(null),
    )
    .await;
    assert_eq!(
        (status, paused["sales"]["state"].as_str()),
        (StatusCode::OK, Some("paused")),
        "{paused}"
    );
    let (status, refused) = buyer.post(&holds, two.clone()).await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("sales_closed")),
        "{refused}"
    );
    let (status, resumed) = admin(
        &mut organizer,
        "POST",
        &format!("/api/v1/admin/shows/{show}/resume"),
        json!(null),
    )
    .await;
    assert_eq!(
        (status, resumed["sales"]["state"].as_str()),
        (StatusCode::OK, Some("on_sale")),
        "{resumed}"
    );
    let (status, _) = buyer
        .post(&holds, json!({ "best_available": { "count": 1 } }))
        .await;
    assert_eq!(status, StatusCode::CREATED);

    // Moved, but not into the past.
    let reschedule = format!("/api/v1/admin/shows/{show}/reschedule");
    let (status, moved) = admin(
        &mut organizer,
        "POST",
        &reschedule,
        json!({ "starts_at": "2030-06-02T19:30:00Z" }),
    )
    .await;
    assert_eq!(
        (status, moved["starts_at"].as_str()),
        (StatusCode::OK, Some("2030-06-02T19:30:00Z")),
        "{moved}"
    );
    let (status, refused) = admin(
        &mut organizer,
        "POST",
        &reschedule,
        json!({ "starts_at": "2001-01-01T00:00:00Z" }),
    )
    .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("starts_in_the_past")),
        "{refused}"
    );

    // Cancelled: the booking is cancelled and refunded once, even when cancelled twice.
    let cancel = format!("/api/v1/admin/shows/{show}/cancel");
    let (status, refused) =
        admin(&mut organizer, "POST", &cancel, json!({ "reason": "   " })).await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("invalid_cancel_reason")
        )
    );
    for _ in 0..2 {
        let (status, cancelled) = admin(
            &mut organizer,
            "POST",
            &cancel,
            json!({ "reason": "The projector broke" }),
        )
        .await;
        assert_eq!(
            (
                status,
                cancelled["sales"]["state"].as_str(),
                cancelled["sales"]["reason"].as_str()
            ),
            (
                StatusCode::OK,
                Some("cancelled"),
                Some("The projector broke")
            ),
            "{cancelled}"
        );
    }
    let (status, after) = buyer
        .get(&format!("/api/v1/bookings/{}", text(&booking["id"])))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (
            after["status"]["status"].as_str(),
            after["status"]["reason"].as_str()
        ),
        (Some("cancelled"), Some("show_cancelled")),
        "{after}"
    );
    let ledger = f.gateway.ledger();
    assert_eq!(ledger.len(), 1, "one charge");
    assert_eq!(ledger[0].refunds_applied, 1, "refunded once: {ledger:?}");
    let (status, refused) = buyer.post(&holds, two).await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("sales_closed")),
        "{refused}"
    );
    let (status, _) = admin(
        &mut organizer,
        "POST",
        &format!("/api/v1/admin/shows/{}/pause", uuid::Uuid::new_v4()),
        json!(null),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
