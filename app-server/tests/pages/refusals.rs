//! The pages' server functions refuse as the API does: its status, its
//! code and its message in the API's error body, not a 500 with a string.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use reservation_core::payment::test_cards;
use reservation_core::{HolderId, ShowId};
use serde_json::Value;

use super::{fixture_app, one_at_a_time, send_as};

/// POSTs a form to the server function `name` as the browser's script
/// does: status and the JSON answer.
pub(super) async fn call(
    app: &axum::Router,
    name: &str,
    form: &str,
    me: HolderId,
) -> (StatusCode, Value) {
    let request = Request::post(format!("/_server/{name}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json");
    let (status, _, body) = send_as(app, request, Body::from(form.to_owned()), me, "").await;
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

/// Holds the best two seats of `show` for `me` through the pages' server
/// function; returns the hold's token.
pub(super) async fn hold_two(app: &axum::Router, show: ShowId, me: HolderId) -> String {
    let (status, token) = call(app, "hold_best", &format!("show={show}&count=2"), me).await;
    assert_eq!(status, StatusCode::OK, "{token}");
    token.as_str().unwrap().to_owned()
}

#[test]
fn asking_for_more_seats_than_are_free_is_a_conflict() {
    one_at_a_time(async {
        let (app, f) = fixture_app().await;
        // The small hall has 8 seats.
        let form = format!("show={}&count=10", f.small_show);
        let (status, body) = call(&app, "hold_best", &form, HolderId::random()).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["error"]["code"], "not_enough_seats", "{body}");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains("free"), "{body}");
    });
}

#[test]
fn a_declined_card_is_answered_as_the_api_answers_it() {
    one_at_a_time(async {
        let (app, f) = fixture_app().await;
        let me = HolderId::random();
        let token = hold_two(&app, f.show, me).await;
        let card = test_cards::DECLINED.replace(' ', "");
        let (status, body) = call(&app, "pay", &format!("token={token}&card={card}"), me).await;
        assert_eq!(status, StatusCode::PAYMENT_REQUIRED, "{body}");
        assert_eq!(body["error"]["code"], "payment_declined", "{body}");
        // A card number that does not check out is the API's 422.
        let (status, body) = call(
            &app,
            "pay",
            &format!("token={token}&card=4242424242424241"),
            me,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["code"], "invalid_card_number", "{body}");
    });
}

#[test]
fn a_page_of_something_that_does_not_exist_is_not_found() {
    one_at_a_time(async {
        let (app, _) = fixture_app().await;
        let (status, body) = call(
            &app,
            "hold_best",
            "show=nonsense&count=2",
            HolderId::random(),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        assert_eq!(body["error"]["code"], "not_found", "{body}");
    });
}
