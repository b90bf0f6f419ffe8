//! A parameter change never reaches back (docs/decisions.md, "Parameters"): each parameter is
//! changed through governance (propose, notice, apply) while something agreed under the old
//! value is in flight, and the test asserts nothing already agreed is re-priced.
#![allow(deprecated)]

use solana_sdk::signer::Signer;
use tessera::error::TesseraError;
use tessera::state::{Lease, Pool, ProtocolParams, StakePosition};
use tessera_tests::fixture::{bps, default_params, Investor, UNIT};
use tessera_tests::market::{Market, PRICE};
use tessera_tests::{builders, code};

const HOUR: i64 = 3_600;
const DAY: i64 = 86_400;

/// What `shares` redeem for now.
async fn value_of(m: &mut Market, shares: u64) -> u64 {
    let now = m.f.now().await;
    m.f.pool(&m.p).await.assets_for(shares, now).expect("price")
}

/// The market's investor's redeemable value now.
async fn investor_value(m: &mut Market) -> u64 {
    let shares = m.f.balance(m.investor.shares).await;
    value_of(m, shares).await
}

/// Books `interest` of investor revenue: the operator draws and repays 1,000 with interest.
async fn book_interest(m: &mut Market, interest: u64) {
    let op = m.operator.insecure_clone();
    let (mint, op_token) = (m.f.settlement_mint, m.op_token);
    m.f.mint_to(mint, op_token, interest).await;
    let ix = builders::draw_capital(&m.p, op.pubkey(), op_token, 1_000 * UNIT);
    m.f.send(&[ix], &[&op]).await.expect("draw");
    let ix = builders::repay_capital(&m.p, op.pubkey(), op_token, 1_000 * UNIT, interest);
    m.f.send(&[ix], &[&op]).await.expect("repay with interest");
}

/// Proposes `params` and waits out the notice, without applying.
async fn propose_and_wait(m: &mut Market, params: ProtocolParams) {
    m.f.propose(params).await.expect("propose");
    m.f.advance(i64::from(default_params().params_notice_secs))
        .await;
}

async fn apply(m: &mut Market) {
    m.f.send(&[builders::apply_params()], &[])
        .await
        .expect("apply");
}

/// A second investor with `amount` to deposit.
async fn newcomer(m: &mut Market, amount: u64) -> Investor {
    let p = m.p;
    m.f.investor(&p, amount).await
}

/// Books 6,800 of interest under a 7-day vesting period, then proposes a one-hour period and
/// waits out its notice (not applied yet); returns when the interest was booked.
async fn week_of_revenue_then_an_hour_proposed(m: &mut Market) -> i64 {
    let mut week = default_params();
    week.revenue_vesting_secs = 7 * DAY as u32;
    m.f.change_params(week).await.expect("7-day vesting");
    book_interest(m, 6_800 * UNIT).await;
    let booked_at = m.f.now().await;
    // Revenue of the default 1-day period vests within a day and a step of the last change.
    m.f.advance(3 * HOUR).await;
    let mut hour = week;
    hour.revenue_vesting_secs = HOUR as u32;
    propose_and_wait(m, hour).await;
    booked_at
}

