//! `RevenueSchedule`: investors' revenue still vesting, each booking on the schedule it was
//! booked under. Revenue booked under different vesting periods is never merged, so a change
//! of `revenue_vesting_secs` can neither pull locked revenue earlier nor hold it back.

use anchor_lang::prelude::*;

use crate::error::TesseraError;
use crate::math;

/// A vesting period is cut into this many steps; revenue starts vesting at the next step
/// boundary, so everything booked within one step shares one schedule exactly.
pub const VESTING_STEPS: u32 = 8;

/// Start steps with unfinished revenue under one period: a tranche starting `STEP_SLOTS` steps
/// before the newest has always finished (its period is at most `VESTING_STEPS` steps).
pub const STEP_SLOTS: usize = VESTING_STEPS as usize + 1;

/// Periods a pool holds revenue under at once: revenue of the period before the last change
/// has always vested before the next change (see
/// [`crate::state::Protocol::vesting_change_open_at`]).
pub const REVENUE_PERIODS: usize = 2;

/// Revenue booked under one vesting period: one amount per start step, newest first.
#[derive(
    AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, Default, PartialEq, Eq,
)]
pub struct RevenuePeriod {
    /// The vesting period (0: the slot is free).
    pub vesting_secs: u32,
    /// Step number (start time / step length) of `amounts[0]`; `amounts[k]` starts vesting
    /// `k` steps earlier.
    pub newest_step: u64,
    /// Revenue per start step, newest first; each vests linearly over `vesting_secs` from its
    /// start.
    pub amounts: [u64; STEP_SLOTS],
}

impl RevenuePeriod {
    /// Length of one step of this period.
    fn step(&self) -> u64 {
        step_secs(self.vesting_secs)
    }

    /// When the revenue in `amounts[k]` starts and ends vesting.
    fn span(&self, k: usize) -> (i64, i64) {
        let start = self
            .newest_step
            .saturating_sub(k as u64)
            .saturating_mul(self.step());
        let start = i64::try_from(start).unwrap_or(i64::MAX);
        (start, start.saturating_add(i64::from(self.vesting_secs)))
    }

    /// Still locked at `now`: every start step on its own linear schedule, rounded up.
    pub fn locked_at(&self, now: i64) -> u64 {
        let mut locked = 0u64;
        for (k, amount) in self.amounts.iter().enumerate() {
            if *amount == 0 {
                continue;
            }
            let (start, end) = self.span(k);
            locked = locked.saturating_add(math::locked_remaining(*amount, start, end, now));
        }
        locked
    }

    /// Whether nothing booked under it is locked at `now`, so the slot may serve another
    /// period: the newest step holding revenue ends last, so only its end is compared (no
    /// 128-bit division, which `locked_at` pays per step and `settle` cannot afford).
    fn is_finished(&self, now: i64) -> bool {
        self.vesting_secs == 0
            || self
                .amounts
                .iter()
                .position(|a| *a != 0)
                .is_none_or(|k| now >= self.span(k).1)
    }

    /// Adds `amount` starting at step `start_step` (never before `newest_step`: time only
    /// moves forward), shifting older steps along and dropping those long finished.
    fn add(&mut self, amount: u64, start_step: u64) -> Result<()> {
        let shift = start_step.saturating_sub(self.newest_step);
        if shift > 0 {
            let shift = usize::try_from(shift).unwrap_or(STEP_SLOTS).min(STEP_SLOTS);
            // Older steps move along; the steps shifted in start empty (one move, where
            // `rotate_right` costs `settle` a few hundred units more on this build).
            self.amounts.copy_within(..STEP_SLOTS - shift, shift);
            self.amounts[..shift].fill(0);
            self.newest_step = start_step;
        }
        self.amounts[0] = math::add(self.amounts[0], amount)?;
        Ok(())
    }
}

/// A pool's vesting revenue, each booking on the schedule of the period it was booked under.
#[derive(
    AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, Default, PartialEq, Eq,
)]
pub struct RevenueSchedule {
    /// One slot per vesting period with unfinished revenue.
    pub periods: [RevenuePeriod; REVENUE_PERIODS],
}

impl RevenueSchedule {
    /// Revenue still locked at `now`: the sum over every period and start step.
    pub fn locked_at(&self, now: i64) -> u64 {
        self.periods
            .iter()
            .fold(0u64, |acc, p| acc.saturating_add(p.locked_at(now)))
    }

    /// Books `amount` to vest over `vesting_secs` from the next step boundary at or after
    /// `now`: into the slot of that period, else a finished slot.
    pub fn book(&mut self, amount: u64, now: i64, vesting_secs: u32) -> Result<()> {
        if amount == 0 {
            return Ok(());
        }
        let step = step_secs(vesting_secs);
        let start_step = u64::try_from(now)
            .map_err(|_| error!(TesseraError::MathOverflow))?
            .div_ceil(step);
        if let Some(p) = self
            .periods
            .iter_mut()
            .find(|p| p.vesting_secs == vesting_secs)
        {
            return p.add(amount, start_step);
        }
        let slot = self
            .periods
            .iter_mut()
            .find(|p| p.is_finished(now))
            .ok_or_else(|| error!(TesseraError::RevenueScheduleFull))?;
        *slot = RevenuePeriod {
            vesting_secs,
            newest_step: start_step,
            ..RevenuePeriod::default()
        };
        slot.add(amount, start_step)
    }

