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
