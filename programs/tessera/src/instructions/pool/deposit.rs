//! `deposit`: an investor adds settlement tokens and receives shares at the current price.

use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};

use crate::error::TesseraError;
use crate::events::Deposited;
use crate::instructions::shared::{
    __client_accounts_pool_vault, __cpi_client_accounts_pool_vault, PoolVault, PoolVaultBumps,
};
use crate::instructions::token::{mint_by_pda, transfer_from_user};
use crate::state::{seeds, Protocol};

/// Accounts of `deposit`.
#[event_cpi]
#[derive(Accounts)]
pub struct Deposit<'info> {
    /// The investor.
    pub investor: Signer<'info>,
    /// The protocol (pause switch, settlement mint).
    #[account(address = seeds::PROTOCOL_ADDRESS @ TesseraError::NotCanonicalAddress)]
    pub protocol: Box<Account<'info, Protocol>>,
    /// The pool with its vault and share mint.
    pub pool_vault: PoolVault<'info>,
    /// Investor's settlement-token account (source).
    #[account(mut, constraint = investor_token.mint == protocol.settlement_mint @ TesseraError::SettlementMintMismatch)]
    pub investor_token: Box<Account<'info, TokenAccount>>,
    /// Investor's share account (destination).
    #[account(mut, constraint = investor_shares.mint == pool_vault.pool.share_mint @ TesseraError::ShareMintMismatch)]
    pub investor_shares: Box<Account<'info, TokenAccount>>,
    /// SPL Token.
    pub token_program: Program<'info, Token>,
}

/// Deposits `assets`, minting at least `min_shares_out` shares (rounded down).
pub fn handler(ctx: Context<Deposit>, assets: u64, min_shares_out: u64) -> Result<()> {
    let accounts = &mut *ctx.accounts;
    accounts.protocol.require_not_paused()?;
    require!(assets > 0, TesseraError::ZeroAmount);
    let now = Clock::get()?.unix_timestamp;
    let shares = accounts.pool_vault.pool.shares_for(assets, now)?;
    require!(shares > 0, TesseraError::ZeroShares);
    require!(shares >= min_shares_out, TesseraError::SlippageShares);

    transfer_from_user(
        &accounts.token_program,
        &accounts.investor_token,
        accounts.pool_vault.vault.to_account_info(),
        &accounts.investor,
        assets,
    )?;
    let pool = &mut accounts.pool_vault.pool;
    pool.deposit(assets, shares)?;
    let seeds = pool.seeds();
    mint_by_pda(
        &accounts.token_program,
        accounts.pool_vault.share_mint.to_account_info(),
        accounts.investor_shares.to_account_info(),
        pool.to_account_info(),
        &seeds.as_slices(),
        shares,
    )?;
    let vault_amount = accounts.pool_vault.reload_and_check()?;
    let event = Deposited {
        pool: accounts.pool_vault.pool.key(),
        investor: accounts.investor.key(),
        assets,
        shares,
        total_shares: accounts.pool_vault.pool.total_shares,
        cash: accounts.pool_vault.pool.cash,
        vault_amount,
        nav: accounts.pool_vault.pool.nav(now)?,
    };
    crate::events::emit(&ctx.accounts.event_authority, &event)?;
    Ok(())
}
