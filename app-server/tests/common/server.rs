//! Real app-server processes and clients of their API, for the tests that run
//! the binary: the browser tests, the crash test and several instances on one
//! database.

use std::fs::OpenOptions;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use reservation_core::{CityId, EventId};
use serde_json::Value;

/// How long a server may take to listen: a fresh database gets the demo
/// catalog first (about 10 s on a busy machine).
const STARTUP_LIMIT: Duration = Duration::from_secs(120);

/// How long one API request may take before it counts as failed.
const REQUEST_LIMIT: Duration = Duration::from_secs(30);

/// A child process, killed (SIGKILL on Unix) when dropped.
pub struct Process(Child);

impl Process {
    /// Takes charge of `child`.
    pub fn new(child: Child) -> Self {
        Self(child)
    }

    /// Kills the process now (SIGKILL on Unix: no shutdown, no cleanup) and
    /// waits until it is gone.
    pub fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }

    /// Its exit status, if it has exited.
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.0.try_wait().ok().flatten()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// Waits (up to 30 s) until something accepts connections on `port`.
pub async fn wait_for_port(port: u16, what: &str) {
    wait_until_listening(port, what, Duration::from_secs(30), None).await;
}

/// Waits until something accepts connections on `port`, failing at once if
/// `process` exits first.
async fn wait_until_listening(
    port: u16,
    what: &str,
    limit: Duration,
    mut process: Option<&mut Process>,
) {
    let started = Instant::now();
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        if let Some(status) = process.as_mut().and_then(|p| p.exited()) {
            panic!("{what} exited ({status}) before listening on port {port}");
        }
        assert!(
            started.elapsed() < limit,
            "{what} did not start listening on port {port} within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// How to start an app-server: the in-memory store unless given a database,
/// on a free port unless given one.
#[derive(Debug, Clone, Default)]
pub struct Launch {
    site: Option<PathBuf>,
    database_url: Option<String>,
    port: Option<u16>,
    flags: Vec<String>,
    log: Option<PathBuf>,
}

impl Launch {
    /// The defaults: in-memory store, a free port, no extra flags.
    pub fn new() -> Self {
        Self::default()
    }

    /// Serves the pages' static files from `site`.
    pub fn site(mut self, site: &Path) -> Self {
        self.site = Some(site.to_owned());
        self
    }

    /// Uses PostgreSQL at `url` (as `DATABASE_URL`): the server migrates it
    /// and loads the demo catalog when it is empty.
    pub fn database(mut self, url: &str) -> Self {
        self.database_url = Some(url.to_owned());
        self
    }

    /// Listens on `port` (a restart comes back on the same one).
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// Adds command-line flags.
    pub fn flags(mut self, flags: &[&str]) -> Self {
        self.flags.extend(flags.iter().map(|f| (*f).to_owned()));
        self
    }

    /// Appends the server's log (level `warn`) to `path` instead of dropping it.
    pub fn log_to(mut self, path: &Path) -> Self {
        self.log = Some(path.to_owned());
        self
    }

    /// Starts the server binary and waits until it listens.
    pub async fn start(self) -> Server {
        let port = self.port.unwrap_or_else(free_port);
        let mut command = Command::new(env!("CARGO_BIN_EXE_app-server"));
        command
            .args(["--bind", &format!("127.0.0.1:{port}"), "--log", "warn"])
            .args(&self.flags);
        if let Some(site) = &self.site {
            command.arg("--site-root").arg(site);
        }
        match &self.database_url {
            Some(url) => command.env("DATABASE_URL", url),
            None => command.env_remove("DATABASE_URL"),
        };
        let stdout = match &self.log {
            Some(path) => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).expect("the log directory");
                }
                Stdio::from(
                    OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(path)
                        .expect("the server log file"),
                )
            }
            None => Stdio::null(),
        };
        let child = command
            .stdout(stdout)
            .spawn()
            .expect("the app-server binary starts");
        let mut process = Process::new(child);
        wait_until_listening(port, "app-server", STARTUP_LIMIT, Some(&mut process)).await;
        let base = format!("http://127.0.0.1:{port}");
        wait_until_ready(&base, Some(&mut process)).await;
        Server {
            process,
            port,
            base,
            launch: Launch {
                port: Some(port),
                ..self
            },
        }
    }
}

