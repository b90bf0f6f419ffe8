//! `attest_benchmark`: records benchmark figures signed by the node's agent key, verified
//! through the Ed25519 precompile exactly as receipts are.

use anchor_lang::prelude::*;

use crate::error::TesseraError;
use crate::events::BenchmarkAttested;
use crate::signed::{message_bytes, verify_preceding_ed25519, BenchmarkAttestation};
use crate::state::{seeds, Node};

/// Accounts of `attest_benchmark`. No signer: the agent key's signature authenticates.
#[event_cpi]
#[derive(Accounts)]
pub struct AttestBenchmark<'info> {
    /// The node.
    #[account(mut, dup, seeds = [seeds::NODE, node.provider.as_ref(), &node.node_id.to_le_bytes()], bump = node.bump)]
    pub node: Box<Account<'info, Node>>,
    /// CHECK: the instructions sysvar, pinned by address; read for the Ed25519 instruction.
    #[account(address = solana_instructions_sysvar::ID)]
    pub instructions: UncheckedAccount<'info>,
}

/// Stores the attested figures if they are newer than the node's last.
pub fn handler(
    ctx: Context<AttestBenchmark>,
    tflops_centi: u32,
    mem_bw_gbps: u32,
    measured_at: i64,
) -> Result<()> {
    let node = &mut ctx.accounts.node;
    let attestation = BenchmarkAttestation::new(node.key(), tflops_centi, mem_bw_gbps, measured_at);
    verify_preceding_ed25519(
        &ctx.accounts.instructions,
        &node.agent_key,
        &message_bytes(&attestation)?,
    )?;
    let now = Clock::get()?.unix_timestamp;
    require!(
        measured_at > node.benchmarked_at && measured_at <= now,
        TesseraError::BenchmarkTooOld
    );
    node.tflops_centi = tflops_centi;
    node.mem_bw_gbps = mem_bw_gbps;
    node.benchmarked_at = measured_at;
    let event = BenchmarkAttested {
        node: node.key(),
        tflops_centi,
        mem_bw_gbps,
        measured_at,
    };
    crate::events::emit(&ctx.accounts.event_authority, &event)?;
    Ok(())
}
