//! The program's one error enum. Append-only: codes are part of the public interface.

use anchor_lang::prelude::*;

/// Declares the error enum and, from the same list, a table of every variant in code order,
/// so off-chain code can name any code it receives.
macro_rules! tessera_errors {
    ($($name:ident = $msg:tt,)*) => {
        /// Every refusal the program can make, each with a message a user can act on.
        #[error_code]
        pub enum TesseraError {
            $(#[msg($msg)] $name,)*
        }

        impl TesseraError {
            /// Every variant in code order: code = 6000 + index.
            pub const ALL: &'static [TesseraError] = &[$(TesseraError::$name,)*];

            /// The variant for an on-chain error code, if it is one of Tessera's.
            pub fn from_code(code: u32) -> Option<TesseraError> {
                let index = code.checked_sub(anchor_lang::error::ERROR_CODE_OFFSET)?;
                Self::ALL.get(usize::try_from(index).ok()?).copied()
            }
        }
    };
}

tessera_errors! {
    MathOverflow = "arithmetic overflow: an amount is too large for the ledger",
    ProtocolPaused = "the protocol is paused: new deposits, stakes and leases are refused; exits still work",
    ProtocolFeeTooHigh = "protocol_fee_bps is above the 20% bound",
    StakerShareTooHigh = "staker_share_bps is above 100%",
    UnbondingOutOfRange = "unbonding_secs is outside 1 hour ..= 60 days",
    DisputeWindowOutOfRange = "dispute_window_secs is outside 1 minute ..= 7 days",
    SlashLimitTooHigh = "max_slash_bps is above the 50% bound",
    VestingOutOfRange = "revenue_vesting_secs is outside 1 hour ..= 30 days",
    GraceOutOfRange = "grace_secs is outside 1 minute ..= 3 days",
    NotAuthority = "the signer is not the protocol authority",
    NotPendingAuthority = "the signer is not the pending authority named by transfer_authority",
    SettlementMintMismatch = "the settlement mint does not match the protocol's",
    StakeMintMismatch = "the stake mint does not match the protocol's",
    TreasuryMintMismatch = "the treasury token account must hold the settlement mint",
    OperatorFeeTooHigh = "operator_fee_bps is above the 30% bound",
    NotPoolOperator = "the signer is not this pool's operator",
    VaultMismatch = "the vault does not belong to this pool",
    ShareMintMismatch = "the share mint does not belong to this pool",
    ZeroAmount = "amount must be greater than zero",
    ZeroShares = "the deposit is too small to mint a single share at the current price",
    SlippageShares = "fewer shares would be minted than min_shares_out",
    SlippageAssets = "fewer assets would be paid than min_assets_out",
    InsufficientCash = "the pool's free cash cannot cover this now; use request_redemption to queue",
    QueueNotEmpty = "redemptions are queued: instant redemption and capital draws wait for the queue",
    TicketPoolMismatch = "the redemption ticket does not belong to this pool",
    TicketOutOfOrder = "redemption tickets must be passed in queue order starting at the head",
    TicketNotFulfilled = "the redemption ticket is not fulfilled yet",
    NotTicketOwner = "the signer does not own this redemption ticket",
    TooManyTickets = "too many tickets in one crank call",
    CreditLimitExceeded = "the draw would exceed the pool's credit limit",
    RepayExceedsPrincipal = "the repayment exceeds the principal deployed",
    WriteDownExceedsPrincipal = "the write-down exceeds the principal deployed",
    VaultBelowLedger = "the vault holds less than the pool's ledger: accounting is broken",
    ShareSupplyAboveLedger = "more share tokens exist than the pool's ledger records",
    NotStakeOwner = "the signer does not own this stake position",
    InsufficientStake = "the amount exceeds the active stake",
    StakeLocked = "this stake is locked as provider collateral while leases are active",
    NothingUnbonding = "no stake is unbonding",
    StillUnbonding = "the unbonding period has not ended",
    NothingToClaim = "no rewards to claim",
    StakeVaultMismatch = "the stake vault does not belong to the stake pool",
    RewardVaultMismatch = "the reward vault does not belong to the stake pool",
    StakeVaultBelowLedger = "the stake vault holds less than staked plus unbonding",
    RewardVaultBelowLedger = "the reward vault holds less than the rewards owed",
    ZeroAssets = "the redemption is too small to pay a single unit",
    InvalidNodeSpec = "node spec invalid: gpu_count, price and min_lease_secs must be > 0 and min ≤ max",
    NodeOffline = "the node is offline and takes no new leases",
    NotEnoughFreeGpus = "the node has fewer free GPUs than requested",
    LeaseLengthOutOfRange = "the lease length is outside the node's min/max lease length",
    ProviderUnderstaked = "the provider's active stake is below min_provider_stake",
    ProviderJailed = "the provider is jailed and takes no new leases",
    NotProviderAuthority = "the signer is not this provider's authority",
    NodeMismatch = "the node does not belong to this provider or lease",
    PoolMismatch = "the pool does not match the node or lease",
    NotRenter = "the signer is not this lease's renter",
    // No longer raised (providers may cancel early); kept so later codes stay put.
    LeaseNotEnded = "the lease has not ended",
    GraceNotOver = "the lease ended but its grace period has not: only the renter or provider may close it yet",
    PendingUnsettled = "the lease has an unsettled charge: settle it first",
    LeaseDisputed = "the lease is disputed: only the arbiter can move it",
    LeaseNotDisputed = "the lease is not disputed",
    NothingPending = "the lease has no pending charge",
    DisputeWindowOpen = "the dispute window has not passed and the receipt was not co-signed",
    DisputeWindowClosed = "the dispute window has passed",
    NotArbiter = "the signer is not the protocol's arbiter",
    RefundExceedsPending = "the refund is larger than the pending charge",
    MissingEd25519Instruction = "no Ed25519 signature-verify instruction precedes this instruction",
    NotEd25519Program = "the preceding instruction is not the Ed25519 precompile",
    Ed25519SignatureCount = "the Ed25519 instruction must carry exactly one signature",
    Ed25519OffsetsInvalid = "the Ed25519 offsets must point inside that same instruction",
    WrongSigningKey = "the receipt or attestation is not signed by the node's agent key",
    SignedMessageMismatch = "the signed message is not the exact expected receipt or attestation",
    ReceiptSeqNotIncreasing = "receipt seq must be greater than the last one",
    ReceiptPeriodOverlap = "the receipt period starts before the last one ended",
    ReceiptPeriodInvalid = "the receipt period is empty or reversed",
    ReceiptPeriodAfterLeaseEnd = "the receipt period runs past the lease end",
    ReceiptPeriodInFuture = "the receipt period ends in the future",
    CosignerNotRenter = "the co-signer is not the lease's renter",
    NodeHasActiveLeases = "this change would break an active lease's terms",
    BidExpired = "the bid has expired",
    BidSpecsNotMet = "the node does not meet the bid's minimum specs",
    StakePositionMismatch = "the stake position is not the provider's",
    SlashDestinationMismatch = "slashed stake must go to a stake-mint account of the treasury's owner",
    TreasuryMismatch = "the treasury account is not the protocol's",
    BenchmarkTooOld = "the attested benchmark is older than the node's last one or in the future",
    NothingToSweep = "no fees are owed",
    JobUriTooLong = "job_uri is longer than 200 bytes",
    PriceAboveMax = "the node's price is above max_price_per_gpu_hour",
    RefundAccountNotRenters = "refunds must go to a settlement-token account owned by the renter",
    NoticeOutOfRange = "params_notice_secs is outside 1 hour ..= 30 days",
    ParamsUnchanged = "the proposal changes no parameter, treasury or arbiter",
    NoParamsChangePending = "no parameter change is pending",
    ParamsNoticeNotOver = "the parameter change's notice period has not passed yet",
    StakeLedgerBroken = "stake bookkeeping is inconsistent: collateral locked without a lease, or unbonding without an end",
    LeaseLedgerBroken = "the lease's books do not balance: a pending charge without usage, or a receipt outside the lease",
    VestingScheduleBroken = "the pool's revenue vesting schedule ends before it starts",
    BidEscrowBelowLedger = "the bid's escrow account holds less than the bid's escrow",
    TicketLedgerBroken = "the redemption ticket's state is inconsistent",
    NotCanonicalAddress = "the account is not at the address its seeds and stored bump derive: a copy or a forgery",
    ParamsChangeExpired = "the parameter change was not applied within 7 days of its notice ending: propose it again",
    VestingChangeTooSoon = "revenue_vesting_secs changed too recently: revenue booked under the period before it may still be vesting; propose the change to take effect later",
    RevenueScheduleFull = "the pool's revenue schedule has no free tranche (revenue under more than two vesting periods at once)",
    EventTooLarge = "an event is larger than the 1,024 bytes an event may take",
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_maps_back_to_its_variant() {
        for (i, e) in TesseraError::ALL.iter().enumerate() {
            let code = anchor_lang::error::ERROR_CODE_OFFSET + i as u32;
            assert_eq!(u32::from(*e), code);
            assert_eq!(
                TesseraError::from_code(code).map(|v| v.name()),
                Some(e.name())
            );
        }
        assert!(TesseraError::from_code(5_999).is_none());
        assert!(TesseraError::from_code(6_000 + TesseraError::ALL.len() as u32).is_none());
    }
}
