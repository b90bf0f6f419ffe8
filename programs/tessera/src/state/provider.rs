//! `Provider`: a GPU operator's identity, collateral link and reputation counters.

use anchor_lang::prelude::*;

use crate::error::TesseraError;
use crate::math::add;
use crate::state::image::tessera_account;
use crate::state::{seeds, StakePosition};

/// Whether a provider may take new leases.
#[derive(AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProviderStatus {
    /// In good standing.
    Active,
    /// Suspended by the arbiter (`set_provider_status`): running leases continue and settle,
    /// new leases and bid fills are refused.
    Jailed,
}

/// A provider at `["provider", authority]`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, InitSpace, Debug)]
pub struct Provider {
    /// Layout version.
    pub version: u8,
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// The provider's wallet (cold key): registers nodes, fills bids, owns the stake position.
    pub authority: Pubkey,
    /// The authority's stake position (collateral).
    pub stake_position: Pubkey,
    /// Standing.
    pub status: ProviderStatus,
    /// Nodes registered so far (next node id).
    pub node_count: u64,
    /// Leases open now across all nodes; collateral stays locked while above zero.
    pub active_leases: u32,
    /// Receipts settled (reputation).
    pub receipts_settled: u64,
    /// GPU-seconds paid for (reputation).
    pub gpu_seconds_served: u64,
    /// Leases closed after running (reputation).
    pub leases_completed: u64,
    /// Disputes resolved against the provider (reputation).
    pub disputes_lost: u32,
    /// Stake slashed so far (reputation).
    pub slashed_total: u64,
    /// Room for future fields without a migration.
    pub reserved: [u8; 32],
}

tessera_account!(Provider, [164, 180, 71, 17, 75, 216, 80, 195]);

impl Provider {
    /// Current layout version.
    pub const VERSION: u8 = 1;

    /// Whether `key` is this account's own address (not a copy of it elsewhere).
    pub fn is_at(&self, key: &Pubkey) -> bool {
        seeds::derives(
            key,
            &[seeds::PROVIDER, self.authority.as_ref(), &[self.bump]],
        )
    }

    /// Checks the provider may take a new lease with `position` as collateral, then counts
    /// it and locks `min_stake` of the position while any lease runs. The lock only grows
    /// while leases run: a lease opened under a lowered minimum never releases collateral that
    /// a live lease opened under a higher one relies on. It is the largest minimum of the
    /// leases opened since none ran, and clears with the last of them.
    pub fn lease_opened(&mut self, position: &mut StakePosition, min_stake: u64) -> Result<()> {
        require!(
            self.status == ProviderStatus::Active,
            TesseraError::ProviderJailed
        );
        require!(
            position.amount >= min_stake,
            TesseraError::ProviderUnderstaked
        );
        self.active_leases = self.active_leases.saturating_add(1);
        position.locked_amount = position.locked_amount.max(min_stake);
        Ok(())
    }

    /// Counts a closed lease; the collateral unlocks with the last one.
    pub fn lease_closed(&mut self, position: &mut StakePosition) {
        self.active_leases = self.active_leases.saturating_sub(1);
        self.leases_completed = self.leases_completed.saturating_add(1);
        if self.active_leases == 0 {
            position.locked_amount = 0;
        }
    }

    /// Counts a settled charge for `gpu_seconds` (reputation).
    pub fn charge_settled(&mut self, gpu_seconds: u64) {
        self.gpu_seconds_served = self.gpu_seconds_served.saturating_add(gpu_seconds);
        self.receipts_settled = self.receipts_settled.saturating_add(1);
    }

    /// Counts a dispute's outcome: `lost` when anything was refunded or slashed.
    pub fn dispute_resolved(&mut self, lost: bool, slashed: u64) -> Result<()> {
        self.slashed_total = add(self.slashed_total, slashed)?;
        if lost {
            self.disputes_lost = self.disputes_lost.saturating_add(1);
        }
        Ok(())
    }

    /// Checks collateral is locked only while leases run.
    pub fn invariant(&self, position: &StakePosition) -> Result<()> {
        require!(
            self.active_leases > 0 || position.locked_amount == 0,
            TesseraError::StakeLedgerBroken
        );
        Ok(())
    }
}
