//! `dispute`: within the window, the renter freezes the pending charge for the arbiter.

use anchor_lang::prelude::*;

use crate::error::TesseraError;
use crate::events::ChargeDisputed;
use crate::state::{seeds, Lease, LeaseStatus, Protocol};

/// Accounts of `dispute`.
#[derive(Accounts)]
pub struct Dispute<'info> {
    /// The renter.
    pub renter: Signer<'info>,
    /// The protocol (window), read-only.
    #[account(seeds = [seeds::PROTOCOL], bump = protocol.bump)]
    pub protocol: Box<Account<'info, Protocol>>,
    /// The lease.
    #[account(
        mut, seeds = [seeds::LEASE, lease.node.as_ref(), &lease.lease_id.to_le_bytes()], bump = lease.bump,
        has_one = renter @ TesseraError::NotRenter,
    )]
    pub lease: Box<Account<'info, Lease>>,
}

/// Marks the lease disputed. Never paused: it protects the renter.
pub fn handler(ctx: Context<Dispute>) -> Result<()> {
    let lease = &mut ctx.accounts.lease;
    require!(
        lease.status == LeaseStatus::Active,
        TesseraError::LeaseDisputed
    );
    require!(lease.pending > 0, TesseraError::NothingPending);
    let now = Clock::get()?.unix_timestamp;
    require!(
        !lease.pending_settleable(now, ctx.accounts.protocol.params.dispute_window_secs),
        TesseraError::DisputeWindowClosed
    );
    lease.status = LeaseStatus::Disputed;
    emit!(ChargeDisputed {
        lease: lease.key(),
        pending: lease.pending,
    });
    Ok(())
}
