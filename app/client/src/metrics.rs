//! Pool and node figures for people: share value, yield, utilisation. Values that move money
//! are exact integers from the program's own math; rates are `f64` for display only.

use tessera::state::{Node, Pool};

/// Settlement units one whole share (`10^decimals` base units) redeems for at `now`.
pub fn share_value(pool: &Pool, decimals: u8, now: i64) -> Option<u64> {
    let one = 10u64.checked_pow(u32::from(decimals))?;
    pool.assets_for(one, now).ok()
}

/// The exact price of a share at `now` as `(numerator, denominator)`: `(NAV + virtual
/// assets) / (total shares + virtual shares)`, the ratio that `assets_for` rounds down. Shares
/// and the settlement token have the same decimals, so it is also tokens per whole share.
pub fn share_price(pool: &Pool, now: i64) -> Option<(u128, u128)> {
    let nav = pool.nav(now).ok()?;
    Some((
        u128::from(nav) + u128::from(tessera::math::VIRTUAL_ASSETS),
        u128::from(pool.total_shares) + u128::from(tessera::math::VIRTUAL_SHARES),
    ))
}

/// `num / den` in decimal with `digits` places, rounded down (`None` when `den` is zero or the
/// scaled value overflows).
pub fn format_ratio(num: u128, den: u128, digits: u32) -> Option<String> {
    let scaled = num
        .checked_mul(10u128.checked_pow(digits)?)?
        .checked_div(den)?;
    let text = format!("{scaled:0>width$}", width = digits as usize + 1);
    let (whole, frac) = text.split_at(text.len() - digits as usize);
    Some(if digits == 0 {
        whole.to_string()
    } else {
        format!("{whole}.{frac}")
    })
}

/// Annualised yield between two share values `secs` apart (simple, not compounded).
pub fn annualised_yield(value_before: u64, value_after: u64, secs: i64) -> f64 {
    if value_before == 0 || secs <= 0 {
        return 0.0;
    }
    let gain = value_after as f64 / value_before as f64 - 1.0;
    gain * (365.0 * 86_400.0) / secs as f64
}

/// Share of investors' capital deployed into hardware (0..=1).
pub fn capital_utilisation(pool: &Pool) -> f64 {
    let total = pool.cash as f64 + pool.deployed_principal as f64;
    if total == 0.0 {
        0.0
    } else {
        pool.deployed_principal as f64 / total
    }
}

/// Share of a node's GPUs leased now (0..=1).
pub fn gpu_utilisation(node: &Node) -> f64 {
    if node.spec.gpu_count == 0 {
        0.0
    } else {
        f64::from(node.gpus_allocated) / f64::from(node.spec.gpu_count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_print_exactly_and_round_down() {
        assert_eq!(format_ratio(10, 3, 4).as_deref(), Some("3.3333"));
        assert_eq!(format_ratio(1, 8, 3).as_deref(), Some("0.125"));
        assert_eq!(format_ratio(2, 1, 0).as_deref(), Some("2"));
        assert_eq!(format_ratio(1, 0, 2), None);
        assert_eq!(format_ratio(u128::MAX, 1, 2), None);
    }

    #[test]
    fn yield_annualises_simply() {
        let y = annualised_yield(1_000_000, 1_010_000, 365 * 86_400 / 12);
        assert!((y - 0.12).abs() < 1e-9, "{y}");
        assert_eq!(annualised_yield(0, 5, 10), 0.0);
        assert_eq!(annualised_yield(5, 6, 0), 0.0);
    }
}
