//! `claim_redemption`: pays a fulfilled ticket and closes it, returning its rent.

use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};

use crate::error::TesseraError;
use crate::events::RedemptionClaimed;
use crate::instructions::pool::reload_and_check;
use crate::instructions::token::transfer_from_pda;
use crate::state::pool::sub;
use crate::state::{seeds, Pool, Protocol, RedemptionTicket, TicketStatus};

/// Accounts of `claim_redemption`.
#[derive(Accounts)]
pub struct ClaimRedemption<'info> {
    /// The ticket's owner; receives the rent.
    #[account(mut)]
    pub owner: Signer<'info>,
    /// The protocol (settlement mint).
    #[account(seeds = [seeds::PROTOCOL], bump = protocol.bump)]
    pub protocol: Box<Account<'info, Protocol>>,
    /// The pool.
    #[account(mut, seeds = [seeds::POOL, pool.operator.as_ref(), &pool.pool_id.to_le_bytes()], bump = pool.bump)]
    pub pool: Box<Account<'info, Pool>>,
    /// The pool's vault.
    #[account(mut, address = pool.vault @ TesseraError::VaultMismatch)]
    pub vault: Box<Account<'info, TokenAccount>>,
    /// The pool's share mint (read for the supply invariant).
    #[account(address = pool.share_mint @ TesseraError::ShareMintMismatch)]
    pub share_mint: Box<Account<'info, Mint>>,
    /// The fulfilled ticket, closed to the owner.
    #[account(
        mut, close = owner,
        seeds = [seeds::TICKET, pool.key().as_ref(), &ticket.seq.to_le_bytes()], bump = ticket.bump,
        has_one = owner @ TesseraError::NotTicketOwner,
        constraint = ticket.pool == pool.key() @ TesseraError::TicketPoolMismatch,
        constraint = ticket.status == TicketStatus::Fulfilled @ TesseraError::TicketNotFulfilled,
    )]
    pub ticket: Box<Account<'info, RedemptionTicket>>,
    /// Owner's settlement-token account (paid to).
    #[account(mut, constraint = owner_token.mint == protocol.settlement_mint @ TesseraError::SettlementMintMismatch)]
    pub owner_token: Box<Account<'info, TokenAccount>>,
    /// SPL Token.
    pub token_program: Program<'info, Token>,
}

/// Pays the ticket's assets out of `redemptions_owed`.
pub fn handler(ctx: Context<ClaimRedemption>) -> Result<()> {
    let accounts = &mut *ctx.accounts;
    let assets = accounts.ticket.assets;
    let pool = &mut accounts.pool;
    pool.redemptions_owed = sub(pool.redemptions_owed, assets)?;
    let seeds = pool.seeds();
    transfer_from_pda(
        &accounts.token_program,
        &accounts.vault,
        &accounts.owner_token,
        pool.to_account_info(),
        &seeds.as_slices(),
        assets,
    )?;
    let vault_amount = reload_and_check(pool, &mut accounts.vault, &mut accounts.share_mint)?;
    emit!(RedemptionClaimed {
        pool: pool.key(),
        seq: accounts.ticket.seq,
        owner: accounts.owner.key(),
        assets,
        vault_amount,
    });
    Ok(())
}
