//! The demo, in-process and as `tessera-localnet demo --json`.

#[tokio::test]
async fn the_demo_report_matches_the_ledger() {
    let mut progress = Vec::new();
    let r = tessera_localnet::demo::run(&mut progress)
        .await
        .expect("demo");
    let text = String::from_utf8(progress).unwrap();
    assert!(text.contains("[8/8] report"), "{text}");
    assert_eq!(r.gpu_backend, "simulated", "no NVIDIA GPU on CI machines");
    assert!(text.contains("telemetry is simulated"));
    // The rig is what the backend lists: four simulated GPUs, all leased.
    assert_eq!((r.node_gpus, r.lease_gpus), (4, 4));
    assert!(text.contains("node               4 x SIM H100 80GB HBM3 (simulated), 4 leased"));
    assert!(
        text.contains("benchmark [simulated]: bf16 742 TFLOPS (75% of the H100 SXM peak)"),
        "{text}"
    );
    assert_eq!(r.benchmark.source, "simulated");
    // Three 60 s periods of 4 GPUs at 2/GPU-hour: 0.4 in total, rounding carried exactly.
    assert_eq!(
        r.receipts.iter().map(|l| l.gpu_seconds).collect::<Vec<_>>(),
        vec![240, 240, 240]
    );
    // Escrow, charges and refund reconcile, each read separately from the ledger.
    assert_eq!((r.escrow, r.charged), (400_000, 400_000));
    assert_eq!(r.escrow - r.charged, r.refund);
    assert_eq!(r.renter_paid, r.charged);
    assert!(
        text.contains("escrow 0.4 - charges 0.4 = refund 0 tUSD"),
        "{text}"
    );
    assert_eq!(
        r.protocol_fees + r.operator_fees + r.investor_revenue,
        r.charged
    );
    assert_eq!(r.staker_allocation + r.treasury, r.protocol_fees);
    assert!(r.staker_rewards <= r.staker_allocation && r.staker_allocation - r.staker_rewards <= 1);
    // The printed share value is the ledger's NAV per share (virtual offset included), exact
    // to the last printed digit.
    let exact = (u128::from(r.final_nav) + 1_000_000) * 10u128.pow(12)
        / (u128::from(r.total_shares) + 1_000_000);
    assert_eq!(r.share_value.1.replace('.', ""), format!("{exact:013}"));
    assert!(text.contains(&format!("-> {} tUSD", r.share_value.1)));
    assert_eq!(r.share_value.0, "1.000000000000");
    let growth: f64 = r.share_value.1.parse::<f64>().unwrap() - 1.0;
    let apy = growth * 365.0 * 86_400.0 / 180.0;
    assert!(
        (r.annualised_yield - apy).abs() < 1e-6 * apy,
        "{apy} vs {}",
        r.annualised_yield
    );
    // The job really ran: sha256 of 16 MiB of zeros.
    assert!(
        r.job_output
            .starts_with("080acf35a507ac9849cfcba47dc2ad83e01b75663a516279c8b9d243b719643e"),
        "{}",
        r.job_output
    );
}

#[test]
fn the_demo_reports_as_json_with_typed_values() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tessera-localnet"))
        .args(["demo", "--json"])
        .output()
        .expect("run tessera-localnet demo --json");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(j["gpu_backend"], "simulated");
    assert_eq!(j["lease_gpus"], 4);
    assert_eq!(j["escrow"], 400_000);
    assert_eq!(j["receipts"][0]["gpu_seconds"], 240);
    assert!(j["annualised_yield"].as_f64().unwrap() > 0.0);
    assert_eq!(j["benchmark"]["measured"]["source"], "simulated");
}

#[test]
fn a_bad_wallet_address_is_refused_in_words() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tessera-localnet"))
        .args(["--fund", "notakey"])
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("`notakey` is not a base-58 wallet address"),
        "{err}"
    );
}

#[test]
fn port_is_the_rpc_port() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tessera-localnet"))
        .args(["--port", "notaport"])
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("'--rpc-port <RPC_PORT>'"), "{err}");
}
