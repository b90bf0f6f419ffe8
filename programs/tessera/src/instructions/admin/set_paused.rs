//! `set_paused`: the authority stops or resumes new exposure; exits are never paused.

use anchor_lang::prelude::*;

use crate::error::TesseraError;
use crate::events::PausedSet;
use crate::state::{seeds, Protocol};

/// Accounts of `set_paused`.
#[event_cpi]
#[derive(Accounts)]
pub struct SetPaused<'info> {
    /// Protocol authority.
    pub authority: Signer<'info>,
    /// The protocol.
    #[account(mut, dup, address = seeds::PROTOCOL_ADDRESS @ TesseraError::NotCanonicalAddress, has_one = authority @ TesseraError::NotAuthority)]
    pub protocol: Box<Account<'info, Protocol>>,
}

/// Sets the pause switch.
pub fn handler(ctx: Context<SetPaused>, paused: bool) -> Result<()> {
    let protocol = &mut ctx.accounts.protocol;
    let was_paused = protocol.paused;
    protocol.paused = paused;
    let event = PausedSet { was_paused, paused };
    crate::events::emit(&ctx.accounts.event_authority, &event)?;
    Ok(())
}
