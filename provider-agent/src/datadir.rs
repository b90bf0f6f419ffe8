//! The data directory, held by one daemon at a time: `agent.lock` in it is locked exclusively
//! for as long as the daemon runs and names its process, so a second daemon on the same
//! directory (two copies of every job, foreign-process warnings) is refused in words.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::Path;

/// Why the data directory cannot be taken.
#[derive(Debug, thiserror::Error)]
pub enum DataDirError {
    /// The path exists and is not a directory.
    #[error("data_dir {0} is a file, not a directory: point `data_dir` at a directory")]
    NotADirectory(String),
    /// Another process holds the lock.
    #[error(
        "another tessera-agent ({holder}) is running on data directory {dir}: stop it first, or \
         give this one a data_dir of its own"
    )]
    InUse { dir: String, holder: String },
    /// Creating or locking failed otherwise.
    #[error("cannot use data directory {dir}: {source}")]
    Io {
        dir: String,
        #[source]
        source: std::io::Error,
    },
}

/// Creates `dir` if needed and locks it for this process until the returned file is dropped.
pub fn hold(dir: &Path) -> Result<File, DataDirError> {
    let name = dir.display().to_string();
    if dir.exists() && !dir.is_dir() {
        return Err(DataDirError::NotADirectory(name));
    }
    let io = |source| DataDirError::Io {
        dir: name.clone(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(dir.join("agent.lock"))
        .map_err(io)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = match holder.trim() {
                "" => "a process".to_string(),
                pid => format!("pid {pid}"),
            };
            return Err(DataDirError::InUse { dir: name, holder });
        }
        Err(TryLockError::Error(e)) => return Err(io(e)),
    }
    file.set_len(0).map_err(io)?;
    file.rewind().map_err(io)?;
    write!(file, "{}", std::process::id()).map_err(io)?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_holder_at_a_time_and_the_other_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let held = hold(&data).unwrap();
        let err = hold(&data).unwrap_err().to_string();
        assert!(
            err.contains(&format!(
                "another tessera-agent (pid {})",
                std::process::id()
            )),
            "{err}"
        );
        assert!(err.contains(&data.display().to_string()), "{err}");
        drop(held);
        hold(&data).expect("free again once the holder is gone");
        let file = dir.path().join("file");
        std::fs::write(&file, "x").unwrap();
        let err = hold(&file).unwrap_err().to_string();
        assert!(err.contains("is a file, not a directory"), "{err}");
    }
}
