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
    assert!(text(&o).contains("field `node`"), "{}", text(&o));
    let o = agent(&["status", "--config", "/nonexistent/agent.toml"]);
    assert!(
        text(&o).contains("cannot read /nonexistent/agent.toml"),
        "{}",
        text(&o)
    );
}
