//! Stakers of the protocol token: stake, unbond, withdraw, claim and fund rewards.

pub mod begin_unstake;
pub mod claim_stake_rewards;
pub mod fund_stake_rewards;
pub mod stake;
pub mod withdraw_stake;

#[allow(ambiguous_glob_reexports)]
pub use {
    begin_unstake::*, claim_stake_rewards::*, fund_stake_rewards::*, stake::*, withdraw_stake::*,
};

use anchor_lang::prelude::*;
use anchor_spl::token::TokenAccount;

use crate::state::StakePool;

/// Re-reads both staking vaults after a CPI and checks the stake pool's invariant.
pub fn reload_and_check<'info>(
    stake_pool: &StakePool,
    stake_vault: &mut Account<'info, TokenAccount>,
    reward_vault: &mut Account<'info, TokenAccount>,
) -> Result<()> {
    stake_vault.reload()?;
    reward_vault.reload()?;
    stake_pool.invariant(stake_vault.amount, reward_vault.amount)
}
