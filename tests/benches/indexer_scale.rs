//! The indexer at scale, side by side in one run: a local network with 10,000 nodes and
//! 100,000 leases (`NODES`, `LEASES` to change), backfilled from empty into two databases of one
//! PostgreSQL, once fetching one transaction at a time (`--fetch-concurrency 1`, the old
//! method) and once with the default 32 in flight; then, per run, events/s, row inserts and
//! updates per table (`pg_stat_user_tables`) and table sizes without VACUUM; then market search
//! p50/p99 through the read API against `getProgramAccounts` + filtering in the client.
//! The indexer runs in this process (`tessera_indexer::service`), as its binary would.
//! `cargo bench -p tessera-tests --bench indexer_scale` (figures in docs/performance.md).

#[path = "../../indexer/tests/support/postgres.rs"]
mod postgres;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anchor_lang::{AccountDeserialize, Discriminator};
use solana_account_decoder_client_types::UiAccountEncoding;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client_api::config::{RpcAccountInfoConfig, RpcProgramAccountsConfig};
use solana_rpc_client_api::filter::{Memcmp, RpcFilterType};
use solana_sdk::signer::Signer;
use tessera_agent::gpu::simulated::SimulatedBackend;
use tessera_client::instructions::{self as ix, NodeKeys};
use tessera_indexer::index::Options as IndexOptions;
use tessera_indexer::service::{self, Config};
use tessera_indexer::source::{RpcSource, Source};
use tessera_localnet::seed::{self, Seed};
use tessera_localnet::world::{send, World, UNIT};
use tessera_localnet::{serve, ClockMode, Endpoint, LocalChain, Options};

use postgres::{caught_up, free_port, Postgres};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// A local network with the demo's world, `nodes` nodes and `leases` one-GPU leases.
async fn seeded(nodes: usize, leases: usize) -> (Arc<LocalChain>, World, tempfile::TempDir) {
    let chain = Arc::new(LocalChain::start().await);
    let dir = tempfile::tempdir().unwrap();
    let (w, _) = seed::seed(chain.clone(), Seed::Demo, dir.path())
        .await
        .unwrap();
    let t = Instant::now();
    let me = w.admin.pubkey();
    let fund =
        |to, lamports| anchor_lang::solana_program::system_instruction::transfer(&me, to, lamports);
    let (operator, renter) = (w.operator.pubkey(), w.renter.pubkey());
    send(
        &w.chain,
        vec![fund(&operator, nodes as u64 * 10_000_000)],
        vec![],
    )
    .await
    .unwrap();
    let mut keys: Vec<(NodeKeys, u64)> = Vec::new();
    for i in 0..nodes.saturating_sub(2) {
        let price = UNIT + (i as u64 % 500) * 10_000;
        let nk = w
            .register_node(&SimulatedBackend::new(16, vec![]), &w.agent_key, price)
            .await
            .unwrap();
        keys.push((nk, 0));
    }
    println!("seeded {nodes} nodes in {:.0} s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    send(
        &w.chain,
        ix::mint_to_owner(&me, &w.usd, &me, &renter, leases as u64 * 10 * UNIT),
        vec![],
    )
    .await
    .unwrap();
    // Rent for each lease account and fees.
    send(
        &w.chain,
        vec![fund(&renter, leases as u64 * 5_000_000)],
        vec![],
    )
    .await
    .unwrap();
    let accounts = ix::RenterAccounts {
        renter,
        token: ix::associated_token_address(&renter, &w.usd),
    };
    for i in 0..leases {
        let slot = i % keys.len();
        let (nk, lease_id) = keys[slot];
        let args = tessera::OpenLeaseArgs {
            gpu_count: 1,
            duration_secs: 3_600,
            max_price_per_gpu_hour: 10 * UNIT,
            job_hash: [7; 32],
            job_uri: "oci://bench".into(),
        };
        send(
            &w.chain,
            vec![ix::open_lease(&nk, &w.pool, &accounts, lease_id, args)],
            vec![&w.renter],
        )
        .await
        .unwrap();
        keys[slot].1 += 1;
    }
    println!(
        "opened {leases} leases in {:.0} s",
        t.elapsed().as_secs_f64()
    );
    (chain, w, dir)
}

