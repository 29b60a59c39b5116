//! Project tasks, run as `cargo xtask <task>` (an alias in `.cargo/config.toml`).
//!
//! - `cargo xtask test`: everything CI checks, in order: formatting, clippy,
//!   the whole test suite (PostgreSQL tests included: see [`postgres`] for
//!   how a server is found or started), the docs, and the examples. Stops at
//!   the first failure and says which step failed.

mod postgres;

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
    /// Run every check CI runs: fmt, clippy, tests, docs, examples.
    Test {
        /// Skip formatting, clippy and docs; run only tests and examples.
        #[arg(long)]
        quick: bool,
    },
}

/// One step of a task: a cargo invocation with a name for the report.
struct Step {
    name: &'static str,
    args: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
    lint: bool,
}

const TEST_STEPS: &[Step] = &[
    Step {
        name: "format",
        args: &["fmt", "--all", "--check"],
        env: &[],
        lint: true,
    },
    Step {
        name: "clippy",
        args: &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
        env: &[],
        lint: true,
    },
    Step {
        name: "tests",
        args: &["test", "--workspace", "--no-fail-fast"],
        env: &[],
        lint: false,
    },
    Step {
        name: "docs",
        args: &["doc", "--no-deps", "--workspace"],
        env: &[("RUSTDOCFLAGS", "-D warnings")],
        lint: true,
    },
    Step {
        name: "example quickstart",
        args: &["run", "--quiet", "--example", "quickstart"],
        env: &[],
        lint: false,
    },
    Step {
        name: "example waitlist",
        args: &["run", "--quiet", "--example", "waitlist"],
        env: &[],
        lint: false,
    },
];

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.task {
        Task::Test { quick } => {
            let server = match postgres::Server::find_or_start() {
                Ok(server) => server,
                Err(why) => {
                    eprintln!("==> cannot run the PostgreSQL tests: {why}");
                    return ExitCode::FAILURE;
                }
            };
            println!(
                "==> PostgreSQL tests use {}{}",
                server.url,
                if server.is_throwaway() {
                    " (throwaway)"
                } else {
                    ""
                }
            );
            let env = [("DATABASE_URL", server.url.clone())];
            run_steps(TEST_STEPS.iter().filter(|step| !(quick && step.lint)), &env)
        }
    }
}

fn run_steps<'a>(steps: impl Iterator<Item = &'a Step>, env: &[(&str, String)]) -> ExitCode {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let started = Instant::now();
    for step in steps {
        println!("==> {} (cargo {})", step.name, step.args.join(" "));
        let step_started = Instant::now();
        let status = Command::new(&cargo)
            .args(step.args)
            .envs(step.env.iter().copied())
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .status();
        match status {
            Ok(status) if status.success() => {
                println!("==> {} passed in {:.0?}", step.name, step_started.elapsed());
            }
            Ok(status) => {
                eprintln!(
                    "==> {} FAILED ({status}); fix it and run `cargo xtask test` again",
                    step.name
                );
                return ExitCode::FAILURE;
            }
            Err(error) => {
                eprintln!("==> {} could not start `{cargo}`: {error}", step.name);
                return ExitCode::FAILURE;
            }
        }
    }
    println!("==> all checks passed in {:.0?}", started.elapsed());
    ExitCode::SUCCESS
}
