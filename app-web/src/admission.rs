//! How an admission pass from a waiting room travels: in the
//! `Seatwise-Admission` header (API clients) or the `seatwise_admission`
//! cookie (browsers, so pages work without JavaScript), which the room's
//! join and status set when the visitor is admitted.

/// The request header an API client shows its pass in.
pub const HEADER: &str = "seatwise-admission";

/// The cookie a browser keeps its pass in (HttpOnly, SameSite=Lax, Path=/,
/// expiring with the pass). One at a time: the latest admission wins.
pub const COOKIE: &str = "seatwise_admission";

/// The pass a request shows: the header's, else the cookie's.
#[cfg(feature = "ssr")]
pub fn pass(headers: &http::HeaderMap) -> Option<String> {
    if let Some(value) = headers.get(HEADER) {
        return value.to_str().ok().map(|v| v.trim().to_owned());
    }
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.trim().to_owned())
}

/// The `Set-Cookie` value keeping `token` until `expires_at` (`now` is the
/// server's clock, for the cookie's Max-Age); `Secure` when the request
/// came over HTTPS.
#[cfg(feature = "ssr")]
pub fn set_cookie(
    token: &str,
    expires_at: time::OffsetDateTime,
    now: time::OffsetDateTime,
    https: bool,
) -> String {
    let max_age = (expires_at - now).whole_seconds().max(0);
    let expires = expires_at
        .to_offset(time::UtcOffset::UTC)
        .format(time::macros::format_description!(
            "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
        ))
        .unwrap_or_default();
    let secure = if https { "; Secure" } else { "" };
    format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}; Expires={expires}{secure}"
    )
}

/// The `Set-Cookie` value that removes the pass.
pub fn clear_cookie() -> String {
    format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn the_header_wins_over_the_cookie() {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            http::header::COOKIE,
            "seatwise_session=x; seatwise_admission=SWA1.cookie"
                .parse()
                .unwrap(),
        );
        assert_eq!(pass(&headers).as_deref(), Some("SWA1.cookie"));
        headers.insert(HEADER, "SWA1.header".parse().unwrap());
        assert_eq!(pass(&headers).as_deref(), Some("SWA1.header"));
        assert_eq!(pass(&http::HeaderMap::new()), None);
    }

    #[test]
    fn the_cookie_expires_with_the_pass() {
        let now = time::macros::datetime!(2030-01-01 12:00 UTC);
        let cookie = set_cookie("SWA1.x", now + time::Duration::minutes(10), now, false);
        assert_eq!(
            cookie,
            "seatwise_admission=SWA1.x; Path=/; HttpOnly; SameSite=Lax; Max-Age=600; \
             Expires=Tue, 01 Jan 2030 12:10:00 GMT"
        );
        let over_https = set_cookie("SWA1.x", now + time::Duration::minutes(10), now, true);
        assert!(over_https.ends_with("GMT; Secure"), "{over_https}");
    }
}
