//! Bids: posted with escrow, cancelled with a refund, filled only by nodes meeting every
//! minimum, priced at the bid.
#![allow(deprecated)]

use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;
use tessera::error::TesseraError;
use tessera::signed::{message_bytes, BenchmarkAttestation};
use tessera::state::{Lease, NodeSpec};
use tessera_tests::builders::{self, NodeKeys};
use tessera_tests::code;
use tessera_tests::fixture::{model, UNIT};
use tessera_tests::market::{h100_spec, Market};

fn bid_args(bid_id: u64, expires_at: i64) -> tessera::PostBidArgs {
    tessera::PostBidArgs {
        bid_id,
        price_per_gpu_hour: 3 * UNIT / 2,
        gpu_count: 4,
        min_vram_mib: 80_000,
        min_tflops_centi: 90_000,
        gpu_model: model("NVIDIA H100 80GB HBM3"),
        duration_secs: 7_200,
        expires_at,
        job_hash: [5; 32],
    }
}

async fn post(m: &mut Market, args: tessera::PostBidArgs) {
    let renter = m.renter.insecure_clone();
    let ix = builders::post_bid(renter.pubkey(), m.f.settlement_mint, m.renter_token, args);
    m.f.send(&[ix], &[&renter]).await.expect("post_bid");
}

async fn attest(
    m: &mut Market,
    node: solana_sdk::pubkey::Pubkey,
    agent: &Keypair,
    tflops_centi: u32,
) {
    let at = m.f.now().await;
    let msg = message_bytes(&BenchmarkAttestation::new(node, tflops_centi, 3_350, at)).unwrap();
    let ixs = [
        builders::ed25519(agent, &msg),
        builders::attest_benchmark(node, tflops_centi, 3_350, at),
    ];
    m.f.send(&ixs, &[]).await.expect("attest");
}

#[tokio::test]
async fn a_matching_node_fills_the_bid_at_the_bid_price() {
    let mut m = Market::new().await;
    let before = m.f.balance(m.renter_token).await;
    let expires = m.f.now().await + 3_600;
    post(&mut m, bid_args(1, expires)).await;
    // 4 GPUs × 2 h × 1.5 = 12 escrowed.
    assert_eq!(m.f.balance(m.renter_token).await, before - 12 * UNIT);
    let op = m.operator.insecure_clone();
    let ix = builders::accept_bid(&m.n, &m.p, m.renter.pubkey(), 1, 0);
    m.f.send(std::slice::from_ref(&ix), &[&op])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::BidSpecsNotMet));
    let agent = m.agent.insecure_clone();
    let node = m.n.node;
    attest(&mut m, node, &agent, 98_912).await;
    let lease = tessera::seeds::find_lease_address(&m.n.node, 0).0;
    m.f.leases.push(lease);
    m.f.send(&[ix], &[&op]).await.expect("accept");
    let l: Lease = m.f.get(lease).await;
    assert_eq!(
        (l.renter, l.gpu_count, l.price_per_gpu_hour, l.escrow),
        (m.renter.pubkey(), 4, 3 * UNIT / 2, 12 * UNIT)
    );
    assert_eq!(m.f.pool(&m.p).await.escrowed, 12 * UNIT);
    let bid = tessera::seeds::find_bid_address(&m.renter.pubkey(), 1).0;
    assert!(m.f.raw(bid).await.is_none());
    assert!(m
        .f
        .raw(tessera::seeds::find_bid_escrow_address(&bid).0)
        .await
        .is_none());
}

#[tokio::test]
async fn a_node_below_the_minimum_specs_cannot_fill_the_bid() {
    let mut m = Market::new().await;
    let op = m.operator.insecure_clone();
    let small_agent = Keypair::new();
    let spec = NodeSpec {
        gpu_model: model("NVIDIA L4"),
        vram_mib: 23_034,
        ..h100_spec()
    };
    let ix = builders::register_node(op.pubkey(), m.p.pool, 1, spec, small_agent.pubkey());
    m.f.send(&[ix], &[&op]).await.expect("second node");
    let small = NodeKeys::derive(op.pubkey(), 1);
    m.f.nodes.push(small.node);
    attest(&mut m, small.node, &small_agent, 12_100).await;
    let expires = m.f.now().await + 3_600;
    post(&mut m, bid_args(1, expires)).await;
    let ix = builders::accept_bid(&small, &m.p, m.renter.pubkey(), 1, 0);
    m.f.send(&[ix], &[&op])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::BidSpecsNotMet));
}

