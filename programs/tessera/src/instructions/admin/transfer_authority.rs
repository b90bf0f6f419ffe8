//! `transfer_authority`: step one of two; names (or clears) the pending authority.

use anchor_lang::prelude::*;

use crate::error::TesseraError;
use crate::events::AuthorityTransferProposed;
use crate::state::{seeds, Protocol};

/// Accounts of `transfer_authority`.
#[event_cpi]
#[derive(Accounts)]
pub struct TransferAuthority<'info> {
    /// Current authority.
    pub authority: Signer<'info>,
    /// The protocol.
    #[account(mut, dup, address = seeds::PROTOCOL_ADDRESS @ TesseraError::NotCanonicalAddress, has_one = authority @ TesseraError::NotAuthority)]
    pub protocol: Box<Account<'info, Protocol>>,
}

/// Proposes `new_authority`; nothing changes until it signs `accept_authority`.
pub fn handler(ctx: Context<TransferAuthority>, new_authority: Option<Pubkey>) -> Result<()> {
    ctx.accounts.protocol.pending_authority = new_authority;
    let event = AuthorityTransferProposed {
        authority: ctx.accounts.authority.key(),
        pending_authority: new_authority,
    };
    crate::events::emit(&ctx.accounts.event_authority, &event)?;
    Ok(())
}
