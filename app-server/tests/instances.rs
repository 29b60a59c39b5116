//! Three app-server processes on one PostgreSQL database, as a load balancer
//! would run them: they sell one show without double bookings, a live seat
//! map on one instance follows changes made through the others, and their
//! three sweepers expire each hold exactly once.

#![allow(clippy::unwrap_used)] // a test may panic on setup failure

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::server::{
    Api, Server, SseEvent, as_uuid, berlin_metropolis_shows, capacity, on_fresh_database, text,
};
use serde_json::{Value, json};
use sqlx::PgPool;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

/// Short holds, so the sweeping part sees them run out.
const HOLD_SECONDS: i64 = 6;
/// The server keeps a hold this much past its shown expiry.
const GRACE_SECONDS: i64 = 1;
/// How often each server's sweeper runs (`app_server::server`).
const SWEEP_EVERY: time::Duration = time::Duration::seconds(1);
/// How much later than `expires_at + grace + SWEEP_EVERY` an expiry may be
/// recorded on a busy machine.
const LATE: time::Duration = time::Duration::milliseconds(2500);
/// The same on every instance, as they share the database.
const SECRET: &str = "instances-test-ticket-secret-0123456789";
/// Approved by the fake gateway.
const CARD: &str = "4242424242424242";
/// Buyers racing for the hot show, each with its own session.
const RACERS: usize = 48;
/// Longest the race may take before the test gives up.
const RACE_LIMIT: Duration = Duration::from_secs(60);

fn instant(value: &Value) -> OffsetDateTime {
    OffsetDateTime::parse(value.as_str().unwrap(), &Rfc3339).unwrap()
}

/// A hold one racer made, and its booking.
#[derive(Debug, Clone)]
struct Sale {
    instance: usize,
    hold: String,
    booking: Option<String>,
    seats: Vec<String>,
}

/// What one racer did.
#[derive(Debug, Default)]
struct Race {
    /// Whether this racer picks seats off its map (or asks for the best).
    picks: bool,
    /// Every request: seat maps, holds, confirmations.
    requests: usize,
    /// Hold requests.
    hold_requests: usize,
    /// Holds refused with 409 (seats taken, too few left).
    conflicts: usize,
    sales: Vec<Sale>,
    /// Holds that ran out before their confirmation arrived.
    expired: usize,
    unexpected: Vec<String>,
}

/// Seat map counts: available, held.
fn free_and_held(map: &Value) -> (u64, u64) {
    let counts = &map["counts"];
    (
        counts["available"].as_u64().unwrap(),
        counts["held"].as_u64().unwrap(),
    )
}

