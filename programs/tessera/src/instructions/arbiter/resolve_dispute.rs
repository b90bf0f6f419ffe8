//! `resolve_dispute`: the arbiter refunds part of a disputed charge to the lease's escrow,
//! settles the rest, may slash the provider's stake (active first, then unbonding) up to the
//! protocol limit into the treasury, and may end the lease.

use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};

use crate::error::TesseraError;
use crate::events::DisputeResolved;
use crate::instructions::shared::{
    __client_accounts_stake_vaults, __cpi_client_accounts_stake_vaults, StakeVaults,
    StakeVaultsBumps,
};
use crate::math::add;
use crate::state::{seeds, Lease, Node, Pool, Protocol, Provider, StakePosition};

/// Arguments of `resolve_dispute`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResolveDisputeArgs {
    /// Part of the pending charge returned to the lease's escrow (refunded at close).
    pub refund: u64,
    /// Stake to slash (capped at the lease's agreed `max_slash_bps` of the provider's active
    /// plus unbonding stake).
    pub slash: u64,
    /// End the lease now so it can be closed at once.
    pub terminate: bool,
}

/// Accounts of `resolve_dispute`.
#[event_cpi]
#[derive(Accounts)]
pub struct ResolveDispute<'info> {
    /// The arbiter.
    pub arbiter: Signer<'info>,
    /// The protocol.
    #[account(address = seeds::PROTOCOL_ADDRESS @ TesseraError::NotCanonicalAddress, has_one = arbiter @ TesseraError::NotArbiter)]
    pub protocol: Box<Account<'info, Protocol>>,
    /// The node's provider.
    #[account(mut, dup, seeds = [seeds::PROVIDER, provider.authority.as_ref()], bump = provider.bump)]
    pub provider: Box<Account<'info, Provider>>,
    /// The provider's stake position (slashed).
    #[account(mut, dup, address = provider.stake_position @ TesseraError::StakePositionMismatch)]
    pub position: Box<Account<'info, StakePosition>>,
    /// The leased node.
    #[account(
        mut, dup, seeds = [seeds::NODE, provider.key().as_ref(), &node.node_id.to_le_bytes()], bump = node.bump,
        has_one = provider @ TesseraError::NodeMismatch,
    )]
    pub node: Box<Account<'info, Node>>,
    /// The disputed lease.
    #[account(
        mut, dup, seeds = [seeds::LEASE, node.key().as_ref(), &lease.lease_id.to_le_bytes()], bump = lease.bump,
        has_one = node @ TesseraError::NodeMismatch,
        has_one = pool @ TesseraError::PoolMismatch,
    )]
    pub lease: Box<Account<'info, Lease>>,
    /// The lease's pool.
    #[account(mut, dup, seeds = [seeds::POOL, pool.operator.as_ref(), &pool.pool_id.to_le_bytes()], bump = pool.bump)]
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
    let now = Clock::get()?.unix_timestamp;
    let resolution = lease.resolve(args.refund, args.terminate.then_some(now))?;
    let pool = &mut accounts.pool;
    pool.release_pending(resolution.pending)?;
    pool.escrow(args.refund)?;
    let mut settled = None;
    if resolution.settled > 0 {
        settled = Some(lease.settle_charge(
            lease_key,
            &mut accounts.node,
            &mut accounts.provider,
            pool,
            resolution.settled,
            resolution.paid_gpu_seconds,
            accounts.protocol.params.revenue_vesting_secs,
            now,
        )?);
    }
    lease.invariant()?;

    let position = &mut accounts.position;
    let cap = lease.terms.max_slash_bps.fee_floor(position.bonded()?);
    let stake_pool = &mut accounts.vaults.stake_pool;
    let (from_active, from_unbonding) =
        position.slash(args.slash.min(cap), stake_pool.acc_reward_per_share)?;
    stake_pool.remove_slashed(from_active, from_unbonding)?;
    let slashed = add(from_active, from_unbonding)?;
    accounts
        .provider
        .dispute_resolved(args.refund > 0 || slashed > 0, slashed)?;
    if slashed > 0 {
        accounts.vaults.pay_out(
            &accounts.token_program,
            &accounts.vaults.stake_vault,
            &accounts.slash_destination,
            slashed,
        )?;
    }
    accounts.vaults.reload_and_check()?;
    let event = DisputeResolved {
        lease: lease_key,
        refunded: args.refund,
        settled: resolution.settled,
        slashed,
        terminated: args.terminate,
    };
    if let Some(settled) = settled {
        crate::events::emit(&ctx.accounts.event_authority, &settled)?;
    }
    crate::events::emit(&ctx.accounts.event_authority, &event)?;
    Ok(())
}
