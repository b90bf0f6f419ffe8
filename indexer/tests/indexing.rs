//! The indexer against a local network and a real PostgreSQL: the demo's world plus random
//! traffic (deposits, leases, receipts, settles, disputes), the indexer killed with SIGKILL
//! twice mid-stream and restarted, then every indexed account and event compared with a
//! fresh read of the chain, and the read API checked against the chain.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use anchor_lang::event::EVENT_IX_TAG_LE;
use rand::{rngs::StdRng, Rng, SeedableRng};
use serde_json::Value;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signer::Signer;
use tessera_client::chain::fetch;
use tessera_client::instructions::{self as ix, NodeKeys};
use tessera_localnet::seed::{self, Seed};
use tessera_localnet::world::{send, World, UNIT};
use tessera_localnet::{serve, ClockMode, LocalChain, Options};

use support::{caught_up, free_port, spawn_indexer};

/// Random traffic on the demo's world; returns the leases it opened.
struct Traffic<'a> {
    w: &'a World,
    rng: StdRng,
    nodes: Vec<NodeKeys>,
    leases: Vec<(NodeKeys, Pubkey)>,
    disputed: BTreeSet<Pubkey>,
}

impl Traffic<'_> {
    async fn step(&mut self) {
        let w = self.w;
        match self.rng.gen_range(0..4) {
            0 => {
                let who = &w.investors[self.rng.gen_range(0..2)];
                let amount = self.rng.gen_range(1..50) * UNIT;
                let me = w.admin.pubkey();
                send(
                    &w.chain,
                    ix::mint_to_owner(&me, &w.usd, &me, &who.pubkey(), amount),
                    vec![],
                )
                .await
                .unwrap();
                let accounts = ix::InvestorAccounts {
                    investor: who.pubkey(),
                    token: ix::associated_token_address(&who.pubkey(), &w.usd),
                    shares: ix::associated_token_address(&who.pubkey(), &w.pool.share_mint),
                };
                send(
                    &w.chain,
                    vec![ix::deposit(&w.pool, &accounts, amount, 0)],
                    vec![who],
                )
                .await
                .unwrap();
            }
            1 => {
                let nk = self.nodes[self.rng.gen_range(0..self.nodes.len())];
                let node: tessera::state::Node = fetch(&*w.chain, &nk.node).await.unwrap();
                if node.free_gpus() == 0 {
                    return;
                }
                let job = tessera_agent::runner::JobSpec {
                    command: vec!["true".into()],
                    ..Default::default()
                };
                let dir = tempfile::tempdir().unwrap();
                let (lease, _) = w.open_lease(&nk, 1, 7_200, &job, dir.path()).await.unwrap();
                self.leases.push((nk, lease));
            }
            2 | 3 => {
                let open: Vec<_> = self
                    .leases
                    .iter()
                    .filter(|(_, l)| !self.disputed.contains(l))
                    .cloned()
                    .collect();
                if open.is_empty() {
                    return;
                }
                let (nk, lease) = open[self.rng.gen_range(0..open.len())];
                seed::receipt(w, &nk, lease).await.unwrap();
                if self.rng.gen_bool(0.2) {
                    send(
                        &w.chain,
                        vec![ix::dispute(lease, w.renter.pubkey())],
                        vec![&w.renter],
                    )
                    .await
                    .unwrap();
                    self.disputed.insert(lease);
                } else {
                    w.chain.advance_clock(61).await.unwrap();
                    send(&w.chain, vec![ix::settle(&nk, &w.pool, lease)], vec![])
                        .await
                        .unwrap();
                }
            }
            _ => unreachable!(),
        }
    }
}

/// Every program event on the chain: `(signature, index, bytes)`.
async fn chain_events(chain: &LocalChain) -> BTreeSet<(String, i32, Vec<u8>)> {
    let mut out = BTreeSet::new();
    for tx in chain.signatures_for(&tessera::ID).await {
        if tx.meta.status.is_err() {
            continue;
        }
        let program = tx.keys.iter().position(|k| *k == tessera::ID);
        let bodies = tx
            .meta
            .inner_instructions
            .iter()
            .flatten()
            .flat_map(|i| &i.instructions)
            .filter_map(|i| {
                (Some(usize::from(i.instruction.program_id_index)) == program)
                    .then(|| {
                        i.instruction
                            .data
                            .strip_prefix(EVENT_IX_TAG_LE)
                            .map(<[u8]>::to_vec)
                    })
                    .flatten()
            });
        for (idx, body) in bodies.enumerate() {
            out.insert((tx.signature.to_string(), i32::try_from(idx).unwrap(), body));
        }
    }
    out
}

