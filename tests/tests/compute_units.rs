//! The hot path's compute units on the SBF build, each the instruction's outermost total (not
//! the self-CPI its events make), printed beside its enforced budget and the design's target.
//! Every other transaction of the suite is held to the budgets of `tests/src/compute.rs` by the
//! fixture; `scripts/cu-report` prints the whole table. Only an SBF build is metered, so this
//! test is ignored natively and runs with `TESSERA_SBF=1 ... -- --include-ignored`.
#![allow(deprecated)]

use solana_sdk::signer::Signer;
use tessera_tests::builders;
use tessera_tests::compute::{budget, outermost_units, HOT_PATH_TARGETS};
use tessera_tests::fixture::sbf;
use tessera_tests::market::Market;

#[tokio::test]
#[ignore = "needs the SBF build: scripts/build-sbf, then TESSERA_SBF=1"]
async fn hot_path_instructions_stay_within_their_compute_budgets() {
    assert!(
        sbf(),
        "set TESSERA_SBF=1 and SBF_OUT_DIR to scripts/build-sbf's output"
    );
    let mut m = Market::new().await;
    let (open, lease) = m.open_ix(2, 3 * 3_600).await;
    m.f.leases.push(lease);
    let renter = m.renter.insecure_clone();
    let mut measured = Vec::new();
    let mut record = |name: &'static str, logs: Vec<String>| {
        let units = outermost_units(&tessera::ID, &logs);
        assert_eq!(units.len(), 1, "{name}: one top-level Tessera invocation");
        measured.push((name, units[0]));
    };
    record(
        "open_lease",
        m.f.send(&[open], &[&renter]).await.expect("open"),
    );
    m.f.advance(3_600).await;
    record(
        "submit_receipt",
        m.post_receipt(lease, 3_600).await.expect("receipt"),
    );
    m.f.advance(3_600).await;
    record("settle", m.settle(lease).await.expect("settle"));
    let ix = builders::close_lease(renter.pubkey(), &m.n, &m.p, lease, &m.renter_accounts());
    record(
        "close_lease",
        m.f.send(&[ix], &[&renter]).await.expect("close"),
    );
    println!(
        "| instruction | compute units | enforced budget | design target |\n|---|---:|---:|---:|"
    );
    for ((name, units), (target_name, target)) in measured.iter().zip(HOT_PATH_TARGETS) {
        assert_eq!(*name, target_name);
        let budget = budget(name).expect("budget");
        println!("| `{name}` | {units} | {budget} | {target} |");
        if tessera_tests::compute::enforced() {
            assert!(*units <= budget, "{name} used {units} CU, budget {budget}");
            assert!(
                *units <= target,
                "{name} used {units} CU, design target {target}"
            );
        }
    }
    // The outermost total includes the event's self-CPI, so it is always above that alone.
    assert!(measured.iter().all(|(_, units)| *units > 1_000));
}

#[tokio::test]
#[ignore = "needs the SBF build: scripts/build-sbf, then TESSERA_SBF=1"]
async fn settle_stays_within_its_target_however_far_the_revenue_schedule_moves() {
    assert!(
        sbf(),
        "set TESSERA_SBF=1 and SBF_OUT_DIR to scripts/build-sbf's output"
    );
    let mut m = Market::new().await;
    let lease = m.open(1, 10 * 86_400).await;
    let target = HOT_PATH_TARGETS
        .iter()
        .find(|(name, _)| *name == "settle")
        .map(|(_, units)| *units)
        .expect("settle has a target");
    // A step of the default one-day vesting is 3 hours: each settle books revenue k steps
    // after the last one, so the schedule shifts by every amount from one to all nine slots.
    for k in 1..=9 {
        m.f.advance(k * 10_800 - 3_601).await;
        m.post_receipt(lease, 60).await.expect("receipt");
        m.f.advance(3_601).await;
        let logs = m.settle(lease).await.expect("settle");
        let units = outermost_units(&tessera::ID, &logs)[0];
        assert!(
            units <= target,
            "settle after {k} steps used {units} CU, target {target}"
        );
    }
}
