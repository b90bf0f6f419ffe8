//! Account sizes and rent: budgets checked, figures printed (see docs/performance.md).
#![allow(deprecated)]

use anchor_lang::Space;
use solana_sdk::rent::Rent;
use tessera::state::{
    Bid, Lease, Node, Pool, Protocol, Provider, RedemptionTicket, StakePool, StakePosition,
};

/// Bytes (discriminator included) of an Anchor account type.
fn size<T: Space>() -> usize {
    8 + T::INIT_SPACE
}

#[test]
fn a_lease_fits_272_bytes_and_locks_under_0_003_sol_of_rent() {
    let rent = Rent::default();
    let rows = [
        ("Protocol", size::<Protocol>()),
        ("StakePool", size::<StakePool>()),
        ("StakePosition", size::<StakePosition>()),
        ("Pool", size::<Pool>()),
        ("RedemptionTicket", size::<RedemptionTicket>()),
        ("Provider", size::<Provider>()),
        ("Node", size::<Node>()),
        ("Lease", size::<Lease>()),
        ("Bid", size::<Bid>()),
        ("SPL token account (vault, bid escrow)", 165),
        ("SPL mint (share mint)", 82),
    ];
    println!("| account | bytes | rent-exempt lamports | SOL |\n|---|---|---|---|");
    for (name, bytes) in rows {
        let lamports = rent.minimum_balance(bytes);
        println!(
            "| {name} | {bytes} | {lamports} | {:.6} |",
            lamports as f64 / 1e9
        );
    }
    // 256 bytes plus the terms agreed at opening (fee, window, grace, slash cap).
    assert!(size::<Lease>() <= 272, "Lease is {} bytes", size::<Lease>());
    // A lease locks only its own account's rent, returned at close.
    assert!(rent.minimum_balance(size::<Lease>()) <= 3_000_000);
}

/// Distinct accounts and writable accounts a transaction of `ixs` locks.
fn accounts(ixs: &[solana_sdk::instruction::Instruction]) -> (usize, usize) {
    let mut all = std::collections::BTreeMap::new();
    for meta in ixs.iter().flat_map(|ix| &ix.accounts) {
        *all.entry(meta.pubkey).or_insert(false) |= meta.is_writable;
    }
    (all.len(), all.values().filter(|w| **w).count())
}

#[test]
fn the_receipt_path_writes_only_the_lease_node_provider_and_pool() {
    use solana_sdk::pubkey::Pubkey;
    use tessera_tests::builders::{self, NodeKeys, PoolKeys};
    let (renter, operator) = (Pubkey::new_unique(), Pubkey::new_unique());
    let (p, n) = (PoolKeys::derive(operator, 1), NodeKeys::derive(operator, 0));
    let lease = tessera::seeds::find_lease_address(&n.node, 0).0;
    let body = tessera::signed::ReceiptBody {
        seq: 1,
        period_start: 0,
        period_end: 60,
        gpu_seconds: 60,
        avg_utilization_bps: 0,
        energy_joules: 0,
        sample_digest: [0; 32],
    };
    let agent = solana_sdk::signature::Keypair::new();
    let receipt = [
        builders::ed25519(&agent, &[0; 156]),
        builders::submit_receipt(&n, &p, lease, None, body),
    ];
    let args = tessera::OpenLeaseArgs {
        gpu_count: 1,
        duration_secs: 3_600,
        max_price_per_gpu_hour: 1,
        job_hash: [0; 32],
        job_uri: String::new(),
    };
    let token = Pubkey::new_unique();
    let steps = [
        (
            "`open_lease`",
            vec![builders::open_lease(
                &n,
                &p,
                &builders::RenterAccounts { renter, token },
                0,
                args,
            )],
        ),
        ("first receipt", receipt.to_vec()),
        (
            "each later period",
            [vec![builders::settle(&n, &p, lease)], receipt.to_vec()].concat(),
        ),
        (
            "last settle + close",
            vec![
                builders::settle(&n, &p, lease),
                builders::close_lease(
                    renter,
                    &n,
                    &p,
                    lease,
                    &builders::RenterAccounts { renter, token },
                ),
            ],
        ),
    ];
    println!("| step | accounts | writable |\n|---|---|---|");
    for (step, ixs) in &steps {
        let (all, writable) = accounts(ixs);
        println!("| {step} | {all} | {writable} |");
    }
    // The hot path: the lease and pool on a first receipt; node and provider join for settle.
    assert_eq!(accounts(&steps[1].1).1, 2);
    assert_eq!(accounts(&steps[2].1).1, 4);
}

