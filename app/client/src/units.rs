//! One unit system for every binary: token amounts as decimals of the mint (`12.5`), durations
//! as `90s`/`15m`/`2h`/`7d`, prices per GPU-hour in tokens, times as dates.

/// A value a person typed that is not in the expected unit, naming the argument.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UnitError(pub String);

macro_rules! fail {
    ($($arg:tt)*) => { return Err(UnitError(format!($($arg)*))) };
}

/// Parses a decimal amount (`12`, `12.5`, `0.000001`) into base units with `decimals`.
/// `field` names the argument in errors.
pub fn parse_amount(text: &str, decimals: u8, field: &str) -> Result<u64, UnitError> {
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() && frac.is_empty() {
        fail!("{field}: empty amount");
    }
    if !whole.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
        fail!("{field}: `{text}` is not a decimal amount");
    }
    if frac.len() > usize::from(decimals) {
        fail!("{field}: `{text}` has more than {decimals} decimal places");
    }
    let too_large = || UnitError(format!("{field}: `{text}` is too large"));
    let Some(scale) = 10u128.checked_pow(u32::from(decimals)) else {
        fail!("{field}: a mint with {decimals} decimals is not supported");
    };
    let whole: u128 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| too_large())?
    };
    let frac_units: u128 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<width$}", width = usize::from(decimals))
            .parse()
            .map_err(|_| too_large())?
    };
    whole
        .checked_mul(scale)
        .and_then(|w| w.checked_add(frac_units))
        .and_then(|t| u64::try_from(t).ok())
        .ok_or_else(too_large)
}

/// Most decimal places an amount may be typed with (before the mint's own decimals are known).
pub const MAX_AMOUNT_DECIMALS: usize = 18;

/// Checks `text` reads as an amount of tokens (`12`, `12.5`) with at most
/// [`MAX_AMOUNT_DECIMALS`] places, before the mint's decimals are known: the argument check
/// both binaries run before any network call.
pub fn check_amount(text: &str) -> Result<(), UnitError> {
    if text.starts_with('-') {
        fail!("`{text}` is negative: amounts of tokens are 0 or more");
    }
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if (whole.is_empty() && frac.is_empty()) || !digits(whole) || !digits(frac) {
        fail!("`{text}` is not an amount of tokens like 12 or 12.5");
    }
    if frac.len() > MAX_AMOUNT_DECIMALS {
        fail!("`{text}` has more than {MAX_AMOUNT_DECIMALS} decimal places");
    }
    Ok(())
}

/// A duration longer than zero, in seconds (argument check of both binaries).
pub fn positive_duration(text: &str) -> Result<u32, UnitError> {
    match parse_duration(text, "duration") {
        Ok(0) => fail!("a duration must be longer than 0 s"),
        Ok(secs) => Ok(secs),
        Err(e) => Err(UnitError(e.0.trim_start_matches("duration: ").to_string())),
    }
}

/// Formats base units with `decimals` (`12500000`, 6 → `12.5`).
pub fn format_amount(units: u64, decimals: u8) -> String {
    let Some(scale) = 10u128.checked_pow(u32::from(decimals)) else {
        return format!("{units}e-{decimals}");
    };
    let units = u128::from(units);
    let (whole, frac) = (units / scale, units % scale);
    if frac == 0 {
        return whole.to_string();
    }
    let frac = format!("{frac:0width$}", width = usize::from(decimals));
    format!("{whole}.{}", frac.trim_end_matches('0'))
}

/// Parses `90`, `90s`, `15m`, `2h`, `7d` into seconds.
pub fn parse_duration(text: &str, field: &str) -> Result<u32, UnitError> {
    let (digits, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let Ok(n) = digits.parse::<u32>() else {
        fail!("{field}: `{text}` is not a duration like 90s, 15m, 2h or 7d");
    };
    if unit.starts_with(['.', ',']) {
        fail!("{field}: `{text}` is not a whole number: durations count whole seconds, minutes, hours or days (30m, not 0.5h)");
    }
    let mul = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => fail!("{field}: unknown unit in `{text}` (use s, m, h or d)"),
    };
    n.checked_mul(mul)
        .ok_or_else(|| UnitError(format!("{field}: `{text}` is too long")))
}

