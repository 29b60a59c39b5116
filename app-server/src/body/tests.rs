//! How each kind of bad body is told; the routes' tests check statuses.

use reservation_core::{InputError, SeatId, SeatSelection};
use serde::Deserialize;

use super::read;
use crate::error::ApiError;

fn refused<T: serde::de::DeserializeOwned + std::fmt::Debug>(
    body: &str,
) -> (String, String, serde_json::Value) {
    let error: ApiError = read::<T>(body.as_bytes()).expect_err(body);
    let (code, message, details) = error.parts();
    for leak in [
        "line ",
        "column ",
        "u64",
        "u8",
        "struct ",
        "SeatSelection",
        "Vec<",
    ] {
        assert!(!message.contains(leak), "{body}: {message}");
    }
    (code.to_owned(), message, details)
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)] // read by the deserializer only
struct Payment {
    card_number: reservation_core::payment::CardNumber,
}

#[test]
fn each_refusal_has_its_code_and_field() {
    let cases: [(&str, &str, &str); 7] = [
        (
            r#"{"best_available":{"count":11}}"#,
            "invalid_seat_count",
            "best_available.count",
        ),
        (
            r#"{"best_available":{"count":"four"}}"#,
            "invalid_type",
            "best_available.count",
        ),
        (
            r#"{"best_available":{"count":-1}}"#,
            "invalid_value",
            "best_available.count",
        ),
        (
            r#"{"best_available":{}}"#,
            "missing_field",
            "best_available.count",
        ),
        (r#"{"seatz":[]}"#, "unknown_field", "seatz"),
        ("{}", "missing_field", "seats or best_available"),
        ("null", "missing_field", "seats or best_available"),
    ];
    for (body, code, field) in cases {
        let (got, message, details) = refused::<SeatSelection>(body);
        assert_eq!(
            (got.as_str(), details["field"].as_str()),
            (code, Some(field)),
            "{body}: {message}"
        );
    }
    let (code, message, details) =
        refused::<SeatSelection>(r#"{"seats":[],"best_available":{"count":1}}"#);
    assert_eq!(code, "conflicting_fields", "{message}");
    assert_eq!(details["fields"].as_array().map(Vec::len), Some(2));
    let (code, _, _) = refused::<SeatSelection>("[1]");
    assert_eq!(code, "invalid_type");
    let (code, _, details) = refused::<Payment>(r#"{"card_number":"4242 4242 4242 4241"}"#);
    assert_eq!(
        (code.as_str(), details["field"].as_str()),
        ("invalid_card_number", Some("card_number"))
    );
    let (code, _, _) = refused::<Payment>("5");
    assert_eq!(code, "invalid_type");
    let (code, message, details) = refused::<SeatSelection>(r#"{"seats":["x"]}"#);
    assert_eq!(
        (code.as_str(), details["field"].as_str()),
        ("invalid_id", Some("seats[0]")),
        "{message}"
    );
}

#[test]
fn a_body_that_is_not_json_is_told_without_positions() {
    for body in ["", "{", "seats=A1", "{\"seats\": [1,]}"] {
        let error = read::<SeatSelection>(body.as_bytes()).expect_err(body);
        let (code, message, _) = error.parts();
        assert_eq!(code, "invalid_json");
        assert!(
            !message.contains("line ") && !message.contains("column "),
            "{message}"
        );
    }
}

/// Every library refusal of a value is recognised by its message, with the
/// code the library's error has elsewhere.
#[test]
fn library_refusals_keep_their_codes() {
    let seat = SeatId::random();
    let samples = [
        InputError::InvalidSeatCount(11),
        InputError::DuplicateSeat(seat),
        InputError::InvalidCardNumber,
        InputError::InvalidCategoryCode("x y".into()),
        InputError::InvalidCurrency("eur".into()),
        InputError::InvalidGeoPoint {
            lat: 91.0,
            lon: 0.0,
        },
        InputError::UnknownTimeZone("Mars/Base".into()),
        InputError::MalformedHoldToken,
        InputError::InvalidCancelReason(" ".into()),
        InputError::InvalidId {
            kind: "show id",
            input: "x".into(),
        },
    ];
    for sample in samples {
        assert_eq!(
            super::wording::library_code(&sample.to_string()),
            Some(app_web::refusal::codes::input_code(&sample)),
            "{sample}"
        );
    }
}
