//! Human units: token amounts with decimals, durations, basis points, GPU models.

use anyhow::{bail, Result};

pub use tessera_client::tokens::Money;
use tessera_client::units::{check_amount, positive_duration};
pub use tessera_client::units::{format_amount, parse_amount, parse_duration};

/// A GPU model name as the 32-byte field the program stores.
pub fn model_bytes(name: &str, field: &str) -> Result<[u8; 32]> {
    if name.len() > 32 {
        bail!("{field}: `{name}` is longer than 32 bytes");
    }
    let mut out = [0u8; 32];
    out[..name.len()].copy_from_slice(name.as_bytes());
    Ok(out)
}

/// Highest TFLOPS a filter may ask for (far above any card).
pub const MAX_TFLOPS: f64 = 100_000.0;

/// Clap parser: a decimal token amount (`12`, `12.5`), checked before any network call; the
/// mint's decimals are applied later by [`parse_amount`].
pub fn amount_arg(text: &str) -> Result<String, String> {
    check_amount(text)
        .map(|()| text.to_string())
        .map_err(|e| e.0)
}

/// Clap parser: an account or wallet address, refused in words ("not a base-58 address")
/// rather than with the key parser's "String is the wrong size".
pub fn pubkey_arg(text: &str) -> Result<solana_sdk::pubkey::Pubkey, String> {
    text.parse().map_err(|_| {
        format!(
            "`{text}` is not a base-58 address (32 bytes, like 11111111111111111111111111111111)"
        )
    })
}

/// Clap parser: where the job spec lives, at most the program's 200 bytes.
pub fn job_uri_arg(text: &str) -> Result<String, String> {
    let max = tessera::instructions::MAX_JOB_URI_LEN;
    match text.len() <= max {
        true => Ok(text.to_string()),
        false => Err(format!(
            "{} bytes is longer than the {max} bytes a lease keeps",
            text.len()
        )),
    }
}

/// Clap parser: a duration (`90s`, `15m`, `2h`, `7d`), checked before any network call.
pub fn duration_arg(text: &str) -> Result<String, String> {
    positive_duration(text)
        .map(|_| text.to_string())
        .map_err(|e| e.0)
}

/// Clap parser: a GPU model name of at most 32 bytes.
pub fn model_arg(text: &str) -> Result<String, String> {
    model_bytes(text, "model")
        .map(|_| text.to_string())
        .map_err(|e| e.to_string().trim_start_matches("model: ").to_string())
}

/// Clap parser: a SHA-256 as 64 hex characters.
pub fn hash_arg(text: &str) -> Result<[u8; 32], String> {
    if text.len() != 64 || !text.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(format!(
            "expected a SHA-256 as 64 hex characters (0-9, a-f), got {} characters",
            text.chars().count()
        ));
    }
    let mut out = [0u8; 32];
    for (byte, pair) in out.iter_mut().zip(text.as_bytes().chunks(2)) {
        let hex = std::str::from_utf8(pair).map_err(|e| e.to_string())?;
        *byte = u8::from_str_radix(hex, 16).map_err(|e| e.to_string())?;
    }
    Ok(out)
}

/// Clap parser: TFLOPS, a finite number from 0 to [`MAX_TFLOPS`].
pub fn tflops_arg(text: &str) -> Result<f64, String> {
    let v: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number of TFLOPS"))?;
    if !v.is_finite() || !(0.0..=MAX_TFLOPS).contains(&v) {
        return Err(format!("`{text}` is outside 0 ..= {MAX_TFLOPS} TFLOPS"));
    }
    Ok(v)
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
    fn models_and_argument_checks() {
        assert_eq!(
            model_name(&model_bytes("NVIDIA H100", "m").unwrap()),
            "NVIDIA H100"
        );
        assert!(model_bytes(&"x".repeat(33), "--model").is_err());
        assert_eq!(amount_arg("12.5").as_deref(), Ok("12.5"));
        assert!(amount_arg("1.2.3").is_err());
        assert_eq!(duration_arg("2h").as_deref(), Ok("2h"));
        assert!(duration_arg("0").is_err());
        assert_eq!(hash_arg(&"ab".repeat(32)).map(|h| h[0]), Ok(0xab));
        assert!(hash_arg(&"é".repeat(32)).is_err());
        assert_eq!(tflops_arg("742.5"), Ok(742.5));
        assert!(tflops_arg("NaN").is_err());
    }
}
