//! The client SDK against the in-process chain: builders, fetch and decode, error mapping,
//! metrics, through the same `Chain` trait the RPC back end implements.
#![allow(deprecated)]

use anchor_spl::token::spl_token;
use solana_sdk::program_pack::Pack;
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
    let lamports = solana_sdk::rent::Rent::default().minimum_balance(spl_token::state::Mint::LEN);
    let ixs = [
        anchor_lang::solana_program::system_instruction::create_account(
            &chain.payer(),
            &mint.pubkey(),
            lamports,
            spl_token::state::Mint::LEN as u64,
            &spl_token::ID,
        ),
        spl_token::instruction::initialize_mint2(
            &spl_token::ID,
            &mint.pubkey(),
            &authority.pubkey(),
            None,
            decimals,
        )
        .unwrap(),
    ];
    chain.send(&ixs, &[&mint]).await.expect("mint");
    mint.pubkey()
}

async fn token_account(chain: &LocalChain, mint: Pubkey, owner: Pubkey) -> Pubkey {
    let account = Keypair::new();
    let lamports =
        solana_sdk::rent::Rent::default().minimum_balance(spl_token::state::Account::LEN);
    let ixs = [
        anchor_lang::solana_program::system_instruction::create_account(
            &chain.payer(),
            &account.pubkey(),
            lamports,
            spl_token::state::Account::LEN as u64,
            &spl_token::ID,
        ),
        spl_token::instruction::initialize_account3(
            &spl_token::ID,
            &account.pubkey(),
            &mint,
            &owner,
        )
        .unwrap(),
    ];
    chain.send(&ixs, &[&account]).await.expect("token account");
    account.pubkey()
}

#[tokio::test]
async fn the_sdk_drives_a_deposit_end_to_end_on_the_local_chain() {
    let chain = LocalChain::start().await;
    let payer = chain.payer_keypair().insecure_clone();
    let usd = mint(&chain, &payer, 6).await;
    let stake = mint(&chain, &payer, 9).await;
    let treasury = token_account(&chain, usd, payer.pubkey()).await;
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

    let usd_account = token_account(&chain, usd, payer.pubkey()).await;
    let shares = token_account(&chain, p.share_mint, payer.pubkey()).await;
    let ix = spl_token::instruction::mint_to(
        &spl_token::ID,
        &usd,
        &usd_account,
        &payer.pubkey(),
        &[],
        500 * UNIT,
    )
    .unwrap();
    chain.send(&[ix], &[]).await.expect("fund");
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
