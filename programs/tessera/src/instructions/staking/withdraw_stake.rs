//! `withdraw_stake`: pays out stake whose unbonding period has ended.

use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};

use crate::error::TesseraError;
use crate::events::StakeWithdrawn;
use crate::instructions::shared::{
    __client_accounts_stake_vaults, __cpi_client_accounts_stake_vaults, StakeVaults,
    StakeVaultsBumps,
};
use crate::state::{seeds, Protocol, StakePosition};

/// Accounts of `withdraw_stake`.
#[event_cpi]
#[derive(Accounts)]
pub struct WithdrawStake<'info> {
    /// The staker.
    pub owner: Signer<'info>,
    /// The protocol (stake mint).
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
    /// Owner's protocol-token account (paid to).
    #[account(mut, constraint = owner_stake_token.mint == protocol.stake_mint @ TesseraError::StakeMintMismatch)]
    pub owner_stake_token: Box<Account<'info, TokenAccount>>,
    /// SPL Token.
    pub token_program: Program<'info, Token>,
}

/// Withdraws all unbonded stake. Never paused.
pub fn handler(ctx: Context<WithdrawStake>) -> Result<()> {
    let accounts = &mut *ctx.accounts;
    let amount = accounts.position.unbonding_amount;
    require!(amount > 0, TesseraError::NothingUnbonding);
    let now = Clock::get()?.unix_timestamp;
    require!(
        now >= accounts.position.unbonding_ends_at,
        TesseraError::StillUnbonding
    );
    accounts.position.unbonding_amount = 0;
    accounts.vaults.stake_pool.withdraw_unbonded(amount)?;
    accounts.vaults.pay_out(
        &accounts.token_program,
        &accounts.vaults.stake_vault,
        &accounts.owner_stake_token,
        amount,
    )?;
    accounts.vaults.reload_and_check()?;
    let event = StakeWithdrawn {
        owner: accounts.owner.key(),
        amount,
    };
    crate::events::emit(&ctx.accounts.event_authority, &event)?;
    Ok(())
}
