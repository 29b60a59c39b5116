//! http: holds through app-server's REST API over loopback TCP, on the
//! in-memory store and on PostgreSQL. The server runs in this process with
//! rate limits off; [`CONNECTIONS`] keep-alive connections, one session
//! each, loop: hold 2 to 4 best-available seats (`POST
//! /api/v1/shows/{id}/holds`), then release them (`DELETE
//! /api/v1/holds/{token}`), so every hold costs two requests. Reports holds
//! a second and the p99 of the hold requests; on PostgreSQL beside the same
//! loop run by as many tasks on the store directly (no HTTP), in the same
//! run. The server runs on its own threads: the CPU time it spends per hold
//! (with its release) is reported apart from the load generator's.

use std::future::IntoFuture;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use app_server::{AppState, HoldRates, SESSION_COOKIE};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::header::{CONTENT_TYPE, COOKIE, HOST};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use reservation_core::testkit::Fixture;
use reservation_core::{
    HoldId, HoldRequest, HolderId, MemoryStore, Policy, SeatCount, SeatFilter, SeatSelection,
    ShowId, Store,
};
use serde::Deserialize;

use crate::cpu::{Split, Threads};
use crate::report::Row;

/// Concurrent clients, each on its own connection and session.
const CONNECTIONS: usize = 64;
/// Shows the clients spread over, 4 clients to a show.
const SHOWS: usize = 16;
/// Rows and seats per row of their halls: a cinema's 200 seats, so the
/// HTTP path dominates, not choosing seats (`core-mem` measures the engine).
const HALL: (u16, u16) = (10, 20);

/// Measures the memory store, then (when given) `pg`, for `run` each.
pub(crate) async fn run(
    run: Duration,
    pg: Option<storage_postgres::PgStore>,
    rows: &mut Vec<Row>,
    progress: &indicatif::ProgressBar,
) {
    let memory = MemoryStore::new(Policy::default());
    measure("memory", memory, run, ">= 40,000 holds/s", false, rows).await;
    progress.inc(1);
    if let Some(pg) = pg {
        measure(
            "PostgreSQL",
            pg,
            run,
            ">= 0.8x the store directly",
            true,
            rows,
        )
        .await;
    }
    progress.inc(1);
}

async fn measure<S: Store + 'static>(
    name: &str,
    store: S,
    run: Duration,
    target: &'static str,
    pg_baseline: bool,
    rows: &mut Vec<Row>,
) {
    let f = Fixture::seed(store).await;
    let mut shows = Vec::with_capacity(SHOWS);
    for _ in 0..SHOWS {
        shows.push(f.add_grid_show(HALL.0, HALL.1, 0).await.0);
    }
    // On PostgreSQL the same loop on the store is the baseline; in memory
    // the store is too fast for a ratio to say anything (the target is
    // absolute).
    let direct = if pg_baseline {
        Some(direct_loop(&f, &shows, run).await)
    } else {
        None
    };
    let (mut latencies, cpu) = match hold_loop(&f, &shows, run).await {
        Ok(measured) => measured,
        Err(e) => {
            eprintln!("http, {name}: {e}");
            return;
        }
    };
    latencies.sort();
    let holds_per_second = latencies.len() as f64 / run.as_secs_f64();
    let case = format!("{name}, {CONNECTIONS} connections, hold + release");
    match direct {
        Some(Ok(direct)) => rows.push(Row::ratio(
            "http",
            &format!("{case} vs the store directly"),
            "holds/s",
            holds_per_second,
            direct as f64 / run.as_secs_f64(),
            target,
        )),
        Some(Err(e)) => {
            eprintln!("http, {name}, the store directly: {e}");
            rows.push(Row::plain(
                "http",
                &case,
                "holds/s",
                holds_per_second,
                target,
            ));
        }
        None => rows.push(Row::plain(
            "http",
            &case,
            "holds/s",
            holds_per_second,
            target,
        )),
    }
    rows.push(Row::plain(
        "http",
        &format!("{name}, {CONNECTIONS} connections, hold p99"),
        "ms",
        quantile_ms(&latencies, 0.99),
        "",
    ));
    let case = format!("{name}, {CONNECTIONS} connections");
    rows.extend(cpu.rows("http", &case, "hold", latencies.len()));
}

