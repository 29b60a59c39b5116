//! Finding a PostgreSQL server for the tests: `DATABASE_URL`, else the local
//! server on 127.0.0.1:5432, else a throwaway cluster started from the
//! installed `initdb`/`pg_ctl` (Debian's `postgresql` package is installed
//! first when there is none and we may) and removed afterwards.

use std::net::{TcpListener, TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

const LOCAL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A server the tests can use; a throwaway one is stopped and deleted on drop.
pub(crate) struct Server {
    pub(crate) url: String,
    throwaway: Option<Cluster>,
}

struct Cluster {
    dir: PathBuf,
    bin: PathBuf,
    as_postgres: bool,
}

impl Server {
    /// Finds or starts a server, or says how to get one.
    pub(crate) fn find_or_start() -> Result<Self, String> {
        if let Ok(url) = std::env::var("DATABASE_URL") {
            return match host_port(&url) {
                Some(addr) if reachable(&addr) => Ok(Self {
                    url,
                    throwaway: None,
                }),
                _ => Err(format!(
                    "DATABASE_URL is set to {url}, but nothing answers there"
                )),
            };
        }
        if reachable("127.0.0.1:5432") {
            return Ok(Self {
                url: LOCAL.to_owned(),
                throwaway: None,
            });
        }
        println!("==> no PostgreSQL server found: starting a throwaway one");
        start_cluster(installed_bin()?)
    }

    /// Makes sure `initdb` and `pg_ctl` are installed, whatever server the
    /// tests use: the fault-injection test starts (and kills) a cluster of
    /// its own.
    pub(crate) fn ensure_installed() -> Result<(), String> {
        installed_bin().map(drop)
    }

    /// The URL of database `name` on this server.
    pub(crate) fn url_of(&self, name: &str) -> String {
        let (base, query) = self
            .url
            .split_once('?')
            .map_or((self.url.as_str(), None), |(b, q)| (b, Some(q)));
        let authority = base.find("://").map_or(0, |i| i + 3);
        let server = match base[authority..].find('/') {
            Some(slash) => &base[..authority + slash],
            None => base,
        };
        match query {
            Some(query) => format!("{server}/{name}?{query}"),
            None => format!("{server}/{name}"),
        }
    }

    /// Whether this server was started for this run.
    pub(crate) fn is_throwaway(&self) -> bool {
        self.throwaway.is_some()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(cluster) = &self.throwaway {
            let data = cluster.dir.join("data");
            let _ = cluster.run(
                "pg_ctl",
                &["-D", &data.to_string_lossy(), "-m", "fast", "-w", "stop"],
            );
            let _ = std::fs::remove_dir_all(&cluster.dir);
        }
    }
}

impl Cluster {
    /// Runs one of the server's programs, as user `postgres` when we are root
    /// (`initdb` refuses to run as root).
    fn run(&self, program: &str, args: &[&str]) -> Result<(), String> {
        let program = self.bin.join(program);
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        };
        let status = command
            .args(args)
            .status()
            .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!(
                "{} {} failed ({status})",
                program.display(),
                args.join(" ")
            ))
        }
    }
}

fn host_port(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    Some(if host_port.contains(':') {
        host_port.to_owned()
    } else {
        format!("{host_port}:5432")
    })
}

fn reachable(addr: &str) -> bool {
    addr.to_socket_addrs()
        .ok()
        .into_iter()
        .flatten()
        .any(|a| TcpStream::connect_timeout(&a, Duration::from_secs(2)).is_ok())
}

/// The installed server's programs, installing Debian's package if need be.
fn installed_bin() -> Result<PathBuf, String> {
    if let Some(bin) = find_bin() {
        return Ok(bin);
    }
    install_postgres()?;
    find_bin().ok_or_else(|| {
        "installed postgresql, but found no initdb under /usr/lib/postgresql".to_owned()
    })
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

fn install_postgres() -> Result<(), String> {
    crate::debian::install(&["postgresql"]).map_err(|why| {
        format!(
            "no PostgreSQL server is reachable and none is installed ({why}). Start one and set \
             DATABASE_URL (a superuser URL), or install Debian's `postgresql` package"
        )
    })
}

fn start_cluster(bin: PathBuf) -> Result<Server, String> {
    let as_postgres = crate::debian::is_root();
    let dir = std::env::temp_dir().join(format!("seatwise-pg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let cluster = Cluster {
        dir: dir.clone(),
        bin,
        as_postgres,
    };
    if as_postgres {
        let status = Command::new("chown")
            .args(["postgres:postgres"])
            .arg(&dir)
            .status();
        if !status.is_ok_and(|s| s.success()) {
            return Err(format!("cannot hand {} to user postgres", dir.display()));
        }
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("no free port: {e}"))?
        .port();
    let data = dir.join("data").to_string_lossy().into_owned();
    let server = Server {
        url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
        throwaway: Some(cluster),
    };
    let cluster = server.throwaway.as_ref().ok_or("no cluster")?;
    cluster.run(
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
    )?;
    let options = format!(
        "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300",
        dir.display()
    );
    let log = dir.join("server.log").to_string_lossy().into_owned();
    cluster.run(
        "pg_ctl",
        &["-D", &data, "-o", &options, "-l", &log, "-w", "start"],
    )?;
    println!("==> throwaway PostgreSQL on {}", server.url);
    Ok(server)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swaps_the_database_in_urls() {
        let server = |url: &str| Server {
            url: url.to_owned(),
            throwaway: None,
        };
        assert_eq!(
            server("postgres://u@h:1/postgres").url_of("x"),
            "postgres://u@h:1/x"
        );
        assert_eq!(
            server("postgres://u@h:1/db?sslmode=disable").url_of("x"),
            "postgres://u@h:1/x?sslmode=disable"
        );
        assert_eq!(server("postgres://u@h:1").url_of("x"), "postgres://u@h:1/x");
    }

    #[test]
    fn finds_host_and_port_in_urls() {
        assert_eq!(
            host_port("postgres://u:p@db.example:6543/x?sslmode=disable").as_deref(),
            Some("db.example:6543")
        );
        assert_eq!(
            host_port("postgres://postgres@127.0.0.1/postgres").as_deref(),
            Some("127.0.0.1:5432")
        );
        assert_eq!(host_port("not a url"), None);
    }
}
