//! Who a request comes from when the server sits behind reverse proxies.
//!
//! Only proxies the operator names (`--trusted-proxy`) are believed: a
//! request from one of them is from the address its `X-Forwarded-For` names,
//! read from the right and skipping trusted hops (the left part of the
//! header is whatever the client sent), and it reached the site over HTTPS
//! when the client-facing proxy's `X-Forwarded-Proto` says so. Anyone else's
//! headers are ignored: a client cannot pick its own rate-limit bucket.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use app_web::ClientOrigin;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;

/// The proxies whose forwarding headers are believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    networks: Vec<IpNet>,
    /// Every client comes over HTTPS, whatever the headers say.
    https_only: bool,
}

impl TrustedProxies {
    /// Proxies at these addresses or networks.
    pub fn new(networks: impl IntoIterator<Item = IpNet>) -> Self {
        Self {
            networks: networks.into_iter().collect(),
            https_only: false,
        }
    }

    /// The same proxies, with every client reaching the site over HTTPS
    /// (TLS ends at a proxy in front of every instance): cookies are then
    /// always `Secure`.
    pub fn https_only(mut self) -> Self {
        self.https_only = true;
        self
    }

    fn trusts(&self, address: IpAddr) -> bool {
        // An IPv4 peer on an IPv6 socket arrives as ::ffff:a.b.c.d.
        let address = address.to_canonical();
        self.networks.iter().any(|net| net.contains(&address))
    }

    /// Where a request from `peer` with `headers` comes from.
    pub fn origin(&self, peer: IpAddr, headers: &HeaderMap) -> ClientOrigin {
        if !self.trusts(peer) {
            return ClientOrigin {
                address: peer,
                https: self.https_only,
            };
        }
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .collect();
        let mut address = peer;
        for hop in hops.iter().rev() {
            // An unreadable hop ends what can be believed: the last
            // trusted proxy's peer is the client then.
            let Ok(hop) = hop.parse::<IpAddr>() else {
                break;
            };
            address = hop;
            if !self.trusts(hop) {
                break;
            }
        }
        let https = headers
            .get("x-forwarded-proto")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(',').next())
            .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"));
        ClientOrigin {
            address,
            https: https || self.https_only,
        }
    }
}

/// Middleware: puts the request's [`ClientOrigin`] in its extensions, for
/// the rate limits, the cookies and the logs.
pub(crate) async fn client_origin(
    State(proxies): State<std::sync::Arc<TrustedProxies>>,
    mut request: Request,
    next: Next,
) -> Response {
    // Requests that did not come through a socket (tests) share one address.
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
    let origin = proxies.origin(peer, request.headers());
    request.extensions_mut().insert(origin);
    next.run(request).await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn only_trusted_proxies_are_believed() {
        let proxies = TrustedProxies::new(["10.0.0.0/8".parse().unwrap()]);
        let forwarded = headers(&[
            ("x-forwarded-for", "6.6.6.6, 203.0.113.7"),
            ("x-forwarded-proto", "https"),
        ]);
        let through = proxies.origin(ip("10.1.2.3"), &forwarded);
        assert_eq!((through.address, through.https), (ip("203.0.113.7"), true));
        let direct = proxies.origin(ip("198.51.100.1"), &forwarded);
        assert_eq!(
            (direct.address, direct.https),
            (ip("198.51.100.1"), false),
            "a client's own forwarding headers are ignored"
        );
        let none = TrustedProxies::default().origin(ip("10.1.2.3"), &forwarded);
        assert_eq!(none.address, ip("10.1.2.3"));
        let plain = headers(&[("x-forwarded-proto", "http")]);
        let always = TrustedProxies::default().https_only();
        assert!(
            always.origin(ip("10.1.2.3"), &plain).https,
            "--secure-cookies"
        );
    }

    #[test]
    fn chains_of_proxies_are_walked_from_the_right() {
        let proxies =
            TrustedProxies::new(["10.0.0.0/8".parse().unwrap(), "::1/128".parse().unwrap()]);
        let chain = headers(&[
            ("x-forwarded-for", "1.1.1.1"),
            ("x-forwarded-for", "203.0.113.7, 10.9.9.9"),
        ]);
        assert_eq!(proxies.origin(ip("::1"), &chain).address, ip("203.0.113.7"));
        // Every hop trusted: the left-most is the client.
        let all_trusted = headers(&[("x-forwarded-for", "10.2.2.2, 10.3.3.3")]);
        assert_eq!(
            proxies.origin(ip("10.1.1.1"), &all_trusted).address,
            ip("10.2.2.2")
        );
        // Garbage ends the walk at the last trusted proxy's peer.
        let garbage = headers(&[("x-forwarded-for", "203.0.113.7, nonsense, 10.3.3.3")]);
        assert_eq!(
            proxies.origin(ip("10.1.1.1"), &garbage).address,
            ip("10.3.3.3")
        );
        let mapped = proxies.origin(
            ip("::ffff:10.1.1.1"),
            &headers(&[("x-forwarded-for", "203.0.113.9")]),
        );
        assert_eq!(mapped.address, ip("203.0.113.9"), "IPv4-mapped peers");
        let http = headers(&[("x-forwarded-proto", "http, https")]);
        assert!(!proxies.origin(ip("10.1.1.1"), &http).https);
    }
}
