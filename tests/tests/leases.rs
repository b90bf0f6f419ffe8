//! Leases end to end: open, receipts, settlement, fees to operator, stakers and treasury,
//! investors' yield, closing with exact refunds; fractional leases; top-ups, grace and reaping.
#![allow(deprecated)]

use solana_sdk::signer::Signer;
use tessera::error::TesseraError;
use tessera::events::CloseReason;
use tessera::math::{VIRTUAL_ASSETS, VIRTUAL_SHARES};
use tessera::state::{Node, Provider, StakePosition};
use tessera_client::events::TesseraEvent;
use tessera_tests::fixture::{default_params, UNIT};
use tessera_tests::market::{Market, NODE_GPUS};
use tessera_tests::{builders, code};

const HOUR: i64 = 3_600;

#[tokio::test]
async fn full_lifecycle_pays_investors_operator_stakers_and_treasury_exactly() {
    let mut m = Market::new().await;
    let renter_before = m.f.balance(m.renter_token).await;
    // 4 GPUs for 3 hours at 2/GPU-hour: 24 escrowed.
    let lease = m.open(4, 3 * HOUR as u32).await;
    assert_eq!(m.f.balance(m.renter_token).await, renter_before - 24 * UNIT);
    assert_eq!(m.f.pool(&m.p).await.escrowed, 24 * UNIT);
    let pos: StakePosition = m.f.get(m.n.position).await;
    assert_eq!(
        pos.locked_amount,
        default_params().min_provider_stake,
        "collateral locked while leased"
    );

    for hour in 1..=3 {
        m.f.advance(HOUR).await;
        if hour > 1 {
            m.settle(lease).await.expect("settle the previous period");
        }
        m.post_receipt(lease, HOUR).await.expect("receipt");
        let l = m.lease(lease).await;
        assert_eq!(l.pending, 8 * UNIT, "4 GPU-hours at 2");
        m.settle(lease)
            .await
            .unwrap_err()
            .assert_code(code(TesseraError::DisputeWindowOpen));
    }
    m.f.advance(HOUR).await;
    m.settle(lease).await.expect("settle the last period");
    let l = m.lease(lease).await;
    assert_eq!((l.charged_total, l.escrow, l.pending), (24 * UNIT, 0, 0));

    // 24 settled: 5 % protocol (1.2), 10 % operator (2.4), investors 20.4.
    let pool = m.f.pool(&m.p).await;
    assert_eq!(pool.protocol_fees_owed, 1_200_000);
    assert_eq!(pool.operator_owed, 2_400_000);
    assert_eq!(pool.cash, 10_000 * UNIT + 20_400_000);
    assert_eq!(pool.lifetime_revenue, 20_400_000);

    // Investors' redemption value rises by exactly their share once it has vested.
    m.f.advance(2 * 86_400).await;
    let now = m.f.now().await;
    let pool = m.f.pool(&m.p).await;
    let shares = m.f.balance(m.investor.shares).await;
    let expected = (u128::from(shares) * u128::from(10_020_400_000 + VIRTUAL_ASSETS)
        / u128::from(pool.total_shares + VIRTUAL_SHARES)) as u64;
    assert_eq!(pool.assets_for(shares, now).unwrap(), expected);
    assert!(
        expected > 10_020 * UNIT + 390_000,
        "investor gained ~20.4: {expected}"
    );

    // Fees out: operator claims, the sweep splits protocol fees 50/50 stakers/treasury.
    let op = m.operator.insecure_clone();
    m.f.send(&[builders::claim_operator_fees(&m.p, m.op_token)], &[&op])
        .await
        .expect("claim fees");
    assert_eq!(m.f.balance(m.op_token).await, 2_400_000);
    let treasury_before = m.f.balance(m.f.treasury).await;
    let sweep = builders::sweep_protocol_fees(&m.p, m.f.treasury);
    m.f.send(std::slice::from_ref(&sweep), &[])
        .await
        .expect("anyone sweeps");
    m.f.send(&[sweep], &[])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::NothingToSweep));
    assert_eq!(m.f.balance(m.f.treasury).await - treasury_before, 600_000);
    let ix = builders::claim_stake_rewards(op.pubkey(), m.op_token);
    m.f.send(&[ix], &[&op]).await.expect("staker claims");
    assert_eq!(
        m.f.balance(m.op_token).await,
        2_400_000 + 600_000,
        "the only staker gets the stakers' half"
    );

    // The provider closes the ended lease: nothing left to refund, GPUs and collateral freed.
    let rent = m.f.raw(lease).await.unwrap().lamports;
    let renter_sol = m.f.raw(m.renter.pubkey()).await.unwrap().lamports;
    m.close(&op, lease).await.expect("close");
    assert!(m.f.raw(lease).await.is_none());
    assert_eq!(
        m.f.raw(m.renter.pubkey()).await.unwrap().lamports,
        renter_sol + rent,
        "rent back to the renter"
    );
    let node: Node = m.f.get(m.n.node).await;
    assert_eq!(
        (node.gpus_allocated, node.gpu_seconds_served),
        (0, 4 * 3 * 3_600)
    );
    let provider: Provider = m.f.get(m.n.provider).await;
    assert_eq!(
        (
            provider.receipts_settled,
            provider.leases_completed,
            provider.active_leases
        ),
        (3, 1, 0)
    );
    let pos: StakePosition = m.f.get(m.n.position).await;
    assert_eq!(pos.locked_amount, 0);
}

