//! `repay_capital`: the operator returns principal plus interest; interest is investor revenue.

use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};

use crate::error::TesseraError;
use crate::events::CapitalRepaid;
use crate::instructions::shared::{
    __client_accounts_pool_vault, __cpi_client_accounts_pool_vault, PoolVault, PoolVaultBumps,
};
use crate::instructions::token::transfer_from_user;
use crate::math::add;
use crate::state::{seeds, Protocol};

/// Accounts of `repay_capital`.
#[event_cpi]
#[derive(Accounts)]
pub struct RepayCapital<'info> {
    /// The pool's operator.
    #[account(constraint = pool_vault.pool.operator == operator.key() @ TesseraError::NotPoolOperator)]
    pub operator: Signer<'info>,
    /// The protocol (vesting period, settlement mint).
    #[account(address = seeds::PROTOCOL_ADDRESS @ TesseraError::NotCanonicalAddress)]
    pub protocol: Box<Account<'info, Protocol>>,
    /// The pool with its vault and share mint.
    pub pool_vault: PoolVault<'info>,
    /// Operator's settlement-token account (paid from).
    #[account(mut, constraint = operator_token.mint == protocol.settlement_mint @ TesseraError::SettlementMintMismatch)]
    pub operator_token: Box<Account<'info, TokenAccount>>,
    /// SPL Token.
    pub token_program: Program<'info, Token>,
}

/// Repays `principal` (≤ deployed) and pays `interest`, which vests into the share price.
/// Never paused: repaying reduces exposure.
pub fn handler(ctx: Context<RepayCapital>, principal: u64, interest: u64) -> Result<()> {
    let accounts = &mut *ctx.accounts;
    let total = add(principal, interest)?;
    require!(total > 0, TesseraError::ZeroAmount);
    transfer_from_user(
        &accounts.token_program,
        &accounts.operator_token,
        accounts.pool_vault.vault.to_account_info(),
        &accounts.operator,
        total,
    )?;
    let now = Clock::get()?.unix_timestamp;
    let vesting = accounts.protocol.params.revenue_vesting_secs;
    accounts
        .pool_vault
        .pool
        .repay(principal, interest, now, vesting)?;
    accounts.pool_vault.reload_and_check()?;
    let event = CapitalRepaid {
        pool: accounts.pool_vault.pool.key(),
        principal,
        interest,
        deployed_principal: accounts.pool_vault.pool.deployed_principal,
        cash: accounts.pool_vault.pool.cash,
    };
    crate::events::emit(&ctx.accounts.event_authority, &event)?;
    Ok(())
}
