//! `propose_params`: the authority proposes new parameters, treasury and arbiter; they apply
//! only after the notice period in force, so everyone affected can leave first.

use anchor_lang::prelude::*;
use anchor_spl::token::TokenAccount;

use crate::error::TesseraError;
use crate::events::ParamsProposed;
use crate::state::{seeds, Protocol, ProtocolParams};

/// Accounts of `propose_params`.
#[event_cpi]
#[derive(Accounts)]
pub struct ProposeParams<'info> {
    /// Protocol authority.
    pub authority: Signer<'info>,
    /// The protocol.
    #[account(mut, dup, address = seeds::PROTOCOL_ADDRESS @ TesseraError::NotCanonicalAddress, has_one = authority @ TesseraError::NotAuthority)]
    pub protocol: Box<Account<'info, Protocol>>,
    /// Treasury after the change (or the same), in the settlement mint.
    #[account(constraint = treasury.mint == protocol.settlement_mint @ TesseraError::TreasuryMintMismatch)]
    pub treasury: Box<Account<'info, TokenAccount>>,
}

/// Records the change (each bound checked), replacing any earlier proposal.
pub fn handler(ctx: Context<ProposeParams>, params: ProtocolParams, arbiter: Pubkey) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let treasury = ctx.accounts.treasury.key();
    let protocol = &mut ctx.accounts.protocol;
    let change = protocol.propose_change(params, treasury, arbiter, now)?;
    protocol.invariant()?;
    let event = ParamsProposed {
        current_params: protocol.params,
        change,
    };
    crate::events::emit(&ctx.accounts.event_authority, &event)?;
    Ok(())
}
