//! `close_lease`: ends a lease, refunds unused escrow, frees the GPUs and returns the rent.
//!
//! Who may close when:
//! - the renter, at any time: allocated time since the last receipt is charged at the lease
//!   price and settled at once (the renter's close is its consent), the rest is refunded;
//! - the provider (its authority or the node's agent key), once the lease has ended (the agent
//!   posts its final receipt first), or before then to cancel a lease it cannot serve: time since
//!   the last receipt is not charged and the rest of the escrow is refunded;
//! - anyone else, `grace_secs` after the end (or at once after a terminating dispute), for a
//!   bounded bounty out of the lease's rent; everything else goes back to the renter.

use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};

use crate::error::TesseraError;
use crate::events::{CloseReason, LeaseClosed};
use crate::instructions::shared::{
    __client_accounts_pool_vault, __cpi_client_accounts_pool_vault, PoolVault, PoolVaultBumps,
};
use crate::math::sub;
use crate::state::{seeds, Lease, LeaseStatus, Node, Protocol, Provider, StakePosition};

/// Lamports a third-party closer earns from the lease's rent.
pub const REAP_BOUNTY_LAMPORTS: u64 = 100_000;

/// Accounts of `close_lease`.
#[event_cpi]
#[derive(Accounts)]
pub struct CloseLease<'info> {
    /// Whoever closes (renter, provider authority or the node's agent key, or a reaper).
    #[account(mut)]
    pub closer: Signer<'info>,
    /// The protocol (grace, fees), read-only.
    #[account(address = seeds::PROTOCOL_ADDRESS @ TesseraError::NotCanonicalAddress)]
    pub protocol: Box<Account<'info, Protocol>>,
    /// The node's provider.
    #[account(mut, dup, constraint = provider.is_at(&provider.key()) @ TesseraError::NotCanonicalAddress)]
    pub provider: Box<Account<'info, Provider>>,
    /// The provider's collateral (unlocked when its last lease closes).
    #[account(mut, dup, address = provider.stake_position @ TesseraError::StakePositionMismatch)]
    pub position: Box<Account<'info, StakePosition>>,
    /// The leased node.
    #[account(
        mut, dup, constraint = node.is_at(&node.key()) @ TesseraError::NotCanonicalAddress,
        has_one = provider @ TesseraError::NodeMismatch,
    )]
    pub node: Box<Account<'info, Node>>,
    /// The lease's pool with its vault.
    pub pool_vault: PoolVault<'info>,
    /// The lease, closed to the renter.
    #[account(
        mut, dup, close = renter,
        constraint = lease.is_at(&lease.key()) @ TesseraError::NotCanonicalAddress,
        has_one = node @ TesseraError::NodeMismatch,
        has_one = renter @ TesseraError::NotRenter,
        constraint = lease.pool == pool_vault.pool.key() @ TesseraError::PoolMismatch,
    )]
    pub lease: Box<Account<'info, Lease>>,
    /// The renter's wallet (receives the rent).
    #[account(mut)]
    pub renter: SystemAccount<'info>,
    /// The renter's settlement-token account (receives the refund).
    #[account(
        mut,
        constraint = renter_token.mint == protocol.settlement_mint @ TesseraError::SettlementMintMismatch,
        constraint = renter_token.owner == renter.key() @ TesseraError::RefundAccountNotRenters,
    )]
    pub renter_token: Box<Account<'info, TokenAccount>>,
    /// SPL Token.
    pub token_program: Program<'info, Token>,
}

/// Why `closer` may close `lease` at `now`, and whether it does so as a third party (a reaper,
/// paid the bounty): the renter at any time, the provider (`providers`: its authority and the
/// node's agent key) at any time (before the end it cancels), anyone else once the lease is
/// reapable.
fn close_reason(
    lease: &Lease,
    closer: Pubkey,
    providers: [Pubkey; 2],
    now: i64,
) -> Result<(CloseReason, bool)> {
    let ended = now >= lease.end_at || lease.terminated;
    let ended_reason = if lease.terminated {
        CloseReason::Dispute
    } else {
        CloseReason::Ended
    };
    if closer == lease.renter {
        let reason = if ended {
            ended_reason
        } else {
            CloseReason::Renter
        };
        return Ok((reason, false));
    }
    if providers.contains(&closer) {
        let reason = if ended {
            ended_reason
        } else {
            CloseReason::Cancelled
        };
        return Ok((reason, false));
    }
    require!(lease.reapable(now), TesseraError::GraceNotOver);
    let grace_over = lease.grace_until != 0 && now >= lease.grace_until;
    let reason = if !ended && grace_over {
        CloseReason::EscrowExhausted
    } else {
        ended_reason
    };
    Ok((reason, true))
}

/// Closes the lease. Never paused.
pub fn handler(ctx: Context<CloseLease>) -> Result<()> {
    let accounts = &mut *ctx.accounts;
    let now = Clock::get()?.unix_timestamp;
    let closer = accounts.closer.key();
    let lease_key = accounts.lease.key();
    let lease = &mut accounts.lease;
    require!(
        lease.status == LeaseStatus::Active,
        TesseraError::LeaseDisputed
    );
    require!(lease.pending == 0, TesseraError::PendingUnsettled);
    let providers = [accounts.provider.authority, accounts.node.agent_key];
    let (reason, reaped) = close_reason(lease, closer, providers, now)?;
    let bounty = if reaped {
        REAP_BOUNTY_LAMPORTS.min(lease.get_lamports())
    } else {
        0
    };

    let pool = &mut accounts.pool_vault.pool;
    let mut final_charge = 0;
    let mut settled = None;
    if closer == lease.renter && !lease.terminated {
        let gpu_seconds = lease.unbilled_gpu_seconds(now);
        final_charge = lease.charge_for(gpu_seconds)?;
        if final_charge > 0 {
            lease.escrow = sub(lease.escrow, final_charge)?;
            pool.release_escrow(final_charge)?;
            settled = Some(lease.settle_charge(
                lease_key,
                &mut accounts.node,
                &mut accounts.provider,
                pool,
                final_charge,
                gpu_seconds,
                accounts.protocol.params.revenue_vesting_secs,
                now,
            )?);
        }
    }

    let refund = lease.escrow;
    lease.escrow = 0;
    pool.release_escrow(refund)?;
    if refund > 0 {
        accounts
            .pool_vault
            .pay_out(&accounts.token_program, &accounts.renter_token, refund)?;
    }
    accounts.node.release(lease.gpu_count);
    accounts.provider.lease_closed(&mut accounts.position);
    accounts.provider.invariant(&accounts.position)?;
    if bounty > 0 {
        lease.sub_lamports(bounty)?;
        accounts.closer.add_lamports(bounty)?;
    }
    accounts.pool_vault.reload_and_check()?;
    let event = LeaseClosed {
        lease: lease_key,
        closer,
        reason,
        refund,
        final_charge,
        bounty,
    };
    if let Some(settled) = settled {
        crate::events::emit(&ctx.accounts.event_authority, &settled)?;
    }
    crate::events::emit(&ctx.accounts.event_authority, &event)?;
    Ok(())
}
