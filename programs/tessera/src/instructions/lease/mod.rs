//! Leases: opening, top-ups, usage receipts, settlement, disputes and closing, plus the pieces
//! those share with bids and the arbiter.

pub mod close_lease;
pub mod dispute;
pub mod open_lease;
pub mod settle;
pub mod submit_receipt;
pub mod top_up_lease;

#[allow(ambiguous_glob_reexports)]
pub use {
    close_lease::*, dispute::*, open_lease::*, settle::*, submit_receipt::*, top_up_lease::*,
};

use anchor_lang::prelude::*;

use crate::events::LeaseOpened;
use crate::instructions::shared::PoolVault;
use crate::state::{Lease, LeaseParties, LeaseTerms, Node, Provider, StakePosition};

/// Opens `lease` (just created at `bump`) on `terms`, its escrow already in the vault: the
/// transition is [`Lease::begin`]; this stores the lease and checks the vault against the
/// ledger. Shared by `open_lease` and `accept_bid`.
#[allow(clippy::too_many_arguments)]
pub fn start_lease<'info>(
    lease: &mut Account<'info, Lease>,
    bump: u8,
    terms: LeaseTerms,
    provider: &mut Provider,
    position: &mut StakePosition,
    node: &mut Account<'info, Node>,
    pool_vault: &mut PoolVault<'info>,
) -> Result<LeaseOpened> {
    let parties = LeaseParties {
        provider,
        position,
        node_key: node.key(),
        node,
        pool_key: pool_vault.pool.key(),
        pool: &mut pool_vault.pool,
    };
    let now = Clock::get()?.unix_timestamp;
    let (opened, event) = Lease::begin(lease.key(), bump, terms, parties, now)?;
    lease.set_inner(opened);
    pool_vault.reload_and_check()?;
    Ok(event)
}
