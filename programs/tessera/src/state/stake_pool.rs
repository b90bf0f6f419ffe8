//! `StakePool`: the protocol-token staking singleton and its reward accumulator.

use anchor_lang::prelude::*;

use crate::error::TesseraError;
use crate::math::REWARD_SCALE;
use crate::math::{add, sub};
use crate::state::image::tessera_account;

/// Global staking state at `["stake_pool"]`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, InitSpace, Debug)]
pub struct StakePool {
    /// Layout version.
    pub version: u8,
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// Canonical bump of the stake vault PDA.
    pub stake_vault_bump: u8,
    /// Canonical bump of the reward vault PDA.
    pub reward_vault_bump: u8,
    /// Vault of staked protocol tokens (active and unbonding).
    pub stake_vault: Pubkey,
    /// Vault of settlement-token rewards.
    pub reward_vault: Pubkey,
    /// Active stake earning rewards.
    pub total_staked: u64,
    /// Stake waiting out its unbonding period (earns nothing, still slashable).
    pub total_unbonding: u64,
    /// Rewards per staked unit, scaled by `REWARD_SCALE`, since genesis.
    pub acc_reward_per_share: u128,
    /// Rewards funded while nobody was staked, distributed with the next funding.
    pub undistributed_rewards: u64,
    /// Lifetime rewards funded.
    pub rewards_funded: u64,
    /// Lifetime rewards claimed.
    pub rewards_claimed: u64,
    /// Room for future fields without a migration.
    pub reserved: [u8; 64],
}

tessera_account!(StakePool, [121, 34, 206, 21, 79, 127, 255, 28]);

impl StakePool {
    /// Current layout version.
    pub const VERSION: u8 = 1;

    /// Signer seeds of this PDA.
    pub fn signer_seeds(&self) -> [&[u8]; 2] {
        [
            crate::state::seeds::STAKE_POOL,
            std::slice::from_ref(&self.bump),
        ]
    }

    /// Adds `amount` of settlement tokens (already in the reward vault) to every active
    /// staker's entitlement. With nobody staked, the amount waits for the next funding.
    /// Returns the amount distributed now.
    pub fn distribute(&mut self, amount: u64) -> Result<u64> {
        self.rewards_funded = add(self.rewards_funded, amount)?;
        let total = add(self.undistributed_rewards, amount)?;
        if self.total_staked == 0 {
            self.undistributed_rewards = total;
            return Ok(0);
        }
        let delta = u128::from(total)
            .checked_mul(REWARD_SCALE)
            .ok_or_else(|| error!(TesseraError::MathOverflow))?
            / u128::from(self.total_staked);
        self.acc_reward_per_share = self
            .acc_reward_per_share
            .checked_add(delta)
            .ok_or_else(|| error!(TesseraError::MathOverflow))?;
        self.undistributed_rewards = 0;
        Ok(total)
    }

    /// `amount` more is staked.
    pub fn stake(&mut self, amount: u64) -> Result<()> {
        self.total_staked = add(self.total_staked, amount)?;
        Ok(())
    }

    /// `amount` of active stake starts unbonding.
    pub fn begin_unbonding(&mut self, amount: u64) -> Result<()> {
        self.total_staked = sub(self.total_staked, amount)?;
        self.total_unbonding = add(self.total_unbonding, amount)?;
        Ok(())
    }

    /// `amount` of unbonded stake is withdrawn.
    pub fn withdraw_unbonded(&mut self, amount: u64) -> Result<()> {
        self.total_unbonding = sub(self.total_unbonding, amount)?;
        Ok(())
    }

    /// `amount` of rewards is paid to a staker.
    pub fn pay_rewards(&mut self, amount: u64) -> Result<()> {
        self.rewards_claimed = add(self.rewards_claimed, amount)?;
        Ok(())
    }

    /// Removes slashed stake (`from_active`, `from_unbonding`) from the totals.
    pub fn remove_slashed(&mut self, from_active: u64, from_unbonding: u64) -> Result<()> {
        self.total_staked = sub(self.total_staked, from_active)?;
        self.total_unbonding = sub(self.total_unbonding, from_unbonding)?;
        Ok(())
    }

    /// Rewards the vault must still hold: everything funded and not yet claimed.
    pub fn rewards_outstanding(&self) -> Result<u64> {
        sub(self.rewards_funded, self.rewards_claimed)
    }

    /// Checks both vaults cover what the ledger says they hold.
    pub fn invariant(&self, stake_vault_amount: u64, reward_vault_amount: u64) -> Result<()> {
        require!(
            stake_vault_amount >= add(self.total_staked, self.total_unbonding)?,
            TesseraError::StakeVaultBelowLedger
        );
        require!(
            reward_vault_amount >= self.rewards_outstanding()?,
            TesseraError::RewardVaultBelowLedger
        );
        Ok(())
    }
}
