//! Control groups written directly (v2 unified, else v1 per controller): one per job, for its
//! limits and so the agent can tell the job's GPU processes from anyone else's.

use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

const ROOT: &str = "/sys/fs/cgroup";

/// CFS period used for CPU quotas, microseconds.
const CPU_PERIOD_US: u64 = 100_000;

/// Resource limits of one job.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Resources {
    /// Memory, bytes.
    pub memory: Option<u64>,
    /// Processes.
    pub pids: Option<u64>,
    /// CPU, thousandths of a core.
    pub cpu_millis: Option<u64>,
}

impl Resources {
    /// Whether any limit is set.
    pub fn any(&self) -> bool {
        self.memory.or(self.pids).or(self.cpu_millis).is_some()
    }
}

/// A fresh cgroup name, unique on the host while this agent runs.
pub fn unique_name() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        "tessera-job-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Cgroup directories made for one job, removed (when empty) on drop.
pub struct Cgroups {
    /// The name, a path component unique to the job.
    pub name: String,
    dirs: Vec<PathBuf>,
    /// `cgroup.procs` (v2) or `tasks` files the job joins, as C strings for use after `fork`.
    pub procs: Vec<CString>,
}

impl Drop for Cgroups {
    fn drop(&mut self) {
        for dir in &self.dirs {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

impl Cgroups {
    /// Creates `name` with `limits` (v2, or v1 in the memory, pids and cpu hierarchies); a
    /// pids cgroup is made even without limits, to identify the job's processes. `None` where
    /// cgroups are not writable (not root, read-only mount) or a limit cannot be written.
    pub fn create(name: String, limits: Resources) -> Option<Self> {
        let root = Path::new(ROOT);
        let unified = root.join("cgroup.controllers").exists();
        let mut made = Cgroups {
            name,
            dirs: Vec::new(),
            procs: Vec::new(),
        };
        let cpu_quota = limits.cpu_millis.map(|m| m * CPU_PERIOD_US / 1_000);
        // (v1 controller, file, value, whether the limit holds without it).
        let writes: Vec<(&str, &str, String, bool)> = if unified {
            [
                limits
                    .memory
                    .map(|b| ("", "memory.max", b.to_string(), false)),
                limits
                    .memory
                    .map(|_| ("", "memory.swap.max", "0".into(), true)),
                limits.pids.map(|n| ("", "pids.max", n.to_string(), false)),
                cpu_quota.map(|q| ("", "cpu.max", format!("{q} {CPU_PERIOD_US}"), false)),
            ]
            .into_iter()
            .flatten()
            .collect()
        } else {
            let period = CPU_PERIOD_US.to_string();
            [
                Some(("pids", "", String::new(), false)),
                limits
                    .memory
                    .map(|b| ("memory", "memory.limit_in_bytes", b.to_string(), false)),
                limits
                    .memory
                    .map(|b| ("memory", "memory.memsw.limit_in_bytes", b.to_string(), true)),
                limits
                    .pids
                    .map(|n| ("pids", "pids.max", n.to_string(), false)),
                cpu_quota.map(|_| ("cpu", "cpu.cfs_period_us", period, false)),
                cpu_quota.map(|q| ("cpu", "cpu.cfs_quota_us", q.to_string(), false)),
            ]
            .into_iter()
            .flatten()
            .collect()
        };
        if unified {
            made.join(root.join(&made.name))?;
        }
        for (controller, file, value, optional) in writes {
            let dir = if unified {
                root.join(&made.name)
            } else {
                root.join(controller).join(&made.name)
            };
            made.join(dir.clone())?;
            if !file.is_empty() && std::fs::write(dir.join(file), value).is_err() && !optional {
                return None;
            }
        }
        Some(made)
    }

    /// Creates `dir` once and remembers its process list.
    fn join(&mut self, dir: PathBuf) -> Option<()> {
        if !self.dirs.contains(&dir) {
            std::fs::create_dir(&dir).ok()?;
            self.dirs.push(dir.clone());
            self.procs
                .push(CString::new(dir.join("cgroup.procs").to_str()?).ok()?);
        }
        Some(())
    }

    /// Directories a container engine makes under `--cgroup-parent /<name>`, to remove once the
    /// container is gone (the engine removes only the container's own).
    pub fn left_by_engine(name: String) -> Self {
        let root = Path::new(ROOT);
        let mut dirs = vec![root.join(&name)];
        if let Ok(entries) = std::fs::read_dir(root) {
            dirs.extend(entries.flatten().map(|e| e.path().join(&name)));
        }
        Cgroups {
            name,
            dirs,
            procs: Vec::new(),
        }
    }

    /// How many times the kernel throttled the job's CPU quota (`cpu.stat`, summed over the
    /// job's cgroup and the ones directly below it, where an engine puts its container), if
    /// known.
    pub fn cpu_throttled_periods(&self) -> Option<u64> {
        let read = |dir: &Path| -> Option<u64> {
            let text = std::fs::read_to_string(dir.join("cpu.stat")).ok()?;
            text.lines()
                .find_map(|l| l.strip_prefix("nr_throttled "))
                .and_then(|n| n.trim().parse().ok())
        };
        let mut found = None;
        for dir in &self.dirs {
            let children = std::fs::read_dir(dir)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path());
            for d in std::iter::once(dir.clone()).chain(children) {
                if let Some(n) = read(&d) {
                    found = Some(found.unwrap_or(0) + n);
                }
            }
        }
        found
    }
}
