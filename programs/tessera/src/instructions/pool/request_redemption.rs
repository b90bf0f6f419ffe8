//! `request_redemption`: burns shares into a FIFO ticket, priced when the crank serves it.

use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};

use crate::error::TesseraError;
use crate::events::RedemptionRequested;
use crate::instructions::token::burn_from_user;
use crate::state::{seeds, Pool, RedemptionTicket, TicketStatus};

/// Accounts of `request_redemption`.
#[event_cpi]
#[derive(Accounts)]
pub struct RequestRedemption<'info> {
    /// The investor; pays the ticket's rent, refunded at claim.
    #[account(mut)]
    pub investor: Signer<'info>,
    /// The pool.
    #[account(mut, dup, seeds = [seeds::POOL, pool.operator.as_ref(), &pool.pool_id.to_le_bytes()], bump = pool.bump)]
    pub pool: Box<Account<'info, Pool>>,
    /// The pool's share mint.
    #[account(mut, address = pool.share_mint @ TesseraError::ShareMintMismatch)]
    pub share_mint: Box<Account<'info, Mint>>,
    /// Investor's share account (burned from).
    #[account(mut, constraint = investor_shares.mint == pool.share_mint @ TesseraError::ShareMintMismatch)]
    pub investor_shares: Box<Account<'info, TokenAccount>>,
    /// The new ticket at the queue's tail.
    #[account(
        init, payer = investor, space = 8 + RedemptionTicket::INIT_SPACE,
        seeds = [seeds::TICKET, pool.key().as_ref(), &pool.next_ticket_seq.to_le_bytes()], bump,
    )]
    pub ticket: Box<Account<'info, RedemptionTicket>>,
    /// SPL Token.
    pub token_program: Program<'info, Token>,
    /// System program.
    pub system_program: Program<'info, System>,
}

/// Queues `shares` for redemption. The shares are burned now and stay counted in
/// `pool.total_shares` until fulfilment, so the ticket is irrevocable and carries the price
/// risk until served.
pub fn handler(ctx: Context<RequestRedemption>, shares: u64) -> Result<()> {
    let accounts = &mut *ctx.accounts;
    require!(shares > 0, TesseraError::ZeroAmount);
    burn_from_user(
        &accounts.token_program,
        accounts.share_mint.to_account_info(),
        accounts.investor_shares.to_account_info(),
        &accounts.investor,
        shares,
    )?;
    let pool = &mut accounts.pool;
    let seq = pool.queue_redemption(shares)?;
    accounts.ticket.set_inner(RedemptionTicket {
        version: RedemptionTicket::VERSION,
        bump: ctx.bumps.ticket,
        pool: pool.key(),
        seq,
        owner: accounts.investor.key(),
        shares,
        assets: 0,
        status: TicketStatus::Queued,
        requested_at: Clock::get()?.unix_timestamp,
        fulfilled_at: 0,
    });
    accounts.ticket.invariant()?;
    accounts.share_mint.reload()?;
    require!(
        accounts.share_mint.supply <= pool.total_shares,
        TesseraError::ShareSupplyAboveLedger
    );
    let event = RedemptionRequested {
        pool: pool.key(),
        ticket: accounts.ticket.key(),
        seq,
        owner: accounts.investor.key(),
        shares,
    };
    crate::events::emit(&ctx.accounts.event_authority, &event)?;
    Ok(())
}
