//! `tessera-localnet selfcheck` on the simulated backend, as CI runs it: every line passes on a
//! clean rig, and a process squatting on the leased GPU turns its line to FAIL and the exit
//! code to 1.

use std::process::{Command, Output, Stdio};

fn selfcheck() -> Output {
    Command::new(env!("CARGO_BIN_EXE_tessera-localnet"))
        .args([
            "selfcheck",
            "--simulated",
            "--lease",
            "2m",
            "--clock-speed",
            "12",
        ])
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap()
}

#[test]
fn the_rig_selfcheck_passes_on_a_clean_rig_and_fails_on_a_squatter() {
    let out = selfcheck();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.starts_with("No NVIDIA GPU in use: the labelled simulated backend"),
        "{text}"
    );
    let checks: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("PASS") || l.starts_with("FAIL"))
        .collect();
    assert_eq!(checks.len(), 8, "{text}");
    assert!(checks.iter().all(|l| l.starts_with("PASS  ")), "{text}");
    assert!(
        text.contains("billed 120 GPU-seconds, expected 120"),
        "{text}"
    );
    assert!(
        text.trim_end().ends_with("RESULT: PASS (8 checks)"),
        "{text}"
    );

    // Something else on the simulated GPU the lease gets.
    let mut squatter = Command::new("sleep")
        .arg("120")
        .env("CUDA_VISIBLE_DEVICES", "GPU-SIMULATED-0000")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let out = selfcheck();
    squatter.kill().unwrap();
    squatter.wait().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(1), "{text}{err}");
    assert!(
        text.contains("FAIL  foreign processes on the leased GPU:"),
        "{text}"
    );
    assert!(
        text.contains("RESULT: FAIL (1 of 8 checks failed)"),
        "{text}"
    );
    assert!(err.contains("error: the self-check failed"), "{err}");
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "{err}"
    );
}
