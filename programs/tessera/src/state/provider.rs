//! `Provider`: a GPU operator's identity, collateral link and reputation counters.

use anchor_lang::prelude::*;

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
#[account]
#[derive(InitSpace, Debug)]
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

impl Provider {
    /// Current layout version.
    pub const VERSION: u8 = 1;
}
