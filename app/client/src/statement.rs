//! Statements read from a lease's transaction history (which outlives its account): every
//! receipt with its period, GPU-seconds, charge, fee split and state, and the escrow that went
//! in against the charges and the refund that came out.

use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signature;

use crate::chain::Landed;
use crate::events::TesseraEvent;

/// Where a receipt's charge stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChargeState {
    /// Booked, inside its dispute window or waiting for a settle.
    Pending,
    /// Disputed by the renter, waiting for the arbiter.
    Disputed,
    /// Paid out to investors, the operator and the protocol.
    Settled,
    /// Decided by the arbiter: part settled, part refunded to the escrow.
    Resolved,
}

impl ChargeState {
    /// The state in words.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Disputed => "disputed",
            Self::Settled => "settled",
            Self::Resolved => "resolved",
        }
    }
}

/// One charge of a lease: a receipt's, or the one settled when it closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charge {
    /// The receipt's number (`None`: charged at close, with no receipt of its own).
    pub seq: Option<u64>,
    /// The period it bills, unix seconds (`(0, 0)` for a charge at close).
    pub period: (i64, i64),
    /// GPU-seconds it bills.
    pub gpu_seconds: u64,
    /// What the receipt charged.
    pub charge: u64,
    /// Where it stands.
    pub state: ChargeState,
    /// What was settled of it, and how it was split.
    pub settled: u64,
    pub protocol_fee: u64,
    pub operator_fee: u64,
    pub investors: u64,
    /// What the arbiter refunded of it to the escrow.
    pub refunded: u64,
    /// The transaction that booked it.
    pub signature: Signature,
}

impl Charge {
    /// A charge just booked by `tx`, pending.
    fn booked(
        seq: Option<u64>,
        period: (i64, i64),
        gpu_seconds: u64,
        charge: u64,
        tx: &Landed,
    ) -> Self {
        Self {
            seq,
            period,
            gpu_seconds,
            charge,
            state: ChargeState::Pending,
            settled: 0,
            protocol_fee: 0,
            operator_fee: 0,
            investors: 0,
            refunded: 0,
            signature: tx.signature,
        }
    }
}

/// A lease's bill.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeaseStatement {
    /// GPUs and price per GPU-hour at opening.
    pub gpus: u16,
    pub price_per_gpu_hour: u64,
    /// Opening, end and (when closed) closing times, unix seconds.
    pub start_at: i64,
    pub end_at: i64,
    pub closed_at: Option<i64>,
    /// Why it closed, as the program names it.
    pub close_reason: Option<String>,
    /// Escrow paid in at opening, and by top-ups.
    pub escrow_opened: u64,
    pub topped_up: u64,
    /// Every charge, in order.
    pub charges: Vec<Charge>,
    /// What came back to the renter when it closed (`None` while open).
    pub refund: Option<u64>,
}

impl LeaseStatement {
    /// Reads `lease`'s statement from its history (oldest first).
    pub fn from_history(lease: &Pubkey, history: &[Landed]) -> Self {
        let mut s = Self::default();
        for tx in history.iter().filter(|t| !t.failed) {
            for event in &tx.events {
                s.apply(lease, event, tx);
            }
        }
        s
    }

