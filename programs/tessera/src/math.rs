//! Pure integer money math: u128 intermediates, multiply before divide, rounding named.
//!
//! The pure functions return `None` where the exact result does not fit; callers map that to
//! [`crate::error::TesseraError::MathOverflow`], as [`add`] and [`sub`] do for plain ledger moves.

/// Basis points in one whole.
pub const BPS_DENOMINATOR: u16 = 10_000;

/// Virtual assets added to NAV when pricing shares (first-depositor inflation defence).
pub const VIRTUAL_ASSETS: u64 = 1_000_000;

/// Virtual shares added to the supply when pricing shares (first-depositor inflation defence).
pub const VIRTUAL_SHARES: u64 = 1_000_000;

/// Fixed-point scale of the staking accumulator `acc_reward_per_share`.
pub const REWARD_SCALE: u128 = 1_000_000_000_000;

use anchor_lang::prelude::{AnchorDeserialize, AnchorSerialize, InitSpace};

/// A fraction in basis points, bounded to `0..=10_000` by [`Bps::new`]. Stored in accounts as
/// its `u16`; every stored value was validated once, where it entered the program (parameters,
/// pool creation), and the arithmetic below stays exact even for an unvalidated value.
#[derive(
    AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, Default, PartialEq, Eq,
)]
pub struct Bps(u16);

impl Bps {
    /// Wraps `bps`, refusing values above 100 %.
    pub const fn new(bps: u16) -> Option<Self> {
        if bps <= BPS_DENOMINATOR {
            Some(Self(bps))
        } else {
            None
        }
    }

    /// The raw basis points.
    pub fn get(self) -> u16 {
        self.0
    }

    /// Whether the value is at most `max` basis points (and at most 100 %).
    pub fn at_most(self, max: u16) -> bool {
        self.0 <= max.min(BPS_DENOMINATOR)
    }

    /// `floor(amount × bps / 10_000)`: the fee part, rounded down so the remainder favours the
    /// party that keeps it.
    pub fn fee_floor(self, amount: u64) -> u64 {
        // Cannot fail: bps ≤ 10_000, so the result is ≤ amount.
        let fee = u128::from(amount) * u128::from(self.0) / u128::from(BPS_DENOMINATOR);
        u64::try_from(fee).unwrap_or(amount)
    }

    /// Splits `amount` into `(fee, rest)` with `fee + rest == amount` exactly.
    pub fn split(self, amount: u64) -> (u64, u64) {
        let fee = self.fee_floor(amount);
        (fee, amount - fee.min(amount))
    }
}

/// `floor(a × b / d)`, `None` on division by zero or when the result exceeds `u64`.
pub fn mul_div_floor(a: u64, b: u64, d: u64) -> Option<u64> {
    if d == 0 {
        return None;
    }
    u64::try_from(u128::from(a) * u128::from(b) / u128::from(d)).ok()
}

/// `ceil(a × b / d)`, `None` on division by zero or when the result exceeds `u64`.
pub fn mul_div_ceil(a: u64, b: u64, d: u64) -> Option<u64> {
    if d == 0 {
        return None;
    }
    let num = u128::from(a) * u128::from(b);
    let d = u128::from(d);
    u64::try_from(num.div_ceil(d)).ok()
}

/// `floor(a × b / d)` for a `u128` factor, exact without a 256-bit type: `b = q·d + r`, so
/// `a·b/d = a·q + floor(a·r/d)` where `a·r < a·d` fits whenever `d ≤ u64::MAX`.
pub fn mul_div_floor_wide(a: u64, b: u128, d: u64) -> Option<u128> {
    if d == 0 {
        return None;
    }
    let (a, d) = (u128::from(a), u128::from(d));
    let (q, r) = (b / d, b % d);
    a.checked_mul(q)?.checked_add(a * r / d)
}