    /// Checks every slot holding revenue has a vesting period.
    pub fn check(&self) -> Result<()> {
        require!(
            self.periods
                .iter()
                .all(|p| p.vesting_secs > 0 || p.amounts.iter().all(|a| *a == 0)),
            TesseraError::VestingScheduleBroken
        );
        Ok(())
    }
}

/// Length of one vesting step under `vesting_secs` (at least one second).
pub fn step_secs(vesting_secs: u32) -> u64 {
    u64::from(vesting_secs.div_ceil(VESTING_STEPS).max(1))
}

/// The first step boundary at or after `now`: when revenue booked at `now` starts vesting.
/// Unsigned arithmetic only (SBPF v0 has no signed division); `None` before 1970.
pub fn vesting_start(now: i64, vesting_secs: u32) -> Option<i64> {
    let start = u64::try_from(now)
        .ok()?
        .checked_next_multiple_of(step_secs(vesting_secs))?;
    i64::try_from(start).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: u32 = 3_600;
    const DAY: u32 = 86_400;

    #[test]
    fn revenue_starts_vesting_at_the_next_step() {
        assert_eq!(vesting_start(0, 8 * HOUR), Some(0));
        assert_eq!(vesting_start(1, 8 * HOUR), Some(3_600));
        assert_eq!(vesting_start(3_600, 8 * HOUR), Some(3_600));
        // 3,601 s in steps of 451 s (rounded up so nine steps cover more than the period).
        assert_eq!(step_secs(HOUR + 1), 451);
    }

    #[test]
    fn one_step_shares_one_schedule_and_a_new_period_gets_its_own() -> Result<()> {
        let mut s = RevenueSchedule::default();
        s.book(100, 10, 8 * HOUR)?;
        s.book(50, 3_000, 8 * HOUR)?;
        s.book(70, 3_000, HOUR)?;
        let used = |p: &RevenuePeriod| p.amounts.iter().filter(|a| **a > 0).count();
        assert_eq!(s.periods.iter().map(used).sum::<usize>(), 2);
        // The one-hour tranche starts at 3,150 (steps of 450 s), the 8-hour one at 3,600.
        assert_eq!(s.locked_at(3_150), 220);
        assert_eq!(s.locked_at(3_600), 150 + 62);
        // Half of the 8-hour period later it is half vested; the one-hour tranche is done.
        assert_eq!(s.locked_at(3_600 + 4 * 3_600), 75);
        assert_eq!(s.locked_at(3_600 + 8 * 3_600), 0);
        Ok(())
    }

    #[test]
    fn two_periods_never_fill_the_schedule_and_three_can() -> Result<()> {
        let mut s = RevenueSchedule::default();
        // Bookings every 7 minutes for ten days under two periods at once always fit.
        for i in 0..(10 * i64::from(DAY) / 420) {
            s.book(1, i * 420, DAY)?;
            s.book(1, i * 420 + 1, 3 * HOUR)?;
        }
        // A third period at once can fill it: the protocol's spacing of vesting changes
        // is what keeps that from happening.
        let mut s = RevenueSchedule::default();
        let refused = (0..3 * i64::from(DAY) / 420).any(|i| {
            [DAY, 2 * DAY, 3 * DAY]
                .iter()
                .any(|v| s.book(1, i * 420, *v).is_err())
        });
        assert!(refused);
        Ok(())
    }

    #[test]
    fn finished_slots_are_reused() -> Result<()> {
        let mut s = RevenueSchedule::default();
        for i in 0..1_000i64 {
            s.book(7, i * 1_000, HOUR)?;
        }
        assert!(s.locked_at(999_000) > 0);
        assert_eq!(s.locked_at(2_000_000), 0);
        Ok(())
    }

    #[test]
    fn a_period_is_finished_exactly_when_nothing_it_holds_is_locked() {
        for vesting_secs in [1, 7, HOUR, DAY] {
            for newest_step in [0u64, 1, 5, 1_000] {
                for mask in 0u32..(1 << STEP_SLOTS) {
                    let mut p = RevenuePeriod {
                        vesting_secs,
                        newest_step,
                        ..RevenuePeriod::default()
                    };
                    for (k, a) in p.amounts.iter_mut().enumerate() {
                        *a = u64::from(mask >> k & 1) * (k as u64 + 1) * 1_000;
                    }
                    for k in 0..STEP_SLOTS {
                        let (start, end) = p.span(k);
                        for now in [0, start, end - 1, end, end + 1] {
                            assert_eq!(p.is_finished(now), p.locked_at(now) == 0, "{p:?} {now}");
                        }
                    }
                }
            }
        }
    }
}
