//! `register_provider`: a staker with at least the provider minimum becomes a provider.

use anchor_lang::prelude::*;

use crate::error::TesseraError;
use crate::events::ProviderRegistered;
use crate::state::{seeds, Protocol, Provider, ProviderStatus, StakePosition};

/// Accounts of `register_provider`.
#[event_cpi]
#[derive(Accounts)]
pub struct RegisterProvider<'info> {
    /// The provider's wallet; pays rent.
    #[account(mut)]
    pub authority: Signer<'info>,
    /// The protocol (pause switch, minimum stake).
    #[account(address = seeds::PROTOCOL_ADDRESS @ TesseraError::NotCanonicalAddress)]
    pub protocol: Box<Account<'info, Protocol>>,
    /// The authority's stake position.
    #[account(seeds = [seeds::STAKE, authority.key().as_ref()], bump = position.bump)]
    pub position: Box<Account<'info, StakePosition>>,
    /// The new provider account.
    #[account(
        init, payer = authority, space = 8 + Provider::INIT_SPACE,
        seeds = [seeds::PROVIDER, authority.key().as_ref()], bump,
    )]
    pub provider: Box<Account<'info, Provider>>,
    /// System program.
    pub system_program: Program<'info, System>,
}

/// Registers the signer as a provider; requires `min_provider_stake` of active stake.
pub fn handler(ctx: Context<RegisterProvider>) -> Result<()> {
    let accounts = &mut *ctx.accounts;
    accounts.protocol.require_not_paused()?;
    let stake = accounts.position.amount;
    require!(
        stake >= accounts.protocol.params.min_provider_stake,
        TesseraError::ProviderUnderstaked
    );
    accounts.provider.set_inner(Provider {
        version: Provider::VERSION,
        bump: ctx.bumps.provider,
        authority: accounts.authority.key(),
        stake_position: accounts.position.key(),
        status: ProviderStatus::Active,
        node_count: 0,
        active_leases: 0,
        receipts_settled: 0,
        gpu_seconds_served: 0,
        leases_completed: 0,
        disputes_lost: 0,
        slashed_total: 0,
        reserved: [0; 32],
    });
    let event = ProviderRegistered {
        provider: accounts.provider.key(),
        authority: accounts.authority.key(),
        stake,
    };
    crate::events::emit(&ctx.accounts.event_authority, &event)?;
    Ok(())
}
