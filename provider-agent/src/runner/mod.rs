//! Running a leased job through a [`JobRuntime`]: a process sandbox ([`sandbox`]) for command
//! jobs, or podman/docker ([`container`]) for image jobs. Either way the job sees only the leased
//! GPUs (by UUID), has no host network unless the spec allows it, runs under memory, process and
//! CPU limits, in its own process group, with a wall-clock limit, and its stdout and stderr are
//! captured to files with a size cap.

pub mod cgroup;
pub mod container;
pub mod sandbox;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::process::{Child, Command};

use crate::attribution::JobTag;
use cgroup::Cgroups;

pub use tessera_client::job::JobSpec;

/// The limits `spec` asks for.
pub fn resources(spec: &JobSpec) -> cgroup::Resources {
    cgroup::Resources {
        memory: spec.memory_mib.map(|m| m << 20),
        pids: spec.max_pids,
        cpu_millis: spec.cpu_millis,
    }
}

/// The variables command jobs take from the agent's own environment (agent.toml's
/// `job_env`; `PATH` by default, so a venv, conda or pyenv Python the agent's service sees is
/// found), before the spec's own `env`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobEnv {
    /// Variable names.
    pub pass: Vec<String>,
}

impl Default for JobEnv {
    fn default() -> Self {
        Self {
            pass: vec!["PATH".into()],
        }
    }
}

/// Where a job runs: its lease directory holds the captured logs and `work/`, the job's own
/// working directory and `HOME`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobPlace {
    /// Captured stdout and stderr go here.
    pub log_dir: PathBuf,
    /// The job's working directory and `HOME` (created).
    pub work_dir: PathBuf,
    /// Variables passed through from the agent, as set now.
    pub env: Vec<(String, String)>,
}

impl JobPlace {
    /// The place for a job in `lease_dir`, with the variables of `pass` the agent has.
    pub fn new(lease_dir: &Path, pass: &JobEnv) -> std::io::Result<Self> {
        let work_dir = lease_dir.join("work");
        std::fs::create_dir_all(&work_dir)?;
        let env = pass
            .pass
            .iter()
            .filter_map(|k| std::env::var(k).ok().map(|v| (k.clone(), v)))
            .collect();
        Ok(Self {
            log_dir: lease_dir.to_path_buf(),
            work_dir,
            env,
        })
    }
}

/// Why a job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Exited with this code.
    Exited(i32),
    /// Killed by this signal (SIGKILL from a cgroup or container means it hit its memory limit).
    Signalled(i32),
    /// Killed at its wall-clock limit or the lease end.
    Stopped,
}

/// Runner errors.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The spec has neither a command nor an image.
    #[error("job spec has an empty command and no image")]
    EmptyCommand,
    /// The spec names an image but no container engine is available.
    #[error("job spec names image `{0}` but no container engine (podman, or docker with a running daemon) is available")]
    NoContainerEngine(String),
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

/// How a job's memory, process and CPU limits are enforced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limits {
    /// No limits were requested.
    None,
    /// Control groups (the agent's own or a container engine's): the kernel kills a job over
    /// its memory and throttles it at its CPU quota.
    Cgroup,
    /// No writable cgroup: `setrlimit` caps processes; memory is not limited (`RLIMIT_AS`
    /// would break CUDA) and there is no CPU quota. The agent logs what is not enforced.
    Rlimit,
}

/// A job ready to spawn, as a runtime built it.
pub struct Prepared {
    /// The command, with isolation set up in `pre_exec` or in the engine's arguments.
    pub command: Command,
    /// How limits are enforced.
    pub limits: Limits,
    /// The job's cgroups (removed when the job is dropped).
    pub cgroups: Option<Cgroups>,
    /// A command that stops the job cleanly (a container must be removed through its engine).
    pub stop: Option<Vec<String>>,
    /// Whether exit codes above 128 are the engine reporting a signal (`128 + n`).
    pub container: bool,
}

/// A way to run jobs.
pub trait JobRuntime: Send + Sync {
    /// `process`, `podman` or `docker`.
    fn name(&self) -> &'static str;
    /// Builds the command running `spec` on the GPUs `gpu_uuids` in `place`.
    fn prepare(
        &self,
        spec: &JobSpec,
        gpu_uuids: &[String],
        place: &JobPlace,
    ) -> Result<Prepared, RunError>;
}

