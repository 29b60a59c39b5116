//! What the browser tests stand on: a chromedriver driving Debian's headless
//! Chromium, app-server processes on free ports, a small JSON client for the
//! API, and helpers that wait for the page instead of sleeping.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use fantoccini::{Client, ClientBuilder, Locator};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};

/// Why a scenario failed: what did not hold.
pub(crate) type Failure = Box<dyn std::error::Error + Send + Sync>;

/// What a scenario returns.
pub(crate) type Outcome = Result<(), Failure>;

/// Fails the scenario with a message when `cond` does not hold.
macro_rules! check {
    ($cond:expr, $($message:tt)+) => {
        if !$cond {
            return Err(format!($($message)+).into());
        }
    };
}
pub(crate) use check;

/// The cargo target directory, where screenshots and the site live.
pub(crate) fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"),
        PathBuf::from,
    )
}

/// A child process killed when dropped.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A port nobody listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// Waits until something accepts connections on `port`.
async fn wait_for_port(port: u16, what: &str) {
    let started = Instant::now();
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{what} did not start listening on port {port}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A chromedriver process; each [`Driver::browser`] is a fresh Chromium.
pub(crate) struct Driver {
    _process: Process,
    url: String,
}

impl Driver {
    /// Starts `$CHROMEDRIVER` (default: `chromedriver` on the PATH).
    pub(crate) async fn start() -> Self {
        let program = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".to_owned());
        let port = free_port();
        let child = Command::new(&program)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {program} ({e}): install Debian's chromium and \
                     chromium-driver, or run `cargo xtask test`, which does"
                )
            });
        let process = Process(child);
        wait_for_port(port, "chromedriver").await;
        Self {
            _process: process,
            url: format!("http://127.0.0.1:{port}"),
        }
    }

    /// A new headless browser showing pages at `viewport`.
    pub(crate) async fn browser(&self, viewport: Viewport) -> Client {
        let binary = std::env::var("CHROME").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
        let mut options = json!({
            "binary": binary,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-quic", "--no-first-run", "--window-size=1280,1000",
            ],
        });
        if viewport == Viewport::Phone {
            // Headless windows are at least 500 px wide: emulate the phone.
            options["mobileEmulation"] = json!({
                "deviceMetrics": { "width": 390, "height": 844, "pixelRatio": 1.0, "mobile": true, "touch": true },
            });
        }
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("goog:chromeOptions".to_owned(), options);
        ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&self.url)
            .await
            .expect("a Chromium session")
    }
}

/// The size pages are shown at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Viewport {
    /// 1280 x 1000.
    Desktop,
    /// A phone, 390 x 844 CSS pixels.
    Phone,
}

/// An app-server process with the in-memory demo store.
pub(crate) struct Server {
    _process: Process,
    /// `http://127.0.0.1:port`.
    pub(crate) base: String,
}

impl Server {
    /// Starts the server binary serving the pages from `site`, with `flags`.
    pub(crate) async fn start(site: &std::path::Path, flags: &[&str]) -> Self {
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_app-server"))
            .args(["--bind", &format!("127.0.0.1:{port}"), "--log", "warn"])
            .arg("--site-root")
            .arg(site)
            .args(flags)
            .env_remove("DATABASE_URL")
            .stdout(Stdio::null())
            .spawn()
            .expect("the app-server binary starts");
        let process = Process(child);
        wait_for_port(port, "app-server").await;
        Self {
            _process: process,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    /// The page or route at `path`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// A JSON client of the API with its own session cookie.
pub(crate) struct Api {
    http: HttpClient<HttpConnector, Full<Bytes>>,
    base: String,
    cookie: Option<String>,
}

impl Api {
    /// A new session against `server`.
    pub(crate) fn new(server: &Server) -> Self {
        Self {
            http: HttpClient::builder(TokioExecutor::new()).build_http(),
            base: server.base.clone(),
            cookie: None,
        }
    }

    /// GETs `path`: status and JSON body.
    pub(crate) async fn get(&mut self, path: &str) -> (u16, Value) {
        self.send("GET", path, None).await
    }

    /// POSTs `body` to `path`: status and JSON body.
    pub(crate) async fn post(&mut self, path: &str, body: Value) -> (u16, Value) {
        self.send("POST", path, Some(body)).await
    }

    async fn send(&mut self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = axum::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header("content-type", "application/json");
        if let Some(cookie) = &self.cookie {
            request = request.header("cookie", cookie);
        }
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let response = self
            .http
            .request(request.body(Full::new(Bytes::from(body))).unwrap())
            .await
            .unwrap();
        if let Some(set) = response.headers().get("set-cookie") {
            let pair = set.to_str().unwrap().split(';').next().unwrap_or_default();
            self.cookie = Some(pair.to_owned());
        }
        let status = response.status().as_u16();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }
}

/// Polls `probe` every 25 ms until it returns `Some`, for at most `limit`.
pub(crate) async fn eventually<T, F, Fut>(
    limit: Duration,
    what: &str,
    mut probe: F,
) -> Result<T, String>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(found) = probe().await {
            return Ok(found);
        }
        if started.elapsed() > limit {
            return Err(format!("{what}: not within {limit:?}"));
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Runs `script` in the page and returns its value.
pub(crate) async fn js(browser: &Client, script: &str) -> Value {
    browser.execute(script, vec![]).await.unwrap_or(Value::Null)
}

/// Waits (up to 10 s) for an element matching `css`.
pub(crate) async fn element(
    browser: &Client,
    css: &str,
) -> Result<fantoccini::elements::Element, String> {
    match browser
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
    {
        Ok(found) => Ok(found),
        Err(e) => Err(format!(
            "no `{css}` on {}: {e}",
            current_path(browser).await
        )),
    }
}

/// Waits (up to 10 s) for the link whose text is `text`, and follows it.
pub(crate) async fn follow(browser: &Client, text: &str) -> Outcome {
    let link = browser
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath(&format!("//a[contains(., '{text}')]")))
        .await;
    match link {
        Ok(link) => Ok(link.click().await?),
        Err(e) => Err(format!("no link `{text}` on {}: {e}", current_path(browser).await).into()),
    }
}

/// Waits (up to 15 s) until the page's path starts with `prefix`.
pub(crate) async fn arrive(browser: &Client, prefix: &str) -> Result<String, String> {
    eventually(
        Duration::from_secs(15),
        &format!("reach {prefix}"),
        || async {
            let path = current_path(browser).await;
            path.starts_with(prefix).then_some(path)
        },
    )
    .await
}

/// The path and query of the current page.
pub(crate) async fn current_path(browser: &Client) -> String {
    browser
        .current_url()
        .await
        .map(|u| match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_owned(),
        })
        .unwrap_or_default()
}

/// Waits until the show page is hydrated and its live stream is open.
pub(crate) async fn live(browser: &Client) -> Result<(), String> {
    eventually(
        Duration::from_secs(15),
        "the seat map goes live",
        || async {
            (js(
                browser,
                "return document.querySelector('.live')?.dataset.live",
            )
            .await
                == "true")
                .then_some(())
        },
    )
    .await
}

/// Saves a screenshot as `target/browser/<name>.png`.
pub(crate) async fn screenshot(browser: &Client, name: &str) -> Outcome {
    let dir = target_dir().join("browser");
    std::fs::create_dir_all(&dir)?;
    let png = browser.screenshot().await?;
    std::fs::write(dir.join(format!("{name}.png")), png)?;
    Ok(())
}