    fn apply(&mut self, lease: &Pubkey, event: &TesseraEvent, tx: &Landed) {
        use TesseraEvent as E;
        match event {
            E::LeaseOpened(e) if e.lease == *lease => {
                self.gpus = e.gpu_count;
                self.price_per_gpu_hour = e.price_per_gpu_hour;
                self.start_at = e.start_at;
                self.end_at = e.end_at;
                self.escrow_opened = e.escrow;
            }
            E::LeaseToppedUp(e) if e.lease == *lease => {
                self.topped_up = self.topped_up.saturating_add(e.amount);
                self.end_at = e.new_end_at;
            }
            E::ReceiptSubmitted(e) if e.lease == *lease => {
                let period = (e.period_start, e.period_end);
                self.charges.push(Charge::booked(
                    Some(e.seq),
                    period,
                    e.gpu_seconds,
                    e.charge,
                    tx,
                ));
            }
            E::ChargeDisputed(e) if e.lease == *lease => {
                if let Some(c) = self.open_charge() {
                    c.state = ChargeState::Disputed;
                }
            }
            E::ChargeSettled(e) if e.lease == *lease => {
                if self.open_charge().is_none() {
                    self.charges
                        .push(Charge::booked(None, (0, 0), 0, e.amount, tx));
                }
                if let Some(c) = self.open_charge() {
                    c.state = match c.state {
                        ChargeState::Disputed => ChargeState::Resolved,
                        _ => ChargeState::Settled,
                    };
                    c.settled = e.amount;
                    (c.protocol_fee, c.operator_fee, c.investors) =
                        (e.protocol_fee, e.operator_fee, e.investors);
                }
            }
            E::DisputeResolved(e) if e.lease == *lease => {
                let last = self
                    .charges
                    .iter_mut()
                    .rev()
                    .find(|c| matches!(c.state, ChargeState::Disputed | ChargeState::Resolved));
                if let Some(c) = last {
                    c.refunded = e.refunded;
                    c.state = ChargeState::Resolved;
                }
            }
            E::LeaseClosed(e) if e.lease == *lease => {
                self.closed_at = Some(tx.block_time);
                self.close_reason = Some(format!("{:?}", e.reason));
                self.refund = Some(e.refund);
            }
            _ => {}
        }
    }

    /// The oldest charge not yet settled or resolved.
    fn open_charge(&mut self) -> Option<&mut Charge> {
        self.charges
            .iter_mut()
            .find(|c| matches!(c.state, ChargeState::Pending | ChargeState::Disputed))
    }

    /// Escrow paid in: at opening and by top-ups.
    pub fn escrow_paid(&self) -> u64 {
        self.escrow_opened.saturating_add(self.topped_up)
    }

    /// What was paid out of the escrow as charges.
    pub fn charged(&self) -> u64 {
        self.charges.iter().map(|c| c.settled).sum()
    }

    /// Charges booked and not yet settled or resolved.
    pub fn pending(&self) -> u64 {
        self.charges
            .iter()
            .filter(|c| matches!(c.state, ChargeState::Pending | ChargeState::Disputed))
            .map(|c| c.charge)
            .sum()
    }

    /// Escrow still held: paid in, less charges settled and pending (a closed lease holds none).
    pub fn escrow_left(&self) -> u64 {
        match self.refund {
            Some(_) => 0,
            None => self
                .escrow_paid()
                .saturating_sub(self.charged())
                .saturating_sub(self.pending()),
        }
    }
}

/// An investor's position in one pool. Base units.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Position {
    /// Share tokens held (in the accounts given).
    pub shares: u64,
    /// What they are worth now (rounded down).
    pub value: u64,
    /// Shares waiting in the redemption queue (burned, priced when served).
    pub queued_shares: u64,
    /// What those are worth at today's price (what they would fetch if served now).
    pub queued_value: u64,
    /// Assets of served tickets not yet claimed.
    pub claimable: u64,
    /// Assets deposited.
    pub deposited: u64,
    /// Assets paid out: instant redemptions and claimed queued ones.
    pub redeemed: u64,
    /// The wallet's live tickets: `(seq, shares, assets, served)`.
    pub tickets: Vec<(u64, u64, u64, bool)>,
}

impl Position {
    /// `wallet`'s position in `pool` (address `at`) at `now`: `shares` held, its live
    /// `tickets` (every ticket of the pool may be given) and its `history` (oldest first).
    pub fn of(
        at: &Pubkey,
        pool: &tessera::state::Pool,
        wallet: &Pubkey,
        shares: u64,
        tickets: &[tessera::state::RedemptionTicket],
        history: &[Landed],
        now: i64,
    ) -> Self {
        use tessera::state::TicketStatus;
        let worth = |n: u64| {
            crate::metrics::share_price(pool, now).map_or(0, |(num, den)| {
                u64::try_from(u128::from(n) * num / den.max(1)).unwrap_or(u64::MAX)
            })
        };
        let mine: Vec<_> = tickets
            .iter()
            .filter(|t| t.pool == *at && t.owner == *wallet)
            .collect();
        let queued_shares = mine
            .iter()
            .filter(|t| t.status == TicketStatus::Queued)
            .map(|t| t.shares)
            .sum();
        let mut p = Self {
            shares,
            value: worth(shares),
            queued_shares,
            queued_value: worth(queued_shares),
            claimable: mine
                .iter()
                .filter(|t| t.status == TicketStatus::Fulfilled)
                .map(|t| t.assets)
                .sum(),
            tickets: mine
                .iter()
                .map(|t| {
                    (
                        t.seq,
                        t.shares,
                        t.assets,
                        t.status == TicketStatus::Fulfilled,
                    )
                })
                .collect(),
            ..Self::default()
        };
        for event in history.iter().filter(|t| !t.failed).flat_map(|t| &t.events) {
            match event {
                TesseraEvent::Deposited(e) if e.pool == *at && e.investor == *wallet => {
                    p.deposited = p.deposited.saturating_add(e.assets);
                }
                TesseraEvent::Redeemed(e) if e.pool == *at && e.investor == *wallet => {
                    p.redeemed = p.redeemed.saturating_add(e.assets);
                }
                TesseraEvent::RedemptionClaimed(e) if e.pool == *at && e.owner == *wallet => {
                    p.redeemed = p.redeemed.saturating_add(e.assets);
                }
                _ => {}
            }
        }
        p
    }

