//! Reading Solana keypair files (a JSON array of 64 bytes), shared by the CLI and the agent.
//! Files other users can read are refused (a leaked key loses funds); key bytes never appear in
//! errors.

use std::path::Path;

use solana_sdk::signature::Keypair;

/// Why a keypair file was refused.
#[derive(Debug, thiserror::Error)]
pub enum KeypairError {
    /// The file could not be read.
    #[error("cannot read keypair file {path}: {cause}")]
    Read {
        /// File.
        path: String,
        /// Cause (in the message; not a separate source, so it is said once).
        cause: std::io::Error,
    },
    /// Every user may read the file.
    #[error("keypair file {path} is readable by every user; run `chmod 600 {path}`")]
    WorldReadable {
        /// File.
        path: String,
    },
    /// Not a JSON array of 64 bytes forming an ed25519 keypair.
    #[error("keypair file {path} {problem}")]
    Invalid {
        /// File.
        path: String,
        /// What is wrong with it.
        problem: String,
    },
}

/// Reads the keypair at `path`.
pub fn read_keypair(path: &Path) -> Result<Keypair, KeypairError> {
    let p = path.display().to_string();
    let read = |cause| KeypairError::Read {
        path: p.clone(),
        cause,
    };
    let meta = std::fs::metadata(path).map_err(read)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o004 != 0 {
            return Err(KeypairError::WorldReadable { path: p });
        }
    }
    #[cfg(not(unix))]
    let _ = meta;
    let text = std::fs::read_to_string(path).map_err(read)?;
    let invalid = |problem: String| KeypairError::Invalid {
        path: p.clone(),
        problem,
    };
    let bytes: Vec<u8> =
        serde_json::from_str(&text).map_err(|_| invalid("is not a JSON array of bytes".into()))?;
    if bytes.len() != 64 {
        return Err(invalid(format!("holds {} bytes, expected 64", bytes.len())));
    }
    Keypair::try_from(bytes.as_slice())
        .map_err(|_| invalid("is not a valid ed25519 keypair".into()))
}

/// Creates a new keypair at `path` (a Solana CLI keypair file, mode 0600); refuses to replace
/// an existing file.
pub fn write_new_keypair(path: &Path) -> Result<Keypair, KeypairError> {
    let keypair = Keypair::new();
    write_keypair(path, &keypair, false)?;
    Ok(keypair)
}

/// Writes `keypair` to `path` as a Solana CLI keypair file (mode 0600), replacing an existing
/// file only when `replace`.
pub fn write_keypair(path: &Path, keypair: &Keypair, replace: bool) -> Result<(), KeypairError> {
    use std::io::Write;
    let p = path.display().to_string();
    let fail = |cause| KeypairError::Read {
        path: p.clone(),
        cause,
    };
    let json =
        serde_json::to_string(&keypair.to_bytes().to_vec()).map_err(|e| KeypairError::Invalid {
            path: p.clone(),
            problem: e.to_string(),
        })?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    match replace {
        true => options.create(true).truncate(true),
        false => options.create_new(true),
    };
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(fail)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let owner_only = std::fs::Permissions::from_mode(0o600);
        file.set_permissions(owner_only).map_err(fail)?;
    }
    file.write_all(json.as_bytes()).map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;
    use std::path::PathBuf;

    fn write(dir: &Path, name: &str, text: &str, mode: u32) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        path
    }

    #[test]
    fn keypair_files_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let kp = Keypair::new();
        let json = serde_json::to_string(&kp.to_bytes().to_vec()).unwrap();
        let good = write(dir.path(), "id.json", &json, 0o600);
        assert_eq!(read_keypair(&good).unwrap().to_bytes(), kp.to_bytes());
        let open = write(dir.path(), "open.json", &json, 0o644);
        let err = read_keypair(&open).unwrap_err().to_string();
        assert!(err.contains("chmod 600") && !err.contains(&json), "{err}");
        let short = write(dir.path(), "short.json", "[1,2,3]", 0o600);
        assert!(read_keypair(&short)
            .unwrap_err()
            .to_string()
            .contains("3 bytes"));
        let junk = write(dir.path(), "junk.json", "not json", 0o600);
        assert!(read_keypair(&junk)
            .unwrap_err()
            .to_string()
            .contains("JSON array"));
        let missing = read_keypair(&dir.path().join("none.json"))
            .unwrap_err()
            .to_string();
        assert!(missing.contains("none.json"), "{missing}");
    }
}
