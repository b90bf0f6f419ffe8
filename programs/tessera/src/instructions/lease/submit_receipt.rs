//! `submit_receipt`: a usage receipt signed by the node's agent key moves its charge from the
//! lease's escrow to pending. The hot path: it writes only the lease and its pool.

use anchor_lang::prelude::*;

use crate::error::TesseraError;
use crate::events::{LeaseInGrace, ReceiptSubmitted};
use crate::signed::{message_bytes, verify_preceding_ed25519, ReceiptBody, UsageReceipt};
use crate::state::{Lease, Node, Pool};

/// Accounts of `submit_receipt`. No fee-paying signer is required by the program: the agent
/// key's Ed25519 signature authenticates the receipt, whoever relays it.
#[event_cpi]
#[derive(Accounts)]
pub struct SubmitReceipt<'info> {
    /// The leased node (agent key), read-only.
    #[account(constraint = node.is_at(&node.key()) @ TesseraError::NotCanonicalAddress)]
    pub node: Box<Account<'info, Node>>,
    /// The lease.
    #[account(
        mut, dup, constraint = lease.is_at(&lease.key()) @ TesseraError::NotCanonicalAddress,
        has_one = node @ TesseraError::NodeMismatch,
        has_one = pool @ TesseraError::PoolMismatch,
    )]
    pub lease: Box<Account<'info, Lease>>,
    /// The lease's pool (ledger only, no tokens move).
    #[account(mut, dup, constraint = pool.is_at(&pool.key()) @ TesseraError::NotCanonicalAddress)]
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

    let now = Clock::get()?.unix_timestamp;
    lease.check_receipt(&body, now)?;
    let booked = lease.record_receipt(&body, accounts.cosigner.is_some(), now)?;
    accounts.pool.charge(booked.charge)?;
    let submitted = ReceiptSubmitted {
        lease: lease.key(),
        seq: body.seq,
        period_start: body.period_start,
        period_end: body.period_end,
        gpu_seconds: booked.gpu_seconds,
        charge: booked.charge,
        escrow_left: lease.escrow,
        cosigned: lease.pending_cosigned,
    };
    // Warn once when the escrow cannot pay another period like this one: the lease will run
    // out at its end, and anyone may close it once its grace has passed after that.
    let grace = lease
        .announce_grace(booked.next_period_cost)?
        .map(|grace_until| LeaseInGrace {
            lease: lease.key(),
            escrow_left: lease.escrow,
            grace_until,
        });
    lease.invariant()?;
    accounts.pool.check_books()?;
    crate::events::emit(&ctx.accounts.event_authority, &submitted)?;
    if let Some(grace) = grace {
        crate::events::emit(&ctx.accounts.event_authority, &grace)?;
    }
    Ok(())
}
