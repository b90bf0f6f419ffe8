//! `claim_operator_fees`: the operator collects the fees settled to it.

use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};

use crate::error::TesseraError;
use crate::events::OperatorFeesClaimed;
use crate::instructions::shared::{
    __client_accounts_pool_vault, __cpi_client_accounts_pool_vault, PoolVault, PoolVaultBumps,
};
use crate::state::{seeds, Protocol};

/// Accounts of `claim_operator_fees`.
#[event_cpi]
#[derive(Accounts)]
pub struct ClaimOperatorFees<'info> {
    /// The pool's operator.
    #[account(constraint = pool_vault.pool.operator == operator.key() @ TesseraError::NotPoolOperator)]
    pub operator: Signer<'info>,
    /// The protocol (settlement mint).
    #[account(address = seeds::PROTOCOL_ADDRESS @ TesseraError::NotCanonicalAddress)]
    pub protocol: Box<Account<'info, Protocol>>,
    /// The pool with its vault.
    pub pool_vault: PoolVault<'info>,
    /// Operator's settlement-token account (paid to).
    #[account(mut, constraint = operator_token.mint == protocol.settlement_mint @ TesseraError::SettlementMintMismatch)]
    pub operator_token: Box<Account<'info, TokenAccount>>,
    /// SPL Token.
    pub token_program: Program<'info, Token>,
}

/// Pays out all of `operator_owed`. Never paused.
pub fn handler(ctx: Context<ClaimOperatorFees>) -> Result<()> {
    let accounts = &mut *ctx.accounts;
    let amount = accounts.pool_vault.pool.take_operator_fees()?;
    accounts
        .pool_vault
        .pay_out(&accounts.token_program, &accounts.operator_token, amount)?;
    accounts.pool_vault.reload_and_check()?;
    let event = OperatorFeesClaimed {
        pool: accounts.pool_vault.pool.key(),
        amount,
    };
    crate::events::emit(&ctx.accounts.event_authority, &event)?;
    Ok(())
}
