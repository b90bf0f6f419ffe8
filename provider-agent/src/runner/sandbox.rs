//! The process sandbox: a command job run directly on the host, in a cgroup
//! with its limits (or under `setrlimit` where cgroups are not writable), in a new network
//! namespace unless the spec allows the host network, with a clean environment.

use std::ffi::CString;

use tokio::process::Command;

use super::cgroup::{self, Cgroups};
use super::{JobRuntime, JobSpec, Limits, Prepared, RunError};

/// The process limit `setrlimit` enforces where cgroups are not writable. Memory has no such
/// fallback: `RLIMIT_AS` caps address space, and CUDA reserves far more of it than it uses, so
/// it would kill every GPU job; the limit is left unenforced and the agent says so.
fn fallback_rlimits(wanted: cgroup::Resources) -> Vec<(libc::__rlimit_resource_t, u64)> {
    wanted
        .pids
        .map(|n| (libc::RLIMIT_NPROC, n))
        .into_iter()
        .collect()
}

/// Runs command jobs as sandboxed host processes.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessSandbox;

impl JobRuntime for ProcessSandbox {
    fn name(&self) -> &'static str {
        "process"
    }

    fn prepare(&self, spec: &JobSpec, gpu_uuids: &[String]) -> Result<Prepared, RunError> {
        let (program, args) = spec.command.split_first().ok_or(RunError::EmptyCommand)?;
        let mut command = Command::new(program);
        command
            .args(args)
            .env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("CUDA_VISIBLE_DEVICES", gpu_uuids.join(","))
            .env("NVIDIA_VISIBLE_DEVICES", gpu_uuids.join(","))
            .envs(&spec.env);
        let wanted = super::resources(spec);
        let cgroups = Cgroups::create(cgroup::unique_name(), wanted);
        let asked = wanted
            .memory
            .or(wanted.pids)
            .or(wanted.cpu_millis)
            .is_some();
        let limits = match (&cgroups, asked) {
            (_, false) => Limits::None,
            (Some(_), true) => Limits::Cgroup,
            (None, true) => Limits::Rlimit,
        };
        let procs: Vec<CString> = cgroups
            .as_ref()
            .map(|c| c.procs.clone())
            .unwrap_or_default();
        let rlimits = match limits {
            Limits::Rlimit => fallback_rlimits(wanted),
            _ => Vec::new(),
        };
        if let (Limits::Rlimit, Some(bytes)) = (limits, wanted.memory) {
            tracing::warn!(
                memory_mib = bytes >> 20,
                "no writable cgroup: the job's memory limit is NOT enforced (RLIMIT_AS would reserve the address space CUDA needs and kill every GPU job); run the agent as root or in a delegated cgroup"
            );
        }
        let isolate = !spec.network;
        // SAFETY: only async-signal-safe libc calls between fork and exec (the paths were built
        // before the fork).
        unsafe {
            command.pre_exec(move || {
                // Writing "0" to cgroup.procs moves the writing process: the job starts inside.
                for path in &procs {
                    let fd = libc::open(path.as_ptr(), libc::O_WRONLY);
                    if fd < 0 || libc::write(fd, b"0".as_ptr().cast(), 1) != 1 {
                        return Err(std::io::Error::last_os_error());
                    }
                    libc::close(fd);
                }
                for (resource, v) in &rlimits {
                    let lim = libc::rlimit {
                        rlim_cur: *v,
                        rlim_max: *v,
                    };
                    if libc::setrlimit(*resource, &lim) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                }
                if isolate && libc::unshare(libc::CLONE_NEWNET) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        Ok(Prepared {
            command,
            limits,
            cgroups,
            stop: None,
            container: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_cgroups_memory_is_never_an_address_space_limit() {
        let wanted = cgroup::Resources {
            memory: Some(512 << 20),
            pids: Some(64),
            cpu_millis: None,
        };
        assert_eq!(fallback_rlimits(wanted), vec![(libc::RLIMIT_NPROC, 64)]);
        assert!(fallback_rlimits(wanted)
            .iter()
            .all(|(r, _)| *r != libc::RLIMIT_AS));
    }
}
