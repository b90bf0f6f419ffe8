//! `Lease`: k GPUs of one node rented at a fixed price, its escrow and its receipt cursor.

use anchor_lang::prelude::*;

use crate::error::TesseraError;
use crate::math::{self, add, sub, Bps};
use crate::signed::ReceiptBody;
use crate::state::image::tessera_account;
use crate::state::{seeds, ProtocolParams};

/// Where a lease stands. Closed leases do not exist: closing deletes the account.
#[derive(AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeaseStatus {
    /// Running; receipts accrue and settle.
    Active,
    /// The renter disputed the pending charge; only the arbiter moves it.
    Disputed,
}

/// The protocol parameters a lease was opened under. A later parameter change never reaches
/// a lease already open: its charges pay these fees, its receipts wait this window, its grace
/// and its provider's slash cap are these.
#[derive(
    AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, Default, PartialEq, Eq,
)]
pub struct AgreedTerms {
    /// Protocol's cut of each settled charge.
    pub protocol_fee_bps: Bps,
    /// Seconds each receipt stays disputable.
    pub dispute_window_secs: u32,
    /// Seconds the lease may run in arrears before anyone may close it.
    pub grace_secs: u32,
    /// Most of the provider's stake one dispute over this lease may slash.
    pub max_slash_bps: Bps,
    /// Collateral the provider keeps locked while this lease runs.
    pub min_provider_stake: u64,
}

impl AgreedTerms {
    /// The terms in force under `params`.
    pub fn from_params(params: &ProtocolParams) -> Self {
        Self {
            protocol_fee_bps: params.protocol_fee_bps,
            dispute_window_secs: params.dispute_window_secs,
            grace_secs: params.grace_secs,
            max_slash_bps: params.max_slash_bps,
            min_provider_stake: params.min_provider_stake,
        }
    }
}

/// What a receipt booked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReceiptCharge {
    /// GPU-seconds charged (capped by the period's allocation).
    pub gpu_seconds: u64,
    /// Amount moved from escrow to pending.
    pub charge: u64,
    /// What another period like this one, fully used, would cost (for the grace warning).
    pub next_period_cost: u64,
}

/// How a dispute ended, as [`Lease::resolve`] booked it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resolution {
    /// The pending charge that was disputed.
    pub pending: u64,
    /// Part of it to settle (the rest went back to escrow).
    pub settled: u64,
    /// GPU-seconds paid for by `settled`, pro rata.
    pub paid_gpu_seconds: u64,
}

/// A lease at `["lease", node, lease_id]` (≤ 272 bytes with its discriminator).
///
/// Charges are computed on cumulative GPU-seconds (`gpu_seconds_billed`) at the price per
/// GPU-hour fixed at opening, so per-receipt rounding never accumulates: after any number of
/// receipts the renter has paid exactly `floor(total GPU-seconds × price / 3600)`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, InitSpace, Debug)]
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
    /// Protocol parameters fixed at opening.
    pub terms: AgreedTerms,
}

tessera_account!(Lease, [14, 103, 218, 61, 248, 234, 105, 84]);

impl Lease {
    /// Current layout version.
    pub const VERSION: u8 = 1;

