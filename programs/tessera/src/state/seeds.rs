//! PDA seeds, one prefix per type, parent → child, integers as fixed-width little-endian bytes,
//! and the `find_*_address` helpers that the SDK, CLI and agent use to derive addresses once.

use anchor_lang::prelude::*;
use solana_sha256_hasher::hashv;

/// `["protocol"]`: the singleton protocol configuration.
pub const PROTOCOL: &[u8] = b"protocol";
/// `["pool", operator, pool_id]`: a GPU pool.
pub const POOL: &[u8] = b"pool";
/// `["vault", pool]`: the pool's settlement-token vault, owned by the pool PDA.
pub const VAULT: &[u8] = b"vault";
/// `["shares", pool]`: the pool's share mint, mint authority the pool PDA.
pub const SHARES: &[u8] = b"shares";
/// `["ticket", pool, seq]`: a queued redemption.
pub const TICKET: &[u8] = b"ticket";
/// `["stake_pool"]`: the protocol-token staking singleton.
pub const STAKE_POOL: &[u8] = b"stake_pool";
/// `["stake_vault"]`: staked protocol tokens, owned by the stake pool PDA.
pub const STAKE_VAULT: &[u8] = b"stake_vault";
/// `["reward_vault"]`: stakers' settlement-token rewards, owned by the stake pool PDA.
pub const REWARD_VAULT: &[u8] = b"reward_vault";
/// `["stake", owner]`: one staker's position.
pub const STAKE: &[u8] = b"stake";

/// `["provider", authority]`: a provider.
pub const PROVIDER: &[u8] = b"provider";
/// `["node", provider, node_id]`: a rig.
pub const NODE: &[u8] = b"node";
/// `["lease", node, lease_id]`: a lease.
pub const LEASE: &[u8] = b"lease";
/// `["bid", renter, bid_id]`: a bid.
pub const BID: &[u8] = b"bid";
/// `["bid_escrow", bid]`: a bid's escrow token account, owned by the bid PDA.
pub const BID_ESCROW: &[u8] = b"bid_escrow";

/// The protocol singleton's address, derived at compile time: checking it is a comparison, not
/// a `create_program_address` (1,500 CU) on every instruction.
pub const PROTOCOL_ADDRESS: Pubkey = Pubkey::new_from_array(
    anchor_lang::derive_program_address(&[PROTOCOL], &crate::ID_CONST.to_bytes()).0,
);
/// The stake pool singleton's address, derived at compile time.
pub const STAKE_POOL_ADDRESS: Pubkey = Pubkey::new_from_array(
    anchor_lang::derive_program_address(&[STAKE_POOL], &crate::ID_CONST.to_bytes()).0,
);

/// What `create_program_address` hashes after the seeds and the program id.
const PDA_MARKER: &[u8] = b"ProgramDerivedAddress";

/// Whether `key` is the program address of `seeds`, the last of them the bump, as
/// `create_program_address` derives it. One SHA-256 (about 150 CU on SBF) instead of that
/// syscall (1,500): the bump is the canonical one `init` found and the account stored, so the
/// address is already known to lie off the curve; what is checked is that this account is
/// the one at that address and not a copy elsewhere.
pub fn derives(key: &Pubkey, seeds: &[&[u8]]) -> bool {
    let n = seeds.len();
    let mut parts: [&[u8]; 8] = [&[]; 8];
    if n + 2 > parts.len() {
        return false;
    }
    parts[..n].copy_from_slice(seeds);
    parts[n] = crate::ID.as_ref();
    parts[n + 1] = PDA_MARKER;
    hashv(&parts[..n + 2]).to_bytes() == key.to_bytes()
}

/// Owned seeds of a `[prefix, key, id]` PDA (pools, bids), so a handler can sign with it
/// while it mutates the account.
pub struct PdaSeeds {
    prefix: &'static [u8],
    key: Pubkey,
    id: [u8; 8],
    bump: [u8; 1],
}

impl PdaSeeds {
    /// Seeds `[prefix, key, id as LE bytes, bump]`.
    pub fn new(prefix: &'static [u8], key: Pubkey, id: u64, bump: u8) -> Self {
        Self {
            prefix,
            key,
            id: id.to_le_bytes(),
            bump: [bump],
        }
    }

