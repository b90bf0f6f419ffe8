//! `submit_receipt`: a usage receipt signed by the node's agent key moves its charge from the
//! lease's escrow to pending. The hot path: it writes only the lease and its pool.

use anchor_lang::prelude::*;

use crate::error::TesseraError;
use crate::events::{LeaseInGrace, ReceiptSubmitted};
use crate::math::{add, sub};
use crate::signed::{message_bytes, verify_preceding_ed25519, ReceiptBody, UsageReceipt};
use crate::state::{seeds, Lease, LeaseStatus, Node, Pool, Protocol};

/// Accounts of `submit_receipt`. No fee-paying signer is required by the program: the agent
/// key's Ed25519 signature authenticates the receipt, whoever relays it.
#[derive(Accounts)]
pub struct SubmitReceipt<'info> {
    /// The protocol (grace period), read-only.
    #[account(seeds = [seeds::PROTOCOL], bump = protocol.bump)]
    pub protocol: Box<Account<'info, Protocol>>,
    /// The leased node (agent key), read-only.
    #[account(seeds = [seeds::NODE, node.provider.as_ref(), &node.node_id.to_le_bytes()], bump = node.bump)]
    pub node: Box<Account<'info, Node>>,
    /// The lease.
    #[account(
        mut, seeds = [seeds::LEASE, node.key().as_ref(), &lease.lease_id.to_le_bytes()], bump = lease.bump,
        has_one = node @ TesseraError::NodeMismatch,
        has_one = pool @ TesseraError::PoolMismatch,
    )]
    pub lease: Box<Account<'info, Lease>>,
    /// The lease's pool (ledger only, no tokens move).
    #[account(mut, seeds = [seeds::POOL, pool.operator.as_ref(), &pool.pool_id.to_le_bytes()], bump = pool.bump)]
    pub pool: Box<Account<'info, Pool>>,
    /// CHECK: the instructions sysvar, pinned by address; read for the Ed25519 instruction.
    #[account(address = solana_instructions_sysvar::ID)]
    pub instructions: UncheckedAccount<'info>,
    /// The renter, when co-signing: the charge is then settleable at once.
    pub cosigner: Option<Signer<'info>>,
}

/// Verifies the receipt and charges `min(gpu_seconds, period × gpus)` at the lease price,
/// capped by the escrow. The previous charge must be settled first (one pending receipt per
/// lease, each with its own full dispute window).
pub fn handler(ctx: Context<SubmitReceipt>, body: ReceiptBody) -> Result<()> {
    let accounts = &mut *ctx.accounts;
    let lease = &mut accounts.lease;
    let message = message_bytes(&UsageReceipt::new(lease.key(), body))?;
    verify_preceding_ed25519(&accounts.instructions, &accounts.node.agent_key, &message)?;
    if let Some(cosigner) = &accounts.cosigner {
        require_keys_eq!(
            cosigner.key(),
            lease.renter,
            TesseraError::CosignerNotRenter
        );
    }

    require!(
        lease.status == LeaseStatus::Active,
        TesseraError::LeaseDisputed
    );
    require!(lease.pending == 0, TesseraError::PendingUnsettled);
    require!(
        body.seq > lease.last_seq,
        TesseraError::ReceiptSeqNotIncreasing
    );
    require!(
        body.period_end > body.period_start,
        TesseraError::ReceiptPeriodInvalid
    );
    require!(
        body.period_start >= lease.last_period_end,
        TesseraError::ReceiptPeriodOverlap
    );
    require!(
        body.period_end <= lease.end_at,
        TesseraError::ReceiptPeriodAfterLeaseEnd
    );
    let now = Clock::get()?.unix_timestamp;
    require!(body.period_end <= now, TesseraError::ReceiptPeriodInFuture);

    let period = u64::try_from(body.period_end - body.period_start)
        .map_err(|_| error!(TesseraError::ReceiptPeriodInvalid))?;
    let max_gpu_seconds = period.saturating_mul(u64::from(lease.gpu_count));
    let gpu_seconds = body.gpu_seconds.min(max_gpu_seconds);
    let charge = lease.charge_for(gpu_seconds)?;

    lease.escrow = sub(lease.escrow, charge)?;
    lease.pending = charge;
    lease.pending_since = now;
    lease.pending_gpu_seconds = gpu_seconds;
    lease.pending_cosigned = accounts.cosigner.is_some();
    lease.gpu_seconds_billed = add(lease.gpu_seconds_billed, gpu_seconds)?;
    lease.last_seq = body.seq;
    lease.last_period_end = body.period_end;
    let pool = &mut accounts.pool;
    pool.escrowed = sub(pool.escrowed, charge)?;
    pool.pending = add(pool.pending, charge)?;

    emit!(ReceiptSubmitted {
        lease: lease.key(),
        seq: body.seq,
        period_start: body.period_start,
        period_end: body.period_end,
        gpu_seconds,
        charge,
        escrow_left: lease.escrow,
        cosigned: lease.pending_cosigned,
    });
    // Warn once when the escrow cannot pay another period like this one: the lease will run
    // out at its end, and anyone may close it once `grace_secs` have passed after that.
    let next_period_cost = lease.cost_for(max_gpu_seconds)?;
    if lease.escrow < next_period_cost && lease.grace_until == 0 {
        lease.grace_until = lease
            .end_at
            .saturating_add(i64::from(accounts.protocol.params.grace_secs));
        emit!(LeaseInGrace {
            lease: lease.key(),
            escrow_left: lease.escrow,
            grace_until: lease.grace_until,
        });
    }
    Ok(())
}
