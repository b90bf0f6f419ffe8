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
    #[msg("node spec invalid: gpu_count, price and min_lease_secs must be > 0 and min ≤ max")]
    InvalidNodeSpec,
    #[msg("the node is offline and takes no new leases")]
    NodeOffline,
    #[msg("the node has fewer free GPUs than requested")]
    NotEnoughFreeGpus,
    #[msg("the lease length is outside the node's min/max lease length")]
    LeaseLengthOutOfRange,
    #[msg("the provider's active stake is below min_provider_stake")]
    ProviderUnderstaked,
    #[msg("the provider is jailed and takes no new leases")]
    ProviderJailed,
    #[msg("the signer is not this provider's authority")]
    NotProviderAuthority,
    #[msg("the node does not belong to this provider or lease")]
    NodeMismatch,
    #[msg("the pool does not match the node or lease")]
    PoolMismatch,
    #[msg("the signer is not this lease's renter")]
    NotRenter,
    #[msg("the lease has not ended; only the renter may close it early")]
    LeaseNotEnded,
    #[msg("the lease ended but its grace period has not: only the renter or provider may close it yet")]
    GraceNotOver,
    #[msg("the lease has an unsettled charge: settle it first")]
    PendingUnsettled,
    #[msg("the lease is disputed: only the arbiter can move it")]
    LeaseDisputed,
    #[msg("the lease is not disputed")]
    LeaseNotDisputed,
    #[msg("the lease has no pending charge")]
    NothingPending,
    #[msg("the dispute window has not passed and the receipt was not co-signed")]
    DisputeWindowOpen,
    #[msg("the dispute window has passed")]
    DisputeWindowClosed,
    #[msg("the signer is not the protocol's arbiter")]
    NotArbiter,
    #[msg("the refund is larger than the pending charge")]
    RefundExceedsPending,
    #[msg("no Ed25519 signature-verify instruction precedes this instruction")]
    MissingEd25519Instruction,
    #[msg("the preceding instruction is not the Ed25519 precompile")]
    NotEd25519Program,
    #[msg("the Ed25519 instruction must carry exactly one signature")]
    Ed25519SignatureCount,
    #[msg("the Ed25519 offsets must point inside that same instruction")]
    Ed25519OffsetsInvalid,
    #[msg("the receipt or attestation is not signed by the node's agent key")]
    WrongSigningKey,
    #[msg("the signed message is not the exact expected receipt or attestation")]
    SignedMessageMismatch,
    #[msg("receipt seq must be greater than the last one")]
    ReceiptSeqNotIncreasing,
    #[msg("the receipt period starts before the last one ended")]
    ReceiptPeriodOverlap,
    #[msg("the receipt period is empty or reversed")]
    ReceiptPeriodInvalid,
    #[msg("the receipt period runs past the lease end")]
    ReceiptPeriodAfterLeaseEnd,
    #[msg("the receipt period ends in the future")]
    ReceiptPeriodInFuture,
    #[msg("the co-signer is not the lease's renter")]
    CosignerNotRenter,
    #[msg("this change would break an active lease's terms")]
    NodeHasActiveLeases,
    #[msg("the bid has expired")]
    BidExpired,
    #[msg("the node does not meet the bid's minimum specs")]
    BidSpecsNotMet,
    #[msg("the stake position is not the provider's")]
    StakePositionMismatch,
    #[msg("slashed stake must go to a stake-mint account of the treasury's owner")]
    SlashDestinationMismatch,
    #[msg("the treasury account is not the protocol's")]
    TreasuryMismatch,
    #[msg("the attested benchmark is older than the node's last one or in the future")]
    BenchmarkTooOld,
    #[msg("no fees are owed")]
    NothingToSweep,
    #[msg("job_uri is longer than 200 bytes")]
    JobUriTooLong,
    #[msg("the node's price is above max_price_per_gpu_hour")]
    PriceAboveMax,
    #[msg("refunds must go to a settlement-token account owned by the renter")]
    RefundAccountNotRenters,
}
