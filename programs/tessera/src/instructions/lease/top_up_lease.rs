//! `top_up_lease`: the renter adds escrow; the lease end moves out by the time it buys.

use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};

use crate::error::TesseraError;
use crate::events::LeaseToppedUp;
use crate::instructions::shared::{
    __client_accounts_pool_vault, __cpi_client_accounts_pool_vault, PoolVault, PoolVaultBumps,
};
use crate::instructions::token::transfer_from_user;
use crate::math::{add, secs_bought};
use crate::state::{seeds, Lease, LeaseStatus, Protocol};

/// Accounts of `top_up_lease`.
#[event_cpi]
#[derive(Accounts)]
pub struct TopUpLease<'info> {
    /// The renter.
    pub renter: Signer<'info>,
    /// The protocol (settlement mint).
    #[account(address = seeds::PROTOCOL_ADDRESS @ TesseraError::NotCanonicalAddress)]
    pub protocol: Box<Account<'info, Protocol>>,
    /// The lease.
    #[account(
        mut, dup, seeds = [seeds::LEASE, lease.node.as_ref(), &lease.lease_id.to_le_bytes()], bump = lease.bump,
        has_one = renter @ TesseraError::NotRenter,
        constraint = lease.pool == pool_vault.pool.key() @ TesseraError::PoolMismatch,
    )]
    pub lease: Box<Account<'info, Lease>>,
    /// The lease's pool with its vault.
    pub pool_vault: PoolVault<'info>,
    /// Renter's settlement-token account (paid from).
    #[account(mut, constraint = renter_token.mint == protocol.settlement_mint @ TesseraError::SettlementMintMismatch)]
    pub renter_token: Box<Account<'info, TokenAccount>>,
    /// SPL Token.
    pub token_program: Program<'info, Token>,
}

/// Adds `amount` to the escrow and extends the end by the whole seconds it buys at the lease's
/// price; clears any grace period. Allowed while paused: it protects a running job.
pub fn handler(ctx: Context<TopUpLease>, amount: u64) -> Result<()> {
    let accounts = &mut *ctx.accounts;
    let lease = &mut accounts.lease;
    require!(
        lease.status == LeaseStatus::Active,
        TesseraError::LeaseDisputed
    );
    require!(!lease.terminated, TesseraError::LeaseDisputed);
    let secs = secs_bought(amount, lease.gpu_count, lease.price_per_gpu_hour)
        .ok_or_else(|| error!(TesseraError::MathOverflow))?;
    require!(secs > 0, TesseraError::ZeroAmount);
    transfer_from_user(
        &accounts.token_program,
        &accounts.renter_token,
        accounts.pool_vault.vault.to_account_info(),
        &accounts.renter,
        amount,
    )?;
    let old_end_at = lease.end_at;
    lease.end_at = i64::try_from(secs)
        .ok()
        .and_then(|s| old_end_at.checked_add(s))
        .ok_or_else(|| error!(TesseraError::MathOverflow))?;
    lease.escrow = add(lease.escrow, amount)?;
    lease.grace_until = 0;
    accounts.pool_vault.pool.escrow(amount)?;
    accounts.pool_vault.reload_and_check()?;
    lease.invariant()?;
    let event = LeaseToppedUp {
        lease: lease.key(),
        amount,
        old_end_at,
        new_end_at: lease.end_at,
    };
    crate::events::emit(&ctx.accounts.event_authority, &event)?;
    Ok(())
}
