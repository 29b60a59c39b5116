//! Building the pages' browser side: the `app-web` crate compiled to WASM
//! with the `hydrate` feature (profile `wasm-release`: optimised for size),
//! bound with `wasm-bindgen`, next to the CSS, in `<target>/site/pkg`.
//! Installs the `wasm32-unknown-unknown` target and the `wasm-bindgen-cli`
//! version that matches Cargo.lock when they are missing; downloads nothing
//! else. No `wasm-opt`: it made the gzipped bundle larger (README).

use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: &str = "wasm32-unknown-unknown";
const PROFILE: &str = "wasm-release";

/// Where the site goes, and the cargo target directory it is built in.
pub(crate) struct Site {
    pub(crate) root: PathBuf,
    target_dir: PathBuf,
}

impl Site {
    pub(crate) fn new(workspace: &Path) -> Self {
        let target_dir = std::env::var_os("CARGO_TARGET_DIR")
            .map_or_else(|| workspace.join("target"), PathBuf::from);
        Self {
            root: target_dir.join("site"),
            target_dir,
        }
    }

    /// The cargo target directory.
    pub(crate) fn target_dir(&self) -> &Path {
        &self.target_dir
    }

    /// Builds the bundle into `<root>/pkg`.
    pub(crate) fn build(&self, cargo: &str, workspace: &Path) -> Result<(), String> {
        ensure_target()?;
        ensure_wasm_bindgen(cargo, workspace)?;
        run(Command::new(cargo).current_dir(workspace).args([
            "build",
            "--package",
            "app-web",
            "--lib",
            "--target",
            TARGET,
            "--profile",
            PROFILE,
            "--no-default-features",
            "--features",
            "hydrate",
        ]))?;
        let pkg = self.root.join("pkg");
        std::fs::create_dir_all(&pkg)
            .map_err(|e| format!("cannot create {}: {e}", pkg.display()))?;
        let wasm = self
            .target_dir
            .join(TARGET)
            .join(PROFILE)
            .join("app_web.wasm");
        run(Command::new("wasm-bindgen")
            .args([
                "--target",
                "web",
                "--no-typescript",
                // Function names are half the file; browsers need none.
                "--remove-name-section",
                "--remove-producers-section",
                "--out-name",
                "app_web",
                "--out-dir",
            ])
            .arg(&pkg)
            .arg(&wasm))?;
        let css = workspace.join("app-web/style/seatwise.css");
        std::fs::copy(&css, pkg.join("seatwise.css"))
            .map_err(|e| format!("cannot copy {}: {e}", css.display()))?;
        Ok(())
    }
}

fn run(command: &mut Command) -> Result<(), String> {
    let status = command
        .status()
        .map_err(|e| format!("cannot run {command:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{command:?} failed ({status})"))
    }
}

fn ensure_target() -> Result<(), String> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output();
    if installed.is_ok_and(|o| {
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .any(|l| l.trim() == TARGET)
    }) {
        return Ok(());
    }
    println!("==> installing the {TARGET} target");
    run(Command::new("rustup").args(["target", "add", TARGET]))
}

/// The wasm-bindgen version Cargo.lock pins: the CLI must match it exactly.
fn locked_version(workspace: &Path) -> Result<String, String> {
    let lock = std::fs::read_to_string(workspace.join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\""
            && let Some(version) = lines.next().and_then(|l| l.strip_prefix("version = \""))
        {
            return Ok(version.trim_end_matches('"').to_owned());
        }
    }
    Err("Cargo.lock pins no wasm-bindgen".to_owned())
}

fn ensure_wasm_bindgen(cargo: &str, workspace: &Path) -> Result<(), String> {
    let version = locked_version(workspace)?;
    let installed = Command::new("wasm-bindgen").arg("--version").output();
    if installed.is_ok_and(|o| {
        String::from_utf8_lossy(&o.stdout).trim() == format!("wasm-bindgen {version}")
    }) {
        return Ok(());
    }
    println!("==> installing wasm-bindgen-cli {version} (matches Cargo.lock)");
    // Without --locked: the CLI's own lock file pins a crate the registry no longer serves.
    run(Command::new(cargo).args(["install", "wasm-bindgen-cli", "--version", &version]))
}
