//! `claim_stake_rewards`: pays a staker the settlement-token rewards accrued to them.

use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};

use crate::error::TesseraError;
use crate::events::StakeRewardsClaimed;
use crate::instructions::shared::{
    __client_accounts_stake_vaults, __cpi_client_accounts_stake_vaults, StakeVaults,
    StakeVaultsBumps,
};
use crate::state::{seeds, Protocol, StakePosition};

/// Accounts of `claim_stake_rewards`.
#[event_cpi]
#[derive(Accounts)]
pub struct ClaimStakeRewards<'info> {
    /// The staker.
    pub owner: Signer<'info>,
    /// The protocol (settlement mint).
    #[account(address = seeds::PROTOCOL_ADDRESS @ TesseraError::NotCanonicalAddress)]
    pub protocol: Box<Account<'info, Protocol>>,
    /// The stake pool with its two vaults.
    pub vaults: StakeVaults<'info>,
    /// The owner's position.
    #[account(
        mut, dup, seeds = [seeds::STAKE, owner.key().as_ref()], bump = position.bump,
        has_one = owner @ TesseraError::NotStakeOwner,
    )]
    pub position: Box<Account<'info, StakePosition>>,
    /// Owner's settlement-token account (paid to).
    #[account(mut, constraint = owner_token.mint == protocol.settlement_mint @ TesseraError::SettlementMintMismatch)]
    pub owner_token: Box<Account<'info, TokenAccount>>,
    /// SPL Token.
    pub token_program: Program<'info, Token>,
}

/// Claims every reward accrued (rounded down per position; dust stays in the vault). Never
/// paused.
pub fn handler(ctx: Context<ClaimStakeRewards>) -> Result<()> {
    let accounts = &mut *ctx.accounts;
    let acc = accounts.vaults.stake_pool.acc_reward_per_share;
    accounts.position.settle_rewards(acc)?;
    let amount = accounts.position.unclaimed_rewards;
    require!(amount > 0, TesseraError::NothingToClaim);
    accounts.position.unclaimed_rewards = 0;
    accounts.vaults.stake_pool.pay_rewards(amount)?;
    accounts.vaults.pay_out(
        &accounts.token_program,
        &accounts.vaults.reward_vault,
        &accounts.owner_token,
        amount,
    )?;
    accounts.vaults.reload_and_check()?;
    let event = StakeRewardsClaimed {
        owner: accounts.owner.key(),
        amount,
    };
    crate::events::emit(&ctx.accounts.event_authority, &event)?;
    Ok(())
}
