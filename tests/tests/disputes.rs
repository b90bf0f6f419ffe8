//! Disputes: the renter freezes a pending charge; the arbiter refunds all or part, settles the
//! rest, slashes the provider's stake (active, then unbonding: SECURITY.md row 17) and may end
//! the lease.
#![allow(deprecated)]

use solana_sdk::pubkey::Pubkey;
use solana_sdk::signer::Signer;
use tessera::error::TesseraError;
use tessera::state::{LeaseStatus, Provider, StakePool, StakePosition};
use tessera_tests::fixture::{bps, default_params, UNIT};
use tessera_tests::market::Market;
use tessera_tests::{builders, code};

const HOUR: i64 = 3_600;

/// A market whose 2-GPU lease has a 4-unit pending charge after one hour.
async fn pending_charge() -> (Market, Pubkey) {
    let mut m = Market::new().await;
    let lease = m.open(2, 3 * HOUR as u32).await;
    m.f.advance(HOUR).await;
    m.post_receipt(lease, HOUR).await.expect("receipt");
    (m, lease)
}

async fn dispute(m: &mut Market, lease: Pubkey) {
    m.dispute(lease).await.expect("dispute");
}

async fn resolve(
    m: &mut Market,
    lease: Pubkey,
    refund: u64,
    slash: u64,
    terminate: bool,
) -> Result<Vec<String>, tessera_tests::TxError> {
    m.resolve(lease, refund, slash, terminate).await
}

#[tokio::test]
async fn a_dispute_freezes_settlement_until_the_arbiter_refunds_everything() {
    let (mut m, lease) = pending_charge().await;
    dispute(&mut m, lease).await;
    m.f.advance(HOUR).await;
    m.settle(lease)
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::LeaseDisputed));
    let renter = m.renter.insecure_clone();
    m.close(&renter, lease)
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::LeaseDisputed));
    resolve(&mut m, lease, 4 * UNIT + 1, 0, false)
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::RefundExceedsPending));
    resolve(&mut m, lease, 4 * UNIT, 0, false)
        .await
        .expect("refund all");
    let l = m.lease(lease).await;
    assert_eq!(
        (l.status, l.pending, l.escrow, l.charged_total),
        (LeaseStatus::Active, 0, 12 * UNIT, 0)
    );
    let provider: Provider = m.f.get(m.n.provider).await;
    assert_eq!(provider.disputes_lost, 1);
}

#[tokio::test]
async fn refund_part_settles_the_rest_with_the_fee_split() {
    let (mut m, lease) = pending_charge().await;
    dispute(&mut m, lease).await;
    resolve(&mut m, lease, UNIT, 0, false)
        .await
        .expect("refund a quarter");
    let l = m.lease(lease).await;
    assert_eq!(
        (l.pending, l.escrow, l.charged_total),
        (0, 9 * UNIT, 3 * UNIT)
    );
    let pool = m.f.pool(&m.p).await;
    assert_eq!(pool.protocol_fees_owed, 150_000);
    assert_eq!(pool.operator_owed, 300_000);
}

#[tokio::test]
async fn slashing_is_capped_and_sends_stake_to_the_treasury_owner() {
    let (mut m, lease) = pending_charge().await;
    dispute(&mut m, lease).await;
    let min = default_params().min_provider_stake;
    let cap = 2 * min * u64::from(default_params().max_slash_bps.get()) / 10_000;
    resolve(&mut m, lease, 0, u64::MAX, false)
        .await
        .expect("slash");
    assert_eq!(
        m.f.balance(m.slash_destination).await,
        cap,
        "capped at max_slash_bps of the stake"
    );
    let pos: StakePosition = m.f.get(m.n.position).await;
    assert_eq!(pos.amount, 2 * min - cap);
    let sp: StakePool = m.f.get(tessera::seeds::find_stake_pool_address().0).await;
    assert_eq!(sp.total_staked, 2 * min - cap);
    let provider: Provider = m.f.get(m.n.provider).await;
    assert_eq!((provider.slashed_total, provider.disputes_lost), (cap, 1));
}

