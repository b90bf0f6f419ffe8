//! `StakePosition`: one owner's active and unbonding stake and their reward bookkeeping.

use anchor_lang::prelude::*;

use crate::error::TesseraError;
use crate::math::{add, sub};
use crate::math::{mul_div_floor_wide, REWARD_SCALE};
use crate::state::image::tessera_account;

/// A staker's position at `["stake", owner]`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, InitSpace, Debug)]
pub struct StakePosition {
    /// Layout version.
    pub version: u8,
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// The staker.
    pub owner: Pubkey,
    /// Active stake earning rewards.
    pub amount: u64,
    /// `amount × acc_reward_per_share / SCALE` at the last settlement of rewards.
    pub reward_debt: u128,
    /// Rewards settled into the position and not yet claimed.
    pub unclaimed_rewards: u64,
    /// Stake in its unbonding period.
    pub unbonding_amount: u64,
    /// When the unbonding stake may be withdrawn.
    pub unbonding_ends_at: i64,
    /// Active stake that must stay bonded (provider collateral while leases run).
    pub locked_amount: u64,
    /// Lifetime stake slashed from this position.
    pub slashed_total: u64,
    /// Room for future fields without a migration.
    pub reserved: [u8; 32],
}

tessera_account!(StakePosition, [78, 165, 30, 111, 171, 125, 11, 220]);

impl StakePosition {
    /// Current layout version.
    pub const VERSION: u8 = 1;

    /// Accrued entitlement of `amount` at accumulator `acc`.
    fn entitlement(amount: u64, acc: u128) -> Result<u128> {
        mul_div_floor_wide(amount, acc, REWARD_SCALE as u64)
            .ok_or_else(|| error!(TesseraError::MathOverflow))
    }

    /// Moves rewards accrued since the last settlement into `unclaimed_rewards`. Call before
    /// any change to `amount`, then [`Self::reset_debt`] after it.
    pub fn settle_rewards(&mut self, acc: u128) -> Result<()> {
        let accrued = Self::entitlement(self.amount, acc)?
            .checked_sub(self.reward_debt)
            .ok_or_else(|| error!(TesseraError::MathOverflow))?;
        let accrued = u64::try_from(accrued).map_err(|_| error!(TesseraError::MathOverflow))?;
        self.unclaimed_rewards = add(self.unclaimed_rewards, accrued)?;
        self.reward_debt = Self::entitlement(self.amount, acc)?;
        Ok(())
    }

    /// Re-bases the reward debt after `amount` changed.
    pub fn reset_debt(&mut self, acc: u128) -> Result<()> {
        self.reward_debt = Self::entitlement(self.amount, acc)?;
        Ok(())
    }

    /// Takes up to `amount` (already capped by the caller), active stake first, then stake
    /// still unbonding (unbonding never escapes a slash). Returns `(from_active, from_unbonding)`.
    pub fn slash(&mut self, amount: u64, acc: u128) -> Result<(u64, u64)> {
        self.settle_rewards(acc)?;
        let from_active = amount.min(self.amount);
        let from_unbonding = amount
            .saturating_sub(from_active)
            .min(self.unbonding_amount);
        self.amount = sub(self.amount, from_active)?;
        self.unbonding_amount = sub(self.unbonding_amount, from_unbonding)?;
        self.reset_debt(acc)?;
        self.slashed_total = add(
            self.slashed_total,
            from_active.saturating_add(from_unbonding),
        )?;
        Ok((from_active, from_unbonding))
    }

    /// Active plus unbonding stake: what a slash may reach.
    pub fn bonded(&self) -> Result<u64> {
        add(self.amount, self.unbonding_amount)
    }

    /// Checks unbonding stake always has an end.
    pub fn invariant(&self) -> Result<()> {
        require!(
            self.unbonding_amount == 0 || self.unbonding_ends_at != 0,
            TesseraError::StakeLedgerBroken
        );
        Ok(())
    }

    /// Active stake that may be unstaked now.
    pub fn unlocked(&self) -> Result<u64> {
        sub(self.amount, self.locked_amount.min(self.amount))
    }
}
