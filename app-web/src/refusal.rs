//! What a failed server function answers: the REST API's error, with the
//! same stable code, message and HTTP status, so a page tells a rate limit
//! from a sold-out show as an API client does.
//!
//! On the wire it is the API's error body (`{"error": {"code", "message",
//! "retry_after"}}`): the pages' hold functions sit behind the server's
//! rate limit, which answers with the API's 429 before the function runs,
//! and the browser decodes that answer as it decodes the functions' own.

#[cfg(feature = "ssr")]
pub mod codes;

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// A refused or failed server function call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(from = "Wire", into = "Wire")]
#[error("{message}")]
pub struct Refusal {
    /// The API's stable code, such as `not_enough_seats`.
    pub code: String,
    /// What happened and what to do, for people.
    pub message: String,
    /// Seconds to wait before trying again (rate limits, outages).
    pub retry_after: Option<u64>,
}

/// The API's error body.
#[derive(Serialize, Deserialize)]
struct Wire {
    error: WireDetail,
}

#[derive(Serialize, Deserialize)]
struct WireDetail {
    code: String,
    message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    retry_after: Option<u64>,
}

impl From<Wire> for Refusal {
    fn from(wire: Wire) -> Self {
        let WireDetail {
            code,
            message,
            retry_after,
        } = wire.error;
        Self {
            code,
            message,
            retry_after,
        }
    }
}

impl From<Refusal> for Wire {
    fn from(refusal: Refusal) -> Self {
        Self {
            error: WireDetail {
                code: refusal.code,
                message: refusal.message,
                retry_after: refusal.retry_after,
            },
        }
    }
}

impl Refusal {
    /// A refusal with a code and a message; on the server, also the HTTP
    /// status of the answer (the status the API gives the same refusal).
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        #[cfg(feature = "ssr")]
        set_status(status);
        #[cfg(not(feature = "ssr"))]
        let _ = status;
        Self {
            code: code.to_owned(),
            message: message.into(),
            retry_after: None,
        }
    }

    /// The same asking to wait `seconds` before trying again.
    #[must_use]
    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// The same with another message for people.
    #[must_use]
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
    }

    /// 404 `not_found`: what a page's URL names does not exist.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, "not_found", message)
    }
}

/// Sets the status of the server function's answer (Leptos answers every
/// error with 500 unless told otherwise). Not for a plain form post (no
/// script; it accepts HTML): Leptos answers that with a redirect back to
/// the page, which another status would break.
#[cfg(feature = "ssr")]
fn set_status(status: u16) {
    use leptos::prelude::use_context;
    let form_post = use_context::<http::request::Parts>().is_some_and(|parts| {
        parts
            .headers
            .get(http::header::ACCEPT)
            .and_then(|accept| accept.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
    });
    let status =
        http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    if let Some(options) = use_context::<leptos_axum::ResponseOptions>()
        && !form_post
    {
        options.set_status(status);
    }
}

/// The framework's own failures: arguments that do not decode are the
/// caller's (400); the browser not reaching the server, or a failure
/// inside, are not.
impl FromServerFnError for Refusal {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        let (status, code) = match &value {
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => {
                (400, "invalid_arguments")
            }
            ServerFnErrorErr::Request(_) => (503, "unreachable"),
            _ => (500, "server_error"),
        };
        Self::new(status, code, value.to_string())
    }
}

#[cfg(test)]
mod tests {
    use leptos::server_fn::Bytes;
    use leptos::server_fn::error::FromServerFnError;

    use super::Refusal;

    /// The pages decode the API's own error body (the rate limit's 429 is
    /// the API's), and answer with the same shape.
    #[test]
    fn the_wire_is_the_api_error_body() {
        let api = r#"{"error":{"code":"rate_limited","message":"too many holds; try again in 7 s","retry_after":7}}"#;
        let refusal = Refusal::de(Bytes::from_static(api.as_bytes()));
        assert_eq!(
            (refusal.code.as_str(), refusal.retry_after),
            ("rate_limited", Some(7))
        );
        let again: serde_json::Value = serde_json::from_slice(&refusal.ser()).unwrap_or_default();
        assert_eq!(
            again["error"]["message"],
            "too many holds; try again in 7 s"
        );
        let bare = Refusal::de(Bytes::from_static(
            br#"{"error":{"code":"sold_out","message":"sold out"}}"#,
        ));
        assert_eq!((bare.code.as_str(), bare.retry_after), ("sold_out", None));
    }
}
