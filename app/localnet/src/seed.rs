//! What a new local network starts with. `protocol`: the settlement and protocol mints and the
//! protocol with the demo's parameters. `demo`: that, plus a funded pool, a staked provider
//! with two nodes on the simulated backend, and a lease with one settled and one pending
//! receipt. The keypairs of everyone are written to a directory with `world.json`, which names
//! every address.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use serde::Serialize;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;
use tessera::signed::{message_bytes, ReceiptBody, UsageReceipt};
use tessera::state::Lease;
use tessera_agent::gpu::simulated::SimulatedBackend;
use tessera_agent::runner::JobSpec;
use tessera_client::chain::fetch;
use tessera_client::instructions::{self as ix, NodeKeys};
use tessera_client::keypair::write_keypair;
use tessera_client::Chain;

use crate::bank::LocalChain;
use crate::world::{send, World, PERIOD, PRICE, UNIT};

/// Which world to start with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Seed {
    /// Mints and the protocol.
    Protocol,
    /// The demo's world: pools, nodes, a lease and receipts.
    Demo,
}

/// Addresses of the seeded world, as written to `world.json`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Seeded {
    /// The Tessera program.
    pub program_id: String,
    /// Settlement mint (6 decimals).
    pub settlement_mint: String,
    /// Protocol token mint (9 decimals).
    pub stake_mint: String,
    /// What amounts of the settlement mint are called (`tessera_client::tokens`).
    pub settlement_token: String,
    /// What amounts of the protocol token are called.
    pub stake_token: String,
    /// The treasury's token account.
    pub treasury: String,
    /// Pools.
    pub pools: Vec<String>,
    /// Nodes.
    pub nodes: Vec<String>,
    /// Open leases.
    pub leases: Vec<String>,
    /// Role → keypair file.
    pub keypairs: std::collections::BTreeMap<String, PathBuf>,
}

/// Seeds `chain` and writes the keypairs and `world.json` into `dir`.
pub async fn seed(chain: Arc<LocalChain>, seed: Seed, dir: &Path) -> Result<(World, Seeded)> {
    let w = World::start(chain).await?;
    let mut out = Seeded {
        program_id: tessera::ID.to_string(),
        settlement_mint: w.usd.to_string(),
        stake_mint: w.tsr.to_string(),
        settlement_token: tessera_client::tokens::unit(&w.usd),
        stake_token: tessera_client::tokens::unit(&w.tsr),
        treasury: w.treasury.to_string(),
        ..Seeded::default()
    };
    let mut keys = vec![("authority", &w.admin), ("renter", &w.renter)];
    if seed == Seed::Demo {
        demo_world(&w, dir, &mut out).await?;
        keys.extend([
            ("operator", &w.operator),
            ("investor-1", &w.investors[0]),
            ("investor-2", &w.investors[1]),
            ("node-agent", &w.agent_key),
        ]);
    }
    for (role, keypair) in keys {
        let path = dir.join(format!("{role}.json"));
        write_keypair(&path, keypair, true)
            .with_context(|| format!("writing {}", path.display()))?;
        out.keypairs.insert(role.to_string(), path);
    }
    let world = dir.join("world.json");
    std::fs::write(&world, serde_json::to_vec_pretty(&out)?)
        .with_context(|| format!("writing {}", world.display()))?;
    Ok((w, out))
}

/// The pool, two nodes, and a lease with a settled and a pending receipt.
async fn demo_world(w: &World, dir: &Path, out: &mut Seeded) -> Result<()> {
    w.fund_pool().await?;
    w.register_provider().await?;
    let big = w
        .register_node(&SimulatedBackend::new(8, vec![]), &w.agent_key, PRICE)
        .await?;
    let small = w
        .register_node(&SimulatedBackend::new(2, vec![]), &w.agent_key, 3 * UNIT)
        .await?;
    let job = JobSpec {
        command: vec!["python3".into(), "train.py".into()],
        ..Default::default()
    };
    let (lease, _) = w
        .open_lease(&big, 2, 3_600, &job, &dir.join("jobs"))
        .await?;
    receipt(w, &big, lease).await?;
    w.chain.advance_clock(PERIOD).await?;
    send(&w.chain, vec![ix::settle(&big, &w.pool, lease)], vec![]).await?;
    receipt(w, &big, lease).await?;
    out.pools.push(w.pool.pool.to_string());
    out.nodes
        .extend([big.node.to_string(), small.node.to_string()]);
    out.leases.push(lease.to_string());
    Ok(())
}

/// The agent's receipt for the lease's next full period on every leased GPU.
pub async fn receipt(w: &World, nk: &NodeKeys, lease: Pubkey) -> Result<()> {
    let l: Lease = fetch(&*w.chain, &lease).await?;
    let start = l.last_period_end.max(l.start_at);
    let body = ReceiptBody {
        seq: l.last_seq + 1,
        period_start: start,
        period_end: start + PERIOD,
        gpu_seconds: u64::from(l.gpu_count) * PERIOD as u64,
        avg_utilization_bps: 9_500,
        energy_joules: 0,
        sample_digest: [0; 32],
    };
    let now = w.chain.unix_timestamp().await?;
    if now < body.period_end {
        w.chain.advance_clock_to(body.period_end).await?;
    }
    let message = message_bytes(&UsageReceipt::new(lease, body))?;
    let ixs = vec![
        ix::ed25519(&w.agent_key, &message),
        ix::submit_receipt(nk, &w.pool, lease, None, body),
    ];
    send(&w.chain, ixs, Vec::<&Keypair>::new()).await
}

/// `count` more nodes on the demo provider (1 to 8 simulated GPUs, prices from 1 token per
/// GPU-hour up), for a market of realistic size.
pub async fn more_nodes(w: &World, count: usize) -> Result<Vec<Pubkey>> {
    // Rent for each node account (about 0.003 SOL) and fees.
    let rent = 10_000_000 * u64::try_from(count).unwrap_or(u64::MAX / 10_000_000);
    let fund = anchor_lang::solana_program::system_instruction::transfer(
        &w.admin.pubkey(),
        &w.operator.pubkey(),
        rent,
    );
    send(&w.chain, vec![fund], Vec::<&Keypair>::new()).await?;
    let mut nodes = Vec::with_capacity(count);
    for i in 0..count {
        let gpus = u32::try_from(i % 8 + 1).unwrap_or(1);
        let price = UNIT + u64::try_from(i).unwrap_or(0) * 10_000;
        let nk = w
            .register_node(&SimulatedBackend::new(gpus, vec![]), &w.agent_key, price)
            .await?;
        nodes.push(nk.node);
    }
    Ok(nodes)
}

/// SOL and settlement tokens for `owner`: 100 SOL and 10,000 tokens.
pub async fn fund(w: &World, owner: &Pubkey) -> Result<()> {
    let me = w.admin.pubkey();
    let ixs = vec![anchor_lang::solana_program::system_instruction::transfer(
        &me,
        owner,
        100 * 1_000_000_000,
    )];
    send(&w.chain, ixs, Vec::<&Keypair>::new()).await?;
    let ixs = ix::mint_to_owner(&me, &w.usd, &me, owner, 10_000 * UNIT);
    send(&w.chain, ixs, Vec::<&Keypair>::new()).await
}
