//! Hostile input through the router: what schemathesis does not reach.
//! Every answer is a JSON error with a 4xx status, and nothing changes.

#![allow(clippy::unwrap_used)] // a test may panic on setup failure

#[path = "hostile/bodies.rs"]
mod bodies;
mod common;

use std::num::NonZeroU32;

use app_server::{HoldRates, TrustedProxies};
use axum::http::{StatusCode, header};
use common::{Client, fixture_app, fixture_app_with};
use serde_json::{Value, json};

/// Asserts a JSON error with a 4xx status and returns its code.
fn client_error(what: &str, status: StatusCode, body: &Value) -> String {
    assert!(status.is_client_error(), "{what}: {status} {body}");
    let code = body["error"]["code"].as_str().unwrap_or_default();
    assert!(
        !code.is_empty() && body["error"]["message"].is_string(),
        "{what}: {body}"
    );
    code.to_owned()
}

#[tokio::test]
async fn oversized_and_malformed_bodies_are_refused() {
    let (app, f) = fixture_app().await;
    let mut client = Client::new(&app);
    let holds = format!("/api/v1/shows/{}/holds", f.show);
    let seat = f.seats(f.show, &["A1"])[0];
    // 10,000 seat ids: over the body limit, refused before parsing.
    let many = json!({ "seats": vec![seat; 10_000] })
        .to_string()
        .into_bytes();
    let (status, _, body) = client
        .send_raw("POST", &holds, Some(("application/json", many)))
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(client_error("10k seats", status, &body), "body_too_large");
    // 11 seats fit the body but not the rules.
    let (status, body) = client
        .post(&holds, json!({ "seats": vec![seat; 11] }))
        .await;
    client_error("11 seats", status, &body);
    let cases: [(&str, &str, Vec<u8>); 5] = [
        (
            "invalid UTF-8",
            "application/json",
            vec![b'{', 0xff, 0xfe, b'}'],
        ),
        (
            "truncated JSON",
            "application/json",
            b"{\"seats\": [".to_vec(),
        ),
        ("not JSON", "text/plain", b"seats=A1".to_vec()),
        ("empty", "application/json", Vec::new()),
        (
            "nested deep",
            "application/json",
            "[".repeat(5000).into_bytes(),
        ),
    ];
    for (what, kind, bytes) in cases {
        let (status, _, body) = client.send_raw("POST", &holds, Some((kind, bytes))).await;
        client_error(what, status, &body);
    }
    assert_eq!(f.engine.availability(f.show).await.unwrap().held, 0);
}

#[tokio::test]
async fn out_of_range_numbers_are_refused() {
    let (app, f) = fixture_app().await;
    let mut client = Client::new(&app);
    let holds = format!("/api/v1/shows/{}/holds", f.show);
    for count in [
        json!(-1),
        json!(0),
        json!(11),
        json!(1e30),
        json!(3.5),
        json!("2"),
        json!(u64::MAX),
    ] {
        let (status, body) = client
            .post(&holds, json!({ "best_available": { "count": count } }))
            .await;
        client_error(&format!("count {count}"), status, &body);
        let (status, body) = client
            .post(
                &format!("/api/v1/shows/{}/waits", f.show),
                json!({ "count": count }),
            )
            .await;
        client_error(&format!("wait count {count}"), status, &body);
    }
    // A number too big for any integer type, as raw text.
    let (status, _, body) = client
        .send_raw(
            "POST",
            &holds,
            Some((
                "application/json",
                b"{\"best_available\":{\"count\":18446744073709551616}}".to_vec(),
            )),
        )
        .await;
    client_error("2^64", status, &body);
    for query in [
        "limit=-1",
        "limit=99999999999999999999",
        "limit=1e3",
        "from=yesterday",
    ] {
        let (status, body) = client.get(&format!("/api/v1/search?{query}")).await;
        client_error(query, status, &body);
    }
    assert_eq!(f.engine.availability(f.show).await.unwrap().held, 0);
}

