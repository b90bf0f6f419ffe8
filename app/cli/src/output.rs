//! What a command prints: a human rendering and the same facts as JSON.

use serde_json::Value;

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
                .map(|(k, v)| ((*k).to_string(), Value::String(v.clone())))
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
                            .map(|(h, c)| ((*h).to_string(), Value::String(c.clone())))
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
