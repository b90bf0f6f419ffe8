//! SECURITY.md rows for the marketplace instructions (receipt rows 13–15 and 21 live in
//! `receipts.rs`, row 17 in `disputes.rs`), each refused with its exact error code.
#![allow(deprecated)]

use anchor_lang::error::ErrorCode as Anchor;
use solana_sdk::account::AccountSharedData;
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;
use tessera::error::TesseraError;
use tessera::state::NodeSpec;
use tessera_tests::builders::{self, NodeKeys};
use tessera_tests::fixture::{default_params, UNIT};
use tessera_tests::market::{h100_spec, Market};
use tessera_tests::{anchor_code, code};

const HOUR: i64 = 3_600;

fn unsigned(mut ix: Instruction, key: Pubkey) -> Instruction {
    for meta in ix.accounts.iter_mut().filter(|m| m.pubkey == key) {
        meta.is_signer = false;
    }
    ix
}

/// A market with a 2-GPU lease one hour in, its receipt pending.
async fn running() -> (Market, Pubkey) {
    let mut m = Market::new().await;
    let lease = m.open(2, 3 * HOUR as u32).await;
    m.f.advance(HOUR).await;
    m.post_receipt(lease, HOUR).await.expect("receipt");
    (m, lease)
}

#[tokio::test]
async fn row01_every_marketplace_role_must_sign() {
    let (mut m, lease) = running().await;
    let (op, renter, arbiter) = (m.operator.pubkey(), m.renter.pubkey(), m.f.arbiter.pubkey());
    let (open, _) = m.open_ix(1, 600).await;
    let bid_args = tessera::PostBidArgs {
        bid_id: 1,
        price_per_gpu_hour: UNIT,
        gpu_count: 1,
        min_vram_mib: 0,
        min_tflops_centi: 0,
        gpu_model: [0; 32],
        duration_secs: 600,
        expires_at: i64::MAX,
        job_hash: [0; 32],
    };
    let resolve = tessera::ResolveDisputeArgs {
        refund: 0,
        slash: 0,
        terminate: false,
    };
    let no_change = tessera::UpdateNodeArgs {
        spec: None,
        status: None,
        agent_key: None,
    };
    let cases = vec![
        ("register_provider", builders::register_provider(op), op),
        (
            "register_node",
            builders::register_node(op, m.p.pool, 1, h100_spec(), op),
            op,
        ),
        ("update_node", builders::update_node(&m.n, no_change), op),
        ("open_lease", open, renter),
        (
            "top_up_lease",
            builders::top_up_lease(
                &m.p,
                lease,
                &builders::RenterAccounts {
                    renter,
                    token: m.renter_token,
                },
                UNIT,
            ),
            renter,
        ),
        ("dispute", builders::dispute(lease, renter), renter),
        (
            "resolve_dispute",
            builders::resolve_dispute(
                arbiter,
                &m.n,
                &m.p,
                lease,
                m.f.treasury,
                m.slash_destination,
                resolve,
            ),
            arbiter,
        ),
        (
            "close_lease",
            builders::close_lease(
                renter,
                &m.n,
                &m.p,
                lease,
                &builders::RenterAccounts {
                    renter,
                    token: m.renter_token,
                },
            ),
            renter,
        ),
        (
            "post_bid",
            builders::post_bid(renter, m.f.settlement_mint, m.renter_token, bid_args),
            renter,
        ),
        (
            "cancel_bid",
            builders::cancel_bid(renter, 1, m.renter_token),
            renter,
        ),
        (
            "accept_bid",
            builders::accept_bid(&m.n, &m.p, renter, 1, 1),
            op,
        ),
        (
            "claim_operator_fees",
            builders::claim_operator_fees(&m.p, m.op_token),
            op,
        ),
    ];
    for (name, ix, key) in cases {
        let err = m.f.send(&[unsigned(ix, key)], &[]).await.expect_err(name);
        assert_eq!(
            err.code,
            Some(anchor_code(Anchor::AccountNotSigner)),
            "{name}: {}",
            err.raw
        );
    }
}

