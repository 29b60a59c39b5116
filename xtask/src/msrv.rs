//! The declared `rust-version` is checked, not just declared: the library
//! crates must build with it.

use std::path::Path;
use std::process::Command;

/// The workspace's `rust-version` (from the root `Cargo.toml`).
fn declared(workspace: &Path) -> Result<String, String> {
    let manifest = std::fs::read_to_string(workspace.join("Cargo.toml"))
        .map_err(|e| format!("cannot read Cargo.toml: {e}"))?;
    manifest
        .lines()
        .find_map(|line| line.trim().strip_prefix("rust-version = \""))
        .map(|rest| rest.trim_end_matches('"').to_owned())
        .ok_or_else(|| "Cargo.toml declares no rust-version".to_owned())
}

/// Whether `rustc --version` of the default toolchain is `version`
/// (`1.95` matches `1.95.x`).
fn default_toolchain_is(version: &str) -> bool {
    Command::new("rustc")
        .arg("--version")
        .output()
        .is_ok_and(|o| {
            let text = String::from_utf8_lossy(&o.stdout);
            text.split_whitespace()
                .nth(1)
                .is_some_and(|found| found == version || found.starts_with(&format!("{version}.")))
        })
}

/// Checks reservation-core and storage-postgres with the declared
/// `rust-version`: the rest of the run does that when the default toolchain
/// is that version; otherwise `cargo +VERSION check` (rustup fetches the
/// toolchain when it is missing).
pub(crate) fn check(workspace: &Path) -> Result<(), String> {
    let version = declared(workspace)?;
    if default_toolchain_is(&version) {
        println!("==> the default toolchain is Rust {version}: every step checks it");
        return Ok(());
    }
    let status = Command::new("cargo")
        .current_dir(workspace)
        .arg(format!("+{version}"))
        .args([
            "check",
            "--locked",
            "-p",
            "reservation-core",
            "-p",
            "storage-postgres",
        ])
        .env_remove("RUSTUP_TOOLCHAIN")
        .status()
        .map_err(|e| format!("could not start cargo +{version}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "the library crates do not build with their rust-version {version} ({status})"
        ))
    }
}
