//! Rate limits on creating holds, per session and per client address, so a
//! bot cannot hold a whole show by hammering the hold route (a new session
//! per request still meets the address limit). Refusals are 429 with
//! `Retry-After`.
//!
//! The limits sit on the routes that create holds, not on paths: the API's
//! hold route carries [`limit_holds`], and the pages' hold server functions
//! carry app-web's `HoldLimit` middleware, which asks the same
//! [`HoldLimits`] through [`app_web::HoldGate`].

use std::net::{IpAddr, Ipv4Addr};
use std::num::NonZeroU32;
use std::sync::Arc;

use app_web::{ClientOrigin, HoldGate};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota};
use reservation_core::HolderId;

use crate::error::ApiError;
use crate::session::Session;

/// Holds per minute allowed per session and per client address; `None`
/// turns a limit off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HoldRates {
    /// Per session.
    pub per_session: Option<NonZeroU32>,
    /// Per client address.
    pub per_address: Option<NonZeroU32>,
}

impl HoldRates {
    /// No limits (benchmarks, load tests).
    pub const OFF: Self = Self {
        per_session: None,
        per_address: None,
    };
}

impl Default for HoldRates {
    /// 20 holds a minute per session (bursts of 20), 200 per address.
    fn default() -> Self {
        Self {
            per_session: NonZeroU32::new(20),
            per_address: NonZeroU32::new(200),
        }
    }
}

/// The limiters' state.
pub(crate) struct HoldLimits {
    per_session: Option<DefaultKeyedRateLimiter<HolderId>>,
    per_address: Option<DefaultKeyedRateLimiter<IpAddr>>,
}

impl HoldLimits {
    pub(crate) fn new(rates: HoldRates) -> Self {
        Self {
            per_session: rates
                .per_session
                .map(|n| DefaultKeyedRateLimiter::keyed(Quota::per_minute(n))),
            per_address: rates
                .per_address
                .map(|n| DefaultKeyedRateLimiter::keyed(Quota::per_minute(n))),
        }
    }

    /// Forgets keys whose buckets are full again, so memory stays bounded.
    pub(crate) fn forget_idle(&self) {
        if let Some(limiter) = &self.per_session {
            limiter.retain_recent();
        }
        if let Some(limiter) = &self.per_address {
            limiter.retain_recent();
        }
    }

    /// How long `holder` at `address` must wait, if it must.
    fn wait(&self, holder: HolderId, address: IpAddr) -> Option<std::time::Duration> {
        // The time comes from the refusing limiter's clock, and only on a
        // refusal: building a clock calibrates it (CPUID and more), which
        // cost a quarter of a hold request's CPU time.
        if let Some(limiter) = &self.per_session
            && let Err(not_until) = limiter.check_key(&holder)
        {
            return Some(not_until.wait_time_from(limiter.clock().now()));
        }
        // The address pays only for requests its session limit lets through.
        let limiter = self.per_address.as_ref()?;
        let not_until = limiter.check_key(&address).err()?;
        Some(not_until.wait_time_from(limiter.clock().now()))
    }
}

/// The API's hold route and the pages' hold server functions ask the same
/// limits.
impl HoldGate for HoldLimits {
    /// The 429 refusing a request to create a hold, with `Retry-After`, when
    /// its session or its address is over its limit; `None` lets it through
    /// (and counts it).
    fn refuse(&self, request: &Request) -> Option<Response> {
        // The client behind any trusted proxies (see `proxy`).
        let address = request
            .extensions()
            .get::<ClientOrigin>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |o| o.address);
        let holder = request
            .extensions()
            .get::<Session>()
            .map_or_else(|| HolderId::from_name("no session"), |s| s.0);
        let seconds = self.wait(holder, address)?.as_secs() + 1;
        let refusal = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("too many holds; try again in {seconds} s"),
        )
        .with_retry_after(seconds);
        Some(refusal.into_response())
    }
}

/// Middleware on the API's routes that create holds: refuses requests over
/// the limits with 429.
pub(crate) async fn limit_holds(
    State(limits): State<Arc<HoldLimits>>,
    request: Request,
    next: Next,
) -> Response {
    match limits.refuse(&request) {
        Some(refusal) => refusal,
        None => next.run(request).await,
    }
}
