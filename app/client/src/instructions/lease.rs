//! Leases: opening, top-ups, receipts, settlement, disputes, closing.

use anchor_spl::token::spl_token;
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use tessera::{accounts as acc, instruction as ix, seeds};

use super::{build, event_authority, pool_vault, protocol, NodeKeys, PoolKeys};

/// A renter's wallet and the settlement-token account that pays escrow and receives refunds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RenterAccounts {
    /// The renter's wallet.
    pub renter: Pubkey,
    /// Its settlement-token account.
    pub token: Pubkey,
}

/// `open_lease`.
pub fn open_lease(
    n: &NodeKeys,
    p: &PoolKeys,
    renter: &RenterAccounts,
    lease_id: u64,
    args: tessera::OpenLeaseArgs,
) -> Instruction {
    build(
        acc::OpenLease {
            renter: renter.renter,
            protocol: protocol(),
            provider: n.provider,
            position: n.position,
            node: n.node,
            pool_vault: pool_vault(p),
            lease: seeds::find_lease_address(&n.node, lease_id).0,
            renter_token: renter.token,
            token_program: spl_token::ID,
            system_program: anchor_lang::solana_program::system_program::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::OpenLease { args },
    )
}

/// `top_up_lease`.
pub fn top_up_lease(
    p: &PoolKeys,
    lease: Pubkey,
    renter: &RenterAccounts,
    amount: u64,
) -> Instruction {
    build(
        acc::TopUpLease {
            renter: renter.renter,
            protocol: protocol(),
            lease,
            pool_vault: pool_vault(p),
            renter_token: renter.token,
            token_program: spl_token::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::TopUpLease { amount },
    )
}

/// `submit_receipt` (pair it with [`ed25519`] over the receipt, immediately before).
pub fn submit_receipt(
    n: &NodeKeys,
    p: &PoolKeys,
    lease: Pubkey,
    cosigner: Option<Pubkey>,
    body: tessera::signed::ReceiptBody,
) -> Instruction {
    build(
        acc::SubmitReceipt {
            node: n.node,
            lease,
            pool: p.pool,
            instructions: solana_instructions_sysvar::ID,
            cosigner,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::SubmitReceipt { body },
    )
}

/// `settle`.
pub fn settle(n: &NodeKeys, p: &PoolKeys, lease: Pubkey) -> Instruction {
    build(
        acc::Settle {
            protocol: protocol(),
            provider: n.provider,
            node: n.node,
            lease,
            pool: p.pool,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::Settle {},
    )
}

/// `dispute`.
pub fn dispute(lease: Pubkey, renter: Pubkey) -> Instruction {
    build(
        acc::Dispute {
            renter,
            lease,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::Dispute {},
    )
}

/// `close_lease` by `closer` (the renter, the provider or a reaper); the refund goes to the
/// renter's token account.
pub fn close_lease(
    closer: Pubkey,
    n: &NodeKeys,
    p: &PoolKeys,
    lease: Pubkey,
    renter: &RenterAccounts,
) -> Instruction {
    build(
        acc::CloseLease {
            closer,
            protocol: protocol(),
            provider: n.provider,
            position: n.position,
            node: n.node,
            pool_vault: pool_vault(p),
            lease,
            renter: renter.renter,
            renter_token: renter.token,
            token_program: spl_token::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::CloseLease {},
    )
}
