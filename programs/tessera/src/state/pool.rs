//! `Pool`: a fractional GPU pool, its share accounting and the ledger of its one vault.

use anchor_lang::prelude::*;

use crate::error::TesseraError;
use crate::math::{self, Bps};
use crate::state::image::tessera_account;
use crate::state::seeds::{self, PdaSeeds};
use crate::state::RevenueSchedule;

/// Upper bound of a pool's `operator_fee_bps` (30 %).
pub const MAX_OPERATOR_FEE_BPS: u16 = 3_000;

/// A GPU pool at `["pool", operator, pool_id]`.
///
/// One vault holds every token the pool is responsible for; the ledger fields say whose each
/// token is. At the end of every instruction
/// `vault.amount ≥ cash + escrowed + pending + operator_owed + protocol_fees_owed + redemptions_owed`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, InitSpace, Debug)]
pub struct Pool {
    /// Layout version.
    pub version: u8,
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// Canonical bump of the vault PDA.
    pub vault_bump: u8,
    /// Canonical bump of the share mint PDA.
    pub share_mint_bump: u8,
    /// The provider running the pool's rigs; draws and repays capital, earns the operator fee.
    pub operator: Pubkey,
    /// Operator-chosen id, unique per operator.
    pub pool_id: u64,
    /// Share mint (PDA, authority this pool).
    pub share_mint: Pubkey,
    /// Settlement-token vault (PDA, owner this pool).
    pub vault: Pubkey,
    /// Target GPU model, UTF-8, zero padded.
    pub gpu_model: [u8; 32],
    /// Target number of GPUs the pool finances.
    pub target_gpu_count: u32,
    /// Operator's cut of settled revenue (≤ 30 %), fixed at creation.
    pub operator_fee_bps: Bps,
    /// Most principal the operator may have drawn at once.
    pub credit_limit: u64,
    /// Shares outstanding by the pool's own count (queued redemptions included until served).
    pub total_shares: u64,
    /// Investors' free cash in the vault.
    pub cash: u64,
    /// Principal drawn by the operator and not yet repaid or written down.
    pub deployed_principal: u64,
    /// Renters' prepaid, unearned escrow.
    pub escrowed: u64,
    /// Charged by receipts, not yet settled.
    pub pending: u64,
    /// Operator fees settled and not yet claimed.
    pub operator_owed: u64,
    /// Protocol fees settled and not yet swept.
    pub protocol_fees_owed: u64,
    /// Fulfilled redemptions not yet claimed.
    pub redemptions_owed: u64,
    /// Investor revenue still vesting, each tranche on the period it was booked under, so a
    /// later change of `revenue_vesting_secs` never re-prices revenue already locked.
    pub revenue: RevenueSchedule,
    /// Sequence number the next redemption request receives (queue tail).
    pub next_ticket_seq: u64,
    /// Sequence number of the oldest unserved ticket (queue head).
    pub head_ticket_seq: u64,
    /// Shares waiting in the redemption queue.
    pub queued_shares: u64,
    /// Lifetime investor revenue (settlement remainder plus interest).
    pub lifetime_revenue: u64,
    /// Lifetime principal written down as lost.
    pub lifetime_written_down: u64,
    /// Room for future fields without a migration.
    pub reserved: [u8; 56],
}

tessera_account!(Pool, [241, 154, 109, 4, 17, 177, 109, 188]);

impl Pool {
    /// Current layout version.
    pub const VERSION: u8 = 1;

    /// Owned signer seeds of this pool's PDA.
    pub fn seeds(&self) -> PdaSeeds {
        PdaSeeds::new(seeds::POOL, self.operator, self.pool_id, self.bump)
    }

    /// Whether `key` is this pool's own address (not a copy of it elsewhere).
    pub fn is_at(&self, key: &Pubkey) -> bool {
        seeds::derives(key, &self.seeds().as_slices())
    }

    /// Sum of every ledger bucket the vault must cover.
    pub fn ledger_total(&self) -> Result<u64> {
        [
            self.escrowed,
            self.pending,
            self.operator_owed,
            self.protocol_fees_owed,
            self.redemptions_owed,
        ]
        .iter()
        .try_fold(self.cash, |acc, v| acc.checked_add(*v))
        .ok_or_else(|| error!(TesseraError::MathOverflow))
    }

    /// Revenue still vesting at `now`, on the schedule it was booked under.
    pub fn locked_revenue_at(&self, now: i64) -> u64 {
        self.revenue.locked_at(now)
    }

    /// Net asset value for pricing: free cash plus deployed principal, less vesting revenue.
    /// Saturates at zero after a write-down larger than what remains.
    pub fn nav(&self, now: i64) -> Result<u64> {
        let gross = self
            .cash
            .checked_add(self.deployed_principal)
            .ok_or_else(|| error!(TesseraError::MathOverflow))?;
        Ok(gross.saturating_sub(self.locked_revenue_at(now)))
    }

    /// Shares to mint for `assets` at the current price, rounded down.
    pub fn shares_for(&self, assets: u64, now: i64) -> Result<u64> {
        math::shares_for_assets(assets, self.nav(now)?, self.total_shares)
            .ok_or_else(|| error!(TesseraError::MathOverflow))
    }

    /// Assets to pay for `shares` at the current price, rounded down.
    pub fn assets_for(&self, shares: u64, now: i64) -> Result<u64> {
        math::assets_for_shares(shares, self.nav(now)?, self.total_shares)
            .ok_or_else(|| error!(TesseraError::MathOverflow))
    }

    /// Whether any redemption ticket waits to be served.
    pub fn queue_is_empty(&self) -> bool {
        self.head_ticket_seq == self.next_ticket_seq
    }

    /// Checks the books that need no token account: queued shares within the total, the
    /// ledger summable, every slot holding revenue with a vesting period.
    pub fn check_books(&self) -> Result<()> {
        require!(
            self.queued_shares <= self.total_shares,
            TesseraError::ShareSupplyAboveLedger
        );
        self.ledger_total()?;
        self.revenue.check()
    }

    /// Checks the vault covers the ledger and the share mint never exceeds the ledger's shares,
    /// then [`Self::check_books`]. `vault_amount` and `share_supply` must be read after any
    /// CPI that moved them.
    pub fn invariant(&self, vault_amount: u64, share_supply: u64) -> Result<()> {
        require!(
            vault_amount >= self.ledger_total()?,
            TesseraError::VaultBelowLedger
        );
        require!(
            share_supply <= self.total_shares,
            TesseraError::ShareSupplyAboveLedger
        );
        self.check_books()
    }
}

/// How one settled payment was split.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RevenueSplit {
    /// To `protocol_fees_owed`.
    pub protocol_fee: u64,
    /// To `operator_owed`.
    pub operator_fee: u64,
    /// To investors' cash (vesting).
    pub investors: u64,
}
