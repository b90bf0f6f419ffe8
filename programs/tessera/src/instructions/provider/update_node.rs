//! `update_node`: price, status, spec or agent-key changes that never break a running lease.

use anchor_lang::prelude::*;

use crate::error::TesseraError;
use crate::events::NodeUpdated;
use crate::state::{seeds, Node, NodeSpec, NodeStatus, Provider};

/// Arguments of `update_node`; `None` leaves a field unchanged.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct UpdateNodeArgs {
    /// New spec (price and lease bounds change freely; hardware only without active leases,
    /// except adding GPUs).
    pub spec: Option<NodeSpec>,
    /// New availability.
    pub status: Option<NodeStatus>,
    /// New agent key (rotation; receipts signed by the old key are refused from now on).
    pub agent_key: Option<Pubkey>,
}

/// Accounts of `update_node`.
#[event_cpi]
#[derive(Accounts)]
pub struct UpdateNode<'info> {
    /// The provider's wallet.
    pub authority: Signer<'info>,
    /// The provider.
    #[account(
        seeds = [seeds::PROVIDER, authority.key().as_ref()], bump = provider.bump,
        has_one = authority @ TesseraError::NotProviderAuthority,
    )]
    pub provider: Box<Account<'info, Provider>>,
    /// The node.
    #[account(
        mut, dup, seeds = [seeds::NODE, provider.key().as_ref(), &node.node_id.to_le_bytes()], bump = node.bump,
        has_one = provider @ TesseraError::NodeMismatch,
    )]
    pub node: Box<Account<'info, Node>>,
}

/// Applies the changes in `args`. Running leases keep their price (fixed at opening); the
/// hardware they rent cannot shrink or change under them.
pub fn handler(ctx: Context<UpdateNode>, args: UpdateNodeArgs) -> Result<()> {
    let node = &mut ctx.accounts.node;
    let old_spec = node.spec;
    let old_agent_key = node.agent_key;
    if let Some(spec) = args.spec {
        spec.validate()?;
        if node.active_leases > 0 {
            let same_hardware =
                spec.gpu_model == old_spec.gpu_model && spec.vram_mib == old_spec.vram_mib;
            require!(
                same_hardware && spec.gpu_count >= node.gpus_allocated,
                TesseraError::NodeHasActiveLeases
            );
        }
        node.spec = spec;
    }
    if let Some(status) = args.status {
        node.status = status;
    }
    if let Some(agent_key) = args.agent_key {
        node.agent_key = agent_key;
    }
    node.invariant()?;
    let event = NodeUpdated {
        node: node.key(),
        old_spec,
        new_spec: node.spec,
        status: node.status,
        old_agent_key,
        new_agent_key: node.agent_key,
    };
    crate::events::emit(&ctx.accounts.event_authority, &event)?;
    Ok(())
}
