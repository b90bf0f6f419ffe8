//! Compute-unit budgets of the hot-path instructions. Only an SBF build is metered, so the test
//! is ignored by default (it shows as ignored in every run); `scripts/cu-report` builds the
//! program with Solana's toolchain and runs it with `TESSERA_SBF=1 ... -- --ignored`.
#![allow(deprecated)]

use solana_sdk::signer::Signer;
use tessera_tests::builders;
use tessera_tests::fixture::{compute_units, sbf};
use tessera_tests::market::Market;

/// Budgets we hold the SBF build to.
const BUDGETS: [(&str, u64); 4] = [
    ("open_lease", 40_000),
    ("submit_receipt", 30_000),
    ("settle", 10_000),
    ("close_lease", 40_000),
];

#[tokio::test]
#[ignore = "needs the SBF build: run scripts/cu-report"]
async fn hot_path_instructions_stay_within_their_compute_budgets() {
    assert!(
        sbf(),
        "set TESSERA_SBF=1 and SBF_OUT_DIR (scripts/cu-report does)"
    );
    let mut m = Market::new().await;
    let (open, lease) = m.open_ix(2, 3 * 3_600).await;
    m.f.leases.push(lease);
    let renter = m.renter.insecure_clone();
    let mut measured = Vec::new();
    let logs = m.f.send(&[open], &[&renter]).await.expect("open");
    measured.push(("open_lease", compute_units(&logs)[0]));
    m.f.advance(3_600).await;
    let logs = m.post_receipt(lease, 3_600).await.expect("receipt");
    measured.push(("submit_receipt", compute_units(&logs)[0]));
    m.f.advance(3_600).await;
    let logs = m.settle(lease).await.expect("settle");
    measured.push(("settle", compute_units(&logs)[0]));
    let ix = builders::close_lease(renter.pubkey(), &m.n, &m.p, lease, &m.renter_accounts());
    let logs = m.f.send(&[ix], &[&renter]).await.expect("close");
    measured.push(("close_lease", compute_units(&logs)[0]));
    println!("| instruction | compute units | budget |\n|---|---|---|");
    for ((name, cu), (_, budget)) in measured.iter().zip(BUDGETS) {
        println!("| `{name}` | {cu} | {budget} |");
    }
    for ((name, cu), (_, budget)) in measured.iter().zip(BUDGETS) {
        assert!(*cu <= budget, "{name} used {cu} CU, budget {budget}");
    }
}
