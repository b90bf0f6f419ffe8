//! `apply_params`: anyone applies a proposed change once its notice period is over.

use anchor_lang::prelude::*;

use crate::error::TesseraError;
use crate::events::ParamsUpdated;
use crate::state::{seeds, Protocol};

/// Accounts of `apply_params`.
#[event_cpi]
#[derive(Accounts)]
pub struct ApplyParams<'info> {
    /// The protocol.
    #[account(mut, dup, address = seeds::PROTOCOL_ADDRESS @ TesseraError::NotCanonicalAddress)]
    pub protocol: Box<Account<'info, Protocol>>,
}

/// Replaces parameters, treasury and arbiter with the pending change. Permissionless: the
/// change was public for the whole notice period.
pub fn handler(ctx: Context<ApplyParams>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let protocol = &mut ctx.accounts.protocol;
    let (old_params, old_treasury, old_arbiter) =
        (protocol.params, protocol.treasury, protocol.arbiter);
    let change = protocol.apply_change(now)?;
    protocol.invariant()?;
    let event = ParamsUpdated {
        old_params,
        new_params: change.params,
        old_treasury,
        new_treasury: change.treasury,
        old_arbiter,
        new_arbiter: change.arbiter,
    };
    crate::events::emit(&ctx.accounts.event_authority, &event)?;
    Ok(())
}
