//! `agent.toml`: every field with a default where one makes sense, validated at start-up with
//! errors that name the field.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use tessera_client::paths::expand_home;

use serde::Deserialize;
use solana_sdk::pubkey::Pubkey;

use crate::runner::container::ContainerEngine;

/// The agent's configuration.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AgentConfig {
    /// JSON-RPC endpoint (default: localhost).
    #[serde(default = "default_rpc")]
    pub rpc_url: String,
    /// The node this agent runs (address); `tessera-agent register` fills it in.
    #[serde(default, deserialize_with = "pubkey")]
    pub node: Option<Pubkey>,
    /// The rig's agent keypair file (signs receipts, pays fees).
    #[serde(default = "default_keypair")]
    pub agent_keypair: PathBuf,
    /// Receipt period (match the protocol's dispute window): `period = "1h"` (a duration, as
    /// everywhere) or `period_secs = 3600`.
    #[serde(
        default = "default_period",
        rename = "period",
        alias = "period_secs",
        deserialize_with = "duration"
    )]
    pub period_secs: u64,
    /// Time between loop iterations: `tick = "15s"` or `tick_secs = 15`.
    #[serde(
        default = "default_tick",
        rename = "tick",
        alias = "tick_secs",
        deserialize_with = "duration"
    )]
    pub tick_secs: u64,
    /// Where the outbox, sample logs and job logs live.
    #[serde(default = "default_data_dir")]
    pub data_dir: PathBuf,
    /// Where job specs are found, named `<sha256 hex>.json`.
    #[serde(default = "default_job_dir")]
    pub job_dir: PathBuf,
    /// Loopback address of `/metrics` and `/healthz`.
    #[serde(default = "default_metrics")]
    pub metrics_addr: SocketAddr,
    /// Use the simulated GPU backend (labelled `simulated` everywhere). Testing only.
    #[serde(default)]
    pub simulated_gpus: Option<u32>,
    /// Cap per job log stream, bytes.
    #[serde(default = "default_log_cap")]
    pub log_cap_bytes: u64,
    /// Priority fee, micro-lamports per compute unit (0: none).
    #[serde(default)]
    pub priority_fee_micro_lamports: u64,
    /// Engine for image jobs.
    #[serde(default)]
    pub container_engine: EngineChoice,
    /// OCI runtime podman should use (e.g. `runc` where crun fails); default: detected.
    #[serde(default)]
    pub oci_runtime: Option<String>,
    /// How long after a lease starts its job spec may arrive in `job_dir` before the lease is
    /// cancelled (nothing is billed before the job starts): `job_wait = "10m"`.
    #[serde(
        default = "default_job_wait",
        rename = "job_wait",
        deserialize_with = "duration"
    )]
    pub job_wait_secs: u64,
    /// Variables command jobs take from the agent's environment (then the spec's `env`).
    #[serde(default = "default_job_env")]
    pub job_env: Vec<String>,
}

/// Which engine runs image jobs.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum EngineChoice {
    /// Podman, else docker with a running daemon, else none.
    #[default]
    Auto,
    /// Podman.
    Podman,
    /// Docker (its daemon must answer).
    Docker,
    /// No engine: command jobs only, in the process sandbox.
    None,
}

/// A base58 public key.
fn pubkey<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Pubkey>, D::Error> {
    let text = String::deserialize(d)?;
    text.parse()
        .map(Some)
        .map_err(|_| serde::de::Error::custom(format!("`{text}` is not a base58 public key")))
}

/// A duration as `"90s"`/`"15m"`/`"2h"`/`"7d"`, or a whole number of seconds; anything else
/// is refused saying what was found and what is expected.
fn duration<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    struct Duration;
    impl serde::de::Visitor<'_> for Duration {
        type Value = u64;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a duration like \"15s\", \"30m\" or \"1h\", or a whole number of seconds")
        }

        fn visit_u64<E: serde::de::Error>(self, secs: u64) -> Result<u64, E> {
            Ok(secs)
        }

        fn visit_i64<E: serde::de::Error>(self, secs: i64) -> Result<u64, E> {
            u64::try_from(secs)
                .map_err(|_| E::invalid_value(serde::de::Unexpected::Signed(secs), &self))
        }

        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<u64, E> {
            tessera_client::units::parse_duration(text, "duration")
                .map(u64::from)
                .map_err(|e| E::custom(e.0.trim_start_matches("duration: ")))
        }
    }
    d.deserialize_any(Duration)
}

