//! What a command prints: a human rendering and the same facts as JSON.

use serde_json::Value;

/// A time for a table: its RFC 3339 date and how far from `now` (`… (in 2h)`); JSON keeps the
/// date alone. Zero (never set) reads `-`.
pub fn when(unix: i64, now: i64) -> String {
    if unix == 0 {
        "-".into()
    } else {
        tessera_client::units::format_time(unix, now)
    }
}

/// The JSON value of a rendered cell: `true`/`false` as booleans, whole numbers as numbers,
/// `-` as null, a [`when`] time as its RFC 3339 date, an amount with its unit (`12.5 USDC`) as
/// the amount alone; anything else (decimal amounts stay exact) as a string.
pub fn typed(cell: &str) -> Value {
    if let Some((amount, unit)) = cell.split_once(' ') {
        let decimal = !amount.is_empty() && amount.chars().all(|c| c.is_ascii_digit() || c == '.');
        if decimal && tessera_client::tokens::is_unit(unit) {
            return typed(amount);
        }
    }
    match cell {
        "true" => return Value::Bool(true),
        "false" => return Value::Bool(false),
        "-" => return Value::Null,
        _ => {}
    }
    let integer = !cell.is_empty()
        && cell.chars().all(|c| c.is_ascii_digit())
        && (cell == "0" || !cell.starts_with('0'));
    if integer {
        if let Ok(n) = cell.parse::<u64>() {
            return Value::from(n);
        }
    }
    if let Some((date, rel)) = cell.split_once(" (") {
        let is_date =
            date.len() == 20 && date.ends_with('Z') && date.as_bytes().get(10) == Some(&b'T');
        if is_date && (rel.starts_with("in ") || rel.ends_with(" ago)")) {
            return Value::String(date.to_string());
        }
    }
    Value::String(cell.to_string())
}

/// A command's result.
#[derive(Debug, Clone)]
pub struct Report {
    /// Tables and `key: value` lines.
    pub human: String,
    /// The same facts, machine-readable.
    pub json: Value,
}

impl Report {
    /// A report of `key: value` pairs.
    pub fn fields(pairs: &[(&str, String)]) -> Self {
        let width = pairs.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        let human = pairs
            .iter()
            .map(|(k, v)| format!("{k:<width$}  {v}"))
            .collect::<Vec<_>>()
            .join("\n");
        let json = Value::Object(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_string(), typed(v)))
                .collect(),
        );
        Self { human, json }
    }

    /// A report of rows under `headers`.
    pub fn table(headers: &[&str], rows: Vec<Vec<String>>) -> Self {
        let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.len());
            }
        }
        let line = |cells: Vec<&str>| {
            cells
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_string()
        };
        let mut human = vec![line(headers.to_vec())];
        human.extend(
            rows.iter()
                .map(|r| line(r.iter().map(String::as_str).collect())),
        );
        let json = Value::Array(
            rows.iter()
                .map(|r| {
                    Value::Object(
                        headers
                            .iter()
                            .zip(r)
                            .map(|(h, c)| ((*h).to_string(), typed(c)))
                            .collect(),
                    )
                })
                .collect(),
        );
        Self {
            human: human.join("\n"),
            json,
        }
    }

    /// A one-line confirmation of a landed transaction.
    pub fn done(
        what: &str,
        signature: &solana_sdk::signature::Signature,
        extra: &[(&str, String)],
    ) -> Self {
        let mut pairs = vec![
            ("done", what.to_string()),
            ("signature", signature.to_string()),
        ];
        pairs.extend_from_slice(extra);
        Self::fields(&pairs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_become_typed_json() {
        assert_eq!(typed("true"), Value::Bool(true));
        assert_eq!(typed("42"), Value::from(42u64));
        assert_eq!(
            typed("007"),
            Value::from("007"),
            "not a number: an id with zeros"
        );
        assert_eq!(typed("12.5"), Value::from("12.5"), "amounts stay exact");
        assert_eq!(
            typed("12.5 USDC"),
            Value::from("12.5"),
            "the unit is for people"
        );
        assert_eq!(typed("3 shares"), Value::from(3u64));
        assert_eq!(typed("3 waiting from #0"), Value::from("3 waiting from #0"));
        assert_eq!(typed("-"), Value::Null);
        assert_eq!(typed(&when(7_300, 0)), Value::from("1970-01-01T02:01:40Z"));
        assert_eq!(when(0, 5), "-");
    }
}

/// A command-line argument a user got wrong: reported with kind `input`, before any network
/// call.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);

/// Prints `e` as `error: <message>` on stderr (or its JSON form on stdout) and returns exit
/// code 1. The message is the whole context chain; never a debug dump or a backtrace.
pub fn report_error(e: &anyhow::Error, json: bool) -> std::process::ExitCode {
    let fallback = if e.chain().any(|c| c.is::<BadInput>()) {
        "input"
    } else {
        "error"
    };
    let failure = tessera_client::error::Failure::new(format!("{e:#}"), e.chain(), fallback);
    print_failure(&failure, json);
    std::process::ExitCode::from(1)
}

/// Reports a command line clap could not parse (exit code 2), or prints help and version as
/// clap does (exit code 0).
pub fn usage_error(e: clap::Error, json: bool) -> std::process::ExitCode {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = e.print();
        return std::process::ExitCode::SUCCESS;
    }
    if !json {
        let _ = e.print();
        return std::process::ExitCode::from(2);
    }
    let message = e.render().to_string();
    let first = message
        .lines()
        .next()
        .unwrap_or("")
        .trim_start_matches("error: ");
    let failure = tessera_client::error::Failure {
        kind: "usage".into(),
        message: first.to_string(),
        name: None,
        code: None,
    };
    print_failure(&failure, true);
    std::process::ExitCode::from(2)
}

fn print_failure(failure: &tessera_client::error::Failure, json: bool) {
    if json {
        println!("{}", failure.to_json());
    } else {
        eprintln!("error: {}", failure.message);
    }
}