#[tokio::test]
async fn shortening_vesting_never_releases_revenue_already_locked() {
    // Revenue booked under a 7-day vesting; the change to one hour applies a day later.
    let mut m = Market::new().await;
    let booked_at = week_of_revenue_then_an_hour_proposed(&mut m).await;

    // A depositor brackets the application in the same second.
    let before: Pool = m.f.pool(&m.p).await;
    let now = m.f.now().await;
    let locked_before = before.locked_revenue_at(now);
    assert!(locked_before > 5_000 * UNIT, "6/7 of 6,800 still locked");
    let eve = newcomer(&mut m, 10_000 * UNIT).await;
    let p = m.p;
    m.f.deposit(&p, &eve, 10_000 * UNIT).await;
    let value_before = investor_value(&mut m).await;
    apply(&mut m).await;
    let after: Pool = m.f.pool(&m.p).await;
    assert_eq!(after.locked_revenue_at(now), locked_before);
    assert_eq!(investor_value(&mut m).await, value_before);
    let eve_shares = m.f.balance(eve.shares).await;
    assert!(
        value_of(&mut m, eve_shares).await <= 10_000 * UNIT,
        "the bracketing depositor gains nothing"
    );

    // The old revenue keeps unlocking on its own schedule: an hour before its end some is still
    // locked, where the live one-hour period would have released it all long ago.
    let end = tessera::state::vesting_start(booked_at, 7 * DAY as u32).expect("start") + 7 * DAY;
    m.f.advance_to(end - HOUR).await;
    let now = m.f.now().await;
    let locked = m.f.pool(&m.p).await.locked_revenue_at(now);
    assert!(locked > 0 && locked < locked_before, "locked {locked}");
    m.f.advance(HOUR).await;
    let now = m.f.now().await;
    assert_eq!(m.f.pool(&m.p).await.locked_revenue_at(now), 0);
}

#[tokio::test]
async fn lengthening_vesting_never_relocks_revenue_already_vested() {
    let mut m = Market::new().await;
    book_interest(&mut m, 6_800 * UNIT).await;
    // A day and a step (revenue starts vesting at the next eighth of its period).
    m.f.advance(DAY + 3 * HOUR).await;
    let vested = investor_value(&mut m).await;
    assert!(vested > 16_700 * UNIT, "10,000 plus the vested 6,800");
    let mut month = default_params();
    month.revenue_vesting_secs = 30 * DAY as u32;
    propose_and_wait(&mut m, month).await;
    assert_eq!(investor_value(&mut m).await, vested);
    apply(&mut m).await;
    assert_eq!(investor_value(&mut m).await, vested);

    // Revenue booked after the change vests over the new period, from the next step.
    book_interest(&mut m, 300 * UNIT).await;
    let now = m.f.now().await;
    let pool = m.f.pool(&m.p).await;
    let month = 30 * DAY as u32;
    let period = pool
        .revenue
        .periods
        .iter()
        .find(|p| p.vesting_secs == month)
        .expect("a 30-day slot");
    let start = tessera::state::vesting_start(now, month).expect("start");
    let step = tessera::state::step_secs(month);
    assert_eq!(period.newest_step * step, start as u64);
    assert_eq!(period.amounts[0], 300 * UNIT);
}

/// What a tranche of `amount` booked at `at` under `vesting` still locks at `now`.
fn own_schedule(amount: u64, at: i64, vesting: u32, now: i64) -> u64 {
    let start = tessera::state::vesting_start(at, vesting).expect("start");
    tessera::math::locked_remaining(amount, start, start + i64::from(vesting), now)
}

#[tokio::test]
async fn a_large_settle_after_a_shortening_never_pulls_locked_revenue_earlier() {
    // 6,800 of interest vests over 7 days; the period drops to an hour; a depositor brackets a
    // settle of 500,000 of revenue (the old single schedule's merged end would have been about
    // three hours away, freeing the 7-day revenue with it).
    let mut m = Market::new().await;
    let booked_at = week_of_revenue_then_an_hour_proposed(&mut m).await;
    apply(&mut m).await;
    let eve = newcomer(&mut m, 10_000 * UNIT).await;
    let p = m.p;
    m.f.deposit(&p, &eve, 10_000 * UNIT).await;
    let deposited_at = m.f.now().await;
    book_interest(&mut m, 500_000 * UNIT).await;
    m.f.advance(4 * HOUR).await;

    let now = m.f.now().await;
    let pool = m.f.pool(&m.p).await;
    let old = own_schedule(6_800 * UNIT, booked_at, 7 * DAY as u32, now);
    assert!(
        old > 5_000 * UNIT,
        "most of the 7-day revenue is still locked"
    );
    assert_eq!(
        pool.locked_revenue_at(now),
        old,
        "only the old tranche, on its own schedule"
    );
    // Eve's stake is worth her deposit plus her share of the new revenue and of what the old
    // revenue vested on its own schedule while she held, and nothing more.
    let eve_shares = m.f.balance(eve.shares).await;
    let eve_value = value_of(&mut m, eve_shares).await;
    let vested_while_held =
        own_schedule(6_800 * UNIT, booked_at, 7 * DAY as u32, deposited_at) - old;
    let earned = u128::from(500_000 * UNIT + vested_while_held);
    let share = earned * u128::from(eve_shares) / u128::from(pool.total_shares);
    let fair = 10_000 * UNIT + u64::try_from(share).expect("fits") + UNIT;
    assert!(eve_value <= fair, "eve {eve_value} > fair {fair}");
}

