//! Events of the marketplace: providers, nodes, leases, receipts, settlement, disputes, fees.

use anchor_lang::prelude::*;

use crate::state::{NodeSpec, NodeStatus, ProviderStatus};

/// A provider registered.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderRegistered {
    /// Provider account.
    pub provider: Pubkey,
    /// Its authority.
    pub authority: Pubkey,
    /// Active stake at registration.
    pub stake: u64,
}

/// A node registered.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeRegistered {
    /// Node account.
    pub node: Pubkey,
    /// Provider account.
    pub provider: Pubkey,
    /// Pool it earns for.
    pub pool: Pubkey,
    /// Agent key.
    pub agent_key: Pubkey,
    /// Declared spec.
    pub spec: NodeSpec,
}

/// A node changed.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeUpdated {
    /// Node account.
    pub node: Pubkey,
    /// Spec before.
    pub old_spec: NodeSpec,
    /// Spec after.
    pub new_spec: NodeSpec,
    /// Status after.
    pub status: NodeStatus,
    /// Agent key before.
    pub old_agent_key: Pubkey,
    /// Agent key after.
    pub new_agent_key: Pubkey,
}

/// A benchmark signed by the agent key was recorded.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BenchmarkAttested {
    /// Node account.
    pub node: Pubkey,
    /// TFLOPS, hundredths.
    pub tflops_centi: u32,
    /// Memory bandwidth, GB/s.
    pub mem_bw_gbps: u32,
    /// When it ran.
    pub measured_at: i64,
}

/// A lease opened (directly or by filling a bid).
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaseOpened {
    /// Lease account.
    pub lease: Pubkey,
    /// Node.
    pub node: Pubkey,
    /// Renter.
    pub renter: Pubkey,
    /// GPUs.
    pub gpu_count: u16,
    /// Price per GPU-hour.
    pub price_per_gpu_hour: u64,
    /// Escrow paid in.
    pub escrow: u64,
    /// Start.
    pub start_at: i64,
    /// End.
    pub end_at: i64,
    /// SHA-256 of the job spec.
    pub job_hash: [u8; 32],
    /// Where the job spec lives (not stored on-chain).
    pub job_uri: String,
}

/// A lease's escrow was topped up.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaseToppedUp {
    /// Lease.
    pub lease: Pubkey,
    /// Amount added.
    pub amount: u64,
    /// End before.
    pub old_end_at: i64,
    /// End after.
    pub new_end_at: i64,
}

/// A receipt was accepted and its charge is pending.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceiptSubmitted {
    /// Lease.
    pub lease: Pubkey,
    /// Receipt sequence number.
    pub seq: u64,
    /// Period start.
    pub period_start: i64,
    /// Period end.
    pub period_end: i64,
    /// GPU-seconds billed (after the cap).
    pub gpu_seconds: u64,
    /// Charge moved from escrow to pending.
    pub charge: u64,
    /// Escrow left.
    pub escrow_left: u64,
    /// Co-signed by the renter.
    pub cosigned: bool,
}

/// A lease's escrow cannot pay another period like the last: the renter should top up, the
/// agent should warn and checkpoint the job.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaseInGrace {
    /// Lease.
    pub lease: Pubkey,
    /// Escrow left.
    pub escrow_left: u64,
    /// When anyone may close it (its end plus the grace period).
    pub grace_until: i64,
}

/// A charge settled into the pool's ledger.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChargeSettled {
    /// Lease.
    pub lease: Pubkey,
    /// Amount settled.
    pub amount: u64,
    /// To protocol fees.
    pub protocol_fee: u64,
    /// To the operator.
    pub operator_fee: u64,
    /// To investors (vesting).
    pub investors: u64,
}

/// The renter disputed the pending charge.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChargeDisputed {
    /// Lease.
    pub lease: Pubkey,
    /// Amount frozen.
    pub pending: u64,
}

/// The arbiter resolved a dispute.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisputeResolved {
    /// Lease.
    pub lease: Pubkey,
    /// Refunded to the lease escrow.
    pub refunded: u64,
    /// Settled to the provider side.
    pub settled: u64,
    /// Stake slashed.
    pub slashed: u64,
    /// Whether the lease was ended.
    pub terminated: bool,
}

/// Why a lease closed.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseReason {
    /// Closed at or after its end.
    Ended,
    /// Closed early by the renter.
    Renter,
    /// Reaped by a third party after its paid time and grace ran out.
    EscrowExhausted,
    /// Ended by the arbiter after a dispute.
    Dispute,
    /// Cancelled before its end by the provider or its agent (the rig could not serve it):
    /// time since the last receipt is not charged.
    Cancelled,
}

/// A lease closed.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaseClosed {
    /// Lease.
    pub lease: Pubkey,
    /// Who closed it.
    pub closer: Pubkey,
    /// Why.
    pub reason: CloseReason,
    /// Unused escrow refunded to the renter.
    pub refund: u64,
    /// Final allocation charge settled at close (renter closes only).
    pub final_charge: u64,
    /// Lamports paid to a third-party closer.
    pub bounty: u64,
}

/// A bid was posted.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BidPosted {
    /// Bid.
    pub bid: Pubkey,
    /// Renter.
    pub renter: Pubkey,
    /// Price per GPU-hour.
    pub price_per_gpu_hour: u64,
    /// GPUs.
    pub gpu_count: u16,
    /// Escrow.
    pub escrow: u64,
}

/// A bid was cancelled and refunded.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BidCancelled {
    /// Bid.
    pub bid: Pubkey,
    /// Refund.
    pub refund: u64,
}

/// A bid was filled by a node.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BidAccepted {
    /// Bid.
    pub bid: Pubkey,
    /// Lease created.
    pub lease: Pubkey,
    /// Node.
    pub node: Pubkey,
}

/// The operator collected fees.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OperatorFeesClaimed {
    /// Pool.
    pub pool: Pubkey,
    /// Amount.
    pub amount: u64,
}

/// Protocol fees were swept to stakers and the treasury.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProtocolFeesSwept {
    /// Pool.
    pub pool: Pubkey,
    /// To stakers.
    pub to_stakers: u64,
    /// To the treasury.
    pub to_treasury: u64,
}

/// The arbiter changed a provider's standing.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderStatusSet {
    /// Provider account.
    pub provider: Pubkey,
    /// Before.
    pub old_status: ProviderStatus,
    /// After.
    pub new_status: ProviderStatus,
}
