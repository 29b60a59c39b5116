//! sse: 10,000 subscribers (1,000 with `--quick`) on one show's live stream
//! (`GET /api/v1/shows/{id}/events`) of an app-server process on the
//! in-memory store, while holds of 2 seats are made on that show one at a
//! time, each by a new session, the next once every subscriber has the
//! previous one. For every (hold, subscriber) pair: the time from sending
//! the hold until the subscriber has its `held` event; p50 and p99 over all
//! pairs, and the server's CPU time per hold (mostly the fan-out) apart
//! from the subscribers'. The server is a separate process because 10,000 sockets on each
//! side would not fit one process's file descriptor limit (20,000 here).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use hyper::Method;
use hyper::body::Bytes;
use reservation_core::{CityId, EventId, HoldId, ShowId, VenueId};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinSet;

use crate::cpu::{Split, Threads};
use crate::http::{best_available, connect, hold, send, session_cookie};
use crate::report::Row;

/// Subscriptions being opened at once: the server's accept backlog is 1,024.
const OPENING_AT_ONCE: usize = 256;
/// How long a hold waits for subscribers that do not get the previous one.
const STRAGGLERS: Duration = Duration::from_secs(2);
/// How long the server may take to listen, and a subscription to open.
const STARTUP_LIMIT: Duration = Duration::from_secs(60);

/// Starts the server, subscribes, holds, and adds the p50/p99 rows.
pub(crate) async fn run(
    quick: bool,
    site_root: &Path,
    rows: &mut Vec<Row>,
    progress: &indicatif::ProgressBar,
) {
    let (subscribers, holds, label) = if quick {
        (1_000, 20, "1,000 subscribers (--quick)")
    } else {
        (10_000, 30, "10,000 subscribers")
    };
    let (latencies, cpu) = match measure(subscribers, holds, site_root, progress).await {
        Ok(measured) => measured,
        Err(e) => {
            eprintln!("sse: {e}");
            return;
        }
    };
    let missing = holds * subscribers - latencies.len();
    let case = if missing == 0 {
        format!("memory, {label}, {holds} holds")
    } else {
        format!("memory, {label}, {holds} holds, {missing} events missing")
    };
    rows.extend(Row::p50_p99("sse", &case, &latencies, "p99 <= 100 ms"));
    // A hold's CPU time on the server is mostly its event's fan-out.
    rows.extend(cpu.rows("sse", &format!("memory, {label}"), "hold", holds));
}

/// The sorted latencies of the (hold, subscriber) pairs whose event arrived,
/// and the CPU time spent while the holds were made.
async fn measure(
    subscribers: usize,
    holds: usize,
    site_root: &Path,
    progress: &indicatif::ProgressBar,
) -> Result<(Vec<Duration>, Split), String> {
    let (mut server, address) = start_server(site_root).await?;
    progress.inc(1);
    let show = arena_show(address).await?;
    let (stop, stopped) = watch::channel(false);
    let delivered = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut readers = subscribe_all(address, show, subscribers, holds, &delivered, stopped).await?;
    progress.println(format!(
        "sse: {subscribers} subscriptions opened in {:.1} s",
        started.elapsed().as_secs_f64()
    ));
    progress.inc(1);
    let server_threads = Threads::Process(server.id().unwrap_or_default());
    let making = make_holds(address, show, holds, subscribers, &delivered);
    let (sent, cpu) = Split::around(&server_threads, making).await;
    let sent = sent?;
    progress.inc(1);
    let _ = stop.send(true);
    let mut latencies = Vec::with_capacity(holds * subscribers);
    while let Some(seen) = readers.join_next().await {
        let seen = seen.unwrap_or_default();
        latencies.extend(seen.iter().filter_map(|(hold, at)| {
            sent.get(hold)
                .map(|sent| at.saturating_duration_since(*sent))
        }));
    }
    let _ = server.kill().await;
    latencies.sort();
    Ok((latencies, cpu))
}