async fn get(port: u16, path: &str) -> (u16, Value) {
    let r = reqwest::get(format!("http://127.0.0.1:{port}{path}"))
        .await
        .expect("the API answers");
    (r.status().as_u16(), r.json().await.expect("JSON"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_indexer_killed_twice_holds_exactly_what_the_chain_holds() {
    let Some(pg) = support::Postgres::start() else {
        return;
    };
    let chain = Arc::new(LocalChain::start().await);
    let dir = tempfile::tempdir().unwrap();
    let (w, _) = seed::seed(chain.clone(), Seed::Demo, dir.path())
        .await
        .unwrap();
    let me = w.admin.pubkey();
    send(
        &w.chain,
        ix::mint_to_owner(&me, &w.usd, &me, &w.renter.pubkey(), 10_000 * UNIT),
        vec![],
    )
    .await
    .unwrap();
    let node = serve(chain.clone(), Options::ephemeral(ClockMode::Manual))
        .await
        .unwrap();
    let port = free_port();
    let mut indexer = spawn_indexer(&node, &pg.url(), port, &["--poll-ms", "200"]);
    let op = w.operator.pubkey();
    let mut traffic = Traffic {
        w: &w,
        rng: StdRng::seed_from_u64(7),
        nodes: vec![NodeKeys::derive(op, 0), NodeKeys::derive(op, 1)],
        leases: Vec::new(),
        disputed: BTreeSet::new(),
    };
    for step in 0..36 {
        traffic.step().await;
        if step == 12 || step == 24 {
            indexer.0.kill().expect("SIGKILL");
            let _ = indexer.0.wait();
            indexer = spawn_indexer(&node, &pg.url(), port, &["--poll-ms", "200"]);
        }
    }
    let (db, connection) = tokio_postgres::connect(&pg.url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    caught_up(&db, &chain, Duration::from_secs(60)).await;

    // Accounts: every live one identical, every closed one gone from the chain.
    let live: BTreeMap<String, Vec<u8>> = chain
        .owned_by(&tessera::ID, &[], None)
        .await
        .unwrap()
        .into_iter()
        .map(|(k, a)| (k.to_string(), a.data))
        .collect();
    let rows = db
        .query("SELECT address, data, closed FROM accounts", &[])
        .await
        .unwrap();
    let indexed: BTreeMap<String, Vec<u8>> = rows
        .iter()
        .filter(|r| !r.get::<_, bool>(2))
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(indexed.len(), live.len(), "live accounts");
    assert!(indexed == live, "every indexed account equals the chain's");
    for r in rows.iter().filter(|r| r.get::<_, bool>(2)) {
        assert!(
            !live.contains_key(&r.get::<_, String>(0)),
            "a closed account is closed on the chain"
        );
    }
    // Events: the same set, each once.
    let expected = chain_events(&chain).await;
    let rows = db
        .query("SELECT signature, idx, raw FROM events", &[])
        .await
        .unwrap();
    let got: BTreeSet<(String, i32, Vec<u8>)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(rows.len(), got.len(), "no event twice");
    assert!(
        expected.len() > 60,
        "traffic produced events: {}",
        expected.len()
    );
    let missing: Vec<String> = expected
        .difference(&got)
        .map(|(s, i, raw)| {
            format!(
                "{s}#{i} {:?}",
                tessera_client::events::TesseraEvent::decode(&[EVENT_IX_TAG_LE, raw].concat())
                    .map(|e| e.name())
            )
        })
        .collect();
    let extra = got.difference(&expected).count();
    assert!(
        got == expected,
        "indexed {} events, the chain has {}: missing {missing:?}, {extra} extra",
        got.len(),
        expected.len()
    );

    // The read API against the chain.
    let nodes: Vec<tessera::state::Node> = tessera_client::chain::all_nodes(&*chain)
        .await
        .unwrap()
        .into_iter()
        .map(|(_, n)| n)
        .collect();
    let (status, market) = get(port, "/market?sort=free&limit=10").await;
    assert_eq!(status, 200, "{market}");
    let free: Vec<i64> = market["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["gpus_free"].as_i64().unwrap())
        .collect();
    let mut want: Vec<i64> = nodes.iter().map(|n| i64::from(n.free_gpus())).collect();
    want.sort_by(|a, b| b.cmp(a));
    assert_eq!(free, want);
    let (_, filtered) = get(port, "/market?min_free=1000").await;
    assert_eq!(filtered["items"], serde_json::json!([]));
    let (_, unattested) = get(port, "/market?min_tflops=1").await;
    assert_eq!(
        unattested["items"],
        serde_json::json!([]),
        "simulated nodes are unattested"
    );
    let (lease_node, lease) = traffic.leases[0];
    let (_, receipts) = get(port, &format!("/leases/{lease}/receipts")).await;
    let submitted = receipts["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["name"] == "ReceiptSubmitted")
        .count();
    let l: Option<tessera::state::Lease> = fetch(&*chain, &lease).await.ok();
    if let Some(l) = l {
        assert_eq!(submitted as u64, l.last_seq, "every receipt of the lease");
    }
    let (_, by_node) = get(
        port,
        &format!("/nodes/{}/receipts?limit=100", lease_node.node),
    )
    .await;
    assert!(by_node["items"].as_array().unwrap().len() >= submitted);
    let investor = w.investors[0].pubkey();
    let (_, positions) = get(port, &format!("/wallets/{investor}/positions")).await;
    let shares = tessera_client::chain::token_balance(
        &*chain,
        &ix::associated_token_address(&investor, &w.pool.share_mint),
    )
    .await
    .unwrap();
    assert_eq!(positions[0]["shares"], shares.to_string(), "{positions}");
    let (_, pools) = get(port, "/pools").await;
    assert_eq!(pools[0]["address"], w.pool.pool.to_string());
    // Bad parameters: a 400 in words; no unbounded page.
    for (path, words) in [
        ("/market?limit=1000", "limit must be between 1 and 100"),
        (
            "/market?sort=cheapest",
            "sort must be price, free, tflops or reputation",
        ),
        ("/market?min_free=lots", "min_free"),
        ("/market?page=5000", "pages end at item 10000"),
        ("/leases/notakey/receipts", "is not a base-58 address"),
    ] {
        let (status, body) = get(port, path).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert!(
            body["error"].as_str().unwrap().contains(words),
            "{path}: {body}"
        );
    }
    let (status, doc) = get(port, "/openapi.json").await;
    assert_eq!(status, 200);
    assert!(
        doc["paths"]["/market"]["get"].is_object(),
        "OpenAPI describes the market search"
    );
    drop(indexer);
}
