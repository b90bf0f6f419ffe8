//! The billing rules, as pure functions of the lease as read this tick, the job's record in the
//! outbox and the chain clock; the agent only carries out what they decide
//! (docs/decisions.md#billing-by-cause):
//! - the renter pays on allocation from the job's first start to the lease end, whether the job
//!   runs to the end or exits early on its own (its exit code, its memory limit, its `max_secs`);
//! - nothing before the job starts: a lease whose spec has not arrived waits `job_wait`, and a
//!   job the rig cannot start or restart ends billing there; either way the agent then cancels
//!   the lease and the program refunds the rest of the escrow, with no dispute.

use tessera::error::TesseraError;
use tessera::state::{Lease, LeaseStatus};
use tessera_client::ClientError;

use crate::outbox::JobRecord;

/// The part of the lease the renter pays for: from the job's first start to the lease end, or
/// to the moment the rig failed the job; `None` when nothing is billable.
pub fn billable(lease: &Lease, job: &JobRecord) -> Option<(i64, i64)> {
    let from = job.started_at?.max(lease.start_at);
    let to = job
        .failed
        .as_ref()
        .map_or(lease.end_at, |(at, _)| (*at).min(lease.end_at));
    (to > from).then_some((from, to))
}

/// A period to receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// Start (chain time).
    pub start: i64,
    /// End (chain time).
    pub end: i64,
    /// Billed on allocation; `false` for the time before the job's first start, receipted at
    /// zero GPU-seconds.
    pub billed: bool,
}

impl Period {
    fn billed(start: i64, end: i64) -> Self {
        Self {
            start,
            end,
            billed: true,
        }
    }
}

/// The receipt period due at `now`, if any, and when to look again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    /// The period to receipt now.
    pub period: Option<Period>,
    /// Chain time worth waking for: the next period's end, or the moment the previous
    /// charge's window closes.
    pub next: Option<i64>,
}

/// The period to receipt at `now`: after the last one written (`written_end`) or on chain,
/// within the billable span, at least `period` long (or the span's last piece), and only once
/// the lease can take it. Time before the job's first start is receipted first, at zero
/// GPU-seconds, so a renter who closes early is not charged for it either. A period that falls due while the previous charge is in its dispute
/// window runs on until the window closes, so a written receipt never waits: its charge's own
/// window opens when it lands, a moment after its period ends, and with `period` equal to the
/// window a waiting receipt would wait a little longer every period.
pub fn due(lease: &Lease, job: &JobRecord, written_end: Option<i64>, now: i64, period: i64) -> Due {
    let none = Due {
        period: None,
        next: None,
    };
    let Some((from, to)) = billable(lease, job) else {
        return none;
    };
    let floor = written_end.unwrap_or(i64::MIN).max(lease.last_period_end);
    if from > floor && pending(lease, now) == Pending::None {
        return Due {
            period: Some(Period {
                start: floor,
                end: from,
                billed: false,
            }),
            next: Some(from.saturating_add(period).min(to)),
        };
    }
    let start = floor.max(from);
    if start >= to {
        return none;
    }
    let end = now.min(to);
    let ready = end - start >= period || (end == to && end > start);
    if !ready {
        return Due {
            period: None,
            next: Some(start.saturating_add(period).min(to)),
        };
    }
    match pending(lease, now) {
        Pending::InWindow(until) => Due {
            period: None,
            next: Some(until),
        },
        Pending::Disputed => none,
        Pending::None | Pending::Settleable => Due {
            period: Some(Period::billed(start, end)),
            next: Some(end.saturating_add(period).min(to)),
        },
    }
}

/// The lease's pending charge at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pending {
    /// Nothing pending.
    None,
    /// Its window has passed: settle it.
    Settleable,
    /// In its dispute window until the given time.
    InWindow(i64),
    /// Disputed: the arbiter decides.
    Disputed,
}

/// The state of `lease`'s pending charge at `now` (the one place this is decided).
pub fn pending(lease: &Lease, now: i64) -> Pending {
    if lease.status != LeaseStatus::Active {
        Pending::Disputed
    } else if lease.pending == 0 {
        Pending::None
    } else if lease.pending_settleable(now) {
        Pending::Settleable
    } else {
        Pending::InWindow(lease.settleable_at())
    }
}

