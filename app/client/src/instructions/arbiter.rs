//! The arbiter: dispute resolution and provider status.

use anchor_spl::token::spl_token;
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use tessera::{accounts as acc, instruction as ix};

use super::{build, event_authority, protocol, stake_vaults, NodeKeys, PoolKeys};

/// `resolve_dispute`.
#[allow(clippy::too_many_arguments)]
pub fn resolve_dispute(
    arbiter: Pubkey,
    n: &NodeKeys,
    p: &PoolKeys,
    lease: Pubkey,
    treasury: Pubkey,
    slash_destination: Pubkey,
    args: tessera::ResolveDisputeArgs,
) -> Instruction {
    build(
        acc::ResolveDispute {
            arbiter,
            protocol: protocol(),
            provider: n.provider,
            position: n.position,
            node: n.node,
            lease,
            pool: p.pool,
            vaults: stake_vaults(),
            treasury,
            slash_destination,
            token_program: spl_token::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::ResolveDispute { args },
    )
}

/// `set_provider_status`.
pub fn set_provider_status(
    arbiter: Pubkey,
    provider: Pubkey,
    status: tessera::state::ProviderStatus,
) -> Instruction {
    build(
        acc::SetProviderStatus {
            arbiter,
            protocol: protocol(),
            provider,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::SetProviderStatus { status },
    )
}
