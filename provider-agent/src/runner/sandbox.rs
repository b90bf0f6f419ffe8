//! The process sandbox: a command job run directly on the host, in a cgroup
//! with its limits (or under `setrlimit` where cgroups are not writable), in a new network
//! namespace unless the spec allows the host network (inside a user namespace when the agent is
//! not root), with a clean environment (the variables
//! agent.toml passes through, `HOME`, the leased GPUs, the spec's own) in its own working
//! directory.

use std::ffi::CString;

use tokio::process::Command;

use super::cgroup::{self, Cgroups};
use super::{JobPlace, JobRuntime, JobSpec, Limits, Prepared, RunError};

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
pub struct ProcessSandbox {
    /// Isolate the network inside a new user namespace even as root (a non-root agent always
    /// does: an unprivileged process may create a network namespace only inside its own user
    /// namespace).
    pub user_namespace: bool,
}

/// What the child writes to enter a user namespace that maps its own user and group, built
/// before the fork (nothing may allocate between fork and exec).
struct IdMaps {
    uid_map: CString,
    gid_map: CString,
}

impl IdMaps {
    fn own() -> Self {
        // SAFETY: plain getters.
        let (uid, gid) = unsafe { (libc::geteuid(), libc::getegid()) };
        Self {
            uid_map: CString::new(format!("{uid} {uid} 1")).unwrap_or_default(),
            gid_map: CString::new(format!("{gid} {gid} 1")).unwrap_or_default(),
        }
    }
}

/// Writes `data` to the file `path` (async-signal-safe: for use between fork and exec).
///
/// # Safety
/// Only between fork and exec, or anywhere a raw `open`/`write` is sound.
unsafe fn write_raw(path: &std::ffi::CStr, data: &[u8]) -> std::io::Result<()> {
    let fd = libc::open(path.as_ptr(), libc::O_WRONLY);
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    let written = libc::write(fd, data.as_ptr().cast(), data.len());
    libc::close(fd);
    if written != data.len() as isize {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// Moves the calling (forked) process into a new network namespace, inside a new user
/// namespace mapping its own ids when `maps` is given.
///
/// # Safety
/// Only between fork and exec.
unsafe fn isolate_network(maps: Option<&IdMaps>) -> std::io::Result<()> {
    let Some(maps) = maps else {
        if libc::unshare(libc::CLONE_NEWNET) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        return Ok(());
    };
    if libc::unshare(libc::CLONE_NEWUSER | libc::CLONE_NEWNET) != 0 {
        return Err(std::io::Error::last_os_error());
    }
    write_raw(c"/proc/self/setgroups", b"deny")?;
    write_raw(c"/proc/self/uid_map", maps.uid_map.as_bytes())?;
    write_raw(c"/proc/self/gid_map", maps.gid_map.as_bytes())
}

impl JobRuntime for ProcessSandbox {
    fn name(&self) -> &'static str {
        "process"
    }

    fn prepare(
        &self,
        spec: &JobSpec,
        gpu_uuids: &[String],
        place: &JobPlace,
    ) -> Result<Prepared, RunError> {
        let (program, args) = spec.command.split_first().ok_or(RunError::EmptyCommand)?;
        let mut command = Command::new(program);
        command
            .args(args)
            .current_dir(&place.work_dir)
            .env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .envs(place.env.iter().map(|(k, v)| (k, v)))
            .env("HOME", &place.work_dir)
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
        // SAFETY: plain getter.
        let as_root = unsafe { libc::geteuid() } == 0;
        let maps = (!as_root || self.user_namespace).then(IdMaps::own);
        // SAFETY: only async-signal-safe libc calls between fork and exec (the paths and maps
        // were built before the fork).
        unsafe {
            command.pre_exec(move || {
                // Writing "0" to cgroup.procs moves the writing process: the job starts inside.
                for path in &procs {
                    write_raw(path, b"0")?;
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
                if isolate {
                    isolate_network(maps.as_ref())?;
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
