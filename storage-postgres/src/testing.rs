//! Fresh databases for tests: each test gets its own, cloned from a migrated
//! template so it starts in milliseconds.
//!
//! The server comes from `DATABASE_URL` (a superuser connection), else
//! `postgres://postgres@127.0.0.1:5432/postgres`. Test databases are named
//! `seatwise_test_<pid>_...`; each test process first drops those left by
//! processes that are no longer running.

use reservation_core::Policy;
use sqlx::postgres::PgPoolOptions;
use sqlx::{Connection, PgConnection};
use tokio::sync::OnceCell;

use crate::PgStore;

/// The server tests use when `DATABASE_URL` is not set.
pub const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The admin URL tests connect with.
pub fn server_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned())
}

/// `url` with its database replaced by `database`.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let root = match base.rfind('/') {
        Some(slash) if base[..slash].ends_with('/') => base.to_owned(),
        Some(slash) if slash > "postgres://".len() => base[..slash].to_owned(),
        _ => base.to_owned(),
    };
    let root = root.trim_end_matches('/');
    match query {
        Some(query) => format!("{root}/{database}?{query}"),
        None => format!("{root}/{database}"),
    }
}

static TEMPLATE: OnceCell<String> = OnceCell::const_new();

/// Creates the migrated template database once per process.
async fn template() -> Result<&'static str, sqlx::Error> {
    TEMPLATE
        .get_or_try_init(|| async {
            let name = format!("seatwise_test_{}_template", std::process::id());
            let mut admin = PgConnection::connect(&server_url()).await?;
            drop_leftovers(&mut admin).await?;
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
                .execute(&mut admin)
                .await?;
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut admin)
                .await?;
            let pool = PgPoolOptions::new()
                .max_connections(1)
                .connect(&with_database(&server_url(), &name))
                .await?;
            crate::migrate(&pool)
                .await
                .map_err(|e| sqlx::Error::Migrate(Box::new(e)))?;
            pool.close().await;
            Ok(name)
        })
        .await
        .map(String::as_str)
}

/// A store on a fresh, migrated database of its own, with a pool of 16.
///
/// # Errors
/// When no PostgreSQL server is reachable at [`server_url`]: the message says
/// how to get one.
pub async fn fresh_store(policy: Policy) -> Result<PgStore, sqlx::Error> {
    let url = fresh_database().await?;
    PgStore::from_pool(
        PgPoolOptions::new()
            .max_connections(16)
            .connect(&url)
            .await?,
        policy,
    )
    .await
}

/// A fresh, migrated database of its own; returns its URL.
///
/// # Errors
/// As [`fresh_store`].
pub async fn fresh_database() -> Result<String, sqlx::Error> {
    let template = template().await.map_err(explain)?;
    let name = format!(
        "seatwise_test_{}_{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    );
    let mut admin = PgConnection::connect(&server_url())
        .await
        .map_err(explain)?;
    // Cloning a template fails while another session is connected to it:
    // retry briefly.
    let mut attempt = 0;
    loop {
        match sqlx::query(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
            .execute(&mut admin)
            .await
        {
            Ok(_) => break,
            Err(error) if attempt < 50 => {
                attempt += 1;
                tracing::debug!(%error, "template busy; retrying");
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            Err(error) => return Err(error),
        }
    }
    admin.close().await?;
    Ok(with_database(&server_url(), &name))
}

/// Drops the test databases of processes that have ended (on Linux, where
/// that can be told from `/proc`).
async fn drop_leftovers(admin: &mut PgConnection) -> Result<(), sqlx::Error> {
    if !std::path::Path::new("/proc/self").exists() {
        return Ok(());
    }
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT datname FROM pg_database WHERE datname LIKE 'seatwise\\_test\\_%'",
    )
    .fetch_all(&mut *admin)
    .await?;
    for name in names {
        let pid = name
            .trim_start_matches("seatwise_test_")
            .split('_')
            .next()
            .unwrap_or_default();
        let ended = pid
            .parse::<u32>()
            .is_ok_and(|pid| !std::path::Path::new(&format!("/proc/{pid}")).exists());
        if ended {
            // Someone may still be connected: leave it for the next run.
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
                .execute(&mut *admin)
                .await;
        }
    }
    Ok(())
}

fn explain(error: sqlx::Error) -> sqlx::Error {
    sqlx::Error::Configuration(
        format!(
            "cannot reach PostgreSQL at {} ({error}). Set DATABASE_URL to a superuser connection, \
             or run the tests with `cargo xtask test`, which starts a throwaway server when none is running",
            server_url()
        )
        .into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_names_are_swapped_in_urls() {
        assert_eq!(
            with_database("postgres://u@h:5432/postgres", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            with_database("postgres://u@h:5432/db?sslmode=disable", "x"),
            "postgres://u@h:5432/x?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://u@h:5432", "x"),
            "postgres://u@h:5432/x"
        );
    }
}