/// The full 256-bit product of two `u128`s as `(high, low)` halves.
fn widening_mul(a: u128, b: u128) -> (u128, u128) {
    const LOW: u128 = u64::MAX as u128;
    let (a1, a0, b1, b0) = (a >> 64, a & LOW, b >> 64, b & LOW);
    let (p00, p01, p10, p11) = (a0 * b0, a0 * b1, a1 * b0, a1 * b1);
    let mid = (p00 >> 64) + (p01 & LOW) + (p10 & LOW);
    let low = (p00 & LOW) | (mid << 64);
    let high = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
    (high, low)
}

/// `floor(a × b / d)` exactly over 256-bit intermediates; `None` on division by zero or a
/// quotient above `u128`. The long division only runs when `a × b` overflows `u128`.
pub fn mul_div_floor_u128(a: u128, b: u128, d: u128) -> Option<u128> {
    if d == 0 {
        return None;
    }
    if let Some(product) = a.checked_mul(b) {
        return Some(product / d);
    }
    let (high, low) = widening_mul(a, b);
    if high >= d {
        return None;
    }
    let (mut rem, mut quot) = (high, 0u128);
    for bit in (0..128).rev() {
        let carry = rem >> 127;
        rem = (rem << 1) | ((low >> bit) & 1);
        quot <<= 1;
        if carry == 1 || rem >= d {
            rem = rem.wrapping_sub(d);
            quot |= 1;
        }
    }
    Some(quot)
}

/// Shares minted for `assets` deposited into a pool with `nav` and `total_shares`, rounded down.
pub fn shares_for_assets(assets: u64, nav: u64, total_shares: u64) -> Option<u64> {
    let q = mul_div_floor_u128(
        u128::from(assets),
        u128::from(total_shares) + u128::from(VIRTUAL_SHARES),
        u128::from(nav) + u128::from(VIRTUAL_ASSETS),
    )?;
    u64::try_from(q).ok()
}

/// Assets paid for `shares` redeemed from a pool with `nav` and `total_shares`, rounded down.
pub fn assets_for_shares(shares: u64, nav: u64, total_shares: u64) -> Option<u64> {
    let q = mul_div_floor_u128(
        u128::from(shares),
        u128::from(nav) + u128::from(VIRTUAL_ASSETS),
        u128::from(total_shares) + u128::from(VIRTUAL_SHARES),
    )?;
    u64::try_from(q).ok()
}

/// Seconds in an hour: prices are per GPU-hour, usage is metered in GPU-seconds.
pub const SECS_PER_HOUR: u64 = 3_600;

/// `floor(gpu_seconds × price_per_gpu_hour / 3600)`: what a lease owes after `gpu_seconds`.
/// Charges are differences of this cumulative figure, so rounding never compounds.
pub fn cost_of_gpu_seconds(gpu_seconds: u64, price_per_gpu_hour: u64) -> u128 {
    u128::from(gpu_seconds) * u128::from(price_per_gpu_hour) / u128::from(SECS_PER_HOUR)
}

/// GPU-seconds `gpus` GPUs are allocated for over `secs` seconds: what a lease may bill.
pub fn allocated_gpu_seconds(secs: u64, gpus: u16) -> u64 {
    secs.saturating_mul(u64::from(gpus))
}

/// Escrow for `gpus` GPUs over `secs` seconds at `price_per_gpu_hour`, rounded up.
pub fn escrow_for(gpus: u16, secs: u32, price_per_gpu_hour: u64) -> Option<u64> {
    let gpu_secs = u128::from(allocated_gpu_seconds(u64::from(secs), gpus));
    let cost = gpu_secs.checked_mul(u128::from(price_per_gpu_hour))?;
    u64::try_from(cost.div_ceil(u128::from(SECS_PER_HOUR))).ok()
}

/// Seconds of `gpus` GPUs that `amount` buys at `price_per_gpu_hour`, rounded down.
pub fn secs_bought(amount: u64, gpus: u16, price_per_gpu_hour: u64) -> Option<u64> {
    let per_hour = u128::from(gpus).checked_mul(u128::from(price_per_gpu_hour))?;
    if per_hour == 0 {
        return None;
    }
    u64::try_from(u128::from(amount) * u128::from(SECS_PER_HOUR) / per_hour).ok()
}

