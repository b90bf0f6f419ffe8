//! `write_down`: the authority records a default; the loss falls on shareholders pro rata.

use anchor_lang::prelude::*;

use crate::error::TesseraError;
use crate::events::CapitalWrittenDown;
use crate::state::{seeds, Pool, Protocol};

/// Accounts of `write_down`.
#[event_cpi]
#[derive(Accounts)]
pub struct WriteDown<'info> {
    /// Protocol authority.
    pub authority: Signer<'info>,
    /// The protocol.
    #[account(address = seeds::PROTOCOL_ADDRESS @ TesseraError::NotCanonicalAddress, has_one = authority @ TesseraError::NotAuthority)]
    pub protocol: Box<Account<'info, Protocol>>,
    /// The pool.
    #[account(mut, dup, seeds = [seeds::POOL, pool.operator.as_ref(), &pool.pool_id.to_le_bytes()], bump = pool.bump)]
    pub pool: Box<Account<'info, Pool>>,
}

/// Reduces deployed principal by `amount`, lowering NAV and so every share's value at once.
pub fn handler(ctx: Context<WriteDown>, amount: u64) -> Result<()> {
    require!(amount > 0, TesseraError::ZeroAmount);
    let pool = &mut ctx.accounts.pool;
    let old = pool.write_down(amount)?;
    let event = CapitalWrittenDown {
        pool: pool.key(),
        amount,
        old_deployed_principal: old,
        new_deployed_principal: pool.deployed_principal,
    };
    crate::events::emit(&ctx.accounts.event_authority, &event)?;
    Ok(())
}