#[tokio::test]
async fn row02_accounts_from_another_pool_node_or_owner_are_refused() {
    let (mut m, lease) = running().await;
    let renter = m.renter.insecure_clone();
    // A second operator's pool: its vault cannot stand in for this node's pool.
    let other_op = m.f.user().await;
    let q = m.f.create_pool(&other_op, 1, 0, 0).await;
    let (mut ix, _) = m.open_ix(1, 600).await;
    ix.accounts[5].pubkey = q.pool;
    ix.accounts[6].pubkey = q.vault;
    ix.accounts[7].pubkey = q.share_mint;
    m.f.send(&[ix], &[&renter])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::PoolMismatch));
    // Someone else's stake position as this provider's collateral.
    let staker = m.f.user().await;
    let stake_token = m.f.token_account(m.f.stake_mint, staker.pubkey()).await;
    m.f.mint_to(m.f.stake_mint, stake_token, 5 * UNIT).await;
    m.f.stakers.push(staker.pubkey());
    m.f.send(
        &[builders::stake(staker.pubkey(), stake_token, 5 * UNIT)],
        &[&staker],
    )
    .await
    .expect("stake");
    let (mut ix, _) = m.open_ix(1, 600).await;
    ix.accounts[3].pubkey = tessera::seeds::find_stake_position_address(&staker.pubkey()).0;
    m.f.send(&[ix], &[&renter])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::StakePositionMismatch));
    // A node in a pool the provider does not operate.
    let op = m.operator.insecure_clone();
    let ix = builders::register_node(op.pubkey(), q.pool, 1, h100_spec(), op.pubkey());
    m.f.send(&[ix], &[&op])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::PoolMismatch));
    // Refund to an account the renter does not own.
    let mallory = m.f.user().await;
    let mallory_token = m.f.funded_settlement_account(mallory.pubkey(), 0).await;
    let ix = builders::close_lease(
        renter.pubkey(),
        &m.n,
        &m.p,
        lease,
        &builders::RenterAccounts {
            renter: renter.pubkey(),
            token: mallory_token,
        },
    );
    m.f.send(&[ix], &[&renter])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::RefundAccountNotRenters));
    // Settling against another pool's ledger.
    let mut ix = builders::settle(&m.n, &m.p, lease);
    ix.accounts[4].pubkey = q.pool;
    m.f.send(&[ix], &[])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::PoolMismatch));
    // A look-alike treasury in resolve_dispute.
    let arbiter = m.f.arbiter.insecure_clone();
    let args = tessera::ResolveDisputeArgs {
        refund: 0,
        slash: 0,
        terminate: false,
    };
    let fake = m.f.funded_settlement_account(arbiter.pubkey(), 0).await;
    let ix = builders::resolve_dispute(
        arbiter.pubkey(),
        &m.n,
        &m.p,
        lease,
        fake,
        m.slash_destination,
        args,
    );
    m.f.send(&[ix], &[&arbiter])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::TreasuryMismatch));
}

#[tokio::test]
async fn row02_another_providers_node_cannot_be_updated() {
    let mut m = Market::new().await;
    let mallory = m.f.user().await;
    let mut n = NodeKeys::derive(mallory.pubkey(), 0);
    n.node = m.n.node;
    let args = tessera::UpdateNodeArgs {
        spec: None,
        status: None,
        agent_key: Some(mallory.pubkey()),
    };
    // Mallory is not a provider at all: her provider PDA does not exist.
    m.f.send(&[builders::update_node(&n, args)], &[&mallory])
        .await
        .unwrap_err()
        .assert_code(anchor_code(Anchor::AccountNotInitialized));
}

#[tokio::test]
async fn row03_a_lease_copied_to_another_address_is_refused() {
    let (mut m, lease) = running().await;
    let real = m.f.raw(lease).await.unwrap();
    let forged = Pubkey::new_unique();
    m.f.ctx.set_account(&forged, &AccountSharedData::from(real));
    m.f.advance(HOUR).await;
    m.settle(forged)
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::NotCanonicalAddress));
    // settle re-derives only the lease's address: copies of the provider, node and pool
    // elsewhere are refused because the canonical lease and node name the originals.
    for (index, original, refused) in [
        (1, m.n.provider, TesseraError::NodeMismatch),
        (2, m.n.node, TesseraError::NodeMismatch),
        (4, m.p.pool, TesseraError::PoolMismatch),
    ] {
        let copy = Pubkey::new_unique();
        let data = m.f.raw(original).await.unwrap();
        m.f.ctx.set_account(&copy, &AccountSharedData::from(data));
        let mut ix = builders::settle(&m.n, &m.p, lease);
        assert_eq!(ix.accounts[index].pubkey, original);
        ix.accounts[index].pubkey = copy;
        m.f.send(&[ix], &[])
            .await
            .unwrap_err()
            .assert_code(code(refused));
    }
}

#[tokio::test]
async fn row04_a_node_passed_as_a_lease_is_refused() {
    let (mut m, _) = running().await;
    m.settle(m.n.node)
        .await
        .unwrap_err()
        .assert_code(anchor_code(Anchor::AccountDiscriminatorMismatch));
}

