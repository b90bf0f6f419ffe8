//! The client SDK through the `Chain` trait, on both back ends: the in-process chain directly,
//! and the RPC back end (the Solana RPC client over HTTP) against the in-process chain's JSON-RPC
//! endpoint. Builders, fetch and decode, listing, error mapping, metrics.
#![allow(deprecated)]

use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;
use std::sync::Arc;
use tessera::error::TesseraError;
use tessera::state::Pool;

use tessera_client::chain::{fetch, list, token_balance};
use tessera_client::instructions::{self, PoolKeys};
use tessera_client::rpc::RpcChain;
use tessera_client::{metrics, Chain, ClientError};
use tessera_localnet::LocalChain;
use tessera_localnet::{ClockMode, Endpoint, Options};
use tessera_tests::code;
use tessera_tests::fixture::{bps, default_params, UNIT};

async fn mint(chain: &dyn Chain, authority: &Keypair, decimals: u8) -> Pubkey {
    let mint = Keypair::new();
    let ixs = instructions::create_mint(
        &chain.payer(),
        &mint.pubkey(),
        &authority.pubkey(),
        decimals,
    );
    chain.send(&ixs, &[&mint]).await.expect("mint");
    mint.pubkey()
}

#[tokio::test]
async fn the_sdk_drives_a_deposit_end_to_end_on_the_local_chain() {
    let local = LocalChain::start().await;
    let payer = local.payer_keypair().insecure_clone();
    let now = drive_a_deposit(&local, &payer).await;
    // The bank's clock moves on request.
    local.advance_clock(3_600).await.unwrap();
    assert_eq!(local.unix_timestamp().await.unwrap(), now + 3_600);
}

#[tokio::test]
async fn the_rpc_back_end_does_the_same_over_json_rpc() {
    let (local, _node, rpc) = over_json_rpc().await;
    let payer = local.payer_keypair().insecure_clone();
    rpc.check_program().await.unwrap();
    let now = drive_a_deposit(&rpc, &payer).await;
    local.advance_clock(60).await.unwrap();
    assert_eq!(rpc.unix_timestamp().await.unwrap(), now + 60);
    // Listing goes through getProgramAccounts with memcmp filters.
    let pools = list::<Pool>(&rpc, &[]).await.unwrap();
    assert_eq!(pools.len(), 1);
    let none = list::<Pool>(&rpc, &[(8, Pubkey::new_unique())])
        .await
        .unwrap();
    assert!(none.is_empty());
}

/// A fresh in-process chain, its JSON-RPC endpoint, and an `RpcChain` on it paying with the
/// bank's payer.
async fn over_json_rpc() -> (Arc<LocalChain>, Endpoint, RpcChain) {
    let local = Arc::new(LocalChain::start().await);
    let node = tessera_localnet::serve(local.clone(), Options::ephemeral(ClockMode::Manual))
        .await
        .unwrap();
    let rpc = RpcChain::new(&node.url, local.payer_keypair().insecure_clone());
    (local, node, rpc)
}

