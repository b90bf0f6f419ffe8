//! Every transition of a pool's ledger, one method each, so no instruction writes a `Pool`
//! field itself. Token movements stay with the instruction; each method books the tokens the
//! instruction moved (or is about to move) and refuses what the ledger cannot cover.

use anchor_lang::prelude::*;

use crate::error::TesseraError;
use crate::math::{add, sub, Bps};
use crate::state::{Pool, RevenueSplit};

impl Pool {
    /// An investor paid in `assets` and receives `shares`.
    pub fn deposit(&mut self, assets: u64, shares: u64) -> Result<()> {
        self.cash = add(self.cash, assets)?;
        self.total_shares = add(self.total_shares, shares)?;
        Ok(())
    }

    /// An investor's `shares` were burned for `assets` paid out of free cash at once.
    pub fn redeem(&mut self, shares: u64, assets: u64) -> Result<()> {
        require!(assets <= self.cash, TesseraError::InsufficientCash);
        self.total_shares = sub(self.total_shares, shares)?;
        self.cash = sub(self.cash, assets)?;
        Ok(())
    }

    /// Queues `shares` (already burned) for redemption; returns the new ticket's sequence.
    pub fn queue_redemption(&mut self, shares: u64) -> Result<u64> {
        let seq = self.next_ticket_seq;
        self.next_ticket_seq = seq
            .checked_add(1)
            .ok_or_else(|| error!(TesseraError::MathOverflow))?;
        self.queued_shares = add(self.queued_shares, shares)?;
        Ok(seq)
    }

    /// Serves the head ticket `seq` for `shares`: `assets` move from cash to what is owed to
    /// its owner, the shares leave the supply and the queue.
    pub fn serve_redemption(&mut self, seq: u64, shares: u64, assets: u64) -> Result<()> {
        require!(seq == self.head_ticket_seq, TesseraError::TicketOutOfOrder);
        require!(assets <= self.cash, TesseraError::InsufficientCash);
        self.cash = sub(self.cash, assets)?;
        self.redemptions_owed = add(self.redemptions_owed, assets)?;
        self.total_shares = sub(self.total_shares, shares)?;
        self.queued_shares = sub(self.queued_shares, shares)?;
        self.head_ticket_seq = seq
            .checked_add(1)
            .ok_or_else(|| error!(TesseraError::MathOverflow))?;
        Ok(())
    }

    /// A served ticket's `assets` are paid to its owner.
    pub fn pay_redemption(&mut self, assets: u64) -> Result<()> {
        self.redemptions_owed = sub(self.redemptions_owed, assets)?;
        Ok(())
    }

    /// The operator draws `amount` of principal: only with an empty redemption queue, within
    /// the credit limit and the free cash.
    pub fn draw(&mut self, amount: u64) -> Result<()> {
        require!(self.queue_is_empty(), TesseraError::QueueNotEmpty);
        let deployed = add(self.deployed_principal, amount)?;
        require!(
            deployed <= self.credit_limit,
            TesseraError::CreditLimitExceeded
        );
        require!(amount <= self.cash, TesseraError::InsufficientCash);
        self.cash = sub(self.cash, amount)?;
        self.deployed_principal = deployed;
        Ok(())
    }

    /// The operator repaid `principal` with `interest`, which vests to investors over
    /// `vesting_secs` from `now`.
    pub fn repay(
        &mut self,
        principal: u64,
        interest: u64,
        now: i64,
        vesting_secs: u32,
    ) -> Result<()> {
        require!(
            principal <= self.deployed_principal,
            TesseraError::RepayExceedsPrincipal
        );
        self.deployed_principal = sub(self.deployed_principal, principal)?;
        self.cash = add(self.cash, add(principal, interest)?)?;
        self.lock_revenue(interest, now, vesting_secs)
    }

    /// Writes `amount` of deployed principal down as lost; returns the principal before.
    pub fn write_down(&mut self, amount: u64) -> Result<u64> {
        let old = self.deployed_principal;
        require!(amount <= old, TesseraError::WriteDownExceedsPrincipal);
        self.deployed_principal = sub(old, amount)?;
        self.lifetime_written_down = add(self.lifetime_written_down, amount)?;
        Ok(old)
    }

    /// Takes every operator fee owed, to be paid out; refuses when none is.
    pub fn take_operator_fees(&mut self) -> Result<u64> {
        require!(self.operator_owed > 0, TesseraError::NothingToClaim);
        Ok(std::mem::take(&mut self.operator_owed))
    }

    /// Takes every protocol fee owed, to be swept; refuses when none is.
    pub fn take_protocol_fees(&mut self) -> Result<u64> {
        require!(self.protocol_fees_owed > 0, TesseraError::NothingToSweep);
        Ok(std::mem::take(&mut self.protocol_fees_owed))
    }

    /// A renter's `amount` of escrow came into the vault (lease opened, topped up, or a
    /// disputed charge refunded to the escrow).
    pub fn escrow(&mut self, amount: u64) -> Result<()> {
        self.escrowed = add(self.escrowed, amount)?;
        Ok(())
    }

    /// A receipt charged `amount` of escrow; it waits as pending until settled.
    pub fn charge(&mut self, amount: u64) -> Result<()> {
        self.escrowed = sub(self.escrowed, amount)?;
        self.pending = add(self.pending, amount)?;
        Ok(())
    }

    /// `amount` of escrow leaves it: refunded, or charged and settled in one step.
    pub fn release_escrow(&mut self, amount: u64) -> Result<()> {
        self.escrowed = sub(self.escrowed, amount)?;
        Ok(())
    }

    /// `amount` of pending charges leaves pending: settled, refunded or both.
    pub fn release_pending(&mut self, amount: u64) -> Result<()> {
        self.pending = sub(self.pending, amount)?;
        Ok(())
    }

    /// Books `amount` of investor revenue already counted in `cash` so that it vests linearly
    /// over `vesting_secs` (locked-profit degradation, defeating deposit-before/redeem-after
    /// sandwiches), on its own schedule: revenue booked under another period keeps its own.
    fn lock_revenue(&mut self, amount: u64, now: i64, vesting_secs: u32) -> Result<()> {
        self.revenue.book(amount, now, vesting_secs)?;
        self.lifetime_revenue = add(self.lifetime_revenue, amount)?;
        Ok(())
    }

    /// Books a settled payment of `amount` (already released from `pending` or `escrowed`):
    /// protocol and operator fees rounded down, the remainder to investors as vesting
    /// revenue, so the parts sum exactly to `amount`.
    pub fn book_revenue(
        &mut self,
        amount: u64,
        protocol_fee: Bps,
        now: i64,
        vesting_secs: u32,
    ) -> Result<RevenueSplit> {
        let protocol_fee = protocol_fee.fee_floor(amount);
        let operator_fee = self.operator_fee_bps.fee_floor(amount);
        let investors = sub(sub(amount, protocol_fee)?, operator_fee)?;
        self.protocol_fees_owed = add(self.protocol_fees_owed, protocol_fee)?;
        self.operator_owed = add(self.operator_owed, operator_fee)?;
        self.cash = add(self.cash, investors)?;
        self.lock_revenue(investors, now, vesting_secs)?;
        Ok(RevenueSplit {
            protocol_fee,
            operator_fee,
            investors,
        })
    }
}
