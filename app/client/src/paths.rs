//! Paths people type: a leading `~` is their home directory, in config files and flags alike
//! (a shell expands it only in an unquoted word of its own).

use std::path::{Path, PathBuf};

/// `path` with a leading `~` or `~/` replaced by `$HOME`; any other path (and `~user`) as it
/// is, and as it is when `HOME` is unset.
pub fn expand_home(path: &Path) -> PathBuf {
    let home = || std::env::var_os("HOME").map(PathBuf::from);
    match path.strip_prefix("~") {
        Ok(rest) => match home() {
            Some(home) if rest.as_os_str().is_empty() => home,
            Some(home) => home.join(rest),
            None => path.to_path_buf(),
        },
        Err(_) => path.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_leading_tilde_is_home_and_nothing_else_changes() {
        let home = PathBuf::from(std::env::var_os("HOME").expect("HOME is set in tests"));
        assert_eq!(expand_home(Path::new("~")), home);
        assert_eq!(expand_home(Path::new("~/a/b.json")), home.join("a/b.json"));
        for same in ["/etc/x", "rel/~/x", "~user/x", "x~"] {
            assert_eq!(expand_home(Path::new(same)), PathBuf::from(same));
        }
    }
}
