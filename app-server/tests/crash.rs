//! Crash safety of the real server binary on PostgreSQL: app-server is
//! SIGKILLed in the middle of a booking load and restarted on the same
//! database and port.

#![allow(clippy::unwrap_used)] // a test may panic on setup failure

mod common;

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::server::{
    Api, as_uuid, berlin_metropolis_shows, capacity, free_port, on_fresh_database, text,
};
use serde_json::{Value, json};
use sqlx::PgPool;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

/// How long holds last here: long enough that the server is back, and the
/// holds made before the crash checked, before they run out.
const HOLD_SECONDS: i64 = 15;
/// The server keeps a hold this much past its shown expiry.
const GRACE_SECONDS: i64 = 1;
/// How often the server's sweeper runs (`app_server::server`).
const SWEEP_EVERY: time::Duration = time::Duration::seconds(1);
/// How much later than `expires_at + grace + SWEEP_EVERY` an expiry may be
/// recorded on a busy machine.
const LATE: time::Duration = time::Duration::milliseconds(2500);
/// Ticket codes must verify across the restart.
const SECRET: &str = "crash-test-ticket-secret-0123456789abcdef";
/// Approved by the fake gateway.
const CARD: &str = "4242424242424242";
/// Concurrent buyers during the load.
const BUYERS: usize = 16;

/// A hold made before the crash.
#[derive(Debug, Clone)]
struct Held {
    id: String,
    token: String,
    show: String,
    seats: Vec<String>,
    expires_at: OffsetDateTime,
    session: Option<String>,
}

impl Held {
    fn new(hold: &Value, api: &Api) -> Self {
        Self {
            id: text(&hold["id"]),
            token: text(&hold["token"]),
            show: text(&hold["show"]),
            seats: hold["seats"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| text(&s["seat"]))
                .collect(),
            expires_at: OffsetDateTime::parse(hold["expires_at"].as_str().unwrap(), &Rfc3339)
                .unwrap(),
            session: api.session(),
        }
    }

    /// When the server frees it.
    fn free_at(&self) -> OffsetDateTime {
        self.expires_at + time::Duration::seconds(GRACE_SECONDS)
    }
}

/// A booking a buyer saw confirmed (status 200).
#[derive(Debug, Clone)]
struct Seen {
    id: String,
    tickets: BTreeSet<String>,
    codes: Vec<String>,
    session: Option<String>,
}

/// What one buyer saw during the load.
#[derive(Debug, Default)]
struct Load {
    seen: Vec<Seen>,
    /// Requests that got no answer (the kill).
    errors: usize,
    /// Confirmations cut by the kill: booked or not, the buyer cannot know.
    in_doubt: usize,
    /// Holds refused (409: too few seats left).
    refused: usize,
    /// Anything else: failures before the kill, unexpected statuses.
    unexpected: Vec<String>,
}

impl Load {
    fn merge(&mut self, other: Load) {
        self.seen.extend(other.seen);
        self.errors += other.errors;
        self.in_doubt += other.in_doubt;
        self.refused += other.refused;
        self.unexpected.extend(other.unexpected);
    }
}

