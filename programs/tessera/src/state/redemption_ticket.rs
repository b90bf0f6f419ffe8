//! `RedemptionTicket`: one queued redemption, served strictly in sequence order.

use anchor_lang::prelude::*;

use crate::state::image::tessera_account;

/// Where a ticket stands.
#[derive(AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TicketStatus {
    /// Waiting for cash; its shares are burned but still counted in `pool.total_shares`.
    Queued,
    /// Priced and paid into `redemptions_owed`; `assets` are claimable.
    Fulfilled,
}

/// A queued redemption at `["ticket", pool, seq]`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, InitSpace, Debug)]
pub struct RedemptionTicket {
    /// Layout version.
    pub version: u8,
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// Pool it redeems from.
    pub pool: Pubkey,
    /// Position in the pool's FIFO queue.
    pub seq: u64,
    /// Investor who receives the assets.
    pub owner: Pubkey,
    /// Shares being redeemed.
    pub shares: u64,
    /// Assets owed, set at fulfilment (price at fulfilment, rounded down).
    pub assets: u64,
    /// Lifecycle state.
    pub status: TicketStatus,
    /// When it was requested.
    pub requested_at: i64,
    /// When it was fulfilled (0 while queued).
    pub fulfilled_at: i64,
}

tessera_account!(RedemptionTicket, [134, 239, 22, 113, 25, 135, 201, 241]);

impl RedemptionTicket {
    /// Current layout version.
    pub const VERSION: u8 = 1;

    /// Sets `assets` aside for the ticket at `now`.
    pub fn fulfil(&mut self, assets: u64, now: i64) {
        self.assets = assets;
        self.status = TicketStatus::Fulfilled;
        self.fulfilled_at = now;
    }

    /// Checks a queued ticket holds no assets yet and a fulfilled one was fulfilled after its
    /// request.
    pub fn invariant(&self) -> Result<()> {
        let consistent = match self.status {
            TicketStatus::Queued => self.assets == 0 && self.fulfilled_at == 0,
            TicketStatus::Fulfilled => self.fulfilled_at >= self.requested_at,
        };
        require!(
            consistent && self.shares > 0,
            crate::error::TesseraError::TicketLedgerBroken
        );
        Ok(())
    }
}
