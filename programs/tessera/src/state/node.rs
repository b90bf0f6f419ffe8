//! `Node`: one rig: its hot agent key, GPUs, benchmark figures, ask price and allocation.

use anchor_lang::prelude::*;

use crate::error::TesseraError;
use crate::state::image::tessera_account;
use crate::state::seeds;

/// Whether a node takes new leases.
#[derive(AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeStatus {
    /// Accepting leases.
    Online,
    /// Not accepting new leases; running leases continue.
    Offline,
}

/// Hardware and pricing a provider declares for a node.
#[derive(AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeSpec {
    /// GPU model, UTF-8, zero padded (e.g. `NVIDIA H100 80GB HBM3`).
    pub gpu_model: [u8; 32],
    /// GPUs in the rig.
    pub gpu_count: u16,
    /// Memory per GPU in MiB.
    pub vram_mib: u32,
    /// Ask price per GPU-hour in settlement base units.
    pub price_per_gpu_hour: u64,
    /// Shortest lease accepted, seconds.
    pub min_lease_secs: u32,
    /// Longest lease accepted, seconds.
    pub max_lease_secs: u32,
}

impl NodeSpec {
    /// Refuses empty rigs, free GPUs and inverted lease bounds.
    pub fn validate(&self) -> Result<()> {
        require!(self.gpu_count > 0, TesseraError::InvalidNodeSpec);
        require!(self.price_per_gpu_hour > 0, TesseraError::InvalidNodeSpec);
        require!(self.min_lease_secs > 0, TesseraError::InvalidNodeSpec);
        require!(
            self.min_lease_secs <= self.max_lease_secs,
            TesseraError::InvalidNodeSpec
        );
        Ok(())
    }
}

/// A rig at `["node", provider, node_id]`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, InitSpace, Debug)]
pub struct Node {
    /// Layout version.
    pub version: u8,
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// Owning provider account.
    pub provider: Pubkey,
    /// Provider-scoped id.
    pub node_id: u64,
    /// Pool whose vault escrows this node's leases and earns its revenue.
    pub pool: Pubkey,
    /// The rig's hot ed25519 key: signs receipts and benchmark attestations.
    pub agent_key: Pubkey,
    /// Declared hardware and price.
    pub spec: NodeSpec,
    /// Measured dense TFLOPS (bf16), in hundredths, from the last attestation.
    pub tflops_centi: u32,
    /// Measured device memory bandwidth in GB/s, from the last attestation.
    pub mem_bw_gbps: u32,
    /// When the last benchmark was attested (0: never).
    pub benchmarked_at: i64,
    /// Availability.
    pub status: NodeStatus,
    /// GPUs leased now.
    pub gpus_allocated: u16,
    /// Leases open now.
    pub active_leases: u32,
    /// Leases opened so far (next lease id).
    pub lease_count: u64,
    /// GPU-seconds paid for on this node.
    pub gpu_seconds_served: u64,
    /// Room for future fields without a migration.
    pub reserved: [u8; 32],
}

tessera_account!(Node, [208, 53, 1, 3, 49, 122, 180, 49]);

impl Node {
    /// Current layout version.
    pub const VERSION: u8 = 1;

    /// Whether `key` is this account's own address (not a copy of it elsewhere).
    pub fn is_at(&self, key: &Pubkey) -> bool {
        seeds::derives(
            key,
            &[
                seeds::NODE,
                self.provider.as_ref(),
                &self.node_id.to_le_bytes(),
                &[self.bump],
            ],
        )
    }

    /// GPUs not leased.
    pub fn free_gpus(&self) -> u16 {
        self.spec.gpu_count.saturating_sub(self.gpus_allocated)
    }

    /// Counts `gpu_seconds` of settled service (reputation).
    pub fn charge_settled(&mut self, gpu_seconds: u64) {
        self.gpu_seconds_served = self.gpu_seconds_served.saturating_add(gpu_seconds);
    }

    /// Reserves `gpus` for a new lease of `duration_secs` at the node's terms.
    pub fn allocate(&mut self, gpus: u16, duration_secs: u32) -> Result<u64> {
        require!(self.status == NodeStatus::Online, TesseraError::NodeOffline);
        require!(gpus > 0, TesseraError::ZeroAmount);
        require!(gpus <= self.free_gpus(), TesseraError::NotEnoughFreeGpus);
        require!(
            (self.spec.min_lease_secs..=self.spec.max_lease_secs).contains(&duration_secs),
            TesseraError::LeaseLengthOutOfRange
        );
        self.gpus_allocated = self.gpus_allocated.saturating_add(gpus);
        self.active_leases = self.active_leases.saturating_add(1);
        let id = self.lease_count;
        self.lease_count = id
            .checked_add(1)
            .ok_or_else(|| error!(TesseraError::MathOverflow))?;
        Ok(id)
    }

    /// Returns a closed lease's GPUs.
    pub fn release(&mut self, gpus: u16) {
        self.gpus_allocated = self.gpus_allocated.saturating_sub(gpus);
        self.active_leases = self.active_leases.saturating_sub(1);
    }

    /// A node never has more GPUs allocated than it has.
    pub fn invariant(&self) -> Result<()> {
        require!(
            self.gpus_allocated <= self.spec.gpu_count,
            TesseraError::NotEnoughFreeGpus
        );
        Ok(())
    }
}
