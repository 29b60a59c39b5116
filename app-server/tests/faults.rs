//! A bad day for the database: buyers hold and pay through the server while
//! its PostgreSQL is SIGKILLed and restarted, then frozen (SIGSTOP) and
//! thawed. The server answers within its deadlines while the database is
//! gone, serves again within a second of its return, and loses, doubles or
//! mischarges nothing.

#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used)] // a test may panic on setup failure

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use app_server::config::Config;
use clap::Parser;
use common::cluster::Cluster;
use common::server::{Api, berlin_metropolis_shows, capacity, text, wait_until_ready};
use parking_lot::Mutex;
use reservation_core::HoldId;
use reservation_core::payment::{
    ChargeRequest, FakeGateway, PaymentError, PaymentGateway, PaymentReceipt,
};
use serde_json::{Value, json};
use sqlx::PgPool;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Holds last this long (plus the grace), so that the ones left unpaid run
/// out soon after the load.
const HOLD_SECONDS: u32 = 8;
const GRACE_SECONDS: u32 = 1;
/// Approved by the fake gateway.
const CARD: &str = "4242424242424242";
/// Concurrent buyers.
const BUYERS: usize = 8;
/// Scheduling slack on a loaded 2-core machine, on top of each deadline.
const SLACK: Duration = Duration::from_millis(1500);
/// How soon after the database is back requests must succeed again.
const RECOVERY: Duration = Duration::from_secs(1);

/// The fake gateway, slow to charge as a real one is (a card network's
/// round trip), so that some faults land between a charge and its booking.
#[derive(Clone)]
struct SlowGateway(FakeGateway);

/// How long a charge takes.
const CHARGE_TIME: Duration = Duration::from_millis(300);

#[async_trait::async_trait]
impl PaymentGateway for SlowGateway {
    async fn charge(&self, request: &ChargeRequest) -> Result<PaymentReceipt, PaymentError> {
        tokio::time::sleep(CHARGE_TIME).await;
        self.0.charge(request).await
    }

    async fn refund_for(&self, key: HoldId) -> Result<Option<PaymentReceipt>, PaymentError> {
        self.0.refund_for(key).await
    }
}

/// One request a buyer made: when it started and ended, and its answer.
#[derive(Debug, Clone)]
struct Sample {
    what: &'static str,
    started: Instant,
    ended: Instant,
    /// The HTTP status, or `None` for no answer at all.
    status: Option<u16>,
    code: Option<String>,
    retry_after: bool,
}

impl Sample {
    fn took(&self) -> Duration {
        self.ended - self.started
    }

    fn succeeded(&self) -> bool {
        matches!(self.status, Some(200 | 201 | 204))
    }
}

/// What the buyers saw.
#[derive(Default)]
struct Seen {
    samples: Vec<Sample>,
    /// Booking ids confirmed to a buyer.
    bookings: Vec<String>,
}

