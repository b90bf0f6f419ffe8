//! Events of pools: deposits, redemptions, the queue and capital.

use anchor_lang::prelude::*;

use crate::math::Bps;

/// A pool was created.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolCreated {
    /// Pool address.
    pub pool: Pubkey,
    /// Operator.
    pub operator: Pubkey,
    /// Operator's id for it.
    pub pool_id: u64,
    /// Share mint.
    pub share_mint: Pubkey,
    /// Vault.
    pub vault: Pubkey,
    /// Operator fee in bps.
    pub operator_fee_bps: Bps,
    /// Credit limit.
    pub credit_limit: u64,
}

/// Assets were deposited and shares minted.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deposited {
    /// Pool.
    pub pool: Pubkey,
    /// Depositor.
    pub investor: Pubkey,
    /// Assets in.
    pub assets: u64,
    /// Shares minted.
    pub shares: u64,
    /// Pool shares after.
    pub total_shares: u64,
    /// Pool cash after.
    pub cash: u64,
    /// Vault balance read back after the transfer.
    pub vault_amount: u64,
    /// NAV after, at the time of the deposit: with `total_shares`, the share value then.
    pub nav: u64,
}

/// Shares were redeemed instantly.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redeemed {
    /// Pool.
    pub pool: Pubkey,
    /// Redeemer.
    pub investor: Pubkey,
    /// Shares burned.
    pub shares: u64,
    /// Assets paid.
    pub assets: u64,
    /// Pool shares after.
    pub total_shares: u64,
    /// Pool cash after.
    pub cash: u64,
    /// Vault balance read back after the transfer.
    pub vault_amount: u64,
    /// NAV after, at the time of the redemption: with `total_shares`, the share value then.
    pub nav: u64,
}

/// A redemption was queued.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedemptionRequested {
    /// Pool.
    pub pool: Pubkey,
    /// Ticket address.
    pub ticket: Pubkey,
    /// Queue position.
    pub seq: u64,
    /// Investor.
    pub owner: Pubkey,
    /// Shares queued.
    pub shares: u64,
}

/// A queued redemption was priced and set aside.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedemptionFulfilled {
    /// Pool.
    pub pool: Pubkey,
    /// Queue position.
    pub seq: u64,
    /// Shares retired.
    pub shares: u64,
    /// Assets set aside for the owner.
    pub assets: u64,
    /// Pool cash after.
    pub cash: u64,
}

/// A fulfilled redemption was paid out.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedemptionClaimed {
    /// Pool.
    pub pool: Pubkey,
    /// Queue position.
    pub seq: u64,
    /// Investor.
    pub owner: Pubkey,
    /// Assets paid.
    pub assets: u64,
    /// Vault balance read back after the transfer.
    pub vault_amount: u64,
}

/// The operator drew capital.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CapitalDrawn {
    /// Pool.
    pub pool: Pubkey,
    /// Amount drawn.
    pub amount: u64,
    /// Principal deployed after.
    pub deployed_principal: u64,
    /// Cash after.
    pub cash: u64,
}

/// The operator repaid capital.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CapitalRepaid {
    /// Pool.
    pub pool: Pubkey,
    /// Principal repaid.
    pub principal: u64,
    /// Interest paid (investor revenue, vesting).
    pub interest: u64,
    /// Principal deployed after.
    pub deployed_principal: u64,
    /// Cash after.
    pub cash: u64,
}

/// The authority wrote principal down as lost.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CapitalWrittenDown {
    /// Pool.
    pub pool: Pubkey,
    /// Amount written down.
    pub amount: u64,
    /// Principal deployed before.
    pub old_deployed_principal: u64,
    /// Principal deployed after.
    pub new_deployed_principal: u64,
}
