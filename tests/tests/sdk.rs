//! The client SDK against the in-process chain: builders, fetch and decode, error mapping,
//! metrics, through the same `Chain` trait the RPC back end implements.
#![allow(deprecated)]

use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;
use tessera::error::TesseraError;
use tessera::state::Pool;
use tessera_client::chain::{fetch, token_balance};
use tessera_client::instructions::{self, PoolKeys};
use tessera_client::local::LocalChain;
use tessera_client::{metrics, Chain, ClientError};
use tessera_tests::code;
use tessera_tests::fixture::{default_params, UNIT};

async fn mint(chain: &LocalChain, authority: &Keypair, decimals: u8) -> Pubkey {
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
    let chain = LocalChain::start().await;
    let payer = chain.payer_keypair().insecure_clone();
    let usd = mint(&chain, &payer, 6).await;
    let stake = mint(&chain, &payer, 9).await;
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
        operator_fee_bps: 1_000,
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
                payer.pubkey(),
                usd_account,
                shares,
                500 * UNIT,
                0,
            )],
            &[],
        )
        .await
        .expect("deposit");

    let pool: Pool = fetch(&chain, &p.pool).await.expect("fetch pool");
    assert_eq!((pool.cash, pool.total_shares), (500 * UNIT, 500 * UNIT));
    assert_eq!(token_balance(&chain, &shares).await.unwrap(), 500 * UNIT);
    let now = chain.unix_timestamp().await.unwrap();
    assert_eq!(metrics::share_value(&pool, 6, now, 86_400), Some(UNIT));
    assert_eq!(metrics::capital_utilisation(&pool), 0.0);

    // Refusals carry the program's code and Anchor's error name.
    let err = chain
        .send(
            &[instructions::deposit(
                &p,
                payer.pubkey(),
                usd_account,
                shares,
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
        matches!(fetch::<Pool>(&chain, &nowhere).await, Err(ClientError::AccountNotFound(a)) if a == nowhere)
    );
    assert!(
        matches!(fetch::<Pool>(&chain, &p.vault).await, Err(ClientError::Decode { address, .. }) if address == p.vault)
    );

    // The bank's clock moves on request.
    chain.advance_clock(3_600).await.unwrap();
    assert_eq!(chain.unix_timestamp().await.unwrap(), now + 3_600);
}
