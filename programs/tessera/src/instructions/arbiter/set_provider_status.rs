//! `set_provider_status`: the arbiter jails a provider (no new leases or bids; running leases
//! continue and settle) or reinstates it.

use anchor_lang::prelude::*;

use crate::error::TesseraError;
use crate::events::ProviderStatusSet;
use crate::state::{seeds, Protocol, Provider, ProviderStatus};

/// Accounts of `set_provider_status`.
#[event_cpi]
#[derive(Accounts)]
pub struct SetProviderStatus<'info> {
    /// The arbiter.
    pub arbiter: Signer<'info>,
    /// The protocol.
    #[account(address = seeds::PROTOCOL_ADDRESS @ TesseraError::NotCanonicalAddress, has_one = arbiter @ TesseraError::NotArbiter)]
    pub protocol: Box<Account<'info, Protocol>>,
    /// The provider.
    #[account(mut, dup, seeds = [seeds::PROVIDER, provider.authority.as_ref()], bump = provider.bump)]
    pub provider: Box<Account<'info, Provider>>,
}

/// Sets the provider's status.
pub fn handler(ctx: Context<SetProviderStatus>, status: ProviderStatus) -> Result<()> {
    let provider = &mut ctx.accounts.provider;
    let old_status = provider.status;
    provider.status = status;
    let event = ProviderStatusSet {
        provider: provider.key(),
        old_status,
        new_status: status,
    };
    crate::events::emit(&ctx.accounts.event_authority, &event)?;
    Ok(())
}
