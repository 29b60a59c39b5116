//! What the HTTP tests share: the app over the testkit fixture, and a
//! client that keeps its session cookie; real server processes in [`server`].

#![allow(dead_code, unreachable_pub)] // each test binary uses part of it

pub mod cluster;
pub mod server;

use std::sync::Arc;

use app_server::{AppState, SESSION_COOKIE, app, site};
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use reservation_core::testkit::Fixture;
use reservation_core::waiting_room::{AdmissionSigner, Pace, RoomConfig, WaitingRoom};
use reservation_core::{MemoryStore, Policy, ShowId, Store};
use serde_json::Value;
use tower::ServiceExt;

/// A router over the testkit fixture (manual clock, fake gateway).
pub async fn fixture_app() -> (Router, Arc<Fixture<MemoryStore>>) {
    fixture_app_with(|state| state).await
}

/// [`fixture_app`] with the state adjusted by `adjust`.
pub async fn fixture_app_with(
    adjust: impl FnOnce(AppState) -> AppState,
) -> (Router, Arc<Fixture<MemoryStore>>) {
    let f = Arc::new(Fixture::seed(MemoryStore::new(Policy::default())).await);
    let store: Arc<dyn Store> = f.store.clone();
    let state = AppState::new(
        store,
        Arc::new(f.gateway.clone()),
        Arc::new(f.clock.clone()),
    );
    (app(adjust(state), site("target/site")), f)
}

/// The testkit fixture's app with waiting rooms (a manual clock: pacing
/// happens when a test calls `room.pace()`); no room is on yet.
pub async fn room_app() -> (Router, Arc<Fixture<MemoryStore>>, WaitingRoom) {
    let f = Arc::new(Fixture::seed(MemoryStore::new(Policy::default())).await);
    let store: Arc<dyn Store> = f.store.clone();
    let room = WaitingRoom::new(
        f.store.clone(),
        Arc::new(f.clock.clone()),
        AdmissionSigner::new(&[7; 32]).unwrap(),
    );
    let state = AppState::new(
        store,
        Arc::new(f.gateway.clone()),
        Arc::new(f.clock.clone()),
    )
    .with_waiting_room(room.clone());
    (app(state, site("target/site")), f, room)
}

/// Switches `show`'s room on: lobby open now, sale after `sale_in`, at
/// most `max_active` shoppers at once.
pub async fn open_room(
    room: &WaitingRoom,
    f: &Fixture<MemoryStore>,
    show: ShowId,
    sale_in: time::Duration,
    max_active: u32,
) -> RoomConfig {
    let now = reservation_core::Clock::now(&f.clock);
    let config = RoomConfig::new(
        now,
        now + sale_in,
        Pace::new(Some(max_active), None).unwrap(),
    )
    .unwrap();
    room.open(show, config).await.unwrap();
    config
}

/// A browser: keeps its cookies (the session, an admission pass) between
/// requests.
pub struct Client {
    app: Router,
    cookies: std::collections::BTreeMap<String, String>,
}

impl Client {
    /// A new session.
    pub fn new(app: &Router) -> Self {
        Self {
            app: app.clone(),
            cookies: Default::default(),
        }
    }

    /// The value of a cookie it keeps.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.get(name).cloned()
    }

    /// Drops a cookie (or sets it, with `Some`).
    pub fn set_cookie(&mut self, name: &str, value: Option<&str>) {
        match value {
            Some(value) => self.cookies.insert(name.to_owned(), value.to_owned()),
            None => self.cookies.remove(name),
        };
    }

    /// Sends a JSON `body` (or none): status and JSON response.
    pub async fn send(
        &mut self,
        method: &str,
        uri: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let bytes = body.map(|json| json.to_string().into_bytes());
        let (status, _, json) = self
            .send_raw(method, uri, bytes.map(|b| ("application/json", b)))
            .await;
        (status, json)
    }

    /// Sends `body` bytes of a content type as they are: status, headers
    /// and the response as JSON (`Null` when it is not JSON).
    pub async fn send_raw(
        &mut self,
        method: &str,
        uri: &str,
        body: Option<(&str, Vec<u8>)>,
    ) -> (StatusCode, HeaderMap, Value) {
        self.send_with(method, uri, body, &[]).await
    }

    /// [`Client::send_raw`] with extra request headers.
    pub async fn send_with(
        &mut self,
        method: &str,
        uri: &str,
        body: Option<(&str, Vec<u8>)>,
        headers: &[(&str, &str)],
    ) -> (StatusCode, HeaderMap, Value) {
        let (status, headers, bytes) = self.exchange(method, uri, body, headers).await;
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, headers, json)
    }

    /// GETs the page at `uri`: status and text.
    pub async fn page(&mut self, uri: &str) -> (StatusCode, String) {
        let (status, _, bytes) = self.exchange("GET", uri, None, &[]).await;
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    /// One request with this browser's cookies, keeping those it sets.
    async fn exchange(
        &mut self,
        method: &str,
        uri: &str,
        body: Option<(&str, Vec<u8>)>,
        headers: &[(&str, &str)],
    ) -> (StatusCode, HeaderMap, axum::body::Bytes) {
        let mut request = Request::builder().method(method).uri(uri);
        if !self.cookies.is_empty() {
            let cookie: Vec<String> = self
                .cookies
                .iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect();
            request = request.header(header::COOKIE, cookie.join("; "));
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let body = match body {
            Some((kind, bytes)) => {
                request = request.header(header::CONTENT_TYPE, kind);
                Body::from(bytes)
            }
            None => Body::empty(),
        };
        let response = self
            .app
            .clone()
            .oneshot(request.body(body).unwrap())
            .await
            .unwrap();
        for set in response.headers().get_all(header::SET_COOKIE) {
            let set = set.to_str().unwrap();
            let pair = set.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if set.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        assert!(
            self.cookies.is_empty() || self.cookies.contains_key(SESSION_COOKIE),
            "a session cookie"
        );
        let (status, headers) = (response.status(), response.headers().clone());
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, headers, bytes)
    }

    /// GETs `uri`.
    pub async fn get(&mut self, uri: &str) -> (StatusCode, Value) {
        self.send("GET", uri, None).await
    }

    /// POSTs JSON to `uri`.
    pub async fn post(&mut self, uri: &str, body: Value) -> (StatusCode, Value) {
        self.send("POST", uri, Some(body)).await
    }
}
