//! `stake`: adds protocol tokens to the owner's position (created on first use).

use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};

use crate::error::TesseraError;
use crate::events::Staked;
use crate::instructions::shared::{
    __client_accounts_stake_vaults, __cpi_client_accounts_stake_vaults, StakeVaults,
    StakeVaultsBumps,
};
use crate::instructions::token::transfer_from_user;
use crate::math::add;
use crate::state::{seeds, Protocol, StakePosition};

/// Accounts of `stake`.
#[event_cpi]
#[derive(Accounts)]
pub struct Stake<'info> {
    /// The staker; pays the position's rent on first use.
    #[account(mut)]
    pub owner: Signer<'info>,
    /// The protocol (pause switch, stake mint).
    #[account(address = seeds::PROTOCOL_ADDRESS @ TesseraError::NotCanonicalAddress)]
    pub protocol: Box<Account<'info, Protocol>>,
    /// The stake pool with its two vaults.
    pub vaults: StakeVaults<'info>,
    /// The owner's position; its address is derived from the owner, so it is theirs alone.
    #[account(
        init_if_needed, payer = owner, space = 8 + StakePosition::INIT_SPACE,
        seeds = [seeds::STAKE, owner.key().as_ref()], bump,
    )]
    pub position: Box<Account<'info, StakePosition>>,
    /// Owner's protocol-token account (paid from).
    #[account(mut, constraint = owner_stake_token.mint == protocol.stake_mint @ TesseraError::StakeMintMismatch)]
    pub owner_stake_token: Box<Account<'info, TokenAccount>>,
    /// SPL Token.
    pub token_program: Program<'info, Token>,
    /// System program.
    pub system_program: Program<'info, System>,
}

/// Stakes `amount`; rewards accrued so far are settled into the position first.
pub fn handler(ctx: Context<Stake>, amount: u64) -> Result<()> {
    let accounts = &mut *ctx.accounts;
    accounts.protocol.require_not_paused()?;
    require!(amount > 0, TesseraError::ZeroAmount);
    let position = &mut accounts.position;
    if position.version == 0 {
        position.version = StakePosition::VERSION;
        position.bump = ctx.bumps.position;
        position.owner = accounts.owner.key();
    }
    let acc = accounts.vaults.stake_pool.acc_reward_per_share;
    position.settle_rewards(acc)?;
    position.amount = add(position.amount, amount)?;
    position.reset_debt(acc)?;
    accounts.vaults.stake_pool.stake(amount)?;
    transfer_from_user(
        &accounts.token_program,
        &accounts.owner_stake_token,
        accounts.vaults.stake_vault.to_account_info(),
        &accounts.owner,
        amount,
    )?;
    accounts.vaults.reload_and_check()?;
    let event = Staked {
        owner: accounts.owner.key(),
        amount,
        position_amount: accounts.position.amount,
        total_staked: accounts.vaults.stake_pool.total_staked,
    };
    crate::events::emit(&ctx.accounts.event_authority, &event)?;
    Ok(())
}
