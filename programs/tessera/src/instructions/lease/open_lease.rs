//! `open_lease`: a renter takes k of a node's free GPUs at its ask, prepaying the escrow into
//! the node's pool vault.

use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};

use crate::error::TesseraError;
use crate::instructions::lease::start_lease;
use crate::instructions::shared::{
    __client_accounts_pool_vault, __cpi_client_accounts_pool_vault, PoolVault, PoolVaultBumps,
};
use crate::instructions::token::transfer_from_user;
use crate::math::escrow_for;
use crate::state::{
    seeds, AgreedTerms, Lease, LeaseTerms, Node, Protocol, Provider, StakePosition,
};

/// Longest job URI carried in the event.
pub const MAX_JOB_URI_LEN: usize = 200;

/// Arguments of `open_lease`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct OpenLeaseArgs {
    /// GPUs wanted.
    pub gpu_count: u16,
    /// Lease length, seconds.
    pub duration_secs: u32,
    /// Highest price per GPU-hour accepted (the node may have repriced).
    pub max_price_per_gpu_hour: u64,
    /// SHA-256 of the job spec.
    pub job_hash: [u8; 32],
    /// Where the job spec lives (event only).
    pub job_uri: String,
}

/// Accounts of `open_lease`.
#[event_cpi]
#[derive(Accounts)]
pub struct OpenLease<'info> {
    /// The renter; pays the escrow and the lease's rent.
    #[account(mut)]
    pub renter: Signer<'info>,
    /// The protocol (pause switch, minimum stake).
    #[account(address = seeds::PROTOCOL_ADDRESS @ TesseraError::NotCanonicalAddress)]
    pub protocol: Box<Account<'info, Protocol>>,
    /// The node's provider.
    #[account(mut, dup, constraint = provider.is_at(&provider.key()) @ TesseraError::NotCanonicalAddress)]
    pub provider: Box<Account<'info, Provider>>,
    /// The provider's collateral.
    #[account(mut, dup, address = provider.stake_position @ TesseraError::StakePositionMismatch)]
    pub position: Box<Account<'info, StakePosition>>,
    /// The node.
    #[account(
        mut, dup, constraint = node.is_at(&node.key()) @ TesseraError::NotCanonicalAddress,
        has_one = provider @ TesseraError::NodeMismatch,
        constraint = node.pool == pool_vault.pool.key() @ TesseraError::PoolMismatch,
    )]
    pub node: Box<Account<'info, Node>>,
    /// The node's pool with its vault.
    pub pool_vault: PoolVault<'info>,
    /// The new lease, numbered by the node's lease count.
    #[account(
        init, payer = renter, space = 8 + Lease::INIT_SPACE,
        seeds = [seeds::LEASE, node.key().as_ref(), &node.lease_count.to_le_bytes()], bump,
    )]
    pub lease: Box<Account<'info, Lease>>,
    /// Renter's settlement-token account (paid from).
    #[account(mut, constraint = renter_token.mint == protocol.settlement_mint @ TesseraError::SettlementMintMismatch)]
    pub renter_token: Box<Account<'info, TokenAccount>>,
    /// SPL Token.
    pub token_program: Program<'info, Token>,
    /// System program.
    pub system_program: Program<'info, System>,
}

/// Opens the lease at the node's current ask, escrowing `price × gpus × duration` (rounded up).
pub fn handler(ctx: Context<OpenLease>, args: OpenLeaseArgs) -> Result<()> {
    let accounts = &mut *ctx.accounts;
    accounts.protocol.require_not_paused()?;
    require!(
        args.job_uri.len() <= MAX_JOB_URI_LEN,
        TesseraError::JobUriTooLong
    );
    let price = accounts.node.spec.price_per_gpu_hour;
    require!(
        price <= args.max_price_per_gpu_hour,
        TesseraError::PriceAboveMax
    );
    let escrow = escrow_for(args.gpu_count, args.duration_secs, price)
        .ok_or_else(|| error!(TesseraError::MathOverflow))?;
    require!(escrow > 0, TesseraError::ZeroAmount);
    transfer_from_user(
        &accounts.token_program,
        &accounts.renter_token,
        accounts.pool_vault.vault.to_account_info(),
        &accounts.renter,
        escrow,
    )?;
    let terms = LeaseTerms {
        renter: accounts.renter.key(),
        gpu_count: args.gpu_count,
        duration_secs: args.duration_secs,
        price_per_gpu_hour: price,
        escrow,
        job_hash: args.job_hash,
        job_uri: args.job_uri,
        agreed: AgreedTerms::from_params(&accounts.protocol.params),
    };
    let opened = start_lease(
        &mut accounts.lease,
        ctx.bumps.lease,
        terms,
        &mut accounts.provider,
        &mut accounts.position,
        &mut accounts.node,
        &mut accounts.pool_vault,
    )?;
    crate::events::emit(&ctx.accounts.event_authority, &opened)?;
    Ok(())
}