/// One buyer racing for `show` through `instance`: even racers ask for the
/// best 1-4 seats, odd ones pick 1-4 seats off their own (possibly stale)
/// copy of the seat map, as a person clicking would. Each pays for every
/// hold it gets, and stops when the show is sold out.
async fn racer(mut api: Api, racer: usize, instance: usize, show: String) -> Race {
    let picks = racer % 2 == 1;
    let mut race = Race {
        picks,
        ..Race::default()
    };
    let started = Instant::now();
    let mut map: Option<Value> = None;
    let mut most = 4;
    for round in 0.. {
        if started.elapsed() > RACE_LIMIT {
            race.unexpected.push("the race did not end".to_owned());
            break;
        }
        let count = ((racer + round) % 4 + 1).min(most);
        let selection = if picks {
            if map.is_none() {
                let (_, fresh) = api.get(&format!("/api/v1/shows/{show}/seats")).await;
                race.requests += 1;
                map = Some(fresh);
            }
            let free: Vec<String> = map.as_ref().unwrap()["seats"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|s| s["status"] == "available")
                .map(|s| text(&s["seat"]))
                .collect();
            if free.is_empty() {
                match free_and_held(map.as_ref().unwrap()) {
                    (0, 0) => break,
                    _ => {
                        // Held by others: they pay, or their holds expire.
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        map = None;
                        continue;
                    }
                }
            }
            let first = racer * 37 % free.len();
            let seats: Vec<&String> = (0..count.min(free.len()))
                .map(|i| &free[(first + i) % free.len()])
                .collect();
            json!({ "seats": seats })
        } else {
            json!({ "best_available": { "count": count } })
        };
        let answer = api
            .try_post(&format!("/api/v1/shows/{show}/holds"), selection)
            .await;
        race.requests += 1;
        race.hold_requests += 1;
        match answer {
            Ok((201, hold)) => {
                let token = text(&hold["token"]);
                let mut sale = Sale {
                    instance,
                    hold: text(&hold["id"]),
                    booking: None,
                    seats: hold["seats"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|s| text(&s["seat"]))
                        .collect(),
                };
                let answer = api
                    .try_post(
                        &format!("/api/v1/holds/{token}/confirm"),
                        json!({ "card_number": CARD }),
                    )
                    .await;
                race.requests += 1;
                match answer {
                    Ok((200, booking)) => sale.booking = Some(text(&booking["id"])),
                    Ok((410, _)) => race.expired += 1,
                    Ok((status, body)) => race.unexpected.push(format!("confirm: {status} {body}")),
                    Err(error) => race.unexpected.push(error),
                }
                race.sales.push(sale);
                map = None; // see what changed
            }
            Ok((409, _)) => {
                race.conflicts += 1;
                let (_, fresh) = api.get(&format!("/api/v1/shows/{show}/seats")).await;
                race.requests += 1;
                match free_and_held(&fresh) {
                    (0, 0) => break,
                    (0, _) => tokio::time::sleep(Duration::from_millis(50)).await,
                    (free, _) => most = most.min(usize::try_from(free).unwrap()),
                }
                map = Some(fresh);
            }
            Ok((status, body)) => race.unexpected.push(format!("hold: {status} {body}")),
            Err(error) => {
                race.unexpected.push(error);
                break;
            }
        }
    }
    race
}

async fn count(db: &PgPool, sql: &str, show: Uuid) -> i64 {
    sqlx::query_scalar(sql)
        .bind(show)
        .fetch_one(db)
        .await
        .unwrap()
}

/// `expired` events of the shows: hold id and when.
async fn expiries(db: &PgPool, shows: &[Uuid]) -> Vec<(String, OffsetDateTime)> {
    sqlx::query_as(
        "SELECT change->>'hold', at FROM show_events
         WHERE show_id = ANY($1) AND change->>'type' = 'expired' ORDER BY show_id, seq",
    )
    .bind(shows)
    .fetch_all(db)
    .await
    .unwrap()
}