    /// Whether `key` is this account's own address (not a copy of it elsewhere).
    pub fn is_at(&self, key: &Pubkey) -> bool {
        seeds::derives(
            key,
            &[
                seeds::LEASE,
                self.node.as_ref(),
                &self.lease_id.to_le_bytes(),
                &[self.bump],
            ],
        )
    }

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
        let price = self.price_per_gpu_hour;
        cost_between(
            math::cost_of_gpu_seconds(self.gpu_seconds_billed, price),
            math::cost_of_gpu_seconds(total, price),
        )
    }

    /// Allocation-billed GPU-seconds from the last receipt's end to `until`.
    pub fn unbilled_gpu_seconds(&self, until: i64) -> u64 {
        let secs =
            u64::try_from(until.min(self.end_at).saturating_sub(self.last_period_end)).unwrap_or(0);
        math::allocated_gpu_seconds(secs, self.gpu_count)
    }

    /// When the pending charge becomes settleable: at once when co-signed, else when its
    /// dispute window (the one agreed at opening) closes.
    pub fn settleable_at(&self) -> i64 {
        if self.pending_cosigned {
            self.pending_since
        } else {
            self.pending_since
                .saturating_add(i64::from(self.terms.dispute_window_secs))
        }
    }

    /// Whether the pending charge may be settled at `now`.
    pub fn pending_settleable(&self, now: i64) -> bool {
        now >= self.settleable_at()
    }

    /// Checks `body` continues this lease's receipts at `now`: active, nothing pending, the
    /// sequence increasing, the period non-empty, after the last one and within the lease.
    pub fn check_receipt(&self, body: &ReceiptBody, now: i64) -> Result<()> {
        require!(
            self.status == LeaseStatus::Active,
            TesseraError::LeaseDisputed
        );
        require!(self.pending == 0, TesseraError::PendingUnsettled);
        require!(
            body.seq > self.last_seq,
            TesseraError::ReceiptSeqNotIncreasing
        );
        require!(
            body.period_end > body.period_start,
            TesseraError::ReceiptPeriodInvalid
        );
        require!(
            body.period_start >= self.last_period_end,
            TesseraError::ReceiptPeriodOverlap
        );
        require!(
            body.period_end <= self.end_at,
            TesseraError::ReceiptPeriodAfterLeaseEnd
        );
        require!(body.period_end <= now, TesseraError::ReceiptPeriodInFuture);
        Ok(())
    }

    /// Books a checked receipt: `min(gpu_seconds, period × gpus)` at the lease price, capped by
    /// the escrow, moves from escrow to pending.
    pub fn record_receipt(
        &mut self,
        body: &ReceiptBody,
        cosigned: bool,
        now: i64,
    ) -> Result<ReceiptCharge> {
        let period = u64::try_from(body.period_end.saturating_sub(body.period_start))
            .map_err(|_| error!(TesseraError::ReceiptPeriodInvalid))?;
        let max_gpu_seconds = math::allocated_gpu_seconds(period, self.gpu_count);
        let gpu_seconds = body.gpu_seconds.min(max_gpu_seconds);
        // Three points of the cumulative cost, each computed once: before this receipt, after
        // it, and after another period like it.
        let price = self.price_per_gpu_hour;
        let billed = add(self.gpu_seconds_billed, gpu_seconds)?;
        let [before, after, next] = [
            self.gpu_seconds_billed,
            billed,
            add(billed, max_gpu_seconds)?,
        ]
        .map(|secs| math::cost_of_gpu_seconds(secs, price));
        let charge = cost_between(before, after)?.min(self.escrow);
        let next_period_cost = cost_between(after, next)?;
        self.escrow = sub(self.escrow, charge)?;
        self.pending = charge;
        self.pending_since = now;
        self.pending_gpu_seconds = gpu_seconds;
        self.pending_cosigned = cosigned;
        self.gpu_seconds_billed = billed;
        self.last_seq = body.seq;
        self.last_period_end = body.period_end;
        Ok(ReceiptCharge {
            gpu_seconds,
            charge,
            next_period_cost,
        })
    }

    /// Announces grace once, when the escrow cannot pay `next_period_cost` (another period like
    /// the last): returns the time after which anyone may close the lease, if announced now.
    pub fn announce_grace(&mut self, next_period_cost: u64) -> Result<Option<i64>> {
        if self.grace_until != 0 || self.escrow >= next_period_cost {
            return Ok(None);
        }
        self.grace_until = self.end_at.saturating_add(i64::from(self.terms.grace_secs));
        Ok(Some(self.grace_until))
    }

    /// Takes the settleable pending charge at `now`: `(amount, gpu_seconds)`.
    pub fn take_pending(&mut self, now: i64) -> Result<(u64, u64)> {
        require!(
            self.status == LeaseStatus::Active,
            TesseraError::LeaseDisputed
        );
        require!(self.pending > 0, TesseraError::NothingPending);
        require!(
            self.pending_settleable(now),
            TesseraError::DisputeWindowOpen
        );
        let taken = (self.pending, self.pending_gpu_seconds);
        self.pending = 0;
        self.pending_gpu_seconds = 0;
        self.pending_cosigned = false;
        Ok(taken)
    }

    /// Freezes the pending charge for the arbiter, while its dispute window is open.
    pub fn open_dispute(&mut self, now: i64) -> Result<()> {
        require!(
            self.status == LeaseStatus::Active,
            TesseraError::LeaseDisputed
        );
        require!(self.pending > 0, TesseraError::NothingPending);
        require!(
            !self.pending_settleable(now),
            TesseraError::DisputeWindowClosed
        );
        self.status = LeaseStatus::Disputed;
        Ok(())
    }

    /// Ends a dispute: `refund` of the pending charge goes back to escrow, the rest is to be
    /// settled for its share of the pending GPU-seconds; `terminate_at` cuts the lease short.
    pub fn resolve(&mut self, refund: u64, terminate_at: Option<i64>) -> Result<Resolution> {
        require!(
            self.status == LeaseStatus::Disputed,
            TesseraError::LeaseNotDisputed
        );
        require!(refund <= self.pending, TesseraError::RefundExceedsPending);
        let pending = self.pending;
        let settled = sub(pending, refund)?;
        let paid_gpu_seconds = math::mul_div_floor(self.pending_gpu_seconds, settled, pending)
            .ok_or_else(|| error!(TesseraError::MathOverflow))?;
        self.pending = 0;
        self.pending_gpu_seconds = 0;
        self.status = LeaseStatus::Active;
        self.escrow = add(self.escrow, refund)?;
        if let Some(now) = terminate_at {
            self.end_at = self.end_at.min(now);
            self.terminated = true;
        }
        Ok(Resolution {
            pending,
            settled,
            paid_gpu_seconds,
        })
    }

    /// Whether anyone but the renter and provider may close the lease at `now`: terminated,
    /// out of announced grace, or past its end plus the agreed grace.
    pub fn reapable(&self, now: i64) -> bool {
        let grace_over = self.grace_until != 0 && now >= self.grace_until;
        let past_end = now >= self.end_at.saturating_add(i64::from(self.terms.grace_secs));
        self.terminated || grace_over || past_end
    }

    /// Checks the lease's own books: pending only with GPU-seconds behind it, billed seconds
    /// within what its receipts' periods allow.
    pub fn invariant(&self) -> Result<()> {
        require!(
            self.pending == 0 || self.pending_gpu_seconds > 0,
            TesseraError::LeaseLedgerBroken
        );
        require!(
            self.last_period_end >= self.start_at && self.last_period_end <= self.end_at,
            TesseraError::LeaseLedgerBroken
        );
        Ok(())
    }
}

/// The difference of two cumulative costs (`after ≥ before`): what the GPU-seconds between them
/// cost, so rounding never compounds.
fn cost_between(before: u128, after: u128) -> Result<u64> {
    u64::try_from(after.saturating_sub(before)).map_err(|_| error!(TesseraError::MathOverflow))
}
