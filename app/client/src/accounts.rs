//! Decoding program and token accounts, and the byte offsets used to filter them by owner.

use anchor_lang::AccountDeserialize;
use solana_sdk::account::Account;
use solana_sdk::pubkey::Pubkey;

use crate::error::ClientError;

/// Decodes an Anchor (or SPL, through anchor-spl's wrappers) account, naming the address and
/// type on failure.
pub fn decode<T: AccountDeserialize>(
    address: &Pubkey,
    account: &Account,
) -> Result<T, ClientError> {
    let expected = std::any::type_name::<T>()
        .rsplit("::")
        .next()
        .unwrap_or("account");
    T::try_deserialize(&mut account.data.as_slice()).map_err(|e| ClientError::Decode {
        address: *address,
        expected,
        reason: what_it_is(account, &e),
    })
}

/// What an account that failed to decode is, in words.
fn what_it_is(account: &Account, e: &anchor_lang::error::Error) -> String {
    if account.owner == anchor_spl::token::ID {
        return match account.data.len() {
            165 => "it is an SPL token account".into(),
            82 => "it is an SPL mint".into(),
            _ => "it is an SPL Token account".into(),
        };
    }
    if account.owner == solana_system_interface::program::ID {
        return "it is a wallet (a system account)".into();
    }
    if account.owner != tessera::ID {
        return format!("it belongs to program {}", account.owner);
    }
    match e {
        anchor_lang::error::Error::AnchorError(a) if a.error_code_number == 3002 => {
            "it is another kind of Tessera account".into()
        }
        other => crate::error::program_error_words(other),
    }
}

/// The SPL Token program: pool shares and settlement tokens are classic SPL tokens.
pub const TOKEN_PROGRAM: Pubkey = anchor_spl::token::ID;

/// The kind of Tessera account `data` holds, by discriminator (`"pool"`, `"node"`, …).
pub fn kind(data: &[u8]) -> Option<&'static str> {
    use anchor_lang::Discriminator;
    use tessera::state::*;
    let kinds: [(&[u8], &str); 9] = [
        (Protocol::DISCRIMINATOR, "protocol"),
        (Pool::DISCRIMINATOR, "pool"),
        (StakePool::DISCRIMINATOR, "stake_pool"),
        (StakePosition::DISCRIMINATOR, "stake_position"),
        (Provider::DISCRIMINATOR, "provider"),
        (Node::DISCRIMINATOR, "node"),
        (Lease::DISCRIMINATOR, "lease"),
        (Bid::DISCRIMINATOR, "bid"),
        (RedemptionTicket::DISCRIMINATOR, "redemption_ticket"),
    ];
    kinds
        .into_iter()
        .find(|(d, _)| data.starts_with(d))
        .map(|(_, k)| k)
}

/// The `T` in `data`, if it is one (no address or words: for bulk readers such as the indexer).
pub fn read<T: AccountDeserialize>(data: &[u8]) -> Option<T> {
    T::try_deserialize(&mut &data[..]).ok()
}

/// Offsets (discriminator included) of the fields the listing filters match on.
pub mod offsets {
    /// `Node.provider`: after the discriminator, `version` and `bump`.
    pub const NODE_PROVIDER: usize = 8 + 2;
    /// `Lease.node`: after the discriminator, `version`, `bump` and `status`.
    pub const LEASE_NODE: usize = 8 + 3;
    /// `Lease.renter`: after `Lease.node`.
    pub const LEASE_RENTER: usize = LEASE_NODE + 32;
    /// `Bid.renter`: after the discriminator, `version`, `bump` and `escrow_bump`.
    pub const BID_RENTER: usize = 8 + 3;
    /// `Pool.operator`: after the discriminator and four bytes of version and bumps.
    pub const POOL_OPERATOR: usize = 8 + 4;
    /// `RedemptionTicket.owner`: after the discriminator, `version`, `bump`, `pool` and `seq`.
    pub const TICKET_OWNER: usize = 8 + 2 + 32 + 8;
}

