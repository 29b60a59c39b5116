//! Hostile HTTP input from the OpenAPI document: schemathesis (from PyPI, in
//! a virtualenv under the target directory) against a live demo server. Every
//! check runs except "schema-valid requests are accepted": the API refuses
//! some of those on purpose (an unknown seat id, a card number failing its
//! check digit), with a 4xx and a JSON error.

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const VERSION: &str = "4.32.5";

/// The demo server's organizer token for this run.
const ADMIN_TOKEN: &str = "schemathesis-organizer-token";

/// Runs schemathesis against the demo server built in `target_dir`.
pub(crate) fn run(
    cargo: &str,
    workspace: &Path,
    target_dir: &Path,
    site: &Path,
) -> Result<(), String> {
    let venv = target_dir.join("schemathesis-venv");
    let program = venv.join("bin/schemathesis");
    if !program.exists() {
        println!(
            "==> installing schemathesis {VERSION} from PyPI into {}",
            venv.display()
        );
        run_quietly(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
        run_quietly(
            Command::new(venv.join("bin/pip"))
                .args(["install", "--quiet"])
                .arg(format!("schemathesis=={VERSION}")),
        )?;
    }
    crate::build_workspace(cargo, workspace)?;
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("no free port: {e}"))?
        .port();
    let server = Server(
        Command::new(target_dir.join("debug/app-server"))
            .args(["--bind", &format!("127.0.0.1:{port}"), "--log", "warn"])
            // Thousands of generated holds: no rate limit.
            .args([
                "--holds-per-minute-per-session",
                "0",
                "--holds-per-minute-per-address",
                "0",
            ])
            // The organizer routes too: every request carries the token.
            .args(["--admin-token", ADMIN_TOKEN])
            .arg("--site-root")
            .arg(site)
            .env_remove("DATABASE_URL")
            .stdout(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start app-server: {e}"))?,
    );
    let started = Instant::now();
    while !is_ready(port) {
        if started.elapsed() > Duration::from_secs(30) {
            return Err("app-server did not get ready".to_owned());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let status = Command::new(&program)
        .arg("--config-file")
        .arg(workspace.join("app-server/schemathesis.toml"))
        .arg("run")
        .arg(format!("http://127.0.0.1:{port}/api/v1/openapi.json"))
        .args([
            "--checks",
            "all",
            "--exclude-checks",
            "positive_data_acceptance",
        ])
        .args(["--max-examples", "100", "--seed", "1", "--no-color"])
        .arg("--header")
        .arg(format!("Authorization: Bearer {ADMIN_TOKEN}"))
        .status()
        .map_err(|e| format!("cannot run schemathesis: {e}"))?;
    drop(server);
    if status.success() {
        Ok(())
    } else {
        Err(format!("schemathesis found failures ({status})"))
    }
}

/// The server process, stopped when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn run_quietly(command: &mut Command) -> Result<(), String> {
    let output = command
        .output()
        .map_err(|e| format!("cannot run {command:?}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{command:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// Whether the server on `port` answers `/readyz` with 200.
fn is_ready(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let mut status = [0u8; 12];
    stream
        .write_all(b"GET /readyz HTTP/1.0\r\nHost: localhost\r\n\r\n")
        .and_then(|()| stream.read_exact(&mut status))
        .is_ok_and(|()| status.ends_with(b" 200"))
}
