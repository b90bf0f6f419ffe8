//! `resolve_dispute`: the arbiter refunds part of a disputed charge to the lease's escrow,
//! settles the rest, may slash the provider's stake (active first, then unbonding) up to the
//! protocol limit into the treasury, and may end the lease.

use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};

use crate::error::TesseraError;
use crate::events::DisputeResolved;
use crate::instructions::lease::settle_charge;
use crate::instructions::staking::{
    __client_accounts_stake_vaults, __cpi_client_accounts_stake_vaults, StakeVaults,
    StakeVaultsBumps,
};
use crate::instructions::token::transfer_from_pda;
use crate::math::{add, sub, Bps};
use crate::state::{seeds, Lease, LeaseStatus, Node, Pool, Protocol, Provider, StakePosition};

/// Arguments of `resolve_dispute`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResolveDisputeArgs {
    /// Part of the pending charge returned to the lease's escrow (refunded at close).
    pub refund: u64,
    /// Stake to slash (capped at `max_slash_bps` of the provider's active plus unbonding stake).
    pub slash: u64,
    /// End the lease now so it can be closed at once.
    pub terminate: bool,
}

/// Accounts of `resolve_dispute`.
#[derive(Accounts)]
pub struct ResolveDispute<'info> {
    /// The arbiter.
    pub arbiter: Signer<'info>,
    /// The protocol.
    #[account(seeds = [seeds::PROTOCOL], bump = protocol.bump, has_one = arbiter @ TesseraError::NotArbiter)]
    pub protocol: Box<Account<'info, Protocol>>,
    /// The node's provider.
    #[account(mut, seeds = [seeds::PROVIDER, provider.authority.as_ref()], bump = provider.bump)]
    pub provider: Box<Account<'info, Provider>>,
    /// The provider's stake position (slashed).
    #[account(mut, address = provider.stake_position @ TesseraError::StakePositionMismatch)]
    pub position: Box<Account<'info, StakePosition>>,
    /// The leased node.
    #[account(
        mut, seeds = [seeds::NODE, provider.key().as_ref(), &node.node_id.to_le_bytes()], bump = node.bump,
        has_one = provider @ TesseraError::NodeMismatch,
    )]
    pub node: Box<Account<'info, Node>>,
    /// The disputed lease.
    #[account(
        mut, seeds = [seeds::LEASE, node.key().as_ref(), &lease.lease_id.to_le_bytes()], bump = lease.bump,
        has_one = node @ TesseraError::NodeMismatch,
        has_one = pool @ TesseraError::PoolMismatch,
    )]
    pub lease: Box<Account<'info, Lease>>,
    /// The lease's pool.
    #[account(mut, seeds = [seeds::POOL, pool.operator.as_ref(), &pool.pool_id.to_le_bytes()], bump = pool.bump)]
    pub pool: Box<Account<'info, Pool>>,
    /// The stake pool and its vaults.
    pub vaults: StakeVaults<'info>,
    /// The protocol's treasury account (its owner receives slashed stake).
    #[account(address = protocol.treasury @ TesseraError::TreasuryMismatch)]
    pub treasury: Box<Account<'info, TokenAccount>>,
    /// Stake-mint account of the treasury's owner.
    #[account(
        mut,
        constraint = slash_destination.mint == protocol.stake_mint
            && slash_destination.owner == treasury.owner @ TesseraError::SlashDestinationMismatch,
    )]
    pub slash_destination: Box<Account<'info, TokenAccount>>,
    /// SPL Token.
    pub token_program: Program<'info, Token>,
}

/// Resolves the dispute as `args` says.
pub fn handler(ctx: Context<ResolveDispute>, args: ResolveDisputeArgs) -> Result<()> {
    let accounts = &mut *ctx.accounts;
    let lease_key = accounts.lease.key();
    let lease = &mut accounts.lease;
    require!(
        lease.status == LeaseStatus::Disputed,
        TesseraError::LeaseNotDisputed
    );
    require!(
        args.refund <= lease.pending,
        TesseraError::RefundExceedsPending
    );
    let (pending, gpu_seconds) = (lease.pending, lease.pending_gpu_seconds);
    let settled = sub(pending, args.refund)?;
    lease.pending = 0;
    lease.pending_gpu_seconds = 0;
    lease.status = LeaseStatus::Active;
    lease.escrow = add(lease.escrow, args.refund)?;
    let pool = &mut accounts.pool;
    pool.pending = sub(pool.pending, pending)?;
    pool.escrowed = add(pool.escrowed, args.refund)?;
    if settled > 0 {
        let paid_seconds =
            u64::try_from(u128::from(gpu_seconds) * u128::from(settled) / u128::from(pending))
                .map_err(|_| error!(TesseraError::MathOverflow))?;
        settle_charge(
            &accounts.protocol,
            lease,
            lease_key,
            &mut accounts.node,
            &mut accounts.provider,
            pool,
            settled,
            paid_seconds,
        )?;
    }
    if args.terminate {
        let now = Clock::get()?.unix_timestamp;
        lease.end_at = lease.end_at.min(now);
        lease.terminated = true;
    }

    let position = &mut accounts.position;
    let bonded = add(position.amount, position.unbonding_amount)?;
    let cap = Bps::new(accounts.protocol.params.max_slash_bps)
        .ok_or_else(|| error!(TesseraError::SlashLimitTooHigh))?
        .fee_floor(bonded);
    let stake_pool = &mut accounts.vaults.stake_pool;
    let (from_active, from_unbonding) =
        position.slash(args.slash.min(cap), stake_pool.acc_reward_per_share)?;
    let slashed = add(from_active, from_unbonding)?;
    stake_pool.total_staked = sub(stake_pool.total_staked, from_active)?;
    stake_pool.total_unbonding = sub(stake_pool.total_unbonding, from_unbonding)?;
    let provider = &mut accounts.provider;
    provider.slashed_total = add(provider.slashed_total, slashed)?;
    if args.refund > 0 || slashed > 0 {
        provider.disputes_lost = provider.disputes_lost.saturating_add(1);
    }
    if slashed > 0 {
        let seeds = stake_pool.signer_seeds();
        transfer_from_pda(
            &accounts.token_program,
            &accounts.vaults.stake_vault,
            &accounts.slash_destination,
            stake_pool.to_account_info(),
            &seeds,
            slashed,
        )?;
    }
    accounts.vaults.reload_and_check()?;
    emit!(DisputeResolved {
        lease: lease_key,
        refunded: args.refund,
        settled,
        slashed,
        terminated: args.terminate,
    });
    Ok(())
}
