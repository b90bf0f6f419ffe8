//! `simulateTransaction`: the bank's simulation, on a replaced blockhash or with signatures
//! verified when asked, and the accounts it would leave behind when asked for
//! ([`crate::trial`]).

use serde::Deserialize;
use serde_json::Value;
use solana_rpc_client_api::response::{RpcBlockhash, RpcSimulateTransactionResult};
use solana_sdk::pubkey::Pubkey;

use super::methods::{encode_all, simulated, Answer, RpcError};
use super::params::{at, config, invalid, Config};
use super::{encode, State};
use crate::bank::LAMPORTS_PER_SIGNATURE;

/// The `accounts` option: which accounts to return after the simulation, and how.
#[derive(Debug, Deserialize)]
#[serde(expecting = "an object with \"addresses\" and an optional \"encoding\"")]
pub struct AccountsAfter {
    addresses: Vec<String>,
    encoding: Option<String>,
}

/// The addresses `accounts` asks for (at most as many as the transaction names, as a node
/// allows) and the configuration to encode them with (base64 unless told; not base58).
fn accounts_asked(
    accounts: Option<&AccountsAfter>,
    most: usize,
) -> Result<(Vec<Pubkey>, Config), RpcError> {
    let Some(accounts) = accounts else {
        return Ok((Vec::new(), Config::default()));
    };
    if accounts.addresses.len() > most {
        return Err(invalid(format!("Too many accounts provided; max {most}")));
    }
    let encoding = accounts.encoding.clone().unwrap_or_else(|| "base64".into());
    if matches!(encoding.as_str(), "base58" | "binary") {
        return Err(invalid("base58 encoding not supported"));
    }
    let keys = accounts
        .addresses
        .iter()
        .map(|t| {
            t.parse()
                .map_err(|_| invalid(format!("{t:?} is not a base-58 address")))
        })
        .collect::<Result<_, _>>()?;
    Ok((
        keys,
        Config {
            encoding: Some(encoding),
            ..Config::default()
        },
    ))
}

pub(super) async fn simulate_transaction(state: &State, p: &Value) -> Answer {
    let text: String = at(p, 0, "transaction")?;
    let config = config(p, 1)?;
    let mut tx = encode::decode_transaction(&text, config.encoding.as_deref())?;
    let replace = config.replace_recent_blockhash.unwrap_or(false);
    if replace && config.sig_verify == Some(true) {
        return Err(invalid(
            "sigVerify may not be used with replaceRecentBlockhash",
        ));
    }
    if config.sig_verify == Some(true) && !tx.verify_with_results().iter().all(|ok| *ok) {
        return Err(RpcError::new(
            -32003,
            "Transaction signature verification failure",
        ));
    }
    let mut replacement = None;
    if replace {
        let hash = state
            .chain
            .latest_blockhash()
            .await
            .map_err(RpcError::internal)?;
        tx.message.set_recent_blockhash(hash);
        replacement = Some(RpcBlockhash {
            blockhash: hash.to_string(),
            last_valid_block_height: state.chain.slot() + 150,
        });
    }
    let fee = LAMPORTS_PER_SIGNATURE * tx.signatures.len() as u64;
    let most = tx.message.static_account_keys().len();
    let (addresses, encoding) = accounts_asked(config.accounts.as_ref(), most)?;
    let asked = config.accounts.is_some();
    let (result, sim, after) = state
        .chain
        .simulate(tx, addresses)
        .await
        .map_err(RpcError::internal)?;
    let mut answer = super::methods::to_json(RpcSimulateTransactionResult {
        inner_instructions: Some(sim.inner.into_iter().map(Into::into).collect()),
        replacement_blockhash: replacement,
        fee: Some(fee),
        ..simulated(result.err(), sim.logs, sim.units)
    })?;
    if asked {
        let refs: Vec<_> = after.iter().map(Option::as_ref).collect();
        answer["accounts"] = Value::from(encode_all(state, &refs, &encoding).await?);
    }
    Ok(answer)
}
