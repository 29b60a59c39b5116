//! One test per way a JSON body is refused: its status, its code, the
//! field it names, and a message without parser positions or Rust types.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::common::{Client, fixture_app};

/// What no message may show a client.
const LEAKS: [&str; 8] = [
    "line ",
    "column ",
    "u64",
    "u8",
    "struct ",
    "SeatSelection",
    "Vec<",
    "::",
];

/// POSTs raw `bytes` as `kind` to `uri`; asserts the status and code, and
/// that the message is clean; returns the error.
async fn refused(uri: &str, kind: &str, bytes: &[u8], status: StatusCode, code: &str) -> Value {
    let (app, _) = fixture_app().await;
    let mut client = Client::new(&app);
    let (got, _, body) = client
        .send_raw("POST", uri, Some((kind, bytes.to_vec())))
        .await;
    let error = body["error"].clone();
    assert_eq!(
        (got, error["code"].as_str()),
        (status, Some(code)),
        "{uri} {body}"
    );
    let message = error["message"].as_str().unwrap_or_default();
    assert!(!message.is_empty(), "{body}");
    for leak in LEAKS {
        assert!(!message.contains(leak), "`{leak}` in {message}");
    }
    error
}

/// The holds of some show (bodies are refused before the show is looked up).
fn holds() -> String {
    format!("/api/v1/shows/{}/holds", uuid::Uuid::new_v4())
}

async fn hold_refused(body: &str, status: StatusCode, code: &str) -> Value {
    refused(&holds(), "application/json", body.as_bytes(), status, code).await
}

const UNPROCESSABLE: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;

#[tokio::test]
async fn a_body_not_sent_as_json_is_unsupported_media_type() {
    let body = br#"{"seats":[]}"#;
    for kind in ["text/plain", "application/x-www-form-urlencoded"] {
        let status = StatusCode::UNSUPPORTED_MEDIA_TYPE;
        refused(&holds(), kind, body, status, "unsupported_media_type").await;
    }
}

#[tokio::test]
async fn a_body_that_is_not_json_is_invalid_json() {
    for body in ["", "{", "seats=A1", "{\"seats\": [1,]}"] {
        hold_refused(body, StatusCode::BAD_REQUEST, "invalid_json").await;
    }
}

#[tokio::test]
async fn an_empty_or_null_body_is_a_missing_field() {
    for body in ["{}", "null"] {
        let error = hold_refused(body, UNPROCESSABLE, "missing_field").await;
        assert_eq!(
            error["details"]["field"], "seats or best_available",
            "{error}"
        );
    }
    let error = hold_refused(r#"{"best_available":{}}"#, UNPROCESSABLE, "missing_field").await;
    assert_eq!(error["details"]["field"], "best_available.count", "{error}");
}

#[tokio::test]
async fn both_seats_and_best_available_conflict() {
    let body = r#"{"seats":[],"best_available":{"count":2}}"#;
    let error = hold_refused(body, UNPROCESSABLE, "conflicting_fields").await;
    let fields = error["details"]["fields"].as_array().map(Vec::len);
    assert_eq!(fields, Some(2), "{error}");
}

#[tokio::test]
async fn a_field_the_body_does_not_have_is_unknown() {
    let error = hold_refused(r#"{"seatz":[]}"#, UNPROCESSABLE, "unknown_field").await;
    assert_eq!(error["details"]["field"], "seatz", "{error}");
    // Beside a good one, too: a stranger is not a conflict.
    let body = r#"{"best_available":{"count":2},"colour":"red"}"#;
    let error = hold_refused(body, UNPROCESSABLE, "unknown_field").await;
    assert_eq!(error["details"]["field"], "colour", "{error}");
}

#[tokio::test]
async fn a_value_of_the_wrong_kind_is_an_invalid_type() {
    for body in [
        r#"{"best_available":{"count":"four"}}"#,
        r#"{"best_available":{"count":2.5}}"#,
    ] {
        let error = hold_refused(body, UNPROCESSABLE, "invalid_type").await;
        assert_eq!(error["details"]["field"], "best_available.count", "{error}");
    }
    hold_refused("[1, 2]", UNPROCESSABLE, "invalid_type").await;
}

#[tokio::test]
async fn a_negative_count_is_an_invalid_value() {
    let body = r#"{"best_available":{"count":-1}}"#;
    let error = hold_refused(body, UNPROCESSABLE, "invalid_value").await;
    assert_eq!(error["details"]["field"], "best_available.count", "{error}");
}

#[tokio::test]
async fn library_refusals_keep_their_codes() {
    let body = r#"{"best_available":{"count":11}}"#;
    let error = hold_refused(body, UNPROCESSABLE, "invalid_seat_count").await;
    assert_eq!(error["details"]["field"], "best_available.count", "{error}");
    let seat = uuid::Uuid::new_v4();
    let twice = json!({ "seats": [seat, seat] }).to_string();
    hold_refused(&twice, UNPROCESSABLE, "duplicate_seat").await;
    let error = hold_refused(r#"{"seats":["A1"]}"#, UNPROCESSABLE, "invalid_id").await;
    assert_eq!(error["details"]["field"], "seats[0]", "{error}");
}

#[tokio::test]
async fn a_card_with_a_bad_check_digit_is_an_invalid_card_number() {
    let confirm = format!("/api/v1/holds/{}/confirm", uuid::Uuid::new_v4());
    let body = br#"{"card_number":"4242 4242 4242 4241"}"#;
    let kind = "application/json";
    let error = refused(&confirm, kind, body, UNPROCESSABLE, "invalid_card_number").await;
    assert_eq!(error["details"]["field"], "card_number", "{error}");
}

#[tokio::test]
async fn every_code_is_listed_in_the_openapi_document() {
    let (app, _) = fixture_app().await;
    let mut client = Client::new(&app);
    let (_, document) = client.get("/api/v1/openapi.json").await;
    let codes = &document["components"]["schemas"]["ErrorDetail"]["properties"]["code"];
    let listed: Vec<&str> = codes["enum"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let description = codes["description"].as_str().unwrap();
    for code in [
        "unsupported_media_type",
        "invalid_json",
        "body_too_large",
        "missing_field",
        "unknown_field",
        "conflicting_fields",
        "invalid_type",
        "invalid_value",
        "invalid_seat_count",
        "invalid_card_number",
        "not_enough_seats",
        "payment_declined",
        "rate_limited",
    ] {
        assert!(listed.contains(&code), "{code} not in {codes}");
        assert!(description.contains(&format!("`{code}`")), "{code}");
    }
}
