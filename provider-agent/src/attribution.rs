//! Which job a GPU process belongs to. NVML names processes by host pid; the agent maps each
//! pid to a job through `/proc/<pid>/cgroup` (the job's cgroup, or a container's cgroup parent,
//! appears in the path) or, for a job run without a cgroup, through its session (the job's
//! first process calls `setsid`, so its session id is the job's pid). A process on a leased GPU
//! that maps to no job of that lease is foreign: someone else is using the renter's GPU.

use std::path::Path;

/// How a job's processes are recognised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobTag {
    /// A cgroup path component unique to the job.
    pub cgroup: Option<String>,
    /// The job's session id (its first process's pid).
    pub session: Option<i32>,
}

/// Whether process `pid` (as seen under `proc_root`, normally `/proc`) belongs to the job
/// tagged `tag`. A process that has exited belongs to nothing.
pub fn belongs(proc_root: &Path, pid: u32, tag: &JobTag) -> bool {
    let dir = proc_root.join(pid.to_string());
    if let Some(name) = &tag.cgroup {
        let in_cgroup = std::fs::read_to_string(dir.join("cgroup")).is_ok_and(|text| {
            text.lines()
                .filter_map(|line| line.splitn(3, ':').nth(2))
                .any(|path| path.split('/').any(|part| part == name))
        });
        if in_cgroup {
            return true;
        }
    }
    tag.session
        .is_some_and(|sid| session(&dir.join("stat")) == Some(sid))
}

/// The session id field of a `/proc/<pid>/stat` file (the fourth field after the command name,
/// which is parenthesised and may itself contain spaces and parentheses).
fn session(stat: &Path) -> Option<i32> {
    let text = std::fs::read_to_string(stat).ok()?;
    let (_, after) = text.rsplit_once(')')?;
    after.split_whitespace().nth(3)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_proc(pid: u32, cgroup: &str, stat: &str) -> tempfile::TempDir {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join(pid.to_string());
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("cgroup"), cgroup).unwrap();
        std::fs::write(dir.join("stat"), stat).unwrap();
        root
    }

    #[test]
    fn cgroup_v1_v2_and_container_paths_map_to_the_job() {
        let tag = JobTag {
            cgroup: Some("tessera-job-7-1".into()),
            session: None,
        };
        for cgroup in [
            "0::/tessera-job-7-1\n",
            "12:pids:/tessera-job-7-1\n4:memory:/\n",
            "4:memory:/tessera-job-7-1/libpod-fe8a74c3\n",
        ] {
            let root = fake_proc(42, cgroup, "42 (python) S 1 42 42 0");
            assert!(belongs(root.path(), 42, &tag), "{cgroup}");
        }
        // A prefix is not a match: tessera-job-7-10 is another job.
        let root = fake_proc(42, "0::/tessera-job-7-10\n", "42 (x) S 1 42 42 0");
        assert!(!belongs(root.path(), 42, &tag));
        assert!(!belongs(root.path(), 43, &tag), "an exited process");
    }

    #[test]
    fn without_a_cgroup_the_session_decides() {
        let tag = JobTag {
            cgroup: None,
            session: Some(1000),
        };
        // The command name may contain spaces and parentheses.
        let mine = fake_proc(1001, "0::/\n", "1001 (my (odd) job) R 1000 1000 1000 0");
        assert!(belongs(mine.path(), 1001, &tag));
        let other = fake_proc(1001, "0::/\n", "1001 (miner) R 1 999 999 0");
        assert!(!belongs(other.path(), 1001, &tag));
    }

    #[test]
    fn a_real_process_is_found_by_its_session() {
        let me = std::process::id();
        let sid = unsafe { libc::getsid(0) };
        let tag = JobTag {
            cgroup: None,
            session: Some(sid),
        };
        assert!(belongs(Path::new("/proc"), me, &tag));
    }
}