    /// Whether there is anything to show.
    pub fn is_empty(&self) -> bool {
        self.shares == 0 && self.tickets.is_empty() && self.deposited == 0 && self.redeemed == 0
    }

    /// What the position earned: worth now (held, queued at today's price, claimable) plus
    /// what was paid out, less what was deposited; negative after a loss.
    pub fn earned(&self) -> i128 {
        let now =
            i128::from(self.value) + i128::from(self.queued_value) + i128::from(self.claimable);
        now + i128::from(self.redeemed) - i128::from(self.deposited)
    }
}

/// What one lease on a node earned. Base units.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeaseEarnings {
    /// The lease.
    pub lease: Pubkey,
    /// GPU-seconds its receipts billed.
    pub gpu_seconds: u64,
    /// Charges settled, and their split.
    pub charged: u64,
    pub protocol_fee: u64,
    pub operator_fee: u64,
    pub investors: u64,
}

/// What a node earned, lease by lease, from its history (oldest first): leases opened on it
/// (directly or by filling a bid), their receipts and their settled charges.
pub fn node_earnings(node: &Pubkey, history: &[Landed]) -> Vec<LeaseEarnings> {
    let mut leases: Vec<LeaseEarnings> = Vec::new();
    for event in history.iter().filter(|t| !t.failed).flat_map(|t| &t.events) {
        let opened = match event {
            TesseraEvent::LeaseOpened(e) if e.node == *node => Some(e.lease),
            TesseraEvent::BidAccepted(e) if e.node == *node => Some(e.lease),
            _ => None,
        };
        if let Some(lease) = opened.filter(|l| !leases.iter().any(|e| e.lease == *l)) {
            leases.push(LeaseEarnings {
                lease,
                ..LeaseEarnings::default()
            });
        }
        match event {
            TesseraEvent::ReceiptSubmitted(e) => {
                if let Some(l) = leases.iter_mut().find(|l| l.lease == e.lease) {
                    l.gpu_seconds = l.gpu_seconds.saturating_add(e.gpu_seconds);
                }
            }
            TesseraEvent::ChargeSettled(e) => {
                if let Some(l) = leases.iter_mut().find(|l| l.lease == e.lease) {
                    l.charged = l.charged.saturating_add(e.amount);
                    l.protocol_fee = l.protocol_fee.saturating_add(e.protocol_fee);
                    l.operator_fee = l.operator_fee.saturating_add(e.operator_fee);
                    l.investors = l.investors.saturating_add(e.investors);
                }
            }
            _ => {}
        }
    }
    leases
}

#[cfg(test)]
mod tests {
    use super::*;
    use tessera::events::*;

    fn landed(events: Vec<TesseraEvent>) -> Landed {
        Landed {
            signature: Signature::default(),
            block_time: 1_000,
            failed: false,
            events,
        }
    }

    fn receipt(lease: Pubkey, seq: u64, charge: u64) -> TesseraEvent {
        TesseraEvent::ReceiptSubmitted(ReceiptSubmitted {
            lease,
            seq,
            period_start: 0,
            period_end: 3_600,
            gpu_seconds: 3_600,
            charge,
            escrow_left: 0,
            cosigned: false,
        })
    }

