//! What the indexer's tests share: a throwaway PostgreSQL ([`postgres`]), the demo's world on a
//! served local network, random traffic on it, the indexer process with a wait for it to catch
//! up, and the comparison of what it indexed with the chain.

#![allow(dead_code)] // each test binary uses part of it

pub mod postgres;

pub use postgres::{caught_up, free_port, Postgres};

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rand::{rngs::StdRng, Rng};
use serde_json::Value;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signer::Signer;
use std::sync::Arc;
use tessera_client::chain::fetch;
use tessera_client::instructions::{self as ix, NodeKeys};
use tessera_localnet::seed::{self, Seed};
use tessera_localnet::world::{send, World, UNIT};
use tessera_localnet::{serve, ClockMode, Endpoint, LocalChain, Options};

/// The indexer process, killed when dropped (a failing test leaves nothing running); its
/// standard error goes to a file.
pub struct Indexer(pub Child, tempfile::NamedTempFile);

impl Indexer {
    /// What it wrote to standard error so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.1.path()).unwrap_or_default()
    }

    /// Waits (at most `limit`) for it to exit; its exit code.
    pub fn exit_code(&mut self, limit: Duration) -> Option<i32> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.0.try_wait().expect("waits") {
                return status.code();
            }
            assert!(
                Instant::now() < deadline,
                "the indexer is still running: {}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Indexer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `tessera-indexer` on `node`, indexing into `database` and serving its API on `port`,
/// with `extra` arguments.
pub fn spawn_indexer(node: &Endpoint, database: &str, port: u16, extra: &[&str]) -> Indexer {
    let err = tempfile::NamedTempFile::new().expect("a log file");
    let child = Command::new(env!("CARGO_BIN_EXE_tessera-indexer"))
        .args([
            "--rpc",
            &node.url,
            "--ws",
            &node.ws_url,
            "--database",
            database,
        ])
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(extra)
        .env("TESSERA_INDEXER_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(err.reopen().expect("the log file"))
        .spawn()
        .expect("the indexer starts");
    Indexer(child, err)
}

/// Random traffic on the demo's world: deposits, leases, receipts, settles and disputes.
pub struct Traffic<'a> {
    pub w: &'a World,
    pub rng: StdRng,
    pub nodes: Vec<NodeKeys>,
    pub leases: Vec<(NodeKeys, Pubkey)>,
    pub disputed: BTreeSet<Pubkey>,
}

impl<'a> Traffic<'a> {
    /// Traffic on `w`'s two demo nodes, from a fixed seed.
    pub fn new(w: &'a World) -> Self {
        let op = w.operator.pubkey();
        Self {
            w,
            rng: rand::SeedableRng::seed_from_u64(7),
            nodes: vec![NodeKeys::derive(op, 0), NodeKeys::derive(op, 1)],
            leases: Vec::new(),
            disputed: BTreeSet::new(),
        }
    }

    pub async fn step(&mut self) {
        let w = self.w;
        match self.rng.gen_range(0..4) {
            0 => {
                let who = &w.investors[self.rng.gen_range(0..2)];
                let amount = self.rng.gen_range(1..50) * UNIT;
                deposit(w, who, amount).await;
            }
            1 => {
                let nk = self.nodes[self.rng.gen_range(0..self.nodes.len())];
                let node: tessera_client::state::Node = fetch(&*w.chain, &nk.node).await.unwrap();
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
pub async fn chain_events(chain: &LocalChain) -> BTreeSet<(String, i32, Vec<u8>)> {
    let mut out = BTreeSet::new();
    for tx in chain.signatures_for(&tessera_client::ID).await {
        if tx.meta.status.is_err() {
            continue;
        }
        let bodies = tx
            .program_data()
            .filter_map(|data| tessera_client::events::body(data).map(<[u8]>::to_vec));
        for (idx, body) in bodies.enumerate() {
            out.insert((tx.signature.to_string(), i32::try_from(idx).unwrap(), body));
        }
    }
    out
}

/// Asserts that the database holds exactly the chain's live accounts and events: every live
/// account identical, every closed one gone from the chain, every event once.
pub async fn assert_holds_chain(db: &tokio_postgres::Client, chain: &LocalChain) {
    let live: BTreeMap<String, Vec<u8>> = chain
        .owned_by(&tessera_client::ID, &[], None)
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
    let expected = chain_events(chain).await;
    let rows = db
        .query("SELECT signature, idx, raw FROM events", &[])
        .await
        .unwrap();
    let got: BTreeSet<(String, i32, Vec<u8>)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(rows.len(), got.len(), "no event twice");
    let missing = expected.difference(&got).count();
    let extra = got.difference(&expected).count();
    assert!(
        got == expected,
        "indexed {} events, the chain has {}: {missing} missing, {extra} extra",
        got.len(),
        expected.len()
    );
}

/// A connection of the test's own to `url`.
pub async fn connect(url: &str) -> tokio_postgres::Client {
    let (db, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    db
}

/// `GET path` on the API at `port`: status and JSON body.
pub async fn get(port: u16, path: &str) -> (u16, Value) {
    let r = reqwest::get(format!("http://127.0.0.1:{port}{path}"))
        .await
        .expect("the API answers");
    (r.status().as_u16(), r.json().await.expect("JSON"))
}

/// Waits (at most `limit`) until `GET path` answers `status`; returns the body.
pub async fn until_status(port: u16, path: &str, status: u16, limit: Duration) -> Value {
    let deadline = Instant::now() + limit;
    loop {
        let (now, body) = get(port, path).await;
        if now == status {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "{path} still answers {now}, not {status}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Gives `who` `amount` settlement tokens and deposits them into the world's pool.
pub async fn deposit(w: &World, who: &solana_sdk::signature::Keypair, amount: u64) {
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

/// A database, the demo's world on an in-process chain (the renter funded), and the chain's
/// JSON-RPC endpoint.
pub struct Setup {
    pub pg: Postgres,
    pub chain: Arc<LocalChain>,
    pub w: World,
    pub node: Endpoint,
    pub _dir: tempfile::TempDir,
}

/// The demo's world on a new chain served at `options`.
pub async fn world(options: Options) -> (Arc<LocalChain>, World, Endpoint, tempfile::TempDir) {
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
    let node = serve(chain.clone(), options).await.unwrap();
    (chain, w, node, dir)
}

impl Setup {
    /// `None` where PostgreSQL is not installed (said on standard error).
    pub async fn start() -> Option<Self> {
        let pg = Postgres::start()?;
        let (chain, w, node, dir) = world(Options::ephemeral(ClockMode::Manual)).await;
        Some(Self {
            pg,
            chain,
            w,
            node,
            _dir: dir,
        })
    }
}
