//! The indexer against a local network and a real PostgreSQL, each test on the demo's world:
//! random traffic with the indexer killed twice mid-stream; a 20 s database outage under
//! traffic; the node's chain replaced by another; shares moved between wallets and redeemed
//! through the queue. Each ends with what is indexed compared against the chain.

mod support;

use std::time::{Duration, Instant};

use solana_sdk::signer::Signer;
use tessera_client::chain::{fetch, token_balance};
use tessera_client::instructions::{self as ix};
use tessera_client::state::{Lease, Node, Pool};
use tessera_localnet::world::{send, UNIT};
use tessera_localnet::{ClockMode, Options};

use support::{
    assert_holds_chain, caught_up, connect, free_port, get, spawn_indexer, until_status, Setup,
    Traffic,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_indexer_killed_twice_holds_exactly_what_the_chain_holds() {
    let Some(s) = Setup::start().await else {
        return;
    };
    let port = free_port();
    let args = ["--poll-ms", "200"];
    let mut indexer = spawn_indexer(&s.node, &s.pg.url(), port, &args);
    let mut traffic = Traffic::new(&s.w);
    for step in 0..36 {
        traffic.step().await;
        if step == 12 || step == 24 {
            indexer.0.kill().expect("SIGKILL");
            let _ = indexer.0.wait();
            indexer = spawn_indexer(&s.node, &s.pg.url(), port, &args);
        }
    }
    let db = connect(&s.pg.url()).await;
    caught_up(&db, &s.chain, Duration::from_secs(60)).await;
    assert_holds_chain(&db, &s.chain).await;
    assert!(
        support::chain_events(&s.chain).await.len() > 60,
        "traffic produced events"
    );

    // A settle changes the provider's record: its row is rewritten, its nodes' rows are not.
    let versions = |table: &'static str| {
        let db = &db;
        async move {
            let sql = format!("SELECT address, xmin::TEXT FROM {table} ORDER BY address");
            let rows = db.query(&sql, &[]).await.unwrap();
            rows.iter()
                .map(|r| (r.get::<_, String>(0), r.get::<_, String>(1)))
                .collect::<Vec<_>>()
        }
    };
    let (nodes_before, providers_before) = (versions("nodes").await, versions("providers").await);
    let (nk, lease) = *traffic
        .leases
        .iter()
        .find(|(_, l)| !traffic.disputed.contains(l))
        .expect("an undisputed lease");
    tessera_localnet::seed::receipt(&s.w, &nk, lease)
        .await
        .unwrap();
    s.chain.advance_clock(61).await.unwrap();
    send(&s.chain, vec![ix::settle(&nk, &s.w.pool, lease)], vec![])
        .await
        .unwrap();
    caught_up(&db, &s.chain, Duration::from_secs(60)).await;
    assert_eq!(
        versions("nodes").await,
        nodes_before,
        "no node row rewritten"
    );
    assert_ne!(
        versions("providers").await,
        providers_before,
        "the provider row is"
    );

    // Histories from the indexer are the chain's: the same transactions with the same events,
    // so a lease's statement and a node's earnings read from either are equal.
    let api = format!("http://127.0.0.1:{port}");
    let with_events = |h: Vec<tessera_client::chain::Landed>| {
        h.into_iter()
            .filter(|l| !l.events.is_empty())
            .map(|l| (l.signature, l.block_time, format!("{:?}", l.events)))
            .collect::<Vec<_>>()
    };
    for address in [lease, nk.node] {
        let from_chain = tessera_client::Chain::history(&*s.chain, &address)
            .await
            .unwrap();
        let from_indexer = tessera_client::indexer::history(&api, &address)
            .await
            .unwrap();
        assert!(!from_indexer.is_empty());
        assert_eq!(
            tessera_client::statement::LeaseStatement::from_history(&address, &from_indexer),
            tessera_client::statement::LeaseStatement::from_history(&address, &from_chain),
        );
        assert_eq!(
            tessera_client::statement::node_earnings(&address, &from_indexer),
            tessera_client::statement::node_earnings(&address, &from_chain),
        );
        // A lease's history is the same transactions either way; a node's, read from the
        // indexer, also holds its leases' disputes (which touch only the lease).
        if address == lease {
            assert!(
                with_events(from_indexer) == with_events(from_chain),
                "{address}"
            );
        }
    }

    // The read API against the chain.
    let nodes: Vec<Node> = tessera_client::chain::all_nodes(&*s.chain)
        .await
        .unwrap()
        .into_iter()
        .map(|(_, n)| n)
        .collect();
    let (status, market) = get(port, "/market?sort=free&limit=10&include_full=true").await;
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
    let (_, by_model) = get(port, "/market?model=%25&include_full=true").await;
    assert_eq!(
        by_model["items"],
        serde_json::json!([]),
        "% is matched literally"
    );
    let (lease_node, lease) = traffic.leases[0];
    let (_, receipts) = get(port, &format!("/leases/{lease}/receipts")).await;
    let submitted = receipts["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["name"] == "ReceiptSubmitted")
        .count();
    if let Ok(l) = fetch::<Lease>(&*s.chain, &lease).await {
        assert_eq!(submitted as u64, l.last_seq, "every receipt of the lease");
    }
    let (_, by_node) = get(
        port,
        &format!("/nodes/{}/receipts?limit=100", lease_node.node),
    )
    .await;
    assert!(by_node["items"].as_array().unwrap().len() >= submitted);
    let (_, pools) = get(port, "/pools").await;
    assert_eq!(pools[0]["address"], s.w.pool.pool.to_string());
    let (status, health) = get(port, "/health").await;
    assert_eq!(
        (status, &health["status"]),
        (200, &serde_json::json!("ok")),
        "{health}"
    );
    // Bad parameters: a 400 in words; no unbounded page.
    for (path, words) in [
        ("/market?limit=1000", "limit must be between 1 and 100"),
        (
            "/market?sort=cheapest",
            "sort must be price, free, tflops or reputation",
        ),
        ("/market?min_free=lots", "min_free"),
        ("/market?min_free=-1", "min_free must be 0 or more"),
        ("/market?max_price=-5", "max_price must be 0 or more"),
        ("/market?min_receipts=-1", "min_receipts must be 0 or more"),
        (
            "/market?min_tflops=NaN",
            "min_tflops must be a finite number",
        ),
        (
            "/market?min_tflops=inf",
            "min_tflops must be a finite number",
        ),
        (
            "/market?min_tflops=-1",
            "min_tflops must be a finite number, 0 or more",
        ),
        ("/market?max_prize=5", "unknown field `max_prize`"),
        ("/pools?page=2", "unknown field `page`"),
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
    let (status, body) = get(port, &format!("/leases/{lease}/receipts?limt=5")).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("unknown field `limt`"),
        "{body}"
    );
    let (status, doc) = get(port, "/openapi.json").await;
    assert_eq!(status, 200);
    assert!(
        doc["paths"]["/market"]["get"].is_object(),
        "OpenAPI describes the market search"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_heals_without_a_restart() {
    let Some(s) = Setup::start().await else {
        return;
    };
    let port = free_port();
    let args = ["--poll-ms", "200", "--max-lag-secs", "5"];
    let _indexer = spawn_indexer(&s.node, &s.pg.url(), port, &args);
    let mut traffic = Traffic::new(&s.w);
    for _ in 0..8 {
        traffic.step().await;
    }
    caught_up(
        &connect(&s.pg.url()).await,
        &s.chain,
        Duration::from_secs(60),
    )
    .await;
    until_status(port, "/health", 200, Duration::from_secs(10)).await;

    s.pg.stop();
    let down = Instant::now();
    let mut said = None;
    while down.elapsed() < Duration::from_secs(20) {
        traffic.step().await;
        if said.is_none() && down.elapsed() > Duration::from_secs(2) {
            said = Some(until_status(port, "/health", 503, Duration::from_secs(10)).await);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let said = said.expect("/health was asked during the outage");
    assert_eq!(said["database_reachable"], false, "{said}");
    assert!(
        said["problems"]
            .to_string()
            .contains("the database is unreachable"),
        "{said}"
    );
    let (status, body) = get(port, "/market").await;
    assert_eq!(status, 503, "the API says the database is down: {body}");
    s.pg.launch();

    let db = connect(&s.pg.url()).await;
    caught_up(&db, &s.chain, Duration::from_secs(60)).await;
    assert_holds_chain(&db, &s.chain).await;
    let healthy = until_status(port, "/health", 200, Duration::from_secs(20)).await;
    assert_eq!(healthy["database_reachable"], true, "{healthy}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_chain_behind_the_same_url_is_refused_until_reset() {
    let Some(pg) = support::Postgres::start() else {
        return;
    };
    let fixed = Options {
        rpc: ([127, 0, 0, 1], free_port()).into(),
        ws: ([127, 0, 0, 1], free_port()).into(),
        clock: ClockMode::Manual,
    };
    let (first, _w, node, _dir) = support::world(fixed).await;
    let port = free_port();
    let args = ["--poll-ms", "200"];
    let mut indexer = spawn_indexer(&node, &pg.url(), port, &args);
    let db = connect(&pg.url()).await;
    caught_up(&db, &first, Duration::from_secs(60)).await;

    // The local network restarts: a new genesis behind the same URL.
    drop(node);
    let (second, _w2, node, _dir2) = support::world(fixed).await;
    let (old, new) = (first.genesis_hash(), second.genesis_hash());
    assert_ne!(old, new, "a restarted local network has a new genesis");
    let code = indexer.exit_code(Duration::from_secs(30));
    let words = indexer.stderr();
    assert_eq!(code, Some(1), "{words}");
    for part in [old.to_string(), new.to_string(), "--reset".to_string()] {
        assert!(words.contains(&part), "{part} in: {words}");
    }
    // Started again, it refuses the same way; with --reset it indexes the new chain alone.
    let mut again = spawn_indexer(&node, &pg.url(), port, &args);
    assert_eq!(again.exit_code(Duration::from_secs(30)), Some(1));
    assert!(
        again.stderr().contains(&old.to_string()),
        "{}",
        again.stderr()
    );
    let _reset = spawn_indexer(&node, &pg.url(), port, &["--poll-ms", "200", "--reset"]);
    caught_up(&db, &second, Duration::from_secs(60)).await;
    assert_holds_chain(&db, &second).await;
    let stored: String = db
        .query_one("SELECT genesis_hash FROM chain", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored, new.to_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn positions_follow_share_balances_and_every_payout() {
    let Some(s) = Setup::start().await else {
        return;
    };
    let port = free_port();
    let _indexer = spawn_indexer(&s.node, &s.pg.url(), port, &["--poll-ms", "200"]);
    let w = &s.w;
    let [a, b] = &w.investors;
    let db = connect(&s.pg.url()).await;
    caught_up(&db, &s.chain, Duration::from_secs(60)).await;
    let (_, seeded) = get(port, &format!("/wallets/{}/positions", b.pubkey())).await;
    let deposited: u64 = seeded[0]["deposited"].as_str().unwrap().parse().unwrap();
    support::deposit(w, b, 50 * UNIT).await;
    let shares_of = |k: &solana_sdk::pubkey::Pubkey| {
        let chain = s.chain.clone();
        let at = ix::associated_token_address(k, &w.pool.share_mint);
        async move { token_balance(&*chain, &at).await.unwrap() }
    };
    // `a` gives a third of its shares to `b`; `b` queues two redemptions, one is served and
    // claimed, the other waits.
    let moved = shares_of(&a.pubkey()).await / 3;
    send(
        &w.chain,
        ix::transfer_tokens(&a.pubkey(), &w.pool.share_mint, &b.pubkey(), moved),
        vec![a],
    )
    .await
    .unwrap();
    let b_shares = ix::associated_token_address(&b.pubkey(), &w.pool.share_mint);
    let mut tickets = Vec::new();
    for part in [4, 5] {
        let pool: Pool = fetch(&*s.chain, &w.pool.pool).await.unwrap();
        let seq = pool.next_ticket_seq;
        let shares = shares_of(&b.pubkey()).await / part;
        send(
            &w.chain,
            vec![ix::request_redemption(
                &w.pool,
                b.pubkey(),
                b_shares,
                seq,
                shares,
            )],
            vec![b],
        )
        .await
        .unwrap();
        tickets.push((
            tessera_client::pda::find_ticket_address(&w.pool.pool, seq).0,
            shares,
        ));
    }
    let b_token = ix::associated_token_address(&b.pubkey(), &w.usd);
    let before = token_balance(&*s.chain, &b_token).await.unwrap();
    send(
        &w.chain,
        vec![ix::process_redemptions(&w.pool, &[tickets[0].0])],
        vec![],
    )
    .await
    .unwrap();
    send(
        &w.chain,
        vec![ix::claim_redemption(
            &w.pool,
            b.pubkey(),
            tickets[0].0,
            b_token,
        )],
        vec![b],
    )
    .await
    .unwrap();
    let claimed = token_balance(&*s.chain, &b_token).await.unwrap() - before;
    assert!(claimed > 0);

    caught_up(&db, &s.chain, Duration::from_secs(60)).await;
    let (status, pa) = get(port, &format!("/wallets/{}/positions", a.pubkey())).await;
    assert_eq!(status, 200, "{pa}");
    assert_eq!(
        pa[0]["shares"],
        shares_of(&a.pubkey()).await.to_string(),
        "{pa}"
    );
    let (_, pb) = get(port, &format!("/wallets/{}/positions", b.pubkey())).await;
    assert_eq!(
        pb[0]["shares"],
        shares_of(&b.pubkey()).await.to_string(),
        "{pb}"
    );
    assert_eq!(pb[0]["queued_shares"], tickets[1].1.to_string(), "{pb}");
    assert_eq!(pb[0]["claimable"], "0", "{pb}");
    assert_eq!(pb[0]["redeemed"], claimed.to_string(), "{pb}");
    assert_eq!(
        pb[0]["deposited"],
        (deposited + 50 * UNIT).to_string(),
        "{pb}"
    );
    let (status, body) = get(port, &format!("/wallets/{}/positions?x=1", b.pubkey())).await;
    assert_eq!(status, 400, "{body}");
}
