//! Bids: posting, cancelling, filling.

use anchor_spl::token::spl_token;
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use tessera::{accounts as acc, instruction as ix, seeds};

use super::{build, event_authority, pool_vault, protocol, NodeKeys, PoolKeys};

/// `post_bid`.
pub fn post_bid(
    renter: Pubkey,
    settlement_mint: Pubkey,
    renter_token: Pubkey,
    args: tessera::PostBidArgs,
) -> Instruction {
    let bid = seeds::find_bid_address(&renter, args.bid_id).0;
    build(
        acc::PostBid {
            renter,
            protocol: protocol(),
            settlement_mint,
            bid,
            bid_escrow: seeds::find_bid_escrow_address(&bid).0,
            renter_token,
            token_program: spl_token::ID,
            system_program: anchor_lang::solana_program::system_program::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::PostBid { args },
    )
}

/// `cancel_bid`.
pub fn cancel_bid(renter: Pubkey, bid_id: u64, renter_token: Pubkey) -> Instruction {
    let bid = seeds::find_bid_address(&renter, bid_id).0;
    build(
        acc::CancelBid {
            renter,
            protocol: protocol(),
            bid,
            bid_escrow: seeds::find_bid_escrow_address(&bid).0,
            renter_token,
            token_program: spl_token::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::CancelBid {},
    )
}

/// `accept_bid` filling `renter`'s bid `bid_id` with the node's next lease `lease_id`.
pub fn accept_bid(
    n: &NodeKeys,
    p: &PoolKeys,
    renter: Pubkey,
    bid_id: u64,
    lease_id: u64,
) -> Instruction {
    let bid = seeds::find_bid_address(&renter, bid_id).0;
    build(
        acc::AcceptBid {
            authority: n.authority,
            protocol: protocol(),
            provider: n.provider,
            position: n.position,
            node: n.node,
            pool_vault: pool_vault(p),
            bid,
            bid_escrow: seeds::find_bid_escrow_address(&bid).0,
            renter,
            lease: seeds::find_lease_address(&n.node, lease_id).0,
            token_program: spl_token::ID,
            system_program: anchor_lang::solana_program::system_program::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::AcceptBid {},
    )
}
