//! The ledger invariants of DESIGN.md, asserted after every transaction the fixture sends.

use anchor_spl::token::{Mint, TokenAccount};
use std::collections::HashMap;

use solana_sdk::pubkey::Pubkey;
use tessera::math::{cost_of_gpu_seconds, mul_div_floor_wide, REWARD_SCALE};
use tessera::state::{Lease, Node, Pool, RedemptionTicket, StakePool, StakePosition, TicketStatus};

use crate::fixture::Fixture;

/// Asserts every invariant for every pool and the stake pool the fixture knows.
pub async fn assert_all(f: &mut Fixture) {
    for p in f.pools.clone() {
        assert_pool(f, &p).await;
    }
    assert_staking(f).await;
    assert_leases(f).await;
}

/// Leases sum to their pools' `escrowed` and `pending` and to their nodes' allocated GPUs; no
/// lease has charged more than its metered GPU-seconds cost at its price; no node is
/// oversubscribed.
pub async fn assert_leases(f: &mut Fixture) {
    let mut escrowed: HashMap<Pubkey, u64> = HashMap::new();
    let mut pending: HashMap<Pubkey, u64> = HashMap::new();
    let mut gpus: HashMap<Pubkey, u16> = HashMap::new();
    for addr in f.leases.clone() {
        if f.raw(addr).await.is_none() {
            continue;
        }
        let l: Lease = f.get(addr).await;
        *escrowed.entry(l.pool).or_default() += l.escrow;
        *pending.entry(l.pool).or_default() += l.pending;
        *gpus.entry(l.node).or_default() += l.gpu_count;
        let cost = cost_of_gpu_seconds(l.gpu_seconds_billed, l.price_per_gpu_hour);
        assert!(
            u128::from(l.charged_total + l.pending) <= cost,
            "lease {addr} charged above its metered cost"
        );
        let metered =
            u64::try_from(l.last_period_end - l.start_at).unwrap_or(0) * u64::from(l.gpu_count);
        assert!(
            l.gpu_seconds_billed <= metered,
            "lease {addr} billed past its periods"
        );
    }
    if !f.leases.is_empty() {
        for p in f.pools.clone() {
            let pool: Pool = f.get(p.pool).await;
            assert_eq!(
                pool.escrowed,
                escrowed.get(&p.pool).copied().unwrap_or(0),
                "leases' escrow != pool.escrowed"
            );
            assert_eq!(
                pool.pending,
                pending.get(&p.pool).copied().unwrap_or(0),
                "leases' pending != pool.pending"
            );
        }
    }
    for addr in f.nodes.clone() {
        let node: Node = f.get(addr).await;
        assert_eq!(
            node.gpus_allocated,
            gpus.get(&addr).copied().unwrap_or(0),
            "leases' GPUs != node allocation"
        );
        assert!(
            node.gpus_allocated <= node.spec.gpu_count,
            "node {addr} oversubscribed"
        );
    }
}

/// Vault covers the ledger exactly (plus deliberate donations), share supply ≤ total shares,
/// tickets agree with the queue and `redemptions_owed`.
pub async fn assert_pool(f: &mut Fixture, p: &crate::PoolKeys) {
    let Some(_) = f.raw(p.pool).await else { return };
    let pool: Pool = f.get(p.pool).await;
    let vault: TokenAccount = f.get(p.vault).await;
    let mint: Mint = f.get(p.share_mint).await;
    let ledger = pool.ledger_total().expect("ledger overflow");
    let donated = f.donations.get(&p.vault).copied().unwrap_or(0);
    assert_eq!(
        vault.amount,
        ledger + donated,
        "vault != ledger + donations for pool {}: {pool:?}",
        p.pool
    );
    assert!(
        mint.supply <= pool.total_shares,
        "share supply {} > total_shares {}",
        mint.supply,
        pool.total_shares
    );
    assert!(pool.queued_shares <= pool.total_shares);
    assert!(pool.head_ticket_seq <= pool.next_ticket_seq);

    let (mut owed, mut queued) = (0u64, 0u64);
    for seq in 0..pool.next_ticket_seq {
        let addr = tessera::seeds::find_ticket_address(&p.pool, seq).0;
        if f.raw(addr).await.is_none() {
            assert!(seq < pool.head_ticket_seq, "queued ticket {seq} vanished");
            continue;
        }
        let t: RedemptionTicket = f.get(addr).await;
        match t.status {
            TicketStatus::Fulfilled => {
                assert!(seq < pool.head_ticket_seq);
                owed += t.assets;
            }
            TicketStatus::Queued => {
                assert!(seq >= pool.head_ticket_seq);
                queued += t.shares;
            }
        }
    }
    assert_eq!(
        owed, pool.redemptions_owed,
        "fulfilled tickets != redemptions_owed"
    );
    assert_eq!(
        queued, pool.queued_shares,
        "queued tickets != queued_shares"
    );
}

/// Stake vault == staked + unbonding; reward vault ≥ every position's accrued, unclaimed
/// rewards; positions sum to the pool's totals.
pub async fn assert_staking(f: &mut Fixture) {
    let addr = tessera::seeds::find_stake_pool_address().0;
    if f.raw(addr).await.is_none() {
        return;
    }
    let sp: StakePool = f.get(addr).await;
    let stake_vault: TokenAccount = f.get(sp.stake_vault).await;
    let reward_vault: TokenAccount = f.get(sp.reward_vault).await;
    let donated = f.donations.get(&sp.stake_vault).copied().unwrap_or(0);
    assert_eq!(
        stake_vault.amount,
        sp.total_staked + sp.total_unbonding + donated,
        "stake vault != ledger"
    );
    assert!(reward_vault.amount >= sp.rewards_funded - sp.rewards_claimed);

    let (mut staked, mut unbonding, mut accrued) = (0u64, 0u64, 0u128);
    for owner in f.stakers.clone() {
        let pos_addr = tessera::seeds::find_stake_position_address(&owner).0;
        if f.raw(pos_addr).await.is_none() {
            continue;
        }
        let pos: StakePosition = f.get(pos_addr).await;
        staked += pos.amount;
        unbonding += pos.unbonding_amount;
        let entitled = mul_div_floor_wide(pos.amount, sp.acc_reward_per_share, REWARD_SCALE as u64)
            .expect("overflow");
        accrued += entitled - pos.reward_debt + u128::from(pos.unclaimed_rewards);
    }
    if !f.stakers.is_empty() {
        assert_eq!(staked, sp.total_staked, "positions != total_staked");
        assert_eq!(
            unbonding, sp.total_unbonding,
            "positions != total_unbonding"
        );
    }
    assert!(
        accrued <= u128::from(reward_vault.amount),
        "rewards owed {accrued} exceed reward vault {}",
        reward_vault.amount
    );
}