    fn settled(lease: Pubkey, amount: u64) -> TesseraEvent {
        TesseraEvent::ChargeSettled(ChargeSettled {
            lease,
            amount,
            protocol_fee: amount / 20,
            operator_fee: amount / 10,
            investors: amount - amount / 20 - amount / 10,
        })
    }

    #[test]
    fn a_node_earns_what_its_leases_settled_and_nothing_of_others() {
        let (node, lease, other) = (
            Pubkey::new_unique(),
            Pubkey::new_unique(),
            Pubkey::new_unique(),
        );
        let opened = |node, lease| {
            TesseraEvent::LeaseOpened(LeaseOpened {
                lease,
                node,
                renter: other,
                gpu_count: 1,
                price_per_gpu_hour: 1,
                escrow: 1,
                start_at: 0,
                end_at: 1,
                job_hash: [0; 32],
                job_uri: String::new(),
            })
        };
        let history = vec![
            landed(vec![opened(node, lease), opened(other, other)]),
            landed(vec![receipt(lease, 1, 4_000_000), receipt(other, 1, 9)]),
            landed(vec![settled(lease, 4_000_000), settled(other, 9)]),
        ];
        let earned = node_earnings(&node, &history);
        assert_eq!(earned.len(), 1);
        assert_eq!(
            (
                earned[0].lease,
                earned[0].gpu_seconds,
                earned[0].charged,
                earned[0].operator_fee
            ),
            (lease, 3_600, 4_000_000, 400_000)
        );
    }

    #[test]
    fn escrow_less_charges_is_the_refund_through_a_dispute_and_a_close() {
        let (lease, other) = (Pubkey::new_unique(), Pubkey::new_unique());
        let opened = TesseraEvent::LeaseOpened(LeaseOpened {
            lease,
            node: other,
            renter: other,
            gpu_count: 2,
            price_per_gpu_hour: 2_000_000,
            escrow: 8_000_000,
            start_at: 0,
            end_at: 7_200,
            job_hash: [0; 32],
            job_uri: String::new(),
        });
        let topped = TesseraEvent::LeaseToppedUp(LeaseToppedUp {
            lease,
            amount: 4_000_000,
            old_end_at: 7_200,
            new_end_at: 10_800,
        });
        let history = vec![
            landed(vec![opened]),
            landed(vec![receipt(lease, 1, 4_000_000), receipt(other, 1, 9)]),
            landed(vec![
                topped,
                settled(lease, 4_000_000),
                receipt(lease, 2, 4_000_000),
            ]),
            landed(vec![TesseraEvent::ChargeDisputed(ChargeDisputed {
                lease,
                pending: 4_000_000,
            })]),
            landed(vec![
                settled(lease, 2_000_000),
                TesseraEvent::DisputeResolved(DisputeResolved {
                    lease,
                    refunded: 2_000_000,
                    settled: 2_000_000,
                    slashed: 0,
                    terminated: false,
                }),
            ]),
            landed(vec![receipt(lease, 3, 4_000_000)]),
        ];
        let open = LeaseStatement::from_history(&lease, &history);
        assert_eq!(
            open.charges.len(),
            3,
            "the other lease's receipt is not ours"
        );
        let states: Vec<_> = open.charges.iter().map(|c| c.state).collect();
        assert_eq!(
            states,
            [
                ChargeState::Settled,
                ChargeState::Resolved,
                ChargeState::Pending
            ]
        );
        assert_eq!(open.charges[1].refunded, 2_000_000);
        assert_eq!(
            (open.escrow_paid(), open.charged(), open.pending()),
            (12_000_000, 6_000_000, 4_000_000)
        );
        assert_eq!(open.escrow_left(), 2_000_000);
        // Closing settles the pending charge and returns the rest.
        let mut closed = history;
        closed.push(landed(vec![
            settled(lease, 4_000_000),
            TesseraEvent::LeaseClosed(LeaseClosed {
                lease,
                closer: other,
                reason: CloseReason::Ended,
                refund: 2_000_000,
                final_charge: 0,
                bounty: 0,
            }),
        ]));
        let s = LeaseStatement::from_history(&lease, &closed);
        assert_eq!(s.refund, Some(2_000_000));
        assert_eq!(s.escrow_paid() - s.charged(), s.refund.unwrap());
        assert_eq!((s.pending(), s.escrow_left()), (0, 0));
        assert_eq!(s.charges[2].protocol_fee, 200_000);
    }
}
