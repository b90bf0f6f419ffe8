//! `draw_capital`: the operator borrows free cash, up to the credit limit, to buy hardware.

use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};

use crate::error::TesseraError;
use crate::events::CapitalDrawn;
use crate::instructions::shared::{
    __client_accounts_pool_vault, __cpi_client_accounts_pool_vault, PoolVault, PoolVaultBumps,
};
use crate::state::{seeds, Protocol};

/// Accounts of `draw_capital`.
#[event_cpi]
#[derive(Accounts)]
pub struct DrawCapital<'info> {
    /// The pool's operator.
    #[account(constraint = pool_vault.pool.operator == operator.key() @ TesseraError::NotPoolOperator)]
    pub operator: Signer<'info>,
    /// The protocol (pause switch, settlement mint).
    #[account(address = seeds::PROTOCOL_ADDRESS @ TesseraError::NotCanonicalAddress)]
    pub protocol: Box<Account<'info, Protocol>>,
    /// The pool with its vault and share mint.
    pub pool_vault: PoolVault<'info>,
    /// Operator's settlement-token account (paid to).
    #[account(mut, constraint = operator_token.mint == protocol.settlement_mint @ TesseraError::SettlementMintMismatch)]
    pub operator_token: Box<Account<'info, TokenAccount>>,
    /// SPL Token.
    pub token_program: Program<'info, Token>,
}

/// Moves `amount` from cash to deployed principal and pays it to the operator. Refused while
/// paused (it opens exposure) and while redemptions are queued (investors' exits come first).
pub fn handler(ctx: Context<DrawCapital>, amount: u64) -> Result<()> {
    let accounts = &mut *ctx.accounts;
    accounts.protocol.require_not_paused()?;
    require!(amount > 0, TesseraError::ZeroAmount);
    accounts.pool_vault.pool.draw(amount)?;
    accounts
        .pool_vault
        .pay_out(&accounts.token_program, &accounts.operator_token, amount)?;
    accounts.pool_vault.reload_and_check()?;
    let event = CapitalDrawn {
        pool: accounts.pool_vault.pool.key(),
        amount,
        deployed_principal: accounts.pool_vault.pool.deployed_principal,
        cash: accounts.pool_vault.pool.cash,
    };
    crate::events::emit(&ctx.accounts.event_authority, &event)?;
    Ok(())
}
