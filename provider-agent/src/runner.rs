//! Running a leased job: a process pinned to the leased GPUs (`CUDA_VISIBLE_DEVICES` by UUID),
//! in its own process group, without host network unless the spec allows it (a new network
//! namespace), with memory and process-count limits (cgroups v1 or v2 when writable, so a job
//! over its memory is killed; `setrlimit` otherwise), a wall-clock limit, and stdout and stderr
//! captured to files with a size cap.

use std::collections::BTreeMap;
use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::process::{Child, Command};

/// A job specification; its SHA-256 (of the canonical JSON) is the lease's `job_hash`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobSpec {
    /// Program and arguments.
    pub command: Vec<String>,
    /// Extra environment.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Address-space limit, MiB.
    #[serde(default)]
    pub memory_mib: Option<u64>,
    /// Most processes the job's user may have.
    #[serde(default)]
    pub max_pids: Option<u64>,
    /// Wall-clock limit, seconds.
    #[serde(default)]
    pub max_secs: Option<u64>,
    /// Whether the job may use the host network.
    #[serde(default)]
    pub network: bool,
}

impl JobSpec {
    /// SHA-256 of the canonical JSON encoding (fields in declaration order, env sorted).
    pub fn hash(&self) -> [u8; 32] {
        Sha256::digest(serde_json::to_vec(self).unwrap_or_default()).into()
    }
}

/// Why a job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Exited with this code.
    Exited(i32),
    /// Killed by this signal (a SIGKILL/SIGSEGV/SIGABRT near the memory limit means it hit it).
    Signalled(i32),
    /// Killed at its wall-clock limit or the lease end.
    Stopped,
}

/// Runner errors.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The spec has no command.
    #[error("job spec has an empty command")]
    EmptyCommand,
    /// Spawning failed.
    #[error("cannot start job `{command}`: {source}")]
    Spawn {
        /// The program.
        command: String,
        /// Cause (a network-namespace failure means: run as root, or set `network: true`).
        source: std::io::Error,
    },
    /// Waiting failed.
    #[error("job wait failed: {0}")]
    Wait(std::io::Error),
}

/// How a job's memory and process limits are enforced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limits {
    /// No limits were requested.
    None,
    /// Control groups: the kernel kills a job over its memory.
    Cgroup,
    /// `setrlimit`: allocations beyond the limit fail inside the job.
    Rlimit,
}

/// Cgroup directories made for one job, removed when it is dropped.
struct Cgroups {
    dirs: Vec<PathBuf>,
    procs: Vec<CString>,
}