/// The most a transaction may take on the wire (an IPv6 MTU less headers).
const PACKET_DATA_SIZE: usize = 1_232;

/// Bytes of `ixs` as one signed legacy transaction paid by `payer`, as it goes on the wire.
fn wire_bytes(
    ixs: &[solana_sdk::instruction::Instruction],
    signers: &[&solana_sdk::signature::Keypair],
) -> usize {
    use solana_sdk::signer::Signer;
    let tx = solana_sdk::transaction::Transaction::new_signed_with_payer(
        ixs,
        Some(&signers[0].pubkey()),
        signers,
        solana_sdk::hash::Hash::new_unique(),
    );
    bincode::serialized_size(&tx).expect("serialise") as usize
}

#[test]
fn the_largest_transactions_the_agent_and_cli_send_fit_a_1232_byte_packet() {
    use solana_sdk::signature::Keypair;
    use solana_sdk::signer::Signer;
    use tessera::signed::{message_bytes, ReceiptBody, UsageReceipt};
    use tessera_tests::builders::{self, NodeKeys, PoolKeys, RenterAccounts};
    let (renter, agent, provider) = (Keypair::new(), Keypair::new(), Keypair::new());
    let (p, n) = (
        PoolKeys::derive(provider.pubkey(), 1),
        NodeKeys::derive(provider.pubkey(), 0),
    );
    let lease = tessera::seeds::find_lease_address(&n.node, u64::MAX).0;
    let body = ReceiptBody {
        seq: u64::MAX,
        period_start: i64::MAX - 1,
        period_end: i64::MAX,
        gpu_seconds: u64::MAX,
        avg_utilization_bps: u16::MAX,
        energy_joules: u64::MAX,
        sample_digest: [0xff; 32],
    };
    let message = message_bytes(&UsageReceipt::new(lease, body)).expect("receipt bytes");
    // What the agent sends each period: settle the previous charge, then the signed receipt.
    let agent_bundle = [
        builders::settle(&n, &p, lease),
        builders::ed25519(&agent, &message),
        builders::submit_receipt(&n, &p, lease, None, body),
    ];
    // The same with the renter co-signing (settleable at once).
    let cosigned = [
        builders::settle(&n, &p, lease),
        builders::ed25519(&agent, &message),
        builders::submit_receipt(&n, &p, lease, Some(renter.pubkey()), body),
    ];
    let renter_accounts = RenterAccounts {
        renter: renter.pubkey(),
        token: solana_sdk::pubkey::Pubkey::new_unique(),
    };
    // The CLI's largest: a lease with the longest job URI the program accepts.
    let open = [builders::open_lease(
        &n,
        &p,
        &renter_accounts,
        u64::MAX,
        tessera::OpenLeaseArgs {
            gpu_count: u16::MAX,
            duration_secs: u32::MAX,
            max_price_per_gpu_hour: u64::MAX,
            job_hash: [0xff; 32],
            job_uri: "u".repeat(tessera::instructions::lease::MAX_JOB_URI_LEN),
        },
    )];
    let close = [
        builders::settle(&n, &p, lease),
        builders::close_lease(renter.pubkey(), &n, &p, lease, &renter_accounts),
    ];
    let rows = [
        (
            "settle + Ed25519 + submit_receipt (agent)",
            wire_bytes(&agent_bundle, &[&agent]),
        ),
        (
            "the same, co-signed by the renter",
            wire_bytes(&cosigned, &[&agent, &renter]),
        ),
        (
            "open_lease with a 200-byte job URI (CLI)",
            wire_bytes(&open, &[&renter]),
        ),
        (
            "settle + close_lease (agent at the end)",
            wire_bytes(&close, &[&renter]),
        ),
    ];
    println!("| transaction | bytes | limit |\n|---|---:|---:|");
    for (what, bytes) in rows {
        println!("| {what} | {bytes} | {} |", PACKET_DATA_SIZE);
        assert!(
            bytes <= PACKET_DATA_SIZE,
            "{what} is {bytes} bytes, over the 1,232-byte packet"
        );
    }
}