#[tokio::test]
async fn revenue_locked_before_a_lengthening_unlocks_at_its_own_end() {
    // 6,800 vests over the default day; the period grows to 30 days; 50,000 more is booked.
    let mut m = Market::new().await;
    book_interest(&mut m, 6_800 * UNIT).await;
    let booked_at = m.f.now().await;
    let mut month = default_params();
    month.revenue_vesting_secs = 30 * DAY as u32;
    propose_and_wait(&mut m, month).await;
    apply(&mut m).await;
    book_interest(&mut m, 50_000 * UNIT).await;
    let big_at = m.f.now().await;
    let old_end = tessera::state::vesting_start(booked_at, DAY as u32).expect("start") + DAY;
    m.f.advance_to(old_end).await;
    let pool = m.f.pool(&m.p).await;
    assert_eq!(
        own_schedule(6_800 * UNIT, booked_at, DAY as u32, old_end),
        0
    );
    assert_eq!(
        pool.locked_revenue_at(old_end),
        own_schedule(50_000 * UNIT, big_at, 30 * DAY as u32, old_end),
        "the 1-day revenue is fully vested at its own end; only the 30-day tranche is locked"
    );
}

#[tokio::test]
async fn a_second_vesting_change_waits_until_the_first_ones_revenue_has_vested() {
    let mut m = Market::new().await;
    let mut params = default_params();
    params.revenue_vesting_secs = 2 * DAY as u32;
    propose_and_wait(&mut m, params).await;
    apply(&mut m).await;
    // Revenue booked under the 1-day period may vest until a day and a step from now.
    params.revenue_vesting_secs = 3 * DAY as u32;
    m.f.propose(params)
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::VestingChangeTooSoon));
    m.f.advance(3 * HOUR).await;
    propose_and_wait(&mut m, params).await;
    apply(&mut m).await;
    let protocol: tessera::state::Protocol =
        m.f.get(tessera::seeds::find_protocol_address().0).await;
    assert_eq!(protocol.previous_vesting_secs, 2 * DAY as u32);
    // Other parameters change freely meanwhile.
    params.protocol_fee_bps = bps(100);
    m.f.propose(params)
        .await
        .expect("a fee change is not a vesting change");
}

#[tokio::test]
async fn a_pending_charge_pays_the_fee_agreed_when_its_lease_opened() {
    let mut m = Market::new().await;
    let old = m.open(2, 3 * DAY as u32).await;
    m.f.advance(HOUR).await;
    m.post_receipt(old, HOUR).await.expect("receipt");
    let mut params = default_params();
    params.protocol_fee_bps = bps(2_000);
    propose_and_wait(&mut m, params).await;
    apply(&mut m).await;
    let before = m.f.pool(&m.p).await.protocol_fees_owed;
    m.settle(old).await.expect("settle");
    let charged = 2 * PRICE; // two GPUs for an hour
    assert_eq!(
        m.f.pool(&m.p).await.protocol_fees_owed - before,
        charged * 500 / 10_000,
        "5 %, the fee agreed at opening, not 20 %"
    );

    // A lease opened after the change pays the new fee.
    let new = m.open(2, DAY as u32).await;
    assert_eq!(m.lease(new).await.terms.protocol_fee_bps, bps(2_000));
    m.f.advance(HOUR).await;
    m.post_receipt(new, HOUR).await.expect("receipt");
    m.f.advance(HOUR).await;
    let before = m.f.pool(&m.p).await.protocol_fees_owed;
    m.settle(new).await.expect("settle");
    assert_eq!(
        m.f.pool(&m.p).await.protocol_fees_owed - before,
        charged * 2_000 / 10_000
    );
}

