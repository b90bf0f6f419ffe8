//! `post_bid`: a renter offers a price for GPUs meeting minimum specs and escrows the cost.

use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};

use crate::error::TesseraError;
use crate::events::BidPosted;
use crate::instructions::token::{create_token_account, transfer_from_user, Creation};
use crate::math::escrow_for;
use crate::state::{seeds, AgreedTerms, Bid, Protocol};

/// Arguments of `post_bid`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct PostBidArgs {
    /// Renter-chosen id.
    pub bid_id: u64,
    /// Price per GPU-hour offered.
    pub price_per_gpu_hour: u64,
    /// GPUs wanted.
    pub gpu_count: u16,
    /// Minimum memory per GPU, MiB.
    pub min_vram_mib: u32,
    /// Minimum attested TFLOPS, hundredths (0: none).
    pub min_tflops_centi: u32,
    /// Required GPU model (all zero: any).
    pub gpu_model: [u8; 32],
    /// Lease length, seconds.
    pub duration_secs: u32,
    /// Last moment the bid may be filled.
    pub expires_at: i64,
    /// SHA-256 of the job spec.
    pub job_hash: [u8; 32],
}

/// Accounts of `post_bid`.
#[event_cpi]
#[derive(Accounts)]
#[instruction(args: PostBidArgs)]
pub struct PostBid<'info> {
    /// The renter; pays the escrow and rent.
    #[account(mut)]
    pub renter: Signer<'info>,
    /// The protocol (pause switch, settlement mint).
    #[account(address = seeds::PROTOCOL_ADDRESS @ TesseraError::NotCanonicalAddress)]
    pub protocol: Box<Account<'info, Protocol>>,
    /// The settlement mint.
    #[account(address = protocol.settlement_mint @ TesseraError::SettlementMintMismatch)]
    pub settlement_mint: Box<Account<'info, Mint>>,
    /// The new bid.
    #[account(
        init, payer = renter, space = 8 + Bid::INIT_SPACE,
        seeds = [seeds::BID, renter.key().as_ref(), &args.bid_id.to_le_bytes()], bump,
    )]
    pub bid: Box<Account<'info, Bid>>,
    /// The bid's escrow, created here: a settlement-token account owned by the bid.
    /// CHECK: created by the handler at the address these seeds derive.
    #[account(mut, seeds = [seeds::BID_ESCROW, bid.key().as_ref()], bump)]
    pub bid_escrow: UncheckedAccount<'info>,
    /// Renter's settlement-token account (paid from).
    #[account(mut, constraint = renter_token.mint == protocol.settlement_mint @ TesseraError::SettlementMintMismatch)]
    pub renter_token: Box<Account<'info, TokenAccount>>,
    /// SPL Token.
    pub token_program: Program<'info, Token>,
    /// System program.
    pub system_program: Program<'info, System>,
}

/// Posts the bid, escrowing `price × gpus × duration / 3600` (rounded up).
pub fn handler(ctx: Context<PostBid>, args: PostBidArgs) -> Result<()> {
    let accounts = &mut *ctx.accounts;
    accounts.protocol.require_not_paused()?;
    require!(
        args.gpu_count > 0 && args.duration_secs > 0,
        TesseraError::ZeroAmount
    );
    require!(
        args.expires_at > Clock::get()?.unix_timestamp,
        TesseraError::BidExpired
    );
    let escrow = escrow_for(args.gpu_count, args.duration_secs, args.price_per_gpu_hour)
        .ok_or_else(|| error!(TesseraError::MathOverflow))?;
    require!(escrow > 0, TesseraError::ZeroAmount);
    let with = Creation {
        payer: &accounts.renter,
        token_program: &accounts.token_program,
        system_program: &accounts.system_program,
    };
    let bid = accounts.bid.key();
    let escrow_seeds: [&[u8]; 3] = [seeds::BID_ESCROW, bid.as_ref(), &[ctx.bumps.bid_escrow]];
    let (mint, owner) = (
        accounts.settlement_mint.to_account_info(),
        accounts.bid.to_account_info(),
    );
    create_token_account(&with, &accounts.bid_escrow, mint, owner, &escrow_seeds)?;
    transfer_from_user(
        &accounts.token_program,
        &accounts.renter_token,
        accounts.bid_escrow.to_account_info(),
        &accounts.renter,
        escrow,
    )?;
    accounts.bid.set_inner(Bid {
        version: Bid::VERSION,
        bump: ctx.bumps.bid,
        escrow_bump: ctx.bumps.bid_escrow,
        renter: accounts.renter.key(),
        bid_id: args.bid_id,
        price_per_gpu_hour: args.price_per_gpu_hour,
        gpu_count: args.gpu_count,
        min_vram_mib: args.min_vram_mib,
        min_tflops_centi: args.min_tflops_centi,
        gpu_model: args.gpu_model,
        duration_secs: args.duration_secs,
        escrow_amount: escrow,
        expires_at: args.expires_at,
        job_hash: args.job_hash,
        terms: AgreedTerms::from_params(&accounts.protocol.params),
    });
    let held = TokenAccount::try_deserialize(&mut &accounts.bid_escrow.try_borrow_data()?[..])?;
    accounts.bid.invariant(held.amount)?;
    let event = BidPosted {
        bid: accounts.bid.key(),
        renter: accounts.renter.key(),
        price_per_gpu_hour: args.price_per_gpu_hour,
        gpu_count: args.gpu_count,
        escrow,
    };
    crate::events::emit(&ctx.accounts.event_authority, &event)?;
    Ok(())
}
