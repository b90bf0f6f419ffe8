//! Pools: creation, deposits and redemptions (instant and queued), the operator's capital and fees.

use anchor_spl::token::spl_token;
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use tessera::{accounts as acc, instruction as ix, seeds};

use super::{build, event_authority, pool_vault, protocol, stake_vaults, PoolKeys};

/// `create_pool`.
pub fn create_pool(
    operator: Pubkey,
    settlement_mint: Pubkey,
    args: tessera::CreatePoolArgs,
) -> Instruction {
    let pool = seeds::find_pool_address(&operator, args.pool_id).0;
    build(
        acc::CreatePool {
            operator,
            protocol: protocol(),
            settlement_mint,
            pool,
            share_mint: seeds::find_share_mint_address(&pool).0,
            vault: seeds::find_vault_address(&pool).0,
            token_program: spl_token::ID,
            system_program: anchor_lang::solana_program::system_program::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::CreatePool { args },
    )
}

/// An investor's wallet and its two token accounts for one pool, named so that no builder can
/// take them in another order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvestorAccounts {
    /// The investor's wallet (signs).
    pub investor: Pubkey,
    /// Its settlement-token account (pays deposits, receives redemptions).
    pub token: Pubkey,
    /// Its share-token account for the pool.
    pub shares: Pubkey,
}

/// `deposit`: `assets` in, at least `min_shares_out` shares back.
pub fn deposit(
    p: &PoolKeys,
    who: &InvestorAccounts,
    assets: u64,
    min_shares_out: u64,
) -> Instruction {
    build(
        acc::Deposit {
            investor: who.investor,
            protocol: protocol(),
            pool_vault: pool_vault(p),
            investor_token: who.token,
            investor_shares: who.shares,
            token_program: spl_token::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::Deposit {
            assets,
            min_shares_out,
        },
    )
}

/// `redeem`: `shares` in, at least `min_assets_out` back.
pub fn redeem(
    p: &PoolKeys,
    who: &InvestorAccounts,
    shares: u64,
    min_assets_out: u64,
) -> Instruction {
    build(
        acc::Redeem {
            investor: who.investor,
            protocol: protocol(),
            pool_vault: pool_vault(p),
            investor_shares: who.shares,
            investor_token: who.token,
            token_program: spl_token::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::Redeem {
            shares,
            min_assets_out,
        },
    )
}

/// `request_redemption` for the ticket at `seq` (the pool's current `next_ticket_seq`).
pub fn request_redemption(
    p: &PoolKeys,
    investor: Pubkey,
    investor_shares: Pubkey,
    seq: u64,
    shares: u64,
) -> Instruction {
    build(
        acc::RequestRedemption {
            investor,
            pool: p.pool,
            share_mint: p.share_mint,
            investor_shares,
            ticket: seeds::find_ticket_address(&p.pool, seq).0,
            token_program: spl_token::ID,
            system_program: anchor_lang::solana_program::system_program::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::RequestRedemption { shares },
    )
}

/// `process_redemptions` over `tickets` (writable remaining accounts, in the order given).
pub fn process_redemptions(p: &PoolKeys, tickets: &[Pubkey]) -> Instruction {
    let mut ix = build(
        acc::ProcessRedemptions {
            pool: p.pool,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::ProcessRedemptions {},
    );
    ix.accounts.extend(
        tickets
            .iter()
            .map(|t| anchor_lang::prelude::AccountMeta::new(*t, false)),
    );
    ix
}

/// `claim_redemption`.
pub fn claim_redemption(
    p: &PoolKeys,
    owner: Pubkey,
    ticket: Pubkey,
    owner_token: Pubkey,
) -> Instruction {
    build(
        acc::ClaimRedemption {
            owner,
            protocol: protocol(),
            pool_vault: pool_vault(p),
            ticket,
            owner_token,
            token_program: spl_token::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::ClaimRedemption {},
    )
}

/// `draw_capital`.
pub fn draw_capital(
    p: &PoolKeys,
    operator: Pubkey,
    operator_token: Pubkey,
    amount: u64,
) -> Instruction {
    build(
        acc::DrawCapital {
            operator,
            protocol: protocol(),
            pool_vault: pool_vault(p),
            operator_token,
            token_program: spl_token::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::DrawCapital { amount },
    )
}

/// `repay_capital`.
pub fn repay_capital(
    p: &PoolKeys,
    operator: Pubkey,
    operator_token: Pubkey,
    principal: u64,
    interest: u64,
) -> Instruction {
    build(
        acc::RepayCapital {
            operator,
            protocol: protocol(),
            pool_vault: pool_vault(p),
            operator_token,
            token_program: spl_token::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::RepayCapital {
            principal,
            interest,
        },
    )
}

/// `write_down`.
pub fn write_down(p: &PoolKeys, authority: Pubkey, amount: u64) -> Instruction {
    build(
        acc::WriteDown {
            authority,
            protocol: protocol(),
            pool: p.pool,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::WriteDown { amount },
    )
}

/// `claim_operator_fees`.
pub fn claim_operator_fees(p: &PoolKeys, operator_token: Pubkey) -> Instruction {
    build(
        acc::ClaimOperatorFees {
            operator: p.operator,
            protocol: protocol(),
            pool_vault: pool_vault(p),
            operator_token,
            token_program: spl_token::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::ClaimOperatorFees {},
    )
}

/// `sweep_protocol_fees`.
pub fn sweep_protocol_fees(p: &PoolKeys, treasury: Pubkey) -> Instruction {
    build(
        acc::SweepProtocolFees {
            protocol: protocol(),
            pool_vault: pool_vault(p),
            vaults: stake_vaults(),
            treasury,
            token_program: spl_token::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::SweepProtocolFees {},
    )
}