#[cfg(test)]
mod tests {
    use super::offsets::*;
    use anchor_lang::{AccountDeserialize, AccountSerialize};
    use tessera::state::{Bid, Lease, LeaseStatus, Node, NodeSpec, NodeStatus, Pool};

    fn bytes<T: AccountSerialize>(account: &T) -> Vec<u8> {
        let mut out = Vec::new();
        account.try_serialize(&mut out).expect("serialize");
        out
    }

    #[test]
    fn filter_offsets_match_the_serialized_layouts() {
        let (a, b) = ([1u8; 32], [2u8; 32]);
        let node = Node {
            version: 1,
            bump: 2,
            provider: a.into(),
            node_id: 0,
            pool: b.into(),
            agent_key: b.into(),
            spec: NodeSpec {
                gpu_model: [0; 32],
                gpu_count: 1,
                vram_mib: 1,
                price_per_gpu_hour: 1,
                min_lease_secs: 1,
                max_lease_secs: 1,
            },
            tflops_centi: 0,
            mem_bw_gbps: 0,
            benchmarked_at: 0,
            status: NodeStatus::Online,
            gpus_allocated: 0,
            active_leases: 0,
            lease_count: 0,
            gpu_seconds_served: 0,
            reserved: [0; 32],
        };
        assert_eq!(&bytes(&node)[NODE_PROVIDER..NODE_PROVIDER + 32], &a);
        let lease = Lease {
            version: 1,
            bump: 1,
            status: LeaseStatus::Active,
            node: a.into(),
            renter: b.into(),
            pool: a.into(),
            lease_id: 0,
            gpu_count: 1,
            price_per_gpu_hour: 1,
            start_at: 0,
            end_at: 0,
            escrow: 0,
            pending: 0,
            pending_since: 0,
            pending_gpu_seconds: 0,
            pending_cosigned: false,
            charged_total: 0,
            gpu_seconds_billed: 0,
            last_seq: 0,
            last_period_end: 0,
            grace_until: 0,
            terminated: false,
            job_hash: [0; 32],
            terms: tessera::state::AgreedTerms::default(),
        };
        let l = bytes(&lease);
        assert_eq!(
            (
                &l[LEASE_NODE..LEASE_NODE + 32],
                &l[LEASE_RENTER..LEASE_RENTER + 32]
            ),
            (&a[..], &b[..])
        );
        let bid = Bid {
            version: 1,
            bump: 1,
            escrow_bump: 1,
            renter: b.into(),
            bid_id: 0,
            price_per_gpu_hour: 0,
            gpu_count: 0,
            min_vram_mib: 0,
            min_tflops_centi: 0,
            gpu_model: [0; 32],
            duration_secs: 0,
            escrow_amount: 0,
            expires_at: 0,
            job_hash: [0; 32],
            terms: Default::default(),
        };
        assert_eq!(&bytes(&bid)[BID_RENTER..BID_RENTER + 32], &b);
        let mut pool_bytes = bytes(
            &Pool::try_deserialize_unchecked(
                &mut &vec![0u8; 8 + <Pool as anchor_lang::Space>::INIT_SPACE][..],
            )
            .expect("zeroed pool"),
        );
        pool_bytes[POOL_OPERATOR..POOL_OPERATOR + 32].copy_from_slice(&a);
        let pool = Pool::try_deserialize(&mut pool_bytes.as_slice()).expect("pool");
        assert_eq!(pool.operator, a.into());
        let ticket = tessera::state::RedemptionTicket {
            version: 1,
            bump: 1,
            pool: a.into(),
            seq: 7,
            owner: b.into(),
            shares: 1,
            assets: 1,
            status: tessera::state::TicketStatus::Queued,
            requested_at: 1,
            fulfilled_at: 0,
        };
        assert_eq!(&bytes(&ticket)[TICKET_OWNER..TICKET_OWNER + 32], &b);
    }
}
