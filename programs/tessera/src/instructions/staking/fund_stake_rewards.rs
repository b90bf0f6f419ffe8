//! `fund_stake_rewards`: pays settlement tokens into the reward vault for all active stakers.

use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};

use crate::error::TesseraError;
use crate::events::StakeRewardsFunded;
use crate::instructions::shared::{
    __client_accounts_stake_vaults, __cpi_client_accounts_stake_vaults, StakeVaults,
    StakeVaultsBumps,
};
use crate::instructions::token::transfer_from_user;
use crate::state::{seeds, Protocol};

/// Accounts of `fund_stake_rewards`.
#[event_cpi]
#[derive(Accounts)]
pub struct FundStakeRewards<'info> {
    /// Whoever pays the rewards in (the fee sweep, the treasury, a sponsor).
    pub funder: Signer<'info>,
    /// The protocol (settlement mint).
    #[account(address = seeds::PROTOCOL_ADDRESS @ TesseraError::NotCanonicalAddress)]
    pub protocol: Box<Account<'info, Protocol>>,
    /// The stake pool with its two vaults.
    pub vaults: StakeVaults<'info>,
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
        accounts.vaults.reward_vault.to_account_info(),
        &accounts.funder,
        amount,
    )?;
    let distributed = accounts.vaults.stake_pool.distribute(amount)?;
    accounts.vaults.reload_and_check()?;
    let event = StakeRewardsFunded {
        funder: accounts.funder.key(),
        amount,
        distributed,
        acc_reward_per_share: accounts.vaults.stake_pool.acc_reward_per_share,
    };
    crate::events::emit(&ctx.accounts.event_authority, &event)?;
    Ok(())
}