/// Three instances on one database (the first loads the demo catalog, then
/// two more start together). Shows that (a) 48 buyers, spread round-robin
/// over the instances, sell out a show with no seat sold twice: tickets per
/// seat at most 1 and booked seats = tickets = capacity, in SQL and in what
/// the buyers were told; (b) a subscriber to the show's events on instance 1
/// gets every change, including the holds and bookings made through
/// instances 2 and 3, in order and without gaps; (c) holds made through all
/// three and left to run out are expired exactly once each by the three
/// sweepers (one `expired` event per hold, on time), and their seats are free
/// on every instance.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_instances_sell_one_show_without_double_booking() {
    let started = Instant::now();
    let (db, launch, log) =
        on_fresh_database("instances", HOLD_SECONDS, GRACE_SECONDS, SECRET).await;
    // The first fills the empty database with the demo catalog; the others
    // find it there.
    let first = launch.clone().start().await;
    let (second, third) = tokio::join!(launch.clone().start(), launch.clone().start());
    let servers: [Server; 3] = [first, second, third];
    println!(
        "3 instances up on a fresh database in {:.1?}; log: {}",
        started.elapsed(),
        log.display()
    );

    // The largest hall is the hot show; two others get holds left to expire.
    let soon = OffsetDateTime::now_utc() + time::Duration::hours(1);
    let mut shows: Vec<Value> = berlin_metropolis_shows(&servers[0].base)
        .await
        .into_iter()
        .filter(|s| instant(&s["starts_at"]) > soon)
        .collect();
    shows.sort_by_key(capacity);
    assert!(shows.len() >= 3, "enough upcoming shows: {}", shows.len());
    let hot = shows.pop().unwrap();
    let (hot, hot_capacity) = (text(&hot["id"]), capacity(&hot));
    let quiet: Vec<(String, u64)> = shows
        .iter()
        .take(2)
        .map(|s| (text(&s["id"]), capacity(s)))
        .collect();

    // (c) Holds through every instance on the quiet shows, left to run out
    // while the race goes on; nobody reads those shows until they have.
    let mut left = Vec::new();
    for n in 0..6 {
        let (show, _) = &quiet[n % 2];
        let (status, hold) = Api::new(&servers[n % 3])
            .post(
                &format!("/api/v1/shows/{show}/holds"),
                json!({ "best_available": { "count": 2 } }),
            )
            .await;
        assert_eq!(status, 201, "a hold to leave: {hold}");
        left.push((
            text(&hold["id"]),
            instant(&hold["expires_at"]) + time::Duration::seconds(GRACE_SECONDS),
        ));
    }

    // (b) A live seat map on instance 1: the map, then its events.
    let (_, map) = Api::new(&servers[0])
        .get(&format!("/api/v1/shows/{hot}/seats"))
        .await;
    let from = map["seq"].as_u64().unwrap();
    let mut source = Api::new(&servers[0])
        .events(&format!("/api/v1/shows/{hot}/events?after={from}"))
        .await
        .unwrap();
    let received: Arc<Mutex<Vec<SseEvent>>> = Arc::default();
    let listener = {
        let received = Arc::clone(&received);
        tokio::spawn(async move {
            while let Some(event) = source.next().await {
                received.lock().unwrap().push(event.unwrap());
            }
        })
    };

    // (a) The race.
    let race_started = Instant::now();
    let racers: Vec<_> = (0..RACERS)
        .map(|n| {
            let instance = n % 3;
            tokio::spawn(racer(
                Api::new(&servers[instance]),
                n,
                instance,
                hot.clone(),
            ))
        })
        .collect();
    let mut races = Vec::new();
    for racer in racers {
        races.push(racer.await.unwrap());
    }
    let race_time = race_started.elapsed();
    let unexpected: Vec<&String> = races.iter().flat_map(|r| &r.unexpected).collect();
    assert!(unexpected.is_empty(), "unexpected answers: {unexpected:?}");
    let sales: Vec<&Sale> = races.iter().flat_map(|r| &r.sales).collect();
    let requests: usize = races.iter().map(|r| r.requests).sum();
    let hold_requests: usize = races.iter().map(|r| r.hold_requests).sum();
    let conflicts: usize = races.iter().map(|r| r.conflicts).sum();
    let picked_conflicts: usize = races.iter().filter(|r| r.picks).map(|r| r.conflicts).sum();
    let expired: usize = races.iter().map(|r| r.expired).sum();
    let mut per_instance = [0; 3];
    for sale in &sales {
        per_instance[sale.instance] += 1;
    }

    let show = as_uuid(&hot);
    let doubled = count(
        &db,
        "SELECT count(*) FROM (SELECT seat_index FROM tickets WHERE show_id = $1
           GROUP BY seat_index HAVING count(*) > 1) AS d",
        show,
    )
    .await;
    let tickets = count(&db, "SELECT count(*) FROM tickets WHERE show_id = $1", show).await;
    let booked = count(
        &db,
        "SELECT count(*) FROM seats WHERE show_id = $1 AND status = 2",
        show,
    )
    .await;
    let counted = count(
        &db,
        "SELECT booked::bigint FROM show_state WHERE show_id = $1",
        show,
    )
    .await;
    let told: Vec<&String> = sales
        .iter()
        .filter(|s| s.booking.is_some())
        .flat_map(|s| &s.seats)
        .collect();
    let told_distinct: HashSet<&String> = told.iter().copied().collect();
    println!(
        "race: {RACERS} buyers over 3 instances sold {hot_capacity} seats in {race_time:.1?}: \
         {requests} requests ({hold_requests} hold requests), {} holds ({per_instance:?} per instance), \
         {conflicts} conflicts (409; {picked_conflicts} of them on seats picked off a stale map), \
         {expired} holds expired before payment, {doubled} double bookings",
        sales.len()
    );
    assert_eq!(doubled, 0, "seats with two tickets");
    let capacity = i64::try_from(hot_capacity).unwrap();
    assert_eq!(
        (booked, tickets, counted),
        (capacity, capacity, capacity),
        "booked seats, tickets and the show's count are its capacity"
    );
    assert_eq!(
        (told.len(), told_distinct.len()),
        (hot_capacity as usize, hot_capacity as usize),
        "the buyers were told of every seat once"
    );

    // (b) The subscriber on instance 1 saw every change, in order.
    let last: i64 = count(
        &db,
        "SELECT last_seq FROM show_state WHERE show_id = $1",
        show,
    )
    .await;
    let last = u64::try_from(last).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while received.lock().unwrap().len() < (last - from) as usize && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    listener.abort();
    let received = received.lock().unwrap().clone();
    let events: Vec<Value> = received
        .iter()
        .map(|e| {
            assert_eq!(e.event.as_deref(), Some("change"), "{e:?}");
            let event: Value = serde_json::from_str(&e.data).unwrap();
            assert_eq!(e.id, Some(event["seq"].to_string()), "SSE id is the seq");
            event
        })
        .collect();
    let seqs: Vec<u64> = events.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(
        seqs,
        (from + 1..=last).collect::<Vec<_>>(),
        "every event once, in order, without gaps"
    );
    let mut held_at = HashMap::new();
    let mut booked_at = HashMap::new();
    let mut kinds = BTreeMap::new();
    for event in &events {
        let change = &event["change"];
        let seq = event["seq"].as_u64().unwrap();
        let kind = text(&change["type"]);
        match kind.as_str() {
            "held" => {
                held_at.insert(text(&change["hold"]), seq);
            }
            "booked" => {
                booked_at.insert(text(&change["hold"]), (seq, text(&change["booking"])));
            }
            _ => {}
        }
        *kinds.entry(kind).or_insert(0) += 1;
    }
    let mut from_others = 0;
    for sale in &sales {
        let held = held_at.get(&sale.hold);
        assert!(held.is_some(), "no held event for hold {}", sale.hold);
        if let Some(booking) = &sale.booking {
            let (seq, id) = booked_at.get(&sale.hold).unwrap();
            assert_eq!(id, booking, "the booked event names the booking");
            assert!(seq > held.unwrap(), "booked after held");
        }
        if sale.instance != 0 {
            from_others += 1;
        }
    }
    assert_eq!(
        held_at.len(),
        sales.len(),
        "no held event of an unknown hold"
    );
    println!(
        "SSE on instance 1: {} events (seq {}..={last}) {kinds:?}, {from_others} holds made through instances 2 and 3",
        events.len(),
        from + 1
    );

    // (c) Every left hold expired exactly once, on time, with three sweepers.
    let quiet_ids: Vec<Uuid> = quiet.iter().map(|(id, _)| as_uuid(id)).collect();
    let last_due = left.iter().map(|(_, due)| *due).max().unwrap();
    let deadline = Instant::now()
        + Duration::try_from(last_due - OffsetDateTime::now_utc()).unwrap_or_default()
        + Duration::from_secs(15);
    while expiries(&db, &quiet_ids).await.len() < left.len() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Each sweeper has had two more turns to expire something twice.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let expiries = expiries(&db, &quiet_ids).await;
    let mut latest = time::Duration::ZERO;
    for (hold, due) in &left {
        let at: Vec<OffsetDateTime> = expiries
            .iter()
            .filter(|(id, _)| id == hold)
            .map(|(_, at)| *at)
            .collect();
        assert_eq!(at.len(), 1, "hold {hold} expired once: {at:?}");
        assert!(
            at[0] >= *due,
            "hold {hold} freed at {}, before {due}",
            at[0]
        );
        assert!(
            at[0] <= *due + SWEEP_EVERY + LATE,
            "hold {hold} freed at {}, late for {due}",
            at[0]
        );
        latest = latest.max(at[0] - *due);
    }
    assert_eq!(expiries.len(), left.len(), "no other expiries");
    for (show, seats) in &quiet {
        let id = as_uuid(show);
        let (events, last_seq) = (
            count(
                &db,
                "SELECT count(*) FROM show_events WHERE show_id = $1",
                id,
            )
            .await,
            count(
                &db,
                "SELECT last_seq FROM show_state WHERE show_id = $1",
                id,
            )
            .await,
        );
        assert_eq!(
            events, last_seq,
            "gap-free events: held and expired, nothing else"
        );
        assert_eq!(
            count(
                &db,
                "SELECT count(*) FROM seats WHERE show_id = $1 AND status <> 0",
                id
            )
            .await,
            0,
            "every seat free in the table"
        );
        for (n, server) in servers.iter().enumerate() {
            let (_, map) = Api::new(server)
                .get(&format!("/api/v1/shows/{show}/seats"))
                .await;
            assert_eq!(
                free_and_held(&map),
                (*seats, 0),
                "every seat free on instance {}",
                n + 1
            );
        }
    }
    println!(
        "sweeping: {} holds through 3 instances, each expired once, at most {:.0} ms after expires_at + grace",
        left.len(),
        latest.as_seconds_f64() * 1000.0
    );
    println!("instances test took {:.1?}", started.elapsed());
}