#[tokio::test]
async fn unknown_and_malformed_ids_are_refused() {
    let (app, _) = fixture_app().await;
    let mut client = Client::new(&app);
    let unknown = uuid::Uuid::new_v4();
    for path in [
        format!("/api/v1/shows/{unknown}"),
        format!("/api/v1/shows/{unknown}/seats"),
        format!("/api/v1/events/{unknown}"),
        format!("/api/v1/bookings/{unknown}"),
        format!("/api/v1/waits/{unknown}"),
        format!("/api/v1/cities/{unknown}/events"),
    ] {
        let (status, body) = client.get(&path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        client_error(&path, status, &body);
    }
    for bad in [
        "1",
        "..%2F..%2Fetc%2Fpasswd",
        "%00",
        &"9".repeat(500),
        "'%20OR%201=1",
    ] {
        let path = format!("/api/v1/shows/{bad}/seats");
        let (status, body) = client.get(&path).await;
        client_error(&path, status, &body);
    }
}

#[tokio::test]
async fn forged_and_truncated_cursors_are_refused() {
    let store = reservation_core::MemoryStore::new(reservation_core::Policy::default());
    app_server::demo::load(&store, time::OffsetDateTime::now_utc())
        .await
        .unwrap();
    let state = app_server::AppState::demo(std::sync::Arc::new(store));
    let app = app_server::app(state, app_server::site("target/site"));
    let mut me = Client::new(&app);
    let (_, page) = me.get("/api/v1/search?limit=1").await;
    let cursor = page["next"].as_str().unwrap().to_owned();
    let mut altered = cursor.clone();
    altered.replace_range(..1, if cursor.starts_with('A') { "B" } else { "A" });
    for bad in [&cursor[..cursor.len() / 2], &altered, "", "%FF%FE"] {
        let (status, body) = me
            .get(&format!("/api/v1/search?limit=1&cursor={bad}"))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "cursor {bad}: {body}");
    }
    let (status, _) = me
        .get(&format!("/api/v1/search?limit=1&cursor={cursor}"))
        .await;
    assert_eq!(status, StatusCode::OK, "the real cursor works");
}

