//! Provider onboarding: `tessera-agent init` writes a commented `agent.toml` from the
//! repository's `agent.toml.example` and creates the agent key; `register` records the new
//! node's address in that file.

use std::path::{Path, PathBuf};

use solana_sdk::pubkey::Pubkey;
use solana_sdk::signer::Signer;
use tessera_client::keypair::{read_keypair, write_new_keypair, KeypairError};
use tessera_client::units::format_duration;

use crate::config::{AgentConfig, ConfigError};

/// The sample configuration every `init` starts from (`provider-agent/agent.toml.example`).
pub const TEMPLATE: &str = include_str!("../agent.toml.example");

/// What `init` writes.
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// The config file to create.
    pub config: PathBuf,
    /// JSON-RPC endpoint.
    pub rpc_url: String,
    /// The agent keypair file (created when missing).
    pub agent_keypair: PathBuf,
    /// Data directory (outbox, logs); job specs go to its `jobs/`.
    pub data_dir: PathBuf,
    /// A labelled simulated backend with this many GPUs (testing only).
    pub simulated_gpus: Option<u32>,
    /// The node, when already known (provider wallet and node index).
    pub node: Option<Pubkey>,
}

/// What `init` did.
#[derive(Debug, Clone)]
pub struct Initialized {
    /// The agent key's address.
    pub agent: Pubkey,
    /// Whether the key was created now (else an existing one was kept).
    pub key_created: bool,
}

/// Onboarding failures, in words.
#[derive(Debug, thiserror::Error)]
pub enum OnboardingError {
    /// Refusing to overwrite a config.
    #[error("{0} already exists; edit it, or remove it to start over")]
    Exists(String),
    /// The file could not be written or read.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The agent key.
    #[error(transparent)]
    Key(#[from] KeypairError),
    /// The written config does not load (a bad flag value).
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// Writes `opts.config` (never over an existing file) and the agent key (when missing); checks
/// that the result loads.
pub fn init(opts: &InitOptions) -> Result<Initialized, OnboardingError> {
    let shown = opts.config.display().to_string();
    if opts.config.exists() {
        return Err(OnboardingError::Exists(shown));
    }
    let (agent, key_created) = if opts.agent_keypair.exists() {
        (read_keypair(&opts.agent_keypair)?.pubkey(), false)
    } else {
        (write_new_keypair(&opts.agent_keypair)?.pubkey(), true)
    };
    let quoted = |p: &Path| toml_string(&p.display().to_string());
    let mut text = TEMPLATE.to_string();
    text = set_key(&text, "rpc_url", &toml_string(&opts.rpc_url));
    text = set_key(&text, "agent_keypair", &quoted(&opts.agent_keypair));
    text = set_key(&text, "data_dir", &quoted(&opts.data_dir));
    text = set_key(&text, "job_dir", &quoted(&opts.data_dir.join("jobs")));
    if let Some(n) = opts.simulated_gpus {
        text = set_key(&text, "simulated_gpus", &n.to_string());
    }
    if let Some(node) = opts.node {
        text = set_key(&text, "node", &format!("\"{node}\""));
    }
    write(&opts.config, &text)?;
    if let Err(e) = AgentConfig::load(&opts.config) {
        let _ = std::fs::remove_file(&opts.config);
        return Err(e.into());
    }
    Ok(Initialized { agent, key_created })
}

/// `text` as a TOML string, quotes and backslashes escaped.
fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// Sets `node = "<node>"` in the config file at `path`, keeping its comments.
pub fn record_node(path: &Path, node: &Pubkey) -> Result<(), OnboardingError> {
    let text = std::fs::read_to_string(path).map_err(|source| OnboardingError::Write {
        path: path.display().to_string(),
        source,
    })?;
    write(path, &set_key(&text, "node", &format!("\"{node}\"")))
}

/// Sets `period = "<secs>s"` (as [`format_duration`] writes it) in the config file at `path`.
pub fn record_period(path: &Path, secs: u64) -> Result<(), OnboardingError> {
    let text = std::fs::read_to_string(path).map_err(|source| OnboardingError::Write {
        path: path.display().to_string(),
        source,
    })?;
    write(
        path,
        &set_key(&text, "period", &toml_string(&format_duration(secs))),
    )
}

fn write(path: &Path, text: &str) -> Result<(), OnboardingError> {
    let fail = |source| OnboardingError::Write {
        path: path.display().to_string(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    std::fs::write(path, text).map_err(fail)
}

/// `text` with the line `key = …` (or its commented form `# key = …`) set to `key = value`;
/// appended when absent.
pub fn set_key(text: &str, key: &str, value: &str) -> String {
    let line = format!("{key} = {value}");
    let is_key = |l: &str| {
        let l = l.trim_start_matches('#').trim_start();
        l.strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with('='))
    };
    let mut found = false;
    let mut out: Vec<String> = text
        .lines()
        .map(|l| {
            if !found && is_key(l) {
                found = true;
                line.clone()
            } else {
                l.to_string()
            }
        })
        .collect();
    if !found {
        out.push(line);
    }
    out.join("\n") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_writes_a_loadable_commented_config_and_a_private_key_once() {
        let dir = tempfile::tempdir().unwrap();
        let opts = InitOptions {
            config: dir.path().join("etc/agent.toml"),
            rpc_url: "http://127.0.0.1:8899".into(),
            agent_keypair: dir.path().join("etc/agent.json"),
            data_dir: dir.path().join("data"),
            simulated_gpus: Some(2),
            node: None,
        };
        let done = init(&opts).unwrap();
        assert!(done.key_created);
        let text = std::fs::read_to_string(&opts.config).unwrap();
        assert!(text.contains("# The rig's hot key"), "comments kept");
        assert!(
            text.contains("# node = \"<NODE ADDRESS>\""),
            "node left to register"
        );
        let cfg = AgentConfig::load(&opts.config).unwrap();
        assert_eq!((cfg.simulated_gpus, cfg.node), (Some(2), None));
        assert!(cfg
            .node_pubkey()
            .unwrap_err()
            .contains("run `tessera-agent register`"));
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&opts.agent_keypair)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert!(matches!(init(&opts), Err(OnboardingError::Exists(_))));
        let node = Pubkey::new_unique();
        record_node(&opts.config, &node).unwrap();
        let cfg = AgentConfig::load(&opts.config).unwrap();
        assert_eq!(cfg.node_pubkey(), Ok(node));
        record_period(&opts.config, 60).unwrap();
        assert_eq!(AgentConfig::load(&opts.config).unwrap().period_secs, 60);
        // A second init with another config file keeps the existing key.
        let again = InitOptions {
            config: dir.path().join("other.toml"),
            ..opts
        };
        let kept = init(&again).unwrap();
        assert_eq!((kept.key_created, kept.agent), (false, done.agent));
        // A path with a quote and a backslash is written as a TOML string that reads back.
        let odd = InitOptions {
            config: dir.path().join("odd.toml"),
            data_dir: dir.path().join("da\"ta\\x"),
            ..again
        };
        init(&odd).unwrap();
        let cfg = AgentConfig::load(&odd.config).unwrap();
        assert_eq!(cfg.data_dir, odd.data_dir);
    }

    #[test]
    fn set_key_replaces_the_first_match_or_appends() {
        assert_eq!(set_key("a = 1\n# b = 2\n", "b", "3"), "a = 1\nb = 3\n");
        assert_eq!(set_key("ab = 1\n", "a", "2"), "ab = 1\na = 2\n");
    }
}
