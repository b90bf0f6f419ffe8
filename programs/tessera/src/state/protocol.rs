//! `Protocol`: the singleton configuration: mints, roles, bounded parameters, pause switch.

use anchor_lang::prelude::*;

use crate::error::TesseraError;
use crate::math::{Bps, BPS_DENOMINATOR};
use crate::state::image::tessera_account;
use crate::state::revenue::step_secs;

/// Upper bound of `protocol_fee_bps` (20 %).
pub const MAX_PROTOCOL_FEE_BPS: u16 = 2_000;
/// Upper bound of `max_slash_bps` (50 %).
pub const MAX_SLASH_BPS: u16 = 5_000;
/// Bounds of `unbonding_secs`: one hour to sixty days.
pub const UNBONDING_SECS_RANGE: (u32, u32) = (3_600, 60 * 86_400);
/// Bounds of `dispute_window_secs`: one minute to seven days.
pub const DISPUTE_WINDOW_SECS_RANGE: (u32, u32) = (60, 7 * 86_400);
/// Bounds of `revenue_vesting_secs`: one hour to thirty days. The minimum keeps a settle from
/// being a free sandwich (deposit just before, redeem just after).
pub const REVENUE_VESTING_SECS_RANGE: (u32, u32) = (3_600, 30 * 86_400);
/// Bounds of `params_notice_secs`: one hour to thirty days.
pub const PARAMS_NOTICE_SECS_RANGE: (u32, u32) = (3_600, 30 * 86_400);
/// Bounds of `grace_secs`: one minute to three days.
pub const GRACE_SECS_RANGE: (u32, u32) = (60, 3 * 86_400);

/// The tunable parameters, set at initialisation and changed by `propose_params` then
/// `apply_params` after the notice period, each bounded.
#[derive(AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProtocolParams {
    /// Protocol's cut of every settled payment (≤ 20 %); a lease keeps the value in force at
    /// its opening.
    pub protocol_fee_bps: Bps,
    /// Part of the protocol's cut that goes to stakers; the rest goes to the treasury.
    pub staker_share_bps: Bps,
    /// Stake a provider must hold to register and keep leases.
    pub min_provider_stake: u64,
    /// Seconds between `begin_unstake` and `withdraw_stake`.
    pub unbonding_secs: u32,
    /// Seconds a receipt stays disputable before anyone may settle it; a lease keeps the value
    /// in force at its opening.
    pub dispute_window_secs: u32,
    /// Most of a provider's stake one dispute may slash; a lease keeps the value in force at
    /// its opening.
    pub max_slash_bps: Bps,
    /// Seconds over which investors' revenue vests into the share price; revenue keeps the
    /// schedule it was booked under.
    pub revenue_vesting_secs: u32,
    /// Seconds a lease may run in arrears before anyone may close it; a lease keeps the value
    /// in force at its opening.
    pub grace_secs: u32,
    /// Seconds between `propose_params` and the earliest `apply_params`.
    pub params_notice_secs: u32,
}

impl ProtocolParams {
    /// Refuses any parameter outside its bound, naming it.
    pub fn validate(&self) -> Result<()> {
        let within = |v: u32, (lo, hi): (u32, u32)| (lo..=hi).contains(&v);
        require!(
            self.protocol_fee_bps.at_most(MAX_PROTOCOL_FEE_BPS),
            TesseraError::ProtocolFeeTooHigh
        );
        require!(
            self.staker_share_bps.at_most(BPS_DENOMINATOR),
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
            self.max_slash_bps.at_most(MAX_SLASH_BPS),
            TesseraError::SlashLimitTooHigh
        );
        require!(
            within(self.revenue_vesting_secs, REVENUE_VESTING_SECS_RANGE),
            TesseraError::VestingOutOfRange
        );
        require!(
            within(self.grace_secs, GRACE_SECS_RANGE),
            TesseraError::GraceOutOfRange
        );
        require!(
            within(self.params_notice_secs, PARAMS_NOTICE_SECS_RANGE),
            TesseraError::NoticeOutOfRange
        );
        Ok(())
    }
}

