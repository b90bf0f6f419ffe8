//! `accept_bid`: a provider fills a bid with a node meeting every minimum; the bid's escrow
//! moves into the node's pool vault and a lease opens at the bid's price.

use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};

use crate::error::TesseraError;
use crate::events::BidAccepted;
use crate::instructions::bid::close_escrow;
use crate::instructions::lease::start_lease;
use crate::instructions::shared::{
    __client_accounts_pool_vault, __cpi_client_accounts_pool_vault, PoolVault, PoolVaultBumps,
};
use crate::instructions::token::transfer_from_pda;
use crate::state::{seeds, Bid, Lease, LeaseTerms, Node, Protocol, Provider, StakePosition};

/// Accounts of `accept_bid`.
#[event_cpi]
#[derive(Accounts)]
pub struct AcceptBid<'info> {
    /// The provider's wallet; pays the lease's rent and receives the bid's.
    #[account(mut)]
    pub authority: Signer<'info>,
    /// The protocol (pause switch, minimum stake).
    #[account(address = seeds::PROTOCOL_ADDRESS @ TesseraError::NotCanonicalAddress)]
    pub protocol: Box<Account<'info, Protocol>>,
    /// The provider.
    #[account(
        mut, dup, seeds = [seeds::PROVIDER, authority.key().as_ref()], bump = provider.bump,
        has_one = authority @ TesseraError::NotProviderAuthority,
    )]
    pub provider: Box<Account<'info, Provider>>,
    /// The provider's collateral.
    #[account(mut, dup, address = provider.stake_position @ TesseraError::StakePositionMismatch)]
    pub position: Box<Account<'info, StakePosition>>,
    /// The node filling the bid.
    #[account(
        mut, dup, seeds = [seeds::NODE, provider.key().as_ref(), &node.node_id.to_le_bytes()], bump = node.bump,
        has_one = provider @ TesseraError::NodeMismatch,
        constraint = node.pool == pool_vault.pool.key() @ TesseraError::PoolMismatch,
    )]
    pub node: Box<Account<'info, Node>>,
    /// The node's pool with its vault.
    pub pool_vault: PoolVault<'info>,
    /// The bid, closed to the provider (whose wallet pays the lease's rent).
    #[account(
        mut, dup, close = authority,
        seeds = [seeds::BID, bid.renter.as_ref(), &bid.bid_id.to_le_bytes()], bump = bid.bump,
        has_one = renter @ TesseraError::NotRenter,
    )]
    pub bid: Box<Account<'info, Bid>>,
    /// The bid's escrow, emptied into the vault and closed to the renter.
    #[account(mut, seeds = [seeds::BID_ESCROW, bid.key().as_ref()], bump = bid.escrow_bump)]
    pub bid_escrow: Box<Account<'info, TokenAccount>>,
    /// The renter's wallet (receives the escrow account's rent).
    #[account(mut)]
    pub renter: SystemAccount<'info>,
    /// The new lease.
    #[account(
        init, payer = authority, space = 8 + Lease::INIT_SPACE,
        seeds = [seeds::LEASE, node.key().as_ref(), &node.lease_count.to_le_bytes()], bump,
    )]
    pub lease: Box<Account<'info, Lease>>,
    /// SPL Token.
    pub token_program: Program<'info, Token>,
    /// System program.
    pub system_program: Program<'info, System>,
}

/// Fills the bid with the node.
pub fn handler(ctx: Context<AcceptBid>) -> Result<()> {
    let accounts = &mut *ctx.accounts;
    accounts.protocol.require_not_paused()?;
    let bid = &accounts.bid;
    require!(
        Clock::get()?.unix_timestamp < bid.expires_at,
        TesseraError::BidExpired
    );
    let node = &accounts.node;
    let any_model = bid.gpu_model == [0; 32];
    require!(
        node.spec.vram_mib >= bid.min_vram_mib
            && node.tflops_centi >= bid.min_tflops_centi
            && (any_model || node.spec.gpu_model == bid.gpu_model),
        TesseraError::BidSpecsNotMet
    );
    let seeds = bid.seeds();
    transfer_from_pda(
        &accounts.token_program,
        &accounts.bid_escrow,
        &accounts.pool_vault.vault,
        bid.to_account_info(),
        &seeds.as_slices(),
        bid.escrow_amount,
    )?;
    close_escrow(
        &accounts.token_program,
        &accounts.bid_escrow,
        bid,
        accounts.renter.to_account_info(),
    )?;
    let terms = LeaseTerms {
        renter: bid.renter,
        gpu_count: bid.gpu_count,
        duration_secs: bid.duration_secs,
        price_per_gpu_hour: bid.price_per_gpu_hour,
        escrow: bid.escrow_amount,
        job_hash: bid.job_hash,
        job_uri: String::new(),
        agreed: bid.terms,
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
    let accepted = BidAccepted {
        bid: accounts.bid.key(),
        lease: accounts.lease.key(),
        node: accounts.node.key(),
    };
    crate::events::emit(&ctx.accounts.event_authority, &opened)?;
    crate::events::emit(&ctx.accounts.event_authority, &accepted)?;
    Ok(())
}