/// Mints, initialises the protocol, creates a pool and deposits through `chain`; checks reads,
/// refusals and decoding; returns the chain time.
async fn drive_a_deposit(chain: &dyn Chain, payer: &Keypair) -> i64 {
    let usd = mint(chain, payer, 6).await;
    let stake = mint(chain, payer, 9).await;
    let treasury = instructions::associated_token_address(&payer.pubkey(), &usd);
    chain
        .send(
            &[instructions::create_associated_token_account(
                &payer.pubkey(),
                &payer.pubkey(),
                &usd,
            )],
            &[],
        )
        .await
        .expect("treasury");
    let ix = instructions::initialize_protocol(
        payer.pubkey(),
        usd,
        stake,
        treasury,
        default_params(),
        payer.pubkey(),
    );
    chain.send(&[ix], &[]).await.expect("initialize");
    let args = tessera::CreatePoolArgs {
        pool_id: 1,
        gpu_model: [0; 32],
        target_gpu_count: 8,
        operator_fee_bps: bps(1_000),
        credit_limit: 0,
    };
    chain
        .send(&[instructions::create_pool(payer.pubkey(), usd, args)], &[])
        .await
        .expect("pool");
    let p = PoolKeys::derive(payer.pubkey(), 1);

    let me = payer.pubkey();
    let usd_account = instructions::associated_token_address(&me, &usd);
    let shares = instructions::associated_token_address(&me, &p.share_mint);
    let mut ixs = instructions::mint_to_owner(&me, &usd, &me, &me, 500 * UNIT);
    ixs.push(instructions::create_associated_token_account(
        &me,
        &me,
        &p.share_mint,
    ));
    chain.send(&ixs, &[]).await.expect("fund");
    chain
        .send(
            &[instructions::deposit(
                &p,
                &instructions::InvestorAccounts {
                    investor: payer.pubkey(),
                    token: usd_account,
                    shares,
                },
                500 * UNIT,
                0,
            )],
            &[],
        )
        .await
        .expect("deposit");

    let pool: Pool = fetch(chain, &p.pool).await.expect("fetch pool");
    assert_eq!((pool.cash, pool.total_shares), (500 * UNIT, 500 * UNIT));
    assert_eq!(token_balance(chain, &shares).await.unwrap(), 500 * UNIT);
    let now = chain.unix_timestamp().await.unwrap();
    assert_eq!(metrics::share_value(&pool, 6, now), Some(UNIT));
    assert_eq!(metrics::capital_utilisation(&pool), 0.0);

    // Refusals carry the program's code and Anchor's error name.
    let err = chain
        .send(
            &[instructions::deposit(
                &p,
                &instructions::InvestorAccounts {
                    investor: payer.pubkey(),
                    token: usd_account,
                    shares,
                },
                0,
                0,
            )],
            &[],
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(code(TesseraError::ZeroAmount)));
    assert!(err.to_string().contains("ZeroAmount"), "{err}");
    // Missing and mistyped accounts are named.
    let nowhere = Pubkey::new_unique();
    assert!(
        matches!(fetch::<Pool>(chain, &nowhere).await, Err(ClientError::AccountNotFound(a)) if a == nowhere)
    );
    assert!(
        matches!(fetch::<Pool>(chain, &p.vault).await, Err(ClientError::Decode { address, .. }) if address == p.vault)
    );

    now
}

#[tokio::test]
async fn rpc_retries_after_lost_responses_and_outages_never_land_twice() {
    let (local, node, rpc) = over_json_rpc().await;
    let payer = local.payer_keypair().insecure_clone();
    let to = Pubkey::new_unique();
    let pay = |lamports| {
        anchor_lang::solana_program::system_instruction::transfer(&payer.pubkey(), &to, lamports)
    };
    let balance = || async { local.account(&to).await.unwrap().map_or(0, |a| a.lamports) };
    // The transfer lands but its response is lost: the retry finds it instead of paying again.
    node.lose_next_responses(1);
    rpc.send(&[pay(1_000_000)], &[]).await.unwrap();
    assert_eq!(balance().await, 1_000_000);
    // The node refuses twice, then takes it: one transfer.
    node.refuse_next_sends(2);
    rpc.send(&[pay(2_000_000)], &[]).await.unwrap();
    assert_eq!(balance().await, 3_000_000);
    // A node that stays down: a transport error after the last attempt, nothing paid.
    node.refuse_next_sends(u32::MAX);
    match rpc.send(&[pay(4_000_000)], &[]).await {
        Err(e @ ClientError::Unreachable { .. }) => {
            assert!(e.to_string().contains("the node answered 503"), "{e}")
        }
        other => panic!("expected a transport error, got {other:?}"),
    }
    assert_eq!(balance().await, 3_000_000);
}

// Multi-threaded: the raw requests below block their thread while the endpoint answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_json_rpc_endpoint_bounds_requests_and_survives_bad_ones() {
    use std::io::{Read, Write};
    let (_local, node, rpc) = over_json_rpc().await;
    let addr = node.url.trim_start_matches("http://").to_string();
    let raw = |request: &str| {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        s.write_all(request.as_bytes()).unwrap();
        // `Connection: close`: the server answers, then closes. The client sends nothing more
        // (a half-close arriving after the server closed would draw a reset that can discard
        // the answer) and reads to the end.
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        out
    };
    let huge =
        raw("POST / HTTP/1.1\r\nContent-Length: 100000000000000\r\nConnection: close\r\n\r\n");
    assert!(huge.starts_with("HTTP/1.1 413"), "{huge}");
    let garbage = raw("POST / HTTP/1.1\r\nContent-Length: 5\r\nConnection: close\r\n\r\n{nope");
    assert!(garbage.contains("\"error\""), "{garbage}");
    // Still serving.
    rpc.account(&Pubkey::new_unique())
        .await
        .expect("the endpoint is alive");
}
