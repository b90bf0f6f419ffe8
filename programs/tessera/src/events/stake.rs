//! Events of protocol-token staking.

use anchor_lang::prelude::*;

/// Tokens were staked.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Staked {
    /// Staker.
    pub owner: Pubkey,
    /// Amount added.
    pub amount: u64,
    /// Active stake after.
    pub position_amount: u64,
    /// Protocol-wide active stake after.
    pub total_staked: u64,
}

/// Stake entered unbonding.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnstakeBegun {
    /// Staker.
    pub owner: Pubkey,
    /// Amount moved to unbonding.
    pub amount: u64,
    /// Total unbonding for the position after.
    pub unbonding_amount: u64,
    /// When it may be withdrawn.
    pub unbonding_ends_at: i64,
}

/// Unbonded stake was withdrawn.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StakeWithdrawn {
    /// Staker.
    pub owner: Pubkey,
    /// Amount withdrawn.
    pub amount: u64,
}

/// Rewards were claimed.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StakeRewardsClaimed {
    /// Staker.
    pub owner: Pubkey,
    /// Amount paid.
    pub amount: u64,
}

/// Rewards were added to the accumulator.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StakeRewardsFunded {
    /// Who paid them in.
    pub funder: Pubkey,
    /// Amount added.
    pub amount: u64,
    /// Amount distributed now (0 while nobody is staked).
    pub distributed: u64,
    /// Accumulator after.
    pub acc_reward_per_share: u128,
}
