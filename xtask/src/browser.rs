//! The browser tests' browser: Debian's Chromium and its chromedriver.

use std::process::Command;

/// Installs `chromium` and `chromium-driver` from Debian's packages when
/// `chromedriver` is not on the PATH. (Tools that download their own
/// browser cannot work offline.)
pub(crate) fn ensure() -> Result<(), String> {
    let found = |program: &str| {
        Command::new(program)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if found("chromedriver") && found("chromium") {
        return Ok(());
    }
    crate::debian::install(&["chromium", "chromium-driver"])
}
