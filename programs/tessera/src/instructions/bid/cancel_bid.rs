//! `cancel_bid`: the renter withdraws an unfilled bid and its escrow.

use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};

use crate::error::TesseraError;
use crate::events::BidCancelled;
use crate::instructions::bid::close_escrow;
use crate::instructions::token::transfer_from_pda;
use crate::state::{seeds, Bid, Protocol};

/// Accounts of `cancel_bid`.
#[event_cpi]
#[derive(Accounts)]
pub struct CancelBid<'info> {
    /// The renter; receives the rent.
    #[account(mut)]
    pub renter: Signer<'info>,
    /// The protocol (settlement mint).
    #[account(address = seeds::PROTOCOL_ADDRESS @ TesseraError::NotCanonicalAddress)]
    pub protocol: Box<Account<'info, Protocol>>,
    /// The bid, closed to the renter.
    #[account(
        mut, dup, close = renter,
        seeds = [seeds::BID, renter.key().as_ref(), &bid.bid_id.to_le_bytes()], bump = bid.bump,
        has_one = renter @ TesseraError::NotRenter,
    )]
    pub bid: Box<Account<'info, Bid>>,
    /// The bid's escrow.
    #[account(mut, seeds = [seeds::BID_ESCROW, bid.key().as_ref()], bump = bid.escrow_bump)]
    pub bid_escrow: Box<Account<'info, TokenAccount>>,
    /// Renter's settlement-token account (refunded to).
    #[account(mut, constraint = renter_token.mint == protocol.settlement_mint @ TesseraError::SettlementMintMismatch)]
    pub renter_token: Box<Account<'info, TokenAccount>>,
    /// SPL Token.
    pub token_program: Program<'info, Token>,
}

/// Refunds the escrow and closes both accounts. Never paused.
pub fn handler(ctx: Context<CancelBid>) -> Result<()> {
    let accounts = &mut *ctx.accounts;
    let refund = accounts.bid_escrow.amount;
    let seeds = accounts.bid.seeds();
    transfer_from_pda(
        &accounts.token_program,
        &accounts.bid_escrow,
        &accounts.renter_token,
        accounts.bid.to_account_info(),
        &seeds.as_slices(),
        refund,
    )?;
    close_escrow(
        &accounts.token_program,
        &accounts.bid_escrow,
        &accounts.bid,
        accounts.renter.to_account_info(),
    )?;
    let event = BidCancelled {
        bid: accounts.bid.key(),
        refund,
    };
    crate::events::emit(&ctx.accounts.event_authority, &event)?;
    Ok(())
}