/// Waits (up to 20 s) until `api`'s visitor is admitted to `show`'s room;
/// returns the pass.
async fn admitted(api: &mut Api, show: &str) -> String {
    let started = Instant::now();
    loop {
        let (status, standing) = api.get(&format!("/api/v1/shows/{show}/room")).await;
        assert_eq!(status, 200, "{standing}");
        if standing["standing"]["state"] == "admitted" {
            return text(&standing["admission"]["token"]);
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "not admitted: {standing}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The demo's waiting room on PostgreSQL, through two instances: one line
/// for both, a pass from one holds on the other (they share the secret),
/// and a booking through one lets the next visitor in.
#[tokio::test]
async fn a_waiting_room_is_one_line_across_instances() {
    let (_db, launch, log) = on_fresh_database("rooms", 300, 5, SECRET).await;
    let launch = launch.flags(&[
        "--demo-room-sale-delay-seconds",
        "0",
        "--demo-room-max-active",
        "1",
    ]);
    let first = launch.clone().start().await;
    let second = launch.clone().start().await;
    println!("log: {}", log.display());
    let show = app_server::demo::room_show().to_string();
    let room = format!("/api/v1/shows/{show}/room");
    let (_, details) = Api::new(&second)
        .get(&format!("/api/v1/shows/{show}"))
        .await;
    assert_eq!(
        details["waiting_room"]["pace"]["max_active"], 1,
        "{details}"
    );

    // A joins through the first instance, B through the second.
    let mut a = Api::new(&first);
    let (status, joined) = a.post(&room, Value::Null).await;
    assert_eq!(status, 201, "{joined}");
    let mut b = Api::new(&second);
    let (status, joined) = b.post(&room, Value::Null).await;
    assert_eq!(status, 201, "{joined}");
    let a_session = a.session().unwrap();
    let mut a_on_second = Api::with_session(&second, Some(a_session.clone()));
    let pass = admitted(&mut a_on_second, &show).await;
    let (_, standing) = b.get(&room).await;
    assert_eq!(standing["standing"]["state"], "queued", "{standing}");
    assert_eq!(standing["standing"]["position"], 1, "{standing}");

    // No pass: refused on either instance. A's pass (issued by the second)
    // holds through the first.
    let hold = json!({ "best_available": { "count": 2 } });
    let (status, refused) = b
        .post(&format!("/api/v1/shows/{show}/holds"), hold.clone())
        .await;
    assert_eq!(status, 403, "{refused}");
    let mut a_with_pass = Api::with_session(
        &first,
        Some(format!("{a_session}; seatwise_admission={pass}")),
    );
    let (status, held) = a_with_pass
        .post(&format!("/api/v1/shows/{show}/holds"), hold.clone())
        .await;
    assert_eq!(status, 201, "{held}");
    let (status, booking) = a_with_pass
        .post(
            &format!("/api/v1/holds/{}/confirm", text(&held["token"])),
            json!({ "card_number": CARD }),
        )
        .await;
    assert_eq!(status, 200, "{booking}");

    // A's booking frees the slot: B gets in, and holds through the first.
    let b_session = b.session().unwrap();
    let pass = admitted(&mut b, &show).await;
    let mut b_with_pass = Api::with_session(
        &first,
        Some(format!("{b_session}; seatwise_admission={pass}")),
    );
    let (status, held) = b_with_pass
        .post(&format!("/api/v1/shows/{show}/holds"), hold)
        .await;
    assert_eq!(status, 201, "{held}");
}

/// The organizer token of the catalog test.
const ORGANIZER: &str = "instances-organizer-token-0123456789";

/// An event an organizer puts on through one instance is found by search on
/// the two others within a second: the catalog change reaches their search
/// indexes through the database's notifications.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_event_put_on_through_one_instance_is_found_on_the_others_within_a_second() {
    let (_db, launch, log) = on_fresh_database("catalog", 300, 5, SECRET).await;
    let launch = launch.flags(&["--admin-token", ORGANIZER]);
    let first = launch.clone().start().await;
    let (second, third) = tokio::join!(launch.clone().start(), launch.clone().start());
    println!("log: {}", log.display());
    let mut organizer = Api::new(&first).organizer(ORGANIZER);
    let (status, city) = organizer
        .post(
            "/api/v1/admin/cities",
            json!({ "name": "Salzburg", "country": "AT", "location": { "lat": 47.8, "lon": 13.04 } }),
        )
        .await;
    assert_eq!(status, 201, "{city}");
    let (status, venue) = organizer
        .post(
            "/api/v1/admin/venues",
            json!({ "city": city["id"], "name": "Das Kino", "location": { "lat": 47.8, "lon": 13.04 } }),
        )
        .await;
    assert_eq!(status, 201, "{venue}");
    let layout: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../examples/layouts/studio.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let venue_id = text(&venue["id"]);
    let (status, hall) = organizer
        .post(&format!("/api/v1/admin/venues/{venue_id}/halls"), layout)
        .await;
    assert_eq!(status, 201, "{hall}");
    let (status, event) = organizer
        .post(
            "/api/v1/admin/events",
            json!({ "kind": "movie", "title": "Nosferatu Quartet", "duration_minutes": 94 }),
        )
        .await;
    assert_eq!(status, 201, "{event}");
    let starts_at = (OffsetDateTime::now_utc() + time::Duration::days(2))
        .format(&Rfc3339)
        .unwrap();
    let (status, show) = organizer
        .post(
            "/api/v1/admin/shows",
            json!({ "event": event["id"], "venue": venue_id, "hall": hall["id"], "starts_at": starts_at,
                    "currency": "EUR", "prices": { "A": 900, "P": 1300 } }),
        )
        .await;
    assert_eq!(status, 201, "{show}");
    let created = Instant::now();

    // A typo, as visitors type it.
    let query = "/api/v1/search?q=nosferatu%20quartett";
    for (name, server) in [("second", &second), ("third", &third)] {
        let mut visitor = Api::new(server);
        let found = loop {
            let (status, page) = visitor.get(query).await;
            assert_eq!(status, 200, "{page}");
            if page.to_string().contains(&text(&event["id"])) {
                break created.elapsed();
            }
            assert!(
                created.elapsed() < Duration::from_secs(10),
                "the {name} instance never found the new event: {page}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        println!("the {name} instance found the new event {found:.0?} after it was put on");
        assert!(
            found <= Duration::from_secs(1),
            "the {name} instance took {found:?}"
        );
    }
}
