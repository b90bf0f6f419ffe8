//! Tessera: fractional GPU pools, provider staking, leases and signed usage receipts.
//!
//! This file is the table of contents: each instruction forwards to
//! `instructions::<group>::<instruction>::handler`.
#![deny(arithmetic_overflow)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// Anchor's macros expand to cfg names and deprecated items this crate cannot rename.
#![allow(unexpected_cfgs)]

use anchor_lang::prelude::*;
// Linked for its memcpy and integer builtins on the SBF build (scripts/build-sbf).
#[cfg(target_os = "solana")]
use solana_compiler_builtins as _;

pub mod error;
pub mod events;
pub mod instructions;
pub mod math;
pub mod signed;
pub mod state;

#[allow(ambiguous_glob_reexports)]
pub use instructions::*;
use signed::ReceiptBody;
pub use state::seeds;
use state::{NodeSpec, ProtocolParams, ProviderStatus};

declare_id!("B34z58VoW8ZF9Zm72quNxDMHpri5e3iqbd5qwMsqUCZR");

#[cfg(not(feature = "no-entrypoint"))]
solana_security_txt::security_txt! {
    name: "Tessera",
    project_url: "https://github.com/tessera-gpu/tessera",
    contacts: "email:security@tessera.invalid",
    policy: "https://github.com/tessera-gpu/tessera/blob/main/SECURITY.md",
    source_code: "https://github.com/tessera-gpu/tessera"
}

/// The Tessera program.
#[program]
pub mod tessera {
    use super::*;

    /// Creates the protocol, stake pool and staking vaults with bounded parameters.
    pub fn initialize_protocol(
        ctx: Context<InitializeProtocol>,
        params: ProtocolParams,
        arbiter: Pubkey,
    ) -> Result<()> {
        admin::initialize_protocol::handler(ctx, params, arbiter)
    }

    /// Authority proposes bounded parameters, a treasury and an arbiter, applicable after the
    /// notice period.
    pub fn propose_params(
        ctx: Context<ProposeParams>,
        params: ProtocolParams,
        arbiter: Pubkey,
    ) -> Result<()> {
        admin::propose_params::handler(ctx, params, arbiter)
    }

    /// Anyone applies the pending change once its notice period is over.
    pub fn apply_params(ctx: Context<ApplyParams>) -> Result<()> {
        admin::apply_params::handler(ctx)
    }

    /// Authority withdraws the pending change.
    pub fn cancel_params(ctx: Context<CancelParams>) -> Result<()> {
        admin::cancel_params::handler(ctx)
    }

    /// Authority proposes a successor (step one of two).
    pub fn transfer_authority(
        ctx: Context<TransferAuthority>,
        new_authority: Option<Pubkey>,
    ) -> Result<()> {
        admin::transfer_authority::handler(ctx, new_authority)
    }

    /// The proposed successor accepts (step two of two).
    pub fn accept_authority(ctx: Context<AcceptAuthority>) -> Result<()> {
        admin::accept_authority::handler(ctx)
    }

    /// Authority pauses or resumes new exposure; exits always work.
    pub fn set_paused(ctx: Context<SetPaused>, paused: bool) -> Result<()> {
        admin::set_paused::handler(ctx, paused)
    }

    /// Operator creates a pool with its share mint and vault.
    pub fn create_pool(ctx: Context<CreatePool>, args: CreatePoolArgs) -> Result<()> {
        pool::create_pool::handler(ctx, args)
    }

    /// Investor deposits settlement tokens for shares at the current price.
    pub fn deposit(ctx: Context<Deposit>, assets: u64, min_shares_out: u64) -> Result<()> {
        pool::deposit::handler(ctx, assets, min_shares_out)
    }

    /// Investor redeems shares instantly from free cash while nobody is queued.
    pub fn redeem(ctx: Context<Redeem>, shares: u64, min_assets_out: u64) -> Result<()> {
        pool::redeem::handler(ctx, shares, min_assets_out)
    }

    /// Investor queues shares for redemption (FIFO ticket, priced at fulfilment).
    pub fn request_redemption(ctx: Context<RequestRedemption>, shares: u64) -> Result<()> {
        pool::request_redemption::handler(ctx, shares)
    }