/// The release app-server next to this binary (`cargo xtask bench` builds
/// both), on the in-memory store with the demo catalog and no rate limits,
/// on a free loopback port.
async fn start_server(site_root: &Path) -> Result<(tokio::process::Child, SocketAddr), String> {
    let binary = std::env::current_exe()
        .map_err(|e| format!("cannot find this binary: {e}"))?
        .with_file_name(format!("app-server{}", std::env::consts::EXE_SUFFIX));
    if !binary.exists() {
        return Err(format!(
            "no {}: build it with `cargo build --release -p app-server` (`cargo xtask bench` does)",
            binary.display()
        ));
    }
    let address = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("no free port: {e}"))?;
    let mut server = tokio::process::Command::new(&binary)
        .arg("--bind")
        .arg(address.to_string())
        .arg("--site-root")
        .arg(site_root)
        .args(["--log", "warn"])
        .args(["--holds-per-minute-per-session", "0"])
        .args(["--holds-per-minute-per-address", "0"])
        .env_remove("DATABASE_URL")
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
    // It listens before its start-up is done (then it answers 503): ready
    // is when `/readyz` says so.
    let started = Instant::now();
    while !is_ready(address).await {
        if let Ok(Some(status)) = server.try_wait() {
            return Err(format!("app-server exited ({status}) before it was ready"));
        }
        if started.elapsed() > STARTUP_LIMIT {
            return Err(format!("app-server not ready after {STARTUP_LIMIT:?}"));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok((server, address))
}

/// Whether the server at `address` answers `/readyz` with a success.
async fn is_ready(address: SocketAddr) -> bool {
    let Ok(mut sender) = connect(address).await else {
        return false;
    };
    let ready = send(&mut sender, Method::GET, "/readyz", &session_cookie(), None).await;
    ready.is_ok_and(|(status, _)| status.is_success())
}

/// The first show at the demo's Berlin Arena (2,300 seats): what plays there,
/// then that event's shows in Berlin.
async fn arena_show(address: SocketAddr) -> Result<ShowId, String> {
    let mut sender = connect(address).await?;
    let cookie = session_cookie();
    let mut get = async |path: String| {
        let (status, body) = send(&mut sender, Method::GET, &path, &cookie, None).await?;
        if !status.is_success() {
            return Err(format!("GET {path}: {status}"));
        }
        serde_json::from_slice::<Value>(&body).map_err(|e| format!("GET {path}: {e}"))
    };
    let arena = VenueId::from_name("Berlin Arena");
    let playing = get(format!("/api/v1/venues/{arena}/events")).await?;
    let event: EventId = serde_json::from_value(playing["events"][0]["event"]["id"].clone())
        .map_err(|e| format!("no event at the Berlin Arena: {e}"))?;
    let city = CityId::from_name("Berlin");
    let details = get(format!("/api/v1/events/{event}?city={city}")).await?;
    let shows = details["showtimes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|venue| venue["venue"]["id"] == arena.to_string())
        .flat_map(|venue| venue["shows"].as_array().into_iter().flatten());
    shows
        .filter_map(|show| serde_json::from_value(show["id"].clone()).ok())
        .next()
        .ok_or_else(|| "no show at the Berlin Arena".to_owned())
}

/// What a subscriber saw: each hold's id and when its event arrived.
type Seen = Vec<(HoldId, Instant)>;

/// Opens `count` subscriptions to `show`, [`OPENING_AT_ONCE`] at a time;
/// each reads until it has `holds` held events or `stopped` turns, counting
/// them in `delivered`. Returns the readers once all are open.
async fn subscribe_all(
    address: SocketAddr,
    show: ShowId,
    count: usize,
    holds: usize,
    delivered: &Arc<AtomicUsize>,
    stopped: watch::Receiver<bool>,
) -> Result<JoinSet<Seen>, String> {
    let gate = Arc::new(Semaphore::new(OPENING_AT_ONCE));
    let (opened, mut open) = mpsc::channel(count);
    let mut readers = JoinSet::new();
    for _ in 0..count {
        let (gate, opened) = (gate.clone(), opened.clone());
        let (delivered, stopped) = (delivered.clone(), stopped.clone());
        readers.spawn(async move {
            let subscription = {
                let _turn = gate.acquire().await;
                subscribe(address, show).await
            };
            match subscription {
                Ok((stream, text)) => {
                    let _ = opened.send(Ok(())).await;
                    read(stream, text, holds, &delivered, stopped).await
                }
                Err(e) => {
                    let _ = opened.send(Err(e)).await;
                    Vec::new()
                }
            }
        });
    }
    for _ in 0..count {
        match open.recv().await {
            Some(Ok(())) => {}
            Some(Err(e)) => return Err(e),
            None => return Err("subscribers ended before opening".to_owned()),
        }
    }
    Ok(readers)
}

/// One subscription over a bare socket (one task per subscriber, where a
/// hyper client needs two: with 10,000 of them the load generator would
/// take as much CPU as the server). Returns the socket once the server
/// answered 200 (it subscribes before answering, so no later event is
/// missed) and what it sent after the head. The body is chunked; an event
/// is one chunk, so the chunk sizes between events do not get in the way.
async fn subscribe(address: SocketAddr, show: ShowId) -> Result<(TcpStream, Vec<u8>), String> {
    let path = format!("/api/v1/shows/{show}/events");
    let mut stream = TcpStream::connect(address)
        .await
        .map_err(|e| format!("cannot connect to {address}: {e}"))?;
    let request = format!("GET {path} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| format!("GET {path}: {e}"))?;
    let mut text = Vec::with_capacity(1024);
    let head = loop {
        if let Some(end) = find(&text, b"\r\n\r\n") {
            break end + 4;
        }
        match tokio::time::timeout(STARTUP_LIMIT, stream.read_buf(&mut text)).await {
            Ok(Ok(read)) if read > 0 => {}
            Ok(Ok(_)) => return Err(format!("GET {path}: closed before answering")),
            Ok(Err(e)) => return Err(format!("GET {path}: {e}")),
            Err(_) => return Err(format!("GET {path}: no answer within {STARTUP_LIMIT:?}")),
        }
    };
    if !text.starts_with(b"HTTP/1.1 200") {
        let status = text.split(|b| *b == b'\r').next().unwrap_or_default();
        return Err(format!("GET {path}: {}", String::from_utf8_lossy(status)));
    }
    text.drain(..head);
    Ok((stream, text))
}

/// Reads events from `stream` (`text` already arrived) until `holds` held
/// events, the end, or `stopped`.
async fn read(
    mut stream: TcpStream,
    mut text: Vec<u8>,
    holds: usize,
    delivered: &AtomicUsize,
    mut stopped: watch::Receiver<bool>,
) -> Seen {
    let mut seen = Vec::with_capacity(holds);
    let mut at = Instant::now();
    loop {
        while let Some(end) = find(&text, b"\n\n") {
            if let Some(hold) = held(&text[..end]) {
                seen.push((hold, at));
                delivered.fetch_add(1, Ordering::Relaxed);
            }
            text.drain(..end + 2);
        }
        if seen.len() == holds {
            return seen;
        }
        let read = tokio::select! {
            read = stream.read_buf(&mut text) => read,
            _ = stopped.changed() => return seen,
        };
        if !matches!(read, Ok(n) if n > 0) {
            return seen;
        }
        at = Instant::now();
    }
}

/// Where `what` first occurs in `text` (comparing every window cost the
/// readers a seventh of their CPU, which the server then lacked).
fn find(text: &[u8], what: &[u8]) -> Option<usize> {
    memchr::memmem::find(text, what)
}

/// The hold of a `held` event (its data is a ShowEvent whose `change` is
/// `{"type":"held","hold":"<id>",...}`).
fn held(event: &[u8]) -> Option<HoldId> {
    const TAG: &[u8] = br#""type":"held","hold":""#;
    let start = find(event, TAG)? + TAG.len();
    let id = event.get(start..start + 36)?;
    std::str::from_utf8(id).ok()?.parse().ok()
}

/// Makes `holds` holds of 2 seats on `show`, each by a new session, the
/// next once `delivered` counts the previous one at all `subscribers` (or
/// after [`STRAGGLERS`]): when each was sent.
async fn make_holds(
    address: SocketAddr,
    show: ShowId,
    holds: usize,
    subscribers: usize,
    delivered: &AtomicUsize,
) -> Result<HashMap<HoldId, Instant>, String> {
    let mut sender = connect(address).await?;
    let path = format!("/api/v1/shows/{show}/holds");
    let body = Bytes::from(best_available(2));
    let mut sent = HashMap::with_capacity(holds);
    for i in 1..=holds {
        let cookie = session_cookie();
        let at = Instant::now();
        let created = hold(&mut sender, &path, &cookie, body.clone()).await?;
        sent.insert(created.id, at);
        while delivered.load(Ordering::Relaxed) < i * subscribers && at.elapsed() < STRAGGLERS {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    Ok(sent)
}
