//! Differential property test against a plain reference model (`tessera_tests::model`), in
//! which every tranche of revenue keeps its own schedule, every lease its own terms and every
//! lease its own collateral need. Random sequences of deposits, redemptions, receipts,
//! settles, interest, leases opened and closed before and after changes, bids posted and
//! filled across changes, proposals, applications and clock jumps run on the program; each
//! step the program accepts is fed to the model. After every step, every investor can redeem
//! at least the model's value (less a few base units of rounding), the provider's collateral
//! lock covers every live lease's agreed minimum, and no value drops when a change applies.
//! The fixture also checks every ledger invariant after every transaction.
#![allow(deprecated)]

use proptest::prelude::*;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signer::Signer;
use tessera::state::{Lease, Node, ProtocolParams, StakePosition};
use tessera_tests::builders;
use tessera_tests::fixture::{bps, default_params, model, Investor, UNIT};
use tessera_tests::market::{Market, PRICE};
use tessera_tests::model::{Model, Terms};

/// Base units an investor's value may fall short of the model's: per-tranche versus
/// per-schedule rounding of the locked amount and share-price rounding.
const ROUNDING: u64 = 64;

/// One step a participant may take.
#[derive(Clone, Debug)]
enum Op {
    /// Time passes.
    Advance(i64),
    /// Investor `who` deposits `amount`.
    Deposit { who: usize, amount: u64 },
    /// Investor `who` redeems `share_bps` of its shares.
    Redeem { who: usize, share_bps: u64 },
    /// The agent reports up to `secs` more seconds of lease `lease` (modulo the leases open).
    Receipt { lease: usize, secs: i64 },
    /// Anyone settles lease `lease`.
    Settle { lease: usize },
    /// The operator repays a draw with `interest` (investor revenue).
    Interest(u64),
    /// The renter opens a lease of `gpus` GPUs for `hours` under the terms in force.
    Open { gpus: u16, hours: u32 },
    /// The renter closes lease `lease` (charged and settled up to now).
    Close { lease: usize },
    /// The renter posts a one-GPU bid under the terms in force.
    PostBid,
    /// The operator fills the oldest open bid.
    AcceptBid,
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
    min_stake: u64,
}

impl Proposal {
    fn params(self) -> ProtocolParams {
        ProtocolParams {
            protocol_fee_bps: bps(self.fee_bps),
            revenue_vesting_secs: self.vesting_secs,
            dispute_window_secs: self.window_secs,
            grace_secs: self.grace_secs,
            params_notice_secs: self.notice_secs,
            min_provider_stake: self.min_stake,
            ..default_params()
        }
    }
}

fn proposal() -> impl Strategy<Value = Proposal> {
    (
        (0u16..=2_000, 3_600u32..=30 * 86_400, 60u32..=7 * 86_400),
        (60u32..=3 * 86_400, 3_600u32..=3 * 86_400, 500u64..=2_000),
    )
        .prop_map(
            |((fee_bps, vesting_secs, window_secs), (grace_secs, notice_secs, stake))| Proposal {
                fee_bps,
                vesting_secs,
                window_secs,
                grace_secs,
                notice_secs,
                min_stake: stake * UNIT,
            },
        )
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (1i64..3 * 86_400).prop_map(Op::Advance),
        (0usize..2, 1u64..5_000 * UNIT).prop_map(|(who, amount)| Op::Deposit { who, amount }),
        (0usize..2, 1u64..=10_000).prop_map(|(who, share_bps)| Op::Redeem { who, share_bps }),
        (0usize..4, 60i64..6 * 3_600).prop_map(|(lease, secs)| Op::Receipt { lease, secs }),
        (0usize..4).prop_map(|lease| Op::Settle { lease }),
        (1u64..2_000 * UNIT).prop_map(Op::Interest),
        (1u16..=2, 1u32..=48).prop_map(|(gpus, hours)| Op::Open { gpus, hours }),
        (0usize..4).prop_map(|lease| Op::Close { lease }),
        Just(Op::PostBid),
        Just(Op::AcceptBid),
        proposal().prop_map(Op::Propose),
        Just(Op::Apply),
    ]
}

