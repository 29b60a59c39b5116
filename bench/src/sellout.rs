//! sellout: an on-sale over HTTP. [`BUYERS`] clients, each on its own
//! keep-alive connection, buy 4 seats at a time as a fresh session would
//! (a new session cookie per purchase): `POST /api/v1/shows/{id}/holds`
//! for the 4 best available seats, then `POST /api/v1/holds/{token}/confirm`
//! with a test card, until the show is sold out. Reports the wall time to
//! sell out (every seat booked, not only held), the p99 of each kind of
//! request, and double bookings counted from the tickets issued.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use hyper::body::Bytes;
use hyper::{Method, StatusCode};
use reservation_core::testkit::Fixture;
use reservation_core::{Policy, ShowId, Store};
use serde::Deserialize;

use crate::http::{best_available, connect, quantile_ms, send, serve, session_cookie};
use crate::report::Row;

/// Buyers at once.
const BUYERS: usize = 64;
/// Seats each purchase takes.
const EACH: u8 = 4;

/// The shows sold: (rows, seats per row, the target for selling out).
const SHOWS: [(u16, u16, &str); 2] = [(40, 50, "<= 0.5 s"), (100, 200, "<= 3 s")];

/// Sells out each show on the memory store and (when given) on `pg`.
pub(crate) async fn run(
    pg: Option<storage_postgres::PgStore>,
    rows: &mut Vec<Row>,
    progress: &indicatif::ProgressBar,
) {
    let memory = reservation_core::MemoryStore::new(Policy::default());
    measure("memory", memory, rows).await;
    progress.inc(1);
    if let Some(pg) = pg {
        measure("PostgreSQL", pg, rows).await;
    }
    progress.inc(1);
}

async fn measure<S: Store + 'static>(name: &str, store: S, rows: &mut Vec<Row>) {
    let f = Fixture::seed(store).await;
    let server = match serve(&f) {
        Ok(server) => server,
        Err(e) => return eprintln!("sellout, {name}: {e}"),
    };
    for (hall_rows, per_row, target) in SHOWS {
        let seats = usize::from(hall_rows) * usize::from(per_row);
        let (show, _) = f.add_grid_show(hall_rows, per_row, 0).await;
        match sell_out(server.address, show).await {
            Ok(sale) => report(name, seats, &sale, target, rows),
            Err(e) => eprintln!("sellout, {name}, {seats} seats: {e}"),
        }
    }
}

/// What one sale came to.
#[derive(Default)]
struct Sale {
    elapsed: Duration,
    holds: Vec<Duration>,
    confirms: Vec<Duration>,
    /// Every seat of every ticket issued, once per ticket.
    tickets: Vec<String>,
}

/// The buyers race until none can hold any more.
async fn sell_out(address: SocketAddr, show: ShowId) -> Result<Sale, String> {
    let started = Instant::now();
    let buyers: Vec<_> = (0..BUYERS)
        .map(|_| tokio::spawn(buyer(address, show)))
        .collect();
    let mut sale = Sale::default();
    for buyer in buyers {
        let mine = buyer
            .await
            .map_err(|e| format!("a buyer panicked: {e}"))??;
        sale.holds.extend(mine.holds);
        sale.confirms.extend(mine.confirms);
        sale.tickets.extend(mine.tickets);
    }
    sale.elapsed = started.elapsed();
    sale.holds.sort();
    sale.confirms.sort();
    Ok(sale)
}

/// The part of a booking the bench checks.
#[derive(Deserialize)]
struct Booked {
    tickets: Vec<Ticket>,
}

/// A ticket's seat (the ticket flattens its priced seat).
#[derive(Deserialize)]
struct Ticket {
    seat: String,
}

#[derive(Deserialize)]
struct Created {
    token: String,
}

/// One buyer: hold, pay, again, until the show has too few seats left.
async fn buyer(address: SocketAddr, show: ShowId) -> Result<Sale, String> {
    let mut sender = connect(address).await?;
    let path = format!("/api/v1/shows/{show}/holds");
    let body = Bytes::from(best_available(EACH));
    let card = Bytes::from_static(br#"{"card_number":"4242 4242 4242 4242"}"#);
    let mut sale = Sale::default();
    loop {
        let cookie = session_cookie();
        let started = Instant::now();
        let (status, answer) = send(
            &mut sender,
            Method::POST,
            &path,
            &cookie,
            Some(body.clone()),
        )
        .await?;
        sale.holds.push(started.elapsed());
        match status {
            StatusCode::CREATED => {}
            // Sold out (every purchase is 4 of a multiple of 4 seats).
            StatusCode::CONFLICT if contains(&answer, b"not_enough_seats") => return Ok(sale),
            _ => return Err(refused("hold", status, &answer)),
        }
        let hold: Created = serde_json::from_slice(&answer)
            .map_err(|e| format!("hold: unexpected answer ({e})"))?;
        let confirm = format!("/api/v1/holds/{}/confirm", hold.token);
        let started = Instant::now();
        let (status, answer) = send(
            &mut sender,
            Method::POST,
            &confirm,
            &cookie,
            Some(card.clone()),
        )
        .await?;
        sale.confirms.push(started.elapsed());
        if status != StatusCode::OK {
            return Err(refused("confirm", status, &answer));
        }
        let booked: Booked = serde_json::from_slice(&answer)
            .map_err(|e| format!("confirm: unexpected answer ({e})"))?;
        sale.tickets
            .extend(booked.tickets.into_iter().map(|t| t.seat));
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn refused(what: &str, status: StatusCode, answer: &[u8]) -> String {
    format!("{what}: {status} {}", String::from_utf8_lossy(answer))
}

fn report(name: &str, seats: usize, sale: &Sale, target: &'static str, rows: &mut Vec<Row>) {
    let case = |what: &str| format!("{name}, {seats} seats, {BUYERS} buyers: {what}");
    let distinct = sale.tickets.iter().collect::<HashSet<_>>().len();
    if sale.tickets.len() != seats {
        eprintln!(
            "sellout, {name}: {} tickets issued for {seats} seats",
            sale.tickets.len()
        );
    }
    let sold_out = if distinct == seats {
        sale.elapsed.as_secs_f64()
    } else {
        f64::NAN
    };
    rows.push(Row::plain(
        "sellout",
        &case("sold out, every seat paid"),
        "s",
        sold_out,
        target,
    ));
    rows.push(Row::plain(
        "sellout",
        &case("hold p99"),
        "ms",
        quantile_ms(&sale.holds, 0.99),
        "",
    ));
    rows.push(Row::plain(
        "sellout",
        &case("confirm p99"),
        "ms",
        quantile_ms(&sale.confirms, 0.99),
        "",
    ));
    rows.push(Row::plain(
        "sellout",
        &case("double bookings"),
        "seats",
        (sale.tickets.len() - distinct) as f64,
        "0",
    ));
}