impl Drop for Cgroups {
    fn drop(&mut self) {
        for dir in &self.dirs {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// Creates cgroups limiting memory and processes (v2 unified, else v1 per controller); `None`
/// where cgroups are not writable (not root, read-only mount), and the caller falls back.
fn cgroups(memory: Option<u64>, pids: Option<u64>) -> Option<Cgroups> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = format!(
        "tessera-job-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let root = Path::new("/sys/fs/cgroup");
    let mut made = Cgroups {
        dirs: Vec::new(),
        procs: Vec::new(),
    };
    let mut limit = |dir: PathBuf, file: &str, value: u64| -> Option<()> {
        if !made.dirs.contains(&dir) {
            std::fs::create_dir(&dir).ok()?;
            made.dirs.push(dir.clone());
            made.procs
                .push(CString::new(dir.join("cgroup.procs").to_str()?).ok()?);
        }
        std::fs::write(dir.join(file), value.to_string()).ok()
    };
    let unified = root.join("cgroup.controllers").exists();
    for (value, v2_file, v1_controller, v1_file) in [
        (memory, "memory.max", "memory", "memory.limit_in_bytes"),
        (pids, "pids.max", "pids", "pids.max"),
    ] {
        let Some(v) = value else { continue };
        let dir = if unified {
            root.join(&name)
        } else {
            root.join(v1_controller).join(&name)
        };
        limit(dir, if unified { v2_file } else { v1_file }, v)?;
    }
    Some(made)
}

/// A running job.
pub struct Job {
    child: Child,
    pid: i32,
    /// How its limits are enforced.
    pub limits: Limits,
    cgroups: Option<Cgroups>,
    /// Captured stdout file.
    pub stdout_path: PathBuf,
    /// Captured stderr file.
    pub stderr_path: PathBuf,
    copiers: Vec<tokio::task::JoinHandle<()>>,
}

/// Starts `spec` on the GPUs `gpu_uuids`, logging into `log_dir` (at most `log_cap` bytes per
/// stream).
pub async fn start(
    spec: &JobSpec,
    gpu_uuids: &[String],
    log_dir: &Path,
    log_cap: u64,
) -> Result<Job, RunError> {
    let (program, args) = spec.command.split_first().ok_or(RunError::EmptyCommand)?;
    let mut cmd = Command::new(program);
    cmd.args(args)
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("CUDA_VISIBLE_DEVICES", gpu_uuids.join(","))
        .env("NVIDIA_VISIBLE_DEVICES", gpu_uuids.join(","))
        .envs(&spec.env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let (memory, pids, isolate) = (
        spec.memory_mib.map(|m| m << 20),
        spec.max_pids,
        !spec.network,
    );
    let cgroups = if memory.is_some() || pids.is_some() {
        cgroups(memory, pids)
    } else {
        None
    };
    let limits = match (&cgroups, memory.or(pids)) {
        (_, None) => Limits::None,
        (Some(_), _) => Limits::Cgroup,
        (None, _) => Limits::Rlimit,
    };
    let procs: Vec<CString> = cgroups
        .as_ref()
        .map(|c| c.procs.clone())
        .unwrap_or_default();
    let (memory, pids) = if limits == Limits::Cgroup {
        (None, None)
    } else {
        (memory, pids)
    };
    // SAFETY: only async-signal-safe libc calls between fork and exec (the paths were built
    // before the fork).
    unsafe {
        cmd.pre_exec(move || {
            if libc::setsid() < 0 {
                return Err(std::io::Error::last_os_error());
            }
            // Writing "0" to cgroup.procs moves the writing process: the job starts inside.
            for path in &procs {
                let fd = libc::open(path.as_ptr(), libc::O_WRONLY);
                if fd < 0 || libc::write(fd, b"0".as_ptr().cast(), 1) != 1 {
                    return Err(std::io::Error::last_os_error());
                }
                libc::close(fd);
            }
            if let Some(bytes) = memory {
                let lim = libc::rlimit {
                    rlim_cur: bytes,
                    rlim_max: bytes,
                };
                if libc::setrlimit(libc::RLIMIT_AS, &lim) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            if let Some(n) = pids {
                let lim = libc::rlimit {
                    rlim_cur: n,
                    rlim_max: n,
                };
                if libc::setrlimit(libc::RLIMIT_NPROC, &lim) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            if isolate && libc::unshare(libc::CLONE_NEWNET) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd.spawn().map_err(|source| RunError::Spawn {
        command: program.clone(),
        source,
    })?;
    let pid = child.id().and_then(|p| i32::try_from(p).ok()).unwrap_or(0);
    let stdout_path = log_dir.join("stdout.log");
    let stderr_path = log_dir.join("stderr.log");
    let mut copiers = Vec::new();
    if let Some(out) = child.stdout.take() {
        copiers.push(tokio::spawn(capture(out, stdout_path.clone(), log_cap)));
    }
    if let Some(err) = child.stderr.take() {
        copiers.push(tokio::spawn(capture(err, stderr_path.clone(), log_cap)));
    }
    Ok(Job {
        child,
        pid,
        limits,
        cgroups,
        stdout_path,
        stderr_path,
        copiers,
    })
}

/// Copies a stream into `path`, keeping the first `cap` bytes and draining the rest.
async fn capture(mut stream: impl AsyncRead + Unpin, path: PathBuf, cap: u64) {
    let Ok(mut file) = tokio::fs::File::create(&path).await else {
        return;
    };
    let mut written = 0u64;
    let mut buf = [0u8; 8192];
    while let Ok(n) = stream.read(&mut buf).await {
        if n == 0 {
            break;
        }
        let keep = (cap.saturating_sub(written)).min(n as u64) as usize;
        if keep > 0 && file.write_all(&buf[..keep]).await.is_err() {
            break;
        }
        written += keep as u64;
    }
    let _ = file.flush().await;
}

impl Job {
    /// Waits up to `limit` for the job, then kills its whole process group.
    pub async fn wait(mut self, limit: Duration) -> Result<Outcome, RunError> {
        let result = match tokio::time::timeout(limit, self.child.wait()).await {
            Ok(status) => outcome(status.map_err(RunError::Wait)?),
            Err(_) => {
                self.kill().await?;
                Outcome::Stopped
            }
        };
        for c in self.copiers.drain(..) {
            let _ = c.await;
        }
        drop(self.cgroups.take());
        Ok(result)
    }

    /// Kills the job's process group and reaps it.
    pub async fn kill(&mut self) -> Result<(), RunError> {
        if self.pid > 0 {
            // SAFETY: plain syscall; the group was created by setsid in the child.
            unsafe { libc::kill(-self.pid, libc::SIGKILL) };
        }
        self.child.wait().await.map_err(RunError::Wait)?;
        Ok(())
    }
}

fn outcome(status: std::process::ExitStatus) -> Outcome {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => Outcome::Exited(code),
        (None, Some(sig)) => Outcome::Signalled(sig),
        (None, None) => Outcome::Stopped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(cmd: &[&str]) -> JobSpec {
        JobSpec {
            command: cmd.iter().map(|s| s.to_string()).collect(),
            env: BTreeMap::new(),
            memory_mib: None,
            max_pids: None,
            max_secs: None,
            network: true,
        }
    }

    #[tokio::test]
    async fn exit_codes_logs_and_gpu_pinning_are_captured() {
        let dir = tempfile::tempdir().unwrap();
        let job = start(
            &spec(&[
                "sh",
                "-c",
                "echo gpus=$CUDA_VISIBLE_DEVICES; echo oops >&2; exit 3",
            ]),
            &["GPU-A".into(), "GPU-B".into()],
            dir.path(),
            1 << 20,
        )
        .await
        .unwrap();
        let (out, err) = (job.stdout_path.clone(), job.stderr_path.clone());
        assert_eq!(
            job.wait(Duration::from_secs(10)).await.unwrap(),
            Outcome::Exited(3)
        );
        assert_eq!(std::fs::read_to_string(out).unwrap(), "gpus=GPU-A,GPU-B\n");
        assert_eq!(std::fs::read_to_string(err).unwrap(), "oops\n");
    }

    #[tokio::test]
    async fn logs_are_capped() {
        let dir = tempfile::tempdir().unwrap();
        let job = start(
            &spec(&["sh", "-c", "yes | head -c 100000"]),
            &[],
            dir.path(),
            1_000,
        )
        .await
        .unwrap();
        let out = job.stdout_path.clone();
        assert_eq!(
            job.wait(Duration::from_secs(10)).await.unwrap(),
            Outcome::Exited(0)
        );
        assert_eq!(std::fs::metadata(out).unwrap().len(), 1_000);
    }

    #[tokio::test]
    async fn the_wall_clock_limit_kills_the_whole_group() {
        let dir = tempfile::tempdir().unwrap();
        let job = start(
            &spec(&["sh", "-c", "sleep 30 & sleep 30"]),
            &[],
            dir.path(),
            1 << 20,
        )
        .await
        .unwrap();
        let t = std::time::Instant::now();
        assert_eq!(
            job.wait(Duration::from_millis(300)).await.unwrap(),
            Outcome::Stopped
        );
        assert!(t.elapsed() < Duration::from_secs(5));
    }

    #[tokio::test]
    async fn a_job_over_its_memory_limit_fails() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = spec(&[
            "python3",
            "-c",
            "x = bytearray(512 * 1024 * 1024); print('allocated')",
        ]);
        s.memory_mib = Some(128);
        let job = start(&s, &[], dir.path(), 1 << 20).await.unwrap();
        let (err, limits) = (job.stderr_path.clone(), job.limits);
        let outcome = job.wait(Duration::from_secs(20)).await.unwrap();
        match limits {
            // The kernel's OOM killer ends a job over its cgroup memory.
            Limits::Cgroup => assert_eq!(outcome, Outcome::Signalled(libc::SIGKILL)),
            // Without writable cgroups the allocation itself fails inside the job.
            _ => {
                eprintln!("cgroups not writable here: memory limit enforced by setrlimit");
                assert_ne!(outcome, Outcome::Exited(0));
                assert!(std::fs::read_to_string(err)
                    .unwrap()
                    .contains("MemoryError"));
            }
        }
    }

    #[tokio::test]
    async fn without_network_permission_the_job_sees_only_loopback() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = spec(&["sh", "-c", "cat /proc/net/dev"]);
        s.network = false;
        match start(&s, &[], dir.path(), 1 << 20).await {
            Ok(job) => {
                let out = job.stdout_path.clone();
                assert_eq!(
                    job.wait(Duration::from_secs(10)).await.unwrap(),
                    Outcome::Exited(0)
                );
                let text = std::fs::read_to_string(out).unwrap();
                let ifaces: Vec<&str> = text
                    .lines()
                    .skip(2)
                    .filter_map(|l| l.split(':').next())
                    .map(str::trim)
                    .collect();
                assert_eq!(ifaces, vec!["lo"], "{text}");
            }
            // Not root and no user namespaces: isolation cannot be set up, and the job does not run.
            Err(RunError::Spawn { source, .. }) => {
                eprintln!("network isolation NOT tested: {source} (needs root or user namespaces)");
                assert_eq!(source.raw_os_error(), Some(libc::EPERM));
            }
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn the_job_hash_is_stable_and_sensitive() {
        let a = spec(&["run"]);
        let mut b = a.clone();
        assert_eq!(a.hash(), b.hash());
        b.env.insert("K".into(), "V".into());
        assert_ne!(a.hash(), b.hash());
    }
}
