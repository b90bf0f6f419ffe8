//! `claim_redemption`: pays a fulfilled ticket and closes it, returning its rent.

use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};

use crate::error::TesseraError;
use crate::events::RedemptionClaimed;
use crate::instructions::shared::{
    __client_accounts_pool_vault, __cpi_client_accounts_pool_vault, PoolVault, PoolVaultBumps,
};
use crate::state::{seeds, Protocol, RedemptionTicket, TicketStatus};

/// Accounts of `claim_redemption`.
#[event_cpi]
#[derive(Accounts)]
pub struct ClaimRedemption<'info> {
    /// The ticket's owner; receives the rent.
    #[account(mut)]
    pub owner: Signer<'info>,
    /// The protocol (settlement mint).
    #[account(address = seeds::PROTOCOL_ADDRESS @ TesseraError::NotCanonicalAddress)]
    pub protocol: Box<Account<'info, Protocol>>,
    /// The pool with its vault and share mint.
    pub pool_vault: PoolVault<'info>,
    /// The fulfilled ticket, closed to the owner.
    #[account(
        mut, dup, close = owner,
        seeds = [seeds::TICKET, pool_vault.pool.key().as_ref(), &ticket.seq.to_le_bytes()], bump = ticket.bump,
        has_one = owner @ TesseraError::NotTicketOwner,
        constraint = ticket.pool == pool_vault.pool.key() @ TesseraError::TicketPoolMismatch,
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
    accounts.pool_vault.pool.pay_redemption(assets)?;
    accounts
        .pool_vault
        .pay_out(&accounts.token_program, &accounts.owner_token, assets)?;
    let vault_amount = accounts.pool_vault.reload_and_check()?;
    let event = RedemptionClaimed {
        pool: accounts.pool_vault.pool.key(),
        seq: accounts.ticket.seq,
        owner: accounts.owner.key(),
        assets,
        vault_amount,
    };
    crate::events::emit(&ctx.accounts.event_authority, &event)?;
    Ok(())
}
