//! Staking: stake, unbond, withdraw, rewards.

use anchor_spl::token::spl_token;
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use tessera::{accounts as acc, instruction as ix, seeds};

use super::{build, event_authority, protocol, stake_pool, stake_vaults};

/// `stake`.
pub fn stake(owner: Pubkey, owner_stake_token: Pubkey, amount: u64) -> Instruction {
    build(
        acc::Stake {
            owner,
            protocol: protocol(),
            vaults: stake_vaults(),
            position: seeds::find_stake_position_address(&owner).0,
            owner_stake_token,
            token_program: spl_token::ID,
            system_program: anchor_lang::solana_program::system_program::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::Stake { amount },
    )
}

/// `begin_unstake`.
pub fn begin_unstake(owner: Pubkey, amount: u64) -> Instruction {
    build(
        acc::BeginUnstake {
            owner,
            protocol: protocol(),
            stake_pool: stake_pool(),
            position: seeds::find_stake_position_address(&owner).0,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::BeginUnstake { amount },
    )
}

/// `withdraw_stake`.
pub fn withdraw_stake(owner: Pubkey, owner_stake_token: Pubkey) -> Instruction {
    build(
        acc::WithdrawStake {
            owner,
            protocol: protocol(),
            vaults: stake_vaults(),
            position: seeds::find_stake_position_address(&owner).0,
            owner_stake_token,
            token_program: spl_token::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::WithdrawStake {},
    )
}

/// `claim_stake_rewards`.
pub fn claim_stake_rewards(owner: Pubkey, owner_token: Pubkey) -> Instruction {
    build(
        acc::ClaimStakeRewards {
            owner,
            protocol: protocol(),
            vaults: stake_vaults(),
            position: seeds::find_stake_position_address(&owner).0,
            owner_token,
            token_program: spl_token::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::ClaimStakeRewards {},
    )
}

/// `fund_stake_rewards`.
pub fn fund_stake_rewards(funder: Pubkey, funder_token: Pubkey, amount: u64) -> Instruction {
    build(
        acc::FundStakeRewards {
            funder,
            protocol: protocol(),
            vaults: stake_vaults(),
            funder_token,
            token_program: spl_token::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::FundStakeRewards { amount },
    )
}