#[tokio::test]
async fn row05_a_provider_cannot_register_twice() {
    let mut m = Market::new().await;
    let op = m.operator.insecure_clone();
    let err =
        m.f.send(&[builders::register_provider(op.pubkey())], &[&op])
            .await
            .unwrap_err();
    assert_eq!(err.raw, "InstructionError(0, InvalidInstructionData)");
}

#[tokio::test]
async fn row07_the_vault_cannot_receive_its_own_refund() {
    let (mut m, lease) = running().await;
    let renter = m.renter.insecure_clone();
    let ix = builders::close_lease(
        renter.pubkey(),
        &m.n,
        &m.p,
        lease,
        &builders::RenterAccounts {
            renter: renter.pubkey(),
            token: m.p.vault,
        },
    );
    m.f.send(&[ix], &[&renter])
        .await
        .unwrap_err()
        .assert_code(anchor_code(Anchor::ConstraintDuplicateMutableAccount));
}

#[tokio::test]
async fn row08_a_fake_token_program_cannot_take_the_escrow() {
    let mut m = Market::new().await;
    let renter = m.renter.insecure_clone();
    let (mut ix, _) = m.open_ix(1, 600).await;
    ix.accounts[10].pubkey = Keypair::new().pubkey();
    m.f.send(&[ix], &[&renter])
        .await
        .unwrap_err()
        .assert_code(anchor_code(Anchor::InvalidProgramId));
}

#[tokio::test]
async fn row09_u64_max_prices_overflow_cleanly() {
    let mut m = Market::new().await;
    let op = m.operator.insecure_clone();
    let spec = NodeSpec {
        price_per_gpu_hour: u64::MAX,
        ..h100_spec()
    };
    let args = tessera::UpdateNodeArgs {
        spec: Some(spec),
        status: None,
        agent_key: None,
    };
    m.f.send(&[builders::update_node(&m.n, args)], &[&op])
        .await
        .expect("absurd price");
    let renter = m.renter.insecure_clone();
    let (mut ix, _) = m.open_ix(8, 30 * 86_400).await;
    ix.data = anchor_lang::InstructionData::data(&tessera::instruction::OpenLease {
        args: tessera::OpenLeaseArgs {
            gpu_count: 8,
            duration_secs: 30 * 86_400,
            max_price_per_gpu_hour: u64::MAX,
            job_hash: [0; 32],
            job_uri: String::new(),
        },
    });
    m.f.send(&[ix], &[&renter])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::MathOverflow));
}

#[tokio::test]
async fn row16_pause_never_blocks_receipts_settlement_disputes_or_closing() {
    let (mut m, lease) = running().await;
    let auth = m.f.authority.insecure_clone();
    m.f.send(&[builders::set_paused(auth.pubkey(), true)], &[&auth])
        .await
        .expect("pause");
    let renter = m.renter.insecure_clone();
    m.f.send(&[builders::dispute(lease, renter.pubkey())], &[&renter])
        .await
        .expect("dispute while paused");
    let arbiter = m.f.arbiter.insecure_clone();
    let args = tessera::ResolveDisputeArgs {
        refund: 0,
        slash: 0,
        terminate: false,
    };
    let ix = builders::resolve_dispute(
        arbiter.pubkey(),
        &m.n,
        &m.p,
        lease,
        m.f.treasury,
        m.slash_destination,
        args,
    );
    m.f.send(&[ix], &[&arbiter])
        .await
        .expect("resolve while paused");
    m.f.advance(HOUR).await;
    m.post_receipt(lease, HOUR)
        .await
        .expect("receipt while paused");
    m.f.advance(HOUR).await;
    m.settle(lease).await.expect("settle while paused");
    let ix = builders::top_up_lease(
        &m.p,
        lease,
        &builders::RenterAccounts {
            renter: renter.pubkey(),
            token: m.renter_token,
        },
        UNIT,
    );
    m.f.send(&[ix], &[&renter])
        .await
        .expect("top up while paused");
    m.close(&renter, lease).await.expect("close while paused");
    let op = m.operator.insecure_clone();
    m.f.send(&[builders::claim_operator_fees(&m.p, m.op_token)], &[&op])
        .await
        .expect("claim fees while paused");
    m.f.send(&[builders::sweep_protocol_fees(&m.p, m.f.treasury)], &[])
        .await
        .expect("sweep while paused");
    let min = default_params().min_provider_stake;
    m.f.send(&[builders::begin_unstake(op.pubkey(), 2 * min)], &[&op])
        .await
        .expect("unstake after the last lease");
}