/// A running job.
pub struct Job {
    child: Child,
    pid: i32,
    started: Instant,
    max: Option<Duration>,
    /// How its limits are enforced.
    pub limits: Limits,
    cgroups: Option<Cgroups>,
    stop: Option<Vec<String>>,
    container: bool,
    /// Captured stdout file.
    pub stdout_path: PathBuf,
    /// Captured stderr file.
    pub stderr_path: PathBuf,
    copiers: Vec<tokio::task::JoinHandle<()>>,
}

/// Starts `spec` through `runtime` on the GPUs `gpu_uuids` in `place`, logging at most
/// `log_cap` bytes per stream.
pub async fn start(
    runtime: &dyn JobRuntime,
    spec: &JobSpec,
    gpu_uuids: &[String],
    place: &JobPlace,
    log_cap: u64,
) -> Result<Job, RunError> {
    let Prepared {
        mut command,
        limits,
        cgroups,
        stop,
        container,
    } = runtime.prepare(spec, gpu_uuids, place)?;
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    // Every job (a sandboxed process, or a container engine's client) leads its own session,
    // so stopping it kills the whole process group.
    // SAFETY: setsid is async-signal-safe.
    unsafe {
        command.pre_exec(|| {
            if libc::setsid() < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let program = command
        .as_std()
        .get_program()
        .to_string_lossy()
        .into_owned();
    let mut child = command.spawn().map_err(|source| RunError::Spawn {
        command: program,
        source,
    })?;
    let pid = child.id().and_then(|p| i32::try_from(p).ok()).unwrap_or(0);
    let stdout_path = place.log_dir.join("stdout.log");
    let stderr_path = place.log_dir.join("stderr.log");
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
        started: Instant::now(),
        max: spec.max_secs.map(Duration::from_secs),
        limits,
        cgroups,
        stop,
        container,
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
    /// How to recognise the job's processes on a GPU.
    pub fn tag(&self) -> JobTag {
        JobTag {
            cgroup: self.cgroups.as_ref().map(|c| c.name.clone()),
            session: (!self.container && self.pid > 0).then_some(self.pid),
        }
    }

    /// How often the kernel held the job at its CPU quota, where the cgroup reports it.
    pub fn cpu_throttled_periods(&self) -> Option<u64> {
        self.cgroups.as_ref()?.cpu_throttled_periods()
    }

    /// Waits up to `limit` for the job, then stops it.
    pub async fn wait(mut self, limit: Duration) -> Result<Outcome, RunError> {
        let result = match tokio::time::timeout(limit, self.child.wait()).await {
            Ok(status) => self.outcome(status.map_err(RunError::Wait)?),
            Err(_) => {
                self.kill().await?;
                Outcome::Stopped
            }
        };
        self.finish().await;
        Ok(result)
    }

    /// Without blocking: the outcome if the job ended, after stopping it if it ran past its
    /// spec's `max_secs`; `None` while it runs.
    pub async fn poll(&mut self) -> Result<Option<Outcome>, RunError> {
        if let Some(status) = self.child.try_wait().map_err(RunError::Wait)? {
            self.finish().await;
            return Ok(Some(self.outcome(status)));
        }
        if self.max.is_some_and(|max| self.started.elapsed() >= max) {
            self.kill().await?;
            self.finish().await;
            return Ok(Some(Outcome::Stopped));
        }
        Ok(None)
    }

    /// Stops the job: through its engine first for a container, then by killing its whole
    /// process group; reaps it.
    pub async fn kill(&mut self) -> Result<(), RunError> {
        if let Some((program, args)) = self.stop.as_ref().and_then(|s| s.split_first()) {
            let _ = Command::new(program)
                .args(args)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .await;
        }
        if self.pid > 0 {
            // SAFETY: plain syscall; the group was created by setsid in the child.
            unsafe { libc::kill(-self.pid, libc::SIGKILL) };
        }
        self.child.wait().await.map_err(RunError::Wait)?;
        Ok(())
    }

    /// Drains the log copiers and removes the cgroups.
    async fn finish(&mut self) {
        for c in self.copiers.drain(..) {
            let _ = c.await;
        }
        drop(self.cgroups.take());
    }

    fn outcome(&self, status: std::process::ExitStatus) -> Outcome {
        use std::os::unix::process::ExitStatusExt;
        match (status.code(), status.signal()) {
            (Some(code), _) if self.container && (129..=159).contains(&code) => {
                Outcome::Signalled(code - 128)
            }
            (Some(code), _) => Outcome::Exited(code),
            (None, Some(sig)) => Outcome::Signalled(sig),
            (None, None) => Outcome::Stopped,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::sandbox::ProcessSandbox;
    use super::*;

    fn spec(cmd: &[&str]) -> JobSpec {
        JobSpec {
            command: cmd.iter().map(|s| s.to_string()).collect(),
            network: true,
            ..Default::default()
        }
    }

    /// Waits up to 10 s for `job` to exit 0 and returns what it printed.
    async fn stdout_of(job: Job) -> String {
        let out = job.stdout_path.clone();
        assert_eq!(
            job.wait(Duration::from_secs(10)).await.unwrap(),
            Outcome::Exited(0)
        );
        std::fs::read_to_string(out).unwrap()
    }

    /// A job place in `dir` passing `PATH` through.
    fn place(dir: &Path) -> JobPlace {
        JobPlace::new(dir, &JobEnv::default()).unwrap()
    }

    /// Starts `s` in the process sandbox with no GPUs and 1 MiB log caps.
    async fn sandboxed(s: &JobSpec, dir: &Path) -> Job {
        start(&ProcessSandbox::default(), s, &[], &place(dir), 1 << 20)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_cpu_quota_throttles_the_job() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = spec(&["sh", "-c", "while :; do :; done"]);
        s.cpu_millis = Some(100);
        let mut job = sandboxed(&s, dir.path()).await;
        // A tenth of a core over 100 ms periods: a busy loop is held back every period.
        tokio::time::sleep(Duration::from_millis(600)).await;
        let throttled = job.cpu_throttled_periods();
        job.kill().await.unwrap();
        match job.limits {
            Limits::Cgroup => assert!(throttled.unwrap_or(0) > 0, "{throttled:?}"),
            other => {
                eprintln!("CPU quota NOT tested: cgroups not writable here ({other:?})");
                assert_eq!(throttled, None);
            }
        }
    }

    #[tokio::test]
    async fn poll_stops_a_job_at_its_max_secs_and_reports_exits() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = spec(&["sleep", "30"]);
        s.max_secs = Some(1);
        let mut job = sandboxed(&s, dir.path()).await;
        assert_eq!(job.poll().await.unwrap(), None);
        tokio::time::sleep(Duration::from_millis(1_100)).await;
        assert_eq!(job.poll().await.unwrap(), Some(Outcome::Stopped));
        let mut quick = sandboxed(&spec(&["sh", "-c", "exit 4"]), dir.path()).await;
        let mut outcome = None;
        while outcome.is_none() {
            tokio::time::sleep(Duration::from_millis(20)).await;
            outcome = quick.poll().await.unwrap();
        }
        assert_eq!(outcome, Some(Outcome::Exited(4)));
    }

    #[tokio::test]
    async fn the_jobs_processes_are_recognised_by_their_tag() {
        let dir = tempfile::tempdir().unwrap();
        let mut job = sandboxed(&spec(&["sh", "-c", "sleep 30 & sleep 30"]), dir.path()).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let tag = job.tag();
        let pid = u32::try_from(job.pid).unwrap();
        assert!(crate::attribution::belongs(Path::new("/proc"), pid, &tag));
        assert!(!crate::attribution::belongs(
            Path::new("/proc"),
            std::process::id(),
            &tag
        ));
        job.kill().await.unwrap();
    }

    #[tokio::test]
    async fn exit_codes_logs_and_gpu_pinning_are_captured() {
        let dir = tempfile::tempdir().unwrap();
        let job = start(
            &ProcessSandbox::default(),
            &spec(&[
                "sh",
                "-c",
                "echo gpus=$CUDA_VISIBLE_DEVICES; echo oops >&2; exit 3",
            ]),
            &["GPU-A".into(), "GPU-B".into()],
            &place(dir.path()),
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
            &ProcessSandbox::default(),
            &spec(&["sh", "-c", "yes | head -c 100000"]),
            &[],
            &place(dir.path()),
            1_000,
        )
        .await
        .unwrap();
        assert_eq!(stdout_of(job).await.len(), 1_000);
    }

    #[tokio::test]
    async fn the_wall_clock_limit_kills_the_whole_group() {
        let dir = tempfile::tempdir().unwrap();
        let job = sandboxed(&spec(&["sh", "-c", "sleep 30 & sleep 30"]), dir.path()).await;
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
        let job = sandboxed(&s, dir.path()).await;
        let (err, limits) = (job.stderr_path.clone(), job.limits);
        let outcome = job.wait(Duration::from_secs(20)).await.unwrap();
        match limits {
            // The kernel's OOM killer ends a job over its cgroup memory.
            Limits::Cgroup => assert_eq!(outcome, Outcome::Signalled(libc::SIGKILL)),
            // Without writable cgroups the limit is not enforced (and logged): the job runs.
            _ => {
                eprintln!("cgroups not writable here: memory limit NOT enforced");
                assert_eq!(
                    outcome,
                    Outcome::Exited(0),
                    "{:?}",
                    std::fs::read_to_string(err)
                );
            }
        }
    }

    /// The interfaces a job with `network: false` sees through `sandbox`.
    async fn interfaces(sandbox: ProcessSandbox) -> Result<(Vec<String>, String), RunError> {
        let dir = tempfile::tempdir().unwrap();
        let mut s = spec(&["sh", "-c", "cat /proc/net/dev; id -u"]);
        s.network = false;
        let job = start(&sandbox, &s, &[], &place(dir.path()), 1 << 20).await?;
        let text = stdout_of(job).await;
        let lines: Vec<&str> = text.lines().collect();
        let ifaces = lines[2..lines.len() - 1]
            .iter()
            .filter_map(|l| l.split(':').next())
            .map(|i| i.trim().to_string())
            .collect();
        Ok((ifaces, lines[lines.len() - 1].to_string()))
    }

    #[tokio::test]
    async fn without_network_permission_the_job_sees_only_loopback() {
        // SAFETY: plain getter.
        let uid = unsafe { libc::geteuid() }.to_string();
        for sandbox in [
            ProcessSandbox::default(),
            // The path a non-root agent takes: a user namespace mapping its own user.
            ProcessSandbox {
                user_namespace: true,
            },
        ] {
            match interfaces(sandbox).await {
                Ok((ifaces, id)) => {
                    assert_eq!(ifaces, vec!["lo"], "{sandbox:?}");
                    assert_eq!(id, uid, "the job keeps the agent's user id");
                }
                // No user namespaces here (and not root): the job does not run unisolated.
                Err(RunError::Spawn { source, .. }) => {
                    eprintln!("network isolation NOT tested: {source} (user namespaces disabled)");
                    assert_eq!(source.raw_os_error(), Some(libc::EPERM));
                }
                Err(e) => panic!("{e}"),
            }
        }
    }

    #[tokio::test]
    async fn a_job_runs_in_its_own_directory_with_home_and_the_passed_variables() {
        let dir = tempfile::tempdir().unwrap();
        std::env::set_var("TESSERA_TEST_PASSED", "yes");
        std::env::set_var("TESSERA_TEST_KEPT_OUT", "no");
        let pass = JobEnv {
            pass: vec![
                "PATH".into(),
                "TESSERA_TEST_PASSED".into(),
                "UNSET_X".into(),
            ],
        };
        let place = JobPlace::new(dir.path(), &pass).unwrap();
        let s = spec(&[
            "sh",
            "-c",
            "echo $PWD $HOME ${TESSERA_TEST_PASSED:-} ${TESSERA_TEST_KEPT_OUT:-none}; touch made",
        ]);
        let job = start(&ProcessSandbox::default(), &s, &[], &place, 1 << 20)
            .await
            .unwrap();
        let out = stdout_of(job).await;
        let work = dir.path().join("work").canonicalize().unwrap();
        assert_eq!(out, format!("{0} {0} yes none\n", work.display()));
        assert!(
            work.join("made").exists(),
            "files land in the job's directory"
        );
        assert_eq!(
            place
                .env
                .iter()
                .map(|(k, _)| k.as_str())
                .collect::<Vec<_>>(),
            ["PATH", "TESSERA_TEST_PASSED"]
        );
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