/// What to do with written receipt `seq` of a lease (`None`: the lease is closed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Posting {
    /// Send it, after settling the previous charge in the same transaction if `settle_first`.
    Send {
        /// Settle the previous charge first.
        settle_first: bool,
    },
    /// The chain already has it (or a later one): a resubmission after a crash, not a charge.
    AlreadyOnChain,
    /// The lease is closed: nothing to bill.
    LeaseClosed,
    /// Not yet: the previous charge is in its window (until the given time) or disputed.
    Wait {
        /// Why, for the log.
        why: &'static str,
        /// When it becomes possible, if known.
        until: Option<i64>,
    },
}

/// How receipt `seq` can be posted to `lease` at `now`.
pub fn posting(lease: Option<&Lease>, seq: u64, now: i64) -> Posting {
    let Some(lease) = lease else {
        return Posting::LeaseClosed;
    };
    if lease.last_seq >= seq {
        return Posting::AlreadyOnChain;
    }
    match pending(lease, now) {
        Pending::None => Posting::Send {
            settle_first: false,
        },
        Pending::Settleable => Posting::Send { settle_first: true },
        Pending::InWindow(until) => Posting::Wait {
            why: "the previous charge is in its dispute window",
            until: Some(until),
        },
        Pending::Disputed => Posting::Wait {
            why: "the previous charge is disputed",
            until: None,
        },
    }
}

/// The step after a lease's receipts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WrapUp {
    /// Settle the charge whose window passed (no receipt carried it).
    Settle,
    /// Close the lease (settling its last charge first in the same transaction if
    /// `settle_first`): it has ended, or the rig failed its job (a cancellation), and every
    /// billable second is receipted.
    Close {
        /// Settle the last charge first.
        settle_first: bool,
    },
}

/// Whether to settle or close `lease` at `now`, given its job record and whether a receipt of
/// it is still unposted.
pub fn wrap_up(lease: &Lease, job: &JobRecord, unposted: bool, now: i64) -> Option<WrapUp> {
    let settle_first = match pending(lease, now) {
        Pending::Settleable => true,
        Pending::None => false,
        Pending::InWindow(_) | Pending::Disputed => return None,
    };
    let receipted = billable(lease, job).is_none_or(|(_, to)| lease.last_period_end >= to);
    let over = now >= lease.end_at || job.failed.is_some();
    if !unposted && receipted && over {
        Some(WrapUp::Close { settle_first })
    } else {
        settle_first.then_some(WrapUp::Settle)
    }
}

/// How a failed send is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The program already has this receipt's sequence number: confirmed, not a charge.
    AlreadyOnChain,
    /// Transport failures and states that pass with time: try again later.
    Retry,
    /// The program refuses the receipt for good: set it aside and bill its period afresh.
    Reject,
}