    /// The seeds as slices for `invoke_signed`.
    pub fn as_slices(&self) -> [&[u8]; 4] {
        [self.prefix, self.key.as_ref(), &self.id, &self.bump]
    }
}

/// The protocol PDA.
pub fn find_protocol_address() -> (Pubkey, u8) {
    Pubkey::find_program_address(&[PROTOCOL], &crate::ID)
}

/// A pool PDA from its operator and id.
pub fn find_pool_address(operator: &Pubkey, pool_id: u64) -> (Pubkey, u8) {
    Pubkey::find_program_address(
        &[POOL, operator.as_ref(), &pool_id.to_le_bytes()],
        &crate::ID,
    )
}

/// A pool's vault PDA.
pub fn find_vault_address(pool: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[VAULT, pool.as_ref()], &crate::ID)
}

/// A pool's share mint PDA.
pub fn find_share_mint_address(pool: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[SHARES, pool.as_ref()], &crate::ID)
}

/// A redemption ticket PDA from its pool and queue sequence number.
pub fn find_ticket_address(pool: &Pubkey, seq: u64) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[TICKET, pool.as_ref(), &seq.to_le_bytes()], &crate::ID)
}

/// The stake pool PDA.
pub fn find_stake_pool_address() -> (Pubkey, u8) {
    Pubkey::find_program_address(&[STAKE_POOL], &crate::ID)
}

/// The stake vault PDA.
pub fn find_stake_vault_address() -> (Pubkey, u8) {
    Pubkey::find_program_address(&[STAKE_VAULT], &crate::ID)
}

/// The staking reward vault PDA.
pub fn find_reward_vault_address() -> (Pubkey, u8) {
    Pubkey::find_program_address(&[REWARD_VAULT], &crate::ID)
}

/// A staker's position PDA.
pub fn find_stake_position_address(owner: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[STAKE, owner.as_ref()], &crate::ID)
}

/// A provider PDA from its authority.
pub fn find_provider_address(authority: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[PROVIDER, authority.as_ref()], &crate::ID)
}

/// A node PDA from its provider account and id.
pub fn find_node_address(provider: &Pubkey, node_id: u64) -> (Pubkey, u8) {
    Pubkey::find_program_address(
        &[NODE, provider.as_ref(), &node_id.to_le_bytes()],
        &crate::ID,
    )
}

/// A lease PDA from its node and id.
pub fn find_lease_address(node: &Pubkey, lease_id: u64) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[LEASE, node.as_ref(), &lease_id.to_le_bytes()], &crate::ID)
}

/// A bid PDA from its renter and id.
pub fn find_bid_address(renter: &Pubkey, bid_id: u64) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[BID, renter.as_ref(), &bid_id.to_le_bytes()], &crate::ID)
}

/// A bid's escrow token account PDA.
pub fn find_bid_escrow_address(bid: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[BID_ESCROW, bid.as_ref()], &crate::ID)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_agrees_with_create_program_address() {
        for i in 0..64u64 {
            let owner = Pubkey::new_unique();
            let (pool, bump) = find_pool_address(&owner, i);
            let seeds: [&[u8]; 4] = [POOL, owner.as_ref(), &i.to_le_bytes(), &[bump]];
            assert!(derives(&pool, &seeds));
            // Another id, another bump or another key is not this address.
            assert!(!derives(
                &pool,
                &[POOL, owner.as_ref(), &(i + 1).to_le_bytes(), &[bump]]
            ));
            assert!(!derives(
                &pool,
                &[
                    POOL,
                    owner.as_ref(),
                    &i.to_le_bytes(),
                    &[bump.wrapping_sub(1)]
                ]
            ));
            assert!(!derives(&Pubkey::new_unique(), &seeds));
        }
        assert!(!derives(&Pubkey::new_unique(), &[b"x".as_slice(); 7]));
    }

    #[test]
    fn the_singleton_addresses_are_their_canonical_pdas() {
        assert_eq!(PROTOCOL_ADDRESS, find_protocol_address().0);
        assert_eq!(STAKE_POOL_ADDRESS, find_stake_pool_address().0);
    }
}