/// Formats seconds the way [`parse_duration`] reads them (`7200` → `2h`, `90` → `90s`).
pub fn format_duration(secs: u64) -> String {
    match secs {
        s if s >= 86_400 && s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s >= 3_600 && s % 3_600 == 0 => format!("{}h", s / 3_600),
        s if s >= 60 && s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// A unix time as an RFC 3339 date (UTC) and relative to `now` (`in 2h`, `5m ago`).
pub fn format_time(unix: i64, now: i64) -> String {
    let date = rfc3339(unix);
    let delta = unix - now;
    let rel = if delta >= 0 {
        format!(
            "in {}",
            format_duration(round_for_people(delta.unsigned_abs()))
        )
    } else {
        format!(
            "{} ago",
            format_duration(round_for_people(delta.unsigned_abs()))
        )
    };
    format!("{date} ({rel})")
}

/// Rounds a span to its largest unit, as people say it.
fn round_for_people(secs: u64) -> u64 {
    for unit in [86_400, 3_600, 60] {
        if secs >= unit {
            return secs / unit * unit;
        }
    }
    secs
}

/// `unix` as `YYYY-MM-DDTHH:MM:SSZ`, by the civil-from-days algorithm (H. Hinnant).
pub fn rfc3339(unix: i64) -> String {
    let (days, secs) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3_600,
        secs % 3_600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_round_trip_and_bad_ones_are_named() {
        assert_eq!(parse_amount("12.5", 6, "x"), Ok(12_500_000));
        assert_eq!(parse_amount(".000001", 6, "x"), Ok(1));
        assert_eq!(parse_amount("7", 0, "x"), Ok(7));
        assert_eq!(format_amount(12_500_000, 6), "12.5");
        assert_eq!(format_amount(1, 6), "0.000001");
        assert_eq!(format_amount(u64::MAX, 6), "18446744073709.551615");
        assert_eq!(parse_amount("18446744073709.551615", 6, "x"), Ok(u64::MAX));
        for bad in ["0.0000001", "18446744073709.551616", "abc"] {
            assert!(parse_amount(bad, 6, "--amount")
                .unwrap_err()
                .0
                .starts_with("--amount"));
        }
        assert_eq!(format_amount(5, 30), "0.000000000000000000000000000005");
        assert_eq!(format_amount(5, 40), "5e-40");
        for bad in ["", ".", "1.2.3", "-1", "+1", "1e3", "é"] {
            let e = parse_amount(bad, 6, "--price").unwrap_err();
            assert!(e.0.starts_with("--price: "), "{bad}: {e}");
        }
        assert!(parse_amount("1", 40, "x")
            .unwrap_err()
            .0
            .contains("40 decimals"));
        assert!(parse_amount("99999999999999999999", 6, "x")
            .unwrap_err()
            .0
            .contains("too large"));
    }

    #[test]
    fn durations_and_dates_read_as_people_write_them() {
        assert_eq!(parse_duration("2h", "d"), Ok(7_200));
        assert_eq!(parse_duration("90", "d"), Ok(90));
        assert_eq!(parse_duration("7d", "d"), Ok(604_800));
        assert!(parse_duration("2w", "--duration")
            .unwrap_err()
            .0
            .contains("--duration"));
        assert!(parse_duration("h", "--duration").is_err());
        assert!(parse_duration("0.5s", "--duration")
            .unwrap_err()
            .0
            .contains("`0.5s` is not a whole number"));
        assert_eq!(format_duration(7_200), "2h");
        assert_eq!(format_duration(90), "90s");
        assert!(parse_duration("99999999d", "d")
            .unwrap_err()
            .0
            .contains("too long"));
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_795_694_400), "2026-11-26T12:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(format_time(7_300, 0), "1970-01-01T02:01:40Z (in 2h)");
        assert_eq!(format_time(0, 330), "1970-01-01T00:00:00Z (5m ago)");
    }
}
