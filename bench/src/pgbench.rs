//! pgbench, the baseline beside the database scenarios: its binary, a
//! database of its own on the same server, and its transactions a second.

use std::path::{Path, PathBuf};
use std::process::Command;

use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};
use storage_postgres::testing::{server_url, with_database};

/// An initialised pgbench database on the same server.
pub(crate) async fn database(binary: &Path, scale: u32) -> Result<String, String> {
    // The tests' naming, so a later run drops it if this one dies.
    let name = format!("seatwise_test_{}_pgbench", std::process::id());
    let mut admin = PgConnection::connect(&server_url())
        .await
        .map_err(|e| e.to_string())?;
    for sql in [
        format!("DROP DATABASE IF EXISTS {name}"),
        format!("CREATE DATABASE {name}"),
    ] {
        sqlx::query(&sql)
            .execute(&mut admin)
            .await
            .map_err(|e| e.to_string())?;
    }
    let _ = admin.close().await;
    let url = with_database(&server_url(), &name);
    // libpq takes a connection URI where a database name goes.
    let output = Command::new(binary)
        .args(["-i", "-q", "-s", &scale.to_string(), &url])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
    if !output.status.success() {
        return Err(format!(
            "pgbench -i failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(url)
}

/// `pgbench` on PATH, else the newest server version's.
pub(crate) fn binary() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("pgbench"))
            .find(|p| p.is_file())
    });
    on_path.or_else(|| {
        let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path().join("bin/pgbench")))
            .filter(|p| p.is_file())
            .collect();
        found.sort();
        found.pop()
    })
}

/// pgbench with `args` on `url` at `clients` for `secs`: its transactions
/// per second, without connection time.
pub(crate) fn tps(
    binary: &Path,
    args: &[String],
    url: &str,
    clients: usize,
    secs: u64,
) -> Result<f64, String> {
    let output = Command::new(binary)
        .args(args)
        .args(["-c", &clients.to_string()])
        .args(["-j", &clients.min(2).to_string(), "-T", &secs.to_string()])
        .arg(url)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    stdout
        .lines()
        .filter_map(|line| line.strip_prefix("tps = "))
        .find_map(|rest| rest.split_whitespace().next()?.parse().ok())
        .ok_or_else(|| format!("no \"tps = \" line in its output: {stdout}"))
}

/// Drops the scratch databases now rather than in a later run: 2 million
/// seat rows take a few hundred megabytes.
pub(crate) async fn drop_databases(urls: &[String]) {
    let admin = PgConnection::connect(&server_url()).await;
    let Ok(mut admin) = admin.map_err(|e| eprintln!("cannot drop scratch databases: {e}")) else {
        return;
    };
    for url in urls {
        let options = url.parse::<PgConnectOptions>();
        let Some(name) = options.as_ref().ok().and_then(|o| o.get_database()) else {
            continue;
        };
        if let Err(e) = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut admin)
            .await
        {
            eprintln!("cannot drop {name}: {e}");
        }
    }
    let _ = admin.close().await;
}
