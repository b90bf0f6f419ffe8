//! `sweep_protocol_fees`: permissionless crank that moves a pool's protocol fees out: the
//! stakers' share into the reward accumulator, the rest to the treasury. Fees reach stakers
//! here, off the hot path, so settlement never writes a protocol-wide account.

use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};

use crate::error::TesseraError;
use crate::events::{ProtocolFeesSwept, StakeRewardsFunded};
use crate::instructions::shared::{
    __client_accounts_pool_vault, __cpi_client_accounts_pool_vault, PoolVault, PoolVaultBumps,
};
use crate::instructions::shared::{
    __client_accounts_stake_vaults, __cpi_client_accounts_stake_vaults, StakeVaults,
    StakeVaultsBumps,
};
use crate::math::sub;
use crate::state::{seeds, Protocol};

/// Accounts of `sweep_protocol_fees`.
#[event_cpi]
#[derive(Accounts)]
pub struct SweepProtocolFees<'info> {
    /// The protocol (staker share, treasury).
    #[account(address = seeds::PROTOCOL_ADDRESS @ TesseraError::NotCanonicalAddress)]
    pub protocol: Box<Account<'info, Protocol>>,
    /// The pool with its vault.
    pub pool_vault: PoolVault<'info>,
    /// The stake pool and its vaults.
    pub vaults: StakeVaults<'info>,
    /// The treasury's settlement-token account.
    #[account(mut, address = protocol.treasury @ TesseraError::TreasuryMismatch)]
    pub treasury: Box<Account<'info, TokenAccount>>,
    /// SPL Token.
    pub token_program: Program<'info, Token>,
}

/// Sweeps all of `protocol_fees_owed`: `staker_share_bps` of it (rounded down) to stakers,
/// the remainder to the treasury.
pub fn handler(ctx: Context<SweepProtocolFees>) -> Result<()> {
    let accounts = &mut *ctx.accounts;
    let amount = accounts.pool_vault.pool.take_protocol_fees()?;
    let to_stakers = accounts.protocol.params.staker_share_bps.fee_floor(amount);
    let to_treasury = sub(amount, to_stakers)?;
    for (to, part) in [
        (&accounts.vaults.reward_vault, to_stakers),
        (&accounts.treasury, to_treasury),
    ] {
        if part > 0 {
            accounts
                .pool_vault
                .pay_out(&accounts.token_program, to, part)?;
        }
    }
    let distributed = if to_stakers > 0 {
        accounts.vaults.stake_pool.distribute(to_stakers)?
    } else {
        0
    };
    accounts.pool_vault.reload_and_check()?;
    accounts.vaults.reload_and_check()?;
    let funded = StakeRewardsFunded {
        funder: accounts.pool_vault.pool.key(),
        amount: to_stakers,
        distributed,
        acc_reward_per_share: accounts.vaults.stake_pool.acc_reward_per_share,
    };
    let swept = ProtocolFeesSwept {
        pool: accounts.pool_vault.pool.key(),
        to_stakers,
        to_treasury,
    };
    crate::events::emit(&ctx.accounts.event_authority, &funded)?;
    crate::events::emit(&ctx.accounts.event_authority, &swept)?;
    Ok(())
}
