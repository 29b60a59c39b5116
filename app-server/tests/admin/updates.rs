//! Correcting the catalog with `PUT`: the whole entity replaced and
//! answered, search following at once; 404 for an id that does not exist,
//! 422 for bad input, unknown references and a venue moving city, 401
//! without the token.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::common::{Client, fixture_app_with};
use super::{TOKEN, admin};
use app_server::AdminToken;

/// The fixture's app (its catalog: Springfield, Grand Cinema, "Avengers:
/// Endgame" with Robert Downey Jr.) and the uris of its city, venue,
/// performer and event.
async fn corrected() -> (axum::Router, [String; 4], Value) {
    let (app, f) =
        fixture_app_with(|state| state.with_admin_token(AdminToken::new(TOKEN).unwrap())).await;
    let uris = [
        format!("/api/v1/admin/cities/{}", f.city),
        format!("/api/v1/admin/venues/{}", f.venue),
        format!("/api/v1/admin/performers/{}", f.performer),
        format!("/api/v1/admin/events/{}", f.event),
    ];
    let ids = json!({ "city": f.city, "performer": f.performer, "event": f.event });
    (app, uris, ids)
}

fn code(body: &Value) -> Option<&str> {
    body["error"]["code"].as_str()
}

#[tokio::test]
async fn an_organizer_corrects_each_kind_and_search_follows() {
    let (app, [city, venue, performer, event], ids) = corrected().await;
    let mut client = Client::new(&app);
    let point = json!({ "lat": 39.8, "lon": -89.6 });

    let (status, body) = admin(
        &mut client,
        "PUT",
        &city,
        json!({ "name": " Capital City ", "country": "US", "location": point, "time_zone": "America/New_York" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (&body["id"], &body["name"]),
        (&ids["city"], &json!("Capital City"))
    );
    assert_eq!(body["time_zone"], "America/New_York");
    let (_, cities) = client.get("/api/v1/cities").await;
    assert!(cities.to_string().contains("Capital City"), "{cities}");

    let (status, body) = admin(
        &mut client,
        "PUT",
        &venue,
        json!({ "city": ids["city"], "name": "Palace Theatre", "location": point }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["name"], "Palace Theatre");
    assert_eq!(
        body["time_zone"], "America/New_York",
        "left out, the zone is its city's"
    );

    let (status, body) = admin(
        &mut client,
        "PUT",
        &performer,
        json!({ "name": "Tilda Swinton" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (&body["id"], &body["name"]),
        (&ids["performer"], &json!("Tilda Swinton"))
    );

    let (status, body) = admin(
        &mut client,
        "PUT",
        &event,
        json!({ "kind": "movie", "title": "Zorro Returns", "performers": [ids["performer"]], "duration_minutes": 120 }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (&body["id"], &body["title"]),
        (&ids["event"], &json!("Zorro Returns"))
    );
    let (status, read) = client
        .get(&format!(
            "/api/v1/events/{}",
            ids["event"].as_str().unwrap()
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{read}");
    assert_eq!(read["event"]["title"], "Zorro Returns", "{read}");

    for (text, hits) in [
        ("zorro", 1),
        ("endgame", 0),
        ("swinton", 1),
        ("downey", 0),
        ("palace", 1),
        ("grand", 0),
    ] {
        let (status, found) = client.get(&format!("/api/v1/search?q={text}")).await;
        assert_eq!(status, StatusCode::OK, "{found}");
        assert_eq!(
            found["hits"].as_array().unwrap().len(),
            hits,
            "{text}: {found}"
        );
    }
}

#[tokio::test]
async fn refused_updates_say_why() {
    let (app, [city, venue, performer, event], ids) = corrected().await;
    let mut client = Client::new(&app);
    let point = json!({ "lat": 39.8, "lon": -89.6 });
    let good_city = json!({ "name": "Springfield", "country": "US", "location": point });
    let good_venue = json!({ "city": ids["city"], "name": "Grand Cinema", "location": point });
    let good_performer = json!({ "name": "Robert Downey Jr." });
    let good_event =
        json!({ "kind": "movie", "title": "Avengers: Endgame", "duration_minutes": 181 });
    let unknown = "00000000-0000-4000-8000-000000000000";
    let cases = [
        // Ids that do not exist.
        (
            format!("/api/v1/admin/cities/{unknown}"),
            good_city.clone(),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            format!("/api/v1/admin/venues/{unknown}"),
            good_venue.clone(),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            format!("/api/v1/admin/performers/{unknown}"),
            good_performer.clone(),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            format!("/api/v1/admin/events/{unknown}"),
            good_event.clone(),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        // Bad input, as creation refuses it.
        (
            city.clone(),
            json!({ "name": " ", "country": "US", "location": point }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
        ),
        (
            venue.clone(),
            json!({ "city": ids["city"], "name": "", "location": point }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
        ),
        (
            performer.clone(),
            json!({ "name": "" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
        ),
        (
            event.clone(),
            json!({ "kind": "movie", "title": "Endless", "duration_minutes": 0 }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
        ),
        // Unknown references; a venue moving city.
        (
            event.clone(),
            json!({ "kind": "movie", "title": "Alone", "performers": [unknown], "duration_minutes": 90 }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_reference",
        ),
        (
            venue.clone(),
            json!({ "city": unknown, "name": "Grand Cinema", "location": point }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "venue_city_fixed",
        ),
    ];
    for (uri, body, status, expected) in cases {
        let (got, answer) = admin(&mut client, "PUT", &uri, body.clone()).await;
        assert_eq!(
            (got, code(&answer)),
            (status, Some(expected)),
            "{uri} {body}: {answer}"
        );
    }
    // A venue in another city that exists is refused just the same.
    let (status, other) = admin(
        &mut client,
        "POST",
        "/api/v1/admin/cities",
        json!({ "name": "Shelbyville", "country": "US", "location": point }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{other}");
    let moved = json!({ "city": other["id"], "name": "Grand Cinema", "location": point });
    let (status, answer) = admin(&mut client, "PUT", &venue, moved).await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("venue_city_fixed"))
    );
    let (_, event_now) = client
        .get(&format!(
            "/api/v1/events/{}",
            ids["event"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        event_now["event"]["title"], "Avengers: Endgame",
        "refusals change nothing"
    );

    // Without the token, nothing is said.
    for (uri, body) in [
        (city, good_city),
        (venue, good_venue),
        (performer, good_performer),
        (event, good_event),
    ] {
        let (status, _, answer) = client
            .send_with(
                "PUT",
                &uri,
                Some(("application/json", body.to_string().into_bytes())),
                &[],
            )
            .await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::UNAUTHORIZED, Some("unauthorized")),
            "{uri}"
        );
    }
}
