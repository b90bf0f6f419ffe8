//! Investors and operators: pools, deposits, redemptions and capital.

pub mod claim_operator_fees;
pub mod claim_redemption;
pub mod create_pool;
pub mod deposit;
pub mod draw_capital;
pub mod redeem;
pub mod repay_capital;
pub mod request_redemption;
pub mod write_down;

#[allow(ambiguous_glob_reexports)]
pub use {
    claim_operator_fees::*, claim_redemption::*, create_pool::*, deposit::*, draw_capital::*,
    redeem::*, repay_capital::*, request_redemption::*, write_down::*,
};

use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, TokenAccount};

use crate::error::TesseraError;
use crate::state::{seeds, Pool};

/// A pool with its vault and share mint, each tied to the pool: shared by every instruction
/// that moves the pool's tokens.
#[derive(Accounts)]
pub struct PoolVault<'info> {
    /// The pool.
    #[account(mut, seeds = [seeds::POOL, pool.operator.as_ref(), &pool.pool_id.to_le_bytes()], bump = pool.bump)]
    pub pool: Box<Account<'info, Pool>>,
    /// The pool's vault.
    #[account(mut, address = pool.vault @ TesseraError::VaultMismatch)]
    pub vault: Box<Account<'info, TokenAccount>>,
    /// The pool's share mint.
    #[account(mut, address = pool.share_mint @ TesseraError::ShareMintMismatch)]
    pub share_mint: Box<Account<'info, Mint>>,
}

/// Re-reads the vault and share mint after a CPI moved them, then checks the pool's ledger
/// invariant against the fresh balances. Returns the vault balance read.
pub fn reload_and_check<'info>(
    pool: &Pool,
    vault: &mut Account<'info, TokenAccount>,
    share_mint: &mut Account<'info, Mint>,
) -> Result<u64> {
    vault.reload()?;
    share_mint.reload()?;
    pool.invariant(vault.amount, share_mint.supply)?;
    Ok(vault.amount)
}
