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

use crate::error::TesseraError;
use crate::events::{ChargeSettled, LeaseOpened};
use crate::instructions::shared::PoolVault;
use crate::math::add;
use crate::state::{
    AgreedTerms, Lease, LeaseStatus, Node, Pool, Protocol, Provider, StakePosition,
};

/// Terms of a lease being opened.
pub struct LeaseTerms {
    /// Renter.
    pub renter: Pubkey,
    /// GPUs.
    pub gpu_count: u16,
    /// Length, seconds.
    pub duration_secs: u32,
    /// Price per GPU-hour fixed for the lease.
    pub price_per_gpu_hour: u64,
    /// Escrow already moved into the pool vault.
    pub escrow: u64,
    /// SHA-256 of the job spec.
    pub job_hash: [u8; 32],
    /// Where the job spec lives (event only; empty for bids).
    pub job_uri: String,
    /// Protocol terms the lease keeps for its life: those in force now for `open_lease`,
    /// those the bid was posted under for `accept_bid`.
    pub agreed: AgreedTerms,
}

/// Writes a new lease whose escrow is already in the vault and books its allocation: the
/// node's GPUs, the provider's open-lease count and collateral lock, the pool's `escrowed`;
/// then checks the vault against the ledger; returns the `LeaseOpened` event to emit.
#[allow(clippy::too_many_arguments)]
pub fn begin_lease<'info>(
    protocol: &Protocol,
    provider: &mut Provider,
    position: &mut StakePosition,
    node: &mut Account<'info, Node>,
    pool_vault: &mut PoolVault<'info>,
    lease: &mut Account<'info, Lease>,
    bump: u8,
    terms: LeaseTerms,
) -> Result<LeaseOpened> {
    let pool = &mut pool_vault.pool;
    provider.lease_opened(position, protocol.params.min_provider_stake)?;
    provider.invariant(position)?;
    let lease_id = node.allocate(terms.gpu_count, terms.duration_secs)?;
    node.invariant()?;
    pool.escrowed = add(pool.escrowed, terms.escrow)?;
    let start_at = Clock::get()?.unix_timestamp;
    let end_at = start_at
        .checked_add(i64::from(terms.duration_secs))
        .ok_or_else(|| error!(TesseraError::MathOverflow))?;
    lease.set_inner(Lease {
        version: Lease::VERSION,
        bump,
        status: LeaseStatus::Active,
        node: node.key(),
        renter: terms.renter,
        pool: pool.key(),
        lease_id,
        gpu_count: terms.gpu_count,
        price_per_gpu_hour: terms.price_per_gpu_hour,
        start_at,
        end_at,
        escrow: terms.escrow,
        pending: 0,
        pending_since: 0,
        pending_gpu_seconds: 0,
        pending_cosigned: false,
        charged_total: 0,
        gpu_seconds_billed: 0,
        last_seq: 0,
        last_period_end: start_at,
        grace_until: 0,
        terminated: false,
        job_hash: terms.job_hash,
        terms: terms.agreed,
    });
    lease.invariant()?;
    pool_vault.reload_and_check()?;
    Ok(LeaseOpened {
        lease: lease.key(),
        node: node.key(),
        renter: terms.renter,
        gpu_count: terms.gpu_count,
        price_per_gpu_hour: terms.price_per_gpu_hour,
        escrow: terms.escrow,
        start_at,
        end_at,
        job_hash: terms.job_hash,
        job_uri: terms.job_uri,
    })
}

/// Settles `amount` for `gpu_seconds` of `lease` (already removed from the pool's `pending` or
/// `escrowed`): fee split at the lease's agreed protocol fee into the pool's ledger, investors'
/// part vesting over the period in force now, reputation counters; returns the
/// `ChargeSettled` event to emit.
#[allow(clippy::too_many_arguments)]
pub fn settle_charge(
    protocol: &Protocol,
    lease: &mut Lease,
    lease_key: Pubkey,
    node: &mut Node,
    provider: &mut Provider,
    pool: &mut Pool,
    amount: u64,
    gpu_seconds: u64,
) -> Result<ChargeSettled> {
    let now = Clock::get()?.unix_timestamp;
    let split = pool.book_revenue(
        amount,
        lease.terms.protocol_fee_bps,
        now,
        protocol.params.revenue_vesting_secs,
    )?;
    lease.charged_total = add(lease.charged_total, amount)?;
    node.gpu_seconds_served = node.gpu_seconds_served.saturating_add(gpu_seconds);
    provider.charge_settled(gpu_seconds);
    Ok(ChargeSettled {
        lease: lease_key,
        amount,
        protocol_fee: split.protocol_fee,
        operator_fee: split.operator_fee,
        investors: split.investors,
    })
}