/// Revenue still locked at `now` out of `locked`, which began vesting linearly at `locked_at`
/// and is fully unlocked at `unlock_at`; rounded up (a lower NAV favours the pool against
/// sandwiches). The schedule is the one the revenue was booked under, never a live parameter.
pub fn locked_remaining(locked: u64, locked_at: i64, unlock_at: i64, now: i64) -> u64 {
    if locked == 0 || now >= unlock_at {
        return 0;
    }
    let span = u64::try_from(unlock_at.saturating_sub(locked_at)).unwrap_or(0);
    let left = u64::try_from(unlock_at.saturating_sub(now)).unwrap_or(0);
    if left >= span {
        return locked;
    }
    // left < span, so the result is < locked and fits.
    mul_div_ceil(locked, left, span).unwrap_or(locked)
}

/// Checked `a + b` with the program's overflow error.
pub fn add(a: u64, b: u64) -> anchor_lang::Result<u64> {
    a.checked_add(b)
        .ok_or_else(|| anchor_lang::error!(crate::error::TesseraError::MathOverflow))
}

/// Checked `a - b` with the program's overflow error.
pub fn sub(a: u64, b: u64) -> anchor_lang::Result<u64> {
    a.checked_sub(b)
        .ok_or_else(|| anchor_lang::error!(crate::error::TesseraError::MathOverflow))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn bps_refuses_more_than_whole() {
        assert!(Bps::new(10_001).is_none());
        assert_eq!(Bps::new(10_000).map(Bps::get), Some(10_000));
    }

    #[test]
    fn first_deposit_prices_one_to_one() {
        assert_eq!(shares_for_assets(1_000, 0, 0), Some(1_000));
        assert_eq!(assets_for_shares(1_000, 1_000, 1_000), Some(1_000));
    }

    #[test]
    fn revenue_vests_linearly_and_rounds_up() {
        assert_eq!(locked_remaining(100, 0, 10, 0), 100);
        assert_eq!(locked_remaining(100, 0, 10, 5), 50);
        assert_eq!(locked_remaining(100, 0, 10, 7), 30);
        assert_eq!(locked_remaining(1, 0, 10, 9), 1);
        assert_eq!(locked_remaining(100, 0, 10, 10), 0);
        assert_eq!(locked_remaining(100, 0, 0, 99), 0);
        assert_eq!(locked_remaining(100, 50, 60, 0), 100);
    }

    #[test]
    fn share_math_is_exact_at_u64_max() {
        assert_eq!(shares_for_assets(u64::MAX, 0, 0), Some(u64::MAX));
        assert_eq!(
            assets_for_shares(u64::MAX, u64::MAX, u64::MAX),
            Some(u64::MAX)
        );
        assert_eq!(
            mul_div_floor_u128(u128::MAX, u128::MAX, u128::MAX),
            Some(u128::MAX)
        );
        assert_eq!(mul_div_floor_u128(u128::MAX, 2, 1), None);
    }

    proptest! {
        #[test]
        fn wide_mul_div_is_exact(a in any::<u128>(), b in any::<u128>(), d in 1u128..) {
            if let Some(q) = mul_div_floor_u128(a, b, d) {
                // q·d ≤ a·b < (q+1)·d, compared in 256 bits.
                let (qd_hi, qd_lo) = widening_mul(q, d);
                let (ab_hi, ab_lo) = widening_mul(a, b);
                prop_assert!((qd_hi, qd_lo) <= (ab_hi, ab_lo));
                let (rem_lo, borrow) = ab_lo.overflowing_sub(qd_lo);
                let rem_hi = ab_hi - qd_hi - u128::from(borrow);
                prop_assert!(rem_hi == 0 && rem_lo < d);
            } else {
                prop_assert!(widening_mul(a, b).0 >= d);
            }
        }

        #[test]
        fn split_parts_sum_exactly(amount in any::<u64>(), bps in 0u16..=10_000) {
            let (fee, rest) = Bps::new(bps).map(|b| b.split(amount)).unwrap_or_default();
            prop_assert_eq!(u128::from(fee) + u128::from(rest), u128::from(amount));
            prop_assert!(u128::from(fee) * 10_000 <= u128::from(amount) * u128::from(bps));
        }

        #[test]
        fn mul_div_rounds_as_named(a in any::<u64>(), b in any::<u64>(), d in 1u64..) {
            let exact = u128::from(a) * u128::from(b);
            if let Some(f) = mul_div_floor(a, b, d) {
                prop_assert!(u128::from(f) * u128::from(d) <= exact);
                prop_assert!((u128::from(f) + 1) * u128::from(d) > exact);
            } else {
                prop_assert!(exact / u128::from(d) > u128::from(u64::MAX));
            }
            if let Some(c) = mul_div_ceil(a, b, d) {
                prop_assert!(u128::from(c) * u128::from(d) >= exact);
                prop_assert!(u128::from(c) == 0 || (u128::from(c) - 1) * u128::from(d) < exact);
            }
        }

        #[test]
        fn wide_mul_div_matches_split(a in any::<u64>(), hi in any::<u64>(), lo in any::<u64>(), d in 1u64..) {
            let b = (u128::from(hi) << 64) | u128::from(lo);
            // Reference: compare a·b/d against b/d·a + bounds via checked arithmetic where it fits.
            if let Some(v) = mul_div_floor_wide(a, b, d) {
                if let Some(exact) = u128::from(a).checked_mul(b) {
                    prop_assert_eq!(v, exact / u128::from(d));
                }
            }
            let small = u128::from(lo);
            prop_assert_eq!(
                mul_div_floor_wide(a, small, d),
                Some(u128::from(a) * small / u128::from(d))
            );
        }

        #[test]
        fn deposit_then_redeem_never_gains(
            assets in any::<u64>(), nav in any::<u64>(), total in any::<u64>()
        ) {
            if let Some(shares) = shares_for_assets(assets, nav, total) {
                let (nav2, total2) = (nav.checked_add(assets), total.checked_add(shares));
                if let (Some(nav2), Some(total2)) = (nav2, total2) {
                    if let Some(back) = assets_for_shares(shares, nav2, total2) {
                        prop_assert!(back <= assets);
                    }
                }
            }
        }

        #[test]
        fn redeem_then_deposit_never_gains_shares(
            shares in any::<u64>(), nav in any::<u64>(), total in any::<u64>()
        ) {
            prop_assume!(shares <= total);
            if let Some(assets) = assets_for_shares(shares, nav, total) {
                prop_assume!(assets <= nav);
                if let Some(again) = shares_for_assets(assets, nav - assets, total - shares) {
                    prop_assert!(again <= shares);
                }
            }
        }

        #[test]
        fn inflation_by_revenue_is_unprofitable(
            attacker in 1u64..1_000, revenue in 0u64..=u64::MAX / 4, victim in 1u64..=u64::MAX / 4
        ) {
            // Attacker is the first depositor, then pushes `revenue` into NAV (it is theirs to
            // push: interest they paid), then the victim deposits.
            let a_shares = shares_for_assets(attacker, 0, 0).unwrap_or(0);
            let nav = attacker + revenue;
            if let Some(v_shares) = shares_for_assets(victim, nav, a_shares) {
                let total = a_shares + v_shares;
                let nav2 = nav + victim;
                let a_back = assets_for_shares(a_shares, nav2, total).unwrap_or(0);
                prop_assert!(u128::from(a_back) <= u128::from(attacker) + u128::from(revenue));
                if v_shares > 0 {
                    let v_back = assets_for_shares(v_shares, nav2, total).unwrap_or(0);
                    // The victim's loss is bounded by the rounding of one share's worth plus the
                    // virtual offset's cut; never the attacker's gain.
                    let per_share = nav2 / (total + VIRTUAL_SHARES) + 1;
                    prop_assert!(u128::from(victim) <= u128::from(v_back) + u128::from(per_share) + u128::from(victim) / 1_000_000 + 1);
                }
            }
        }
    }
}