#[tokio::test]
async fn renter_early_close_pays_allocated_time_and_gets_the_rest_back() {
    let mut m = Market::new().await;
    let before = m.f.balance(m.renter_token).await;
    let lease = m.open(2, 2 * HOUR as u32).await; // 8 escrowed
    m.f.advance(HOUR / 2).await;
    let renter = m.renter.insecure_clone();
    m.close(&renter, lease).await.expect("renter closes early");
    // 2 GPUs × 30 min = 1 GPU-hour = 2 charged, settled at once; 6 refunded.
    assert_eq!(m.f.balance(m.renter_token).await, before - 2 * UNIT);
    let pool = m.f.pool(&m.p).await;
    assert_eq!((pool.escrowed, pool.pending), (0, 0));
    assert_eq!(
        pool.protocol_fees_owed + pool.operator_owed + pool.cash - 10_000 * UNIT,
        2 * UNIT
    );
}

#[tokio::test]
async fn two_renters_share_a_node_without_oversubscribing_it() {
    let mut m = Market::new().await;
    let a = m.open(5, HOUR as u32).await;
    let (ix, _) = m.open_ix(4, HOUR as u32).await;
    let renter = m.renter.insecure_clone();
    m.f.send(&[ix], &[&renter])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::NotEnoughFreeGpus));
    // A second renter takes the remaining three.
    let other = m.f.user().await;
    let other_token =
        m.f.funded_settlement_account(other.pubkey(), 100 * UNIT)
            .await;
    let (main_renter, main_token) = (m.renter.insecure_clone(), m.renter_token);
    m.renter = other.insecure_clone();
    m.renter_token = other_token;
    let b = m.open(3, HOUR as u32).await;
    let node: Node = m.f.get(m.n.node).await;
    assert_eq!(node.gpus_allocated, NODE_GPUS);
    let (ix, _) = m.open_ix(1, HOUR as u32).await;
    m.f.send(&[ix], &[&other])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::NotEnoughFreeGpus));
    m.close(&other, b).await.expect("b closes");
    m.renter = main_renter;
    m.renter_token = main_token;
    m.close(&renter, a).await.expect("a closes");
    assert_eq!(m.f.get::<Node>(m.n.node).await.gpus_allocated, 0);
}

#[tokio::test]
async fn open_refuses_offline_nodes_bad_lengths_and_repriced_asks() {
    let mut m = Market::new().await;
    let renter = m.renter.insecure_clone();
    let (ix, _) = m.open_ix(1, 30).await;
    m.f.send(&[ix], &[&renter])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::LeaseLengthOutOfRange));
    m.reprice(3 * UNIT).await;
    let op = m.operator.insecure_clone();
    let (ix, _) = m.open_ix(1, 600).await;
    m.f.send(&[ix], &[&renter])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::PriceAboveMax));
    let args = tessera::UpdateNodeArgs {
        spec: None,
        status: Some(tessera::state::NodeStatus::Offline),
        agent_key: None,
    };
    m.f.send(&[builders::update_node(&m.n, args)], &[&op])
        .await
        .expect("offline");
    let (mut ix, _) = m.open_ix(1, 600).await;
    ix.data = anchor_lang::InstructionData::data(&tessera::instruction::OpenLease {
        args: tessera::OpenLeaseArgs {
            gpu_count: 1,
            duration_secs: 600,
            max_price_per_gpu_hour: 3 * UNIT,
            job_hash: [0; 32],
            job_uri: String::new(),
        },
    });
    m.f.send(&[ix], &[&renter])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::NodeOffline));
}

#[tokio::test]
async fn update_node_cannot_change_hardware_under_a_running_lease() {
    let mut m = Market::new().await;
    m.open(6, HOUR as u32).await;
    let op = m.operator.insecure_clone();
    let mut spec = tessera_tests::market::h100_spec();
    spec.gpu_count = 5;
    let args = tessera::UpdateNodeArgs {
        spec: Some(spec),
        status: None,
        agent_key: None,
    };
    m.f.send(&[builders::update_node(&m.n, args)], &[&op])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::NodeHasActiveLeases));
    let mut spec = tessera_tests::market::h100_spec();
    spec.vram_mib = 40_000;
    let args = tessera::UpdateNodeArgs {
        spec: Some(spec),
        status: None,
        agent_key: None,
    };
    m.f.send(&[builders::update_node(&m.n, args)], &[&op])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::NodeHasActiveLeases));
    let mut spec = tessera_tests::market::h100_spec();
    spec.gpu_count = 10;
    spec.price_per_gpu_hour = UNIT;
    let args = tessera::UpdateNodeArgs {
        spec: Some(spec),
        status: None,
        agent_key: None,
    };
    m.f.send(&[builders::update_node(&m.n, args)], &[&op])
        .await
        .expect("more GPUs and a new price are fine");
}