/// Protocol-wide configuration at `["protocol"]`. Only admin instructions write it, so it is
/// never a write-lock hot spot.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, InitSpace, Debug)]
pub struct Protocol {
    /// Layout version.
    pub version: u8,
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// Bounded tunables. First after the bump, at a fixed offset, so that an instruction that
    /// needs nothing else reads only them ([`Protocol::params_of`]).
    pub params: ProtocolParams,
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
    /// When true, new exposure (deposits, stakes, leases, bids) is refused; exits still work.
    pub paused: bool,
    /// A proposed change of parameters, treasury and arbiter, waiting out its notice.
    pub pending_change: Option<ParamsChange>,
    /// When `revenue_vesting_secs` last changed (0: never).
    pub vesting_changed_at: i64,
    /// `revenue_vesting_secs` before that change (0: never changed).
    pub previous_vesting_secs: u32,
    /// Room for future fields without a migration.
    pub reserved: [u8; 52],
}

tessera_account!(Protocol, [45, 39, 101, 43, 115, 72, 131, 40]);

impl Protocol {
    /// Where `params` starts in the account's data: after the discriminator, version and bump.
    pub const PARAMS_AT: usize = 8 + 1 + 1;

    /// Only the parameters of the protocol account `info`, its owner and discriminator checked:
    /// about 900 compute units less than reading the whole account, for instructions (`settle`)
    /// that need nothing else. The caller checks the address.
    pub fn params_of(info: &AccountInfo) -> Result<ProtocolParams> {
        require_keys_eq!(
            *info.owner,
            crate::ID,
            anchor_lang::error::ErrorCode::AccountOwnedByWrongProgram
        );
        let data = info.try_borrow_data()?;
        require!(
            data.starts_with(Self::DISCRIMINATOR),
            anchor_lang::error::ErrorCode::AccountDiscriminatorMismatch
        );
        let mut params: &[u8] = data.get(Self::PARAMS_AT..).unwrap_or_default();
        ProtocolParams::deserialize(&mut params)
            .map_err(|_| anchor_lang::error::ErrorCode::AccountDidNotDeserialize.into())
    }
}

/// How long after its notice ends a proposed change may still be applied: one left pending
/// for weeks would surprise everyone who planned around the parameters in force.
pub const PARAMS_APPLY_WINDOW_SECS: i64 = 7 * 86_400;

/// A proposed change, applicable by anyone from `effective_at` for
/// [`PARAMS_APPLY_WINDOW_SECS`], until cancelled or replaced.
#[derive(AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParamsChange {
    /// Parameters after the change.
    pub params: ProtocolParams,
    /// Treasury after the change.
    pub treasury: Pubkey,
    /// Arbiter after the change.
    pub arbiter: Pubkey,
    /// When it was proposed.
    pub proposed_at: i64,
    /// Earliest time `apply_params` may apply it: `proposed_at` plus the notice in force then.
    pub effective_at: i64,
}

impl Protocol {
    /// Current layout version.
    pub const VERSION: u8 = 1;

    /// Fails while paused; called first by every entry that opens new exposure.
    pub fn require_not_paused(&self) -> Result<()> {
        require!(!self.paused, TesseraError::ProtocolPaused);
        Ok(())
    }

    /// Records `change` as pending, replacing any earlier proposal; it may apply once the
    /// notice in force now has passed, so a shorter notice never shortens its own wait.
    pub fn propose_change(
        &mut self,
        params: ProtocolParams,
        treasury: Pubkey,
        arbiter: Pubkey,
        now: i64,
    ) -> Result<ParamsChange> {
        params.validate()?;
        require!(
            (params, treasury, arbiter) != (self.params, self.treasury, self.arbiter),
            TesseraError::ParamsUnchanged
        );
        let effective_at = now
            .checked_add(i64::from(self.params.params_notice_secs))
            .ok_or_else(|| error!(TesseraError::MathOverflow))?;
        self.check_vesting_change(&params, effective_at)?;
        let change = ParamsChange {
            params,
            treasury,
            arbiter,
            proposed_at: now,
            effective_at,
        };
        self.pending_change = Some(change);
        Ok(change)
    }

