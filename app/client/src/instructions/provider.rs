//! Providers and nodes: registration, updates, benchmark attestations (with the Ed25519 instruction).

use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use tessera::{accounts as acc, instruction as ix, seeds};

use super::{build, event_authority, protocol};

/// Addresses of one node and its provider.
#[derive(Clone, Copy, Debug)]
pub struct NodeKeys {
    /// Provider wallet.
    pub authority: Pubkey,
    /// Provider account.
    pub provider: Pubkey,
    /// Provider's stake position.
    pub position: Pubkey,
    /// Node account.
    pub node: Pubkey,
}

impl NodeKeys {
    /// Derives a node's addresses from its provider wallet and id.
    pub fn derive(authority: Pubkey, node_id: u64) -> Self {
        let provider = seeds::find_provider_address(&authority).0;
        Self {
            authority,
            provider,
            position: seeds::find_stake_position_address(&authority).0,
            node: seeds::find_node_address(&provider, node_id).0,
        }
    }
}

/// `register_provider`.
pub fn register_provider(authority: Pubkey) -> Instruction {
    build(
        acc::RegisterProvider {
            authority,
            protocol: protocol(),
            position: seeds::find_stake_position_address(&authority).0,
            provider: seeds::find_provider_address(&authority).0,
            system_program: anchor_lang::solana_program::system_program::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::RegisterProvider {},
    )
}

/// `register_node` for the provider's next node id `node_id`.
pub fn register_node(
    authority: Pubkey,
    pool: Pubkey,
    node_id: u64,
    spec: tessera::state::NodeSpec,
    agent_key: Pubkey,
) -> Instruction {
    let k = NodeKeys::derive(authority, node_id);
    build(
        acc::RegisterNode {
            authority,
            protocol: protocol(),
            provider: k.provider,
            pool,
            node: k.node,
            system_program: anchor_lang::solana_program::system_program::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::RegisterNode { spec, agent_key },
    )
}

/// `update_node`.
pub fn update_node(n: &NodeKeys, args: tessera::UpdateNodeArgs) -> Instruction {
    build(
        acc::UpdateNode {
            authority: n.authority,
            provider: n.provider,
            node: n.node,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::UpdateNode { args },
    )
}

/// The Ed25519 precompile instruction carrying `signer`'s signature over `message`.
pub fn ed25519(signer: &solana_sdk::signature::Keypair, message: &[u8]) -> Instruction {
    use solana_sdk::signer::Signer;
    let signature: [u8; 64] = signer.sign_message(message).into();
    solana_ed25519_program::new_ed25519_instruction_with_signature(
        message,
        &signature,
        &signer.pubkey().to_bytes(),
    )
}

/// `attest_benchmark` (pair it with [`ed25519`] over the attestation).
pub fn attest_benchmark(
    node: Pubkey,
    tflops_centi: u32,
    mem_bw_gbps: u32,
    measured_at: i64,
) -> Instruction {
    build(
        acc::AttestBenchmark {
            node,
            instructions: solana_instructions_sysvar::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::AttestBenchmark {
            tflops_centi,
            mem_bw_gbps,
            measured_at,
        },
    )
}
