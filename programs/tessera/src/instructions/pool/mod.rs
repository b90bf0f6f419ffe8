//! Investors and operators: pools, deposits, redemptions and capital.

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
    claim_redemption::*, create_pool::*, deposit::*, draw_capital::*, redeem::*, repay_capital::*,
    request_redemption::*, write_down::*,
};

use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, TokenAccount};

use crate::state::Pool;

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
