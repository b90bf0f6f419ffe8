//! Protocol-token staking: stake, unbonding, withdrawal, the reward accumulator.
#![allow(deprecated)]

use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;
use tessera::error::TesseraError;
use tessera::state::{StakePool, StakePosition};
use tessera_tests::fixture::UNIT;
use tessera_tests::{builders, code, Fixture};

struct Staker {
    kp: Keypair,
    stake_token: Pubkey,
    reward_token: Pubkey,
}

async fn staker(f: &mut Fixture, amount: u64) -> Staker {
    let kp = f.user().await;
    let stake_token = f.token_account(f.stake_mint, kp.pubkey()).await;
    f.mint_to(f.stake_mint, stake_token, amount).await;
    let reward_token = f.funded_settlement_account(kp.pubkey(), 0).await;
    f.stakers.push(kp.pubkey());
    Staker {
        kp,
        stake_token,
        reward_token,
    }
}

async fn stake(f: &mut Fixture, s: &Staker, amount: u64) {
    let ix = builders::stake(s.kp.pubkey(), s.stake_token, amount);
    f.send(&[ix], &[&s.kp]).await.expect("stake");
}

async fn fund(f: &mut Fixture, amount: u64) {
    let funder = f.user().await;
    let token = f.funded_settlement_account(funder.pubkey(), amount).await;
    let ix = builders::fund_stake_rewards(funder.pubkey(), token, amount);
    f.send(&[ix], &[&funder]).await.expect("fund");
}

async fn claim(f: &mut Fixture, s: &Staker) -> u64 {
    let ix = builders::claim_stake_rewards(s.kp.pubkey(), s.reward_token);
    f.send(&[ix], &[&s.kp]).await.expect("claim");
    f.balance(s.reward_token).await
}

#[tokio::test]
async fn rewards_split_by_stake_and_time_staked() {
    let mut f = Fixture::new().await;
    let a = staker(&mut f, 300 * UNIT).await;
    let b = staker(&mut f, 100 * UNIT).await;
    stake(&mut f, &a, 300 * UNIT).await;
    fund(&mut f, 30 * UNIT).await; // all to A
    stake(&mut f, &b, 100 * UNIT).await;
    fund(&mut f, 40 * UNIT).await; // 30 to A, 10 to B
    assert_eq!(claim(&mut f, &a).await, 60 * UNIT);
    assert_eq!(claim(&mut f, &b).await, 10 * UNIT);
    let ix = builders::claim_stake_rewards(a.kp.pubkey(), a.reward_token);
    f.send(&[ix], &[&a.kp])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::NothingToClaim));
}

#[tokio::test]
async fn rewards_funded_with_nobody_staked_wait_for_the_next_funding() {
    let mut f = Fixture::new().await;
    fund(&mut f, 10 * UNIT).await;
    let sp: StakePool = f.get(tessera::seeds::find_stake_pool_address().0).await;
    assert_eq!(sp.undistributed_rewards, 10 * UNIT);
    let a = staker(&mut f, 5 * UNIT).await;
    stake(&mut f, &a, 5 * UNIT).await;
    fund(&mut f, UNIT).await;
    assert_eq!(claim(&mut f, &a).await, 11 * UNIT);
}

#[tokio::test]
async fn unbonding_stops_rewards_and_waits_out_the_period() {
    let mut f = Fixture::new().await;
    let a = staker(&mut f, 100 * UNIT).await;
    let b = staker(&mut f, 100 * UNIT).await;
    stake(&mut f, &a, 100 * UNIT).await;
    stake(&mut f, &b, 100 * UNIT).await;

    let ix = builders::begin_unstake(a.kp.pubkey(), 101 * UNIT);
    f.send(&[ix], &[&a.kp])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::InsufficientStake));
    let ix = builders::begin_unstake(a.kp.pubkey(), 100 * UNIT);
    f.send(&[ix], &[&a.kp]).await.expect("begin_unstake");
    fund(&mut f, 50 * UNIT).await; // all to B: A's stake is unbonding
    assert_eq!(claim(&mut f, &b).await, 50 * UNIT);

    let ix = builders::withdraw_stake(a.kp.pubkey(), a.stake_token);
    f.send(&[ix], &[&a.kp])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::StillUnbonding));
    f.advance(i64::from(
        tessera_tests::fixture::default_params().unbonding_secs,
    ))
    .await;
    let ix = builders::withdraw_stake(a.kp.pubkey(), a.stake_token);
    f.send(&[ix], &[&a.kp]).await.expect("withdraw");
    assert_eq!(f.balance(a.stake_token).await, 100 * UNIT);
    let ix = builders::withdraw_stake(a.kp.pubkey(), a.stake_token);
    f.send(&[ix], &[&a.kp])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::NothingUnbonding));
    let pos: StakePosition = f
        .get(tessera::seeds::find_stake_position_address(&a.kp.pubkey()).0)
        .await;
    assert_eq!((pos.amount, pos.unbonding_amount), (0, 0));
}

#[tokio::test]
async fn stake_position_belongs_to_its_owner() {
    let mut f = Fixture::new().await;
    let a = staker(&mut f, 10 * UNIT).await;
    let mallory = staker(&mut f, 0).await;
    stake(&mut f, &a, 10 * UNIT).await;
    // Mallory names Alice's position with her own signature: the seeds derive from the signer.
    let mut ix = builders::begin_unstake(mallory.kp.pubkey(), 10 * UNIT);
    ix.accounts[3].pubkey = tessera::seeds::find_stake_position_address(&a.kp.pubkey()).0;
    f.send(&[ix], &[&mallory.kp])
        .await
        .unwrap_err()
        .assert_code(tessera_tests::anchor_code(
            anchor_lang::error::ErrorCode::ConstraintSeeds,
        ));
}
