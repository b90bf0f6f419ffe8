//! Reading a request's positional parameters and its configuration object.

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;
use solana_account_decoder_client_types::UiAccountEncoding;
use solana_rpc_client_api::filter::RpcFilterType;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signature;

use super::RpcError;

/// The `i`-th parameter as `T`, or an "invalid params" error naming it.
pub fn at<T: DeserializeOwned>(params: &Value, i: usize, what: &str) -> Result<T, RpcError> {
    let value = params.get(i).cloned().unwrap_or(Value::Null);
    serde_json::from_value(value).map_err(|e| invalid(format!("{what}: {e}")))
}

/// An "invalid params" error.
pub fn invalid(message: impl Into<String>) -> RpcError {
    RpcError::new(-32602, format!("Invalid params: {}", message.into()))
}

/// The `i`-th parameter as an address.
pub fn pubkey(params: &Value, i: usize) -> Result<Pubkey, RpcError> {
    let text: String = at(params, i, "address")?;
    text.parse()
        .map_err(|_| invalid(format!("{text:?} is not a base-58 address")))
}

/// A signature in base 58.
pub fn signature(text: &str) -> Result<Signature, RpcError> {
    text.parse()
        .map_err(|_| invalid(format!("{text:?} is not a base-58 signature")))
}

/// The configuration object at `i` (absent: all defaults).
pub fn config(params: &Value, i: usize) -> Result<Config, RpcError> {
    match params.get(i) {
        None | Some(Value::Null) => Ok(Config::default()),
        Some(v) => serde_json::from_value(v.clone()).map_err(|e| invalid(format!("config: {e}"))),
    }
}

/// Every configuration field the implemented methods read; others are ignored, as commitment
/// is (everything here is final).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Config {
    pub encoding: Option<String>,
    pub data_slice: Option<DataSlice>,
    pub filters: Option<Vec<RpcFilterType>>,
    pub with_context: Option<bool>,
    pub skip_preflight: Option<bool>,
    pub sig_verify: Option<bool>,
    pub replace_recent_blockhash: Option<bool>,
    pub limit: Option<usize>,
    pub before: Option<String>,
    pub until: Option<String>,
    pub max_supported_transaction_version: Option<u8>,
    pub transaction_details: Option<String>,
    pub accounts: Option<super::simulate::AccountsAfter>,
    pub rewards: Option<bool>,
    pub mint: Option<String>,
    pub program_id: Option<String>,
}

/// `dataSlice`.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct DataSlice {
    pub offset: usize,
    pub length: usize,
}

/// Memcmp filters as `(offset, bytes)`.
pub type Memcmps = Vec<(usize, Vec<u8>)>;

/// Memcmp filters and the data size, if any; at most four filters.
pub fn filters(config: &Config) -> Result<(Memcmps, Option<usize>), RpcError> {
    let all = config.filters.as_deref().unwrap_or_default();
    if all.len() > 4 {
        return Err(invalid("at most 4 filters"));
    }
    let mut memcmp = Vec::new();
    let mut size = None;
    for f in all {
        f.verify().map_err(|e| invalid(format!("filter: {e}")))?;
        match f {
            RpcFilterType::DataSize(n) => size = Some(usize::try_from(*n).unwrap_or(usize::MAX)),
            RpcFilterType::Memcmp(m) => {
                let bytes = m
                    .bytes()
                    .ok_or_else(|| invalid("memcmp bytes do not decode"))?;
                memcmp.push((m.offset(), bytes.into_owned()));
            }
            RpcFilterType::TokenAccountState => size = size.or(Some(165)),
        }
    }
    Ok((memcmp, size))
}

/// An account encoding by name (`base58` by default, as on a node).
pub fn account_encoding(config: &Config) -> Result<UiAccountEncoding, RpcError> {
    Ok(match config.encoding.as_deref() {
        None | Some("binary") | Some("base58") => UiAccountEncoding::Base58,
        Some("base64") => UiAccountEncoding::Base64,
        Some("jsonParsed") => UiAccountEncoding::JsonParsed,
        Some("base64+zstd") => UiAccountEncoding::Base64Zstd,
        Some(other) => {
            return Err(invalid(format!(
                "encoding {other:?}: this chain serves base58, base64, base64+zstd and jsonParsed"
            )))
        }
    })
}
