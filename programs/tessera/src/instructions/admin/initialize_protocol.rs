//! `initialize_protocol`: creates the protocol singleton, the stake pool and its two vaults.

use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};

use crate::error::TesseraError;
use crate::events::ProtocolInitialized;
use crate::instructions::token::{create_token_account, Creation};
use crate::state::{seeds, Protocol, ProtocolParams, StakePool};

/// Accounts of `initialize_protocol`.
#[event_cpi]
#[derive(Accounts)]
pub struct InitializeProtocol<'info> {
    /// First authority; pays for the accounts. Bootstrap immediately after deploy.
    #[account(mut)]
    pub authority: Signer<'info>,
    /// The protocol singleton (`init`: a second call fails).
    #[account(init, payer = authority, space = 8 + Protocol::INIT_SPACE, seeds = [seeds::PROTOCOL], bump)]
    pub protocol: Box<Account<'info, Protocol>>,
    /// Settlement stablecoin (classic SPL Token only: Token-2022 mints are refused by owner).
    pub settlement_mint: Box<Account<'info, Mint>>,
    /// Protocol token.
    pub stake_mint: Box<Account<'info, Mint>>,
    /// Treasury's settlement-token account.
    #[account(constraint = treasury.mint == settlement_mint.key() @ TesseraError::TreasuryMintMismatch)]
    pub treasury: Box<Account<'info, TokenAccount>>,
    /// The staking singleton.
    #[account(init, payer = authority, space = 8 + StakePool::INIT_SPACE, seeds = [seeds::STAKE_POOL], bump)]
    pub stake_pool: Box<Account<'info, StakePool>>,
    /// Staked protocol tokens, created here: a stake-mint account owned by the stake pool.
    /// CHECK: created by the handler at the address these seeds derive.
    #[account(mut, seeds = [seeds::STAKE_VAULT], bump)]
    pub stake_vault: UncheckedAccount<'info>,
    /// Stakers' settlement-token rewards, created here: owned by the stake pool.
    /// CHECK: created by the handler at the address these seeds derive.
    #[account(mut, seeds = [seeds::REWARD_VAULT], bump)]
    pub reward_vault: UncheckedAccount<'info>,
    /// SPL Token.
    pub token_program: Program<'info, Token>,
    /// System program.
    pub system_program: Program<'info, System>,
}

/// Writes the protocol and stake pool with bounded `params` and the `arbiter` role.
pub fn handler(
    ctx: Context<InitializeProtocol>,
    params: ProtocolParams,
    arbiter: Pubkey,
) -> Result<()> {
    params.validate()?;
    let accounts = &mut *ctx.accounts;
    accounts.protocol.set_inner(Protocol {
        version: Protocol::VERSION,
        bump: ctx.bumps.protocol,
        authority: accounts.authority.key(),
        pending_authority: None,
        settlement_mint: accounts.settlement_mint.key(),
        settlement_decimals: accounts.settlement_mint.decimals,
        stake_mint: accounts.stake_mint.key(),
        treasury: accounts.treasury.key(),
        arbiter,
        params,
        paused: false,
        pending_change: None,
        vesting_changed_at: 0,
        previous_vesting_secs: 0,
        reserved: [0; 52],
    });
    accounts.stake_pool.set_inner(StakePool {
        version: StakePool::VERSION,
        bump: ctx.bumps.stake_pool,
        stake_vault_bump: ctx.bumps.stake_vault,
        reward_vault_bump: ctx.bumps.reward_vault,
        stake_vault: accounts.stake_vault.key(),
        reward_vault: accounts.reward_vault.key(),
        total_staked: 0,
        total_unbonding: 0,
        acc_reward_per_share: 0,
        undistributed_rewards: 0,
        rewards_funded: 0,
        rewards_claimed: 0,
        reserved: [0; 64],
    });
    let with = Creation {
        payer: &accounts.authority,
        token_program: &accounts.token_program,
        system_program: &accounts.system_program,
    };
    let owner = accounts.stake_pool.to_account_info();
    let stake_seeds: [&[u8]; 2] = [seeds::STAKE_VAULT, &[ctx.bumps.stake_vault]];
    let mint = accounts.stake_mint.to_account_info();
    create_token_account(
        &with,
        &accounts.stake_vault,
        mint,
        owner.clone(),
        &stake_seeds,
    )?;
    let reward_seeds: [&[u8]; 2] = [seeds::REWARD_VAULT, &[ctx.bumps.reward_vault]];
    let mint = accounts.settlement_mint.to_account_info();
    create_token_account(&with, &accounts.reward_vault, mint, owner, &reward_seeds)?;
    let event = ProtocolInitialized {
        authority: accounts.authority.key(),
        settlement_mint: accounts.settlement_mint.key(),
        stake_mint: accounts.stake_mint.key(),
        treasury: accounts.treasury.key(),
        arbiter,
        params,
    };
    crate::events::emit(&ctx.accounts.event_authority, &event)?;
    Ok(())
}
