//! The job specification a lease names by hash: renters hash it (`tessera job hash`), the
//! agent finds it by that hash and runs it.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// A job specification; its SHA-256 (of the canonical JSON) is the lease's `job_hash`. The
/// default is what a spec file with only a `command` means: no image, no limits, no network.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobSpec {
    /// Container image; when set the job runs in podman or docker, else as a sandboxed process.
    #[serde(default)]
    pub image: Option<String>,
    /// Program and arguments (for an image: the command run in it; empty for its default).
    #[serde(default)]
    pub command: Vec<String>,
    /// Extra environment.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Memory limit, MiB.
    #[serde(default)]
    pub memory_mib: Option<u64>,
    /// Most processes the job may have.
    #[serde(default)]
    pub max_pids: Option<u64>,
    /// CPU limit, thousandths of a core (1500 = one and a half cores).
    #[serde(default)]
    pub cpu_millis: Option<u64>,
    /// Wall-clock limit, seconds.
    #[serde(default)]
    pub max_secs: Option<u64>,
    /// Whether the job may use the host network.
    #[serde(default)]
    pub network: bool,
}

/// Why a job spec file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum JobSpecError {
    /// The file could not be read.
    #[error("cannot read the job spec {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a job spec.
    #[error("{path} is not a job spec: {reason} (fields: image, command, env, memory_mib, max_pids, cpu_millis, max_secs, network)")]
    Invalid {
        /// The file.
        path: String,
        /// The parser's words, with line and column.
        reason: String,
    },
    /// The spec runs nothing.
    #[error("{path}: a job spec needs a `command` or an `image`")]
    Empty {
        /// The file.
        path: String,
    },
}

impl JobSpec {
    /// Reads and checks a job spec file (JSON).
    pub fn load(path: &Path) -> Result<Self, JobSpecError> {
        let shown = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| JobSpecError::Read {
            path: shown.clone(),
            source,
        })?;
        let spec: Self = serde_json::from_slice(&bytes).map_err(|e| JobSpecError::Invalid {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
        if spec.command.is_empty() && spec.image.is_none() {
            return Err(JobSpecError::Empty { path: shown });
        }
        Ok(spec)
    }

    /// SHA-256 of the canonical JSON encoding (fields in declaration order, env sorted): the
    /// same bytes whatever the file's layout, so renter and agent agree on the hash.
    pub fn hash(&self) -> [u8; 32] {
        use solana_sdk::hash::hashv;
        hashv(&[&serde_json::to_vec(self).unwrap_or_default()]).to_bytes()
    }

    /// [`Self::hash`] as 64 lowercase hex characters.
    pub fn hash_hex(&self) -> String {
        hex(&self.hash())
    }

    /// The file name the agent finds this spec under: [`file_name`] of its hash.
    pub fn file_name(&self) -> String {
        file_name(&self.hash())
    }
}

/// A job hash as 64 lowercase hex characters.
pub fn hex(job_hash: &[u8; 32]) -> String {
    job_hash.iter().map(|b| format!("{b:02x}")).collect()
}

/// `<hash hex>.json`: where in its job directory the agent looks for a lease's spec.
pub fn file_name(job_hash: &[u8; 32]) -> String {
    format!("{}.json", hex(job_hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_ignores_layout_and_bad_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.json");
        let b = dir.path().join("b.json");
        std::fs::write(
            &a,
            r#"{"command": ["python3", "train.py"], "memory_mib": 512}"#,
        )
        .unwrap();
        std::fs::write(
            &b,
            "{\n  \"memory_mib\": 512,\n  \"command\": [\"python3\", \"train.py\"]\n}",
        )
        .unwrap();
        let (a, b) = (JobSpec::load(&a).unwrap(), JobSpec::load(&b).unwrap());
        assert_eq!(a.hash(), b.hash());
        assert_eq!(a.hash_hex().len(), 64);
        // SHA-256 of the canonical JSON, checked against an independent computation.
        let canonical = serde_json::to_vec(&a).unwrap();
        assert_eq!(a.hash(), solana_sdk::hash::hash(&canonical).to_bytes());
        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, r#"{"comand": ["x"]}"#).unwrap();
        let e = JobSpec::load(&bad).unwrap_err().to_string();
        assert!(
            e.contains("unknown field `comand`") && e.contains("line 1"),
            "{e}"
        );
        std::fs::write(&bad, "{}").unwrap();
        assert!(JobSpec::load(&bad)
            .unwrap_err()
            .to_string()
            .contains("needs a `command`"));
        assert!(JobSpec::load(&dir.path().join("none.json"))
            .unwrap_err()
            .to_string()
            .starts_with("cannot read the job spec"));
    }
}
