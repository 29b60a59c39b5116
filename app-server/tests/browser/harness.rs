//! What the browser tests stand on: a chromedriver driving Debian's headless
//! Chromium and helpers that wait for the page instead of sleeping. The
//! app-server processes and the JSON client of the API are in
//! `tests/common/server.rs`.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

use crate::common::server::{Process, free_port, wait_for_port};

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
        let process = Process::new(child);
        wait_for_port(port, "chromedriver").await;
        Self {
            _process: process,
            url: format!("http://127.0.0.1:{port}"),
        }
    }

    /// A new headless browser showing pages at `viewport`.
    pub(crate) async fn browser(&self, viewport: Viewport) -> Client {
        self.browser_with(viewport, true).await
    }

    /// A new headless desktop browser with JavaScript switched off.
    pub(crate) async fn browser_without_javascript(&self) -> Client {
        self.browser_with(Viewport::Desktop, false).await
    }

    async fn browser_with(&self, viewport: Viewport, javascript: bool) -> Client {
        let binary = std::env::var("CHROME").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
        let mut options = json!({
            "binary": binary,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-quic", "--no-first-run", "--window-size=1280,1000",
            ],
        });
        if !javascript {
            options["prefs"] = json!({ "profile.managed_default_content_settings.javascript": 2 });
        }
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
