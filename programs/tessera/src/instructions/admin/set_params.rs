//! `set_params`: the authority changes bounded parameters, the treasury or the arbiter.

use anchor_lang::prelude::*;
use anchor_spl::token::TokenAccount;

use crate::error::TesseraError;
use crate::events::ParamsUpdated;
use crate::state::{seeds, Protocol, ProtocolParams};

/// Accounts of `set_params`.
#[derive(Accounts)]
pub struct SetParams<'info> {
    /// Protocol authority.
    pub authority: Signer<'info>,
    /// The protocol.
    #[account(mut, seeds = [seeds::PROTOCOL], bump = protocol.bump, has_one = authority @ TesseraError::NotAuthority)]
    pub protocol: Box<Account<'info, Protocol>>,
    /// New (or unchanged) treasury account, in the settlement mint.
    #[account(constraint = treasury.mint == protocol.settlement_mint @ TesseraError::TreasuryMintMismatch)]
    pub treasury: Box<Account<'info, TokenAccount>>,
}

/// Replaces parameters (each bound checked), the treasury and the arbiter.
pub fn handler(ctx: Context<SetParams>, params: ProtocolParams, arbiter: Pubkey) -> Result<()> {
    params.validate()?;
    let protocol = &mut ctx.accounts.protocol;
    let event = ParamsUpdated {
        old_params: protocol.params,
        new_params: params,
        old_treasury: protocol.treasury,
        new_treasury: ctx.accounts.treasury.key(),
        old_arbiter: protocol.arbiter,
        new_arbiter: arbiter,
    };
    protocol.params = params;
    protocol.treasury = ctx.accounts.treasury.key();
    protocol.arbiter = arbiter;
    protocol.invariant()?;
    emit!(event);
    Ok(())
}