/// Holds the best 1-4 seats of the shows in turn, until `done`; pays for
/// one hold in four and releases the others (so the shows do not sell out).
async fn buyer(
    base: String,
    n: usize,
    shows: Arc<Vec<String>>,
    done: Arc<AtomicBool>,
    seen: Arc<Mutex<Seen>>,
) {
    let mut api = Api::at(&base);
    let mut round = 0;
    while !done.load(Ordering::SeqCst) {
        round += 1;
        let show = &shows[(n + round) % shows.len()];
        let count = (n + 3 * round) % 4 + 1;
        let started = Instant::now();
        let answer = api
            .try_post_with_headers(
                &format!("/api/v1/shows/{show}/holds"),
                json!({ "best_available": { "count": count } }),
            )
            .await;
        let hold = record(&seen, "hold", started, &answer);
        let Some(hold) = hold.filter(|_| answer.as_ref().is_ok_and(|a| a.0 == 201)) else {
            // Refused or unavailable: back off a little, as a client would.
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let token = text(&hold["token"]);
        let started = Instant::now();
        if round % 4 != 0 {
            let answer = api
                .try_delete_with_headers(&format!("/api/v1/holds/{token}"))
                .await;
            record(&seen, "release", started, &answer);
            continue;
        }
        let answer = api
            .try_post_with_headers(
                &format!("/api/v1/holds/{token}/confirm"),
                json!({ "card_number": CARD }),
            )
            .await;
        if let Some(booking) = record(&seen, "confirm", started, &answer)
            && answer.as_ref().is_ok_and(|a| a.0 == 200)
        {
            seen.lock().bookings.push(text(&booking["id"]));
        }
    }
}

/// Records one request's sample; returns its body.
fn record(
    seen: &Mutex<Seen>,
    what: &'static str,
    started: Instant,
    answer: &Result<(u16, Value, bool), String>,
) -> Option<Value> {
    let ended = Instant::now();
    let (status, code, retry_after, body) = match answer {
        Ok((status, body, retry_after)) => (
            Some(*status),
            body["error"]["code"].as_str().map(str::to_owned),
            *retry_after,
            Some(body.clone()),
        ),
        Err(_) => (None, None, false, None),
    };
    seen.lock().samples.push(Sample {
        what,
        started,
        ended,
        status,
        code,
        retry_after,
    });
    body
}

/// The longest answer among requests in flight during `[from, to)`, and
/// every answer there that is neither a success, a refusal of the buyer's
/// (409, 410), nor 503 `unavailable` with `Retry-After`.
fn while_down(samples: &[Sample], from: Instant, to: Instant) -> (Duration, Vec<Sample>) {
    let during: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.ended >= from && s.started < to)
        .collect();
    let longest = during.iter().map(|s| s.took()).max().unwrap_or_default();
    let wrong = during
        .into_iter()
        .filter(|s| {
            let unavailable =
                s.status == Some(503) && s.code.as_deref() == Some("unavailable") && s.retry_after;
            !(s.succeeded() || matches!(s.status, Some(409 | 410)) || unavailable)
        })
        .cloned()
        .collect();
    (longest, wrong)
}

/// How long after `back` the first request succeeded, and the requests that
/// started more than [`RECOVERY`] after `back` (and were answered before the
/// next fault, at `until`) and still failed.
fn recovery(samples: &[Sample], back: Instant, until: Instant) -> (Option<Duration>, Vec<Sample>) {
    let first = samples
        .iter()
        .filter(|s| s.succeeded() && s.ended >= back)
        .map(|s| s.ended - back)
        .min();
    let late = samples
        .iter()
        .filter(|s| s.started >= back + RECOVERY && s.ended < until)
        .filter(|s| !(s.succeeded() || matches!(s.status, Some(409 | 410))))
        .cloned()
        .collect();
    (first, late)
}

