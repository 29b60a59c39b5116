//! The checkout's "I need more time": the `extend_hold` server function
//! gives the new countdown once, then refuses as the API does.

use axum::http::StatusCode;
use reservation_core::HolderId;

use super::refusals::{call, hold_two};
use super::{fixture_app, get, main_of, one_at_a_time};

#[test]
fn more_time_is_given_once() {
    one_at_a_time(async {
        let (app, f) = fixture_app().await;
        let me = HolderId::random();
        let form = format!("token={}", hold_two(&app, f.show, me).await);
        f.advance(time::Duration::minutes(4));

        let (status, time) = call(&app, "extend_hold", &form, me).await;
        assert_eq!(status, StatusCode::OK, "{time}");
        assert_eq!(time["seconds_left"], 180, "a minute left plus two: {time}");
        assert_eq!(time["extensions_left"], 0, "{time}");

        let (status, body) = call(&app, "extend_hold", &form, me).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["error"]["code"], "no_extensions_left", "{body}");
        let (status, body) = call(&app, "extend_hold", &form, HolderId::random()).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    });
}

#[test]
fn the_last_minute_is_announced_once_with_a_way_to_ask_for_more_time() {
    one_at_a_time(async {
        let (app, f) = fixture_app().await;
        let me = HolderId::random();
        let hold = f.hold(f.show, me, &["H1"]).await.unwrap();
        let uri = format!("/checkout/{}", hold.token);
        let early = get(&app, &uri, Some(me)).await.2;
        let main = main_of(&early);
        assert!(
            main.contains(r#"aria-live="off""#),
            "the countdown is silent: {main}"
        );
        assert!(
            main.contains(r#"<h1 tabindex="-1""#),
            "the heading can take the focus: {main}"
        );
        assert!(!main.contains(r#"role="alert""#), "no warning yet: {main}");

        f.advance(time::Duration::seconds(250));
        let late = get(&app, &uri, Some(me)).await.2;
        let main = main_of(&late);
        assert_eq!(main.matches(r#"role="alert""#).count(), 1, "{main}");
        assert!(main.contains("I need more time"), "{main}");
        assert!(main.contains(r#"action="/_server/extend_hold""#), "{main}");

        f.engine.extend_hold(&hold.token, me).await.unwrap();
        let extended = get(&app, &uri, Some(me)).await.2;
        let main = main_of(&extended);
        assert!(main.contains("held for 2:50"), "{main}");
        assert!(!main.contains("I need more time"), "{main}");
    });
}
