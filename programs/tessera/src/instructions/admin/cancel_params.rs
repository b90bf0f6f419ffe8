//! `cancel_params`: the authority withdraws a pending parameter change.

use anchor_lang::prelude::*;

use crate::error::TesseraError;
use crate::events::ParamsCancelled;
use crate::state::{seeds, Protocol};

/// Accounts of `cancel_params`.
#[event_cpi]
#[derive(Accounts)]
pub struct CancelParams<'info> {
    /// Protocol authority.
    pub authority: Signer<'info>,
    /// The protocol.
    #[account(mut, dup, address = seeds::PROTOCOL_ADDRESS @ TesseraError::NotCanonicalAddress, has_one = authority @ TesseraError::NotAuthority)]
    pub protocol: Box<Account<'info, Protocol>>,
}

/// Drops the pending change.
pub fn handler(ctx: Context<CancelParams>) -> Result<()> {
    let protocol = &mut ctx.accounts.protocol;
    let change = protocol.cancel_change()?;
    protocol.invariant()?;
    let event = ParamsCancelled { change };
    crate::events::emit(&ctx.accounts.event_authority, &event)?;
    Ok(())
}
