//! `cargo xtask fuzz`: runs every cargo-fuzz target in `fuzz/` for a while.
//!
//! Installs cargo-fuzz (on the nightly toolchain) when it is missing, builds
//! every target, then runs each for `seconds` on a temporary copy of its
//! seed corpus (libFuzzer adds the inputs it finds to the first corpus
//! directory it is given, so the committed seeds stay as they are). A crash
//! fails the task with the target's name and the path of the saved input
//! (under `fuzz/artifacts/<target>/`); success reports how many inputs each
//! target ran.
//!
//! The fuzz crate is its own workspace. It builds in `fuzz/target`, or in
//! `$CARGO_TARGET_DIR/fuzz` when that is set (CI keeps its build cache
//! outside the clone), and its lockfile is checked as `--locked` would.
//!
//! Two builds: [`Build::Thorough`] (cargo-fuzz's default: optimised, one
//! codegen unit, AddressSanitizer) for `cargo xtask fuzz`, and
//! [`Build::Smoke`] for the test command's short runs: the same coverage
//! instrumentation and debug assertions, unoptimised and without a
//! sanitizer (the workspace forbids `unsafe`). It builds in half the CPU
//! time of the thorough build and runs slower, which 20 s of replaying the
//! seeds and exploring a little can afford.

use std::path::Path;
use std::process::{Command, Output};

/// How the fuzz targets are built.
#[derive(Clone, Copy)]
pub(crate) enum Build {
    /// Quick to build: for short smoke runs.
    Smoke,
    /// cargo-fuzz's default, with AddressSanitizer: for long runs.
    Thorough,
}

impl Build {
    /// The flags `cargo fuzz build` and `cargo fuzz run` both take (the same
    /// on both, or `run` builds again).
    fn flags(self) -> &'static [&'static str] {
        match self {
            Build::Smoke => &["--dev", "--sanitizer", "none"],
            Build::Thorough => &[],
        }
    }
}

/// Runs every fuzz target for `seconds` and returns a short report.
pub(crate) fn run(seconds: u64, build: Build) -> Result<String, String> {
    let workspace = crate::workspace();
    let fuzz_dir = workspace.join("fuzz");
    ensure_cargo_fuzz()?;
    check_lockfile(&fuzz_dir)?;
    let targets = targets(&workspace)?;
    if targets.is_empty() {
        return Err(format!("no fuzz targets in {}", fuzz_dir.display()));
    }
    println!("==> building fuzz targets: {}", targets.join(", "));
    let status = cargo_fuzz(&workspace)
        .arg("build")
        .args(build.flags())
        .status()
        .map_err(|e| format!("could not start cargo fuzz: {e}"))?;
    if !status.success() {
        return Err(format!("cargo fuzz build ended with {status}"));
    }
    let mut report = Vec::new();
    for target in &targets {
        println!("==> fuzzing {target} for {seconds} s");
        let executions = run_target(&workspace, &fuzz_dir, target, seconds, build)?;
        report.push(format!("{target}: {executions} executions in {seconds} s"));
    }
    Ok(report.join("\n"))
}

/// `cargo +nightly fuzz` in the workspace, without the caller's toolchain
/// override, building beside (not inside) the caller's target dir.
fn cargo_fuzz(workspace: &Path) -> Command {
    let mut command = Command::new("cargo");
    command
        .current_dir(workspace)
        .args(["+nightly", "fuzz"])
        .env_remove("RUSTUP_TOOLCHAIN");
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => command.env("CARGO_TARGET_DIR", Path::new(&dir).join("fuzz")),
        None => command.env_remove("CARGO_TARGET_DIR"),
    };
    command
}

