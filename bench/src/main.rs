//! `seatwise-bench`: the benchmarks `cargo xtask bench` runs, each bounded in
//! time, printed as one table and written to `target/bench/results.json`.
//! Ratios compare measurements taken in the same run; absolute numbers on a
//! shared machine are noise.

mod core_mem;
mod cpu;
mod http;
mod on_sale;
mod pg_hot_show;
mod pg_uncontended;
mod pgbench;
mod report;
mod search;
mod seat_map;
mod sellout;
mod sse;
mod wasm;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};

/// Seatwise benchmarks.
#[derive(Parser)]
struct Cli {
    /// A 1-2 minute smoke run instead of the full one.
    #[arg(long)]
    quick: bool,
    /// Where the pages' bundle was built (`<target>/site`).
    #[arg(long, default_value = "target/site")]
    site_root: PathBuf,
    /// Run only the scenarios whose names contain this (e.g. `core-mem`).
    #[arg(long, default_value = "")]
    only: String,
    /// The JSON results file.
    #[arg(long, default_value = "target/bench/results.json")]
    out: PathBuf,
}

fn bar(name: &str, steps: u64) -> ProgressBar {
    let bar = ProgressBar::new(steps);
    if let Ok(style) = ProgressStyle::with_template("{prefix:>10} [{bar:30}] {pos}/{len} {elapsed}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_prefix(name.to_owned());
    bar
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let run = if cli.quick {
        Duration::from_secs(1)
    } else {
        Duration::from_secs(5)
    };
    let mut rows = Vec::new();
    let chosen = |name: &str| name.contains(&cli.only);
    if chosen("core-mem") {
        let progress = bar("core-mem", 4);
        core_mem::run(run, &mut rows, &progress).await;
        progress.finish();
    }
    if chosen("seat-map") {
        // The database rows run on the server `DATABASE_URL` names.
        let pg = scratch_store().await;
        let progress = bar("seat-map", 2);
        seat_map::run(run, pg, &mut rows, &progress).await;
        progress.finish();
    }
    if chosen("pg-uncontended") {
        // Setup, then holds and pgbench at each client count.
        let progress = bar("pg-uncontended", 7);
        pg_uncontended::run(cli.quick, &mut rows, &progress).await;
        progress.finish();
    }
    if chosen("pg-hot-show") {
        // Each client count: Seatwise and the SERIALIZABLE baseline.
        // pgbench's scale: 100,000 accounts a unit (see `pg-uncontended`).
        let (rounds, clients, pgbench): (usize, &[usize], _) = if cli.quick {
            (1, &[64], (2, 1))
        } else {
            (5, &[64, 256], (5, 10))
        };
        let progress = bar("pg-hot-show", clients.len() as u64);
        pg_hot_show::run(run * 12, rounds, clients, pgbench, &mut rows, &progress).await;
        progress.finish();
    }
    if chosen("http") {
        // The database rows run on the server `DATABASE_URL` names.
        let pg = scratch_store().await;
        let progress = bar("http", 2);
        http::run(run, pg, &mut rows, &progress).await;
        progress.finish();
    }
    if chosen("sellout") {
        // The memory store, then PostgreSQL at `DATABASE_URL`.
        let pg = scratch_store().await;
        let progress = bar("sellout", 2);
        sellout::run(pg, &mut rows, &progress).await;
        progress.finish();
    }
    if chosen("sse") {
        // Server up, subscribers open, holds made.
        let progress = bar("sse", 3);
        sse::run(cli.quick, &cli.site_root, &mut rows, &progress).await;
        progress.finish();
    }
    if chosen("search") {
        // Generation, the memory store, then PostgreSQL at `DATABASE_URL`.
        let pg = scratch_store().await;
        let progress = bar("search", 5);
        search::run(cli.quick, run, pg, &mut rows, &progress).await;
        progress.finish();
    }
    if chosen("on-sale") {
        // The memory store, then PostgreSQL at `DATABASE_URL`.
        let pg = scratch_store().await;
        let visitors = if cli.quick { 10_000 } else { 100_000 };
        let progress = bar("on-sale", 2);
        on_sale::run(visitors, pg, &mut rows, &progress).await;
        progress.finish();
    }
    if chosen("wasm") {
        wasm::run(&cli.site_root, &mut rows);
    }
    println!("\n{}", report::table(&rows));
    if let Some(dir) = cli.out.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    match serde_json::to_vec_pretty(&rows).map(|json| std::fs::write(&cli.out, json)) {
        Ok(Ok(())) => {
            println!("results written to {}", cli.out.display());
            ExitCode::SUCCESS
        }
        Ok(Err(e)) => {
            eprintln!("cannot write {}: {e}", cli.out.display());
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("cannot encode the results: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A PostgreSQL store on a fresh scratch database of the server at
/// `DATABASE_URL` (dropped by a later run, like the tests' databases); none
/// without that variable.
async fn scratch_store() -> Option<storage_postgres::PgStore> {
    std::env::var_os("DATABASE_URL")?;
    storage_postgres::testing::fresh_store(reservation_core::Policy::default())
        .await
        .map_err(|e| eprintln!("PostgreSQL is not reachable ({e}): no database rows"))
        .ok()
}