/// A bid as the model keeps it: its id and the terms in force when it was posted.
struct PostedBid {
    id: u64,
    terms: Terms,
    expires_at: i64,
}

/// The program's world, the model and what links them.
struct World {
    m: Market,
    model: Model,
    investors: [Investor; 2],
    /// Program lease addresses, index-aligned with `model.leases`.
    leases: Vec<Pubkey>,
    bids: Vec<PostedBid>,
    next_bid: u64,
    pending: Option<ProtocolParams>,
}

const BID_SECS: u32 = 7_200;
const BID_PRICE: u64 = 3 * UNIT / 2;

impl World {
    async fn new() -> Self {
        let mut m = Market::new().await;
        let p = m.p;
        let second = m.f.investor(&p, 5_000 * UNIT).await;
        m.f.deposit(&p, &second, 5_000 * UNIT).await;
        let first = Investor {
            kp: m.investor.kp.insecure_clone(),
            token: m.investor.token,
            shares: m.investor.shares,
        };
        // The node's benchmark, so it can fill bids.
        let at = m.f.now().await;
        let msg = tessera::signed::message_bytes(&tessera::signed::BenchmarkAttestation::new(
            m.n.node, 98_912, 3_350, at,
        ))
        .expect("attestation");
        let ixs = [
            builders::ed25519(&m.agent, &msg),
            builders::attest_benchmark(m.n.node, 98_912, 3_350, at),
        ];
        m.f.send(&ixs, &[]).await.expect("attest");
        let pool = m.f.pool(&p).await;
        let shares = vec![
            m.f.balance(first.shares).await,
            m.f.balance(second.shares).await,
        ];
        let model = Model::new(
            default_params(),
            pool.operator_fee_bps.get(),
            pool.cash,
            shares,
        );
        let mut w = Self {
            m,
            model,
            investors: [first, second],
            leases: Vec::new(),
            bids: Vec::new(),
            next_bid: 1,
            pending: None,
        };
        w.open(1, 10 * 24).await;
        w
    }

    async fn now(&mut self) -> i64 {
        self.m.f.now().await
    }

    /// The renter opens a lease; the model opens it on the terms in force.
    async fn open(&mut self, gpus: u16, hours: u32) -> bool {
        let secs = hours * 3_600;
        let (mint, token) = (self.m.f.settlement_mint, self.m.renter_token);
        self.m.f.mint_to(mint, token, 200 * UNIT).await;
        let (ix, lease) = self.m.open_ix(gpus, secs).await;
        let renter = self.m.renter.insecure_clone();
        // The fixture's invariants count the GPUs of every lease it tracks.
        self.m.f.leases.push(lease);
        if self.m.f.send(&[ix], &[&renter]).await.is_err() {
            self.m.f.leases.pop();
            return false;
        }
        let now = self.now().await;
        let terms = Terms::of(&self.model.params);
        self.model.open(terms, u64::from(gpus), secs, PRICE, now);
        self.leases.push(lease);
        true
    }

    fn lease_index(&self, pick: usize) -> Option<usize> {
        (!self.leases.is_empty()).then(|| pick % self.leases.len())
    }

    async fn receipt(&mut self, pick: usize, secs: i64) {
        let Some(i) = self.lease_index(pick) else {
            return;
        };
        let Some(l) = self.m.f.raw(self.leases[i]).await else {
            return;
        };
        let l: Lease = anchor_lang::AccountDeserialize::try_deserialize(&mut l.data.as_slice())
            .expect("lease");
        let end = (l.last_period_end + secs)
            .min(self.now().await)
            .min(l.end_at);
        let gpu_seconds = u64::try_from(end - l.last_period_end).unwrap_or(0);
        let body = Market::body(l.last_seq + 1, l.last_period_end, end, gpu_seconds);
        let ixs = self.m.receipt_ixs(self.leases[i], body, None);
        if self.m.f.send(&ixs, &[]).await.is_ok() {
            self.model.receipt(i, gpu_seconds, end);
        }
    }