/// Fails when `fuzz/Cargo.lock` is not what the fuzz crate resolves to
/// (cargo-fuzz has no `--locked`; a build would rewrite it silently).
fn check_lockfile(fuzz_dir: &Path) -> Result<(), String> {
    let output = Command::new("cargo")
        .args(["+nightly", "metadata", "--locked", "--format-version", "1"])
        .arg("--manifest-path")
        .arg(fuzz_dir.join("Cargo.toml"))
        .env_remove("RUSTUP_TOOLCHAIN")
        .output()
        .map_err(|e| format!("could not start cargo metadata: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "fuzz/Cargo.lock is out of date (run `cargo +nightly update --manifest-path fuzz/Cargo.toml --workspace` and commit it): {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

/// Installs cargo-fuzz when `cargo +nightly fuzz --version` fails.
fn ensure_cargo_fuzz() -> Result<(), String> {
    let installed = Command::new("cargo")
        .args(["+nightly", "fuzz", "--version"])
        .env_remove("RUSTUP_TOOLCHAIN")
        .output()
        .is_ok_and(|o| o.status.success());
    if installed {
        return Ok(());
    }
    println!("==> installing cargo-fuzz");
    let status = Command::new("cargo")
        .args(["+nightly", "install", "cargo-fuzz", "--locked"])
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTUP_TOOLCHAIN")
        .status()
        .map_err(|e| format!("could not start cargo install: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("cargo install cargo-fuzz ended with {status}"))
    }
}

/// The fuzz targets, as `cargo fuzz list` names them.
fn targets(workspace: &Path) -> Result<Vec<String>, String> {
    let output = cargo_fuzz(workspace)
        .arg("list")
        .output()
        .map_err(|e| format!("could not start cargo fuzz list: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo fuzz list failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect())
}

/// Fuzzes `target` for `seconds` on a copy of its seeds; the number of
/// inputs it ran, or why it failed.
fn run_target(
    workspace: &Path,
    fuzz_dir: &Path,
    target: &str,
    seconds: u64,
    build: Build,
) -> Result<u64, String> {
    let seeds = fuzz_dir.join("corpus").join(target);
    let scratch =
        std::env::temp_dir().join(format!("seatwise-fuzz-{}-{target}", std::process::id()));
    copy_corpus(&seeds, &scratch)?;
    let output = cargo_fuzz(workspace)
        .arg("run")
        .args(build.flags())
        .arg(target)
        .arg(&scratch)
        .args(seeds.is_dir().then_some(&seeds))
        .arg("--")
        .arg(format!("-max_total_time={seconds}"))
        .arg("-print_final_stats=1")
        .output();
    // Best effort: a leftover temporary directory is harmless.
    let _ = std::fs::remove_dir_all(&scratch);
    let output = output.map_err(|e| format!("could not start cargo fuzz run {target}: {e}"))?;
    let log = log_of(&output);
    if !output.status.success() {
        let artifact = log
            .lines()
            .find_map(|line| line.split_once("Test unit written to "))
            .map_or_else(
                || "none saved".to_owned(),
                |(_, path)| path.trim().to_owned(),
            );
        return Err(format!(
            "fuzz target {target} failed ({}); input: {artifact}\n{}",
            output.status,
            crash_summary(&log)
        ));
    }
    executions(&log).ok_or_else(|| {
        format!(
            "fuzz target {target} ran but reported no execution count\n{}",
            tail(&log, 20)
        )
    })
}

/// Copies the files of `from` (if it exists) into a fresh directory `to`.
fn copy_corpus(from: &Path, to: &Path) -> Result<(), String> {
    if to.exists() {
        std::fs::remove_dir_all(to).map_err(|e| format!("clearing {}: {e}", to.display()))?;
    }
    std::fs::create_dir_all(to).map_err(|e| format!("creating {}: {e}", to.display()))?;
    let Ok(entries) = std::fs::read_dir(from) else {
        return Ok(());
    };
    for entry in entries {
        let path = entry
            .map_err(|e| format!("reading {}: {e}", from.display()))?
            .path();
        if let (true, Some(name)) = (path.is_file(), path.file_name()) {
            std::fs::copy(&path, to.join(name))
                .map_err(|e| format!("copying {}: {e}", path.display()))?;
        }
    }
    Ok(())
}

/// Everything the run printed (libFuzzer writes to stderr).
fn log_of(output: &Output) -> String {
    let mut log = String::from_utf8_lossy(&output.stdout).into_owned();
    log.push_str(&String::from_utf8_lossy(&output.stderr));
    log
}

/// The number of inputs run, from `stat::number_of_executed_units: N`
/// (`-print_final_stats=1`) or else libFuzzer's last `#N ... DONE` line.
fn executions(log: &str) -> Option<u64> {
    let stat = log.lines().find_map(|line| {
        line.strip_prefix("stat::number_of_executed_units:")
            .and_then(|n| n.trim().parse().ok())
    });
    stat.or_else(|| {
        log.lines()
            .rev()
            .filter(|line| line.contains("DONE"))
            .find_map(|line| {
                line.strip_prefix('#')?
                    .split_whitespace()
                    .next()?
                    .parse()
                    .ok()
            })
    })
}

/// What went wrong: the panic message, or libFuzzer's (or a sanitizer's)
/// error report, or else the end of the log.
fn crash_summary(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    let excerpt = |start: usize, stop: &dyn Fn(&str) -> bool| {
        let end = lines[start + 1..]
            .iter()
            .position(|line| stop(line))
            .map_or(lines.len(), |n| start + 1 + n);
        lines[start..end.min(start + 20)].join("\n")
    };
    if let Some(start) = lines.iter().position(|l| l.contains("panicked at")) {
        excerpt(start, &|l: &str| {
            l.starts_with("note:") || l.starts_with("stack backtrace") || l.starts_with("==")
        })
    } else if let Some(start) = lines.iter().position(|l| l.contains("ERROR:")) {
        excerpt(start, &|l: &str| l.starts_with("SUMMARY"))
    } else {
        tail(log, 40)
    }
}

/// The last `lines` lines of `log`.
fn tail(log: &str, lines: usize) -> String {
    let all: Vec<&str> = log.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