async fn count(db: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(db).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_killed_or_frozen_database_gets_bounded_answers_and_loses_nothing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("warn"))
        .with_test_writer()
        .try_init();
    let cluster = Arc::new(Cluster::init("faults"));
    let url = cluster.url("seatwise");
    let config = Config::parse_from([
        "app-server",
        "--database-url",
        &url,
        "--hold-seconds",
        &HOLD_SECONDS.to_string(),
        "--grace-seconds",
        &GRACE_SECONDS.to_string(),
        "--holds-per-minute-per-session",
        "0",
        "--holds-per-minute-per-address",
        "0",
    ]);
    let limits = config.pool();
    let gateway = FakeGateway::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app_server::server::serve(
        config,
        listener,
        Arc::new(SlowGateway(gateway.clone())),
        async move {
            let _ = stopped.await;
        },
    ));
    let pg = |f: fn(&Cluster)| {
        let cluster = Arc::clone(&cluster);
        async move {
            tokio::task::spawn_blocking(move || f(&cluster))
                .await
                .unwrap()
        }
    };

    // The database is not there yet: the server is alive, not ready, and
    // answers at once.
    let mut api = Api::at(&base);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (status, health) = api.get("/healthz").await;
    assert_eq!((status, health["status"].as_str()), (200, Some("alive")));
    let (status, ready) = api.get("/readyz").await;
    assert_eq!(
        (status, ready["status"].as_str()),
        (503, Some("starting")),
        "{ready}"
    );
    let asked = Instant::now();
    let (status, refused) = api.get("/api/v1/cities").await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (503, Some("unavailable"))
    );
    assert!(asked.elapsed() < SLACK, "answered at once while starting");
    pg(Cluster::start).await;
    let up = Instant::now();
    wait_until_ready(&base, None).await;
    println!(
        "started without its database; ready {:.2?} after the database was up (migrations, demo catalog)",
        up.elapsed()
    );

    let soon = OffsetDateTime::now_utc() + time::Duration::hours(1);
    let mut shows: Vec<Value> = berlin_metropolis_shows(&base)
        .await
        .into_iter()
        .filter(|s| {
            OffsetDateTime::parse(s["starts_at"].as_str().unwrap(), &Rfc3339).unwrap() > soon
        })
        .collect();
    shows.sort_by_key(capacity);
    let shows: Arc<Vec<String>> =
        Arc::new(shows.iter().rev().take(4).map(|s| text(&s["id"])).collect());

    let done = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(Mutex::new(Seen::default()));
    let buyers: Vec<_> = (0..BUYERS)
        .map(|n| {
            tokio::spawn(buyer(
                base.clone(),
                n,
                Arc::clone(&shows),
                Arc::clone(&done),
                Arc::clone(&seen),
            ))
        })
        .collect();

    tokio::time::sleep(Duration::from_secs(3)).await;
    let killed = Instant::now();
    pg(Cluster::kill).await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    pg(Cluster::start).await;
    let back = Instant::now();
    tokio::time::sleep(Duration::from_secs(4)).await;
    let frozen = Instant::now();
    pg(Cluster::freeze).await;
    // Longer than a request's deadline: the deadline must answer them.
    tokio::time::sleep(Duration::from_secs(12)).await;
    pg(Cluster::thaw).await;
    let thawed = Instant::now();
    tokio::time::sleep(Duration::from_secs(4)).await;
    let load_ended = Instant::now();
    done.store(true, Ordering::SeqCst);
    for buyer in buyers {
        buyer.await.unwrap();
    }
    let seen = std::mem::take(&mut *seen.lock());

    // Bounded answers while the database is gone, and recovery within a second.
    // A hold queued behind a failing batch waits half an acquire timeout
    // for its turn, then its own batch waits for a connection.
    let down_bound = limits.acquire_timeout * 3 / 2 + SLACK;
    let frozen_bound = limits.operation_deadline() + Duration::from_secs(1) + SLACK;
    let (killed_longest, killed_wrong) = while_down(&seen.samples, killed, back);
    let (frozen_longest, frozen_wrong) = while_down(&seen.samples, frozen, thawed);
    let (killed_recovery, killed_late) = recovery(&seen.samples, back, frozen);
    let (frozen_recovery, frozen_late) = recovery(&seen.samples, thawed, load_ended);
    let answered = |from, to| {
        let mut statuses = std::collections::BTreeMap::new();
        for s in seen
            .samples
            .iter()
            .filter(|s| s.started >= from && s.started < to)
        {
            *statuses
                .entry(s.status.map_or("none".to_owned(), |s| s.to_string()))
                .or_insert(0) += 1;
        }
        format!("{statuses:?}")
    };
    println!(
        "before: {}; killed: {} requests while down, longest answer {killed_longest:.2?} (bound {down_bound:.2?}), \
         first success {killed_recovery:.2?} after the database was back",
        answered(killed - Duration::from_secs(3), killed),
        answered(killed, back)
    );
    println!(
        "back: {}; frozen: {} requests while frozen, longest answer {frozen_longest:.2?} (bound {frozen_bound:.2?}), \
         first success {frozen_recovery:.2?} after the thaw; thawed: {}",
        answered(back, frozen),
        answered(frozen, thawed),
        answered(thawed, load_ended)
    );
    println!(
        "{} requests in all, {} bookings confirmed to buyers",
        seen.samples.len(),
        seen.bookings.len()
    );
    let slowest = |from: Instant, to: Instant| {
        let mut during: Vec<&Sample> = seen
            .samples
            .iter()
            .filter(|s| s.ended >= from && s.started < to)
            .collect();
        during.sort_by_key(|s| std::cmp::Reverse(s.took()));
        during
            .iter()
            .take(4)
            .map(|s| {
                format!(
                    "{} {:?} {:.2?} started {:.2?} in",
                    s.what,
                    s.status,
                    s.took(),
                    s.started - from
                )
            })
            .collect::<Vec<_>>()
    };
    println!("slowest while down: {:?}", slowest(killed, back));
    println!("slowest while frozen: {:?}", slowest(frozen, thawed));
    assert!(
        killed_longest <= down_bound,
        "an answer took {killed_longest:?} while the database was down"
    );
    assert!(
        frozen_longest <= frozen_bound,
        "an answer took {frozen_longest:?} while the database was frozen"
    );
    assert!(killed_wrong.is_empty(), "while down: {killed_wrong:?}");
    assert!(frozen_wrong.is_empty(), "while frozen: {frozen_wrong:?}");
    assert!(
        killed_recovery.is_some_and(|r| r <= RECOVERY),
        "after the restart: first success {killed_recovery:?}"
    );
    assert!(
        frozen_recovery.is_some_and(|r| r <= RECOVERY),
        "after the thaw: first success {frozen_recovery:?}"
    );
    assert!(
        killed_late.is_empty(),
        "failed more than {RECOVERY:?} after the restart: {killed_late:?}"
    );
    assert!(
        frozen_late.is_empty(),
        "failed more than {RECOVERY:?} after the thaw: {frozen_late:?}"
    );
    assert!(
        seen.samples
            .iter()
            .filter(|s| s.what == "confirm")
            .any(Sample::succeeded),
        "some bookings were made"
    );

    // Let every unpaid hold run out and be swept, and abandoned payments be refunded.
    tokio::time::sleep(Duration::from_secs(
        u64::from(HOLD_SECONDS + GRACE_SECONDS) + 4,
    ))
    .await;
    let db = sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .connect(&url)
        .await
        .unwrap();

    // Every booking a buyer saw confirmed is there; no seat is booked twice.
    let stored: HashSet<String> = sqlx::query_scalar::<_, uuid::Uuid>("SELECT id FROM bookings")
        .fetch_all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|id| id.to_string())
        .collect();
    let missing: Vec<&String> = seen
        .bookings
        .iter()
        .filter(|b| !stored.contains(*b))
        .collect();
    assert!(missing.is_empty(), "confirmed but not stored: {missing:?}");
    let doubled = common::server::seats_booked_twice(&db).await;
    assert_eq!(doubled, 0, "seats booked twice");

    // Holds ran out on time: none is active past its end (plus a sweep).
    let overdue = count(
        &db,
        "SELECT count(*) FROM holds WHERE state = 0 AND free_at < now() - interval '3 seconds'",
    )
    .await;
    assert_eq!(overdue, 0, "holds past their end still active");

    // Money: one charge per booking, matching it, never refunded; every
    // other charge (its booking never committed) refunded exactly once.
    let payments: Vec<(uuid::Uuid, String)> =
        sqlx::query_as("SELECT hold_id, doc->'payment'->>'reference' FROM bookings")
            .fetch_all(&db)
            .await
            .unwrap();
    let booked: HashMap<String, String> = payments
        .into_iter()
        .map(|(hold, reference)| (hold.to_string(), reference))
        .collect();
    let ledger = gateway.ledger();
    let mut orphans = 0;
    for charge in &ledger {
        match booked.get(&charge.key.to_string()) {
            Some(reference) => {
                assert_eq!(
                    reference, &charge.receipt.reference,
                    "booking of hold {} and its charge",
                    charge.key
                );
                assert_eq!(
                    charge.refunds_applied, 0,
                    "booked hold {} refunded",
                    charge.key
                );
            }
            None => {
                orphans += 1;
                assert_eq!(
                    charge.refunds_applied, 1,
                    "charge {} without a booking",
                    charge.receipt.reference
                );
            }
        }
    }
    assert_eq!(
        ledger.len(),
        booked.len() + orphans,
        "every booking has its charge"
    );
    println!(
        "consistency: {} bookings stored ({} confirmed to buyers), 0 seats doubled, 0 holds overdue, \
         {} charges: {} booked, {orphans} without a booking refunded once each",
        booked.len(),
        seen.bookings.len(),
        ledger.len(),
        booked.len()
    );

    let _ = stop.send(());
    server.await.unwrap().unwrap();
}