#[tokio::test]
async fn grace_is_announced_then_anyone_may_reap_for_a_bounty() {
    let mut m = Market::new().await;
    let lease = m.open(1, (HOUR + HOUR / 2) as u32).await; // 3 escrowed
    m.f.advance(HOUR).await;
    m.post_receipt(lease, HOUR).await.expect("receipt");
    let l = m.lease(lease).await;
    assert_eq!(
        l.grace_until,
        l.end_at + i64::from(default_params().grace_secs),
        "half an hour left < one period"
    );

    m.f.advance(HOUR).await; // past the end, within grace
    m.settle(lease).await.expect("settle");
    let reaper = m.f.user().await;
    m.close(&reaper, lease)
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::GraceNotOver));
    m.f.advance(HOUR).await;
    let reaper_sol = m.f.raw(reaper.pubkey()).await.unwrap().lamports;
    let rent = m.f.raw(lease).await.unwrap().lamports;
    let renter_sol = m.f.raw(m.renter.pubkey()).await.unwrap().lamports;
    let renter_usd = m.f.balance(m.renter_token).await;
    m.close(&reaper, lease).await.expect("reap");
    let bounty = tessera::REAP_BOUNTY_LAMPORTS;
    assert_eq!(
        m.f.raw(reaper.pubkey()).await.unwrap().lamports,
        reaper_sol + bounty
    );
    assert_eq!(
        m.f.raw(m.renter.pubkey()).await.unwrap().lamports,
        renter_sol + rent - bounty
    );
    assert_eq!(
        m.f.balance(m.renter_token).await,
        renter_usd + UNIT,
        "the unused half hour is refunded"
    );
}

#[tokio::test]
async fn top_up_extends_the_end_and_clears_grace() {
    let mut m = Market::new().await;
    let lease = m.open(2, HOUR as u32).await;
    m.f.advance(2_400).await;
    m.post_receipt(lease, 2_400).await.expect("receipt");
    assert_ne!(
        m.lease(lease).await.grace_until,
        0,
        "20 minutes left < a 40-minute period"
    );
    let old_end = m.lease(lease).await.end_at;
    let renter = m.renter.insecure_clone();
    // 4 buys one hour of 2 GPUs at 2/GPU-hour.
    let ix = builders::top_up_lease(
        &m.p,
        lease,
        &builders::RenterAccounts {
            renter: renter.pubkey(),
            token: m.renter_token,
        },
        4 * UNIT,
    );
    m.f.send(&[ix], &[&renter]).await.expect("top up");
    let l = m.lease(lease).await;
    assert_eq!((l.end_at, l.grace_until), (old_end + HOUR, 0));
    let provider = m.operator.insecure_clone();
    m.close(&provider, lease)
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::PendingUnsettled));
    m.f.advance(HOUR).await;
    m.settle(lease).await.expect("settle");
    // The provider may cancel before the end: the time since the last receipt is not charged
    // and the whole remaining escrow goes back to the renter.
    let l = m.lease(lease).await;
    let before = m.f.balance(m.renter_token).await;
    m.close(&provider, lease).await.expect("provider cancels");
    assert!(l.escrow > 0);
    assert_eq!(m.f.balance(m.renter_token).await, before + l.escrow);
}

#[tokio::test]
async fn the_nodes_agent_may_cancel_a_lease_it_cannot_serve_and_nobody_else_early() {
    let mut m = Market::new().await;
    let lease = m.open(2, HOUR as u32).await;
    let escrow = m.lease(lease).await.escrow;
    m.f.advance(600).await;
    let stranger = m.f.user().await;
    m.close(&stranger, lease)
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::GraceNotOver));
    let before = m.f.balance(m.renter_token).await;
    let agent = m.agent.insecure_clone();
    m.f.fund(&agent.pubkey(), 1_000_000_000).await;
    let ix = builders::close_lease(agent.pubkey(), &m.n, &m.p, lease, &m.renter_accounts());
    let events =
        m.f.send_with_events(&[ix], &[&agent])
            .await
            .expect("the agent cancels");
    assert!(
        events
            .iter()
            .any(|e| matches!(e, TesseraEvent::LeaseClosed(c)
            if c.reason == CloseReason::Cancelled && c.final_charge == 0 && c.refund == escrow)),
        "{events:?}"
    );
    assert_eq!(
        m.f.balance(m.renter_token).await,
        before + escrow,
        "ten unreceipted minutes are not charged: the whole escrow is refunded"
    );
    assert!(
        m.f.raw(lease).await.is_none(),
        "the lease account is closed"
    );
}
