//! A lifecycle that runs on whichever chain the environment names: the in-process chain by
//! default, or a real cluster when `TESSERA_RPC_URL` (or Anchor's `ANCHOR_PROVIDER_URL`, set by
//! `anchor test`) is given, paying with `ANCHOR_WALLET` (default `~/.config/solana/id.json`).
//! It never warps time or injects accounts, and uses fresh keys, mints and pool ids, so it can
//! run against a validator that other runs have used.
#![allow(deprecated)]

use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;
use tessera::state::{Lease, NodeSpec, Pool, Protocol, ProtocolParams};
use tessera_client::chain::{fetch, token_balance};
use tessera_client::instructions::{self as ix, NodeKeys, PoolKeys};
use tessera_client::{pda, Chain};
use tessera_tests::fixture::bps;

const UNIT: u64 = 1_000_000;

/// The chain under test and its funded payer.
async fn chain() -> (Box<dyn Chain>, Keypair, &'static str) {
    let url = std::env::var("TESSERA_RPC_URL").or_else(|_| std::env::var("ANCHOR_PROVIDER_URL"));
    match url {
        Ok(url) => {
            let wallet = std::env::var("ANCHOR_WALLET")
                .map(std::path::PathBuf::from)
                .unwrap_or_else(|_| {
                    std::path::PathBuf::from(std::env::var("HOME").unwrap_or_default())
                        .join(".config/solana/id.json")
                });
            let payer =
                tessera_client::keypair::read_keypair(&wallet).expect("wallet for the RPC run");
            let chain = tessera_client::rpc::RpcChain::new(&url, payer.insecure_clone());
            chain
                .check_program()
                .await
                .expect("the Tessera program must be deployed there");
            (Box::new(chain), payer, "rpc")
        }
        Err(_) => {
            let chain = tessera_localnet::LocalChain::start().await;
            let payer = chain.payer_keypair().insecure_clone();
            (Box::new(chain), payer, "in-process")
        }
    }
}

async fn funded(chain: &dyn Chain, payer: &Keypair) -> Keypair {
    let kp = Keypair::new();
    let ix = anchor_lang::solana_program::system_instruction::transfer(
        &payer.pubkey(),
        &kp.pubkey(),
        200_000_000,
    );
    chain.send(&[ix], &[]).await.expect("fund wallet");
    kp
}

