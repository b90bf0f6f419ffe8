//! Pool and node figures for people: share value, yield, utilisation. Values that move money
//! are exact integers from the program's own math; rates are `f64` for display only.

use tessera::state::{Node, Pool};

/// Settlement units one whole share (`10^decimals` base units) redeems for at `now`.
pub fn share_value(pool: &Pool, decimals: u8, now: i64) -> Option<u64> {
    let one = 10u64.checked_pow(u32::from(decimals))?;
    pool.assets_for(one, now).ok()
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
    fn yield_annualises_simply() {
        let y = annualised_yield(1_000_000, 1_010_000, 365 * 86_400 / 12);
        assert!((y - 0.12).abs() < 1e-9, "{y}");
        assert_eq!(annualised_yield(0, 5, 10), 0.0);
        assert_eq!(annualised_yield(5, 6, 0), 0.0);
    }
}