/// A connection to `url`.
async fn connect(url: &str) -> tokio_postgres::Client {
    let (db, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    db
}

/// Backfills `node` from empty into a new database `name`, `concurrency` transactions in
/// flight; prints the figures and returns the API's port (the indexer keeps running).
async fn backfill(
    pg: &Postgres,
    node: &Endpoint,
    chain: &LocalChain,
    name: &str,
    concurrency: usize,
) -> u16 {
    connect(&pg.url())
        .await
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let url = pg.url_of(name);
    let port = free_port();
    let config = Config {
        database: url.clone(),
        listen: SocketAddr::from(([127, 0, 0, 1], port)),
        options: IndexOptions {
            poll: Duration::from_millis(200),
            concurrency,
        },
        max_lag: Duration::from_secs(60),
        reset: false,
    };
    let rpc = node.url.clone();
    let started = Instant::now();
    tokio::spawn(service::run(config, move || -> Arc<dyn Source> {
        Arc::new(RpcSource::new(&rpc, None))
    }));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let db = connect(&url).await;
    caught_up(&db, chain, Duration::from_secs(3_600)).await;
    let took = started.elapsed().as_secs_f64();
    let events: i64 = db
        .query_one("SELECT count(*) FROM events", &[])
        .await
        .unwrap()
        .get(0);
    println!(
        "[{concurrency} in flight] indexed {events} events in {took:.1} s: {:.0} events/s (backfill from empty, over JSON-RPC)",
        events as f64 / took
    );
    // Statistics reach pg_stat_user_tables within a second of each transaction.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rows = db
        .query(
            "SELECT relname::TEXT, n_tup_ins, n_tup_upd, pg_total_relation_size(relid) FROM pg_stat_user_tables
             WHERE relname IN ('accounts', 'nodes', 'providers', 'leases', 'events') ORDER BY relname",
            &[],
        )
        .await
        .unwrap();
    for r in rows {
        let (table, ins, upd, size): (String, i64, i64, i64) =
            (r.get(0), r.get(1), r.get(2), r.get(3));
        println!(
            "[{concurrency} in flight] {table}: {ins} rows inserted, {upd} updated, {:.1} MiB (no VACUUM)",
            size as f64 / 1_048_576.0
        );
    }
    let size: i64 = db
        .query_one("SELECT pg_database_size(current_database())", &[])
        .await
        .unwrap()
        .get(0);
    println!(
        "[{concurrency} in flight] database {:.1} MiB",
        size as f64 / 1_048_576.0
    );
    port
}

/// Times `run` `n` times; (p50, p99) in milliseconds and the last result.
async fn latency<F: std::future::Future<Output = usize>>(
    n: usize,
    mut run: impl FnMut() -> F,
) -> (f64, f64, usize) {
    let mut ms = Vec::with_capacity(n);
    let mut found = 0;
    for _ in 0..n {
        let t = Instant::now();
        found = run().await;
        ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    ms.sort_by(f64::total_cmp);
    (percentile(&ms, 0.5), percentile(&ms, 0.99), found)
}

/// The same search both ways: at least 4 GPUs free, price at most 3 tokens, cheapest 50.
async fn market_search(port: u16, node: &Endpoint) {
    let http = reqwest::Client::new();
    let url = format!(
        "http://127.0.0.1:{port}/market?min_free=4&max_price={}&sort=price&limit=50",
        3 * UNIT
    );
    let (p50, p99, n) = latency(500, || async {
        let page: serde_json::Value = http.get(&url).send().await.unwrap().json().await.unwrap();
        page["items"].as_array().map_or(0, Vec::len)
    })
    .await;
    println!("market search through the API: p50 {p50:.2} ms, p99 {p99:.2} ms ({n} nodes a page, 500 requests)");
    let rpc = RpcClient::new(node.url.clone());
    let config = RpcProgramAccountsConfig {
        filters: Some(vec![RpcFilterType::Memcmp(Memcmp::new_raw_bytes(
            0,
            tessera::state::Node::DISCRIMINATOR.to_vec(),
        ))]),
        account_config: RpcAccountInfoConfig {
            encoding: Some(UiAccountEncoding::Base64),
            ..Default::default()
        },
        ..Default::default()
    };
    let (g50, g99, m) = latency(20, || async {
        let found = rpc
            .get_program_ui_accounts_with_config(&tessera::ID, config.clone())
            .await
            .unwrap();
        let mut fit: Vec<tessera::state::Node> = found
            .into_iter()
            .filter_map(|(_, a)| {
                tessera::state::Node::try_deserialize(&mut &a.data.decode()?[..]).ok()
            })
            .filter(|n| n.free_gpus() >= 4 && n.spec.price_per_gpu_hour <= 3 * UNIT)
            .collect();
        fit.sort_by_key(|n| n.spec.price_per_gpu_hour);
        fit.truncate(50);
        fit.len()
    })
    .await;
    println!("getProgramAccounts + client filter: p50 {g50:.1} ms, p99 {g99:.1} ms ({m} nodes, 20 requests)");
    println!(
        "the API is {:.0}x faster at p50, {:.0}x at p99",
        g50 / p50,
        g99 / p99
    );
}

#[tokio::main]
async fn main() {
    std::env::set_var("RUST_LOG", "error");
    let (nodes, leases) = (env("NODES", 10_000), env("LEASES", 100_000));
    let pg = Postgres::start().expect("PostgreSQL is installed");
    let (chain, _w, _dir) = seeded(nodes, leases).await;
    let node = serve(chain.clone(), Options::ephemeral(ClockMode::Manual))
        .await
        .unwrap();
    backfill(&pg, &node, &chain, "one_at_a_time", 1).await;
    let port = backfill(&pg, &node, &chain, "concurrent", 32).await;
    market_search(port, &node).await;
}
