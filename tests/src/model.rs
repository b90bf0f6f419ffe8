//! A plain reference model of one pool's money, for the differential property test
//! (`tests/differential.rs`). It shares no code with the program: every tranche of revenue
//! keeps its own schedule, every lease its own agreed terms, every lease its own collateral
//! need. The test feeds it the same accepted steps as the program and compares.

use tessera::state::ProtocolParams;

/// Virtual assets and shares of the share price (`docs/decisions.md#share-pricing`).
const VIRTUAL: u128 = 1_000_000;

/// One booking of investor revenue, vesting linearly from `starts_at` to `ends_at`.
#[derive(Clone, Copy, Debug)]
struct Tranche {
    amount: u64,
    starts_at: i64,
    ends_at: i64,
}

impl Tranche {
    /// Booked at `now` under `period`: vesting starts at the next eighth of the period.
    fn booked(amount: u64, now: i64, period: u32) -> Self {
        let step = i64::from(period.div_ceil(8).max(1));
        let starts_at = (now + step - 1) / step * step;
        Self {
            amount,
            starts_at,
            ends_at: starts_at + i64::from(period),
        }
    }

    /// Still locked at `now`, rounded up.
    fn locked_at(&self, now: i64) -> u128 {
        let (amount, span) = (
            u128::from(self.amount),
            (self.ends_at - self.starts_at) as u128,
        );
        if now >= self.ends_at {
            0
        } else if now <= self.starts_at {
            amount
        } else {
            (amount * (self.ends_at - now) as u128).div_ceil(span)
        }
    }
}

/// What a lease agreed when it opened (or when its bid was posted).
#[derive(Clone, Copy, Debug)]
pub struct Terms {
    /// Protocol fee, basis points.
    pub fee_bps: u16,
    /// Seconds a charge stays disputable.
    pub window_secs: u32,
    /// Collateral the provider must keep locked while the lease runs.
    pub min_stake: u64,
}

impl Terms {
    /// The terms in force under `params`.
    pub fn of(params: &ProtocolParams) -> Self {
        Self {
            fee_bps: params.protocol_fee_bps.get(),
            window_secs: params.dispute_window_secs,
            min_stake: params.min_provider_stake,
        }
    }
}

/// One lease as the model sees it.
#[derive(Clone, Copy, Debug)]
pub struct ModelLease {
    /// Agreed terms.
    pub terms: Terms,
    /// Price per GPU-hour.
    pub price: u64,
    /// GPUs.
    pub gpus: u64,
    /// End of the lease.
    pub end_at: i64,
    /// Prepaid escrow left.
    pub escrow: u64,
    /// GPU-seconds billed so far.
    pub billed: u64,
    /// Charged, not settled.
    pub pending: u64,
    /// End of the last billed period.
    pub last_end: i64,
    /// Still open.
    pub live: bool,
}

/// The pool, the parameters and the leases, with nothing merged.
#[derive(Debug)]
pub struct Model {
    /// Parameters in force.
    pub params: ProtocolParams,
    operator_fee_bps: u16,
    cash: u64,
    total_shares: u64,
    shares: Vec<u64>,
    tranches: Vec<Tranche>,
    /// Every lease ever opened, in order.
    pub leases: Vec<ModelLease>,
}

impl Model {
    /// A pool with `cash`, `shares` held by each investor, no revenue locked.
    pub fn new(params: ProtocolParams, operator_fee_bps: u16, cash: u64, shares: Vec<u64>) -> Self {
        Self {
            params,
            operator_fee_bps,
            cash,
            total_shares: shares.iter().sum(),
            shares,
            tranches: Vec::new(),
            leases: Vec::new(),
        }
    }

    /// Revenue still locked at `now`: the sum of every tranche on its own schedule.
    pub fn locked_at(&self, now: i64) -> u64 {
        let sum: u128 = self.tranches.iter().map(|t| t.locked_at(now)).sum();
        u64::try_from(sum).unwrap_or(u64::MAX)
    }

    fn nav(&self, now: i64) -> u128 {
        u128::from(self.cash).saturating_sub(u128::from(self.locked_at(now)))
    }

    /// What investor `who`'s shares redeem for at `now`.
    pub fn value_of(&self, who: usize, now: i64) -> u64 {
        self.assets_for(self.shares[who], now)
    }