#[tokio::test]
async fn row17_unbonding_stake_cannot_escape_a_slash() {
    // The slash limit is raised to 50 % through governance before the lease is opened (a lease
    // keeps the limit in force at its opening).
    let mut m = Market::new().await;
    let mut params = default_params();
    params.max_slash_bps = bps(5_000);
    m.f.change_params(params).await.expect("raise slash limit");
    let lease = m.open(2, 3 * HOUR as u32).await;
    m.f.advance(HOUR).await;
    m.post_receipt(lease, HOUR).await.expect("receipt");
    let min = default_params().min_provider_stake;
    let op = m.operator.insecure_clone();
    // The locked minimum cannot be unbonded while a lease runs; the rest can, and stays slashable.
    let ix = builders::begin_unstake(op.pubkey(), 2 * min);
    m.f.send(&[ix], &[&op])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::StakeLocked));
    m.f.send(&[builders::begin_unstake(op.pubkey(), min)], &[&op])
        .await
        .expect("unbond the unlocked half");

    // Slash twice: the first takes the active stake, the second reaches the unbonding stake.
    dispute(&mut m, lease).await;
    resolve(&mut m, lease, 0, u64::MAX, false)
        .await
        .expect("first slash");
    let pos: StakePosition = m.f.get(m.n.position).await;
    assert_eq!((pos.amount, pos.unbonding_amount), (0, min));

    m.f.advance(HOUR).await;
    m.post_receipt(lease, HOUR).await.expect("second receipt");
    dispute(&mut m, lease).await;
    resolve(&mut m, lease, 0, u64::MAX, false)
        .await
        .expect("second slash");
    let pos: StakePosition = m.f.get(m.n.position).await;
    assert_eq!(
        (pos.amount, pos.unbonding_amount),
        (0, min / 2),
        "unbonding stake was slashed"
    );
    assert_eq!(m.f.balance(m.slash_destination).await, min + min / 2);

    // Below the minimum, the provider takes no new lease.
    let (ix, _) = m.open_ix(1, HOUR as u32).await;
    let renter = m.renter.insecure_clone();
    m.f.send(&[ix], &[&renter])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::ProviderUnderstaked));
}

#[tokio::test]
async fn a_terminating_resolution_lets_anyone_close_at_once() {
    let (mut m, lease) = pending_charge().await;
    dispute(&mut m, lease).await;
    resolve(&mut m, lease, 4 * UNIT, 0, true)
        .await
        .expect("refund and terminate");
    let before = m.f.balance(m.renter_token).await;
    let stranger = m.f.user().await;
    m.close(&stranger, lease)
        .await
        .expect("anyone closes a terminated lease");
    assert_eq!(
        m.f.balance(m.renter_token).await,
        before + 12 * UNIT,
        "the whole escrow back"
    );
}

#[tokio::test]
async fn disputes_are_for_the_renter_within_the_window_only() {
    let (mut m, lease) = pending_charge().await;
    let mallory = m.f.user().await;
    let ix = builders::dispute(lease, mallory.pubkey());
    m.f.send(&[ix], &[&mallory])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::NotRenter));
    let op = m.operator.insecure_clone();
    let args = tessera::ResolveDisputeArgs {
        refund: 0,
        slash: 0,
        terminate: false,
    };
    let ix = builders::resolve_dispute(
        op.pubkey(),
        &m.n,
        &m.p,
        lease,
        m.f.treasury,
        m.slash_destination,
        args,
    );
    m.f.send(&[ix], &[&op])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::NotArbiter));
    resolve(&mut m, lease, 0, 0, false)
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::LeaseNotDisputed));
    m.f.advance(HOUR).await;
    let renter = m.renter.insecure_clone();
    let ix = builders::dispute(lease, renter.pubkey());
    m.f.send(&[ix], &[&renter])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::DisputeWindowClosed));
}

#[tokio::test]
async fn slashed_stake_goes_only_to_the_treasury_owner() {
    let (mut m, lease) = pending_charge().await;
    dispute(&mut m, lease).await;
    let renter = m.renter.insecure_clone();
    let wrong = m.f.token_account(m.f.stake_mint, renter.pubkey()).await;
    let arbiter = m.f.arbiter.insecure_clone();
    let args = tessera::ResolveDisputeArgs {
        refund: 0,
        slash: 1,
        terminate: false,
    };
    let ix = builders::resolve_dispute(
        arbiter.pubkey(),
        &m.n,
        &m.p,
        lease,
        m.f.treasury,
        wrong,
        args,
    );
    m.f.send(&[ix], &[&arbiter])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::SlashDestinationMismatch));
}

#[tokio::test]
async fn a_jailed_provider_takes_no_new_lease_until_reinstated() {
    use tessera::state::ProviderStatus;
    let (mut m, lease) = pending_charge().await;
    let arbiter = m.f.arbiter.insecure_clone();
    let op = m.operator.insecure_clone();
    let ix = builders::set_provider_status(op.pubkey(), m.n.provider, ProviderStatus::Jailed);
    m.f.send(&[ix], &[&op])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::NotArbiter));
    let ix = builders::set_provider_status(arbiter.pubkey(), m.n.provider, ProviderStatus::Jailed);
    m.f.send(&[ix], &[&arbiter]).await.expect("jail");
    let (ix, _) = m.open_ix(1, HOUR as u32).await;
    let renter = m.renter.insecure_clone();
    m.f.send(&[ix], &[&renter])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::ProviderJailed));
    m.f.advance(HOUR).await;
    m.settle(lease).await.expect("running leases still settle");
    let ix = builders::set_provider_status(arbiter.pubkey(), m.n.provider, ProviderStatus::Active);
    m.f.send(&[ix], &[&arbiter]).await.expect("reinstate");
    m.open(1, HOUR as u32).await;
}
