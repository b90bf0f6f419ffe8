//! Requests per second of the local network's JSON-RPC (getAccountInfo, sendTransaction) with
//! 1 and 64 concurrent clients over HTTP, and the memory the process holds afterwards.
//! `cargo bench -p tessera-localnet --bench rpc` (figures in docs/performance.md).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value};
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signer::Signer;
use tessera_client::chain::signed_transaction;
use tessera_localnet::{serve, ClockMode, LocalChain, Options};

const RUN: Duration = Duration::from_secs(5);

async fn call(client: &reqwest::Client, url: &str, body: &Value) -> Value {
    client
        .post(url)
        .json(body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Runs `clients` loops of `request` for [`RUN`]; returns requests per second.
async fn load<F, Fut>(clients: usize, request: F) -> f64
where
    F: Fn(u64) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let done = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (done, request) = (done.clone(), request.clone());
            tokio::spawn(async move {
                while start.elapsed() < RUN {
                    request(done.fetch_add(1, Ordering::Relaxed)).await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

#[tokio::main]
async fn main() {
    std::env::set_var("RUST_LOG", "error");
    let chain = Arc::new(LocalChain::start().await);
    let payer = chain.payer_keypair().insecure_clone();
    let node = serve(chain.clone(), Options::ephemeral(ClockMode::Manual))
        .await
        .unwrap();
    let url = Arc::new(node.url.clone());
    let client = reqwest::Client::new();
    let target = payer.pubkey().to_string();
    println!("rss at start: {:.0} MiB", rss_mib());
    for clients in [1, 64] {
        let (c, u, t) = (client.clone(), url.clone(), target.clone());
        let rps = load(clients, move |_| {
            let (c, u, t) = (c.clone(), u.clone(), t.clone());
            async move {
                let body = json!({"jsonrpc": "2.0", "id": 1, "method": "getAccountInfo", "params": [t, {"encoding": "base64"}]});
                assert!(call(&c, &u, &body).await["result"]["value"].is_object());
            }
        })
        .await;
        println!("getAccountInfo, {clients:>2} clients: {rps:>7.0} requests/s");
    }
    // A fresh blockhash every 250 ms: under continuous load the bank registers one every 6.4 ms.
    let hash = Arc::new(std::sync::RwLock::new(
        chain.latest_blockhash().await.unwrap(),
    ));
    let (fresh, source) = (hash.clone(), chain.clone());
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(250)).await;
            if let Ok(h) = source.latest_blockhash().await {
                *fresh.write().unwrap() = h;
            }
        }
    });
    // Recipients that exist already, so each transfer can be a few lamports.
    let sinks: Arc<Vec<Pubkey>> = Arc::new((0..16).map(|_| Pubkey::new_unique()).collect());
    for sink in sinks.iter() {
        let ix = anchor_lang::solana_program::system_instruction::transfer(
            &payer.pubkey(),
            sink,
            1_000_000,
        );
        tessera_client::Chain::send(&*chain, &[ix], &[])
            .await
            .unwrap();
    }
    let payer = Arc::new(payer);
    for clients in [1, 64] {
        let (c, u, p, h, k) = (
            client.clone(),
            url.clone(),
            payer.clone(),
            hash.clone(),
            sinks.clone(),
        );
        let salt = clients as u64 * 1_000_000;
        let rps = load(clients, move |n| {
            let (c, u, p) = (c.clone(), u.clone(), p.clone());
            let hash = *h.read().unwrap();
            let to = k[(n % 16) as usize];
            async move {
                // A distinct transfer each time (distinct amounts, distinct signatures).
                let ix = anchor_lang::solana_program::system_instruction::transfer(&p.pubkey(), &to, 1 + salt + n);
                let tx = signed_transaction(&[ix], &p, &[], hash).unwrap();
                let wire = base64::engine::general_purpose::STANDARD.encode(bincode::serialize(&tx).unwrap());
                let body = json!({"jsonrpc": "2.0", "id": 1, "method": "sendTransaction", "params": [wire, {"encoding": "base64"}]});
                let reply = call(&c, &u, &body).await;
                assert!(reply["result"].is_string(), "{reply}");
            }
        })
        .await;
        println!("sendTransaction, {clients:>2} clients: {rps:>7.0} requests/s (each simulated, executed and recorded)");
    }
    println!(
        "rss at end: {:.0} MiB (every transaction and its metadata is kept in memory)",
        rss_mib()
    );
}
