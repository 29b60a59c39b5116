//! How the server is configured: flags, or the same names in the environment.

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use crate::api::admin::{AdminToken, WeakToken};
use crate::proxy::TrustedProxies;
use crate::rate_limit::HoldRates;
use clap::Parser;
use ipnet::IpNet;
use reservation_core::Policy;
use reservation_core::ticket_code::{TicketSigner, WeakSecret};
use reservation_core::waiting_room::{AdmissionSigner, Pace, RoomConfigError};
use storage_postgres::PoolConfig;

/// Seatwise demo server.
#[derive(Debug, Clone, Parser)]
#[command(version, about)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "SEATWISE_BIND", default_value = "127.0.0.1:3000")]
    pub bind: SocketAddr,
    /// PostgreSQL URL; without it the in-memory store with demo data is used.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    /// Database connections for requests; the instance opens 2 more (see
    /// the README on sizing pools for several instances).
    #[arg(long, env = "SEATWISE_DB_POOL_SIZE", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub db_pool_size: u32,
    /// Longest a request waits for a database connection, in milliseconds:
    /// while the database is unreachable, requests answer 503 after this.
    #[arg(long, env = "SEATWISE_DB_ACQUIRE_TIMEOUT_MS", default_value_t = 3000, value_parser = clap::value_parser!(u64).range(1..))]
    pub db_acquire_timeout_ms: u64,
    /// Longest one database statement may run, in milliseconds (also how
    /// long a transaction may sit idle).
    #[arg(long, env = "SEATWISE_DB_STATEMENT_TIMEOUT_MS", default_value_t = 5000, value_parser = clap::value_parser!(u64).range(1..))]
    pub db_statement_timeout_ms: u64,
    /// Longest a database statement waits for a lock, in milliseconds.
    #[arg(long, env = "SEATWISE_DB_LOCK_TIMEOUT_MS", default_value_t = 2000, value_parser = clap::value_parser!(u64).range(1..))]
    pub db_lock_timeout_ms: u64,
    /// How long a hold lasts, in seconds.
    #[arg(long, env = "SEATWISE_HOLD_SECONDS", default_value_t = 300, value_parser = clap::value_parser!(u32).range(1..))]
    pub hold_seconds: u32,
    /// Extra seconds the server keeps a hold after its shown expiry.
    #[arg(long, env = "SEATWISE_GRACE_SECONDS", default_value_t = 5)]
    pub grace_seconds: u32,
    /// How many times a buyer may ask for more time on one hold (0: never).
    #[arg(long, env = "SEATWISE_HOLD_EXTENSIONS", default_value_t = 1)]
    pub hold_extensions: u8,
    /// How many seconds each extension adds.
    #[arg(long, env = "SEATWISE_HOLD_EXTENSION_SECONDS", default_value_t = 120, value_parser = clap::value_parser!(u32).range(1..))]
    pub hold_extension_seconds: u32,
    /// Most seats one session may hold and wait for per show.
    #[arg(long, env = "SEATWISE_MAX_SEATS", default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..))]
    pub max_seats: u16,
    /// How long a wait lasts, in seconds.
    #[arg(long, env = "SEATWISE_MAX_WAIT_SECONDS", default_value_t = 3600, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_wait_seconds: u32,
    /// Directory with the pages' static files (`pkg/`), built by `cargo xtask serve`.
    #[arg(long, env = "SEATWISE_SITE_ROOT", default_value = "target/site")]
    pub site_root: String,
    /// Secret that signs ticket codes (at least 32 bytes); instances sharing
    /// a database need the same one. Without it, a random one: codes then
    /// verify only until the process restarts.
    #[arg(long, env = "SEATWISE_TICKET_SECRET", hide_env_values = true)]
    pub ticket_secret: Option<String>,
    /// Token that opens the organizer API under `/api/v1/admin` (send it as
    /// `Authorization: Bearer TOKEN`; at least 16 characters). Without it
    /// that API is off: every request to it gets 401.
    #[arg(long, env = "SEATWISE_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// Holds a session may create per minute (0: no limit).
    #[arg(
        long,
        env = "SEATWISE_HOLDS_PER_MINUTE_PER_SESSION",
        default_value_t = 20
    )]
    pub holds_per_minute_per_session: u32,
    /// Holds one client address may create per minute (0: no limit).
    #[arg(
        long,
        env = "SEATWISE_HOLDS_PER_MINUTE_PER_ADDRESS",
        default_value_t = 200
    )]
    pub holds_per_minute_per_address: u32,
    /// The demo's waiting room (on `demo::room_show()`): seconds from the
    /// server's start until the sale opens (the lobby opens at the start).
    #[arg(
        long,
        env = "SEATWISE_DEMO_ROOM_SALE_DELAY_SECONDS",
        default_value_t = 90
    )]
    pub demo_room_sale_delay_seconds: u32,
    /// The demo's waiting room: most admitted shoppers at once (0: no
    /// limit; the two limits cannot both be 0).
    #[arg(long, env = "SEATWISE_DEMO_ROOM_MAX_ACTIVE", default_value_t = 25)]
    pub demo_room_max_active: u32,
    /// The demo's waiting room: most admissions a minute (0: no limit).
    #[arg(long, env = "SEATWISE_DEMO_ROOM_PER_MINUTE", default_value_t = 60)]
    pub demo_room_per_minute: u32,
    /// A reverse proxy (address or network, such as `10.0.0.0/8`) whose
    /// `X-Forwarded-For` and `X-Forwarded-Proto` are believed: rate limits
    /// count the client behind it and cookies are `Secure` over HTTPS.
    /// Repeat it, or separate several with commas. Nobody's by default.
    #[arg(long = "trusted-proxy", env = "SEATWISE_TRUSTED_PROXIES", value_delimiter = ',', value_parser = network)]
    pub trusted_proxies: Vec<IpNet>,
    /// Cookies always `Secure`: every client reaches the site over HTTPS
    /// (TLS ends at a proxy in front), whatever the headers say.
    #[arg(long, env = "SEATWISE_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Log filter, such as `info` or `app_server=debug,info`.
    #[arg(long, env = "RUST_LOG", default_value = "info")]
    pub log: String,
    /// Log lines as JSON objects, one per line (for log collectors); plain
    /// text otherwise, coloured only on a terminal.
    #[arg(long, env = "SEATWISE_LOG_JSON")]
    pub log_json: bool,
}