    /// Anyone serves the redemption queue in order while cash lasts.
    pub fn process_redemptions<'info>(
        ctx: Context<'info, ProcessRedemptions<'info>>,
    ) -> Result<()> {
        crank::process_redemptions::handler(ctx)
    }

    /// Ticket owner collects a fulfilled redemption; the ticket closes.
    pub fn claim_redemption(ctx: Context<ClaimRedemption>) -> Result<()> {
        pool::claim_redemption::handler(ctx)
    }

    /// Operator draws free cash as principal, up to the credit limit.
    pub fn draw_capital(ctx: Context<DrawCapital>, amount: u64) -> Result<()> {
        pool::draw_capital::handler(ctx, amount)
    }

    /// Operator repays principal plus interest (interest vests to investors).
    pub fn repay_capital(ctx: Context<RepayCapital>, principal: u64, interest: u64) -> Result<()> {
        pool::repay_capital::handler(ctx, principal, interest)
    }

    /// Authority writes deployed principal down after a default.
    pub fn write_down(ctx: Context<WriteDown>, amount: u64) -> Result<()> {
        pool::write_down::handler(ctx, amount)
    }

    /// Staker adds protocol tokens to their position.
    pub fn stake(ctx: Context<Stake>, amount: u64) -> Result<()> {
        staking::stake::handler(ctx, amount)
    }

    /// Staker starts unbonding part of their stake.
    pub fn begin_unstake(ctx: Context<BeginUnstake>, amount: u64) -> Result<()> {
        staking::begin_unstake::handler(ctx, amount)
    }

    /// Staker withdraws stake whose unbonding has ended.
    pub fn withdraw_stake(ctx: Context<WithdrawStake>) -> Result<()> {
        staking::withdraw_stake::handler(ctx)
    }

    /// Staker claims settlement-token rewards.
    pub fn claim_stake_rewards(ctx: Context<ClaimStakeRewards>) -> Result<()> {
        staking::claim_stake_rewards::handler(ctx)
    }

    /// Anyone pays rewards in for current stakers.
    pub fn fund_stake_rewards(ctx: Context<FundStakeRewards>, amount: u64) -> Result<()> {
        staking::fund_stake_rewards::handler(ctx, amount)
    }

    /// Operator collects settled operator fees.
    pub fn claim_operator_fees(ctx: Context<ClaimOperatorFees>) -> Result<()> {
        pool::claim_operator_fees::handler(ctx)
    }

    /// Anyone sweeps a pool's protocol fees to stakers and the treasury.
    pub fn sweep_protocol_fees(ctx: Context<SweepProtocolFees>) -> Result<()> {
        crank::sweep_protocol_fees::handler(ctx)
    }

    /// A staker with the provider minimum registers as a provider.
    pub fn register_provider(ctx: Context<RegisterProvider>) -> Result<()> {
        provider::register_provider::handler(ctx)
    }

    /// Provider registers a rig with its agent key and ask price.
    pub fn register_node(
        ctx: Context<RegisterNode>,
        spec: NodeSpec,
        agent_key: Pubkey,
    ) -> Result<()> {
        provider::register_node::handler(ctx, spec, agent_key)
    }

    /// Provider changes a node's price, status, spec or agent key.
    pub fn update_node(ctx: Context<UpdateNode>, args: UpdateNodeArgs) -> Result<()> {
        provider::update_node::handler(ctx, args)
    }

    /// Records benchmark figures signed by the node's agent key.
    pub fn attest_benchmark(
        ctx: Context<AttestBenchmark>,
        tflops_centi: u32,
        mem_bw_gbps: u32,
        measured_at: i64,
    ) -> Result<()> {
        provider::attest_benchmark::handler(ctx, tflops_centi, mem_bw_gbps, measured_at)
    }

    /// Renter leases GPUs of a node at its ask, prepaying escrow.
    pub fn open_lease(ctx: Context<OpenLease>, args: OpenLeaseArgs) -> Result<()> {
        lease::open_lease::handler(ctx, args)
    }

    /// Renter adds escrow and extends the lease.
    pub fn top_up_lease(ctx: Context<TopUpLease>, amount: u64) -> Result<()> {
        lease::top_up_lease::handler(ctx, amount)
    }

    /// Agent-signed usage receipt charges a period to pending.
    pub fn submit_receipt(ctx: Context<SubmitReceipt>, body: ReceiptBody) -> Result<()> {
        lease::submit_receipt::handler(ctx, body)
    }

    /// Anyone settles a pending charge after the dispute window.
    pub fn settle(ctx: Context<Settle>) -> Result<()> {
        lease::settle::handler(ctx)
    }

    /// Renter disputes the pending charge.
    pub fn dispute(ctx: Context<Dispute>) -> Result<()> {
        lease::dispute::handler(ctx)
    }

    /// Arbiter resolves a dispute: refund, settle, slash, terminate.
    pub fn resolve_dispute(ctx: Context<ResolveDispute>, args: ResolveDisputeArgs) -> Result<()> {
        arbiter::resolve_dispute::handler(ctx, args)
    }

    /// Arbiter jails or reinstates a provider.
    pub fn set_provider_status(
        ctx: Context<SetProviderStatus>,
        status: ProviderStatus,
    ) -> Result<()> {
        arbiter::set_provider_status::handler(ctx, status)
    }

    /// Closes a lease: refund, free GPUs, return rent.
    pub fn close_lease(ctx: Context<CloseLease>) -> Result<()> {
        lease::close_lease::handler(ctx)
    }

    /// Renter posts an escrowed bid for GPUs meeting minimum specs.
    pub fn post_bid(ctx: Context<PostBid>, args: PostBidArgs) -> Result<()> {
        bid::post_bid::handler(ctx, args)
    }

    /// Renter cancels a bid and takes the escrow back.
    pub fn cancel_bid(ctx: Context<CancelBid>) -> Result<()> {
        bid::cancel_bid::handler(ctx)
    }

    /// Provider fills a bid with a matching node.
    pub fn accept_bid(ctx: Context<AcceptBid>) -> Result<()> {
        bid::accept_bid::handler(ctx)
    }
}
