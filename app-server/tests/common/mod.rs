//! What the HTTP tests share: the app over the testkit fixture, and a
//! client that keeps its session cookie; real server processes in [`server`].

#![allow(dead_code, unreachable_pub)] // each test binary uses part of it

pub mod server;

use std::sync::Arc;

use app_server::{AppState, SESSION_COOKIE, app, site};
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use reservation_core::testkit::Fixture;
use reservation_core::{MemoryStore, Policy, Store};
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

/// A browser: keeps its session cookie between requests.
pub struct Client {
    app: Router,
    cookie: Option<String>,
}

impl Client {
    /// A new session.
    pub fn new(app: &Router) -> Self {
        Self {
            app: app.clone(),
            cookie: None,
        }
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
        let mut request = Request::builder().method(method).uri(uri);
        if let Some(cookie) = &self.cookie {
            request = request.header(header::COOKIE, cookie);
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
        if let Some(set) = response.headers().get(header::SET_COOKIE) {
            let pair = set.to_str().unwrap().split(';').next().unwrap().to_owned();
            assert!(pair.starts_with(SESSION_COOKIE));
            self.cookie = Some(pair);
        }
        let (status, headers) = (response.status(), response.headers().clone());
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, headers, json)
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