#[tokio::test]
async fn a_pool_and_a_lease_work_end_to_end_on_this_chain() {
    let (chain, payer, kind) = chain().await;
    let chain = chain.as_ref();
    eprintln!("running against the {kind} chain");
    let me = payer.pubkey();

    // The protocol is a singleton: initialise it with fresh mints unless a previous run did.
    let protocol_address = pda::find_protocol_address().0;
    if chain.account(&protocol_address).await.unwrap().is_none() {
        let (usd, tsr) = (Keypair::new(), Keypair::new());
        chain
            .send(&ix::create_mint(&me, &usd.pubkey(), &me, 6), &[&usd])
            .await
            .unwrap();
        chain
            .send(&ix::create_mint(&me, &tsr.pubkey(), &me, 9), &[&tsr])
            .await
            .unwrap();
        let treasury = ix::associated_token_address(&me, &usd.pubkey());
        let params = ProtocolParams {
            protocol_fee_bps: bps(500),
            staker_share_bps: bps(5_000),
            min_provider_stake: 1_000_000_000,
            unbonding_secs: 3_600,
            dispute_window_secs: 60,
            max_slash_bps: bps(1_000),
            revenue_vesting_secs: 3_600,
            grace_secs: 60,
            params_notice_secs: 3_600,
        };
        chain
            .send(
                &[
                    ix::create_associated_token_account(&me, &me, &usd.pubkey()),
                    ix::initialize_protocol(me, usd.pubkey(), tsr.pubkey(), treasury, params, me),
                ],
                &[],
            )
            .await
            .unwrap();
    }
    let protocol: Protocol = fetch(chain, &protocol_address).await.unwrap();
    let (usd, tsr) = (protocol.settlement_mint, protocol.stake_mint);
    let usd_mint: anchor_spl::token::Mint = fetch(chain, &usd).await.unwrap();
    if usd_mint.mint_authority != Some(me).into() {
        eprintln!(
            "NOT RUN: the protocol here uses a settlement mint this wallet cannot mint ({usd})"
        );
        return;
    }

    let (operator, investor, renter) = (
        funded(chain, &payer).await,
        funded(chain, &payer).await,
        funded(chain, &payer).await,
    );
    let pool_id: u64 = rand_id();
    let args = tessera::CreatePoolArgs {
        pool_id,
        gpu_model: [0; 32],
        target_gpu_count: 8,
        operator_fee_bps: bps(1_000),
        credit_limit: 0,
    };
    chain
        .send(
            &[ix::create_pool(operator.pubkey(), usd, args)],
            &[&operator],
        )
        .await
        .unwrap();
    let pk = PoolKeys::derive(operator.pubkey(), pool_id);

    chain
        .send(
            &ix::mint_to_owner(&me, &usd, &me, &investor.pubkey(), 100 * UNIT),
            &[],
        )
        .await
        .unwrap();
    let (inv_usd, inv_shares) = (
        ix::associated_token_address(&investor.pubkey(), &usd),
        ix::associated_token_address(&investor.pubkey(), &pk.share_mint),
    );
    chain
        .send(
            &[
                ix::create_associated_token_account(&me, &investor.pubkey(), &pk.share_mint),
                ix::deposit(
                    &pk,
                    &ix::InvestorAccounts {
                        investor: investor.pubkey(),
                        token: inv_usd,
                        shares: inv_shares,
                    },
                    100 * UNIT,
                    0,
                ),
            ],
            &[&investor],
        )
        .await
        .unwrap();
    chain
        .send(
            &[ix::redeem(
                &pk,
                &ix::InvestorAccounts {
                    investor: investor.pubkey(),
                    token: inv_usd,
                    shares: inv_shares,
                },
                40 * UNIT,
                40 * UNIT,
            )],
            &[&investor],
        )
        .await
        .unwrap();
    assert_eq!(token_balance(chain, &inv_usd).await.unwrap(), 40 * UNIT);

    let min = protocol.params.min_provider_stake;
    chain
        .send(
            &ix::mint_to_owner(&me, &tsr, &me, &operator.pubkey(), min),
            &[],
        )
        .await
        .unwrap();
    let stake = ix::associated_token_address(&operator.pubkey(), &tsr);
    chain
        .send(
            &[
                ix::stake(operator.pubkey(), stake, min),
                ix::register_provider(operator.pubkey()),
            ],
            &[&operator],
        )
        .await
        .unwrap();
    let spec = NodeSpec {
        gpu_model: [1; 32],
        gpu_count: 8,
        vram_mib: 81_559,
        price_per_gpu_hour: 2 * UNIT,
        min_lease_secs: 60,
        max_lease_secs: 86_400,
    };
    chain
        .send(
            &[ix::register_node(
                operator.pubkey(),
                pk.pool,
                0,
                spec,
                Keypair::new().pubkey(),
            )],
            &[&operator],
        )
        .await
        .unwrap();
    let nk = NodeKeys::derive(operator.pubkey(), 0);

    chain
        .send(
            &ix::mint_to_owner(&me, &usd, &me, &renter.pubkey(), 10 * UNIT),
            &[],
        )
        .await
        .unwrap();
    let renter_usd = ix::associated_token_address(&renter.pubkey(), &usd);
    let open = tessera::OpenLeaseArgs {
        gpu_count: 2,
        duration_secs: 3_600,
        max_price_per_gpu_hour: 2 * UNIT,
        job_hash: [0; 32],
        job_uri: String::new(),
    };
    chain
        .send(
            &[ix::open_lease(
                &nk,
                &pk,
                &ix::RenterAccounts {
                    renter: renter.pubkey(),
                    token: renter_usd,
                },
                0,
                open,
            )],
            &[&renter],
        )
        .await
        .unwrap();
    let lease = pda::find_lease_address(&nk.node, 0).0;
    let l: Lease = fetch(chain, &lease).await.unwrap();
    assert_eq!(l.escrow, 4 * UNIT);
    // The renter closes at once: whatever allocated time passed is charged, the rest refunded.
    chain
        .send(
            &[ix::close_lease(
                renter.pubkey(),
                &nk,
                &pk,
                lease,
                &ix::RenterAccounts {
                    renter: renter.pubkey(),
                    token: renter_usd,
                },
            )],
            &[&renter],
        )
        .await
        .unwrap();
    let paid = 10 * UNIT - token_balance(chain, &renter_usd).await.unwrap();
    let pool: Pool = fetch(chain, &pk.pool).await.unwrap();
    assert_eq!(pool.escrowed, 0);
    assert_eq!(
        pool.cash + pool.operator_owed + pool.protocol_fees_owed,
        60 * UNIT + paid,
        "every unit the renter paid is in the pool's ledger"
    );
}

/// A pool id unlikely to collide with earlier runs on a shared validator.
fn rand_id() -> u64 {
    let k = Keypair::new().pubkey().to_bytes();
    u64::from_le_bytes([k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7]])
}
