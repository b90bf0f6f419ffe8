//! The `tessera-agent` binary as a provider meets it: without a GPU the benchmark says so and
//! fails, the simulated benchmark is labelled, the worker speaks its protocol, bad configs are
//! named.

use std::process::{Command, Output};

use tessera_agent::gpu::nvml::NvmlBackend;

fn agent(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tessera-agent"))
        .args(args)
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn without_a_gpu_the_benchmark_refuses_and_the_worker_reports_cleanly() {
    if NvmlBackend::new().is_ok() {
        eprintln!("this machine has an NVIDIA driver: the no-GPU paths are NOT tested here");
        return;
    }
    let o = agent(&["benchmark"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("NVML unavailable"), "{}", text(&o));
    assert!(text(&o).contains("--simulated"), "{}", text(&o));
    // The worker never panics on a missing library: it prints a protocol error line.
    let o = agent(&["benchmark-worker"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stdout).starts_with("error loading libcuda"),
        "{}",
        text(&o)
    );
}

#[test]
fn simulated_figures_are_labelled_in_text_and_json() {
    let o = agent(&["benchmark", "--simulated"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("[simulated] GPU 0"));
    let o = agent(&["benchmark", "--simulated", "--json"]);
    let rows: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(rows[0]["source"], "simulated");
    assert_eq!(rows[0]["measured"]["source"], "simulated");
    assert_eq!(rows[0]["peak"]["card"], "H100 SXM");
}

#[test]
fn a_bad_config_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("agent.toml");
    std::fs::write(&path, "node = \"not-a-key\"\n").unwrap();
    let o = agent(&["run", "--config", path.to_str().unwrap()]);
    assert!(!o.status.success());
    let out = text(&o);
    assert!(
        out.contains("node = \"not-a-key\"") && out.contains("is not a base58 public key"),
        "{out}"
    );
    let o = agent(&["status", "--config", "/nonexistent/agent.toml"]);
    assert!(
        text(&o).contains("cannot read /nonexistent/agent.toml"),
        "{}",
        text(&o)
    );
}

/// `tessera-agent <args>` with `RUST_BACKTRACE=1`: exit `code`, says `says`, never panics.
#[track_caller]
fn refused(args: &[&str], code: i32, says: &str) {
    let o = Command::new(env!("CARGO_BIN_EXE_tessera-agent"))
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    let t = text(&o);
    assert_eq!(o.status.code(), Some(code), "{args:?}:\n{t}");
    assert!(t.contains(says), "{args:?} should say `{says}`:\n{t}");
    assert!(
        !t.contains("panicked") && !t.contains("stack backtrace"),
        "{args:?}:\n{t}"
    );
}

#[test]
fn bad_input_is_refused_in_words_without_a_panic_or_backtrace() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).display().to_string();
    let write = |name: &str, text: &str| {
        std::fs::write(dir.path().join(name), text).unwrap();
        p(name)
    };
    let pool = solana_sdk::pubkey::Pubkey::new_unique().to_string();
    refused(&["gpus", "--simulated", "0"], 2, "0 is not in 1..=64");
    refused(
        &["gpus", "--simulated", "4294967295"],
        2,
        "4294967295 is not in 1..=64",
    );
    refused(&["gpus", "--simulated", "many"], 2, "invalid digit");
    refused(&["frobnicate"], 2, "unrecognized subcommand");
    // A fresh config: init, then everything that needs the node says to register first.
    let config = p("agent.toml");
    let key = p("agent.json");
    let init = [
        "init",
        "--config",
        &config,
        "--agent-keypair",
        &key,
        "--data-dir",
        &p("data"),
        "--simulated",
        "2",
    ];
    let o = Command::new(env!("CARGO_BIN_EXE_tessera-agent"))
        .args(init)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    refused(&init, 1, "already exists");
    refused(
        &["init", "--config", &p("x.toml"), "--simulated", "100"],
        2,
        "100 is not in 1..=64",
    );
    refused(
        &["run", "--config", &config],
        1,
        "no `node` yet: run `tessera-agent register`",
    );
    refused(&["status", "--config", &config], 1, "no `node` yet");
    let o = Command::new(env!("CARGO_BIN_EXE_tessera-agent"))
        .args(["status", "--json", "--config", "/nonexistent/agent.toml"])
        .output()
        .unwrap();
    let e: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (o.status.code(), &e["error"]["kind"]),
        (Some(1), &serde_json::json!("input"))
    );
    let register = [
        "register",
        "--config",
        &config,
        "--provider-keypair",
        &key,
        "--pool",
        &pool,
    ];
    for (extra, says) in [
        (&["--price", "abc"][..], "`abc` is not an amount of tokens"),
        (
            &["--price", "1.2.3"][..],
            "`1.2.3` is not an amount of tokens",
        ),
        (&["--price", "2", "--min-lease", "5x"][..], "unknown unit"),
        (&["--price", "2", "--max-lease", "0"][..], "longer than 0"),
    ] {
        refused(&[&register[..], extra].concat(), 2, says);
    }
    refused(
        &[
            "register",
            "--config",
            &config,
            "--provider-keypair",
            &key,
            "--pool",
            "nope",
            "--price",
            "2",
        ],
        2,
        "invalid value 'nope'",
    );
    refused(
        &[
            "register",
            "--config",
            &config,
            "--provider-keypair",
            &p("none.json"),
            "--pool",
            &pool,
            "--price",
            "2",
        ],
        1,
        "cannot read keypair file",
    );
    // Configs in words.
    let node = solana_sdk::pubkey::Pubkey::new_unique();
    let bad = write(
        "sim.toml",
        &format!("node = \"{node}\"\nsimulated_gpus = 100\n"),
    );
    refused(
        &["run", "--config", &bad],
        1,
        "field `simulated_gpus`: 100 is outside 1 ..= 64",
    );
    let bad = write("syntax.toml", "node = \n");
    refused(&["run", "--config", &bad], 1, "syntax.toml");
    let bad = write(
        "unknown.toml",
        &format!("node = \"{node}\"\nperiod = \"5x\"\n"),
    );
    refused(&["run", "--config", &bad], 1, "unknown unit in `5x`");
    let bad = write(
        "short.toml",
        &format!("node = \"{node}\"\nperiod = \"5s\"\n"),
    );
    refused(
        &["run", "--config", &bad],
        1,
        "field `period`: 5 s is outside 1m ..= 7d",
    );
    let bad = write("typo.toml", &format!("node = \"{node}\"\nperod = \"1h\"\n"));
    refused(&["run", "--config", &bad], 1, "unknown field `perod`");
    let open = write("open.json", &std::fs::read_to_string(&key).unwrap());
    let bad = write(
        "open.toml",
        &format!("node = \"{node}\"\nagent_keypair = \"{open}\"\nsimulated_gpus = 1\n"),
    );
    refused(&["run", "--config", &bad], 1, "readable by every user");
}
