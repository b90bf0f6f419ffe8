//! Accounts and transactions in the RPC's encodings.

use base64::Engine as _;
use solana_account_decoder_client_types::{UiAccount, UiAccountData, UiAccountEncoding};
use solana_sdk::account::Account;
use solana_sdk::message::VersionedMessage;
use solana_sdk::transaction::{TransactionVersion, VersionedTransaction};
use solana_transaction_status_client_types::{
    EncodedConfirmedTransactionWithStatusMeta, EncodedTransaction,
    EncodedTransactionWithStatusMeta, TransactionBinaryEncoding, UiCompiledInstruction, UiMessage,
    UiRawMessage, UiTransaction, UiTransactionStatusMeta,
};

use super::params::{invalid, DataSlice};
use super::RpcError;
use crate::bank::Recorded;
use crate::token;

/// Largest account a node encodes in base 58.
const MAX_BASE58: usize = 128;

/// `account` in `encoding`; `decimals` of its mint lets a token account parse.
pub fn account(
    account: &Account,
    encoding: UiAccountEncoding,
    slice: Option<DataSlice>,
    decimals: Option<u8>,
) -> Result<UiAccount, RpcError> {
    let parsed = match encoding {
        UiAccountEncoding::JsonParsed => token::parsed(account, decimals),
        _ => None,
    };
    let data = match parsed {
        Some(p) => UiAccountData::Json(serde_json::from_value(p).map_err(RpcError::internal)?),
        None => {
            let bytes = sliced(&account.data, slice);
            match encoding {
                UiAccountEncoding::Base58 | UiAccountEncoding::Binary => {
                    if bytes.len() > MAX_BASE58 {
                        return Err(invalid(format!(
                            "base58 encoding is limited to {MAX_BASE58} bytes; ask for base64"
                        )));
                    }
                    UiAccountData::Binary(
                        bs58::encode(bytes).into_string(),
                        UiAccountEncoding::Base58,
                    )
                }
                UiAccountEncoding::Base64Zstd => UiAccountData::Binary(
                    base64::engine::general_purpose::STANDARD
                        .encode(zstd::encode_all(bytes, 0).map_err(RpcError::internal)?),
                    UiAccountEncoding::Base64Zstd,
                ),
                _ => UiAccountData::Binary(
                    base64::engine::general_purpose::STANDARD.encode(bytes),
                    UiAccountEncoding::Base64,
                ),
            }
        }
    };
    Ok(UiAccount {
        lamports: account.lamports,
        data,
        owner: account.owner.to_string(),
        executable: account.executable,
        rent_epoch: account.rent_epoch,
        space: Some(account.data.len() as u64),
    })
}

fn sliced(data: &[u8], slice: Option<DataSlice>) -> &[u8] {
    match slice {
        None => data,
        Some(s) => {
            let start = s.offset.min(data.len());
            &data[start..start.saturating_add(s.length).min(data.len())]
        }
    }
}

/// A transaction from the wire (`base64` or `base58`, the default).
pub fn decode_transaction(
    text: &str,
    encoding: Option<&str>,
) -> Result<VersionedTransaction, RpcError> {
    let bytes = match encoding {
        Some("base64") => base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|e| invalid(format!("transaction is not base64: {e}")))?,
        None | Some("base58") => bs58::decode(text)
            .into_vec()
            .map_err(|e| invalid(format!("transaction is not base58: {e}")))?,
        Some(other) => return Err(invalid(format!("transaction encoding {other:?}"))),
    };
    if bytes.len() > 1_232 {
        return Err(invalid(format!(
            "transaction is {} bytes; the limit is 1232",
            bytes.len()
        )));
    }
    bincode::deserialize(&bytes).map_err(|e| invalid(format!("not a transaction: {e}")))
}

/// A recorded transaction as `getTransaction` returns it.
pub fn transaction(
    tx: &Recorded,
    encoding: Option<&str>,
    max_version: Option<u8>,
) -> Result<EncodedConfirmedTransactionWithStatusMeta, RpcError> {
    let version = match (&tx.transaction.message, max_version) {
        (VersionedMessage::Legacy(_), None) => None,
        (VersionedMessage::Legacy(_), Some(_)) => Some(TransactionVersion::LEGACY),
        (VersionedMessage::V0(_), Some(_)) => Some(TransactionVersion::Number(0)),
        (VersionedMessage::V0(_), None) => {
            return Err(RpcError::new(
                -32015,
                "Transaction version (0) is not supported by the requesting client. Please try the request again with the following configuration parameter: \"maxSupportedTransactionVersion\": 0",
            ))
        }
    };
    let binary = |encoding| {
        let bytes = bincode::serialize(&tx.transaction).map_err(RpcError::internal)?;
        Ok::<_, RpcError>(match encoding {
            TransactionBinaryEncoding::Base64 => EncodedTransaction::Binary(
                base64::engine::general_purpose::STANDARD.encode(bytes),
                encoding,
            ),
            TransactionBinaryEncoding::Base58 => {
                EncodedTransaction::Binary(bs58::encode(bytes).into_string(), encoding)
            }
        })
    };
    let encoded = match encoding {
        None | Some("json") => EncodedTransaction::Json(raw(&tx.transaction)),
        Some("base64") => binary(TransactionBinaryEncoding::Base64)?,
        Some("base58") => binary(TransactionBinaryEncoding::Base58)?,
        Some(other) => {
            return Err(invalid(format!(
                "encoding {other:?}: this chain serves json, base64 and base58"
            )))
        }
    };
    Ok(EncodedConfirmedTransactionWithStatusMeta {
        slot: tx.slot,
        transaction: EncodedTransactionWithStatusMeta {
            transaction: encoded,
            meta: Some(UiTransactionStatusMeta::from(tx.meta.clone())),
            version,
        },
        block_time: Some(tx.block_time),
    })
}

fn raw(tx: &VersionedTransaction) -> UiTransaction {
    let m = &tx.message;
    UiTransaction {
        signatures: tx.signatures.iter().map(ToString::to_string).collect(),
        message: UiMessage::Raw(UiRawMessage {
            header: *m.header(),
            account_keys: m
                .static_account_keys()
                .iter()
                .map(ToString::to_string)
                .collect(),
            recent_blockhash: m.recent_blockhash().to_string(),
            instructions: m
                .instructions()
                .iter()
                .map(|ix| UiCompiledInstruction::from(ix, Some(1)))
                .collect(),
            address_table_lookups: m
                .address_table_lookups()
                .map(|l| l.iter().map(Into::into).collect()),
        }),
    }
}