    async fn settle(&mut self, pick: usize) {
        let Some(i) = self.lease_index(pick) else {
            return;
        };
        if self.m.settle(self.leases[i]).await.is_ok() {
            let now = self.now().await;
            self.model.settle(i, now);
        }
    }

    async fn close(&mut self, pick: usize) {
        let Some(i) = self.lease_index(pick) else {
            return;
        };
        let renter = self.m.renter.insecure_clone();
        if self.m.close(&renter, self.leases[i]).await.is_ok() {
            let now = self.now().await;
            self.model.renter_close(i, now);
        }
    }

    async fn post_bid(&mut self) {
        let (mint, token) = (self.m.f.settlement_mint, self.m.renter_token);
        self.m.f.mint_to(mint, token, 10 * UNIT).await;
        let expires_at = self.now().await + 3 * 86_400;
        let args = tessera::PostBidArgs {
            bid_id: self.next_bid,
            price_per_gpu_hour: BID_PRICE,
            gpu_count: 1,
            min_vram_mib: 80_000,
            min_tflops_centi: 90_000,
            gpu_model: model("NVIDIA H100 80GB HBM3"),
            duration_secs: BID_SECS,
            expires_at,
            job_hash: [5; 32],
        };
        let renter = self.m.renter.insecure_clone();
        let ix = builders::post_bid(renter.pubkey(), mint, token, args);
        if self.m.f.send(&[ix], &[&renter]).await.is_ok() {
            let terms = Terms::of(&self.model.params);
            self.bids.push(PostedBid {
                id: self.next_bid,
                terms,
                expires_at,
            });
        }
        self.next_bid += 1;
    }

    async fn accept_bid(&mut self) {
        let now = self.now().await;
        self.bids.retain(|b| b.expires_at >= now);
        let Some(bid) = self.bids.first() else { return };
        let (id, terms) = (bid.id, bid.terms);
        let lease_id = self.m.f.get::<Node>(self.m.n.node).await.lease_count;
        let ix = builders::accept_bid(&self.m.n, &self.m.p, self.m.renter.pubkey(), id, lease_id);
        let op = self.m.operator.insecure_clone();
        let lease = tessera::seeds::find_lease_address(&self.m.n.node, lease_id).0;
        self.m.f.leases.push(lease);
        if self.m.f.send(&[ix], &[&op]).await.is_err() {
            self.m.f.leases.pop();
        } else {
            self.leases.push(lease);
            self.bids.remove(0);
            self.model.open(terms, 1, BID_SECS, BID_PRICE, now);
        }
    }

