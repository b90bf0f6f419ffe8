//! `create_pool`: an operator opens a GPU pool with its share mint and vault.

use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token};

use crate::error::TesseraError;
use crate::events::PoolCreated;
use crate::instructions::token::{create_mint, create_token_account, Creation};
use crate::math::Bps;
use crate::state::{seeds, Pool, Protocol, RevenueSchedule, MAX_OPERATOR_FEE_BPS};

/// Arguments of `create_pool`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct CreatePoolArgs {
    /// Operator-chosen id, unique per operator.
    pub pool_id: u64,
    /// Target GPU model, UTF-8, zero padded.
    pub gpu_model: [u8; 32],
    /// Target GPU count.
    pub target_gpu_count: u32,
    /// Operator's cut of settled revenue (≤ 30 %), fixed for the pool's life.
    pub operator_fee_bps: Bps,
    /// Most principal the operator may have drawn at once.
    pub credit_limit: u64,
}

/// Accounts of `create_pool`.
#[event_cpi]
#[derive(Accounts)]
#[instruction(args: CreatePoolArgs)]
pub struct CreatePool<'info> {
    /// The provider who will operate the pool; pays rent.
    #[account(mut)]
    pub operator: Signer<'info>,
    /// The protocol.
    #[account(address = seeds::PROTOCOL_ADDRESS @ TesseraError::NotCanonicalAddress)]
    pub protocol: Box<Account<'info, Protocol>>,
    /// Settlement mint (must be the protocol's).
    #[account(address = protocol.settlement_mint @ TesseraError::SettlementMintMismatch)]
    pub settlement_mint: Box<Account<'info, Mint>>,
    /// The new pool.
    #[account(
        init, payer = operator, space = 8 + Pool::INIT_SPACE,
        seeds = [seeds::POOL, operator.key().as_ref(), &args.pool_id.to_le_bytes()], bump,
    )]
    pub pool: Box<Account<'info, Pool>>,
    /// Share mint, created here: the settlement mint's decimals, minted by the pool.
    /// CHECK: created by the handler at the address these seeds derive.
    #[account(mut, seeds = [seeds::SHARES, pool.key().as_ref()], bump)]
    pub share_mint: UncheckedAccount<'info>,
    /// The pool's only vault, created here: a settlement-token account owned by the pool.
    /// CHECK: created by the handler at the address these seeds derive.
    #[account(mut, seeds = [seeds::VAULT, pool.key().as_ref()], bump)]
    pub vault: UncheckedAccount<'info>,
    /// SPL Token.
    pub token_program: Program<'info, Token>,
    /// System program.
    pub system_program: Program<'info, System>,
}

/// Writes the pool with an empty ledger.
pub fn handler(ctx: Context<CreatePool>, args: CreatePoolArgs) -> Result<()> {
    require!(
        args.operator_fee_bps.at_most(MAX_OPERATOR_FEE_BPS),
        TesseraError::OperatorFeeTooHigh
    );
    let accounts = &mut *ctx.accounts;
    accounts.pool.set_inner(Pool {
        version: Pool::VERSION,
        bump: ctx.bumps.pool,
        vault_bump: ctx.bumps.vault,
        share_mint_bump: ctx.bumps.share_mint,
        operator: accounts.operator.key(),
        pool_id: args.pool_id,
        share_mint: accounts.share_mint.key(),
        vault: accounts.vault.key(),
        gpu_model: args.gpu_model,
        target_gpu_count: args.target_gpu_count,
        operator_fee_bps: args.operator_fee_bps,
        credit_limit: args.credit_limit,
        total_shares: 0,
        cash: 0,
        deployed_principal: 0,
        escrowed: 0,
        pending: 0,
        operator_owed: 0,
        protocol_fees_owed: 0,
        redemptions_owed: 0,
        revenue: RevenueSchedule::default(),
        next_ticket_seq: 0,
        head_ticket_seq: 0,
        queued_shares: 0,
        lifetime_revenue: 0,
        lifetime_written_down: 0,
        reserved: [0; 56],
    });
    let pool = accounts.pool.key();
    let with = Creation {
        payer: &accounts.operator,
        token_program: &accounts.token_program,
        system_program: &accounts.system_program,
    };
    let shares_seeds: [&[u8]; 3] = [seeds::SHARES, pool.as_ref(), &[ctx.bumps.share_mint]];
    let decimals = accounts.settlement_mint.decimals;
    create_mint(&with, &accounts.share_mint, decimals, &pool, &shares_seeds)?;
    let vault_seeds: [&[u8]; 3] = [seeds::VAULT, pool.as_ref(), &[ctx.bumps.vault]];
    let (mint, owner) = (
        accounts.settlement_mint.to_account_info(),
        accounts.pool.to_account_info(),
    );
    create_token_account(&with, &accounts.vault, mint, owner, &vault_seeds)?;
    let event = PoolCreated {
        pool: accounts.pool.key(),
        operator: accounts.operator.key(),
        pool_id: args.pool_id,
        share_mint: accounts.share_mint.key(),
        vault: accounts.vault.key(),
        operator_fee_bps: args.operator_fee_bps,
        credit_limit: args.credit_limit,
    };
    crate::events::emit(&ctx.accounts.event_authority, &event)?;
    Ok(())
}
