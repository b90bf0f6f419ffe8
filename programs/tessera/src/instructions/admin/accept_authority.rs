//! `accept_authority`: step two; the pending authority takes over by signing.

use anchor_lang::prelude::*;

use crate::error::TesseraError;
use crate::events::AuthorityTransferred;
use crate::state::{seeds, Protocol};

/// Accounts of `accept_authority`.
#[event_cpi]
#[derive(Accounts)]
pub struct AcceptAuthority<'info> {
    /// The key named by `transfer_authority`.
    pub new_authority: Signer<'info>,
    /// The protocol.
    #[account(
        mut, dup, address = seeds::PROTOCOL_ADDRESS @ TesseraError::NotCanonicalAddress,
        constraint = protocol.pending_authority == Some(new_authority.key()) @ TesseraError::NotPendingAuthority,
    )]
    pub protocol: Box<Account<'info, Protocol>>,
}

/// Makes the signer the authority and clears the proposal.
pub fn handler(ctx: Context<AcceptAuthority>) -> Result<()> {
    let protocol = &mut ctx.accounts.protocol;
    let old_authority = protocol.authority;
    protocol.authority = ctx.accounts.new_authority.key();
    protocol.pending_authority = None;
    let event = AuthorityTransferred {
        old_authority,
        new_authority: protocol.authority,
    };
    crate::events::emit(&ctx.accounts.event_authority, &event)?;
    Ok(())
}
