//! Liveness and readiness for orchestrators, and what requests get while
//! the server cannot serve them: `/healthz` says the process is alive,
//! `/readyz` that it can sell (started, database reachable, migrations
//! current). Until the server has started (its database was reached and
//! prepared), every other request gets 503 with `Retry-After`; afterwards
//! no request waits longer than the database's deadline.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use parking_lot::RwLock;
use serde::Serialize;
use storage_postgres::PgStore;

use crate::error::ApiError;

/// Whether the server can serve, shared by the handlers and the start-up
/// task. Cheap to clone.
#[derive(Clone)]
pub struct Health {
    inner: Arc<Inner>,
}

struct Inner {
    /// `None` once started; else what start-up is waiting for.
    starting: RwLock<Option<String>>,
    /// The database whose reachability readiness checks (none in memory).
    database: Option<PgStore>,
    /// Longest a request may take before it is answered 503.
    deadline: Duration,
}

impl Health {
    /// Started, with no database to check and no deadline: a state built
    /// by tests or benchmarks.
    pub fn started() -> Self {
        Self {
            inner: Arc::new(Inner {
                starting: RwLock::new(None),
                database: None,
                deadline: Duration::MAX,
            }),
        }
    }

    /// Starting: not ready until [`Health::set_started`]; then ready while
    /// `database` (if any) is; requests are answered 503 after `deadline`.
    pub fn starting(database: Option<PgStore>, deadline: Duration) -> Self {
        Self {
            inner: Arc::new(Inner {
                starting: RwLock::new(Some("preparing the store".to_owned())),
                database,
                deadline,
            }),
        }
    }

    /// Start-up is waiting for `what` (said by `/readyz` and 503s).
    pub fn waiting_for(&self, what: String) {
        if let Some(waiting) = self.inner.starting.write().as_mut() {
            *waiting = what;
        }
    }

    /// Start-up is done: requests are served.
    pub fn set_started(&self) {
        *self.inner.starting.write() = None;
    }

    fn still_starting(&self) -> Option<String> {
        self.inner.starting.read().clone()
    }

    /// Why the server cannot serve now, if it cannot.
    async fn not_ready(&self) -> Option<(&'static str, String)> {
        if let Some(waiting) = self.still_starting() {
            return Some(("starting", waiting));
        }
        let database = self.inner.database.as_ref()?;
        let checked = tokio::time::timeout(self.inner.deadline, database.check_ready()).await;
        match checked {
            Ok(Ok(())) => None,
            Ok(Err(error)) => Some(("unavailable", error.to_string())),
            Err(_) => Some(("unavailable", "the database does not answer".to_owned())),
        }
    }
}

/// What `/healthz` and `/readyz` answer.
#[derive(Serialize)]
pub(crate) struct Status {
    /// `alive`, `ready`, `starting` or `unavailable`.
    status: &'static str,
    /// Why not ready.
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

/// `GET /healthz`: 200 while the process runs, whatever the database does.
pub(crate) async fn alive() -> Json<Status> {
    Json(Status {
        status: "alive",
        reason: None,
    })
}

/// `GET /readyz`: 200 when the server can sell; else 503 with the reason.
pub(crate) async fn ready(State(health): State<Health>) -> Response {
    match health.not_ready().await {
        None => Json(Status {
            status: "ready",
            reason: None,
        })
        .into_response(),
        Some((status, reason)) => {
            let body = Json(Status {
                status,
                reason: Some(reason),
            });
            (StatusCode::SERVICE_UNAVAILABLE, retry_after(), body).into_response()
        }
    }
}

fn retry_after() -> [(header::HeaderName, HeaderValue); 1] {
    [(
        header::RETRY_AFTER,
        HeaderValue::from(crate::error::UNAVAILABLE_RETRY_AFTER_SECONDS),
    )]
}

/// Middleware: before start-up is done, 503 for everything but the health
/// routes (JSON for the API, a page that retries by itself for people);
/// afterwards, 503 for a request that has not been answered within the
/// deadline (a frozen database enforces no statement timeout).
pub(crate) async fn guard(State(health): State<Health>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if matches!(path, "/healthz" | "/readyz") {
        return next.run(request).await;
    }
    if let Some(waiting) = health.still_starting() {
        tracing::debug!(%waiting, "refused while starting");
        if path.starts_with("/api/") || path.starts_with("/_server/") {
            return ApiError::unavailable(format!(
                "the server is starting ({waiting}); please try again in a moment"
            ))
            .into_response();
        }
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            retry_after(),
            Html(STARTING_PAGE),
        )
            .into_response();
    }
    match tokio::time::timeout(health.inner.deadline, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(deadline = ?health.inner.deadline, "request not answered in time");
            ApiError::unavailable(
                "the ticket system did not answer in time; please try again in a moment (seats you hold stay yours until their hold expires)",
            )
            .into_response()
        }
    }
}

/// What people see while the server waits for its database: it reloads
/// itself every few seconds.
const STARTING_PAGE: &str = r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="3">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Starting · Seatwise</title></head>
<body><main><h1>Seatwise is starting</h1>
<p>We can't reach our ticket system yet. This page tries again by itself every few seconds.</p>
</main></body></html>
"#;
