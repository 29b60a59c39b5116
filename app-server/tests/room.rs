//! The waiting room's API through the router, on a manual clock: join,
//! check in, leave; the admission pass in a header or a cookie; every way a
//! hold or wait without a good pass is refused; hostile use.

#![allow(clippy::unwrap_used)] // a test may panic on setup failure

mod common;

use axum::http::StatusCode;
use common::{Client, open_room, room_app};
use reservation_core::ShowId;
use serde_json::{Value, json};
use time::Duration;

/// A hold of the best 2 seats of `show`, showing `headers`.
async fn hold(client: &mut Client, show: ShowId, headers: &[(&str, &str)]) -> (StatusCode, Value) {
    let body = json!({ "best_available": { "count": 2 } }).to_string();
    let (status, _, json) = client
        .send_with(
            "POST",
            &format!("/api/v1/shows/{show}/holds"),
            Some(("application/json", body.into_bytes())),
            headers,
        )
        .await;
    (status, json)
}

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn join_check_in_and_leave() {
    let (app, f, room) = room_app().await;
    open_room(&room, &f, f.show, Duration::minutes(1), 1).await;
    let path = format!("/api/v1/shows/{}/room", f.show);
    let (mut a, mut b) = (Client::new(&app), Client::new(&app));

    // Before the sale: the lobby, with the sale's opening time.
    let (status, joined) = a.send("POST", &path, None).await;
    assert_eq!(status, StatusCode::CREATED, "{joined}");
    assert_eq!(joined["standing"]["state"], "lobby");
    assert_eq!(joined["line"]["phase"], "lobby");
    assert_eq!(joined["line"]["seats_free"], 200);
    assert!(joined["line"]["sale_opens_at"].is_string());
    assert_eq!(joined["admission"], Value::Null);
    let (status, again) = a.send("POST", &path, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["standing"], joined["standing"]);
    assert_eq!(b.send("POST", &path, None).await.0, StatusCode::CREATED);

    // The sale opens: the lobby is drawn; one of two is admitted (max 1 active).
    f.clock.advance(Duration::minutes(1));
    assert_eq!(room.pace().await.unwrap(), 1);
    let (_, a_headers, a_status) = a.send_with("GET", &path, None, &[]).await;
    let a_first = a_status["standing"]["state"] == "admitted";
    let (mut admitted, mut queued) = if a_first { (a, b) } else { (b, a) };
    let (first, first_headers) = if a_first {
        (a_status, a_headers)
    } else {
        let (_, headers, status) = admitted.send_with("GET", &path, None, &[]).await;
        (status, headers)
    };
    assert_eq!(first["standing"]["state"], "admitted", "{first}");
    let token = first["admission"]["token"].as_str().unwrap();
    assert!(token.starts_with("SWA1."));
    assert_eq!(first["admission"]["expires_at"], first["standing"]["until"]);
    let cookie = first_headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(
        cookie.starts_with(&format!("seatwise_admission={token};")),
        "{cookie}"
    );
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=600"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    let (_, second) = queued.get(&path).await;
    assert_eq!(second["standing"]["state"], "queued", "{second}");
    assert_eq!(second["standing"]["position"], 1);
    assert_eq!(second["standing"]["ahead"], 0);
    assert_eq!(second["line"]["waiting"], 1);
    assert_eq!(second["line"]["active"], 1);
    assert_eq!(second["admission"], Value::Null);

    // Leaving: 204 and the pass cookie goes; the standing says so, the
    // freed slot goes to the next in line, and a join queues anew.
    let (status, headers, _) = admitted.send_with("DELETE", &path, None, &[]).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let cleared = headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(cleared.starts_with("seatwise_admission=;") && cleared.contains("Max-Age=0"));
    assert_eq!(admitted.cookie("seatwise_admission"), None);
    let (status, left) = admitted.get(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(left["standing"]["state"], "left");
    assert_eq!(room.pace().await.unwrap(), 1);
    let (_, next) = queued.get(&path).await;
    assert_eq!(next["standing"]["state"], "admitted", "{next}");
    let (status, rejoined) = admitted.send("POST", &path, None).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(rejoined["standing"]["state"], "queued");
    assert_eq!(rejoined["standing"]["position"], 1);
    assert_eq!(
        admitted.send_with("DELETE", &path, None, &[]).await.0,
        StatusCode::NO_CONTENT
    );
}

/// Joins `show`'s room as `client`, paces, and returns the pass (the room
/// must admit it: sale open, a free slot).
async fn admitted(
    client: &mut Client,
    room: &reservation_core::waiting_room::WaitingRoom,
    show: ShowId,
) -> String {
    let path = format!("/api/v1/shows/{show}/room");
    let (status, _) = client.send("POST", &path, None).await;
    assert!(status.is_success());
    room.pace().await.unwrap();
    let (_, standing) = client.get(&path).await;
    assert_eq!(standing["standing"]["state"], "admitted", "{standing}");
    standing["admission"]["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn holds_and_waits_need_the_pass_in_a_header_or_the_cookie() {
    let (app, f, room) = room_app().await;
    open_room(&room, &f, f.show, Duration::ZERO, 5).await;
    let mut me = Client::new(&app);

    // No pass: 403, with links to the room; nothing is held.
    let (status, refused) = hold(&mut me, f.show, &[]).await;
    assert_eq!(
        (status, code(&refused)),
        (StatusCode::FORBIDDEN, "admission_required")
    );
    assert_eq!(
        refused["error"]["details"],
        json!({
            "room": format!("/api/v1/shows/{}/room", f.show),
            "page": format!("/shows/{}/room", f.show),
        })
    );
    let (status, refused) = me
        .post(
            &format!("/api/v1/shows/{}/waits", f.show),
            json!({ "count": 2 }),
        )
        .await;
    assert_eq!(
        (status, code(&refused)),
        (StatusCode::FORBIDDEN, "admission_required")
    );
    assert_eq!(
        refused["error"]["details"]["page"],
        format!("/shows/{}/room", f.show)
    );
    let (_, seats) = me.get(&format!("/api/v1/shows/{}/seats", f.show)).await;
    assert_eq!(seats["counts"]["held"], 0);

    // Admitted: the pass works from the cookie the room set...
    let pass = admitted(&mut me, &room, f.show).await;
    assert_eq!(
        me.cookie("seatwise_admission").as_deref(),
        Some(pass.as_str())
    );
    let (status, held) = hold(&mut me, f.show, &[]).await;
    assert_eq!(status, StatusCode::CREATED, "{held}");
    // ... and from the header alone.
    me.set_cookie("seatwise_admission", None);
    let (status, refused) = hold(&mut me, f.show, &[]).await;
    assert_eq!(code(&refused), "admission_required", "{status}");
    let (status, held) = hold(&mut me, f.show, &[("seatwise-admission", &pass)]).await;
    assert_eq!(status, StatusCode::CREATED, "{held}");
    // The header wins over a bad cookie.
    me.set_cookie("seatwise_admission", Some("SWA1.garbage"));
    let (status, held) = hold(&mut me, f.show, &[("Seatwise-Admission", &pass)]).await;
    assert_eq!(status, StatusCode::CREATED, "{held}");
    let (_, seats) = me.get(&format!("/api/v1/shows/{}/seats", f.show)).await;
    assert_eq!(seats["counts"]["held"], 6);

    // A show without a room ignores passes, good or bad.
    let (status, held) = hold(&mut me, f.small_show, &[("seatwise-admission", "junk")]).await;
    assert_eq!(status, StatusCode::CREATED, "{held}");
}

#[tokio::test]
async fn forged_foreign_expired_and_other_show_passes_are_refused() {
    let (app, f, room) = room_app().await;
    open_room(&room, &f, f.show, Duration::ZERO, 5).await;
    open_room(&room, &f, f.small_show, Duration::ZERO, 5).await;
    let (mut me, mut other) = (Client::new(&app), Client::new(&app));
    let pass = admitted(&mut me, &room, f.show).await;
    let small_pass = admitted(&mut me, &room, f.small_show).await;
    me.set_cookie("seatwise_admission", None);
    let path = |show: ShowId| format!("/api/v1/shows/{show}/seats");
    // One character of the MAC changed (not the last one, whose spare bits
    // make most changes non-canonical base64: malformed rather than forged).
    let mut altered = pass.clone();
    let at = "SWA1.".len() + 40;
    let was = &pass[at..=at];
    altered.replace_range(at..=at, if was == "A" { "B" } else { "A" });
    // `true`: shown by the other session.
    let cases: [(bool, &str, &str); 6] = [
        (false, "garbage", "admission_malformed"),
        (false, "SWA1.", "admission_malformed"),
        (false, &altered, "admission_not_yours"),
        (true, &pass, "admission_not_yours"),
        (false, &small_pass, "admission_other_show"),
        (false, &"A".repeat(4000), "admission_malformed"),
    ];
    for (by_other, shown, expected) in cases {
        let client = if by_other { &mut other } else { &mut me };
        let (status, refused) = hold(client, f.show, &[("seatwise-admission", shown)]).await;
        assert_eq!(
            (status, code(&refused)),
            (StatusCode::FORBIDDEN, expected),
            "{shown:.20}: {refused}"
        );
    }
    // Another session's pass in the cookie.
    other.set_cookie("seatwise_admission", Some(&pass));
    let (status, refused) = hold(&mut other, f.show, &[]).await;
    assert_eq!(
        (status, code(&refused)),
        (StatusCode::FORBIDDEN, "admission_not_yours")
    );
    let (_, seats) = me.get(&path(f.show)).await;
    assert_eq!(seats["counts"]["held"], 0, "nothing held by a refused pass");

    // Expired: the admission window (10 minutes) is over.
    f.clock
        .advance(Duration::minutes(10) + Duration::seconds(1));
    let (status, refused) = hold(&mut me, f.show, &[("seatwise-admission", &pass)]).await;
    assert_eq!(
        (status, code(&refused)),
        (StatusCode::FORBIDDEN, "admission_expired")
    );
    assert_eq!(
        refused["error"]["details"]["room"],
        format!("/api/v1/shows/{}/room", f.show)
    );
}

#[tokio::test]
async fn ten_thousand_joins_from_one_session_keep_one_place() {
    let (app, f, room) = room_app().await;
    open_room(&room, &f, f.show, Duration::ZERO, 1).await;
    let path = format!("/api/v1/shows/{}/room", f.show);
    for _ in 0..3 {
        assert_eq!(
            Client::new(&app).send("POST", &path, None).await.0,
            StatusCode::CREATED
        );
    }
    let mut me = Client::new(&app);
    let (status, first) = me.send("POST", &path, None).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(first["standing"]["position"], 4);
    assert_eq!(first["line"]["waiting"], 4);
    for _ in 0..10_000 {
        let (status, again) = me.send("POST", &path, None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(again["standing"], first["standing"]);
        assert_eq!(again["line"]["waiting"], 4);
    }
    // A newcomer is still fifth.
    let (_, newcomer) = Client::new(&app).send("POST", &path, None).await;
    assert_eq!(newcomer["standing"]["position"], 5);
}

#[tokio::test]
async fn unknown_shows_shows_without_a_room_and_strangers_get_clear_answers() {
    let (app, f, room) = room_app().await;
    open_room(&room, &f, f.show, Duration::minutes(5), 25).await;
    let mut me = Client::new(&app);
    let unknown = ShowId::random();
    for method in ["POST", "GET", "DELETE"] {
        let (status, body) = me
            .send(method, &format!("/api/v1/shows/{unknown}/room"), None)
            .await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::NOT_FOUND, "unknown_show"),
            "{method}"
        );
        let (status, body) = me
            .send(
                method,
                &format!("/api/v1/shows/{}/room", f.small_show),
                None,
            )
            .await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::NOT_FOUND, "no_room"),
            "{method}"
        );
        let (status, body) = me.send(method, "/api/v1/shows/not-a-show/room", None).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::BAD_REQUEST, "invalid_path"),
            "{method}"
        );
    }
    // Never joined: no place to read or leave.
    let path = format!("/api/v1/shows/{}/room", f.show);
    for method in ["GET", "DELETE"] {
        let (status, body) = me.send(method, &path, None).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::NOT_FOUND, "not_in_line"),
            "{method}"
        );
    }
    assert_eq!(
        me.send("PUT", &path, None).await.0,
        StatusCode::METHOD_NOT_ALLOWED
    );
    // The show says whether it has a room, and its settings.
    let (_, details) = me.get(&format!("/api/v1/shows/{}", f.show)).await;
    assert_eq!(details["waiting_room"]["pace"], json!({ "max_active": 25 }));
    assert_eq!(details["waiting_room"]["admission_window_secs"], 600);
    let (_, details) = me.get(&format!("/api/v1/shows/{}", f.small_show)).await;
    assert_eq!(details["waiting_room"], Value::Null);

    // A room whose lobby opens later: 409 with the opening time.
    let now = reservation_core::Clock::now(&f.clock);
    let later = reservation_core::waiting_room::RoomConfig::new(
        now + Duration::hours(1),
        now + Duration::hours(2),
        reservation_core::waiting_room::Pace::new(None, Some(60)).unwrap(),
    )
    .unwrap();
    room.open(f.small_show, later).await.unwrap();
    let (status, body) = me
        .send(
            "POST",
            &format!("/api/v1/shows/{}/room", f.small_show),
            None,
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::CONFLICT, "lobby_not_open")
    );
    assert!(body["error"]["details"]["opens_at"].is_string(), "{body}");
    // Switched off again: no room, and holds need no pass.
    room.close(f.small_show).await.unwrap();
    let (status, body) = me
        .send(
            "POST",
            &format!("/api/v1/shows/{}/room", f.small_show),
            None,
        )
        .await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "no_room"));
    assert_eq!(
        hold(&mut me, f.small_show, &[]).await.0,
        StatusCode::CREATED
    );

    // After the show started: sales are closed.
    f.clock.advance(Duration::days(2));
    let (status, body) = me.send("POST", &path, None).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::CONFLICT, "sales_closed"),
        "{body}"
    );
}

