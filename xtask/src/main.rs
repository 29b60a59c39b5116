//! Project tasks, run as `cargo xtask <task>` (an alias in `.cargo/config.toml`).
//!
//! - `cargo xtask serve [--bind ADDR] [--database-url URL]`: builds and
//!   starts the demo server.
//! - `cargo xtask test`: everything CI checks, in order: formatting, clippy,
//!   reservation-core built alone with no feature and with each, the
//!   libraries built with their declared `rust-version`, a packaging check
//!   of the publishable crates, the pages' WASM bundle, the whole test suite (PostgreSQL tests included:
//!   see [`postgres`] for how a server is found or started; browser tests in
//!   Debian's Chromium, installed when missing, with axe-core from the npm
//!   registry checking each page), a smoke run of the
//!   benchmarks, the docs, and the examples. Stops at the first failure and
//!   says which step failed.
//! - `cargo xtask bench [--quick] [--dev]`: the benchmarks, one table.

mod axe;
mod browser;
mod debian;
mod fuzz;
mod msrv;
mod postgres;
mod schemathesis;
mod site;

use std::process::{Command, ExitCode};
use std::time::Instant;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "Seatwise project tasks")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Build and start the demo server (in-memory store with demo data, or
    /// PostgreSQL with `--database-url` / `DATABASE_URL`).
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:3000")]
        bind: String,
        /// PostgreSQL URL (created and migrated when missing).
        #[arg(long, env = "DATABASE_URL")]
        database_url: Option<String>,
    },
    /// Run every check CI runs: fmt, clippy, tests, a benchmark smoke run,
    /// docs, examples.
    Test {
        /// Skip formatting, clippy and docs; run only tests and examples.
        #[arg(long)]
        quick: bool,
    },
    /// Run the benchmarks (release build) and print one table; results go
    /// to `target/bench/results.json`.
    Bench {
        /// A 1-2 minute smoke run.
        #[arg(long)]
        quick: bool,
        /// Build in the dev profile: checks that every scenario runs (as CI
        /// does), but its numbers mean nothing.
        #[arg(long)]
        dev: bool,
    },
    /// Run every fuzz target (cargo-fuzz, nightly, with AddressSanitizer)
    /// for a while on a copy of its seed corpus; fails on any crash.
    Fuzz {
        /// Seconds per target.
        #[arg(long, default_value_t = 60)]
        seconds: u64,
    },
}

/// What a step does.
enum Action {
    /// A cargo invocation.
    Cargo(&'static [&'static str]),
    /// Build the pages' WASM bundle.
    Pages,
    /// Make sure Chromium, chromedriver and axe-core are installed.
    Browser,
    /// Schemathesis against a live demo server.
    Schemathesis,
    /// Every fuzz target for [`FUZZ_SMOKE_SECONDS`].
    Fuzz,
    /// The quick benchmarks, built in the dev profile.
    BenchSmoke,
    /// The library crates with their declared `rust-version`.
    RustVersion,
    /// An example of the `examples` package, run from the workspace build.
    Example(&'static str),
}

/// One step of a task, with a name for the report.
struct Step {
    name: &'static str,
    action: Action,
    env: &'static [(&'static str, &'static str)],
    /// Skipped by `--quick`.
    lint: bool,
    /// Runs with `DATABASE_URL` naming this database on the test server
    /// instead of the server's admin database.
    database: Option<&'static str>,
}

