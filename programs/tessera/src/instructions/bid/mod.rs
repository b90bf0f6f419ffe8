//! Bids: renters post escrowed offers; providers fill them with matching nodes.

pub mod accept_bid;
pub mod cancel_bid;
pub mod post_bid;

#[allow(ambiguous_glob_reexports)]
pub use {accept_bid::*, cancel_bid::*, post_bid::*};

use anchor_lang::prelude::*;
use anchor_spl::token::{self, CloseAccount, Token, TokenAccount};

use crate::state::Bid;

/// Closes a bid's (emptied) escrow token account, returning its rent to `destination`.
pub fn close_escrow<'info>(
    token_program: &Program<'info, Token>,
    escrow: &Account<'info, TokenAccount>,
    bid: &Account<'info, Bid>,
    destination: AccountInfo<'info>,
) -> Result<()> {
    let seeds = bid.seeds();
    let slices = seeds.as_slices();
    let signer = [&slices[..]];
    let accounts = CloseAccount {
        account: escrow.to_account_info(),
        destination,
        authority: bid.to_account_info(),
    };
    token::close_account(CpiContext::new_with_signer(
        token_program.key(),
        accounts,
        &signer,
    ))
}
