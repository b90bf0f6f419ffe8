//! The process sandbox: a command job run directly on the host, in a cgroup
//! with its limits (or under `setrlimit` where cgroups are not writable), in a new network
//! namespace unless the spec allows the host network, with a clean environment.

use std::ffi::CString;

use tokio::process::Command;

use super::cgroup::{self, Cgroups};
use super::{JobRuntime, JobSpec, Limits, Prepared, RunError};

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
        let (memory, pids) = match limits {
            Limits::Rlimit => (wanted.memory, wanted.pids),
            _ => (None, None),
        };
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
                for (resource, value) in [(libc::RLIMIT_AS, memory), (libc::RLIMIT_NPROC, pids)] {
                    let Some(v) = value else { continue };
                    let lim = libc::rlimit {
                        rlim_cur: v,
                        rlim_max: v,
                    };
                    if libc::setrlimit(resource, &lim) != 0 {
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