#[tokio::test]
async fn a_live_lease_keeps_its_dispute_window_both_ways() {
    let mut m = Market::new().await;
    let lease = m.open(2, 3 * DAY as u32).await;
    // Longer window (7 days): the provider is still paid after the agreed hour.
    let mut long = default_params();
    long.dispute_window_secs = 7 * DAY as u32;
    m.f.change_params(long).await.expect("longer window");
    m.post_receipt(lease, HOUR).await.expect("receipt");
    m.f.advance(HOUR).await;
    m.settle(lease)
        .await
        .expect("settles after the agreed hour");

    // Shorter window (one minute): the renter may still dispute within the agreed hour.
    let mut short = default_params();
    short.dispute_window_secs = 60;
    m.f.change_params(short).await.expect("shorter window");
    m.post_receipt(lease, HOUR).await.expect("receipt");
    m.f.advance(120).await;
    m.settle(lease)
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::DisputeWindowOpen));
    m.dispute(lease)
        .await
        .expect("the renter disputes within the agreed hour");
}

#[tokio::test]
async fn a_live_lease_keeps_its_grace() {
    let mut m = Market::new().await;
    let lease = m.open(1, 2 * DAY as u32).await;
    let mut params = default_params();
    params.grace_secs = 60;
    m.f.change_params(params).await.expect("shorter grace");
    // At the end, the renter co-signs the final receipt so it settles at once: only grace
    // stands between a reaper and the lease.
    let l: Lease = m.lease(lease).await;
    m.f.advance_to(l.end_at).await;
    let body = Market::body(
        l.last_seq + 1,
        l.last_period_end,
        l.end_at,
        (l.end_at - l.last_period_end) as u64,
    );
    let renter = m.renter.insecure_clone();
    let ixs = m.receipt_ixs(lease, body, Some(renter.pubkey()));
    m.f.send(&ixs, &[&renter]).await.expect("final receipt");
    m.settle(lease).await.expect("settle");
    let reaper = m.f.user().await;
    m.f.advance_to(l.end_at + 120).await;
    m.close(&reaper, lease)
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::GraceNotOver));
    m.f.advance_to(l.end_at + HOUR).await;
    m.close(&reaper, lease)
        .await
        .expect("closable after the agreed hour");
}

#[tokio::test]
async fn a_live_lease_keeps_its_slash_cap() {
    let mut m = Market::new().await;
    let lease = m.open(2, 3 * DAY as u32).await;
    let mut params = default_params();
    params.max_slash_bps = bps(5_000);
    m.f.change_params(params).await.expect("higher slash cap");
    m.post_receipt(lease, HOUR).await.expect("receipt");
    m.dispute(lease).await.expect("dispute");
    m.resolve(lease, 0, u64::MAX, false).await.expect("resolve");
    let bonded = 2 * default_params().min_provider_stake;
    assert_eq!(
        m.f.balance(m.slash_destination).await,
        bonded / 10,
        "10 %, the cap agreed at opening, not 50 %"
    );
}

