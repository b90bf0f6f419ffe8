//! Account groups that several instructions share, each tied together by its constraints, with
//! the token moves made out of them and the invariant checked after each.

use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};

use crate::error::TesseraError;
use crate::instructions::token::transfer_from_pda;
use crate::state::{seeds, Pool, StakePool};

/// A pool with its vault and share mint, each tied to the pool: shared by every instruction
/// that moves the pool's tokens.
#[derive(Accounts)]
pub struct PoolVault<'info> {
    /// The pool.
    #[account(mut, dup, constraint = pool.is_at(&pool.key()) @ TesseraError::NotCanonicalAddress)]
    pub pool: Box<Account<'info, Pool>>,
    /// The pool's vault.
    #[account(mut, address = pool.vault @ TesseraError::VaultMismatch)]
    pub vault: Box<Account<'info, TokenAccount>>,
    /// The pool's share mint.
    #[account(mut, address = pool.share_mint @ TesseraError::ShareMintMismatch)]
    pub share_mint: Box<Account<'info, Mint>>,
}

impl<'info> PoolVault<'info> {
    /// Pays `amount` out of the vault to `to`, signed by the pool. The caller has already
    /// taken it off the ledger; [`Self::reload_and_check`] verifies that afterwards.
    pub fn pay_out(
        &self,
        token_program: &Program<'info, Token>,
        to: &Account<'info, TokenAccount>,
        amount: u64,
    ) -> Result<()> {
        let seeds = self.pool.seeds();
        transfer_from_pda(
            token_program,
            &self.vault,
            to,
            self.pool.to_account_info(),
            &seeds.as_slices(),
            amount,
        )
    }

    /// Re-reads the vault and share mint after a CPI moved them, then checks the pool's ledger
    /// invariant against the fresh balances. Returns the vault balance read.
    pub fn reload_and_check(&mut self) -> Result<u64> {
        self.vault.reload()?;
        self.share_mint.reload()?;
        self.pool
            .invariant(self.vault.amount, self.share_mint.supply)?;
        Ok(self.vault.amount)
    }
}

/// The stake pool with its stake and reward vaults, each tied to it: shared by every
/// instruction that moves staking tokens.
#[derive(Accounts)]
pub struct StakeVaults<'info> {
    /// The stake pool.
    #[account(mut, dup, address = seeds::STAKE_POOL_ADDRESS @ TesseraError::NotCanonicalAddress)]
    pub stake_pool: Box<Account<'info, StakePool>>,
    /// Staked protocol tokens.
    #[account(mut, address = stake_pool.stake_vault @ TesseraError::StakeVaultMismatch)]
    pub stake_vault: Box<Account<'info, TokenAccount>>,
    /// Stakers' settlement-token rewards.
    #[account(mut, address = stake_pool.reward_vault @ TesseraError::RewardVaultMismatch)]
    pub reward_vault: Box<Account<'info, TokenAccount>>,
}

impl<'info> StakeVaults<'info> {
    /// Pays `amount` out of `vault` (the stake or the reward vault) to `to`, signed by the stake
    /// pool.
    pub fn pay_out(
        &self,
        token_program: &Program<'info, Token>,
        vault: &Account<'info, TokenAccount>,
        to: &Account<'info, TokenAccount>,
        amount: u64,
    ) -> Result<()> {
        let seeds = self.stake_pool.signer_seeds();
        transfer_from_pda(
            token_program,
            vault,
            to,
            self.stake_pool.to_account_info(),
            &seeds,
            amount,
        )
    }

    /// Re-reads both vaults after a CPI and checks the stake pool's invariant against them.
    pub fn reload_and_check(&mut self) -> Result<()> {
        self.stake_vault.reload()?;
        self.reward_vault.reload()?;
        self.stake_pool
            .invariant(self.stake_vault.amount, self.reward_vault.amount)
    }
}