    async fn step(&mut self, op: Op) {
        let p = self.m.p;
        match op {
            Op::Advance(secs) => self.m.f.advance(secs).await,
            Op::Deposit { who, amount } => {
                let i = &self.investors[who];
                let (mint, token) = (self.m.f.settlement_mint, i.token);
                self.m.f.mint_to(mint, token, amount).await;
                let ix = builders::deposit(&p, &i.accounts(), amount, 0);
                let kp = i.kp.insecure_clone();
                if self.m.f.send(&[ix], &[&kp]).await.is_ok() {
                    let now = self.now().await;
                    self.model.deposit(who, amount, now);
                }
            }
            Op::Redeem { who, share_bps } => {
                let i = &self.investors[who];
                let shares = self.model.shares(who) * share_bps / 10_000;
                let ix = builders::redeem(&p, &i.accounts(), shares, 0);
                let kp = i.kp.insecure_clone();
                if self.m.f.send(&[ix], &[&kp]).await.is_ok() {
                    let now = self.now().await;
                    self.model.redeem(who, shares, now);
                }
            }
            Op::Receipt { lease, secs } => self.receipt(lease, secs).await,
            Op::Settle { lease } => self.settle(lease).await,
            Op::Interest(interest) => {
                let op = self.m.operator.insecure_clone();
                let (mint, op_token) = (self.m.f.settlement_mint, self.m.op_token);
                self.m.f.mint_to(mint, op_token, interest).await;
                let draw = builders::draw_capital(&p, op.pubkey(), op_token, UNIT);
                let repay = builders::repay_capital(&p, op.pubkey(), op_token, UNIT, interest);
                if self.m.f.send(&[draw, repay], &[&op]).await.is_ok() {
                    let now = self.now().await;
                    self.model.interest(interest, now);
                }
            }
            Op::Open { gpus, hours } => {
                self.open(gpus, hours).await;
            }
            Op::Close { lease } => self.close(lease).await,
            Op::PostBid => self.post_bid().await,
            Op::AcceptBid => self.accept_bid().await,
            Op::Propose(proposal) => {
                if self.m.f.propose(proposal.params()).await.is_ok() {
                    self.pending = Some(proposal.params());
                }
            }
            Op::Apply => self.apply().await,
        }
    }

    /// Jumps to the moment the pending change becomes applicable, then brackets it: no
    /// investor's value may drop at the application itself.
    async fn apply(&mut self) {
        let protocol: tessera::state::Protocol = self
            .m
            .f
            .get(tessera::seeds::find_protocol_address().0)
            .await;
        if let Some(change) = protocol.pending_change {
            self.m.f.advance_to(change.effective_at).await;
        }
        let before = self.values().await;
        if self
            .m
            .f
            .send(&[builders::apply_params()], &[])
            .await
            .is_ok()
        {
            self.model.params = self.pending.take().expect("the model saw the proposal");
            let after = self.values().await;
            for (b, a) in before.iter().zip(&after) {
                assert!(a >= b, "a parameter change lowered a value: {b} -> {a}");
            }
        }
    }

    /// What every investor's shares redeem for now, on the program.
    async fn values(&mut self) -> Vec<u64> {
        let now = self.now().await;
        let pool = self.m.f.pool(&self.m.p).await;
        let mut out = Vec::new();
        for i in &self.investors {
            let shares = self.m.f.balance(i.shares).await;
            out.push(pool.assets_for(shares, now).expect("price"));
        }
        out
    }

    /// Every investor can redeem at least the model's value, and the collateral lock covers
    /// every live lease's agreed minimum.
    async fn check(&mut self, op: &Op) {
        let now = self.now().await;
        let values = self.values().await;
        for (who, value) in values.iter().enumerate() {
            let expected = self.model.value_of(who, now);
            assert!(
                value + ROUNDING >= expected,
                "after {op:?}: investor {who} can redeem {value}, the model says {expected}"
            );
        }
        let pool = self.m.f.pool(&self.m.p).await;
        let (locked, expected) = (pool.locked_revenue_at(now), self.model.locked_at(now));
        assert!(
            locked.abs_diff(expected) <= ROUNDING,
            "after {op:?}: {locked} locked, the model says {expected}"
        );
        let position: StakePosition = self.m.f.get(self.m.n.position).await;
        assert!(
            position.locked_amount >= self.model.required_lock(),
            "after {op:?}: collateral lock {} below the live leases' {}",
            position.locked_amount,
            self.model.required_lock()
        );
    }
}

async fn run(ops: Vec<Op>) {
    let mut w = World::new().await;
    for op in ops {
        w.step(op.clone()).await;
        w.check(&op).await;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn every_investor_gets_at_least_the_models_value_at_every_step(
        ops in proptest::collection::vec(op(), 1..40)
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(run(ops));
    }
}
