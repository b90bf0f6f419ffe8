//! The local network as clients see it: JSON-RPC over HTTP and websocket subscriptions, in
//! Solana's shapes, with bad requests answered in words and the process left standing.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;
use tessera_client::chain::signed_transaction;
use tessera_client::instructions as ix;
use tessera_localnet::seed::{seed, Seed};
use tessera_localnet::{serve, ClockMode, Endpoint, LocalChain, Options};
use tokio_tungstenite::tungstenite::Message;

async fn started(kind: Seed) -> (Endpoint, tessera_localnet::world::World, tempfile::TempDir) {
    let chain = Arc::new(LocalChain::start().await);
    let dir = tempfile::tempdir().unwrap();
    let (world, _) = seed(chain.clone(), kind, dir.path()).await.expect("seed");
    let endpoint = serve(chain, Options::ephemeral(ClockMode::Manual))
        .await
        .unwrap();
    (endpoint, world, dir)
}

async fn call(url: &str, method: &str, params: Value) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": 7, "method": method, "params": params});
    let reply: Value = reqwest::Client::new()
        .post(url)
        .json(&body)
        .send()
        .await
        .expect("reachable")
        .json()
        .await
        .expect("JSON");
    assert_eq!(reply["id"], 7, "{reply}");
    reply
}