#[tokio::test]
async fn another_sessions_token_is_refused_like_a_forged_one() {
    let (app, f) = fixture_app().await;
    let (mut me, mut other) = (Client::new(&app), Client::new(&app));
    // A hold token: another session's is refused exactly like a forged one.
    let seats = f.seats(f.show, &["C3"]);
    let (status, hold) = me
        .post(
            &format!("/api/v1/shows/{}/holds", f.show),
            json!({ "seats": seats }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let token = hold["token"].as_str().unwrap().to_owned();
    let mut forged = token.clone();
    let last = if token.ends_with('A') { "B" } else { "A" };
    forged.replace_range(token.len() - 1.., last);
    let refusals: Vec<(StatusCode, Value)> = [
        other.get(&format!("/api/v1/holds/{token}")).await,
        me.get(&format!("/api/v1/holds/{forged}")).await,
        me.get(&format!("/api/v1/holds/{}", &token[..40])).await,
    ]
    .into();
    for refusal in &refusals {
        assert_eq!(refusal, &refusals[0], "no existence oracle");
    }
    assert_eq!(refusals[0].0, StatusCode::NOT_FOUND);
    let (status, _) = other
        .post(
            &format!("/api/v1/holds/{token}/confirm"),
            json!({ "card_number": "4242424242424242" }),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        me.get(&format!("/api/v1/holds/{token}")).await.0,
        StatusCode::OK,
        "the hold is untouched"
    );
}

#[tokio::test]
async fn injection_strings_in_search_are_inert() {
    let (app, f) = fixture_app().await;
    let mut client = Client::new(&app);
    for text in [
        "'; DROP TABLE shows; --",
        "\" OR 1=1 --",
        "%' OR '%'='",
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "\u{0}\u{202e}",
    ] {
        let query = url_encode(text);
        let (status, page) = client.get(&format!("/api/v1/search?q={query}")).await;
        assert_eq!(status, StatusCode::OK, "{text}: {page}");
        assert_eq!(page["hits"], json!([]), "{text}");
    }
    let (_, page) = client.get("/api/v1/search?q=avengers").await;
    assert_eq!(
        page["hits"][0]["event"]["id"],
        json!(f.event),
        "the catalog is intact"
    );
}

fn url_encode(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[tokio::test]
async fn re_holding_held_seats_does_not_reset_the_countdown() {
    let (app, f) = fixture_app().await;
    let mut me = Client::new(&app);
    let holds = format!("/api/v1/shows/{}/holds", f.show);
    let seats = f.seats(f.show, &["D4", "D5"]);
    let (_, hold) = me.post(&holds, json!({ "seats": seats })).await;
    let expires = hold["expires_at"].clone();
    f.advance(time::Duration::minutes(4));
    // Again, and again with one more seat (pretix #1575): both refused.
    let more = f.seats(f.show, &["D4", "D5", "D6"]);
    for again in [json!({ "seats": seats }), json!({ "seats": more })] {
        let (status, body) = me.post(&holds, again).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
    }
    let token = hold["token"].as_str().unwrap();
    let (_, now) = me.get(&format!("/api/v1/holds/{token}")).await;
    assert_eq!(now["expires_at"], expires, "the countdown runs on");
    f.advance(time::Duration::minutes(2));
    let (status, body) = me.get(&format!("/api/v1/holds/{token}")).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::GONE, Some("hold_expired")),
        "it expired at the first expiry"
    );
}

#[tokio::test]
async fn hold_creation_is_rate_limited_per_session_and_per_address() {
    let rates = HoldRates {
        per_session: NonZeroU32::new(3),
        per_address: NonZeroU32::new(5),
    };
    let (app, f) = fixture_app_with(|state| state.with_hold_rates(rates)).await;
    let holds = format!("/api/v1/shows/{}/holds", f.show);
    let best = json!({ "best_available": { "count": 1 } });
    let mut me = Client::new(&app);
    for _ in 0..3 {
        assert_eq!(me.post(&holds, best.clone()).await.0, StatusCode::CREATED);
    }
    let (status, headers, body) = me
        .send_raw(
            "POST",
            &holds,
            Some(("application/json", best.to_string().into_bytes())),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(client_error("4th hold", status, &body), "rate_limited");
    let retry: u64 = headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=21).contains(&retry), "Retry-After {retry}");
    // Fresh sessions from the same address: 2 more, then refused.
    let mut codes = Vec::new();
    for _ in 0..3 {
        codes.push(Client::new(&app).post(&holds, best.clone()).await.0);
    }
    assert_eq!(
        codes,
        [
            StatusCode::CREATED,
            StatusCode::CREATED,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
    // Reads are not limited.
    assert_eq!(
        me.get(&format!("/api/v1/shows/{}/seats", f.show)).await.0,
        StatusCode::OK
    );
}

/// Behind a trusted proxy each client has its own address bucket and
/// HTTPS clients get `Secure` cookies; anyone else's forwarding headers are
/// ignored. (Router requests have no socket: their peer is 0.0.0.0.)
#[tokio::test]
async fn behind_a_trusted_proxy_clients_are_told_apart() {
    let rates = HoldRates {
        per_session: None,
        per_address: NonZeroU32::new(2),
    };
    let proxy = TrustedProxies::new(["0.0.0.0/32".parse().unwrap()]);
    let (app, f) =
        fixture_app_with(|state| state.with_hold_rates(rates).with_trusted_proxies(proxy)).await;
    let holds = format!("/api/v1/shows/{}/holds", f.show);
    let best = json!({ "best_available": { "count": 1 } }).to_string();
    let hold_from = |client: &'static str| {
        let (app, holds, best) = (app.clone(), holds.clone(), best.clone());
        async move {
            Client::new(&app)
                .send_with(
                    "POST",
                    &holds,
                    Some(("application/json", best.into_bytes())),
                    &[("x-forwarded-for", client)],
                )
                .await
                .0
        }
    };
    let mut codes = Vec::new();
    for client in ["203.0.113.1", "203.0.113.1", "203.0.113.1", "203.0.113.2"] {
        codes.push(hold_from(client).await);
    }
    use StatusCode as S;
    assert_eq!(
        codes,
        [S::CREATED, S::CREATED, S::TOO_MANY_REQUESTS, S::CREATED]
    );

    let session_cookie = |proto: &'static str| {
        let app = app.clone();
        async move {
            let (_, headers, _) = Client::new(&app)
                .send_with(
                    "GET",
                    "/api/v1/cities",
                    None,
                    &[("x-forwarded-proto", proto)],
                )
                .await;
            headers[header::SET_COOKIE].to_str().unwrap().to_owned()
        }
    };
    assert!(session_cookie("https").await.contains("; Secure"));
    assert!(!session_cookie("http").await.contains("Secure"));

    // Not trusted: the forwarding headers change nothing.
    let (app, f) = fixture_app_with(|state| state.with_hold_rates(rates)).await;
    let holds = format!("/api/v1/shows/{}/holds", f.show);
    let mut codes = Vec::new();
    for client in ["203.0.113.1", "203.0.113.2", "203.0.113.3"] {
        let (status, headers, _) = Client::new(&app)
            .send_with(
                "POST",
                &holds,
                Some(("application/json", best.clone().into_bytes())),
                &[("x-forwarded-for", client), ("x-forwarded-proto", "https")],
            )
            .await;
        assert!(
            !headers[header::SET_COOKIE]
                .to_str()
                .unwrap()
                .contains("Secure")
        );
        codes.push(status);
    }
    assert_eq!(codes, [S::CREATED, S::CREATED, S::TOO_MANY_REQUESTS]);
}