const fn step(name: &'static str, args: &'static [&'static str], lint: bool) -> Step {
    Step {
        name,
        action: Action::Cargo(args),
        env: &[],
        lint,
        database: None,
    }
}

/// How long `cargo xtask test` fuzzes each target: a smoke run that replays
/// the seed corpus and explores a little; `cargo xtask fuzz --seconds N`
/// runs longer.
const FUZZ_SMOKE_SECONDS: u64 = 20;

const TEST_STEPS: &[Step] = &[
    step("format", &["fmt", "--all", "--check"], true),
    step(
        "clippy",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
        true,
    ),
    step(
        "reservation-core alone, with no feature",
        &["check", "-p", "reservation-core", "--no-default-features"],
        true,
    ),
    step(
        "reservation-core alone, with openapi",
        &["check", "-p", "reservation-core", "--features", "openapi"],
        true,
    ),
    step(
        "reservation-core alone, with testkit",
        &["check", "-p", "reservation-core", "--features", "testkit"],
        true,
    ),
    Step {
        action: Action::RustVersion,
        ..step("the declared rust-version builds the libraries", &[], true)
    },
    step(
        "publishable crates package (cargo publish --dry-run)",
        &[
            "publish",
            "--dry-run",
            "--no-verify",
            "--allow-dirty",
            "--workspace",
        ],
        true,
    ),
    Step {
        action: Action::Pages,
        ..step("pages (app-web for wasm32-unknown-unknown)", &[], false)
    },
    Step {
        action: Action::Browser,
        ..step("Chromium, chromedriver and axe-core", &[], false)
    },
    step("tests", &["test", "--workspace", "--no-fail-fast"], false),
    Step {
        action: Action::Schemathesis,
        ..step("schemathesis against the API", &[], false)
    },
    Step {
        action: Action::Fuzz,
        ..step("fuzzing (20 s per target)", &[], true)
    },
    Step {
        action: Action::BenchSmoke,
        ..step("benchmarks (--quick, dev build: a smoke run)", &[], false)
    },
    Step {
        env: &[("RUSTDOCFLAGS", "-D warnings")],
        ..step("docs", &["doc", "--no-deps", "--workspace"], true)
    },
    Step {
        action: Action::Example("quickstart"),
        ..step("example quickstart", &[], false)
    },
    Step {
        action: Action::Example("waitlist"),
        ..step("example waitlist", &[], false)
    },
    Step {
        action: Action::Example("postgres"),
        database: Some("seatwise_example"),
        ..step("example postgres", &[], false)
    },
];

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.task {
        Task::Serve { bind, database_url } => serve(&bind, database_url.as_deref()),
        Task::Test { quick } => {
            if let Err(why) = postgres::Server::ensure_installed() {
                eprintln!("==> cannot run the fault-injection test: {why}");
                return ExitCode::FAILURE;
            }
            let server = match postgres::Server::find_or_start() {
                Ok(server) => server,
                Err(why) => {
                    eprintln!("==> cannot run the PostgreSQL tests: {why}");
                    return ExitCode::FAILURE;
                }
            };
            let kind = if server.is_throwaway() {
                " (throwaway)"
            } else {
                ""
            };
            println!("==> PostgreSQL tests use {}{kind}", server.url);
            run_steps(
                TEST_STEPS.iter().filter(|step| !(quick && step.lint)),
                &server,
            )
        }
        Task::Bench { quick, dev } => {
            let server = match postgres::Server::find_or_start() {
                Ok(server) => server,
                Err(why) => {
                    eprintln!("==> no PostgreSQL for the database rows: {why}");
                    return ExitCode::FAILURE;
                }
            };
            match bench(&server, quick, dev) {
                Ok(()) => ExitCode::SUCCESS,
                Err(why) => {
                    eprintln!("==> {why}");
                    ExitCode::FAILURE
                }
            }
        }
        Task::Fuzz { seconds } => match fuzz::run(seconds, fuzz::Build::Thorough) {
            Ok(report) => {
                println!("{report}");
                ExitCode::SUCCESS
            }
            Err(why) => {
                eprintln!("==> fuzzing FAILED: {why}");
                ExitCode::FAILURE
            }
        },
    }
}