fn default_rpc() -> String {
    "http://127.0.0.1:8899".into()
}
fn default_keypair() -> PathBuf {
    PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".config/solana/agent.json")
}
fn default_period() -> u64 {
    3_600
}
fn default_tick() -> u64 {
    15
}
fn default_data_dir() -> PathBuf {
    PathBuf::from("/var/lib/tessera-agent")
}
fn default_job_dir() -> PathBuf {
    PathBuf::from("/var/lib/tessera-agent/jobs")
}
fn default_metrics() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 9464))
}
fn default_job_wait() -> u64 {
    600
}
fn default_job_env() -> Vec<String> {
    vec!["PATH".into()]
}
fn default_log_cap() -> u64 {
    16 << 20
}

/// A configuration problem, naming the field.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// File.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// TOML syntax or an unknown/mistyped field.
    #[error("{path}: {message}")]
    Parse {
        /// File.
        path: String,
        /// The parser's message (names the field and line).
        message: String,
    },
    /// A field's value is out of range.
    #[error("{path}: field `{field}`: {message}")]
    Invalid {
        /// File.
        path: String,
        /// Field.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
}

impl AgentConfig {
    /// Reads and validates `path`.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let path = expand_home(path);
        let p = path.display().to_string();
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
            path: p.clone(),
            source,
        })?;
        let mut cfg: Self = toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: p.clone(),
            message: e.to_string(),
        })?;
        for dir in [&mut cfg.agent_keypair, &mut cfg.data_dir, &mut cfg.job_dir] {
            *dir = expand_home(dir);
        }
        cfg.validate(&p)?;
        Ok(cfg)
    }

    fn validate(&self, path: &str) -> Result<(), ConfigError> {
        let invalid = |field, message: String| ConfigError::Invalid {
            path: path.into(),
            field,
            message,
        };
        if !(60..=7 * 86_400).contains(&self.period_secs) {
            return Err(invalid(
                "period",
                format!("{} s is outside 1m ..= 7d", self.period_secs),
            ));
        }
        if !(1..=3_600).contains(&self.tick_secs) {
            return Err(invalid(
                "tick",
                format!("{} s is outside 1s ..= 1h", self.tick_secs),
            ));
        }
        if !self.metrics_addr.ip().is_loopback() {
            return Err(invalid(
                "metrics_addr",
                format!("{} is not a loopback address", self.metrics_addr),
            ));
        }
        if let Some(bad) = self
            .job_env
            .iter()
            .find(|k| k.is_empty() || k.contains(['=', '\0']))
        {
            return Err(invalid(
                "job_env",
                format!("`{bad}` is not a variable name"),
            ));
        }
        if !(self.rpc_url.starts_with("http://") || self.rpc_url.starts_with("https://")) {
            return Err(invalid(
                "rpc_url",
                format!("`{}` is not an http(s) URL", self.rpc_url),
            ));
        }
        if let Some(n) = self.simulated_gpus {
            if !(1..=Self::MAX_SIMULATED_GPUS).contains(&n) {
                return Err(invalid(
                    "simulated_gpus",
                    format!("{n} is outside 1 ..= {}", Self::MAX_SIMULATED_GPUS),
                ));
            }
        }
        Ok(())
    }

    /// The node address; an error in words while the config has none yet.
    pub fn node_pubkey(&self) -> Result<Pubkey, String> {
        self.node.ok_or_else(|| {
            "no `node` yet: run `tessera-agent register` with this config first".to_string()
        })
    }

    /// The most simulated GPUs a config or flag may ask for.
    pub const MAX_SIMULATED_GPUS: u32 = 64;

    /// The container engine the config asks for, checked to answer (`auto`: whichever does).
    pub async fn engine(&self) -> Result<Option<ContainerEngine>, String> {
        let want = match self.container_engine {
            EngineChoice::None => return Ok(None),
            EngineChoice::Auto => None,
            EngineChoice::Podman => Some("podman"),
            EngineChoice::Docker => Some("docker"),
        };
        let engine = match want {
            None => ContainerEngine::detect().await,
            Some(want) => Some(ContainerEngine::probe(want).await.ok_or_else(|| {
                format!(
                    "container_engine `{want}` does not answer (docker: is its daemon running?)"
                )
            })?),
        };
        Ok(engine.map(|mut e| {
            if self.oci_runtime.is_some() {
                e.oci_runtime = self.oci_runtime.clone();
            }
            e
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<AgentConfig, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("agent.toml");
        std::fs::write(&path, text).unwrap();
        AgentConfig::load(&path)
    }

    #[test]
    fn defaults_fill_in_and_errors_name_the_field() {
        let node = Pubkey::new_unique();
        let cfg = load(&format!("node = \"{node}\"\n")).unwrap();
        let err = load(&format!("node = \"{node}\"\nperiod = \"2x\"\n"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("period = \"2x\"") && err.contains("unknown unit"),
            "{err}"
        );
        let hourly = load(&format!(
            "node = \"{node}\"\nperiod = \"2h\"\ntick = \"30s\"\n"
        ))
        .unwrap();
        assert_eq!((hourly.period_secs, hourly.tick_secs), (7_200, 30));
        assert_eq!(
            (cfg.period_secs, cfg.metrics_addr.to_string().as_str()),
            (3_600, "127.0.0.1:9464")
        );
        assert_eq!(
            (cfg.node, cfg.container_engine, cfg.job_wait_secs),
            (Some(node), EngineChoice::Auto, 600)
        );
        assert_eq!(cfg.job_env, ["PATH"]);
        for (text, field) in [
            ("node = \"nope\"".to_string(), "node"),
            (format!("node = \"{node}\"\nperiod_secs = 5"), "period"),
            (
                format!("node = \"{node}\"\nmetrics_addr = \"0.0.0.0:9464\""),
                "metrics_addr",
            ),
            (
                format!("node = \"{node}\"\ncontainer_engine = \"lxc\""),
                "container_engine",
            ),
            (
                format!("node = \"{node}\"\nrpc_url = \"ftp://x\""),
                "rpc_url",
            ),
            (format!("node = \"{node}\"\njob_env = [\"A=B\"]"), "job_env"),
            (
                format!("node = \"{node}\"\nmetrics_addr = \"localhost\""),
                "metrics_addr",
            ),
        ] {
            // Field checks say `field`; the parser's own errors quote the offending line.
            let err = load(&text).unwrap_err().to_string();
            assert!(
                err.contains(&format!("`{field}`")) || err.contains(&format!("{field} = ")),
                "{field}: {err}"
            );
        }
        let err = load("node = \"nope\"").unwrap_err().to_string();
        assert!(err.contains("`nope` is not a base58 public key"), "{err}");
        let err = load("container_engine = \"lxc\"").unwrap_err().to_string();
        assert!(
            err.contains("expected one of `auto`, `podman`, `docker`, `none`"),
            "{err}"
        );
        let err = load(&format!("node = \"{node}\"\nperiod = 5"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("period"), "{err}");
        let err = load("node = ").unwrap_err().to_string();
        assert!(err.contains("agent.toml"), "{err}");
        let err = load("tick = true").unwrap_err().to_string();
        assert!(
            err.contains("invalid type: boolean `true`, expected a duration like \"15s\""),
            "{err}"
        );
    }

    #[test]
    fn a_tilde_in_a_path_is_home() {
        let home = PathBuf::from(std::env::var_os("HOME").unwrap());
        let cfg = load("agent_keypair = \"~/k.json\"\ndata_dir = \"~/tessera\"\njob_dir = \"~\"\n")
            .unwrap();
        assert_eq!(
            (cfg.agent_keypair, cfg.data_dir, cfg.job_dir),
            (home.join("k.json"), home.join("tessera"), home)
        );
    }
}