    /// Applies the pending change once its notice is over and before
    /// [`PARAMS_APPLY_WINDOW_SECS`] more have passed; returns it.
    pub fn apply_change(&mut self, now: i64) -> Result<ParamsChange> {
        let change = self
            .pending_change
            .ok_or_else(|| error!(TesseraError::NoParamsChangePending))?;
        require!(
            now >= change.effective_at,
            TesseraError::ParamsNoticeNotOver
        );
        let expires_at = change
            .effective_at
            .checked_add(PARAMS_APPLY_WINDOW_SECS)
            .ok_or_else(|| error!(TesseraError::MathOverflow))?;
        require!(now <= expires_at, TesseraError::ParamsChangeExpired);
        self.check_vesting_change(&change.params, now)?;
        if change.params.revenue_vesting_secs != self.params.revenue_vesting_secs {
            self.previous_vesting_secs = self.params.revenue_vesting_secs;
            self.vesting_changed_at = now;
        }
        self.params = change.params;
        self.treasury = change.treasury;
        self.arbiter = change.arbiter;
        self.pending_change = None;
        Ok(change)
    }

    /// Earliest time `revenue_vesting_secs` may change again: when revenue booked under the
    /// period before the last change has fully vested. Pools then never hold revenue under
    /// more than two periods, which bounds their revenue schedule (`REVENUE_PERIODS`).
    pub fn vesting_change_open_at(&self) -> i64 {
        let previous = self.previous_vesting_secs;
        self.vesting_changed_at
            .saturating_add(i64::from(previous))
            .saturating_add(i64::try_from(step_secs(previous)).unwrap_or(i64::MAX))
    }

    /// Refuses a change of `revenue_vesting_secs` taking effect at `at` before
    /// [`Self::vesting_change_open_at`].
    fn check_vesting_change(&self, params: &ProtocolParams, at: i64) -> Result<()> {
        require!(
            params.revenue_vesting_secs == self.params.revenue_vesting_secs
                || at >= self.vesting_change_open_at(),
            TesseraError::VestingChangeTooSoon
        );
        Ok(())
    }

    /// Drops the pending change; returns it.
    pub fn cancel_change(&mut self) -> Result<ParamsChange> {
        self.pending_change
            .take()
            .ok_or_else(|| error!(TesseraError::NoParamsChangePending))
    }

    /// Checks the stored parameters (and any pending ones) are within bounds.
    pub fn invariant(&self) -> Result<()> {
        self.params.validate()?;
        if let Some(change) = &self.pending_change {
            change.params.validate()?;
            require!(
                change.effective_at >= change.proposed_at,
                TesseraError::ParamsNoticeNotOver
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use anchor_lang::AccountSerialize;

    use super::*;

    #[test]
    fn params_of_reads_the_params_a_whole_read_gives_and_checks_owner_and_type() -> Result<()> {
        let params = ProtocolParams {
            protocol_fee_bps: Bps::new(300).unwrap_or_default(),
            staker_share_bps: Bps::new(5_000).unwrap_or_default(),
            min_provider_stake: 7,
            unbonding_secs: 11,
            dispute_window_secs: 13,
            max_slash_bps: Bps::new(1_700).unwrap_or_default(),
            revenue_vesting_secs: 19,
            grace_secs: 23,
            params_notice_secs: 29,
        };
        let protocol = Protocol {
            version: 1,
            bump: 254,
            params,
            authority: Pubkey::new_unique(),
            pending_authority: Some(Pubkey::new_unique()),
            settlement_mint: Pubkey::new_unique(),
            settlement_decimals: 6,
            stake_mint: Pubkey::new_unique(),
            treasury: Pubkey::new_unique(),
            arbiter: Pubkey::new_unique(),
            paused: true,
            pending_change: None,
            vesting_changed_at: 31,
            previous_vesting_secs: 37,
            reserved: [0; 52],
        };
        let mut data = Vec::new();
        protocol.try_serialize(&mut data)?;
        let (key, mut lamports) = (Pubkey::new_unique(), 1);
        let read = |data: &mut [u8], owner: &Pubkey, lamports: &mut u64| {
            let info = AccountInfo::new(&key, false, false, lamports, data, owner, false);
            Protocol::params_of(&info)
        };
        assert_eq!(read(&mut data, &crate::ID, &mut lamports)?, params);
        assert!(read(&mut data, &Pubkey::new_unique(), &mut lamports).is_err());
        data[0] ^= 1;
        assert!(read(&mut data, &crate::ID, &mut lamports).is_err());
        Ok(())
    }
}
