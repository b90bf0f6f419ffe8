//! `begin_unstake`: moves active stake into unbonding; it stops earning and stays slashable.

use anchor_lang::prelude::*;

use crate::error::TesseraError;
use crate::events::UnstakeBegun;
use crate::math::{add, sub};
use crate::state::{seeds, Protocol, StakePool, StakePosition};

/// Accounts of `begin_unstake`.
#[event_cpi]
#[derive(Accounts)]
pub struct BeginUnstake<'info> {
    /// The staker.
    pub owner: Signer<'info>,
    /// The protocol (unbonding period).
    #[account(address = seeds::PROTOCOL_ADDRESS @ TesseraError::NotCanonicalAddress)]
    pub protocol: Box<Account<'info, Protocol>>,
    /// The stake pool.
    #[account(mut, dup, address = seeds::STAKE_POOL_ADDRESS @ TesseraError::NotCanonicalAddress)]
    pub stake_pool: Box<Account<'info, StakePool>>,
    /// The owner's position.
    #[account(
        mut, dup, seeds = [seeds::STAKE, owner.key().as_ref()], bump = position.bump,
        has_one = owner @ TesseraError::NotStakeOwner,
    )]
    pub position: Box<Account<'info, StakePosition>>,
}

/// Starts unbonding `amount`. A second call adds to the unbonding amount and restarts the
/// period. Never paused.
pub fn handler(ctx: Context<BeginUnstake>, amount: u64) -> Result<()> {
    require!(amount > 0, TesseraError::ZeroAmount);
    let accounts = &mut *ctx.accounts;
    let position = &mut accounts.position;
    require!(amount <= position.amount, TesseraError::InsufficientStake);
    require!(amount <= position.unlocked()?, TesseraError::StakeLocked);
    let acc = accounts.stake_pool.acc_reward_per_share;
    position.settle_rewards(acc)?;
    position.amount = sub(position.amount, amount)?;
    position.reset_debt(acc)?;
    position.unbonding_amount = add(position.unbonding_amount, amount)?;
    let now = Clock::get()?.unix_timestamp;
    position.unbonding_ends_at = now
        .checked_add(i64::from(accounts.protocol.params.unbonding_secs))
        .ok_or_else(|| error!(TesseraError::MathOverflow))?;
    accounts.stake_pool.begin_unbonding(amount)?;
    let event = UnstakeBegun {
        owner: accounts.owner.key(),
        amount,
        unbonding_amount: position.unbonding_amount,
        unbonding_ends_at: position.unbonding_ends_at,
    };
    crate::events::emit(&ctx.accounts.event_authority, &event)?;
    Ok(())
}