/// Waits until the server at `base` says it is ready (its database
/// prepared, the demo catalog loaded), failing at once if `process` exits.
pub async fn wait_until_ready(base: &str, mut process: Option<&mut Process>) {
    let started = Instant::now();
    let mut api = Api::at(base);
    loop {
        if let Ok((200, _)) = api.try_get("/readyz").await {
            return;
        }
        if let Some(status) = process.as_mut().and_then(|p| p.exited()) {
            panic!("app-server exited ({status}) before it was ready");
        }
        assert!(
            started.elapsed() < STARTUP_LIMIT,
            "app-server was not ready within {STARTUP_LIMIT:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A running app-server process, killed when dropped.
pub struct Server {
    process: Process,
    /// The port it listens on.
    pub port: u16,
    /// `http://127.0.0.1:port`.
    pub base: String,
    launch: Launch,
}

impl Server {
    /// Starts the server binary with the in-memory demo store, serving the
    /// pages from `site`, with `flags`.
    pub async fn start(site: &Path, flags: &[&str]) -> Self {
        Launch::new().site(site).flags(flags).start().await
    }

    /// The page or route at `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// SIGKILLs the server mid-flight: no graceful shutdown, open connections
    /// and transactions cut wherever they are.
    pub fn kill(&mut self) {
        self.process.kill();
    }

    /// Starts it again as it was started (same port, database and flags),
    /// killing it first if it still runs.
    pub async fn restart(mut self) -> Server {
        self.process.kill();
        let launch = self.launch.clone();
        drop(self);
        launch.start().await
    }
}

/// Why a request got no HTTP answer: the connection failed or it timed out.
pub type TransportError = String;

/// A JSON client of the API with its own session cookie.
pub struct Api {
    http: HttpClient<HttpConnector, Full<Bytes>>,
    base: String,
    cookie: Option<String>,
    /// Sent as `Authorization: Bearer ...` (the organizer API).
    bearer: Option<String>,
}

impl Api {
    /// A new session against `server`.
    pub fn new(server: &Server) -> Self {
        Self::with_session(server, None)
    }

    /// A client of `server` continuing the session `cookie` (from
    /// [`Api::session`]), on fresh connections.
    pub fn with_session(server: &Server, cookie: Option<String>) -> Self {
        Self {
            cookie,
            ..Self::at(&server.base)
        }
    }

    /// A new session against the server at `base` (`http://host:port`).
    pub fn at(base: &str) -> Self {
        Self {
            http: HttpClient::builder(TokioExecutor::new()).build_http(),
            base: base.to_owned(),
            cookie: None,
            bearer: None,
        }
    }

    /// The same client sending the organizer token `token`.
    pub fn organizer(mut self, token: &str) -> Self {
        self.bearer = Some(token.to_owned());
        self
    }

    /// The session cookie (`name=value`), once the server has set one.
    pub fn session(&self) -> Option<String> {
        self.cookie.clone()
    }

    /// GETs `path`: status and JSON body.
    pub async fn get(&mut self, path: &str) -> (u16, Value) {
        self.try_get(path).await.unwrap()
    }

    /// POSTs `body` to `path`: status and JSON body.
    pub async fn post(&mut self, path: &str, body: Value) -> (u16, Value) {
        self.try_post(path, body).await.unwrap()
    }

    /// DELETEs `path`: status and JSON body (`Null` when empty).
    pub async fn delete(&mut self, path: &str) -> (u16, Value) {
        self.send("DELETE", path, None).await.unwrap()
    }

    /// [`Api::get`], with a failed connection as an error.
    pub async fn try_get(&mut self, path: &str) -> Result<(u16, Value), TransportError> {
        self.send("GET", path, None).await
    }

    /// [`Api::try_post`], also saying whether the answer has `Retry-After`.
    pub async fn try_post_with_headers(
        &mut self,
        path: &str,
        body: Value,
    ) -> Result<(u16, Value, bool), TransportError> {
        let (status, body, headers) = self.exchange("POST", path, Some(body)).await?;
        Ok((status, body, headers.contains_key("retry-after")))
    }

    /// DELETEs `path`, also saying whether the answer has `Retry-After`.
    pub async fn try_delete_with_headers(
        &mut self,
        path: &str,
    ) -> Result<(u16, Value, bool), TransportError> {
        let (status, body, headers) = self.exchange("DELETE", path, None).await?;
        Ok((status, body, headers.contains_key("retry-after")))
    }

    /// [`Api::post`], with a failed connection as an error.
    pub async fn try_post(
        &mut self,
        path: &str,
        body: Value,
    ) -> Result<(u16, Value), TransportError> {
        self.send("POST", path, Some(body)).await
    }

    async fn send(
        &mut self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<(u16, Value), TransportError> {
        let (status, body, _) = self.exchange(method, path, body).await?;
        Ok((status, body))
    }

    async fn exchange(
        &mut self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<(u16, Value, axum::http::HeaderMap), TransportError> {
        let exchange = async {
            let response = self
                .http
                .request(self.request(method, path, body))
                .await
                .map_err(|e| format!("{method} {path}: {e}"))?;
            self.keep_cookie(&response);
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let bytes = response
                .into_body()
                .collect()
                .await
                .map_err(|e| format!("{method} {path}: reading the body: {e}"))?
                .to_bytes();
            Ok((
                status,
                serde_json::from_slice(&bytes).unwrap_or(Value::Null),
                headers,
            ))
        };
        tokio::time::timeout(REQUEST_LIMIT, exchange)
            .await
            .unwrap_or_else(|_| {
                Err(format!(
                    "{method} {path}: no answer within {REQUEST_LIMIT:?}"
                ))
            })
    }

    fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> axum::http::Request<Full<Bytes>> {
        let mut request = axum::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header("content-type", "application/json");
        if let Some(cookie) = &self.cookie {
            request = request.header("cookie", cookie);
        }
        if let Some(token) = &self.bearer {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        request.body(Full::new(Bytes::from(body))).unwrap()
    }

    /// Keeps the session cookie (an admission pass travels in a header).
    fn keep_cookie<B>(&mut self, response: &axum::http::Response<B>) {
        for set in response.headers().get_all("set-cookie") {
            let pair = set.to_str().unwrap().split(';').next().unwrap_or_default();
            if pair.starts_with(&format!("{}=", app_server::SESSION_COOKIE)) {
                self.cookie = Some(pair.to_owned());
            }
        }
    }

    /// Opens the Server-Sent Events stream at `path`.
    pub async fn events(&mut self, path: &str) -> Result<EventSource, TransportError> {
        let response = tokio::time::timeout(
            REQUEST_LIMIT,
            self.http.request(self.request("GET", path, None)),
        )
        .await
        .map_err(|_| format!("GET {path}: no answer within {REQUEST_LIMIT:?}"))?
        .map_err(|e| format!("GET {path}: {e}"))?;
        self.keep_cookie(&response);
        let status = response.status().as_u16();
        if status != 200 {
            return Err(format!("GET {path}: status {status}"));
        }
        Ok(EventSource {
            body: response
                .into_body()
                .map_err(|e| e.to_string())
                .boxed_unsync(),
            buffer: String::new(),
        })
    }
}

/// One Server-Sent Event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SseEvent {
    /// Its `id:`, if any.
    pub id: Option<String>,
    /// Its `event:` type, if any.
    pub event: Option<String>,
    /// Its `data:` lines, joined by newlines.
    pub data: String,
}

/// A Server-Sent Events stream, read event by event.
pub struct EventSource {
    body: UnsyncBoxBody<Bytes, String>,
    buffer: String,
}

impl EventSource {
    /// The next event (comments and keep-alives skipped); `None` when the
    /// stream ends.
    pub async fn next(&mut self) -> Option<Result<SseEvent, TransportError>> {
        loop {
            if let Some(event) = self.parse_one() {
                return Some(Ok(event));
            }
            match self.body.frame().await? {
                Ok(frame) => {
                    if let Ok(data) = frame.into_data() {
                        self.buffer.push_str(&String::from_utf8_lossy(&data));
                    }
                }
                Err(error) => return Some(Err(error)),
            }
        }
    }

    /// Takes the first complete event out of the buffer.
    fn parse_one(&mut self) -> Option<SseEvent> {
        loop {
            self.buffer = self.buffer.replace("\r\n", "\n");
            let end = self.buffer.find("\n\n")?;
            let block: String = self.buffer.drain(..end + 2).collect();
            let mut event = SseEvent::default();
            let mut data = Vec::new();
            for line in block.lines() {
                let (field, value) = line.split_once(':').unwrap_or((line, ""));
                let value = value.strip_prefix(' ').unwrap_or(value);
                match field {
                    "id" => event.id = Some(value.to_owned()),
                    "event" => event.event = Some(value.to_owned()),
                    "data" => data.push(value),
                    _ => {} // comments (keep-alives) and unknown fields
                }
            }
            if !data.is_empty() {
                event.data = data.join("\n");
                return Some(event);
            }
        }
    }
}

/// Shows of Metropolis in Berlin (demo data), with their availability.
pub async fn berlin_metropolis_shows(base: &str) -> Vec<Value> {
    let (event, city) = (
        EventId::from_name("Metropolis"),
        CityId::from_name("Berlin"),
    );
    let (_, details) = Api::at(base)
        .get(&format!("/api/v1/events/{event}?city={city}"))
        .await;
    details["showtimes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|venue| venue["shows"].as_array().unwrap().clone())
        .collect()
}

/// Seats of a show as listed with its availability.
pub fn capacity(show: &Value) -> u64 {
    let a = &show["availability"];
    a["available"].as_u64().unwrap_or(0)
        + a["held"].as_u64().unwrap_or(0)
        + a["booked"].as_u64().unwrap_or(0)
}

/// A JSON string's text (empty for anything else).
pub fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

/// The UUID in `text`.
pub fn as_uuid(text: &str) -> uuid::Uuid {
    uuid::Uuid::parse_str(text).unwrap()
}

/// What the PostgreSQL process tests start from: a fresh database, a small
/// pool on it for their SQL checks, and a launch of app-server on it with
/// holds of `hold_seconds` (+ `grace_seconds`), the ticket secret `secret`,
/// no rate limits, 4 connections for requests, logging to
/// `<target tmp>/<name>-app-server.log`.
pub async fn on_fresh_database(
    name: &str,
    hold_seconds: i64,
    grace_seconds: i64,
    secret: &str,
) -> (sqlx::PgPool, Launch, PathBuf) {
    let url = storage_postgres::testing::fresh_database().await.unwrap();
    let db = sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .connect(&url)
        .await
        .unwrap();
    let log = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-app-server.log"));
    let _ = std::fs::remove_file(&log);
    let launch = Launch::new().database(&url).log_to(&log).flags(&[
        "--hold-seconds",
        &hold_seconds.to_string(),
        "--grace-seconds",
        &grace_seconds.to_string(),
        "--ticket-secret",
        secret,
        "--holds-per-minute-per-session",
        "0",
        "--holds-per-minute-per-address",
        "0",
        // Several servers per test, several tests at once, on one server's
        // 100 connections.
        "--db-pool-size",
        "4",
    ]);
    (db, launch, log)
}

/// Seats that are in more than one confirmed booking (0 unless something
/// double-booked).
pub async fn seats_booked_twice(db: &sqlx::PgPool) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT t.show_id, t.seat_index FROM tickets t
           JOIN bookings b ON b.show_id = t.show_id AND b.id = t.booking_id
           WHERE b.doc->'status'->>'status' = 'confirmed'
           GROUP BY t.show_id, t.seat_index HAVING count(*) > 1) AS d",
    )
    .fetch_one(db)
    .await
    .unwrap()
}