/// An address or network: `10.0.0.7`, `10.0.0.0/8`, `::1`.
fn network(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(IpNet::from))
        .map_err(|_| format!("{text:?} is not an IP address or network (such as 10.0.0.0/8)"))
}

impl Config {
    /// Whose forwarding headers to believe, and whether every client comes
    /// over HTTPS.
    pub fn trusted_proxies(&self) -> TrustedProxies {
        let proxies = TrustedProxies::new(self.trusted_proxies.clone());
        if self.secure_cookies {
            proxies.https_only()
        } else {
            proxies
        }
    }

    /// The hold rate limits the flags ask for.
    pub fn hold_rates(&self) -> HoldRates {
        HoldRates {
            per_session: NonZeroU32::new(self.holds_per_minute_per_session),
            per_address: NonZeroU32::new(self.holds_per_minute_per_address),
        }
    }

    /// The ticket signer the flags ask for.
    pub fn ticket_signer(&self) -> Result<TicketSigner, WeakSecret> {
        match &self.ticket_secret {
            Some(secret) => TicketSigner::new(secret.as_bytes()),
            None => {
                tracing::warn!(
                    "no --ticket-secret: ticket codes verify only until this process restarts"
                );
                Ok(TicketSigner::random())
            }
        }
    }

    /// The admission pass signer: the ticket secret (under another domain
    /// tag) when given, so passes verify on every instance; else random.
    pub fn admission_signer(&self) -> Result<AdmissionSigner, WeakSecret> {
        match &self.ticket_secret {
            Some(secret) => AdmissionSigner::new(secret.as_bytes()),
            None => Ok(AdmissionSigner::random()),
        }
    }

    /// The organizer token the flags ask for, if any.
    pub fn admin_token(&self) -> Result<Option<AdminToken>, WeakToken> {
        self.admin_token.as_deref().map(AdminToken::new).transpose()
    }

    /// The pace of the demo's waiting room.
    pub fn demo_room_pace(&self) -> Result<Pace, RoomConfigError> {
        let limit = |n: u32| (n > 0).then_some(n);
        Pace::new(
            limit(self.demo_room_max_active),
            limit(self.demo_room_per_minute),
        )
    }

    /// The database connection budget and time limits the flags ask for.
    pub fn pool(&self) -> PoolConfig {
        PoolConfig::default()
            .with_max_connections(self.db_pool_size)
            .with_acquire_timeout(Duration::from_millis(self.db_acquire_timeout_ms))
            .with_statement_timeout(Duration::from_millis(self.db_statement_timeout_ms))
            .with_lock_timeout(Duration::from_millis(self.db_lock_timeout_ms))
    }

    /// The sale rules these flags describe.
    pub fn policy(&self) -> Policy {
        Policy::default()
            .with_hold_time(time::Duration::seconds(i64::from(self.hold_seconds)))
            .with_grace(time::Duration::seconds(i64::from(self.grace_seconds)))
            .with_max_seats_per_holder(self.max_seats)
            .with_max_wait(time::Duration::seconds(i64::from(self.max_wait_seconds)))
            .with_hold_extensions(
                self.hold_extensions,
                time::Duration::seconds(i64::from(self.hold_extension_seconds)),
            )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn trusted_proxies_are_addresses_or_networks_repeated_or_listed() {
        let config = Config::try_parse_from([
            "app-server",
            "--trusted-proxy",
            "10.0.0.0/8, ::1",
            "--trusted-proxy",
            "192.168.1.7",
            "--log-json",
        ])
        .unwrap();
        let expected: Vec<IpNet> = ["10.0.0.0/8", "::1/128", "192.168.1.7/32"]
            .iter()
            .map(|n| n.parse().unwrap())
            .collect();
        assert_eq!(config.trusted_proxies, expected);
        assert!(config.log_json);
        let refused =
            Config::try_parse_from(["app-server", "--trusted-proxy", "proxy.local"]).unwrap_err();
        assert!(
            refused.to_string().contains("not an IP address or network"),
            "{refused}"
        );
    }
}
