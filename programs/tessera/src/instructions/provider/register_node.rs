//! `register_node`: a provider declares a rig, its hot agent key and ask price, in one of the
//! pools it operates.

use anchor_lang::prelude::*;

use crate::error::TesseraError;
use crate::events::NodeRegistered;
use crate::state::{seeds, Node, NodeSpec, NodeStatus, Pool, Protocol, Provider};

/// Accounts of `register_node`.
#[event_cpi]
#[derive(Accounts)]
pub struct RegisterNode<'info> {
    /// The provider's wallet; pays rent.
    #[account(mut)]
    pub authority: Signer<'info>,
    /// The protocol (pause switch).
    #[account(address = seeds::PROTOCOL_ADDRESS @ TesseraError::NotCanonicalAddress)]
    pub protocol: Box<Account<'info, Protocol>>,
    /// The provider.
    #[account(
        mut, dup, seeds = [seeds::PROVIDER, authority.key().as_ref()], bump = provider.bump,
        has_one = authority @ TesseraError::NotProviderAuthority,
    )]
    pub provider: Box<Account<'info, Provider>>,
    /// The pool the node earns for; the provider must operate it.
    #[account(
        seeds = [seeds::POOL, pool.operator.as_ref(), &pool.pool_id.to_le_bytes()], bump = pool.bump,
        constraint = pool.operator == authority.key() @ TesseraError::PoolMismatch,
    )]
    pub pool: Box<Account<'info, Pool>>,
    /// The new node, numbered by the provider's node count.
    #[account(
        init, payer = authority, space = 8 + Node::INIT_SPACE,
        seeds = [seeds::NODE, provider.key().as_ref(), &provider.node_count.to_le_bytes()], bump,
    )]
    pub node: Box<Account<'info, Node>>,
    /// System program.
    pub system_program: Program<'info, System>,
}

/// Registers a node with `spec`, signing receipts with `agent_key`.
pub fn handler(ctx: Context<RegisterNode>, spec: NodeSpec, agent_key: Pubkey) -> Result<()> {
    let accounts = &mut *ctx.accounts;
    accounts.protocol.require_not_paused()?;
    spec.validate()?;
    let node_id = accounts.provider.node_count;
    accounts.node.set_inner(Node {
        version: Node::VERSION,
        bump: ctx.bumps.node,
        provider: accounts.provider.key(),
        node_id,
        pool: accounts.pool.key(),
        agent_key,
        spec,
        tflops_centi: 0,
        mem_bw_gbps: 0,
        benchmarked_at: 0,
        status: NodeStatus::Online,
        gpus_allocated: 0,
        active_leases: 0,
        lease_count: 0,
        gpu_seconds_served: 0,
        reserved: [0; 32],
    });
    accounts.provider.node_count = node_id
        .checked_add(1)
        .ok_or_else(|| error!(TesseraError::MathOverflow))?;
    let event = NodeRegistered {
        node: accounts.node.key(),
        provider: accounts.provider.key(),
        pool: accounts.pool.key(),
        agent_key,
        spec,
    };
    crate::events::emit(&ctx.accounts.event_authority, &event)?;
    Ok(())
}
