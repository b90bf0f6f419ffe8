//! Throughput of the hot path (Ed25519 receipt + settle) in the in-process bank, over many
//! leases on one pool and over the same number of leases spread across many pools.
//!
//! `cargo bench -p tessera-tests --bench hot_path`. The program runs natively here (not SBF),
//! and the in-process bank executes transactions one at a time, so these figures measure the
//! handlers plus bank overhead, not cluster throughput or compute units (see scripts/cu-report).
#![allow(deprecated)]

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signer::Signer;
use tessera_tests::builders;
use tessera_tests::market::Market;

/// Leases metered per iteration.
const LEASES: usize = 16;
/// Metering period; the bench sets the dispute window to 60 s so each round settles the last.
const PERIOD: i64 = 60;

/// One market per pool; `pools` markets share nothing but the bank's shape.
struct World {
    markets: Vec<Market>,
    leases: Vec<(usize, Pubkey)>,
}

async fn world(pools: usize) -> World {
    let mut markets = Vec::new();
    let mut leases = Vec::new();
    for i in 0..pools {
        let mut m = Market::new().await;
        // Bench runs skip the per-transaction invariant scan of the test fixture.
        m.f.pools.clear();
        m.f.nodes.clear();
        m.f.stakers.clear();
        let mut params = tessera_tests::fixture::default_params();
        params.dispute_window_secs = 60;
        m.f.change_params(params).await.expect("short window");
        let (settlement_mint, renter_token) = (m.f.settlement_mint, m.renter_token);
        m.f.mint_to(
            settlement_mint,
            renter_token,
            100_000 * tessera_tests::fixture::UNIT,
        )
        .await;
        let per_pool = LEASES / pools;
        let mut opened = 0;
        while opened < per_pool {
            let (ix, lease) = m.open_ix(1, 29 * 86_400).await;
            let renter = m.renter.insecure_clone();
            let full = tessera_tests::code(tessera::error::TesseraError::NotEnoughFreeGpus);
            if let Err(e) = m.f.send_unchecked(&[ix], &[&renter]).await {
                assert_eq!(e.code, Some(full), "open_lease: {}", e.raw);
                // The node is full: add another node to the same pool.
                let op = m.operator.insecure_clone();
                let id =
                    m.f.get::<tessera::state::Provider>(m.n.provider)
                        .await
                        .node_count;
                let ix = builders::register_node(
                    op.pubkey(),
                    m.p.pool,
                    id,
                    tessera_tests::market::h100_spec(),
                    m.agent.pubkey(),
                );
                m.f.send_unchecked(&[ix], &[&op]).await.expect("node");
                m.n = builders::NodeKeys::derive(op.pubkey(), id);
                continue;
            }
            leases.push((i, lease));
            opened += 1;
        }
        markets.push(m);
    }
    World { markets, leases }
}

/// One metering round: every lease settles its last period and reports the next. Only the
/// transactions are timed, not building them.
async fn round(w: &mut World) -> Duration {
    let mut batch = Vec::new();
    for (i, lease) in w.leases.clone() {
        let m = &mut w.markets[i];
        let l: tessera::state::Lease = m.f.get(lease).await;
        let node: tessera::state::Node = m.f.get(l.node).await;
        let provider: tessera::state::Provider = m.f.get(node.provider).await;
        let n = builders::NodeKeys {
            node: l.node,
            ..builders::NodeKeys::derive(provider.authority, node.node_id)
        };
        let body = Market::body(
            l.last_seq + 1,
            l.last_period_end,
            l.last_period_end + PERIOD,
            PERIOD as u64,
        );
        let msg = tessera::signed::message_bytes(&tessera::signed::UsageReceipt::new(lease, body))
            .expect("bytes");
        let mut ixs = Vec::new();
        if l.pending > 0 {
            ixs.push(builders::settle(&n, &m.p, lease));
        }
        ixs.push(builders::ed25519(&m.agent, &msg));
        ixs.push(builders::submit_receipt(&n, &m.p, lease, None, body));
        batch.push((i, ixs));
    }
    for m in &mut w.markets {
        m.f.advance(PERIOD).await;
    }
    let start = Instant::now();
    for (i, ixs) in batch {
        w.markets[i]
            .f
            .send_unchecked(&ixs, &[])
            .await
            .expect("settle + receipt");
    }
    start.elapsed()
}

fn hot_path(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut group = c.benchmark_group("settle_plus_receipt");
    group.throughput(Throughput::Elements(LEASES as u64));
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    for pools in [1usize, 16] {
        let mut w = rt.block_on(world(pools));
        group.bench_function(format!("{LEASES}_leases_on_{pools}_pools"), |b| {
            b.iter_custom(|iters| (0..iters).map(|_| rt.block_on(round(&mut w))).sum())
        });
    }
    group.finish();
}

criterion_group!(benches, hot_path);
criterion_main!(benches);