/// One buyer: holds the best 1-4 seats of the shows in turn and pays, until
/// the server goes away under it.
async fn buyer(
    mut api: Api,
    buyer: usize,
    shows: Arc<Vec<String>>,
    killing: Arc<AtomicBool>,
    confirmed: Arc<AtomicUsize>,
) -> Load {
    let mut load = Load::default();
    for round in 0.. {
        let show = &shows[(buyer + round) % shows.len()];
        let count = (buyer + 3 * round) % 4 + 1;
        let answer = api
            .try_post(
                &format!("/api/v1/shows/{show}/holds"),
                json!({ "best_available": { "count": count } }),
            )
            .await;
        let hold = match answer {
            Ok((201, hold)) => hold,
            Ok((409, _)) => {
                load.refused += 1;
                continue;
            }
            Ok((status, body)) => {
                load.unexpected.push(format!("hold: {status} {body}"));
                continue;
            }
            Err(_) if killing.load(Ordering::SeqCst) => {
                load.errors += 1;
                break;
            }
            Err(error) => {
                load.unexpected.push(format!("before the kill: {error}"));
                break;
            }
        };
        let token = text(&hold["token"]);
        let answer = api
            .try_post(
                &format!("/api/v1/holds/{token}/confirm"),
                json!({ "card_number": CARD }),
            )
            .await;
        match answer {
            Ok((200, booking)) => {
                load.seen.push(Seen {
                    id: text(&booking["id"]),
                    tickets: booking["tickets"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|t| text(&t["id"]))
                        .collect(),
                    codes: booking["ticket_codes"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(text)
                        .collect(),
                    session: api.session(),
                });
                confirmed.fetch_add(1, Ordering::SeqCst);
            }
            Ok((status, body)) => load.unexpected.push(format!("confirm: {status} {body}")),
            Err(_) if killing.load(Ordering::SeqCst) => {
                load.errors += 1;
                load.in_doubt += 1;
                break;
            }
            Err(error) => {
                load.unexpected.push(format!("before the kill: {error}"));
                break;
            }
        }
    }
    load
}

async fn count(db: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(db).await.unwrap()
}

/// `expired` events of these holds: hold id and when.
async fn expiries(db: &PgPool, holds: &[Held]) -> Vec<(String, OffsetDateTime)> {
    let shows: Vec<Uuid> = holds.iter().map(|h| as_uuid(&h.show)).collect();
    let ids: Vec<String> = holds.iter().map(|h| h.id.clone()).collect();
    sqlx::query_as(
        "SELECT change->>'hold', at FROM show_events
         WHERE show_id = ANY($1) AND change->>'type' = 'expired' AND change->>'hold' = ANY($2)
         ORDER BY seq",
    )
    .bind(&shows)
    .bind(&ids)
    .fetch_all(db)
    .await
    .unwrap()
}

/// Sixteen buyers hold and pay on four shows; after about 1.5 s the server
/// is SIGKILLed and restarted on the same database and port. Shows that
/// (a) every booking a buyer saw confirmed is there after the restart, with
/// the same tickets and codes that still verify; (b) no seat has two owners
/// and the booked seats are exactly the tickets; (c) holds made before the
/// crash are intact after it and expire on time (`expires_at + grace`, by
/// the restarted server's sweeper); (d) the waitlist keeps its order across
/// the restart and is served in join order; (e) no hold is charged twice and
/// every booking has exactly one payment.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_sigkill_mid_load_loses_no_booking_and_doubles_nothing() {
    let started = Instant::now();
    let (db, launch, log) = on_fresh_database("crash", HOLD_SECONDS, GRACE_SECONDS, SECRET).await;
    let mut server = launch.port(free_port()).start().await;
    println!(
        "server up on a fresh database in {:.1?} (migrations, demo catalog); log: {}",
        started.elapsed(),
        log.display()
    );

    // The smallest hall is W; the four largest take the load, S among them.
    let soon = OffsetDateTime::now_utc() + time::Duration::hours(1);
    let mut shows: Vec<Value> = berlin_metropolis_shows(&server.base)
        .await
        .into_iter()
        .filter(|s| {
            OffsetDateTime::parse(s["starts_at"].as_str().unwrap(), &Rfc3339).unwrap() > soon
        })
        .collect();
    shows.sort_by_key(capacity);
    assert!(shows.len() >= 5, "enough upcoming shows: {}", shows.len());
    let (w, w_capacity) = (text(&shows[0]["id"]), capacity(&shows[0]));
    let loaded: Vec<String> = shows.iter().rev().take(4).map(|s| text(&s["id"])).collect();
    let s = loaded[0].clone();

    // Before the load: a buyer holds 4 seats of S and does not pay; sessions
    // hold every seat of W; three waiters join W's line in order.
    let mut unpaid = Vec::new();
    let mut s_buyer = Api::new(&server);
    let (status, hold) = s_buyer
        .post(
            &format!("/api/v1/shows/{s}/holds"),
            json!({ "best_available": { "count": 4 } }),
        )
        .await;
    assert_eq!(status, 201, "S's hold: {hold}");
    unpaid.push(Held::new(&hold, &s_buyer));
    let mut free = w_capacity;
    while free > 0 {
        let count = free.min(10);
        let mut api = Api::new(&server);
        let (status, hold) = api
            .post(
                &format!("/api/v1/shows/{w}/holds"),
                json!({ "best_available": { "count": count } }),
            )
            .await;
        assert_eq!(status, 201, "filling W: {hold}");
        unpaid.push(Held::new(&hold, &api));
        free -= count;
    }
    let mut waiters = Vec::new();
    for place in 1..=3 {
        let mut api = Api::new(&server);
        let (status, wait) = api
            .post(&format!("/api/v1/shows/{w}/waits"), json!({ "count": 2 }))
            .await;
        assert_eq!(status, 201, "waiter {place} joins: {wait}");
        let id = text(&wait["id"]);
        let (_, status) = api.get(&format!("/api/v1/waits/{id}")).await;
        assert_eq!(
            (status["state"].as_str(), status["position"].as_u64()),
            (Some("waiting"), Some(place)),
            "waiter {place} before the crash: {status}"
        );
        waiters.push((id, api.session()));
    }

    // The load, then SIGKILL mid-flight.
    let killing = Arc::new(AtomicBool::new(false));
    let confirmed = Arc::new(AtomicUsize::new(0));
    let shows = Arc::new(loaded);
    let buyers: Vec<_> = (0..BUYERS)
        .map(|n| {
            tokio::spawn(buyer(
                Api::new(&server),
                n,
                Arc::clone(&shows),
                Arc::clone(&killing),
                Arc::clone(&confirmed),
            ))
        })
        .collect();
    let load_started = Instant::now();
    // About 1.5 s, and at least 20 bookings (a slow machine gets longer).
    while load_started.elapsed() < Duration::from_millis(1500)
        || (confirmed.load(Ordering::SeqCst) < 20
            && load_started.elapsed() < Duration::from_secs(8))
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    killing.store(true, Ordering::SeqCst);
    server.kill();
    let killed = Instant::now();
    let load_time = load_started.elapsed();
    let mut load = Load::default();
    for buyer in buyers {
        load.merge(buyer.await.unwrap());
    }
    assert!(
        load.unexpected.is_empty(),
        "unexpected answers during the load: {:?}",
        load.unexpected
    );
    assert!(!load.seen.is_empty(), "some bookings before the kill");
    let server = server.restart().await;
    println!(
        "load: {} buyers for {load_time:.1?}; SIGKILL; restarted in {:.1?}",
        BUYERS,
        killed.elapsed()
    );

    // (c, d) Right after the restart, before any of them is due, the holds
    // made before the crash are intact and the waiters keep their places.
    let first_expiry = unpaid.iter().map(|h| h.expires_at).min().unwrap();
    assert!(
        OffsetDateTime::now_utc() < first_expiry,
        "the restart took too long to check the holds before they expire"
    );
    for (place, (id, session)) in (1..).zip(&waiters) {
        let (code, status) = Api::with_session(&server, session.clone())
            .get(&format!("/api/v1/waits/{id}"))
            .await;
        assert_eq!(
            (code, status["state"].as_str(), status["position"].as_u64()),
            (200, Some("waiting"), Some(place)),
            "waiter {place} after the restart: {status}"
        );
    }
    let s_hold = &unpaid[0];
    let (code, status) = Api::with_session(&server, s_hold.session.clone())
        .get(&format!("/api/v1/holds/{}", s_hold.token))
        .await;
    assert_eq!(
        (code, status["state"]["state"].as_str()),
        (200, Some("active")),
        "S's unpaid hold after the restart: {status}"
    );
    let ids: Vec<Uuid> = unpaid.iter().map(|h| as_uuid(&h.id)).collect();
    let active: i64 =
        sqlx::query_scalar("SELECT count(*) FROM holds WHERE id = ANY($1) AND state = 0")
            .bind(&ids)
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(
        active,
        unpaid.len() as i64,
        "every hold made before the crash is active"
    );

    // (a) Every booking a buyer saw confirmed is there, to that buyer.
    for seen in &load.seen {
        let (status, booking) = Api::with_session(&server, seen.session.clone())
            .get(&format!("/api/v1/bookings/{}", seen.id))
            .await;
        assert_eq!(
            status, 200,
            "booking {} after the restart: {booking}",
            seen.id
        );
        let tickets: BTreeSet<String> = booking["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| text(&t["id"]))
            .collect();
        assert_eq!(tickets, seen.tickets, "booking {}'s tickets", seen.id);
    }
    let mut verifier = Api::new(&server);
    for code in &load.seen[0].codes {
        let (status, body) = verifier
            .post("/api/v1/tickets/verify", json!({ "code": code }))
            .await;
        assert_eq!(
            status, 200,
            "a code issued before the crash verifies after it: {body}"
        );
    }
    let stored = count(&db, "SELECT count(*) FROM bookings").await;
    println!(
        "bookings confirmed to buyers before the kill: {}; in the database after the restart: {stored} \
         ({} confirmations cut by the kill); client errors at the kill: {}; holds refused for lack of seats: {}",
        load.seen.len(),
        load.in_doubt,
        load.errors,
        load.refused
    );
    assert!(stored >= load.seen.len() as i64);
    assert!(
        stored <= (load.seen.len() + load.in_doubt) as i64,
        "no booking nobody asked for"
    );

    // (b) No seat has two owners; the booked seats are exactly the tickets,
    // and every show's counts agree with its seats.
    let doubled = common::server::seats_booked_twice(&db).await;
    assert_eq!(doubled, 0, "seats in two confirmed bookings");
    let booked_without_ticket = count(
        &db,
        "SELECT count(*) FROM seats s WHERE s.status = 2 AND NOT EXISTS
           (SELECT 1 FROM tickets t WHERE t.show_id = s.show_id AND t.seat_index = s.seat_index)",
    )
    .await;
    let ticket_not_booked = count(
        &db,
        "SELECT count(*) FROM tickets t LEFT JOIN seats s
           ON s.show_id = t.show_id AND s.seat_index = t.seat_index
           WHERE s.status IS DISTINCT FROM 2",
    )
    .await;
    assert_eq!(
        (booked_without_ticket, ticket_not_booked),
        (0, 0),
        "booked seats without a ticket, tickets of seats not booked"
    );
    let torn = count(
        &db,
        "SELECT count(*) FROM bookings b WHERE cardinality(b.seat_indexes) <>
           (SELECT count(*) FROM tickets t WHERE t.show_id = b.show_id AND t.booking_id = b.id)
           OR NOT EXISTS (SELECT 1 FROM holds h WHERE h.show_id = b.show_id AND h.id = b.hold_id
                          AND h.state = 2 AND h.booking_id = b.id)",
    )
    .await;
    assert_eq!(
        torn, 0,
        "bookings without all their tickets or their confirmed hold"
    );
    let miscounted = count(
        &db,
        "SELECT count(*) FROM show_state st, LATERAL (
           SELECT count(*) FILTER (WHERE status = 0) AS available,
                  count(*) FILTER (WHERE status = 1) AS held,
                  count(*) FILTER (WHERE status = 2) AS booked
           FROM seats s WHERE s.show_id = st.show_id) c
         WHERE (st.available, st.held, st.booked) <> (c.available, c.held, c.booked)",
    )
    .await;
    assert_eq!(
        miscounted, 0,
        "shows whose counts disagree with their seats"
    );

    // (e) At most one payment per hold; exactly one per booking; none for a
    // hold that did not become a booking.
    let charged_twice = count(
        &db,
        "SELECT count(*) FROM (SELECT 1 FROM payments GROUP BY show_id, hold_id HAVING count(*) > 1) AS p",
    )
    .await;
    let unpaid_bookings = count(
        &db,
        "SELECT count(*) FROM bookings b WHERE (SELECT count(*) FROM payments p
           WHERE p.show_id = b.show_id AND p.hold_id = b.hold_id
             AND p.receipt->>'reference' = b.doc->'payment'->>'reference') <> 1",
    )
    .await;
    let orphan_payments = count(
        &db,
        "SELECT count(*) FROM payments p WHERE NOT EXISTS
           (SELECT 1 FROM bookings b WHERE b.show_id = p.show_id AND b.hold_id = p.hold_id)",
    )
    .await;
    assert_eq!(
        (charged_twice, unpaid_bookings, orphan_payments),
        (0, 0, 0),
        "holds charged twice, bookings without exactly one payment, payments without a booking"
    );

    // (c) The holds made before the crash expire on time: the restarted
    // server's sweeper frees them at expires_at + grace (nobody reads S or W
    // meanwhile, so no request settles them first).
    let last_due = unpaid.iter().map(Held::free_at).max().unwrap();
    let deadline = Instant::now()
        + Duration::try_from(last_due - OffsetDateTime::now_utc()).unwrap_or_default()
        + Duration::from_secs(15);
    let mut expired = expiries(&db, &unpaid).await;
    while expired.len() < unpaid.len() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        expired = expiries(&db, &unpaid).await;
    }
    let mut latest = time::Duration::ZERO;
    for hold in &unpaid {
        let events: Vec<_> = expired.iter().filter(|(id, _)| *id == hold.id).collect();
        assert_eq!(
            events.len(),
            1,
            "one expiry of hold {}: {events:?}",
            hold.id
        );
        let at = events[0].1;
        assert!(
            at >= hold.free_at(),
            "hold {} freed at {at}, before expires_at + grace = {}",
            hold.id,
            hold.free_at()
        );
        assert!(
            at <= hold.free_at() + SWEEP_EVERY + LATE,
            "hold {} freed at {at}, late for {}",
            hold.id,
            hold.free_at()
        );
        latest = latest.max(at - hold.free_at());
    }
    println!(
        "{} holds made before the crash expired after it, at most {:.0} ms after expires_at + grace",
        unpaid.len(),
        latest.as_seconds_f64() * 1000.0
    );
    let (_, map) = Api::new(&server)
        .get(&format!("/api/v1/shows/{s}/seats"))
        .await;
    let available: HashSet<String> = map["seats"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|seat| seat["status"] == "available")
        .map(|seat| text(&seat["seat"]))
        .collect();
    assert!(
        s_hold.seats.iter().all(|seat| available.contains(seat)),
        "S's seats are free again"
    );

    // (d) W's seats went to the waiters in join order, 2 each; the rest is free.
    let offers: Vec<(String, i64)> = sqlx::query_as(
        "SELECT change->>'wait', seq FROM show_events
         WHERE show_id = $1 AND change->>'type' = 'offered' ORDER BY seq",
    )
    .bind(as_uuid(&w))
    .fetch_all(&db)
    .await
    .unwrap();
    let order: Vec<&str> = offers.iter().map(|(wait, _)| wait.as_str()).collect();
    let joined: Vec<&str> = waiters.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(order, joined, "offers in join order");
    for (place, (id, session)) in (1..).zip(&waiters) {
        let (_, status) = Api::with_session(&server, session.clone())
            .get(&format!("/api/v1/waits/{id}"))
            .await;
        assert_eq!(
            (
                status["state"].as_str(),
                status["hold"]["seats"].as_array().map(Vec::len)
            ),
            (Some("offered"), Some(2)),
            "waiter {place} is offered 2 seats: {status}"
        );
    }
    let (_, map) = Api::new(&server)
        .get(&format!("/api/v1/shows/{w}/seats"))
        .await;
    let counts = &map["counts"];
    assert_eq!(
        (
            counts["held"].as_u64(),
            counts["available"].as_u64(),
            counts["booked"].as_u64()
        ),
        (Some(6), Some(w_capacity - 6), Some(0)),
        "W after the expiry: {counts}"
    );

    // Holds cut off by the crash (held, never confirmed) are swept too.
    let stuck = count(
        &db,
        "SELECT count(*) FROM holds WHERE state = 0 AND free_at < now() - interval '4 seconds'",
    )
    .await;
    assert_eq!(stuck, 0, "holds past their time still active");
    println!("crash test took {:.1?}", started.elapsed());
}
