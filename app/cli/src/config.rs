//! Where the CLI connects and who signs: flags, then the Solana CLI config file
//! (`~/.config/solana/cli/config.yml`), then defaults; keypair files with a permission check.

use std::path::{Path, PathBuf};

use tessera_client::paths::expand_home;

use anyhow::{Context, Result};
use serde::Deserialize;
use solana_sdk::signature::Keypair;

/// The fields of the Solana CLI config the CLI uses.
#[derive(Debug, Default, Deserialize)]
struct SolanaConfig {
    json_rpc_url: Option<String>,
    keypair_path: Option<PathBuf>,
}

/// Resolved connection settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// JSON-RPC endpoint.
    pub url: String,
    /// Signer keypair file.
    pub keypair_path: PathBuf,
}

/// The Solana CLI's config file, `~/.config/solana/cli/config.yml`.
pub fn default_config_path() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config/solana/cli/config.yml"))
}

/// Expands the Solana CLI's cluster monikers.
pub fn resolve_url(url: &str) -> String {
    match url {
        "m" | "mainnet-beta" => "https://api.mainnet-beta.solana.com".into(),
        "d" | "devnet" => "https://api.devnet.solana.com".into(),
        "t" | "testnet" => "https://api.testnet.solana.com".into(),
        "l" | "localhost" => "http://127.0.0.1:8899".into(),
        other => other.into(),
    }
}

/// Flags win over the config file, which wins over defaults (localhost and
/// `~/.config/solana/id.json`). A config file given explicitly must exist and parse.
pub fn load(config: Option<&Path>, url: Option<&str>, keypair: Option<&Path>) -> Result<Settings> {
    let file = match config {
        Some(path) => Some(read_config(&expand_home(path))?),
        None => match default_config_path() {
            Some(path) if path.exists() => Some(read_config(&path)?),
            _ => None,
        },
    }
    .unwrap_or_default();
    let url = url
        .map(str::to_string)
        .or(file.json_rpc_url)
        .unwrap_or_else(|| "localhost".into());
    let keypair_path = keypair
        .map(Path::to_path_buf)
        .or(file.keypair_path)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config/solana/id.json"))
        })
        .context("no keypair: pass --keypair or set keypair_path in the Solana CLI config")?;
    Ok(Settings {
        url: resolve_url(&url),
        keypair_path: expand_home(&keypair_path),
    })
}

fn read_config(path: &Path) -> Result<SolanaConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    serde_yaml::from_str(&text)
        .with_context(|| format!("config file {} is not valid YAML", path.display()))
}

/// Reads a Solana keypair file (refusing world-readable ones); see
/// [`tessera_client::keypair::read_keypair`].
pub fn read_keypair(path: &Path) -> Result<Keypair> {
    Ok(tessera_client::keypair::read_keypair(path)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;

    fn write(dir: &Path, name: &str, text: &str, mode: u32) -> PathBuf {
        let path = dir.join(name);
        std::fs::File::create(&path)
            .and_then(|mut f| f.write_all(text.as_bytes()))
            .unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        path
    }

    #[test]
    fn flags_override_the_config_file_which_overrides_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = write(
            dir.path(),
            "config.yml",
            "json_rpc_url: devnet\nkeypair_path: /k/id.json\n",
            0o600,
        );
        let s = load(Some(&cfg), None, None).unwrap();
        assert_eq!(
            s,
            Settings {
                url: "https://api.devnet.solana.com".into(),
                keypair_path: "/k/id.json".into()
            }
        );
        let s = load(
            Some(&cfg),
            Some("http://x:1"),
            Some(Path::new("/other.json")),
        )
        .unwrap();
        assert_eq!(
            (s.url.as_str(), s.keypair_path.to_str()),
            ("http://x:1", Some("/other.json"))
        );
    }

    #[test]
    fn a_tilde_in_the_config_file_or_a_flag_is_home() {
        let home = PathBuf::from(std::env::var_os("HOME").unwrap());
        let dir = tempfile::tempdir().unwrap();
        let cfg = write(
            dir.path(),
            "config.yml",
            "keypair_path: ~/k/id.json
",
            0o600,
        );
        let s = load(Some(&cfg), None, None).unwrap();
        assert_eq!(s.keypair_path, home.join("k/id.json"));
        let s = load(Some(&cfg), None, Some(Path::new("~/other.json"))).unwrap();
        assert_eq!(s.keypair_path, home.join("other.json"));
    }

    #[test]
    fn a_broken_config_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = write(dir.path(), "config.yml", "json_rpc_url: [unclosed\n", 0o600);
        let err = load(Some(&cfg), None, None).unwrap_err().to_string();
        assert!(err.contains("config.yml") && err.contains("YAML"), "{err}");
        let err = load(Some(&dir.path().join("missing.yml")), None, None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("missing.yml"), "{err}");
    }
}