#[tokio::test]
async fn without_rooms_every_show_answers_no_room() {
    let (app, f) = common::fixture_app().await;
    let mut me = Client::new(&app);
    let (status, body) = me
        .send("POST", &format!("/api/v1/shows/{}/room", f.show), None)
        .await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "no_room"));
    let (status, body) = me
        .send(
            "GET",
            &format!("/api/v1/shows/{}/room", ShowId::random()),
            None,
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::NOT_FOUND, "unknown_show")
    );
    let (_, details) = me.get(&format!("/api/v1/shows/{}", f.show)).await;
    assert_eq!(details["waiting_room"], Value::Null);
    assert_eq!(hold(&mut me, f.show, &[]).await.0, StatusCode::CREATED);
}

#[tokio::test]
async fn the_openapi_document_has_the_room_routes() {
    let (app, _) = common::fixture_app().await;
    let (_, document) = Client::new(&app).get("/api/v1/openapi.json").await;
    let room = &document["paths"]["/api/v1/shows/{show}/room"];
    for method in ["post", "get", "delete"] {
        assert!(room[method].is_object(), "{method}");
    }
    assert_eq!(
        room["post"]["responses"]["201"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/RoomStatus"
    );
    for schema in [
        "RoomStatus",
        "Place",
        "LineView",
        "Standing",
        "RoomPhase",
        "AdmissionPass",
        "RoomConfig",
        "Pace",
        "EtaRange",
    ] {
        assert!(
            document["components"]["schemas"][schema].is_object(),
            "{schema}"
        );
    }
    let hold = &document["paths"]["/api/v1/shows/{show}/holds"]["post"];
    assert!(hold["responses"]["403"].is_object());
    assert!(
        hold["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "Seatwise-Admission" && p["in"] == "header")
    );
}

/// The demo's room is where the README says: "Rock the Arena", its first
/// show in Hamburg, at the Hamburg Arena; opening it again keeps it as it is.
#[tokio::test]
async fn the_demo_room_is_on_the_first_rock_the_arena_in_hamburg() {
    use reservation_core::waiting_room::{AdmissionSigner, Pace, WaitingRoom};
    use reservation_core::{Catalog, CityId, EventId, MemoryStore, Policy, SystemClock};
    use std::sync::Arc;
    let store = Arc::new(MemoryStore::new(Policy::default()));
    let now = time::OffsetDateTime::now_utc();
    app_server::demo::load(store.as_ref(), now).await.unwrap();
    let show = app_server::demo::room_show();
    let details = store.show(show).await.unwrap();
    assert_eq!(
        store.event(details.event).await.unwrap().title,
        "Rock the Arena"
    );
    assert_eq!(
        store.venue(details.venue).await.unwrap().name,
        "Hamburg Arena"
    );
    let showtimes = store
        .showtimes(
            EventId::from_name("Rock the Arena"),
            CityId::from_name("Hamburg"),
            now,
        )
        .await
        .unwrap();
    assert_eq!(showtimes[0].shows[0].id, show, "its first show in Hamburg");

    let room = WaitingRoom::new(
        store.clone(),
        Arc::new(SystemClock),
        AdmissionSigner::random(),
    );
    let pace = Pace::new(Some(25), Some(60)).unwrap();
    let opened = app_server::demo::open_room(&room, now, Duration::seconds(90), pace)
        .await
        .unwrap();
    assert_eq!(opened.sale_opens_at(), now + Duration::seconds(90));
    assert_eq!(room.room(show).await.unwrap(), Some(opened));
    let again = app_server::demo::open_room(
        &room,
        now + Duration::minutes(5),
        Duration::ZERO,
        Pace::new(Some(1), None).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(again, opened, "a room already on keeps its settings");
}

#[tokio::test]
async fn the_room_follows_paused_and_cancelled_sales() {
    let (app, f, room) = room_app().await;
    open_room(&room, &f, f.show, Duration::ZERO, 5).await;
    let path = format!("/api/v1/shows/{}/room", f.show);
    let mut visitor = Client::new(&app);
    f.engine.pause_sales(f.show).await.unwrap();

    // Paused: the line takes the visitor and keeps the place, admitting nobody.
    let (status, joined) = visitor.send("POST", &path, None).await;
    assert_eq!(status, StatusCode::CREATED, "{joined}");
    assert_eq!(joined["standing"]["state"], "queued");
    assert_eq!(room.pace().await.unwrap(), 0);
    let (status, page) = visitor.page(&format!("/shows/{}/room", f.show)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Sales are paused: nobody is let in until they resume. You keep your place: number 1 in line."),
        "{page}"
    );

    // Cancelled: joins are refused, saying why.
    let why = reservation_core::CancelReason::parse("flooded hall").unwrap();
    f.engine.cancel_show(f.show, &why).await.unwrap();
    let (status, refused) = Client::new(&app).send("POST", &path, None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(code(&refused), "sales_closed");
    assert_eq!(
        refused["error"]["message"],
        "sales are closed: the show was cancelled"
    );
}