/// The clients' loop without HTTP: as many tasks, each its own holder,
/// hold and release on the engine. The holds made in the `run` after a
/// warm-up of a fifth of it.
async fn direct_loop<S: Store + 'static>(
    f: &Fixture<S>,
    shows: &[ShowId],
    run: Duration,
) -> Result<usize, String> {
    let from = Instant::now() + run / 5;
    let until = from + run;
    let tasks: Vec<_> = (0..CONNECTIONS)
        .map(|i| {
            let engine = f.engine.clone();
            let show = shows[i % shows.len()];
            tokio::spawn(async move {
                let holder = HolderId::random();
                let mut held = 0;
                for count in [2, 3, 4].iter().cycle() {
                    let started = Instant::now();
                    if started >= until {
                        break;
                    }
                    let count = SeatCount::new(*count).map_err(|e| e.to_string())?;
                    let best = SeatSelection::BestAvailable {
                        count,
                        filter: SeatFilter::default(),
                    };
                    let hold = engine
                        .hold(&HoldRequest::new(show, holder, best))
                        .await
                        .map_err(|e| format!("hold: {e}"))?;
                    if started >= from {
                        held += 1;
                    }
                    engine
                        .release(&hold.token, holder)
                        .await
                        .map_err(|e| format!("release: {e}"))?;
                }
                Ok::<_, String>(held)
            })
        })
        .collect();
    let mut holds = 0;
    for task in tasks {
        holds += task.await.map_err(|e| format!("a task panicked: {e}"))??;
    }
    Ok(holds)
}

/// Serves the app over the fixture's store and runs the clients: the hold
/// latencies of the `run` after a warm-up of a fifth of it, and the CPU
/// time spent in that `run`.
async fn hold_loop<S: Store + 'static>(
    f: &Fixture<S>,
    shows: &[ShowId],
    run: Duration,
) -> Result<(Vec<Duration>, Split), String> {
    let server = serve(f)?;
    let from = Instant::now() + run / 5;
    let until = from + run;
    let clients: Vec<_> = (0..CONNECTIONS)
        .map(|i| tokio::spawn(client(server.address, shows[i % shows.len()], from, until)))
        .collect();
    tokio::time::sleep_until(from.into()).await;
    let ((), cpu) = Split::around(&server.threads, tokio::time::sleep_until(until.into())).await;
    let mut latencies = Vec::new();
    let mut failure = None;
    for client in clients {
        match client.await {
            Ok(Ok(mine)) => latencies.extend(mine),
            Ok(Err(e)) => failure = Some(e),
            Err(e) => failure = Some(format!("a client panicked: {e}")),
        }
    }
    failure.map_or(Ok((latencies, cpu)), Err)
}

/// One session's loop: hold, release, until `until`; the latencies of the
/// holds sent from `from` on.
async fn client(
    address: SocketAddr,
    show: ShowId,
    from: Instant,
    until: Instant,
) -> Result<Vec<Duration>, String> {
    let mut sender = connect(address).await?;
    let cookie = session_cookie();
    let path = format!("/api/v1/shows/{show}/holds");
    let bodies = [2, 3, 4].map(|n| Bytes::from(best_available(n)));
    let mut latencies = Vec::new();
    for body in bodies.iter().cycle() {
        let started = Instant::now();
        if started >= until {
            break;
        }
        let hold = hold(&mut sender, &path, &cookie, body.clone()).await?;
        if started >= from {
            latencies.push(started.elapsed());
        }
        let release = format!("/api/v1/holds/{}", hold.token);
        let (status, answer) = send(&mut sender, Method::DELETE, &release, &cookie, None).await?;
        if status != StatusCode::NO_CONTENT {
            return Err(refused("release", status, &answer));
        }
    }
    Ok(latencies)
}

