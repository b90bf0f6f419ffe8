//! `dispute`: within the window, the renter freezes the pending charge for the arbiter.

use anchor_lang::prelude::*;

use crate::error::TesseraError;
use crate::events::ChargeDisputed;
use crate::state::{seeds, Lease};

/// Accounts of `dispute`.
#[event_cpi]
#[derive(Accounts)]
pub struct Dispute<'info> {
    /// The renter.
    pub renter: Signer<'info>,
    /// The lease.
    #[account(
        mut, dup, seeds = [seeds::LEASE, lease.node.as_ref(), &lease.lease_id.to_le_bytes()], bump = lease.bump,
        has_one = renter @ TesseraError::NotRenter,
    )]
    pub lease: Box<Account<'info, Lease>>,
}

/// Marks the lease disputed. Never paused: it protects the renter.
pub fn handler(ctx: Context<Dispute>) -> Result<()> {
    let lease = &mut ctx.accounts.lease;
    let now = Clock::get()?.unix_timestamp;
    lease.open_dispute(now)?;
    lease.invariant()?;
    let event = ChargeDisputed {
        lease: lease.key(),
        pending: lease.pending,
    };
    crate::events::emit(&ctx.accounts.event_authority, &event)?;
    Ok(())
}