#[tokio::test]
async fn the_pages_hold_functions_share_the_hold_limits() {
    let rates = HoldRates {
        per_session: NonZeroU32::new(3),
        per_address: None,
    };
    let (app, f) = fixture_app_with(|state| state.with_hold_rates(rates)).await;
    let holds = format!("/api/v1/shows/{}/holds", f.show);
    let best = json!({ "best_available": { "count": 1 } });
    let mut me = Client::new(&app);
    for _ in 0..2 {
        assert_eq!(me.post(&holds, best.clone()).await.0, StatusCode::CREATED);
    }
    let seat = f.seats(f.show, &["A1"])[0];
    let page_holds = [
        ("/_server/hold_best", format!("show={}&count=1", f.show)),
        (
            "/_server/hold_seats",
            format!("show={}&seats[0]={seat}", f.show),
        ),
    ];
    let mut page_hold = async |(path, form): &(&str, String)| {
        me.send_raw(
            "POST",
            path,
            Some((
                "application/x-www-form-urlencoded",
                form.clone().into_bytes(),
            )),
        )
        .await
    };
    // The third hold of the session comes from the page, and counts.
    let (status, _, token) = page_hold(&page_holds[0]).await;
    assert_eq!(status, StatusCode::OK, "{token}");
    assert!(token.is_string(), "{token}");
    for route in &page_holds {
        let (status, headers, body) = page_hold(route).await;
        assert_eq!(client_error(route.0, status, &body), "rate_limited");
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{}", route.0);
        assert!(headers.contains_key(header::RETRY_AFTER), "{}", route.0);
        // In the body too, for the page, which reads no headers.
        assert!(body["error"]["retry_after"].as_u64().is_some(), "{body}");
    }
    // Other server functions are not limited.
    let (status, _, _) = me
        .send_raw(
            "POST",
            "/_server/list_cities",
            Some(("application/x-www-form-urlencoded", Vec::new())),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn undeclared_methods_get_405_with_allow() {
    let (app, f) = fixture_app().await;
    let mut client = Client::new(&app);
    for (method, path) in [
        ("PUT", "/api/v1/cities".to_owned()),
        ("TRACE", "/api/v1/cities".to_owned()),
        ("DELETE", format!("/api/v1/shows/{}", f.show)),
        ("PATCH", format!("/api/v1/shows/{}/holds", f.show)),
    ] {
        let (status, headers, body) = client.send_raw(method, &path, None).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert!(headers.contains_key(header::ALLOW), "{method} {path}");
        client_error(&path, status, &body);
    }
}

#[tokio::test]
async fn pages_carry_security_headers() {
    let (app, _) = fixture_app().await;
    let mut client = Client::new(&app);
    let (status, headers, _) = client.send_raw("GET", "/", None).await;
    assert_eq!(status, StatusCode::OK);
    let policy = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(
        policy.contains("frame-ancestors 'none'")
            && policy.contains("script-src 'self' 'nonce-")
            && !policy.contains("unsafe-inline"),
        "{policy}"
    );
    assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY");
    let (_, headers, _) = client.send_raw("GET", "/api/v1/cities", None).await;
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
}
