//! Pools: creation, deposits and instant redemptions, multi-investor yield, write-downs.
#![allow(deprecated)]

use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;
use tessera::error::TesseraError;
use tessera::math::{VIRTUAL_ASSETS, VIRTUAL_SHARES};
use tessera_tests::fixture::bps;
use tessera_tests::fixture::UNIT;
use tessera_tests::{builders, code, Fixture, PoolKeys};

/// The share-price formula, written independently of the program's.
fn value(shares: u64, nav: u64, total: u64) -> u64 {
    (u128::from(shares) * u128::from(nav + VIRTUAL_ASSETS) / u128::from(total + VIRTUAL_SHARES))
        as u64
}

async fn world() -> (Fixture, Keypair, PoolKeys) {
    let mut f = Fixture::new().await;
    let operator = f.user().await;
    let p = f.create_pool(&operator, 1, 1_000, 1_000_000 * UNIT).await;
    (f, operator, p)
}

#[tokio::test]
async fn create_pool_sets_up_mint_vault_and_empty_ledger() {
    let (mut f, operator, p) = world().await;
    let pool = f.pool(&p).await;
    assert_eq!(pool.operator, operator.pubkey());
    assert_eq!(pool.share_mint, p.share_mint);
    assert_eq!(pool.vault, p.vault);
    assert_eq!(pool.total_shares, 0);
    assert_eq!(pool.ledger_total().unwrap(), 0);
    let mint: anchor_spl::token::Mint = f.get(p.share_mint).await;
    assert_eq!(mint.decimals, tessera_tests::fixture::DECIMALS);
    assert_eq!(mint.mint_authority, Some(p.pool).into());
    let vault: anchor_spl::token::TokenAccount = f.get(p.vault).await;
    assert_eq!(vault.owner, p.pool);
    assert_eq!(vault.mint, f.settlement_mint);
}

#[tokio::test]
async fn create_pool_refuses_operator_fee_above_bound() {
    let mut f = Fixture::new().await;
    let operator = f.user().await;
    let args = tessera::CreatePoolArgs {
        pool_id: 9,
        gpu_model: [0; 32],
        target_gpu_count: 1,
        operator_fee_bps: bps(3_001),
        credit_limit: 0,
    };
    let ix = builders::create_pool(operator.pubkey(), f.settlement_mint, args);
    f.send(&[ix], &[&operator])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::OperatorFeeTooHigh));
}

#[tokio::test]
async fn first_deposit_mints_one_share_per_unit_and_redeem_returns_it() {
    let (mut f, _, p) = world().await;
    let alice = f.investor(&p, 1_000 * UNIT).await;
    f.deposit(&p, &alice, 1_000 * UNIT).await;
    assert_eq!(f.balance(p.vault).await, 1_000 * UNIT);
    assert_eq!(f.balance(alice.shares).await, 1_000 * UNIT);
    assert_eq!(f.pool(&p).await.cash, 1_000 * UNIT);

    let ix = builders::redeem(&p, &alice.accounts(), 400 * UNIT, 400 * UNIT);
    f.send(&[ix], &[&alice.kp]).await.expect("redeem");
    assert_eq!(f.balance(p.vault).await, 600 * UNIT);
    assert_eq!(f.balance(alice.token).await, 400 * UNIT);
    assert_eq!(f.pool(&p).await.total_shares, 600 * UNIT);
}

#[tokio::test]
async fn deposit_respects_min_shares_out_and_refuses_zero() {
    let (mut f, _, p) = world().await;
    let alice = f.investor(&p, 10 * UNIT).await;
    let ix = builders::deposit(&p, &alice.accounts(), UNIT, UNIT + 1);
    f.send(&[ix], &[&alice.kp])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::SlippageShares));
    let ix = builders::deposit(&p, &alice.accounts(), 0, 0);
    f.send(&[ix], &[&alice.kp])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::ZeroAmount));
    assert_eq!(
        f.balance(alice.token).await,
        10 * UNIT,
        "a refused deposit moves nothing"
    );
}

