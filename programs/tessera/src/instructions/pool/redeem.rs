//! `redeem`: instant redemption while free cash suffices and nobody is queued ahead.

use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};

use crate::error::TesseraError;
use crate::events::Redeemed;
use crate::instructions::shared::{
    __client_accounts_pool_vault, __cpi_client_accounts_pool_vault, PoolVault, PoolVaultBumps,
};
use crate::instructions::token::burn_from_user;
use crate::state::{seeds, Protocol};

/// Accounts of `redeem`.
#[event_cpi]
#[derive(Accounts)]
pub struct Redeem<'info> {
    /// The investor.
    pub investor: Signer<'info>,
    /// The protocol (settlement mint; redemption is never paused).
    #[account(address = seeds::PROTOCOL_ADDRESS @ TesseraError::NotCanonicalAddress)]
    pub protocol: Box<Account<'info, Protocol>>,
    /// The pool with its vault and share mint.
    pub pool_vault: PoolVault<'info>,
    /// Investor's share account (burned from).
    #[account(mut, constraint = investor_shares.mint == pool_vault.pool.share_mint @ TesseraError::ShareMintMismatch)]
    pub investor_shares: Box<Account<'info, TokenAccount>>,
    /// Investor's settlement-token account (paid to).
    #[account(mut, constraint = investor_token.mint == protocol.settlement_mint @ TesseraError::SettlementMintMismatch)]
    pub investor_token: Box<Account<'info, TokenAccount>>,
    /// SPL Token.
    pub token_program: Program<'info, Token>,
}

/// Burns `shares` and pays at least `min_assets_out` (rounded down) from free cash.
pub fn handler(ctx: Context<Redeem>, shares: u64, min_assets_out: u64) -> Result<()> {
    let accounts = &mut *ctx.accounts;
    require!(shares > 0, TesseraError::ZeroAmount);
    require!(
        accounts.pool_vault.pool.queue_is_empty(),
        TesseraError::QueueNotEmpty
    );
    let now = Clock::get()?.unix_timestamp;
    let assets = accounts.pool_vault.pool.assets_for(shares, now)?;
    require!(assets > 0, TesseraError::ZeroAssets);
    require!(assets >= min_assets_out, TesseraError::SlippageAssets);

    burn_from_user(
        &accounts.token_program,
        accounts.pool_vault.share_mint.to_account_info(),
        accounts.investor_shares.to_account_info(),
        &accounts.investor,
        shares,
    )?;
    accounts.pool_vault.pool.redeem(shares, assets)?;
    accounts
        .pool_vault
        .pay_out(&accounts.token_program, &accounts.investor_token, assets)?;
    let vault_amount = accounts.pool_vault.reload_and_check()?;
    let event = Redeemed {
        pool: accounts.pool_vault.pool.key(),
        investor: accounts.investor.key(),
        shares,
        assets,
        total_shares: accounts.pool_vault.pool.total_shares,
        cash: accounts.pool_vault.pool.cash,
        vault_amount,
        nav: accounts.pool_vault.pool.nav(now)?,
    };
    crate::events::emit(&ctx.accounts.event_authority, &event)?;
    Ok(())
}