#[tokio::test]
async fn unbonding_stake_keeps_its_period_both_ways() {
    let mut m = Market::new().await;
    let op = m.operator.insecure_clone();
    let min = default_params().min_provider_stake;
    m.f.send(&[builders::begin_unstake(op.pubkey(), min)], &[&op])
        .await
        .expect("unbond the unlocked half");
    let ends =
        m.f.get::<StakePosition>(m.n.position)
            .await
            .unbonding_ends_at;
    assert_eq!(ends, m.f.now().await + 7 * DAY);

    // Lengthened to 60 days: the stake already unbonding is still free after 7.
    let mut params = default_params();
    params.unbonding_secs = 60 * DAY as u32;
    m.f.change_params(params).await.expect("longer unbonding");
    assert_eq!(
        m.f.get::<StakePosition>(m.n.position)
            .await
            .unbonding_ends_at,
        ends
    );
    m.f.advance_to(ends).await;
    let ix = builders::withdraw_stake(op.pubkey(), m.op_stake_token);
    m.f.send(&[ix], &[&op]).await.expect("withdraw at 7 days");
    assert_eq!(m.f.balance(m.op_stake_token).await, min);

    // Unbonding under the 60-day rule, then shortened to one hour: no early exit.
    m.f.send(&[builders::begin_unstake(op.pubkey(), min / 2)], &[&op])
        .await
        .expect("unbond under 60 days");
    let ends =
        m.f.get::<StakePosition>(m.n.position)
            .await
            .unbonding_ends_at;
    let mut params = default_params();
    params.unbonding_secs = HOUR as u32;
    m.f.change_params(params).await.expect("shorter unbonding");
    m.f.advance(HOUR).await;
    let ix = builders::withdraw_stake(op.pubkey(), m.op_stake_token);
    m.f.send(std::slice::from_ref(&ix), &[&op])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::StillUnbonding));
    m.f.advance_to(ends).await;
    m.f.send(&[ix], &[&op]).await.expect("withdraw at 60 days");
}

#[tokio::test]
async fn a_live_lease_keeps_its_price_when_the_node_reprices() {
    let mut m = Market::new().await;
    let lease = m.open(2, DAY as u32).await;
    m.reprice(10 * PRICE).await;
    m.f.advance(HOUR).await;
    m.post_receipt(lease, HOUR).await.expect("receipt");
    assert_eq!(m.lease(lease).await.pending, 2 * PRICE);
}

#[tokio::test]
async fn raising_the_minimum_stake_never_stops_a_live_lease_from_paying_and_closing() {
    let mut m = Market::new().await;
    let lease = m.open(1, 2 * HOUR as u32).await;
    let mut params = default_params();
    params.min_provider_stake = 100 * default_params().min_provider_stake;
    m.f.change_params(params).await.expect("higher minimum");
    let l: Lease = m.lease(lease).await;
    m.post_receipt(lease, l.end_at - l.last_period_end)
        .await
        .expect("receipt");
    m.f.advance(HOUR).await;
    m.settle(lease).await.expect("settle");
    let renter = m.renter.insecure_clone();
    m.close(&renter, lease).await.expect("close");
    // A new lease is a new agreement under the new minimum.
    let (ix, _) = m.open_ix(1, HOUR as u32).await;
    m.f.send(&[ix], &[&renter])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::ProviderUnderstaked));
}

#[tokio::test]
async fn lowering_the_minimum_stake_never_releases_a_live_leases_collateral() {
    let mut m = Market::new().await;
    let min = default_params().min_provider_stake;
    // The operator stakes 2 × min; a lease opened now locks min of it.
    let first = m.open(1, 2 * HOUR as u32).await;
    let mut params = default_params();
    params.min_provider_stake = min / 100;
    m.f.change_params(params).await.expect("lower minimum");
    // A second lease under the lower minimum must not shrink the first one's lock.
    let second = m.open(1, HOUR as u32).await;
    let op = m.operator.insecure_clone();
    m.f.send(&[builders::begin_unstake(op.pubkey(), min + 1)], &[&op])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::StakeLocked));
    m.f.send(&[builders::begin_unstake(op.pubkey(), min)], &[&op])
        .await
        .expect("what no lease needs can unbond");
    // With both leases closed, nothing stays locked.
    let renter = m.renter.insecure_clone();
    for lease in [first, second] {
        m.close(&renter, lease).await.expect("close");
    }
    let position: tessera::state::StakePosition =
        m.f.get(tessera::seeds::find_stake_position_address(&op.pubkey()).0)
            .await;
    assert_eq!(position.locked_amount, 0);
}
