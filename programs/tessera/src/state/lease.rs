//! `Lease`: k GPUs of one node rented at a fixed price, its escrow and its receipt cursor.

use anchor_lang::prelude::*;

use crate::error::TesseraError;
use crate::math;

/// Where a lease stands. Closed leases do not exist: closing deletes the account.
#[derive(AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeaseStatus {
    /// Running; receipts accrue and settle.
    Active,
    /// The renter disputed the pending charge; only the arbiter moves it.
    Disputed,
}

/// A lease at `["lease", node, lease_id]` (≤ 256 bytes with its discriminator).
///
/// Charges are computed on cumulative GPU-seconds (`gpu_seconds_billed`) at the price per
/// GPU-hour fixed at opening, so per-receipt rounding never accumulates: after any number of
/// receipts the renter has paid exactly `floor(total GPU-seconds × price / 3600)`.
#[account]
#[derive(InitSpace, Debug)]
pub struct Lease {
    /// Layout version.
    pub version: u8,
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// Lifecycle state.
    pub status: LeaseStatus,
    /// Node leased.
    pub node: Pubkey,
    /// Renter (receives refunds and the account's rent).
    pub renter: Pubkey,
    /// Pool whose vault holds the escrow.
    pub pool: Pubkey,
    /// Node-scoped id.
    pub lease_id: u64,
    /// GPUs leased.
    pub gpu_count: u16,
    /// Price per GPU-hour fixed at opening.
    pub price_per_gpu_hour: u64,
    /// Start time.
    pub start_at: i64,
    /// End time (extended by top-ups, cut short by a terminating dispute).
    pub end_at: i64,
    /// Prepaid, unearned escrow left.
    pub escrow: u64,
    /// Charged by the last receipt, not yet settled.
    pub pending: u64,
    /// When `pending` was charged (the dispute window runs from here).
    pub pending_since: i64,
    /// GPU-seconds behind `pending`.
    pub pending_gpu_seconds: u64,
    /// Whether the renter co-signed the pending receipt (settleable at once).
    pub pending_cosigned: bool,
    /// Settled charges so far.
    pub charged_total: u64,
    /// GPU-seconds charged so far (settled and pending).
    pub gpu_seconds_billed: u64,
    /// Sequence number of the last receipt (0: none yet; receipts start at 1).
    pub last_seq: u64,
    /// End of the last receipt's period (starts at `start_at`).
    pub last_period_end: i64,
    /// Set when a receipt found the escrow unable to pay another period: the end plus
    /// `grace_secs`, after which anyone may close the lease (0: not announced).
    pub grace_until: i64,
    /// Set when the arbiter terminated the lease.
    pub terminated: bool,
    /// SHA-256 of the job spec (the URI travels in the `LeaseOpened` event).
    pub job_hash: [u8; 32],
}

impl Lease {
    /// Current layout version.
    pub const VERSION: u8 = 1;

    /// Charge for `more` GPU-seconds after those already billed, capped by the escrow.
    pub fn charge_for(&self, more: u64) -> Result<u64> {
        Ok(self.cost_for(more)?.min(self.escrow))
    }

    /// Cost of `more` GPU-seconds after those already billed, uncapped.
    pub fn cost_for(&self, more: u64) -> Result<u64> {
        let total = self
            .gpu_seconds_billed
            .checked_add(more)
            .ok_or_else(|| error!(TesseraError::MathOverflow))?;
        let after = math::cost_of_gpu_seconds(total, self.price_per_gpu_hour);
        let before = math::cost_of_gpu_seconds(self.gpu_seconds_billed, self.price_per_gpu_hour);
        u64::try_from(after.saturating_sub(before)).map_err(|_| error!(TesseraError::MathOverflow))
    }

    /// Allocation-billed GPU-seconds from the last receipt's end to `until`.
    pub fn unbilled_gpu_seconds(&self, until: i64) -> u64 {
        let secs =
            u64::try_from(until.min(self.end_at).saturating_sub(self.last_period_end)).unwrap_or(0);
        secs.saturating_mul(u64::from(self.gpu_count))
    }

    /// Whether the pending charge may be settled at `now`.
    pub fn pending_settleable(&self, now: i64, dispute_window_secs: u32) -> bool {
        self.pending_cosigned
            || now
                >= self
                    .pending_since
                    .saturating_add(i64::from(dispute_window_secs))
    }
}
