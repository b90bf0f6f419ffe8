//! `fund_stake_rewards`: pays settlement tokens into the reward vault for all active stakers.

use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};

use crate::error::TesseraError;
use crate::events::StakeRewardsFunded;
use crate::instructions::staking::reload_and_check;
use crate::instructions::token::transfer_from_user;
use crate::state::{seeds, Protocol, StakePool};

/// Accounts of `fund_stake_rewards`.
#[derive(Accounts)]
pub struct FundStakeRewards<'info> {
    /// Whoever pays the rewards in (the fee sweep, the treasury, a sponsor).
    pub funder: Signer<'info>,
    /// The protocol (settlement mint).
    #[account(seeds = [seeds::PROTOCOL], bump = protocol.bump)]
    pub protocol: Box<Account<'info, Protocol>>,
    /// The stake pool.
    #[account(mut, seeds = [seeds::STAKE_POOL], bump = stake_pool.bump)]
    pub stake_pool: Box<Account<'info, StakePool>>,
    /// Stake vault (read for the invariant).
    #[account(mut, address = stake_pool.stake_vault @ TesseraError::StakeVaultMismatch)]
    pub stake_vault: Box<Account<'info, TokenAccount>>,
    /// Reward vault.
    #[account(mut, address = stake_pool.reward_vault @ TesseraError::RewardVaultMismatch)]
    pub reward_vault: Box<Account<'info, TokenAccount>>,
    /// Funder's settlement-token account (paid from).
    #[account(mut, constraint = funder_token.mint == protocol.settlement_mint @ TesseraError::SettlementMintMismatch)]
    pub funder_token: Box<Account<'info, TokenAccount>>,
    /// SPL Token.
    pub token_program: Program<'info, Token>,
}

/// Adds `amount` to the rewards of everyone actively staked now.
pub fn handler(ctx: Context<FundStakeRewards>, amount: u64) -> Result<()> {
    require!(amount > 0, TesseraError::ZeroAmount);
    let accounts = &mut *ctx.accounts;
    transfer_from_user(
        &accounts.token_program,
        &accounts.funder_token,
        &accounts.reward_vault,
        &accounts.funder,
        amount,
    )?;
    let distributed = accounts.stake_pool.distribute(amount)?;
    reload_and_check(
        &accounts.stake_pool,
        &mut accounts.stake_vault,
        &mut accounts.reward_vault,
    )?;
    emit!(StakeRewardsFunded {
        funder: accounts.funder.key(),
        amount,
        distributed,
        acc_reward_per_share: accounts.stake_pool.acc_reward_per_share,
    });
    Ok(())
}
