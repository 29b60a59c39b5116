//! CPU time, counted per side: the server under measurement and the load
//! generator share this machine's two cores, so a rate alone does not say
//! what the server costs. Read from Linux's per-thread `schedstat` (the
//! first field: nanoseconds run on a CPU).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;

use crate::report::Row;

/// Threads whose CPU time is added up.
#[derive(Clone)]
pub(crate) enum Threads {
    /// The threads that joined (a runtime's workers, see [`Threads::join`]).
    Listed(Arc<Mutex<Vec<PathBuf>>>),
    /// Every thread a process has when read.
    Process(u32),
}

impl Threads {
    /// The whole of this process.
    pub(crate) fn this_process() -> Self {
        Self::Process(std::process::id())
    }

    /// An empty list, for threads to [`join`](Self::join).
    pub(crate) fn listed() -> Self {
        Self::Listed(Arc::default())
    }

    /// Adds the calling thread to a list (from a runtime's
    /// `on_thread_start`).
    pub(crate) fn join(&self) {
        if let (Self::Listed(list), Ok(me)) = (self, std::fs::read_link("/proc/thread-self")) {
            list.lock().push(Path::new("/proc").join(me));
        }
    }

    /// Their time on a CPU so far (threads that ended are not counted; the
    /// ones measured live as long as the measurement).
    pub(crate) fn cpu(&self) -> Duration {
        let tasks = match self {
            Self::Listed(list) => list.lock().clone(),
            Self::Process(pid) => std::fs::read_dir(format!("/proc/{pid}/task"))
                .map(|dir| dir.filter_map(|t| t.ok().map(|t| t.path())).collect())
                .unwrap_or_default(),
        };
        tasks.iter().map(|task| on_cpu(task)).sum()
    }
}

/// One thread's time on a CPU; zero when it cannot be read.
fn on_cpu(task: &Path) -> Duration {
    let nanos = std::fs::read_to_string(task.join("schedstat"))
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    Duration::from_nanos(nanos)
}

/// CPU time over a measured window: the server's, and the rest of this
/// process's (the load generator).
pub(crate) struct Split {
    pub(crate) server: Duration,
    pub(crate) load: Duration,
}

impl Split {
    /// `work`'s result, and the CPU time `server` and the rest of this
    /// process spent while it was awaited.
    pub(crate) async fn around<T>(server: &Threads, work: impl Future<Output = T>) -> (T, Self) {
        let process = Threads::this_process();
        let (server_from, process_from) = (server.cpu(), process.cpu());
        let out = work.await;
        let server_cpu = server.cpu().saturating_sub(server_from);
        let process_cpu = process.cpu().saturating_sub(process_from);
        // A listed server's threads are this process's: not load.
        let load = match server {
            Threads::Listed(_) => process_cpu.saturating_sub(server_cpu),
            Threads::Process(_) => process_cpu,
        };
        let split = Self {
            server: server_cpu,
            load,
        };
        (out, split)
    }

    /// Rows for `done` operations (`what`) measured in `case`: the server's
    /// and the load generator's CPU time per operation, and the rate the
    /// server's alone would allow with every core of this machine.
    pub(crate) fn rows(
        &self,
        scenario: &'static str,
        case: &str,
        what: &str,
        done: usize,
    ) -> Vec<Row> {
        if done == 0 {
            return Vec::new();
        }
        let per = |cpu: Duration| cpu.as_secs_f64() * 1e6 / done as f64;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let server = per(self.server);
        let mut rows = vec![
            Row::plain(
                scenario,
                &format!("{case}, server CPU per {what}"),
                "µs",
                server,
                "",
            ),
            Row::plain(
                scenario,
                &format!("{case}, load generator CPU per {what}"),
                "µs",
                per(self.load),
                "",
            ),
        ];
        if server > 0.0 {
            rows.push(Row::plain(
                scenario,
                &format!("{case}, {what}/s the server's CPU allows on {cores} cores"),
                "/s",
                cores as f64 * 1e6 / server,
                "",
            ));
        }
        rows
    }
}
