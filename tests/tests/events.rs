//! Accounting events: each is emitted by self-CPI, read back from the transaction's inner
//! instructions as an RPC client would, and carries the figures the ledger moved by.
#![allow(deprecated)]

use solana_sdk::signer::Signer;
use tessera::events::*;
use tessera::state::Lease;
use tessera_client::events::TesseraEvent;
use tessera_tests::builders;
use tessera_tests::fixture::{bps, default_params, UNIT};
use tessera_tests::market::{Market, PRICE};

const HOUR: i64 = 3_600;

/// The one event in `events`, which must be an `E` (`pick` extracts it).
fn only<E>(events: Vec<TesseraEvent>, pick: impl Fn(TesseraEvent) -> Option<E>) -> E {
    let names: Vec<&str> = events.iter().map(TesseraEvent::name).collect();
    let mut found: Vec<E> = events.into_iter().filter_map(pick).collect();
    assert_eq!(found.len(), 1, "events: {names:?}");
    found.remove(0)
}

#[tokio::test]
async fn deposits_and_redemptions_report_assets_shares_and_the_ledger_after() {
    let mut m = Market::new().await;
    let p = m.p;
    let alice = m.f.investor(&p, 500 * UNIT).await;
    let ix = builders::deposit(&p, &alice.accounts(), 500 * UNIT, 0);
    let events =
        m.f.send_with_events(&[ix], &[&alice.kp])
            .await
            .expect("deposit");
    let d = only(events, |e| match e {
        TesseraEvent::Deposited(d) => Some(d),
        _ => None,
    });
    let pool = m.f.pool(&p).await;
    assert_eq!(
        d,
        Deposited {
            pool: p.pool,
            investor: alice.kp.pubkey(),
            assets: 500 * UNIT,
            shares: m.f.balance(alice.shares).await,
            total_shares: pool.total_shares,
            cash: pool.cash,
            vault_amount: m.f.balance(p.vault).await,
            nav: pool.nav(m.f.now().await).unwrap(),
        }
    );

    let ix = builders::redeem(&p, &alice.accounts(), d.shares, 0);
    let events =
        m.f.send_with_events(&[ix], &[&alice.kp])
            .await
            .expect("redeem");
    let r = only(events, |e| match e {
        TesseraEvent::Redeemed(r) => Some(r),
        _ => None,
    });
    let pool = m.f.pool(&p).await;
    let now = m.f.now().await;
    assert_eq!(
        (r.shares, r.assets, r.total_shares, r.cash, r.nav),
        (
            d.shares,
            m.f.balance(alice.token).await,
            pool.total_shares,
            pool.cash,
            pool.nav(now).unwrap()
        )
    );
}

#[tokio::test]
async fn receipts_settlements_disputes_and_slashes_report_their_amounts() {
    let mut m = Market::new().await;
    let lease = m.open(2, 3 * HOUR as u32).await;
    m.f.advance(HOUR).await;
    let l: Lease = m.lease(lease).await;
    let body = Market::body(1, l.start_at, l.start_at + HOUR, 2 * HOUR as u64);
    let ixs = m.receipt_ixs(lease, body, None);
    let events = m.f.send_with_events(&ixs, &[]).await.expect("receipt");
    let r = only(events, |e| match e {
        TesseraEvent::ReceiptSubmitted(r) => Some(r),
        _ => None,
    });
    let charge = 2 * PRICE;
    assert_eq!(
        (r.lease, r.seq, r.gpu_seconds, r.charge, r.escrow_left),
        (lease, 1, 2 * HOUR as u64, charge, l.escrow - charge)
    );

    m.f.advance(HOUR).await;
    let ix = builders::settle(&m.n, &m.p, lease);
    let events = m.f.send_with_events(&[ix], &[]).await.expect("settle");
    let s = only(events, |e| match e {
        TesseraEvent::ChargeSettled(s) => Some(s),
        _ => None,
    });
    let protocol_fee = charge * u64::from(default_params().protocol_fee_bps.get()) / 10_000;
    let operator_fee = charge / 10;
    assert_eq!(
        s,
        ChargeSettled {
            lease,
            amount: charge,
            protocol_fee,
            operator_fee,
            investors: charge - protocol_fee - operator_fee,
        }
    );

    m.post_receipt(lease, HOUR).await.expect("second receipt");
    let renter = m.renter.insecure_clone();
    let ix = builders::dispute(lease, renter.pubkey());
    let events =
        m.f.send_with_events(&[ix], &[&renter])
            .await
            .expect("dispute");
    let d = only(events, |e| match e {
        TesseraEvent::ChargeDisputed(d) => Some(d),
        _ => None,
    });
    assert_eq!(
        d,
        ChargeDisputed {
            lease,
            pending: charge
        }
    );

    let arbiter = m.f.arbiter.insecure_clone();
    let ix = m.resolve_ix(lease, charge / 4, 7 * UNIT, false);
    let events =
        m.f.send_with_events(&[ix], &[&arbiter])
            .await
            .expect("resolve");
    let settled = events
        .iter()
        .filter(|e| matches!(e, TesseraEvent::ChargeSettled(s) if s.amount == charge - charge / 4))
        .count();
    assert_eq!(settled, 1, "the settled part is reported as a charge");
    let resolved = only(events, |e| match e {
        TesseraEvent::DisputeResolved(r) => Some(r),
        _ => None,
    });
    assert_eq!(
        resolved,
        DisputeResolved {
            lease,
            refunded: charge / 4,
            settled: charge - charge / 4,
            slashed: 7 * UNIT,
            terminated: false,
        }
    );
    assert_eq!(m.f.balance(m.slash_destination).await, 7 * UNIT);
}

#[tokio::test]
async fn an_applied_parameter_change_reports_old_and_new_values() {
    let mut m = Market::new().await;
    let auth = m.f.authority.insecure_clone();
    let mut params = default_params();
    params.protocol_fee_bps = bps(700);
    let ix = m.f.propose_ix(params, m.f.arbiter.pubkey());
    let events =
        m.f.send_with_events(&[ix], &[&auth])
            .await
            .expect("propose");
    let proposed = only(events, |e| match e {
        TesseraEvent::ParamsProposed(p) => Some(p),
        _ => None,
    });
    assert_eq!(
        (proposed.current_params, proposed.change.params),
        (default_params(), params)
    );
    m.f.advance_to(proposed.change.effective_at).await;
    let events =
        m.f.send_with_events(&[builders::apply_params()], &[])
            .await
            .expect("apply");
    let updated = only(events, |e| match e {
        TesseraEvent::ParamsUpdated(u) => Some(u),
        _ => None,
    });
    assert_eq!(
        (updated.old_params, updated.new_params),
        (default_params(), params)
    );
}
