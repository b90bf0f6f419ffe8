//! Protocol administration: initialisation, parameter changes with notice, authority handover, pause.

use anchor_spl::token::spl_token;
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use tessera::state::ProtocolParams;
use tessera::{accounts as acc, instruction as ix, seeds};

use super::{build, event_authority, protocol, stake_pool};

/// `initialize_protocol`.
pub fn initialize_protocol(
    authority: Pubkey,
    settlement_mint: Pubkey,
    stake_mint: Pubkey,
    treasury: Pubkey,
    params: ProtocolParams,
    arbiter: Pubkey,
) -> Instruction {
    build(
        acc::InitializeProtocol {
            authority,
            protocol: protocol(),
            settlement_mint,
            stake_mint,
            treasury,
            stake_pool: stake_pool(),
            stake_vault: seeds::find_stake_vault_address().0,
            reward_vault: seeds::find_reward_vault_address().0,
            token_program: spl_token::ID,
            system_program: anchor_lang::solana_program::system_program::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::InitializeProtocol { params, arbiter },
    )
}

/// `propose_params`: the change applies after the notice period, through [`apply_params`].
pub fn propose_params(
    authority: Pubkey,
    treasury: Pubkey,
    params: ProtocolParams,
    arbiter: Pubkey,
) -> Instruction {
    build(
        acc::ProposeParams {
            authority,
            protocol: protocol(),
            treasury,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::ProposeParams { params, arbiter },
    )
}

/// `apply_params` (permissionless once the notice is over).
pub fn apply_params() -> Instruction {
    build(
        acc::ApplyParams {
            protocol: protocol(),
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::ApplyParams {},
    )
}

/// `cancel_params`.
pub fn cancel_params(authority: Pubkey) -> Instruction {
    build(
        acc::CancelParams {
            authority,
            protocol: protocol(),
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::CancelParams {},
    )
}

/// `transfer_authority`.
pub fn transfer_authority(authority: Pubkey, new_authority: Option<Pubkey>) -> Instruction {
    build(
        acc::TransferAuthority {
            authority,
            protocol: protocol(),
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::TransferAuthority { new_authority },
    )
}

/// `accept_authority`.
pub fn accept_authority(new_authority: Pubkey) -> Instruction {
    build(
        acc::AcceptAuthority {
            new_authority,
            protocol: protocol(),
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::AcceptAuthority {},
    )
}

/// `set_paused`.
pub fn set_paused(authority: Pubkey, paused: bool) -> Instruction {
    build(
        acc::SetPaused {
            authority,
            protocol: protocol(),
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::SetPaused { paused },
    )
}
