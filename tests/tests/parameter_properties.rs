//! Property test: random sequences of deposits, redemptions, receipts, settlements, interest,
//! parameter proposals and applications, and clock jumps. No investor's redeemable value ever
//! drops at the moment a parameter change applies, and the fixture checks every ledger
//! invariant after every transaction, accepted or refused.
#![allow(deprecated)]

use proptest::prelude::*;
use solana_sdk::signer::Signer;
use tessera::state::{Lease, ProtocolParams};
use tessera_tests::builders;
use tessera_tests::fixture::{bps, default_params, Investor, UNIT};
use tessera_tests::market::Market;

/// One step a participant may take.
#[derive(Clone, Debug)]
enum Op {
    /// Time passes.
    Advance(i64),
    /// Investor `who` deposits `amount`.
    Deposit { who: usize, amount: u64 },
    /// Investor `who` redeems `share_bps` of its shares.
    Redeem { who: usize, share_bps: u64 },
    /// The agent reports up to `secs` more seconds of the lease.
    Receipt { secs: i64 },
    /// Anyone settles.
    Settle,
    /// The operator repays a draw with `interest` (investor revenue).
    Interest(u64),
    /// The authority proposes new parameters.
    Propose(Proposal),
    /// Anyone applies the pending proposal as soon as its notice is over.
    Apply,
}

/// The parameters a proposal changes, each within its bound.
#[derive(Clone, Copy, Debug)]
struct Proposal {
    fee_bps: u16,
    vesting_secs: u32,
    window_secs: u32,
    grace_secs: u32,
    notice_secs: u32,
}

impl Proposal {
    fn params(self) -> ProtocolParams {
        ProtocolParams {
            protocol_fee_bps: bps(self.fee_bps),
            revenue_vesting_secs: self.vesting_secs,
            dispute_window_secs: self.window_secs,
            grace_secs: self.grace_secs,
            params_notice_secs: self.notice_secs,
            ..default_params()
        }
    }
}

fn proposal() -> impl Strategy<Value = Proposal> {
    (
        0u16..=2_000,
        3_600u32..=30 * 86_400,
        60u32..=7 * 86_400,
        60u32..=3 * 86_400,
        3_600u32..=3 * 86_400,
    )
        .prop_map(
            |(fee_bps, vesting_secs, window_secs, grace_secs, notice_secs)| Proposal {
                fee_bps,
                vesting_secs,
                window_secs,
                grace_secs,
                notice_secs,
            },
        )
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (1i64..3 * 86_400).prop_map(Op::Advance),
        (0usize..2, 1u64..5_000 * UNIT).prop_map(|(who, amount)| Op::Deposit { who, amount }),
        (0usize..2, 1u64..=10_000).prop_map(|(who, share_bps)| Op::Redeem { who, share_bps }),
        (60i64..6 * 3_600).prop_map(|secs| Op::Receipt { secs }),
        Just(Op::Settle),
        (1u64..2_000 * UNIT).prop_map(Op::Interest),
        proposal().prop_map(Op::Propose),
        Just(Op::Apply),
    ]
}

/// What every investor's shares redeem for now.
async fn values(m: &mut Market, investors: &[Investor]) -> Vec<u64> {
    let now = m.f.now().await;
    let pool = m.f.pool(&m.p).await;
    let mut out = Vec::new();
    for i in investors {
        let shares = m.f.balance(i.shares).await;
        out.push(pool.assets_for(shares, now).expect("price"));
    }
    out
}

async fn step(m: &mut Market, investors: &[Investor], lease: solana_sdk::pubkey::Pubkey, op: Op) {
    let p = m.p;
    // Every step may be refused; the fixture asserts the invariants either way.
    let _ = match op {
        Op::Advance(secs) => {
            m.f.advance(secs).await;
            Ok(vec![])
        }
        Op::Deposit { who, amount } => {
            let i = &investors[who];
            let (mint, token) = (m.f.settlement_mint, i.token);
            m.f.mint_to(mint, token, amount).await;
            let ix = builders::deposit(&p, &i.accounts(), amount, 0);
            m.f.send(&[ix], &[&i.kp]).await
        }
        Op::Redeem { who, share_bps } => {
            let i = &investors[who];
            let shares = m.f.balance(i.shares).await * share_bps / 10_000;
            let ix = builders::redeem(&p, &i.accounts(), shares, 0);
            m.f.send(&[ix], &[&i.kp]).await
        }
        Op::Receipt { secs } => {
            let l: Lease = m.f.get(lease).await;
            let end = (l.last_period_end + secs)
                .min(m.f.now().await)
                .min(l.end_at);
            let gpu_seconds = u64::try_from(end - l.last_period_end).unwrap_or(0);
            let body = Market::body(l.last_seq + 1, l.last_period_end, end, gpu_seconds);
            let ixs = m.receipt_ixs(lease, body, None);
            m.f.send(&ixs, &[]).await
        }
        Op::Settle => m.settle(lease).await,
        Op::Interest(interest) => {
            let op = m.operator.insecure_clone();
            let (mint, op_token) = (m.f.settlement_mint, m.op_token);
            m.f.mint_to(mint, op_token, interest).await;
            let draw = builders::draw_capital(&p, op.pubkey(), op_token, UNIT);
            let repay = builders::repay_capital(&p, op.pubkey(), op_token, UNIT, interest);
            m.f.send(&[draw, repay], &[&op]).await
        }
        Op::Propose(proposal) => {
            let auth = m.f.authority.insecure_clone();
            let ix = builders::propose_params(
                auth.pubkey(),
                m.f.treasury,
                proposal.params(),
                m.f.arbiter.pubkey(),
            );
            m.f.send(&[ix], &[&auth]).await
        }
        Op::Apply => {
            // Jump to the moment the pending change becomes applicable, then bracket it.
            let protocol: tessera::state::Protocol =
                m.f.get(tessera::seeds::find_protocol_address().0).await;
            if let Some(change) = protocol.pending_change {
                m.f.advance_to(change.effective_at).await;
            }
            let before = values(m, investors).await;
            let applied = m.f.send(&[builders::apply_params()], &[]).await;
            if applied.is_ok() {
                let after = values(m, investors).await;
                for (b, a) in before.iter().zip(&after) {
                    assert!(a >= b, "a parameter change lowered a value: {b} -> {a}");
                }
            }
            applied
        }
    };
}

async fn run(ops: Vec<Op>) {
    let mut m = Market::new().await;
    let p = m.p;
    let second = m.f.investor(&p, 5_000 * UNIT).await;
    m.f.deposit(&p, &second, 5_000 * UNIT).await;
    let first = Investor {
        kp: m.investor.kp.insecure_clone(),
        token: m.investor.token,
        shares: m.investor.shares,
    };
    let investors = [first, second];
    let lease = m.open(1, 10 * 86_400).await;
    for op in ops {
        step(&mut m, &investors, lease, op).await;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn no_parameter_change_lowers_an_investors_value(ops in proptest::collection::vec(op(), 1..30)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(run(ops));
    }
}
