//! Property test: random sequences of receipts, settlements, disputes, resolutions, top-ups
//! and closes on two leases never break a ledger invariant (checked by the fixture after every
//! transaction, accepted or refused) and never take more from a renter than it put in; what
//! the renter lost is exactly what was settled.
#![allow(deprecated)]

use proptest::prelude::*;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signer::Signer;
use tessera::state::Lease;
use tessera_tests::builders;
use tessera_tests::fixture::UNIT;
use tessera_tests::market::Market;

/// One step a participant may take.
#[derive(Clone, Debug)]
enum Op {
    /// Time passes.
    Advance(i64),
    /// The agent reports `secs` more seconds with `gpu_seconds` GPU-seconds (may exceed the cap).
    Receipt {
        lease: usize,
        secs: i64,
        gpu_seconds: u64,
    },
    /// Anyone settles.
    Settle(usize),
    /// The renter disputes.
    Dispute(usize),
    /// The arbiter refunds `refund_bps` of the pending charge.
    Resolve { lease: usize, refund_bps: u64 },
    /// The renter tops up.
    TopUp { lease: usize, amount: u64 },
    /// The renter closes.
    Close(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (1i64..7_200).prop_map(Op::Advance),
        (0usize..2, 1i64..5_400, 0u64..40_000).prop_map(|(lease, secs, gpu_seconds)| Op::Receipt {
            lease,
            secs,
            gpu_seconds
        }),
        (0usize..2).prop_map(Op::Settle),
        (0usize..2).prop_map(Op::Dispute),
        (0usize..2, 0u64..=10_000)
            .prop_map(|(lease, refund_bps)| Op::Resolve { lease, refund_bps }),
        (0usize..2, 1u64..5 * UNIT).prop_map(|(lease, amount)| Op::TopUp { lease, amount }),
        (0usize..2).prop_map(Op::Close),
    ]
}

async fn run(ops: Vec<Op>) {
    let mut m = Market::new().await;
    let start_balance = m.f.balance(m.renter_token).await;
    let leases: Vec<Pubkey> = vec![m.open(3, 4 * 3_600).await, m.open(2, 2 * 3_600).await];
    let renter = m.renter.insecure_clone();
    for op in ops {
        // Every step may be refused; the fixture asserts the invariants either way.
        let _ = match op {
            Op::Advance(secs) => {
                m.f.advance(secs).await;
                Ok(vec![])
            }
            Op::Receipt {
                lease,
                secs,
                gpu_seconds,
            } => {
                let Some(_) = m.f.raw(leases[lease]).await else {
                    continue;
                };
                let l: Lease = m.f.get(leases[lease]).await;
                let now = m.f.now().await;
                let end = (l.last_period_end + secs).min(now).min(l.end_at);
                let body = Market::body(l.last_seq + 1, l.last_period_end, end, gpu_seconds);
                let ixs = m.receipt_ixs(leases[lease], body, None);
                m.f.send(&ixs, &[]).await
            }
            Op::Settle(lease) => m.settle(leases[lease]).await,
            Op::Dispute(lease) => {
                m.f.send(
                    &[builders::dispute(leases[lease], renter.pubkey())],
                    &[&renter],
                )
                .await
            }
            Op::Resolve { lease, refund_bps } => {
                let Some(_) = m.f.raw(leases[lease]).await else {
                    continue;
                };
                let pending = m.f.get::<Lease>(leases[lease]).await.pending;
                let arbiter = m.f.arbiter.insecure_clone();
                let args = tessera::ResolveDisputeArgs {
                    refund: pending * refund_bps / 10_000,
                    slash: 0,
                    terminate: false,
                };
                let ix = builders::resolve_dispute(
                    arbiter.pubkey(),
                    &m.n,
                    &m.p,
                    leases[lease],
                    m.f.treasury,
                    m.slash_destination,
                    args,
                );
                m.f.send(&[ix], &[&arbiter]).await
            }
            Op::TopUp { lease, amount } => {
                let ix = builders::top_up_lease(
                    &m.p,
                    leases[lease],
                    &builders::RenterAccounts {
                        renter: renter.pubkey(),
                        token: m.renter_token,
                    },
                    amount,
                );
                m.f.send(&[ix], &[&renter]).await
            }
            Op::Close(lease) => m.close(&renter, leases[lease]).await,
        };
    }
    // Whatever happened, the renter's loss is exactly what was charged or is still held for it.
    let mut held = 0u64;
    for lease in &leases {
        if m.f.raw(*lease).await.is_some() {
            let l: Lease = m.f.get(*lease).await;
            held += l.escrow + l.pending;
        }
    }
    let pool = m.f.pool(&m.p).await;
    let revenue = pool.protocol_fees_owed + pool.operator_owed + pool.cash - 10_000 * UNIT;
    let lost = start_balance - m.f.balance(m.renter_token).await;
    assert_eq!(
        lost,
        revenue + held,
        "renter paid {lost}, pool earned {revenue}, leases hold {held}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn random_lease_activity_keeps_every_ledger_exact(ops in proptest::collection::vec(op(), 1..30)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(run(ops));
    }
}
