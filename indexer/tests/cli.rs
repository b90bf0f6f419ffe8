//! The binary's refusals: in words, once, with exit code 1 (2 for a malformed command line).

use std::process::Command;

fn run(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tessera-indexer"))
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn bad_input_is_refused_in_words() {
    let (code, err) = run(&["--rpc", "http://127.0.0.1:1", "--database", "notaurl"]);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(
        err.trim(),
        "error: cannot connect to PostgreSQL at notaurl: invalid connection string: unexpected EOF"
    );
    let (code, err) = run(&[
        "--rpc",
        "http://127.0.0.1:1",
        "--database",
        "postgres://me:secret@127.0.0.1:1/db",
    ]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("at postgres://me:***@127.0.0.1:1/db: error connecting to server"),
        "{err}"
    );
    assert!(
        !err.contains("secret"),
        "the password is not printed: {err}"
    );
    let (code, err) = run(&["--database", "x"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--rpc"), "{err}");
}
