//! `agent.toml`: every field with a default where one makes sense, validated at start-up with
//! errors that name the field.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

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
    #[serde(default)]
    pub node: Option<String>,
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
    pub metrics_addr: String,
    /// Use the simulated GPU backend (labelled `simulated` everywhere). Testing only.
    #[serde(default)]
    pub simulated_gpus: Option<u32>,
    /// Cap per job log stream, bytes.
    #[serde(default = "default_log_cap")]
    pub log_cap_bytes: u64,
    /// Priority fee, micro-lamports per compute unit (0: none).
    #[serde(default)]
    pub priority_fee_micro_lamports: u64,
    /// Engine for image jobs: `auto` (podman, else docker with a daemon, else none), `podman`,
    /// `docker` or `none` (command jobs only, in the process sandbox).
    #[serde(default = "default_engine")]
    pub container_engine: String,
    /// OCI runtime podman should use (e.g. `runc` where crun fails); default: detected.
    #[serde(default)]
    pub oci_runtime: Option<String>,
}

/// A duration as `"90s"`/`"15m"`/`"2h"`/`"7d"`, or a whole number of seconds.
fn duration<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Secs(u64),
        Text(String),
    }
    match Either::deserialize(d)? {
        Either::Secs(s) => Ok(s),
        Either::Text(t) => tessera_client::units::parse_duration(&t, "duration")
            .map(u64::from)
            .map_err(|e| serde::de::Error::custom(e.0.trim_start_matches("duration: "))),
    }
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
fn default_metrics() -> String {
    "127.0.0.1:9464".into()
}
fn default_engine() -> String {
    "auto".into()
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
        let p = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: p.clone(),
            source,
        })?;
        let cfg: Self = toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: p.clone(),
            message: e.to_string(),
        })?;
        cfg.validate(&p)?;
        Ok(cfg)
    }

    fn validate(&self, path: &str) -> Result<(), ConfigError> {
        let invalid = |field, message: String| ConfigError::Invalid {
            path: path.into(),
            field,
            message,
        };
        if self.node.is_some() {
            self.node_pubkey().map_err(|m| invalid("node", m))?;
        }
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
        let addr = self
            .metrics_socket()
            .map_err(|m| invalid("metrics_addr", m))?;
        if !addr.ip().is_loopback() {
            return Err(invalid(
                "metrics_addr",
                format!("{addr} is not a loopback address"),
            ));
        }
        if !(self.rpc_url.starts_with("http://") || self.rpc_url.starts_with("https://")) {
            return Err(invalid(
                "rpc_url",
                format!("`{}` is not an http(s) URL", self.rpc_url),
            ));
        }
        if !["auto", "podman", "docker", "none"].contains(&self.container_engine.as_str()) {
            return Err(invalid(
                "container_engine",
                format!(
                    "`{}` is not one of auto, podman, docker, none",
                    self.container_engine
                ),
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
        let node = self.node.as_deref().ok_or_else(|| {
            "no `node` yet: run `tessera-agent register` with this config first".to_string()
        })?;
        node.parse()
            .map_err(|_| format!("`{node}` is not a base58 public key"))
    }

    /// The most simulated GPUs a config or flag may ask for.
    pub const MAX_SIMULATED_GPUS: u32 = 64;

    /// The container engine the config asks for, checked to answer (`auto`: whichever does).
    pub async fn engine(&self) -> Result<Option<ContainerEngine>, String> {
        let engine = match self.container_engine.as_str() {
            "none" => None,
            "auto" => ContainerEngine::detect().await,
            want => Some(ContainerEngine::probe(want).await.ok_or_else(|| {
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

    /// The metrics socket address.
    pub fn metrics_socket(&self) -> Result<SocketAddr, String> {
        self.metrics_addr
            .parse()
            .map_err(|_| format!("`{}` is not host:port", self.metrics_addr))
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
            (cfg.period_secs, cfg.metrics_addr.as_str()),
            (3_600, "127.0.0.1:9464")
        );
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
        ] {
            let err = load(&text).unwrap_err().to_string();
            assert!(err.contains(&format!("`{field}`")), "{field}: {err}");
        }
        let err = load(&format!("node = \"{node}\"\nperiod = 5"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("period"), "{err}");
        let err = load("node = ").unwrap_err().to_string();
        assert!(err.contains("agent.toml"), "{err}");
    }
}
