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

use crate::error::TesseraError;
use crate::state::{seeds, StakePool};

/// The stake pool with its stake and reward vaults, each tied to it: shared by every
/// instruction that moves staking tokens.
#[derive(Accounts)]
pub struct StakeVaults<'info> {
    /// The stake pool.
    #[account(mut, seeds = [seeds::STAKE_POOL], bump = stake_pool.bump)]
    pub stake_pool: Box<Account<'info, StakePool>>,
    /// Staked protocol tokens.
    #[account(mut, address = stake_pool.stake_vault @ TesseraError::StakeVaultMismatch)]
    pub stake_vault: Box<Account<'info, TokenAccount>>,
    /// Stakers' settlement-token rewards.
    #[account(mut, address = stake_pool.reward_vault @ TesseraError::RewardVaultMismatch)]
    pub reward_vault: Box<Account<'info, TokenAccount>>,
}

impl StakeVaults<'_> {
    /// Re-reads both vaults after a CPI and checks the stake pool's invariant against them.
    pub fn reload_and_check(&mut self) -> Result<()> {
        self.stake_vault.reload()?;
        self.reward_vault.reload()?;
        self.stake_pool
            .invariant(self.stake_vault.amount, self.reward_vault.amount)
    }
}
