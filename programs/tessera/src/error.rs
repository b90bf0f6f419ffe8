//! The program's one error enum. Append-only: codes are part of the public interface.

use anchor_lang::prelude::*;

/// Every refusal the program can make, each with a message a user can act on.
#[error_code]
pub enum TesseraError {
    #[msg("arithmetic overflow: an amount is too large for the ledger")]
    MathOverflow,
    #[msg("the protocol is paused: new deposits, stakes and leases are refused; exits still work")]
    ProtocolPaused,
    #[msg("protocol_fee_bps is above the 20% bound")]
    ProtocolFeeTooHigh,
    #[msg("staker_share_bps is above 100%")]
    StakerShareTooHigh,
    #[msg("unbonding_secs is outside 1 hour ..= 60 days")]
    UnbondingOutOfRange,
    #[msg("dispute_window_secs is outside 1 minute ..= 7 days")]
    DisputeWindowOutOfRange,
    #[msg("max_slash_bps is above the 50% bound")]
    SlashLimitTooHigh,
    #[msg("revenue_vesting_secs is above the 30 day bound")]
    VestingOutOfRange,
    #[msg("grace_secs is outside 1 minute ..= 3 days")]
    GraceOutOfRange,
    #[msg("the signer is not the protocol authority")]
    NotAuthority,
    #[msg("the signer is not the pending authority named by transfer_authority")]
    NotPendingAuthority,
    #[msg("the settlement mint does not match the protocol's")]
    SettlementMintMismatch,
    #[msg("the stake mint does not match the protocol's")]
    StakeMintMismatch,
    #[msg("the treasury token account must hold the settlement mint")]
    TreasuryMintMismatch,
    #[msg("operator_fee_bps is above the 30% bound")]
    OperatorFeeTooHigh,
    #[msg("the signer is not this pool's operator")]
    NotPoolOperator,
    #[msg("the vault does not belong to this pool")]
    VaultMismatch,
    #[msg("the share mint does not belong to this pool")]
    ShareMintMismatch,
    #[msg("amount must be greater than zero")]
    ZeroAmount,
    #[msg("the deposit is too small to mint a single share at the current price")]
    ZeroShares,
    #[msg("fewer shares would be minted than min_shares_out")]
    SlippageShares,
    #[msg("fewer assets would be paid than min_assets_out")]
    SlippageAssets,
    #[msg("the pool's free cash cannot cover this now; use request_redemption to queue")]
    InsufficientCash,
    #[msg("redemptions are queued: instant redemption and capital draws wait for the queue")]
    QueueNotEmpty,
    #[msg("the redemption ticket does not belong to this pool")]
    TicketPoolMismatch,
    #[msg("redemption tickets must be passed in queue order starting at the head")]
    TicketOutOfOrder,
    #[msg("the redemption ticket is not fulfilled yet")]
    TicketNotFulfilled,
    #[msg("the signer does not own this redemption ticket")]
    NotTicketOwner,
    #[msg("too many tickets in one crank call")]
    TooManyTickets,
    #[msg("the draw would exceed the pool's credit limit")]
    CreditLimitExceeded,
    #[msg("the repayment exceeds the principal deployed")]
    RepayExceedsPrincipal,
    #[msg("the write-down exceeds the principal deployed")]
    WriteDownExceedsPrincipal,
    #[msg("the vault holds less than the pool's ledger: accounting is broken")]
    VaultBelowLedger,
    #[msg("more share tokens exist than the pool's ledger records")]
    ShareSupplyAboveLedger,
    #[msg("the signer does not own this stake position")]
    NotStakeOwner,
    #[msg("the amount exceeds the active stake")]
    InsufficientStake,
    #[msg("this stake is locked as provider collateral while leases are active")]
    StakeLocked,
    #[msg("no stake is unbonding")]
    NothingUnbonding,
    #[msg("the unbonding period has not ended")]
    StillUnbonding,
    #[msg("no rewards to claim")]
    NothingToClaim,
    #[msg("the stake vault does not belong to the stake pool")]
    StakeVaultMismatch,
    #[msg("the reward vault does not belong to the stake pool")]
    RewardVaultMismatch,
    #[msg("the stake vault holds less than staked plus unbonding")]
    StakeVaultBelowLedger,
    #[msg("the reward vault holds less than the rewards owed")]
    RewardVaultBelowLedger,
    #[msg("the redemption is too small to pay a single unit")]
    ZeroAssets,
}