/// The app served over a fixture's store, with rate limits off, on a
/// loopback port, on a runtime of its own: its threads' CPU time is told
/// apart from the load generator's. Dropping it stops it.
pub(crate) struct Server {
    pub(crate) address: SocketAddr,
    pub(crate) threads: Threads,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for Server {
    fn drop(&mut self) {
        // Without waiting: a runtime dropped inside another one panics.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// Starts a [`Server`] over `f`'s store.
pub(crate) fn serve<S: Store + 'static>(f: &Fixture<S>) -> Result<Server, String> {
    let threads = Threads::listed();
    let joining = threads.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .thread_name("server")
        .on_thread_start(move || joining.join())
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the server's runtime: {e}"))?;
    // What the app spawns runs on the server's runtime too.
    let inside = runtime.enter();
    let store: Arc<dyn Store> = f.store.clone();
    let state = AppState::new(
        store,
        Arc::new(f.gateway.clone()),
        Arc::new(f.clock.clone()),
    )
    .with_hold_rates(HoldRates::OFF);
    let app = app_server::app(state, app_server::site("target/site"));
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.set_nonblocking(true).map(|()| l))
        .and_then(tokio::net::TcpListener::from_std)
        .map_err(|e| format!("cannot listen: {e}"))?;
    let address = listener
        .local_addr()
        .map_err(|e| format!("no local address: {e}"))?;
    runtime.spawn(
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .into_future(),
    );
    drop(inside);
    Ok(Server {
        address,
        threads,
        runtime: Some(runtime),
    })
}

/// The part of a created hold the benches use.
#[derive(Deserialize)]
pub(crate) struct Created {
    pub(crate) id: HoldId,
    token: String,
}

/// The body of a hold of the `count` best available seats.
pub(crate) fn best_available(count: u8) -> String {
    format!(r#"{{"best_available":{{"count":{count}}}}}"#)
}

/// A new session: the server takes any well-formed holder id in its cookie.
pub(crate) fn session_cookie() -> String {
    format!("{SESSION_COOKIE}={}", HolderId::random())
}

/// POSTs a hold `body` to `path`; a refusal is an error.
pub(crate) async fn hold(
    sender: &mut SendRequest<Full<Bytes>>,
    path: &str,
    cookie: &str,
    body: Bytes,
) -> Result<Created, String> {
    let (status, answer) = send(sender, Method::POST, path, cookie, Some(body)).await?;
    if status != StatusCode::CREATED {
        return Err(refused("hold", status, &answer));
    }
    serde_json::from_slice(&answer).map_err(|e| format!("hold: unexpected answer ({e})"))
}

fn refused(what: &str, status: StatusCode, answer: &[u8]) -> String {
    format!("{what}: {status} {}", String::from_utf8_lossy(answer))
}

/// A keep-alive HTTP/1.1 connection to `address`, driven by its own task.
pub(crate) async fn connect(address: SocketAddr) -> Result<SendRequest<Full<Bytes>>, String> {
    let stream = tokio::net::TcpStream::connect(address)
        .await
        .map_err(|e| format!("cannot connect to {address}: {e}"))?;
    // Requests are small and answered one at a time: no Nagle delay.
    stream
        .set_nodelay(true)
        .map_err(|e| format!("cannot set TCP_NODELAY: {e}"))?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("HTTP handshake with {address}: {e}"))?;
    tokio::spawn(connection);
    Ok(sender)
}

/// A request on `sender` (JSON `body`, if any): status and whole answer.
pub(crate) async fn send(
    sender: &mut SendRequest<Full<Bytes>>,
    method: Method,
    path: &str,
    cookie: &str,
    body: Option<Bytes>,
) -> Result<(StatusCode, Bytes), String> {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(HOST, "127.0.0.1")
        .header(COOKIE, cookie);
    if body.is_some() {
        request = request.header(CONTENT_TYPE, "application/json");
    }
    let request = request
        .body(Full::new(body.unwrap_or_default()))
        .map_err(|e| format!("{path}: {e}"))?;
    sender
        .ready()
        .await
        .map_err(|e| format!("{path}: connection lost ({e})"))?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| format!("{path}: {e}"))?;
    let status = response.status();
    let answer = response
        .into_body()
        .collect()
        .await
        .map_err(|e| format!("{path}: {e}"))?
        .to_bytes();
    Ok((status, answer))
}

/// The `q` quantile of `sorted`, in milliseconds (0 when empty).
pub(crate) fn quantile_ms(sorted: &[Duration], q: f64) -> f64 {
    let at = ((sorted.len() as f64 * q) as usize).min(sorted.len().saturating_sub(1));
    sorted.get(at).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}
