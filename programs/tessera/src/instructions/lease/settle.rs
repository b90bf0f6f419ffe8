//! `settle`: after the dispute window (or at once when co-signed), anyone moves a lease's
//! pending charge into the pool's ledger: protocol fee, operator fee, investors. Pure ledger
//! moves on the lease, node, provider and pool; nothing protocol-wide is written.

use anchor_lang::prelude::*;

use crate::error::TesseraError;
use crate::state::{seeds, Lease, Node, Pool, Protocol, Provider};

/// Accounts of `settle`. Only the lease's address is re-derived: the node and pool are the ones
/// the canonical lease names, and the provider the one that node names, so each is canonical too
/// (a copy elsewhere fails `has_one` with `NodeMismatch` or `PoolMismatch`).
#[event_cpi]
#[derive(Accounts)]
pub struct Settle<'info> {
    /// The protocol (vesting period of new revenue), read-only; only its parameters are read.
    /// CHECK: the address is checked here, owner and discriminator by `Protocol::params_of`.
    #[account(address = seeds::PROTOCOL_ADDRESS @ TesseraError::NotCanonicalAddress)]
    pub protocol: UncheckedAccount<'info>,
    /// The node's provider (reputation counters).
    #[account(mut, dup)]
    pub provider: Box<Account<'info, Provider>>,
    /// The leased node (reputation counters).
    #[account(mut, dup, has_one = provider @ TesseraError::NodeMismatch)]
    pub node: Box<Account<'info, Node>>,
    /// The lease.
    #[account(
        mut, dup, constraint = lease.is_at(&lease.key()) @ TesseraError::NotCanonicalAddress,
        has_one = node @ TesseraError::NodeMismatch,
        has_one = pool @ TesseraError::PoolMismatch,
    )]
    pub lease: Box<Account<'info, Lease>>,
    /// The lease's pool.
    #[account(mut, dup)]
    pub pool: Box<Account<'info, Pool>>,
}

/// Settles the pending charge. Permissionless.
pub fn handler(ctx: Context<Settle>) -> Result<()> {
    let accounts = &mut *ctx.accounts;
    let lease = &mut accounts.lease;
    let now = Clock::get()?.unix_timestamp;
    let (amount, gpu_seconds) = lease.take_pending(now)?;
    accounts.pool.release_pending(amount)?;
    let key = lease.key();
    let settled = lease.settle_charge(
        key,
        &mut accounts.node,
        &mut accounts.provider,
        &mut accounts.pool,
        amount,
        gpu_seconds,
        Protocol::params_of(&accounts.protocol)?.revenue_vesting_secs,
        now,
    )?;
    lease.invariant()?;
    accounts.node.invariant()?;
    accounts.pool.check_books()?;
    crate::events::emit(&ctx.accounts.event_authority, &settled)?;
    Ok(())
}