#[tokio::test]
async fn redeem_respects_min_assets_out_and_cash() {
    let (mut f, operator, p) = world().await;
    let alice = f.investor(&p, 100 * UNIT).await;
    f.deposit(&p, &alice, 100 * UNIT).await;
    let ix = builders::redeem(&p, &alice.accounts(), 10 * UNIT, 10 * UNIT + 1);
    f.send(&[ix], &[&alice.kp])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::SlippageAssets));

    let op_token = f.funded_settlement_account(operator.pubkey(), 0).await;
    let ix = builders::draw_capital(&p, operator.pubkey(), op_token, 95 * UNIT);
    f.send(&[ix], &[&operator]).await.expect("draw");
    let ix = builders::redeem(&p, &alice.accounts(), 10 * UNIT, 0);
    f.send(&[ix], &[&alice.kp])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::InsufficientCash));
}

#[tokio::test]
async fn revenue_raises_every_investors_redemption_value_pro_rata_after_vesting() {
    let (mut f, operator, p) = world().await;
    let alice = f.investor(&p, 3_000 * UNIT).await;
    let bob = f.investor(&p, 1_000 * UNIT).await;
    f.deposit(&p, &alice, 3_000 * UNIT).await;
    f.deposit(&p, &bob, 1_000 * UNIT).await;

    // The operator borrows and repays with 400 of interest: investor revenue.
    let op_token = f
        .funded_settlement_account(operator.pubkey(), 400 * UNIT)
        .await;
    let ix = builders::draw_capital(&p, operator.pubkey(), op_token, 2_000 * UNIT);
    f.send(&[ix], &[&operator]).await.expect("draw");
    let ix = builders::repay_capital(&p, operator.pubkey(), op_token, 2_000 * UNIT, 400 * UNIT);
    f.send(&[ix], &[&operator]).await.expect("repay");

    let vesting = i64::from(tessera_tests::fixture::default_params().revenue_vesting_secs);
    let now = f.now().await;
    let pool = f.pool(&p).await;
    assert_eq!(
        pool.nav(now).unwrap(),
        4_000 * UNIT,
        "revenue is locked at first"
    );
    // Vesting starts at the next eighth of the period and is linear from there.
    let start = tessera::state::vesting_start(now, vesting as u32).unwrap();
    f.advance_to(start + vesting / 2).await;
    let now = f.now().await;
    assert_eq!(f.pool(&p).await.nav(now).unwrap(), 4_200 * UNIT);
    f.advance(vesting).await;

    let pool = f.pool(&p).await;
    let now = f.now().await;
    let a_value = pool.assets_for(3_000 * UNIT, now).unwrap();
    let b_value = pool.assets_for(1_000 * UNIT, now).unwrap();
    // 3:1 split of 400, less the virtual offset's sliver (0.0025 % of the revenue here).
    assert_eq!(a_value, value(3_000 * UNIT, 4_400 * UNIT, 4_000 * UNIT));
    assert_eq!(b_value, value(1_000 * UNIT, 4_400 * UNIT, 4_000 * UNIT));
    assert!(a_value > 3_299_900_000 && b_value > 1_099_900_000);

    let ix = builders::redeem(&p, &bob.accounts(), 1_000 * UNIT, b_value);
    f.send(&[ix], &[&bob.kp]).await.expect("bob redeems");
    assert_eq!(f.balance(bob.token).await, b_value);
    let ix = builders::redeem(&p, &alice.accounts(), 3_000 * UNIT, a_value);
    f.send(&[ix], &[&alice.kp]).await.expect("alice redeems");
    assert_eq!(f.balance(alice.token).await, a_value);
}