#[tokio::test]
async fn expired_bids_cannot_be_filled_and_cancelling_refunds_everything() {
    let mut m = Market::new().await;
    let agent = m.agent.insecure_clone();
    let node = m.n.node;
    attest(&mut m, node, &agent, 98_912).await;
    let before = m.f.balance(m.renter_token).await;
    let renter_sol = m.f.raw(m.renter.pubkey()).await.unwrap().lamports;
    let expires = m.f.now().await + 60;
    post(&mut m, bid_args(7, expires)).await;
    m.f.advance(61).await;
    let op = m.operator.insecure_clone();
    let ix = builders::accept_bid(&m.n, &m.p, m.renter.pubkey(), 7, 0);
    m.f.send(&[ix], &[&op])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::BidExpired));
    let mallory = m.f.user().await;
    let mallory_token = m.f.funded_settlement_account(mallory.pubkey(), 0).await;
    let mut ix = builders::cancel_bid(mallory.pubkey(), 7, mallory_token);
    let real_bid = tessera::seeds::find_bid_address(&m.renter.pubkey(), 7).0;
    ix.accounts[2].pubkey = real_bid;
    ix.accounts[3].pubkey = tessera::seeds::find_bid_escrow_address(&real_bid).0;
    m.f.send(&[ix], &[&mallory])
        .await
        .unwrap_err()
        .assert_code(tessera_tests::anchor_code(
            anchor_lang::error::ErrorCode::ConstraintSeeds,
        ));
    let renter = m.renter.insecure_clone();
    let ix = builders::cancel_bid(renter.pubkey(), 7, m.renter_token);
    m.f.send(&[ix], &[&renter]).await.expect("cancel");
    assert_eq!(m.f.balance(m.renter_token).await, before);
    assert_eq!(
        m.f.raw(m.renter.pubkey()).await.unwrap().lamports,
        renter_sol,
        "both rents returned"
    );
}

#[tokio::test]
async fn posting_a_bid_is_refused_while_paused_and_cancelling_is_not() {
    let mut m = Market::new().await;
    let expires = m.f.now().await + 3_600;
    post(&mut m, bid_args(1, expires)).await;
    let auth = m.f.authority.insecure_clone();
    m.f.send(&[builders::set_paused(auth.pubkey(), true)], &[&auth])
        .await
        .expect("pause");
    let renter = m.renter.insecure_clone();
    let ix = builders::post_bid(
        renter.pubkey(),
        m.f.settlement_mint,
        m.renter_token,
        bid_args(2, expires),
    );
    m.f.send(&[ix], &[&renter])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::ProtocolPaused));
    let (ix, _) = m.open_ix(1, 600).await;
    m.f.send(&[ix], &[&renter])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::ProtocolPaused));
    let ix = builders::cancel_bid(renter.pubkey(), 1, m.renter_token);
    m.f.send(&[ix], &[&renter])
        .await
        .expect("cancel while paused");
}

#[tokio::test]
async fn a_bid_is_filled_on_the_terms_it_was_posted_under() {
    let mut m = Market::new().await;
    let posted = tessera_tests::fixture::default_params();
    let expires = m.f.now().await + 3 * 86_400;
    post(&mut m, bid_args(1, expires)).await;
    // Every agreed term changes while the bid waits.
    let mut changed = posted;
    changed.protocol_fee_bps = tessera_tests::fixture::bps(1_000);
    changed.dispute_window_secs = 60;
    changed.grace_secs = 600;
    changed.max_slash_bps = tessera_tests::fixture::bps(100);
    m.f.change_params(changed).await.expect("change the terms");
    let agent = m.agent.insecure_clone();
    let node = m.n.node;
    attest(&mut m, node, &agent, 98_912).await;
    let lease = tessera::seeds::find_lease_address(&m.n.node, 0).0;
    m.f.leases.push(lease);
    let op = m.operator.insecure_clone();
    let ix = builders::accept_bid(&m.n, &m.p, m.renter.pubkey(), 1, 0);
    m.f.send(&[ix], &[&op]).await.expect("accept");
    let l: Lease = m.f.get(lease).await;
    assert_eq!(l.terms, tessera::state::AgreedTerms::from_params(&posted));
    assert_ne!(l.terms, tessera::state::AgreedTerms::from_params(&changed));
}
