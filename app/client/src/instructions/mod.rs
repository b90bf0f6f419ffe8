//! Instruction builders for every Tessera instruction: Anchor's generated account and argument
//! structs, assembled with the program's own address derivation, plus the Ed25519 precompile
//! instruction that receipts and benchmark attestations ride on; one module per group of the
//! program's instructions, all re-exported here.

use anchor_lang::{InstructionData, ToAccountMetas};
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use tessera::{accounts as acc, seeds};

mod admin;
mod arbiter;
mod bid;
mod lease;
mod pool;
mod provider;
mod staking;
mod token;

pub use admin::*;
pub use arbiter::*;
pub use bid::*;
pub use lease::*;
pub use pool::*;
pub use provider::*;
pub use staking::*;
pub use token::*;

/// Addresses of one pool.
#[derive(Clone, Copy, Debug)]
pub struct PoolKeys {
    /// Pool PDA.
    pub pool: Pubkey,
    /// Vault PDA.
    pub vault: Pubkey,
    /// Share mint PDA.
    pub share_mint: Pubkey,
    /// Operator wallet.
    pub operator: Pubkey,
}

impl PoolKeys {
    /// Derives a pool's addresses from its operator and id.
    pub fn derive(operator: Pubkey, pool_id: u64) -> Self {
        let pool = seeds::find_pool_address(&operator, pool_id).0;
        Self {
            pool,
            vault: seeds::find_vault_address(&pool).0,
            share_mint: seeds::find_share_mint_address(&pool).0,
            operator,
        }
    }
}

fn build(accounts: impl ToAccountMetas, data: impl InstructionData) -> Instruction {
    Instruction {
        program_id: tessera::ID,
        accounts: accounts.to_account_metas(None),
        data: data.data(),
    }
}

fn protocol() -> Pubkey {
    seeds::find_protocol_address().0
}

/// The program's event authority: every instruction passes it for its self-CPI events.
pub fn event_authority() -> Pubkey {
    Pubkey::find_program_address(&[b"__event_authority"], &tessera::ID).0
}

fn stake_pool() -> Pubkey {
    seeds::find_stake_pool_address().0
}

fn pool_vault(p: &PoolKeys) -> acc::PoolVault {
    acc::PoolVault {
        pool: p.pool,
        vault: p.vault,
        share_mint: p.share_mint,
    }
}

fn stake_vaults() -> acc::StakeVaults {
    acc::StakeVaults {
        stake_pool: stake_pool(),
        stake_vault: seeds::find_stake_vault_address().0,
        reward_vault: seeds::find_reward_vault_address().0,
    }
}
