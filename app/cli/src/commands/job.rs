//! `tessera job hash`: the SHA-256 a lease names a job spec by, computed exactly as the agent
//! computes it, with no cluster needed.

use std::path::PathBuf;

use anyhow::Result;
use clap::Subcommand;
use tessera_client::job::JobSpec;

use crate::output::{BadInput, Report};

/// Job spec commands.
#[derive(Debug, Subcommand)]
pub enum JobCmd {
    /// Print the hash of a job spec file, for `lease open --job-hash` (or pass the file itself
    /// with `--job-spec`). The agent looks the spec up as `<hash>.json` in its job directory.
    Hash {
        /// The job spec (JSON: image, command, env, memory_mib, max_pids, cpu_millis,
        /// max_secs, network).
        spec: PathBuf,
    },
}

/// Runs a job command (offline).
pub fn run(cmd: &JobCmd) -> Result<Report> {
    match cmd {
        JobCmd::Hash { spec } => {
            let job = JobSpec::load(spec).map_err(|e| BadInput(e.to_string()))?;
            let hash = job.hash_hex();
            Ok(Report {
                human: format!(
                    "{hash}\n(the agent looks for it as {hash}.json in its job directory)"
                ),
                json: serde_json::json!({
                    "job_hash": hash,
                    "spec": spec.display().to_string(),
                    "agent_file": format!("{hash}.json"),
                }),
            })
        }
    }
}