fn transfer_tx(from: &Keypair, to: &Pubkey, lamports: u64, hash: &str) -> String {
    let ix =
        anchor_lang::solana_program::system_instruction::transfer(&from.pubkey(), to, lamports);
    let tx = signed_transaction(&[ix], from, &[], hash.parse().unwrap()).unwrap();
    base64::engine::general_purpose::STANDARD.encode(bincode::serialize(&tx).unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_requests_get_json_rpc_errors_and_the_server_stays_up() {
    let (node, _, _) = started(Seed::Protocol).await;
    let client = reqwest::Client::new();
    let raw = client
        .post(&node.url)
        .body("{not json")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    let reply: Value = raw.json().await.unwrap();
    assert_eq!(reply["error"]["code"], -32700, "{reply}");
    let reply = call(&node.url, "getSlotz", json!([])).await;
    assert_eq!(reply["error"]["code"], -32601);
    assert!(reply["error"]["message"]
        .as_str()
        .unwrap()
        .contains("getSlotz"));
    let reply = call(&node.url, "getAccountInfo", json!(["not-a-key"])).await;
    assert_eq!(reply["error"]["code"], -32602);
    assert!(
        reply["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not a base-58 address"),
        "{reply}"
    );
    let reply = call(
        &node.url,
        "sendTransaction",
        json!(["AAAA", {"encoding": "base64"}]),
    )
    .await;
    assert_eq!(reply["error"]["code"], -32602, "{reply}");
    let reply = call(
        &node.url,
        "getSignaturesForAddress",
        json!([Pubkey::new_unique().to_string(), {"limit": 5000}]),
    )
    .await;
    assert_eq!(reply["error"]["code"], -32602);
    let huge = vec![b' '; tessera_localnet::rpc::MAX_BODY + 1];
    let refused = client
        .post(&node.url)
        .body(huge)
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 413);
    let batch: Value = client
        .post(&node.url)
        .json(&json!([{"jsonrpc": "2.0", "id": 1, "method": "getHealth"}, {"jsonrpc": "2.0", "id": 2, "method": "getSlot"}]))
        .send().await.unwrap().json().await.unwrap();
    assert_eq!(batch[0]["result"], "ok");
    assert!(batch[1]["result"].is_u64());
    assert_eq!(
        call(&node.url, "getHealth", json!([])).await["result"],
        "ok",
        "still serving"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn transactions_land_with_logs_inner_instructions_and_events() {
    let (node, w, _) = started(Seed::Demo).await;
    let url = &node.url;
    // The seeded lease's receipts and settle are recorded like any transaction.
    let lease: Pubkey = tessera_client::pda::find_lease_address(
        &ix::NodeKeys::derive(w.operator.pubkey(), 0).node,
        0,
    )
    .0;
    let history = call(url, "getSignaturesForAddress", json!([lease.to_string()])).await;
    let sigs = history["result"].as_array().unwrap();
    assert_eq!(sigs.len(), 4, "open, receipt, settle, receipt: {history}");
    let newest = call(
        url,
        "getSignaturesForAddress",
        json!([lease.to_string(), {"limit": 1}]),
    )
    .await;
    assert_eq!(newest["result"][0]["signature"], sigs[0]["signature"]);
    let older = call(
        url,
        "getSignaturesForAddress",
        json!([lease.to_string(), {"before": sigs[0]["signature"], "limit": 2}]),
    )
    .await;
    assert_eq!(older["result"][0]["signature"], sigs[1]["signature"]);
    assert_eq!(older["result"].as_array().unwrap().len(), 2);
    let newer = call(
        url,
        "getSignaturesForAddress",
        json!([lease.to_string(), {"until": sigs[2]["signature"]}]),
    )
    .await;
    let newer: Vec<&Value> = newer["result"].as_array().unwrap().iter().collect();
    assert_eq!(
        newer,
        vec![&sigs[0], &sigs[1]],
        "newest first, stopping before `until`"
    );
    let settle_sig = &sigs[1]["signature"];
    let tx = call(
        url,
        "getTransaction",
        json!([settle_sig, {"encoding": "base64", "maxSupportedTransactionVersion": 0}]),
    )
    .await;
    let meta = &tx["result"]["meta"];
    assert!(meta["err"].is_null(), "{tx}");
    assert!(
        meta["logMessages"].as_array().unwrap().iter().any(|l| l
            .as_str()
            .unwrap()
            .contains(&format!("Program {} invoke [1]", tessera::ID))),
        "{meta}"
    );
    // The settle's events, decoded from the inner instructions a client reads.
    let events: Vec<_> = meta["innerInstructions"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|i| i["instructions"].as_array().unwrap().clone())
        .filter_map(|i| {
            tessera_client::events::TesseraEvent::decode(
                &bs58::decode(i["data"].as_str().unwrap())
                    .into_vec()
                    .unwrap(),
            )
        })
        .collect();
    assert_eq!(
        events.iter().map(|e| e.name()).collect::<Vec<_>>(),
        vec!["ChargeSettled"]
    );

    // A refused transaction: simulation failure with the program's logs, nothing recorded.
    let broke = Keypair::new();
    let hash = call(url, "getLatestBlockhash", json!([])).await["result"]["value"]["blockhash"]
        .as_str()
        .unwrap()
        .to_string();
    let reply = call(
        url,
        "sendTransaction",
        json!([transfer_tx(&broke, &lease, 1, &hash), {"encoding": "base64"}]),
    )
    .await;
    assert_eq!(reply["error"]["code"], -32002, "{reply}");
    assert!(reply["error"]["data"]["logs"].is_array());

    // Airdrop, then a transfer that lands and is final at once.
    let airdrop = call(
        url,
        "requestAirdrop",
        json!([broke.pubkey().to_string(), 2_000_000_000u64]),
    )
    .await;
    let status = call(url, "getSignatureStatuses", json!([[airdrop["result"]]])).await;
    assert_eq!(
        status["result"]["value"][0]["confirmationStatus"],
        "finalized"
    );
    let to = Pubkey::new_unique();
    let sent = call(
        url,
        "sendTransaction",
        json!([transfer_tx(&broke, &to, 5_000_000, &hash), {"encoding": "base64"}]),
    )
    .await;
    assert!(sent["result"].is_string(), "{sent}");
    let balance = call(url, "getBalance", json!([to.to_string()])).await;
    assert_eq!(balance["result"]["value"], 5_000_000);
    let tx = call(url, "getTransaction", json!([sent["result"], "json"])).await;
    assert_eq!(tx["result"]["meta"]["postBalances"][1], 5_000_000);
    assert_eq!(tx["result"]["meta"]["fee"], 5_000);
    assert_eq!(
        tx["result"]["transaction"]["message"]["accountKeys"][1],
        to.to_string()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn accounts_filter_and_parse_as_on_a_node() {
    let (node, w, _) = started(Seed::Demo).await;
    let url = &node.url;
    let provider = tessera_client::pda::find_provider_address(&w.operator.pubkey()).0;
    let disc = bs58::encode(<tessera::state::Node as anchor_lang::Discriminator>::DISCRIMINATOR)
        .into_string();
    let filter = json!({"memcmp": {"offset": tessera_client::accounts::offsets::NODE_PROVIDER, "bytes": provider.to_string()}});
    let nodes = call(url, "getProgramAccounts", json!([tessera::ID.to_string(), {"encoding": "base64", "filters": [{"memcmp": {"offset": 0, "bytes": disc}}, filter]}])).await;
    assert_eq!(nodes["result"].as_array().unwrap().len(), 2, "{nodes}");
    let nobody = json!({"memcmp": {"offset": tessera_client::accounts::offsets::NODE_PROVIDER, "bytes": Pubkey::new_unique().to_string()}});
    let none = call(url, "getProgramAccounts", json!([tessera::ID.to_string(), {"encoding": "base64", "filters": [nobody], "withContext": true}])).await;
    assert_eq!(none["result"]["value"], json!([]));
    let owned = call(url, "getTokenAccountsByOwner", json!([w.renter.pubkey().to_string(), {"mint": w.usd.to_string()}, {"encoding": "jsonParsed"}])).await;
    let info = &owned["result"]["value"][0]["account"]["data"]["parsed"]["info"];
    assert_eq!(info["mint"], w.usd.to_string(), "{owned}");
    let token = ix::associated_token_address(&w.renter.pubkey(), &w.usd);
    let balance = call(url, "getTokenAccountBalance", json!([token.to_string()])).await;
    assert_eq!(balance["result"]["value"]["decimals"], 6);
    assert_eq!(
        balance["result"]["value"]["amount"],
        info["tokenAmount"]["amount"]
    );
    let many = call(
        url,
        "getMultipleAccounts",
        json!([[token.to_string(), Pubkey::new_unique().to_string()], {"encoding": "base64"}]),
    )
    .await;
    assert!(many["result"]["value"][0]["data"].is_array() && many["result"]["value"][1].is_null());
    // The encoding the Rust RpcClient asks for by default.
    let packed = call(
        url,
        "getMultipleAccounts",
        json!([[token.to_string()], {"encoding": "base64+zstd"}]),
    )
    .await;
    let ui: solana_account_decoder_client_types::UiAccount =
        serde_json::from_value(packed["result"]["value"][0].clone()).unwrap();
    assert_eq!(ui.data.decode().map(|d| d.len()), Some(165), "{packed}");
    let rent = call(url, "getMinimumBalanceForRentExemption", json!([165])).await;
    assert_eq!(rent["result"], 2_039_280);
    let epoch = call(url, "getEpochInfo", json!([])).await;
    assert_eq!(epoch["result"]["slotsInEpoch"], 432_000);
    // What wallets and @solana/kit ask of a node besides the Tessera calls.
    let schedule = call(url, "getEpochSchedule", json!([])).await;
    assert_eq!(schedule["result"]["slotsPerEpoch"], 432_000, "{schedule}");
    assert_eq!(schedule["result"]["warmup"], false);
    let nodes = call(url, "getClusterNodes", json!([])).await;
    assert_eq!(
        nodes["result"][0]["rpc"],
        url.trim_start_matches("http://"),
        "{nodes}"
    );
    let supply = call(url, "getTokenSupply", json!([w.usd.to_string()])).await;
    assert_eq!(supply["result"]["value"]["decimals"], 6, "{supply}");
    let minted: u64 = supply["result"]["value"]["amount"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let held: u64 = info["tokenAmount"]["amount"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(minted >= held && held > 0, "{supply}");
    let not_mint = call(url, "getTokenSupply", json!([token.to_string()])).await;
    assert_eq!(not_mint["error"]["code"], -32602, "{not_mint}");
    assert!(not_mint["error"]["message"]
        .as_str()
        .unwrap()
        .contains("is not a token mint"));
    let before = call(url, "getTransactionCount", json!([])).await["result"]
        .as_u64()
        .unwrap();
    assert!(before > 0, "the demo's seeding landed transactions");
    call(
        url,
        "requestAirdrop",
        json!([Pubkey::new_unique().to_string(), 1_000_000]),
    )
    .await;
    let after = call(url, "getTransactionCount", json!([])).await["result"]
        .as_u64()
        .unwrap();
    assert_eq!(after, before + 1);
}

async fn next_json(
    ws: &mut (impl futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>>
              + Unpin),
) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a message in time")
            .expect("open")
            .expect("ok");
        if let Message::Text(text) = message {
            return serde_json::from_str(&text).unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn subscriptions_notify_signatures_accounts_logs_and_slots() {
    let (node, w, _) = started(Seed::Protocol).await;
    let (mut ws, _) = tokio_tungstenite::connect_async(&node.ws_url)
        .await
        .expect("websocket");
    let to = Pubkey::new_unique();
    let hash = w.chain.latest_blockhash().await.unwrap().to_string();
    let wire = transfer_tx(&w.admin, &to, 3_000_000, &hash);
    let tx: solana_sdk::transaction::Transaction = bincode::deserialize(
        &base64::engine::general_purpose::STANDARD
            .decode(&wire)
            .unwrap(),
    )
    .unwrap();
    let requests = [
        json!({"jsonrpc": "2.0", "id": 1, "method": "signatureSubscribe", "params": [tx.signatures[0].to_string(), {"commitment": "confirmed"}]}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "accountSubscribe", "params": [to.to_string(), {"encoding": "base64"}]}),
        json!({"jsonrpc": "2.0", "id": 3, "method": "logsSubscribe", "params": [{"mentions": [to.to_string()]}]}),
        json!({"jsonrpc": "2.0", "id": 4, "method": "accountSubscribe", "params": ["nonsense"]}),
    ];
    let mut subs = Vec::new();
    for r in &requests {
        ws.send(Message::Text(r.to_string().into())).await.unwrap();
        subs.push(next_json(&mut ws).await);
    }
    assert_eq!(
        subs[3]["error"]["code"], -32602,
        "a bad subscription is an error, not a closed socket"
    );
    let reply = call(
        &node.url,
        "sendTransaction",
        json!([wire, {"encoding": "base64"}]),
    )
    .await;
    assert!(reply["result"].is_string(), "{reply}");
    let mut seen = std::collections::HashMap::new();
    while seen.len() < 3 {
        let n = next_json(&mut ws).await;
        seen.insert(n["method"].as_str().unwrap().to_string(), n);
    }
    assert!(seen["signatureNotification"]["params"]["result"]["value"]["err"].is_null());
    assert_eq!(
        seen["signatureNotification"]["params"]["subscription"],
        subs[0]["result"]
    );
    assert_eq!(
        seen["accountNotification"]["params"]["result"]["value"]["lamports"],
        3_000_000
    );
    assert_eq!(
        seen["logsNotification"]["params"]["result"]["value"]["signature"],
        tx.signatures[0].to_string()
    );
    // A signature that already landed is notified on subscription.
    ws.send(Message::Text(requests[0].to_string().into()))
        .await
        .unwrap();
    assert!(next_json(&mut ws).await["result"].is_u64());
    assert_eq!(next_json(&mut ws).await["method"], "signatureNotification");
    ws.send(Message::Text(
        json!({"jsonrpc": "2.0", "id": 5, "method": "slotSubscribe"})
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    let id = next_json(&mut ws).await["result"].clone();
    let slot = next_json(&mut ws).await;
    assert_eq!(slot["method"], "slotNotification");
    assert!(slot["params"]["result"]["slot"].is_u64());
    let gone = json!({"jsonrpc": "2.0", "id": 6, "method": "slotUnsubscribe", "params": [id]});
    ws.send(Message::Text(gone.to_string().into()))
        .await
        .unwrap();
    loop {
        let n = next_json(&mut ws).await;
        if n["id"] == 6 {
            assert_eq!(n["result"], true);
            break;
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_blockhash_outlives_a_person_signing_at_their_own_pace() {
    // program-test registers a blockhash every 6.4 ms while its runtime runs; the chain drives
    // it only per request, so a blockhash taken now still lands a transaction seconds later.
    let (node, w, _) = started(Seed::Protocol).await;
    let url = &node.url;
    let hash = call(url, "getLatestBlockhash", json!([])).await["result"]["value"]["blockhash"]
        .as_str()
        .unwrap()
        .to_string();
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(150)).await;
        call(url, "getSlot", json!([])).await;
    }
    assert_eq!(
        call(url, "isBlockhashValid", json!([hash])).await["result"]["value"],
        true
    );
    let sent = call(url, "sendTransaction", json!([transfer_tx(&w.admin, &Pubkey::new_unique(), 1_000_000, &hash), {"encoding": "base64"}])).await;
    assert!(sent["result"].is_string(), "{sent}");
}

#[tokio::test(flavor = "multi_thread")]
async fn blocks_hold_the_transactions_of_their_slot_and_link_to_the_one_before() {
    let (node, w, _) = started(Seed::Demo).await;
    let url = &node.url;
    let lease = tessera_client::pda::find_lease_address(
        &ix::NodeKeys::derive(w.operator.pubkey(), 0).node,
        0,
    )
    .0;
    let history = call(url, "getSignaturesForAddress", json!([lease.to_string()])).await;
    let settle = history["result"][1]["signature"].clone();
    let tx = call(url, "getTransaction", json!([settle, "json"])).await["result"].clone();
    let slot = tx["slot"].as_u64().unwrap();

    let block = call(url, "getBlock", json!([slot])).await["result"].clone();
    let sigs: Vec<&Value> = block["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| &t["transaction"]["signatures"][0])
        .collect();
    assert!(sigs.contains(&&settle), "{block}");
    // The block's time is its first transaction's.
    assert!(block["blockTime"].as_i64().unwrap() <= tx["blockTime"].as_i64().unwrap());
    assert_eq!(block["blockHeight"], slot);
    assert_eq!(block["rewards"], json!([]));
    let parent = block["parentSlot"].as_u64().unwrap();
    assert!(parent < slot);
    if parent > 0 {
        let before = call(
            url,
            "getBlock",
            json!([parent, {"transactionDetails": "none"}]),
        )
        .await;
        assert_eq!(before["result"]["blockhash"], block["previousBlockhash"]);
    }
    let only = call(
        url,
        "getBlock",
        json!([slot, {"transactionDetails": "signatures", "rewards": false}]),
    )
    .await;
    assert_eq!(
        only["result"]["signatures"].as_array().unwrap().len(),
        sigs.len()
    );
    assert!(
        only["result"].get("transactions").is_none() && only["result"].get("rewards").is_none()
    );
    let bad = call(
        url,
        "getBlock",
        json!([slot, {"transactionDetails": "accounts"}]),
    )
    .await;
    assert_eq!(bad["error"]["code"], -32602, "{bad}");
    assert!(bad["error"]["message"]
        .as_str()
        .unwrap()
        .contains("full, signatures and none"));

    // Slots pass with nothing landing: no block, as a skipped slot; a future slot is refused.
    let now = call(url, "getSlot", json!([])).await["result"]
        .as_u64()
        .unwrap();
    let mut later = now;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        later = call(url, "getSlot", json!([])).await["result"]
            .as_u64()
            .unwrap();
        if later >= now + 2 {
            break;
        }
    }
    assert!(later >= now + 2, "the slot advances");
    let skipped = call(url, "getBlock", json!([now + 1])).await;
    assert_eq!(skipped["error"]["code"], -32007, "{skipped}");
    let future = call(url, "getBlock", json!([later + 1_000])).await;
    assert_eq!(future["error"]["code"], -32004, "{future}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_simulation_returns_the_accounts_it_would_leave_and_changes_nothing() {
    let (node, _, _) = started(Seed::Protocol).await;
    let url = &node.url;
    let from = Keypair::new();
    let funded = 1_000_000_000u64;
    call(
        url,
        "requestAirdrop",
        json!([from.pubkey().to_string(), funded]),
    )
    .await;
    let to = Pubkey::new_unique();
    let hash = call(url, "getLatestBlockhash", json!([])).await["result"]["value"]["blockhash"]
        .as_str()
        .unwrap()
        .to_string();
    let tx = transfer_tx(&from, &to, 5_000_000, &hash);
    let addresses = json!([from.pubkey().to_string(), to.to_string()]);
    let balance = |key: Pubkey| async move {
        call(url, "getBalance", json!([key.to_string()])).await["result"]["value"].clone()
    };

    let sim = call(
        url,
        "simulateTransaction",
        json!([tx, {"encoding": "base64", "accounts": {"addresses": addresses}}]),
    )
    .await;
    let value = &sim["result"]["value"];
    assert!(value["err"].is_null(), "{sim}");
    assert_eq!(value["accounts"][0]["lamports"], funded - 5_000_000 - 5_000);
    assert_eq!(value["accounts"][1]["lamports"], 5_000_000);
    assert_eq!(value["accounts"][1]["data"][1], "base64");
    // Nothing moved, and the same transaction still lands afterwards.
    assert_eq!(balance(from.pubkey()).await, funded);
    assert_eq!(balance(to).await, 0);
    let sent = call(url, "sendTransaction", json!([tx, {"encoding": "base64"}])).await;
    assert!(sent["result"].is_string(), "{sent}");
    assert_eq!(balance(to).await, 5_000_000);

    // Without the option there are no accounts; a failing simulation leaves none.
    let plain = call(
        url,
        "simulateTransaction",
        json!([tx, {"encoding": "base64"}]),
    )
    .await;
    assert!(plain["result"]["value"]["accounts"].is_null(), "{plain}");
    let too_much = transfer_tx(&from, &to, 10 * funded, &hash);
    let failed = call(
        url,
        "simulateTransaction",
        json!([too_much, {"encoding": "base64", "accounts": {"addresses": addresses}}]),
    )
    .await;
    assert!(!failed["result"]["value"]["err"].is_null(), "{failed}");
    assert_eq!(failed["result"]["value"]["accounts"], json!([null, null]));
    // Refusals in words: base58, and more addresses than the transaction names.
    let base58 = call(
        url,
        "simulateTransaction",
        json!([tx, {"encoding": "base64", "accounts": {"addresses": addresses, "encoding": "base58"}}]),
    )
    .await;
    assert_eq!(base58["error"]["code"], -32602, "{base58}");
    assert!(base58["error"]["message"]
        .as_str()
        .unwrap()
        .ends_with("base58 encoding not supported"));
    let many: Vec<String> = (0..4).map(|_| Pubkey::new_unique().to_string()).collect();
    let too_many = call(
        url,
        "simulateTransaction",
        json!([tx, {"encoding": "base64", "accounts": {"addresses": many}}]),
    )
    .await;
    assert_eq!(too_many["error"]["code"], -32602, "{too_many}");
    assert!(too_many["error"]["message"]
        .as_str()
        .unwrap()
        .contains("Too many accounts provided; max 3"));
}