    /// Assets paid for `shares` at `now`, rounded down.
    pub fn assets_for(&self, shares: u64, now: i64) -> u64 {
        let q = u128::from(shares) * (self.nav(now) + VIRTUAL)
            / (u128::from(self.total_shares) + VIRTUAL);
        u64::try_from(q).unwrap_or(u64::MAX)
    }

    /// Shares investor `who` holds.
    pub fn shares(&self, who: usize) -> u64 {
        self.shares[who]
    }

    /// Investor `who` deposits `amount`.
    pub fn deposit(&mut self, who: usize, amount: u64, now: i64) {
        let minted = u128::from(amount) * (u128::from(self.total_shares) + VIRTUAL)
            / (self.nav(now) + VIRTUAL);
        let minted = u64::try_from(minted).unwrap_or(u64::MAX);
        self.cash += amount;
        self.total_shares += minted;
        self.shares[who] += minted;
    }

    /// Investor `who` redeems `shares` at once.
    pub fn redeem(&mut self, who: usize, shares: u64, now: i64) {
        let assets = self.assets_for(shares, now);
        self.cash -= assets;
        self.total_shares -= shares;
        self.shares[who] -= shares;
    }

    /// Interest paid by the operator: all of it investor revenue.
    pub fn interest(&mut self, amount: u64, now: i64) {
        self.cash += amount;
        self.book(amount, now);
    }

    fn book(&mut self, amount: u64, now: i64) {
        if amount > 0 {
            let period = self.params.revenue_vesting_secs;
            self.tranches.push(Tranche::booked(amount, now, period));
        }
    }

    /// A lease opens on `terms` at `now`, escrowing its whole cost up front.
    pub fn open(&mut self, terms: Terms, gpus: u64, secs: u32, price: u64, now: i64) {
        let escrow = (u128::from(gpus) * u128::from(secs) * u128::from(price)).div_ceil(3_600);
        self.leases.push(ModelLease {
            terms,
            price,
            gpus,
            end_at: now + i64::from(secs),
            escrow: u64::try_from(escrow).unwrap_or(u64::MAX),
            billed: 0,
            pending: 0,
            last_end: now,
            live: true,
        });
    }

    fn charge(lease: &mut ModelLease, gpu_seconds: u64) -> u64 {
        let cost = |s: u64| u128::from(s) * u128::from(lease.price) / 3_600;
        let owed = cost(lease.billed + gpu_seconds) - cost(lease.billed);
        let charge = u64::try_from(owed).unwrap_or(u64::MAX).min(lease.escrow);
        lease.escrow -= charge;
        lease.billed += gpu_seconds;
        charge
    }

    /// A receipt for `gpu_seconds` up to `end` on lease `i`.
    pub fn receipt(&mut self, i: usize, gpu_seconds: u64, end: i64) {
        let lease = &mut self.leases[i];
        lease.pending = Self::charge(lease, gpu_seconds);
        lease.last_end = end;
    }

    /// Settles lease `i`'s pending charge at its own fee.
    pub fn settle(&mut self, i: usize, now: i64) {
        let amount = std::mem::take(&mut self.leases[i].pending);
        self.settle_amount(i, amount, now);
    }

    fn settle_amount(&mut self, i: usize, amount: u64, now: i64) {
        let fee = |bps: u16| u64::try_from(u128::from(amount) * u128::from(bps) / 10_000);
        let protocol = fee(self.leases[i].terms.fee_bps).unwrap_or(0);
        let operator = fee(self.operator_fee_bps).unwrap_or(0);
        let investors = amount - protocol - operator;
        self.cash += investors;
        self.book(investors, now);
    }

    /// The renter closes lease `i` at `now`: the unbilled time is charged and settled at once.
    pub fn renter_close(&mut self, i: usize, now: i64) {
        let lease = &mut self.leases[i];
        let secs = (now.min(lease.end_at) - lease.last_end).max(0) as u64;
        let amount = Self::charge(lease, secs * lease.gpus);
        lease.live = false;
        self.settle_amount(i, amount, now);
    }

    /// Collateral the provider must keep locked: the largest minimum any live lease agreed.
    pub fn required_lock(&self) -> u64 {
        self.leases
            .iter()
            .filter(|l| l.live)
            .map(|l| l.terms.min_stake)
            .max()
            .unwrap_or(0)
    }
}
