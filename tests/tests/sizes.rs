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