fn serve(bind: &str, database_url: Option<&str>) -> ExitCode {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let workspace = workspace();
    let site = site::Site::new(&workspace);
    println!("==> building the pages' browser side");
    if let Err(why) = site.build(&cargo, &workspace) {
        eprintln!("==> cannot build the pages: {why}");
        return ExitCode::FAILURE;
    }
    let mut command = Command::new(cargo);
    command
        .current_dir(&workspace)
        .args(["run", "--package", "app-server", "--", "--bind", bind]);
    command.arg("--site-root").arg(&site.root);
    match database_url {
        Some(url) => command.env("DATABASE_URL", url),
        None => command.env_remove("DATABASE_URL"),
    };
    println!("==> starting the demo on http://{bind} (Ctrl-C stops it)");
    match command.status() {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("==> could not start cargo: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Builds and runs the bench binary: `quick` for the short run, `dev` for
/// the dev profile (a smoke run).
fn bench(server: &postgres::Server, quick: bool, dev: bool) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let workspace = workspace();
    let site = site::Site::new(&workspace);
    site.build(&cargo, &workspace)
        .map_err(|why| format!("cannot build the pages (for the bundle size): {why}"))?;
    let mut command = if dev {
        // The smoke run takes the test build's binaries as they are.
        build_workspace(&cargo, &workspace)?;
        Command::new(site.target_dir().join("debug/seatwise-bench"))
    } else {
        // The sse scenario runs the server binary, which `cargo run` of the
        // bench alone would not build; one build keeps their features unified.
        let built = Command::new(&cargo)
            .current_dir(&workspace)
            .args([
                "build",
                "--release",
                "--package",
                "app-server",
                "--package",
                "seatwise-bench",
            ])
            .status();
        if !built.is_ok_and(|status| status.success()) {
            return Err("cannot build app-server and seatwise-bench".to_owned());
        }
        let mut command = Command::new(&cargo);
        command.current_dir(&workspace).args([
            "run",
            "--release",
            "--package",
            "seatwise-bench",
            "--",
        ]);
        command
    };
    command
        .arg("--site-root")
        .arg(&site.root)
        .arg("--out")
        .arg(site.target_dir().join("bench/results.json"))
        .env("DATABASE_URL", &server.url);
    if quick {
        command.arg("--quick");
    }
    match command.status() {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(format!("the benchmarks ended with {status}")),
        Err(error) => Err(format!("could not start cargo: {error}")),
    }
}

/// Builds every target of the workspace in the dev profile, with the
/// features `cargo test --workspace` resolves, so after the test step it
/// builds nothing: the steps that run the server, the bench and the
/// examples take those binaries instead of building their own with other
/// features.
pub(crate) fn build_workspace(cargo: &str, workspace: &std::path::Path) -> Result<(), String> {
    run_built(Command::new(cargo).current_dir(workspace).args([
        "build",
        "--locked",
        "--quiet",
        "--workspace",
        "--all-targets",
    ]))
}

/// Runs `command` to its end; an error names it when it fails.
fn run_built(command: &mut Command) -> Result<(), String> {
    match command.status() {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(format!("{command:?} ended with {status}")),
        Err(error) => Err(format!("could not start {command:?}: {error}")),
    }
}

/// The workspace root (xtask's parent directory).
fn workspace() -> std::path::PathBuf {
    let manifest = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .map_or(manifest.clone(), std::path::Path::to_path_buf)
}

fn run_steps<'a>(steps: impl Iterator<Item = &'a Step>, server: &postgres::Server) -> ExitCode {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let workspace = workspace();
    let site = site::Site::new(&workspace);
    let started = Instant::now();
    for step in steps {
        println!("==> {}", step.name);
        let step_started = Instant::now();
        let database_url = match step.database {
            Some(name) => server.url_of(name),
            None => server.url.clone(),
        };
        let outcome = match step.action {
            Action::Cargo(args) => {
                // The lockfile is what CI checks: a step never rewrites it.
                Command::new(&cargo)
                    .arg("--locked")
                    .args(args)
                    .envs(step.env.iter().copied())
                    .env("DATABASE_URL", database_url)
                    .env("SEATWISE_SITE_ROOT", &site.root)
                    .env(axe::ENV, axe::script(site.target_dir()))
                    .status()
                    .map_err(|e| format!("could not start `{cargo}`: {e}"))
                    .and_then(|status| {
                        if status.success() {
                            Ok(())
                        } else {
                            Err(format!("cargo {} ended with {status}", args.join(" ")))
                        }
                    })
            }
            Action::Pages => site.build(&cargo, &workspace),
            Action::Browser => browser::ensure().and_then(|()| axe::ensure(site.target_dir())),
            Action::Schemathesis => {
                schemathesis::run(&cargo, &workspace, site.target_dir(), &site.root)
            }
            Action::Fuzz => {
                fuzz::run(FUZZ_SMOKE_SECONDS, fuzz::Build::Smoke).map(|report| println!("{report}"))
            }
            Action::BenchSmoke => bench(server, true, true),
            Action::RustVersion => msrv::check(&workspace),
            Action::Example(name) => build_workspace(&cargo, &workspace).and_then(|()| {
                run_built(
                    Command::new(site.target_dir().join("debug/examples").join(name))
                        .env("DATABASE_URL", &database_url),
                )
            }),
        };
        match outcome {
            Ok(()) => println!("==> {} passed in {:.0?}", step.name, step_started.elapsed()),
            Err(why) => {
                eprintln!(
                    "==> {} FAILED: {why}; fix it and run `cargo xtask test` again",
                    step.name
                );
                return ExitCode::FAILURE;
            }
        }
    }
    println!("==> all checks passed in {:.0?}", started.elapsed());
    ExitCode::SUCCESS
}
