//! `Bid`: a renter's standing offer for GPUs meeting minimum specs, escrowed in advance.

use anchor_lang::prelude::*;

use crate::state::image::tessera_account;
use crate::state::seeds::{self, PdaSeeds};
use crate::state::AgreedTerms;

/// A bid at `["bid", renter, bid_id]`; its escrow sits in `["bid_escrow", bid]`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, InitSpace, Debug)]
pub struct Bid {
    /// Layout version.
    pub version: u8,
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// Canonical bump of the escrow token account PDA.
    pub escrow_bump: u8,
    /// The renter.
    pub renter: Pubkey,
    /// Renter-chosen id.
    pub bid_id: u64,
    /// Price per GPU-hour offered; the lease is priced at this.
    pub price_per_gpu_hour: u64,
    /// GPUs wanted.
    pub gpu_count: u16,
    /// Minimum memory per GPU, MiB.
    pub min_vram_mib: u32,
    /// Minimum attested TFLOPS, hundredths (0: no benchmark required).
    pub min_tflops_centi: u32,
    /// Required GPU model (all zero: any).
    pub gpu_model: [u8; 32],
    /// Lease length, seconds.
    pub duration_secs: u32,
    /// Escrowed amount (`price × gpus × duration / 3600`, rounded up).
    pub escrow_amount: u64,
    /// After this time the bid can no longer be accepted.
    pub expires_at: i64,
    /// SHA-256 of the job spec.
    pub job_hash: [u8; 32],
    /// The protocol terms in force when the bid was posted; the lease that fills it gets
    /// these, whatever has changed since.
    pub terms: AgreedTerms,
}

tessera_account!(Bid, [143, 246, 48, 245, 42, 145, 180, 88]);

impl Bid {
    /// Current layout version.
    pub const VERSION: u8 = 1;

    /// Checks the escrow account (`escrow_held`, read after any transfer) covers the bid's
    /// escrow.
    pub fn invariant(&self, escrow_held: u64) -> Result<()> {
        require!(
            escrow_held >= self.escrow_amount,
            crate::error::TesseraError::BidEscrowBelowLedger
        );
        Ok(())
    }

    /// Owned signer seeds of this bid's PDA (it owns the escrow token account).
    pub fn seeds(&self) -> PdaSeeds {
        PdaSeeds::new(seeds::BID, self.renter, self.bid_id, self.bump)
    }
}
