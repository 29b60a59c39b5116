//! `POST /api/v1/holds/{token}/extend`: more time on one's own hold, once
//! by default, refused as the other hold routes refuse.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::common::{Client, fixture_app};

/// The error code of a refusal.
fn code(body: &Value) -> Option<&str> {
    body["error"]["code"].as_str()
}

#[tokio::test]
async fn a_hold_is_extended_once_by_its_holder_only() {
    let (app, f) = fixture_app().await;
    let (mut me, mut other) = (Client::new(&app), Client::new(&app));
    let show = f.show;
    let seats = f.seats(show, &["D1", "D2"]);
    let (status, hold) = me
        .post(
            &format!("/api/v1/shows/{show}/holds"),
            json!({ "seats": seats }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{hold}");
    assert_eq!(hold["extensions_left"], 1, "{hold}");
    let extend = format!("/api/v1/holds/{}/extend", hold["token"].as_str().unwrap());

    let (status, refused) = other.post(&extend, json!({})).await;
    assert_eq!(
        (status, code(&refused)),
        (StatusCode::NOT_FOUND, Some("unknown_hold"))
    );

    let (status, longer) = me.post(&extend, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{longer}");
    assert_eq!(longer["extensions_left"], 0, "{longer}");
    assert_eq!(longer["seats"], hold["seats"]);
    let expiry = |hold: &Value| {
        time::OffsetDateTime::parse(
            hold["expires_at"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap()
    };
    assert_eq!(expiry(&longer) - expiry(&hold), time::Duration::minutes(2));

    let (status, refused) = me.post(&extend, json!({})).await;
    assert_eq!(
        (status, code(&refused)),
        (StatusCode::CONFLICT, Some("no_extensions_left"))
    );

    f.clock.set(expiry(&longer) + f.policy.grace);
    let (status, refused) = me.post(&extend, json!({})).await;
    assert_eq!(
        (status, code(&refused)),
        (StatusCode::GONE, Some("hold_expired"))
    );
    let (status, refused) = me.post("/api/v1/holds/nonsense/extend", json!({})).await;
    assert_eq!(
        (status, code(&refused)),
        (StatusCode::NOT_FOUND, Some("unknown_hold"))
    );
}
