//! `process_redemptions`: serves the redemption queue strictly in order while cash lasts.

use anchor_lang::prelude::*;

use crate::error::TesseraError;
use crate::events::RedemptionFulfilled;
use crate::state::{seeds, Pool, RedemptionTicket, TicketStatus};

/// Most tickets one call serves (bounds compute).
pub const MAX_TICKETS_PER_CRANK: usize = 8;

/// Accounts of `process_redemptions`; the tickets follow as writable remaining accounts, in
/// queue order starting at the head.
#[event_cpi]
#[derive(Accounts)]
pub struct ProcessRedemptions<'info> {
    /// The pool.
    #[account(mut, dup, seeds = [seeds::POOL, pool.operator.as_ref(), &pool.pool_id.to_le_bytes()], bump = pool.bump)]
    pub pool: Box<Account<'info, Pool>>,
}

/// Prices and sets aside each ticket in order at the current share price; stops at the first
/// that free cash cannot cover, so nobody is served ahead of an earlier request.
/// Returns through events; the number served is `pool.head_ticket_seq` moving.
pub fn handler<'info>(ctx: Context<'info, ProcessRedemptions<'info>>) -> Result<()> {
    require!(
        ctx.remaining_accounts.len() <= MAX_TICKETS_PER_CRANK,
        TesseraError::TooManyTickets
    );
    let now = Clock::get()?.unix_timestamp;
    let pool_key = ctx.accounts.pool.key();
    let pool = &mut ctx.accounts.pool;
    for info in ctx.remaining_accounts {
        require!(info.is_writable, ErrorCode::AccountNotMutable);
        // Owner and discriminator are checked here: no other account type deserialises.
        let mut ticket: Account<'info, RedemptionTicket> = Account::try_from(info)?;
        require_keys_eq!(ticket.pool, pool_key, TesseraError::TicketPoolMismatch);
        require!(
            ticket.seq == pool.head_ticket_seq && ticket.status == TicketStatus::Queued,
            TesseraError::TicketOutOfOrder
        );
        let expected = Pubkey::create_program_address(
            &[
                seeds::TICKET,
                pool_key.as_ref(),
                &ticket.seq.to_le_bytes(),
                &[ticket.bump],
            ],
            ctx.program_id,
        )
        .map_err(|_| error!(TesseraError::TicketOutOfOrder))?;
        require_keys_eq!(expected, info.key(), TesseraError::TicketOutOfOrder);

        let assets = pool.assets_for(ticket.shares, now)?;
        if assets > pool.cash {
            break;
        }
        pool.serve_redemption(ticket.seq, ticket.shares, assets)?;
        ticket.fulfil(assets, now);
        ticket.invariant()?;
        // Persist now so a duplicate of this account later in the list reads the new state.
        ticket.exit(ctx.program_id)?;
        let event = RedemptionFulfilled {
            pool: pool_key,
            seq: ticket.seq,
            shares: ticket.shares,
            assets,
            cash: pool.cash,
        };
        crate::events::emit(&ctx.accounts.event_authority, &event)?;
    }
    Ok(())
}
