//! Installing what a task needs from Debian's packages (the only binaries
//! this project fetches), when running as root on Debian.

use std::path::Path;
use std::process::Command;

/// Whether this process runs as root.
pub(crate) fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

/// Installs `packages` with apt-get, without recommends.
pub(crate) fn install(packages: &[&str]) -> Result<(), String> {
    if !is_root() || !Path::new("/usr/bin/apt-get").exists() {
        return Err(format!(
            "cannot install {} (needs root and apt-get)",
            packages.join(" ")
        ));
    }
    println!("==> installing Debian's {}", packages.join(" "));
    let install: Vec<&str> = ["install", "-y", "-q", "--no-install-recommends"]
        .into_iter()
        .chain(packages.iter().copied())
        .collect();
    for args in [&["update", "-q"][..], &install[..]] {
        let status = Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .map_err(|e| format!("apt-get: {e}"))?;
        if !status.success() {
            return Err(format!("apt-get {} failed", args.join(" ")));
        }
    }
    Ok(())
}