/// The one classification of a posting error.
pub fn refusal(e: &ClientError) -> Refusal {
    use TesseraError as E;
    let transient = [
        E::PendingUnsettled,
        E::DisputeWindowOpen,
        E::ReceiptPeriodInFuture,
        E::LeaseDisputed,
    ];
    match e.code().and_then(E::from_code) {
        Some(E::ReceiptSeqNotIncreasing) => Refusal::AlreadyOnChain,
        Some(err) if transient.iter().any(|t| u32::from(*t) == u32::from(err)) => Refusal::Retry,
        Some(_) => Refusal::Reject,
        None => Refusal::Retry,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tessera::state::AgreedTerms;

    fn lease(start: i64, end: i64) -> Lease {
        Lease {
            version: 1,
            bump: 0,
            status: LeaseStatus::Active,
            node: Default::default(),
            renter: Default::default(),
            pool: Default::default(),
            lease_id: 0,
            gpu_count: 2,
            price_per_gpu_hour: 1,
            start_at: start,
            end_at: end,
            escrow: 1,
            pending: 0,
            pending_since: 0,
            pending_gpu_seconds: 0,
            pending_cosigned: false,
            charged_total: 0,
            gpu_seconds_billed: 0,
            last_seq: 0,
            last_period_end: start,
            grace_until: 0,
            terminated: false,
            job_hash: [1; 32],
            terms: AgreedTerms {
                protocol_fee_bps: tessera::math::Bps::new(0).unwrap(),
                dispute_window_secs: 60,
                grace_secs: 60,
                max_slash_bps: tessera::math::Bps::new(0).unwrap(),
                min_provider_stake: 0,
            },
        }
    }

    fn started(at: i64) -> JobRecord {
        JobRecord {
            started_at: Some(at),
            ..Default::default()
        }
    }

    #[test]
    fn nothing_is_billed_before_the_job_starts() {
        let l = lease(0, 600);
        let waiting = JobRecord::default();
        assert_eq!(billable(&l, &waiting), None);
        assert_eq!(due(&l, &waiting, None, 600, 100).period, None);
        // Started 40 s late: those 40 s are receipted at zero first, then billing starts.
        assert_eq!(billable(&l, &started(40)), Some((40, 600)));
        let gap = Period {
            start: 0,
            end: 40,
            billed: false,
        };
        assert_eq!(due(&l, &started(40), None, 40, 100).period, Some(gap));
        assert_eq!(
            due(&l, &started(40), Some(40), 140, 100).period,
            Some(Period::billed(40, 140))
        );
        assert_eq!(due(&l, &started(40), Some(40), 139, 100).next, Some(140));
    }

    #[test]
    fn a_job_that_ends_on_its_own_is_billed_to_the_lease_end() {
        let l = lease(0, 600);
        let ended = JobRecord {
            ended_at: Some(50),
            ..started(0)
        };
        assert_eq!(billable(&l, &ended), Some((0, 600)));
        assert_eq!(
            due(&l, &ended, Some(500), 600, 100).period,
            Some(Period::billed(500, 600))
        );
    }

    #[test]
    fn a_rig_failure_ends_billing_and_cancels_the_lease() {
        let l = lease(0, 600);
        let failed = JobRecord {
            failed: Some((250, "restart failed".into())),
            ..started(0)
        };
        assert_eq!(billable(&l, &failed), Some((0, 250)));
        assert_eq!(
            due(&l, &failed, Some(200), 300, 100).period,
            Some(Period::billed(200, 250))
        );
        let mut receipted = l.clone();
        receipted.last_period_end = 250;
        let close = Some(WrapUp::Close {
            settle_first: false,
        });
        assert_eq!(wrap_up(&receipted, &failed, false, 260), close);
        assert_eq!(wrap_up(&l, &failed, false, 260), None, "not yet receipted");
        assert_eq!(wrap_up(&receipted, &failed, true, 260), None, "unposted");
        let never = JobRecord {
            failed: Some((5, "no engine".into())),
            ..Default::default()
        };
        assert_eq!(billable(&l, &never), None);
        assert_eq!(wrap_up(&l, &never, false, 5), close);
        assert_eq!(wrap_up(&l, &started(0), false, 300), None, "running");
    }

    #[test]
    fn a_period_runs_on_until_the_previous_window_closes_instead_of_waiting() {
        let mut l = lease(0, 600);
        // Receipt 1 for [0, 100) landed 2 s after its period: its window closes at 162.
        (l.last_seq, l.last_period_end) = (1, 100);
        (l.pending, l.pending_gpu_seconds, l.pending_since) = (5, 200, 102);
        let job = started(0);
        let at_period_end = due(&l, &job, Some(100), 160, 60);
        assert_eq!(
            at_period_end,
            Due {
                period: None,
                next: Some(162)
            }
        );
        assert_eq!(
            due(&l, &job, Some(100), 162, 60),
            Due {
                period: Some(Period::billed(100, 162)),
                next: Some(222)
            },
            "written when it can be posted, covering the wait"
        );
        l.status = LeaseStatus::Disputed;
        assert_eq!(due(&l, &job, Some(100), 400, 60).period, None);
    }

    #[test]
    fn pending_charges_are_decided_in_one_place() {
        let mut l = lease(0, 600);
        assert_eq!(posting(None, 1, 0), Posting::LeaseClosed);
        assert_eq!(
            posting(Some(&l), 1, 0),
            Posting::Send {
                settle_first: false
            }
        );
        l.pending = 5;
        l.pending_gpu_seconds = 5;
        l.pending_since = 100;
        l.last_seq = 1;
        assert_eq!(posting(Some(&l), 1, 0), Posting::AlreadyOnChain);
        assert!(matches!(
            posting(Some(&l), 2, 159),
            Posting::Wait {
                until: Some(160),
                ..
            }
        ));
        assert_eq!(
            posting(Some(&l), 2, 160),
            Posting::Send { settle_first: true }
        );
        assert_eq!(wrap_up(&l, &started(0), false, 160), Some(WrapUp::Settle));
        let mut last = l.clone();
        last.last_period_end = 600;
        assert_eq!(
            wrap_up(&last, &started(0), false, 660),
            Some(WrapUp::Close { settle_first: true }),
            "the last charge is settled and the lease closed in one transaction"
        );
        l.status = LeaseStatus::Disputed;
        assert!(matches!(
            posting(Some(&l), 2, 500),
            Posting::Wait { until: None, .. }
        ));
        assert_eq!(wrap_up(&l, &started(0), false, 700), None);
    }
}
