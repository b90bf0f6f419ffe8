//! `draw_capital`: the operator borrows free cash, up to the credit limit, to buy hardware.

use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};

use crate::error::TesseraError;
use crate::events::CapitalDrawn;
use crate::instructions::pool::reload_and_check;
use crate::instructions::token::transfer_from_pda;
use crate::state::pool::{add, sub};
use crate::state::{seeds, Pool, Protocol};

/// Accounts of `draw_capital`.
#[derive(Accounts)]
pub struct DrawCapital<'info> {
    /// The pool's operator.
    pub operator: Signer<'info>,
    /// The protocol (pause switch, settlement mint).
    #[account(seeds = [seeds::PROTOCOL], bump = protocol.bump)]
    pub protocol: Box<Account<'info, Protocol>>,
    /// The pool.
    #[account(
        mut, seeds = [seeds::POOL, pool.operator.as_ref(), &pool.pool_id.to_le_bytes()], bump = pool.bump,
        has_one = operator @ TesseraError::NotPoolOperator,
    )]
    pub pool: Box<Account<'info, Pool>>,
    /// The pool's vault.
    #[account(mut, address = pool.vault @ TesseraError::VaultMismatch)]
    pub vault: Box<Account<'info, TokenAccount>>,
    /// The pool's share mint (read for the supply invariant).
    #[account(address = pool.share_mint @ TesseraError::ShareMintMismatch)]
    pub share_mint: Box<Account<'info, Mint>>,
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
    let pool = &mut accounts.pool;
    require!(pool.queue_is_empty(), TesseraError::QueueNotEmpty);
    let deployed = add(pool.deployed_principal, amount)?;
    require!(
        deployed <= pool.credit_limit,
        TesseraError::CreditLimitExceeded
    );
    require!(amount <= pool.cash, TesseraError::InsufficientCash);
    pool.cash = sub(pool.cash, amount)?;
    pool.deployed_principal = deployed;
    let seeds = pool.seeds();
    transfer_from_pda(
        &accounts.token_program,
        &accounts.vault,
        &accounts.operator_token,
        pool.to_account_info(),
        &seeds.as_slices(),
        amount,
    )?;
    reload_and_check(pool, &mut accounts.vault, &mut accounts.share_mint)?;
    emit!(CapitalDrawn {
        pool: pool.key(),
        amount,
        deployed_principal: pool.deployed_principal,
        cash: pool.cash,
    });
    Ok(())
}
