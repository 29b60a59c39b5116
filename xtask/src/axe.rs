//! axe-core, the accessibility checker the browser tests run in each page:
//! the npm registry's tarball of a pinned version, checked against the
//! registry's sha512 and unpacked under the target directory (like
//! schemathesis' virtualenv). Fetched with `npm pack` when npm is on the
//! PATH, else with curl straight from the registry.

use std::path::{Path, PathBuf};
use std::process::Command;

const VERSION: &str = "4.14.1";

/// The tarball's sha512 (the registry's `dist.integrity`,
/// `sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==`)
/// in hex, as `sha512sum` prints it.
const SHA512: &str = "1477dafa598d8d065f273d6af302aa203c02e83131707b7fa648cd41bd3d6b734f8c22a0dab86ee6a6f64b8afbe804b214d36db85a2826965edfb3a0b9d546b5";

/// The environment variable that tells the browser tests where the script is.
pub(crate) const ENV: &str = "SEATWISE_AXE_JS";

/// Where `axe.min.js` is (once [`ensure`] has run).
pub(crate) fn script(target_dir: &Path) -> PathBuf {
    dir(target_dir).join("package/axe.min.js")
}

fn dir(target_dir: &Path) -> PathBuf {
    target_dir.join(format!("axe-core-{VERSION}"))
}

/// Fetches, checks and unpacks axe-core unless it is already there.
pub(crate) fn ensure(target_dir: &Path) -> Result<(), String> {
    if script(target_dir).exists() {
        return Ok(());
    }
    let dir = dir(target_dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let tarball = dir.join(format!("axe-core-{VERSION}.tgz"));
    println!("==> fetching axe-core {VERSION} from the npm registry");
    let packed = run(Command::new("npm")
        .args(["pack", "--silent", &format!("axe-core@{VERSION}")])
        .arg("--pack-destination")
        .arg(&dir));
    if let Err(why) = packed {
        println!("==> npm pack did not work ({why}); trying curl");
        run(Command::new("curl")
            .args(["--fail", "--silent", "--show-error", "--location"])
            .arg(format!(
                "https://registry.npmjs.org/axe-core/-/axe-core-{VERSION}.tgz"
            ))
            .arg("--output")
            .arg(&tarball))?;
    }
    let sum = run(Command::new("sha512sum").arg(&tarball))?;
    if !sum.starts_with(SHA512) {
        return Err(format!(
            "{} does not have the registry's sha512: {sum}",
            tarball.display()
        ));
    }
    run(Command::new("tar")
        .arg("-xzf")
        .arg(&tarball)
        .arg("-C")
        .arg(&dir))?;
    if script(target_dir).exists() {
        Ok(())
    } else {
        Err(format!("no axe.min.js in {}", tarball.display()))
    }
}

/// Runs `command`; its standard output, or why it failed.
fn run(command: &mut Command) -> Result<String, String> {
    let output = command
        .output()
        .map_err(|e| format!("cannot run {command:?}: {e}"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(format!(
            "{command:?} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}
