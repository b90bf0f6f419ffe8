//! What opening a lease and settling its charges book on every account they touch: the lease,
//! its node, its provider and collateral lock, and its pool.

use anchor_lang::prelude::*;

use crate::error::TesseraError;
use crate::events::{ChargeSettled, LeaseOpened};
use crate::math::add;
use crate::state::{AgreedTerms, Lease, LeaseStatus, Node, Pool, Provider, StakePosition};

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

/// The accounts a new lease books its allocation on.
pub struct LeaseParties<'a> {
    /// The node's provider (lease count).
    pub provider: &'a mut Provider,
    /// The provider's stake position (collateral lock).
    pub position: &'a mut StakePosition,
    /// The node (GPUs allocated).
    pub node: &'a mut Node,
    /// The node's address.
    pub node_key: Pubkey,
    /// The pool whose vault took the escrow.
    pub pool: &'a mut Pool,
    /// The pool's address.
    pub pool_key: Pubkey,
}

impl Lease {
    /// A new lease at `key` opened at `now` on `terms`, whose escrow is already in the vault.
    /// Books its allocation: the node's GPUs, the provider's open-lease count and the
    /// collateral lock its agreed minimum needs, the pool's `escrowed`. Returns the lease to
    /// store and the `LeaseOpened` event to emit.
    pub fn begin(
        key: Pubkey,
        bump: u8,
        terms: LeaseTerms,
        parties: LeaseParties,
        now: i64,
    ) -> Result<(Lease, LeaseOpened)> {
        let LeaseParties {
            provider,
            position,
            node,
            node_key,
            pool,
            pool_key,
        } = parties;
        provider.lease_opened(position, terms.agreed.min_provider_stake)?;
        provider.invariant(position)?;
        let lease_id = node.allocate(terms.gpu_count, terms.duration_secs)?;
        node.invariant()?;
        pool.escrow(terms.escrow)?;
        let end_at = now
            .checked_add(i64::from(terms.duration_secs))
            .ok_or_else(|| error!(TesseraError::MathOverflow))?;
        let lease = Lease {
            version: Lease::VERSION,
            bump,
            status: LeaseStatus::Active,
            node: node_key,
            renter: terms.renter,
            pool: pool_key,
            lease_id,
            gpu_count: terms.gpu_count,
            price_per_gpu_hour: terms.price_per_gpu_hour,
            start_at: now,
            end_at,
            escrow: terms.escrow,
            pending: 0,
            pending_since: 0,
            pending_gpu_seconds: 0,
            pending_cosigned: false,
            charged_total: 0,
            gpu_seconds_billed: 0,
            last_seq: 0,
            last_period_end: now,
            grace_until: 0,
            terminated: false,
            job_hash: terms.job_hash,
            terms: terms.agreed,
        };
        lease.invariant()?;
        let opened = LeaseOpened {
            lease: key,
            node: node_key,
            renter: terms.renter,
            gpu_count: terms.gpu_count,
            price_per_gpu_hour: terms.price_per_gpu_hour,
            escrow: terms.escrow,
            start_at: now,
            end_at,
            job_hash: terms.job_hash,
            job_uri: terms.job_uri,
        };
        Ok((lease, opened))
    }

    /// Settles `amount` for `gpu_seconds` of this lease at `key` (already released from the
    /// pool's `pending` or `escrowed`): fee split at the lease's agreed protocol fee into the
    /// pool's ledger, investors' part vesting over `vesting_secs` (the period in force now),
    /// reputation counters. Returns the `ChargeSettled` event to emit.
    #[allow(clippy::too_many_arguments)]
    pub fn settle_charge(
        &mut self,
        key: Pubkey,
        node: &mut Node,
        provider: &mut Provider,
        pool: &mut Pool,
        amount: u64,
        gpu_seconds: u64,
        vesting_secs: u32,
        now: i64,
    ) -> Result<ChargeSettled> {
        let split = pool.book_revenue(amount, self.terms.protocol_fee_bps, now, vesting_secs)?;
        self.charged_total = add(self.charged_total, amount)?;
        node.charge_settled(gpu_seconds);
        provider.charge_settled(gpu_seconds);
        Ok(ChargeSettled {
            lease: key,
            amount,
            protocol_fee: split.protocol_fee,
            operator_fee: split.operator_fee,
            investors: split.investors,
        })
    }
}