#[tokio::test]
async fn write_down_shares_the_loss_pro_rata() {
    let (mut f, operator, p) = world().await;
    let alice = f.investor(&p, 3_000 * UNIT).await;
    let bob = f.investor(&p, 1_000 * UNIT).await;
    f.deposit(&p, &alice, 3_000 * UNIT).await;
    f.deposit(&p, &bob, 1_000 * UNIT).await;
    let op_token = f.funded_settlement_account(operator.pubkey(), 0).await;
    let ix = builders::draw_capital(&p, operator.pubkey(), op_token, 2_000 * UNIT);
    f.send(&[ix], &[&operator]).await.expect("draw");

    let auth = f.authority.insecure_clone();
    let ix = builders::write_down(&p, auth.pubkey(), 2_001 * UNIT);
    f.send(&[ix], &[&auth])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::WriteDownExceedsPrincipal));
    let ix = builders::write_down(&p, auth.pubkey(), 1_000 * UNIT);
    f.send(&[ix], &[&auth]).await.expect("write down");

    let pool = f.pool(&p).await;
    assert_eq!(pool.deployed_principal, 1_000 * UNIT);
    let now = f.now().await;
    let a = pool.assets_for(3_000 * UNIT, now).unwrap();
    let b = pool.assets_for(1_000 * UNIT, now).unwrap();
    // Alice bears 3/4 of the loss and Bob 1/4 (the virtual offset bears a sliver).
    assert_eq!(a, value(3_000 * UNIT, 3_000 * UNIT, 4_000 * UNIT));
    assert_eq!(b, value(1_000 * UNIT, 3_000 * UNIT, 4_000 * UNIT));
    assert!(a.abs_diff(2_250 * UNIT) < UNIT / 4 && b.abs_diff(750 * UNIT) < UNIT / 10);
}

#[tokio::test]
async fn draw_is_bounded_by_credit_limit_and_repay_by_principal() {
    let mut f = Fixture::new().await;
    let operator = f.user().await;
    let p = f.create_pool(&operator, 7, 1_000, 50 * UNIT).await;
    let alice = f.investor(&p, 100 * UNIT).await;
    f.deposit(&p, &alice, 100 * UNIT).await;
    let op_token = f
        .funded_settlement_account(operator.pubkey(), 10 * UNIT)
        .await;
    let ix = builders::draw_capital(&p, operator.pubkey(), op_token, 51 * UNIT);
    f.send(&[ix], &[&operator])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::CreditLimitExceeded));
    let ix = builders::draw_capital(&p, operator.pubkey(), op_token, 50 * UNIT);
    f.send(&[ix], &[&operator])
        .await
        .expect("draw to the limit");
    assert_eq!(f.balance(op_token).await, 60 * UNIT);
    let ix = builders::repay_capital(&p, operator.pubkey(), op_token, 51 * UNIT, 0);
    f.send(&[ix], &[&operator])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::RepayExceedsPrincipal));
    let ix = builders::repay_capital(&p, operator.pubkey(), op_token, 50 * UNIT, 0);
    f.send(&[ix], &[&operator]).await.expect("repay");
    let pool = f.pool(&p).await;
    assert_eq!((pool.cash, pool.deployed_principal), (100 * UNIT, 0));
}

#[tokio::test]
async fn lamports_sent_ahead_to_a_pools_addresses_do_not_block_its_creation() {
    let mut f = Fixture::new().await;
    let operator = f.user().await;
    let keys = PoolKeys::derive(operator.pubkey(), 9);
    // Anyone can send lamports to an address before it exists: the vault's gets less than a
    // token account's rent (it is topped up), the share mint's more (nothing is added).
    f.fund(&keys.vault, 1_000_000).await;
    f.fund(&keys.share_mint, 5_000_000).await;
    let p = f.create_pool(&operator, 9, 500, 0).await;
    let vault: anchor_spl::token::TokenAccount = f.get(p.vault).await;
    assert_eq!(
        (vault.mint, vault.owner, vault.amount),
        (f.settlement_mint, p.pool, 0)
    );
    let mint: anchor_spl::token::Mint = f.get(p.share_mint).await;
    assert_eq!(mint.mint_authority, Some(p.pool).into());
    assert_eq!(
        (mint.decimals, mint.supply, mint.freeze_authority),
        (6, 0, None.into())
    );
    let rent = solana_sdk::rent::Rent::default();
    let held = f.raw(p.vault).await.expect("vault").lamports;
    assert!(rent.is_exempt(held, anchor_spl::token::TokenAccount::LEN));
}
