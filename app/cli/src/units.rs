//! Human units: token amounts with decimals, durations, basis points, GPU models.

use anyhow::{bail, Context, Result};

/// Parses a decimal amount (`12`, `12.5`, `0.000001`) into base units with `decimals`.
/// `field` names the argument in errors.
pub fn parse_amount(text: &str, decimals: u8, field: &str) -> Result<u64> {
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() && frac.is_empty() {
        bail!("{field}: empty amount");
    }
    if !whole.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
        bail!("{field}: `{text}` is not a decimal amount");
    }
    if frac.len() > usize::from(decimals) {
        bail!("{field}: `{text}` has more than {decimals} decimal places");
    }
    let scale = 10u128.pow(u32::from(decimals));
    let whole: u128 = if whole.is_empty() {
        0
    } else {
        whole
            .parse()
            .with_context(|| format!("{field}: `{text}` is too large"))?
    };
    let frac_units: u128 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<width$}", width = usize::from(decimals)).parse()?
    };
    let total = whole
        .checked_mul(scale)
        .and_then(|w| w.checked_add(frac_units));
    total
        .and_then(|t| u64::try_from(t).ok())
        .with_context(|| format!("{field}: `{text}` is too large"))
}

/// Formats base units with `decimals` (`12500000`, 6 → `12.5`).
pub fn format_amount(units: u64, decimals: u8) -> String {
    let scale = 10u64.pow(u32::from(decimals));
    let (whole, frac) = (units / scale, units % scale);
    if frac == 0 {
        return whole.to_string();
    }
    let frac = format!("{frac:0width$}", width = usize::from(decimals));
    format!("{whole}.{}", frac.trim_end_matches('0'))
}

/// Parses `90`, `90s`, `15m`, `2h`, `7d` into seconds.
pub fn parse_duration(text: &str, field: &str) -> Result<u32> {
    let (digits, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let n: u32 = digits
        .parse()
        .with_context(|| format!("{field}: `{text}` is not a duration like 90s, 15m, 2h or 7d"))?;
    let mul = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => bail!("{field}: unknown unit in `{text}` (use s, m, h or d)"),
    };
    n.checked_mul(mul)
        .with_context(|| format!("{field}: `{text}` is too long"))
}

/// A GPU model name as the 32-byte field the program stores.
pub fn model_bytes(name: &str, field: &str) -> Result<[u8; 32]> {
    if name.len() > 32 {
        bail!("{field}: `{name}` is longer than 32 bytes");
    }
    let mut out = [0u8; 32];
    out[..name.len()].copy_from_slice(name.as_bytes());
    Ok(out)
}

/// The stored 32-byte model field as text.
pub fn model_name(bytes: &[u8; 32]) -> String {
    String::from_utf8_lossy(bytes)
        .trim_end_matches('\0')
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_round_trip_exactly_and_refuse_bad_input() {
        assert_eq!(parse_amount("12.5", 6, "amount").unwrap(), 12_500_000);
        assert_eq!(parse_amount(".000001", 6, "amount").unwrap(), 1);
        assert_eq!(parse_amount("7", 0, "amount").unwrap(), 7);
        assert_eq!(format_amount(12_500_000, 6), "12.5");
        assert_eq!(format_amount(1, 6), "0.000001");
        assert_eq!(format_amount(u64::MAX, 6), "18446744073709.551615");
        assert_eq!(
            parse_amount("18446744073709.551615", 6, "amount").unwrap(),
            u64::MAX
        );
        for bad in [
            "",
            "1.2.3",
            "-1",
            "1e6",
            "0.0000001",
            "18446744073709.551616",
            "abc",
        ] {
            let err = parse_amount(bad, 6, "--amount").unwrap_err().to_string();
            assert!(err.starts_with("--amount"), "{bad}: {err}");
        }
    }

    #[test]
    fn durations_and_models_parse() {
        assert_eq!(parse_duration("90", "d").unwrap(), 90);
        assert_eq!(parse_duration("2h", "d").unwrap(), 7_200);
        assert_eq!(parse_duration("7d", "d").unwrap(), 604_800);
        assert!(parse_duration("2w", "--duration")
            .unwrap_err()
            .to_string()
            .contains("--duration"));
        assert!(parse_duration("h", "--duration").is_err());
        assert_eq!(
            model_name(&model_bytes("NVIDIA H100", "m").unwrap()),
            "NVIDIA H100"
        );
        assert!(model_bytes(&"x".repeat(33), "--model").is_err());
    }
}
