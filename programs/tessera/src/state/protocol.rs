//! `Protocol`: the singleton configuration: mints, roles, bounded parameters, pause switch.

use anchor_lang::prelude::*;

use crate::error::TesseraError;
use crate::math::Bps;

/// Upper bound of `protocol_fee_bps` (20 %).
pub const MAX_PROTOCOL_FEE_BPS: u16 = 2_000;
/// Upper bound of `max_slash_bps` (50 %).
pub const MAX_SLASH_BPS: u16 = 5_000;
/// Bounds of `unbonding_secs`: one hour to sixty days.
pub const UNBONDING_SECS_RANGE: (u32, u32) = (3_600, 60 * 86_400);
/// Bounds of `dispute_window_secs`: one minute to seven days.
pub const DISPUTE_WINDOW_SECS_RANGE: (u32, u32) = (60, 7 * 86_400);
/// Upper bound of `revenue_vesting_secs`: thirty days.
pub const MAX_REVENUE_VESTING_SECS: u32 = 30 * 86_400;
/// Bounds of `grace_secs`: one minute to three days.
pub const GRACE_SECS_RANGE: (u32, u32) = (60, 3 * 86_400);

/// The tunable parameters, set at initialisation and by `set_params`, each bounded.
#[derive(AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProtocolParams {
    /// Protocol's cut of every settled payment, in bps (≤ 20 %).
    pub protocol_fee_bps: u16,
    /// Part of the protocol's cut that goes to stakers, in bps; the rest goes to the treasury.
    pub staker_share_bps: u16,
    /// Stake a provider must hold to register and keep leases.
    pub min_provider_stake: u64,
    /// Seconds between `begin_unstake` and `withdraw_stake`.
    pub unbonding_secs: u32,
    /// Seconds a receipt stays disputable before anyone may settle it.
    pub dispute_window_secs: u32,
    /// Most of a provider's stake one dispute may slash, in bps.
    pub max_slash_bps: u16,
    /// Seconds over which investors' revenue vests into the share price.
    pub revenue_vesting_secs: u32,
    /// Seconds a lease may run in arrears before anyone may close it.
    pub grace_secs: u32,
}

impl ProtocolParams {
    /// Refuses any parameter outside its bound, naming it.
    pub fn validate(&self) -> Result<()> {
        let within = |v: u32, (lo, hi): (u32, u32)| (lo..=hi).contains(&v);
        require!(
            self.protocol_fee_bps <= MAX_PROTOCOL_FEE_BPS,
            TesseraError::ProtocolFeeTooHigh
        );
        require!(
            Bps::new(self.staker_share_bps).is_some(),
            TesseraError::StakerShareTooHigh
        );
        require!(
            within(self.unbonding_secs, UNBONDING_SECS_RANGE),
            TesseraError::UnbondingOutOfRange
        );
        require!(
            within(self.dispute_window_secs, DISPUTE_WINDOW_SECS_RANGE),
            TesseraError::DisputeWindowOutOfRange
        );
        require!(
            self.max_slash_bps <= MAX_SLASH_BPS,
            TesseraError::SlashLimitTooHigh
        );
        require!(
            self.revenue_vesting_secs <= MAX_REVENUE_VESTING_SECS,
            TesseraError::VestingOutOfRange
        );
        require!(
            within(self.grace_secs, GRACE_SECS_RANGE),
            TesseraError::GraceOutOfRange
        );
        Ok(())
    }
}

/// Protocol-wide configuration at `["protocol"]`. Only admin instructions write it, so it is
/// never a write-lock hot spot.
#[account]
#[derive(InitSpace, Debug)]
pub struct Protocol {
    /// Layout version.
    pub version: u8,
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// Governs parameters, pause and the arbiter role (a multisig or DAO in production).
    pub authority: Pubkey,
    /// Named by `transfer_authority`; becomes `authority` on `accept_authority`.
    pub pending_authority: Option<Pubkey>,
    /// The stablecoin every price, escrow and fee is paid in.
    pub settlement_mint: Pubkey,
    /// Decimals of the settlement mint (share mints copy them).
    pub settlement_decimals: u8,
    /// The protocol token staked as collateral and for fee sharing.
    pub stake_mint: Pubkey,
    /// Settlement-token account that receives the treasury's part of protocol fees.
    pub treasury: Pubkey,
    /// Resolves disputes.
    pub arbiter: Pubkey,
    /// Bounded tunables.
    pub params: ProtocolParams,
    /// When true, new exposure (deposits, stakes, leases, bids) is refused; exits still work.
    pub paused: bool,
    /// Room for future fields without a migration.
    pub reserved: [u8; 64],
}

impl Protocol {
    /// Current layout version.
    pub const VERSION: u8 = 1;

    /// Fails while paused; called first by every entry that opens new exposure.
    pub fn require_not_paused(&self) -> Result<()> {
        require!(!self.paused, TesseraError::ProtocolPaused);
        Ok(())
    }

    /// Checks the stored parameters are within bounds.
    pub fn invariant(&self) -> Result<()> {
        self.params.validate()
    }
}
