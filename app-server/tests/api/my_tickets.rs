//! `GET /api/v1/me/tickets`: a session's own bookings, holds and waits,
//! each with its show and links, and never another session's.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::common::{Client, fixture_app};

const MINE: &str = "/api/v1/me/tickets";

/// The three lists' lengths.
fn lengths(tickets: &Value) -> [usize; 3] {
    ["bookings", "holds", "waits"].map(|list| tickets[list].as_array().unwrap().len())
}

#[tokio::test]
async fn a_session_lists_its_own_tickets_and_no_one_elses() {
    let (app, f) = fixture_app().await;
    let (mut me, mut other) = (Client::new(&app), Client::new(&app));
    let (status, empty) = me.get(MINE).await;
    assert_eq!(status, StatusCode::OK, "{empty}");
    assert_eq!(lengths(&empty), [0, 0, 0], "a fresh session has nothing");

    let show = f.show;
    let seats = f.seats(show, &["E5", "E6"]);
    let (_, hold) = me
        .post(
            &format!("/api/v1/shows/{show}/holds"),
            json!({ "seats": seats }),
        )
        .await;
    let token = hold["token"].as_str().unwrap().to_owned();
    let (status, booking) = me
        .post(
            &format!("/api/v1/holds/{token}/confirm"),
            json!({ "card_number": "4242 4242 4242 4242" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{booking}");
    let open = f.seats(show, &["F1"]);
    let (_, open) = me
        .post(
            &format!("/api/v1/shows/{show}/holds"),
            json!({ "seats": open }),
        )
        .await;
    f.fill(f.small_show, 0).await;
    let (status, wait) = me
        .post(
            &format!("/api/v1/shows/{}/waits", f.small_show),
            json!({ "count": 2 }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{wait}");

    let (status, mine) = me.get(MINE).await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    assert_eq!(lengths(&mine), [1, 1, 1], "{mine}");
    let listed = &mine["bookings"][0];
    let id = booking["id"].as_str().unwrap();
    assert_eq!(listed["booking"]["id"], booking["id"]);
    assert_eq!(listed["booking"]["tickets"].as_array().unwrap().len(), 2);
    assert_eq!(listed["booking"]["ticket_codes"], booking["ticket_codes"]);
    assert_eq!(listed["booking"]["status"]["status"], "confirmed");
    assert_eq!(listed["show"]["id"], json!(show));
    assert_eq!(listed["show"]["event_title"], "Avengers: Endgame");
    assert_eq!(listed["show"]["venue_name"], "Grand Cinema");
    assert_eq!(listed["show"]["time_zone"], "America/Chicago");
    assert_eq!(
        listed["show"]["starts_at_local"],
        "2030-01-02T06:00:00-06:00"
    );
    assert_eq!(listed["links"]["page"], format!("/bookings/{id}"));
    let (status, again) = me.get(listed["links"]["api"].as_str().unwrap()).await;
    assert_eq!((status, &again["id"]), (StatusCode::OK, &booking["id"]));

    let held = &mine["holds"][0];
    let token = open["token"].as_str().unwrap();
    assert_eq!(held["hold"]["token"], token);
    assert_eq!(held["links"]["page"], format!("/checkout/{token}"));
    assert_eq!(held["links"]["api"], format!("/api/v1/holds/{token}"));
    let waiting = &mine["waits"][0];
    assert_eq!(waiting["wait"]["id"], wait["id"]);
    assert_eq!(waiting["position"], 1);
    assert_eq!(waiting["show"]["id"], json!(f.small_show));
    let wait_id = wait["id"].as_str().unwrap();
    assert_eq!(waiting["links"]["page"], format!("/waits/{wait_id}"));
    assert_eq!(
        me.get(waiting["links"]["api"].as_str().unwrap()).await.0,
        StatusCode::OK
    );

    let (status, theirs) = other.get(MINE).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        lengths(&theirs),
        [0, 0, 0],
        "another session sees none of it"
    );
}
