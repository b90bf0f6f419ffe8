//! Container jobs through podman or docker: the engine applies the limits (memory without swap,
//! pids, CPU), network (`none` unless allowed), the leased GPUs (a CDI device per UUID for
//! podman, `--gpus device=…` for docker) and puts the container under `--cgroup-parent` so the
//! agent can attribute its GPU processes. Stopping a job removes the container through the
//! engine.

use std::path::Path;

use tokio::process::Command;

use super::cgroup::{self, Cgroups};
use super::{JobPlace, JobRuntime, JobSpec, Limits, Prepared, RunError};

/// Which engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// podman (daemonless).
    Podman,
    /// docker (needs a running daemon).
    Docker,
}

/// A container engine ready to run image jobs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerEngine {
    /// Which engine.
    pub engine: Engine,
    /// OCI runtime to ask podman for (`runc` where crun fails); `None` for the engine's default.
    pub oci_runtime: Option<String>,
}

/// Processes a container may have when its spec sets no limit.
const DEFAULT_PIDS: u64 = 4_096;

impl ContainerEngine {
    /// The first engine that answers: podman, else docker.
    pub async fn detect() -> Option<Self> {
        match Self::probe("podman").await {
            Some(e) => Some(e),
            None => Self::probe("docker").await,
        }
    }

    /// `podman` if installed (asking for `runc` when crun is absent), or `docker` if its daemon
    /// answers `docker info`; `None` otherwise.
    pub async fn probe(name: &str) -> Option<Self> {
        match name {
            "podman" if answers("podman", &["--version"]).await => Some(Self {
                engine: Engine::Podman,
                oci_runtime: (on_path("runc") && !on_path("crun")).then(|| "runc".into()),
            }),
            "docker" if answers("docker", &["info"]).await => Some(Self {
                engine: Engine::Docker,
                oci_runtime: None,
            }),
            _ => None,
        }
    }

    /// The engine's command name.
    pub fn program(&self) -> &'static str {
        match self.engine {
            Engine::Podman => "podman",
            Engine::Docker => "docker",
        }
    }

    /// The engine's arguments to run `spec` as container `name` on the GPUs `gpu_uuids`.
    pub fn run_args(
        &self,
        spec: &JobSpec,
        image: &str,
        name: &str,
        gpu_uuids: &[String],
    ) -> Vec<String> {
        let mut a: Vec<String> = Vec::new();
        let mut push = |items: &[&str]| a.extend(items.iter().map(|s| s.to_string()));
        if self.engine == Engine::Podman {
            push(&["--cgroup-manager", "cgroupfs"]);
        }
        push(&["run", "--rm", "--name", name]);
        push(&["--cgroup-parent", &format!("/{name}")]);
        if let Some(rt) = &self.oci_runtime {
            push(&["--runtime", rt]);
        }
        push(&["--network", if spec.network { "host" } else { "none" }]);
        if let Some(mib) = spec.memory_mib {
            let m = format!("{mib}m");
            push(&["--memory", &m, "--memory-swap", &m]);
        }
        let pids = spec.max_pids.unwrap_or(DEFAULT_PIDS).to_string();
        push(&["--pids-limit", &pids]);
        if let Some(millis) = spec.cpu_millis {
            push(&[
                "--cpus",
                &format!("{}.{:03}", millis / 1_000, millis % 1_000),
            ]);
        }
        // Rootful podman copies the host's file and process limits into the container, which
        // fails inside some sandboxes; set them explicitly from the agent's own.
        let (soft, hard) = nofile();
        push(&["--ulimit", &format!("nofile={soft}:{hard}")]);
        push(&["--ulimit", &format!("nproc={pids}:{pids}")]);
        if !gpu_uuids.is_empty() {
            match self.engine {
                Engine::Podman => {
                    for uuid in gpu_uuids {
                        push(&["--device", &format!("nvidia.com/gpu={uuid}")]);
                    }
                }
                Engine::Docker => push(&["--gpus", &format!("\"device={}\"", gpu_uuids.join(","))]),
            }
        }
        let visible = gpu_uuids.join(",");
        push(&["-e", &format!("CUDA_VISIBLE_DEVICES={visible}")]);
        push(&["-e", &format!("NVIDIA_VISIBLE_DEVICES={visible}")]);
        for (k, v) in &spec.env {
            push(&["-e", &format!("{k}={v}")]);
        }
        push(&[image]);
        a.extend(spec.command.iter().cloned());
        a
    }
}

impl JobRuntime for ContainerEngine {
    fn name(&self) -> &'static str {
        self.program()
    }

    /// The image's own working directory and environment apply (`place` gives only the logs).
    fn prepare(
        &self,
        spec: &JobSpec,
        gpu_uuids: &[String],
        _place: &JobPlace,
    ) -> Result<Prepared, RunError> {
        let image = spec.image.as_deref().ok_or(RunError::EmptyCommand)?;
        let name = cgroup::unique_name();
        let mut command = Command::new(self.program());
        command.args(self.run_args(spec, image, &name, gpu_uuids));
        Ok(Prepared {
            command,
            limits: if super::resources(spec).any() {
                Limits::Cgroup
            } else {
                Limits::None
            },
            // `rm -f` kills at once (podman would first wait ten seconds after SIGTERM).
            stop: Some(match self.engine {
                Engine::Podman => ["podman", "rm", "-f", "-t", "0", &name]
                    .map(String::from)
                    .to_vec(),
                Engine::Docker => ["docker", "rm", "-f", &name].map(String::from).to_vec(),
            }),
            cgroups: Some(Cgroups::left_by_engine(name)),
            container: true,
        })
    }
}

/// The agent's own open-file limits.
fn nofile() -> (u64, u64) {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we own.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return (1_024, 1_024);
    }
    (lim.rlim_cur, lim.rlim_max)
}

/// Whether `program args` runs and exits 0 within five seconds.
async fn answers(program: &str, args: &[&str]) -> bool {
    let run = Command::new(program)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .status();
    matches!(
        tokio::time::timeout(std::time::Duration::from_secs(5), run).await,
        Ok(Ok(s)) if s.success()
    )
}

/// Whether `program` is an executable file in a `PATH` directory.
fn on_path(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| Path::new(&dir).join(program).is_file())
    })
}
