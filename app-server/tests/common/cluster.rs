//! A throwaway PostgreSQL cluster a test owns, from the installed `initdb`
//! and `pg_ctl` (Debian's `postgresql` package; `cargo xtask test` installs
//! it): started on a free port, and killed, restarted, frozen and thawed at
//! the test's command. Linux only (signals and `/proc`).

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use super::server::free_port;

/// A cluster in a temporary directory, stopped and removed when dropped.
pub struct Cluster {
    dir: PathBuf,
    bin: PathBuf,
    /// `initdb` refuses to run as root: then everything runs as `postgres`.
    as_postgres: bool,
    port: u16,
}

impl Cluster {
    /// Creates a cluster (trust authentication, user `postgres`), not
    /// started yet.
    pub fn init(name: &str) -> Self {
        let bin = find_bin().expect(
            "no initdb under /usr/lib/postgresql: install Debian's `postgresql` package \
             (`cargo xtask test` does)",
        );
        let dir = std::env::temp_dir().join(format!("seatwise-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("the cluster's directory");
        let as_postgres = is_root();
        if as_postgres {
            run(Command::new("chown").arg("postgres:postgres").arg(&dir));
        }
        let cluster = Self {
            dir,
            bin,
            as_postgres,
            port: free_port(),
        };
        let data = cluster.data();
        cluster.pg(
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        cluster
    }

    /// The URL of database `database` on it.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Starts the server (again) and waits until it accepts connections.
    pub fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.display()
        );
        let log = self.dir.join("server.log");
        self.pg(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-o",
                &options,
                "-l",
                &log.to_string_lossy(),
                "-w",
                "start",
            ],
        );
    }

    /// SIGKILLs the postmaster, as a crash would; returns once every
    /// server process is gone.
    pub fn kill(&self) {
        let postmaster = self.postmaster();
        signal("KILL", postmaster);
        // Its backends notice their parent's death and exit by themselves.
        let started = Instant::now();
        while alive(postmaster) || !children(postmaster).is_empty() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the server's processes outlived its postmaster"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGSTOPs the postmaster and every backend: a frozen server (a stuck
    /// disk, a paused VM) that keeps its connections open but answers
    /// nothing.
    pub fn freeze(&self) {
        for pid in self.processes() {
            signal("STOP", pid);
        }
    }

    /// SIGCONTs what [`Cluster::freeze`] stopped.
    pub fn thaw(&self) {
        for pid in self.processes() {
            signal("CONT", pid);
        }
    }

    fn processes(&self) -> Vec<u32> {
        let postmaster = self.postmaster();
        let mut all = vec![postmaster];
        all.extend(children(postmaster));
        all
    }

    fn postmaster(&self) -> u32 {
        let pid_file = std::fs::read_to_string(self.dir.join("data/postmaster.pid"))
            .expect("the server runs (postmaster.pid)");
        pid_file
            .lines()
            .next()
            .and_then(|pid| pid.trim().parse().ok())
            .expect("postmaster.pid starts with the pid")
    }

    fn data(&self) -> String {
        self.dir.join("data").to_string_lossy().into_owned()
    }

    fn pg(&self, program: &str, args: &[&str]) {
        let program = self.bin.join(program);
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        };
        run(command.args(args));
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.dir.join("data/postmaster.pid").exists() {
            self.thaw();
            let data = self.data();
            let program = self.bin.join("pg_ctl");
            let args = ["-D", &data, "-m", "immediate", "-w", "stop"];
            let _ = if self.as_postgres {
                Command::new("runuser")
                    .args(["-u", "postgres", "--"])
                    .arg(&program)
                    .args(args)
                    .status()
            } else {
                Command::new(&program).args(args).status()
            };
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn run(command: &mut Command) {
    let status = command.status().expect("the command runs");
    assert!(status.success(), "{command:?} failed: {status}");
}

fn signal(name: &str, pid: u32) {
    // A process that is already gone is fine.
    let _ = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(pid.to_string())
        .status();
}

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| !stat.contains(") Z "))
}

/// The live children of `parent`, from `/proc/*/stat` (field 4 is the
/// parent's pid; the name in field 2 may hold spaces, so fields are counted
/// after its closing parenthesis).
fn children(parent: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
                let mut after_name = stat
                    .rsplit_once(") ")
                    .map_or("", |(_, rest)| rest)
                    .split(' ');
                let state = after_name.next();
                let ppid = after_name.next().and_then(|p| p.parse::<u32>().ok());
                state != Some("Z") && ppid == Some(parent)
            })
        })
        .collect()
}

fn find_bin() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}
