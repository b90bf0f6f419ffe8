//! The JSON-RPC methods: what `@solana/kit`, the Solana CLI, wallets and the Rust SDK use for
//! ordinary work, answered in the shapes of `solana-rpc-client-api`'s types.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{json, Value};
use solana_account_decoder_client_types::UiAccountEncoding;
use solana_rpc_client_api::response::{
    Response, RpcBlockhash, RpcConfirmedTransactionStatusWithSignature, RpcKeyedAccount,
    RpcResponseContext, RpcSimulateTransactionResult, RpcVersionInfo,
};
use solana_sdk::account::Account;
use solana_sdk::hash::Hash;
use solana_sdk::message::VersionedMessage;
use solana_sdk::native_token::LAMPORTS_PER_SOL;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::transaction::TransactionError;
use solana_transaction_status_client_types::{
    TransactionConfirmationStatus, TransactionStatus, UiConfirmedBlock,
};
use tessera_client::Chain;

use super::params::{self, at, config, invalid, pubkey, Config};
use super::{encode, simulate, State};
use crate::bank::{Recorded, Submission};
use crate::token;

/// A JSON-RPC error object.
#[derive(Debug, Clone, Serialize)]
pub struct RpcError {
    /// JSON-RPC or Solana error code.
    pub code: i64,
    /// In words.
    pub message: String,
    /// Details (a failed simulation's logs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl RpcError {
    /// An error without details.
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            data: None,
        }
    }

    /// An internal error.
    pub fn internal(e: impl std::fmt::Display) -> Self {
        Self::new(-32603, format!("Internal error: {e}"))
    }
}

/// Most signatures one `getSignatureStatuses` or accounts one `getMultipleAccounts` takes.
const MAX_KEYS: usize = 256;
/// Most lamports one airdrop gives.
const MAX_AIRDROP: u64 = 1_000 * LAMPORTS_PER_SOL;
/// Epoch length (mainnet's).
const SLOTS_PER_EPOCH: u64 = 432_000;

pub(super) type Answer = Result<Value, RpcError>;

/// The version this node reports: the Solana runtime it embeds, and its own.
const VERSION: &str = concat!("3.1.12 (tessera-localnet ", env!("CARGO_PKG_VERSION"), ")");

pub(super) fn to_json(v: impl Serialize) -> Answer {
    serde_json::to_value(v).map_err(RpcError::internal)
}

/// Answers `method`.
pub async fn handle(state: &State, method: &str, p: &Value) -> Answer {
    let chain = &state.chain;
    let slot = chain.slot();
    let with_context = |value: Value| {
        to_json(Response {
            context: RpcResponseContext::new(slot),
            value,
        })
    };
    match method {
        "getAccountInfo" => with_context(account_info(state, p).await?),
        "getMultipleAccounts" => with_context(multiple_accounts(state, p).await?),
        "getProgramAccounts" => program_accounts(state, p, slot).await,
        "getBalance" => {
            let account = chain
                .account(&pubkey(p, 0)?)
                .await
                .map_err(RpcError::internal)?;
            with_context(json!(account.map_or(0, |a| a.lamports)))
        }
        "getTokenAccountBalance" => with_context(token_balance(state, p).await?),
        "getTokenAccountsByOwner" => with_context(token_accounts(state, p).await?),
        "getLatestBlockhash" => {
            let hash = chain.latest_blockhash().await.map_err(RpcError::internal)?;
            with_context(to_json(RpcBlockhash {
                blockhash: hash.to_string(),
                last_valid_block_height: slot + 150,
            })?)
        }
        "isBlockhashValid" => {
            let text: String = at(p, 0, "blockhash")?;
            let hash: Hash = text.parse().map_err(|_| invalid("not a blockhash"))?;
            let fee = chain
                .blockhash_fee(&hash)
                .await
                .map_err(RpcError::internal)?;
            with_context(json!(fee.is_some()))
        }
        "sendTransaction" => send_transaction(state, p).await,
        "simulateTransaction" => with_context(simulate::simulate_transaction(state, p).await?),
        "getSignatureStatuses" => with_context(signature_statuses(state, p).await?),
        "getSignaturesForAddress" => signatures_for_address(state, p).await,
        "getTransaction" => get_transaction(state, p).await,
        "getBlock" => get_block(state, p, slot).await,
        "requestAirdrop" => request_airdrop(state, p).await,
        "getSlot" | "getBlockHeight" => Ok(json!(slot)),
        "getEpochInfo" => Ok(json!({
            "absoluteSlot": slot,
            "blockHeight": slot,
            "epoch": slot / SLOTS_PER_EPOCH,
            "slotIndex": slot % SLOTS_PER_EPOCH,
            "slotsInEpoch": SLOTS_PER_EPOCH,
            "transactionCount": null,
        })),
        "getBlockTime" => Ok(json!(unix_time(state).await?)),
        "getVersion" => to_json(RpcVersionInfo {
            solana_core: VERSION.to_string(),
            feature_set: Some(0),
        }),
        "getGenesisHash" => Ok(json!(chain.genesis_hash().to_string())),
        "getHealth" => Ok(json!("ok")),
        "getIdentity" => Ok(json!({"identity": chain.payer().to_string()})),
        "getMinimumBalanceForRentExemption" => {
            let size: usize = at(p, 0, "data length")?;
            Ok(json!(chain
                .rent_exempt(size)
                .await
                .map_err(RpcError::internal)?))
        }
        "getFeeForMessage" => with_context(fee_for_message(state, p).await?),
        "getRecentPrioritizationFees" => Ok(json!([])),
        "getEpochSchedule" => Ok(json!({
            "slotsPerEpoch": SLOTS_PER_EPOCH,
            "leaderScheduleSlotOffset": SLOTS_PER_EPOCH,
            "warmup": false,
            "firstNormalEpoch": 0,
            "firstNormalSlot": 0,
        })),
        "getTransactionCount" => Ok(json!(chain.transaction_count().await)),
        "getClusterNodes" => Ok(json!([{
            "pubkey": chain.payer().to_string(),
            "gossip": null,
            "tpu": null,
            "tpuQuic": null,
            "rpc": state.addresses.0.to_string(),
            "pubsub": state.addresses.1.to_string(),
            "version": VERSION,
            "featureSet": 0,
            "shredVersion": 0,
        }])),
        "getTokenSupply" => with_context(token_supply(state, p).await?),
        "tessera_advanceClock" => {
            let secs: u32 = at(p, 0, "seconds")?;
            chain
                .advance_clock(i64::from(secs))
                .await
                .map_err(RpcError::internal)?;
            Ok(json!(unix_time(state).await?))
        }
        other => Err(RpcError::new(-32601, format!("Method not found: {other}"))),
    }
}

async fn unix_time(state: &State) -> Result<i64, RpcError> {
    state
        .chain
        .unix_timestamp()
        .await
        .map_err(RpcError::internal)
}

/// Decimals of each token account's mint among `accounts` (for `jsonParsed`).
async fn decimals_for(
    state: &State,
    accounts: &[Option<&Account>],
) -> Result<HashMap<Pubkey, u8>, RpcError> {
    let mints = token::mints_of(accounts.iter().copied());
    let found = state
        .chain
        .accounts(&mints)
        .await
        .map_err(RpcError::internal)?;
    Ok(token::decimals(&mints, &found))
}

/// `accounts` encoded as `config` asks.
pub(super) async fn encode_all(
    state: &State,
    accounts: &[Option<&Account>],
    config: &Config,
) -> Result<Vec<Option<Value>>, RpcError> {
    let encoding = params::account_encoding(config)?;
    let decimals = match encoding {
        UiAccountEncoding::JsonParsed => decimals_for(state, accounts).await?,
        _ => HashMap::new(),
    };
    accounts
        .iter()
        .map(|a| {
            a.map(|a| {
                let mint_decimals = token::holding(a).and_then(|h| decimals.get(&h.mint).copied());
                to_json(encode::account(
                    a,
                    encoding,
                    config.data_slice,
                    mint_decimals,
                )?)
            })
            .transpose()
        })
        .collect()
}

async fn account_info(state: &State, p: &Value) -> Answer {
    let account = state
        .chain
        .account(&pubkey(p, 0)?)
        .await
        .map_err(RpcError::internal)?;
    let encoded = encode_all(state, &[account.as_ref()], &config(p, 1)?).await?;
    Ok(encoded.into_iter().next().flatten().unwrap_or(Value::Null))
}

async fn multiple_accounts(state: &State, p: &Value) -> Answer {
    let texts: Vec<String> = at(p, 0, "addresses")?;
    if texts.len() > MAX_KEYS {
        return Err(invalid(format!("at most {MAX_KEYS} addresses")));
    }
    let keys = texts
        .iter()
        .map(|t| {
            t.parse()
                .map_err(|_| invalid(format!("{t:?} is not a base-58 address")))
        })
        .collect::<Result<Vec<Pubkey>, _>>()?;
    let accounts = state
        .chain
        .accounts(&keys)
        .await
        .map_err(RpcError::internal)?;
    let refs: Vec<Option<&Account>> = accounts.iter().map(Option::as_ref).collect();
    to_json(encode_all(state, &refs, &config(p, 1)?).await?)
}

async fn keyed(
    state: &State,
    found: Vec<(Pubkey, Account)>,
    config: &Config,
) -> Result<Vec<RpcKeyedAccount>, RpcError> {
    let refs: Vec<Option<&Account>> = found.iter().map(|(_, a)| Some(a)).collect();
    let encoded = encode_all(state, &refs, config).await?;
    found
        .iter()
        .zip(encoded)
        .map(|((key, _), account)| {
            Ok(RpcKeyedAccount {
                pubkey: key.to_string(),
                account: serde_json::from_value(account.unwrap_or_default())
                    .map_err(RpcError::internal)?,
            })
        })
        .collect()
}

async fn program_accounts(state: &State, p: &Value, slot: u64) -> Answer {
    let program = pubkey(p, 0)?;
    let config = config(p, 1)?;
    let (memcmp, size) = params::filters(&config)?;
    let found = state
        .chain
        .owned_by(&program, &memcmp, size)
        .await
        .map_err(RpcError::internal)?;
    let accounts = keyed(state, found, &config).await?;
    match config.with_context {
        Some(true) => to_json(Response {
            context: RpcResponseContext::new(slot),
            value: accounts,
        }),
        _ => to_json(accounts),
    }
}

async fn token_balance(state: &State, p: &Value) -> Answer {
    let address = pubkey(p, 0)?;
    let not_token = || invalid(format!("{address} is not a token account"));
    let account = state
        .chain
        .account(&address)
        .await
        .map_err(RpcError::internal)?;
    let holding = account
        .as_ref()
        .and_then(token::holding)
        .ok_or_else(not_token)?;
    let mint = state
        .chain
        .account(&holding.mint)
        .await
        .map_err(RpcError::internal)?;
    let (decimals, _) = mint.as_ref().and_then(token::mint).ok_or_else(not_token)?;
    to_json(token::ui_amount(holding.amount, decimals))
}

async fn token_supply(state: &State, p: &Value) -> Answer {
    let address = pubkey(p, 0)?;
    let account = state
        .chain
        .account(&address)
        .await
        .map_err(RpcError::internal)?;
    let (decimals, supply) = account
        .as_ref()
        .and_then(token::mint)
        .ok_or_else(|| invalid(format!("{address} is not a token mint")))?;
    to_json(token::ui_amount(supply, decimals))
}

async fn token_accounts(state: &State, p: &Value) -> Answer {
    let owner = pubkey(p, 0)?;
    let which = config(p, 1)?;
    let mut filters = vec![(32, owner.to_bytes().to_vec())];
    let program = match (which.mint, which.program_id) {
        (Some(mint), None) => {
            let mint: Pubkey = mint
                .parse()
                .map_err(|_| invalid("mint is not an address"))?;
            filters.push((0, mint.to_bytes().to_vec()));
            let account = state
                .chain
                .account(&mint)
                .await
                .map_err(RpcError::internal)?;
            account.map_or(anchor_spl::token::ID, |a| a.owner)
        }
        (None, Some(program)) => program
            .parse()
            .map_err(|_| invalid("programId is not an address"))?,
        _ => return Err(invalid("give either mint or programId")),
    };
    if !token::is_token_program(&program) {
        return Err(invalid(format!("{program} is not a token program")));
    }
    let found = state
        .chain
        .owned_by(&program, &filters, None)
        .await
        .map_err(RpcError::internal)?;
    let found = found
        .into_iter()
        .filter(|(_, a)| token::holding(a).is_some())
        .collect();
    to_json(keyed(state, found, &config(p, 2)?).await?)
}

fn status_of(tx: &Recorded) -> TransactionStatus {
    TransactionStatus {
        slot: tx.slot,
        confirmations: None,
        status: tx.meta.status.clone(),
        err: tx.meta.status.clone().err(),
        confirmation_status: Some(TransactionConfirmationStatus::Finalized),
    }
}

async fn send_transaction(state: &State, p: &Value) -> Answer {
    let text: String = at(p, 0, "transaction")?;
    let config = config(p, 1)?;
    let tx = encode::decode_transaction(&text, config.encoding.as_deref())?;
    let skip = config.skip_preflight.unwrap_or(false);
    match state
        .chain
        .submit(tx, skip)
        .await
        .map_err(RpcError::internal)?
    {
        Submission::Landed(tx) => Ok(json!(tx.signature.to_string())),
        Submission::Refused(r) if r.err == TransactionError::SignatureFailure => Err(
            RpcError::new(-32003, "Transaction signature verification failure"),
        ),
        Submission::Refused(r) => {
            let result = simulated(Some(r.err.clone()), r.logs, r.units);
            Err(RpcError {
                code: -32002,
                message: format!("Transaction simulation failed: {}", r.err),
                data: Some(to_json(result)?),
            })
        }
    }
}

/// A simulation's outcome as a node reports it: the error, logs and compute units; what this
/// chain does not track (accounts, balances, return data) is absent.
pub(super) fn simulated(
    err: Option<TransactionError>,
    logs: Vec<String>,
    units: u64,
) -> RpcSimulateTransactionResult {
    RpcSimulateTransactionResult {
        err: err.map(Into::into),
        logs: Some(logs),
        accounts: None,
        units_consumed: Some(units),
        loaded_accounts_data_size: None,
        return_data: None,
        inner_instructions: None,
        replacement_blockhash: None,
        fee: None,
        pre_balances: None,
        post_balances: None,
        pre_token_balances: None,
        post_token_balances: None,
        loaded_addresses: None,
    }
}

async fn signature_statuses(state: &State, p: &Value) -> Answer {
    let texts: Vec<String> = at(p, 0, "signatures")?;
    if texts.len() > MAX_KEYS {
        return Err(invalid(format!("at most {MAX_KEYS} signatures")));
    }
    let mut out = Vec::with_capacity(texts.len());
    for text in &texts {
        let tx = state.chain.transaction(&params::signature(text)?).await;
        out.push(tx.as_deref().map(status_of));
    }
    to_json(out)
}

async fn signatures_for_address(state: &State, p: &Value) -> Answer {
    let address = pubkey(p, 0)?;
    let config = config(p, 1)?;
    let limit = config.limit.unwrap_or(1_000);
    if !(1..=1_000).contains(&limit) {
        return Err(invalid("limit must be between 1 and 1000"));
    }
    let before = config
        .before
        .as_deref()
        .map(params::signature)
        .transpose()?;
    let until = config.until.as_deref().map(params::signature).transpose()?;
    let found = state
        .chain
        .signatures_page(&address, before, until, limit)
        .await;
    let page: Vec<_> = found
        .iter()
        .map(|t| RpcConfirmedTransactionStatusWithSignature {
            signature: t.signature.to_string(),
            slot: t.slot,
            err: t.meta.status.clone().err().map(Into::into),
            memo: None,
            block_time: Some(t.block_time),
            confirmation_status: Some(TransactionConfirmationStatus::Finalized),
        })
        .collect();
    to_json(page)
}

/// `getBlock`: a slot in which transactions landed ([`crate::blocks`]); any other slot up to
/// now was skipped, as a cluster reports a slot without a block.
async fn get_block(state: &State, p: &Value, now: u64) -> Answer {
    let slot: u64 = at(p, 0, "slot")?;
    let config = config(p, 1)?;
    if slot > now {
        return Err(RpcError::new(
            -32004,
            format!("Block not available for slot {slot}"),
        ));
    }
    let Some((linked, txs)) = state.chain.block(slot).await else {
        return Err(RpcError::new(
            -32007,
            format!("Slot {slot} was skipped, or missing due to ledger jump to recent snapshot"),
        ));
    };
    let encoding = config.encoding.as_deref();
    let version = config.max_supported_transaction_version;
    let (transactions, signatures) = match config.transaction_details.as_deref() {
        None | Some("full") => {
            let full = txs
                .iter()
                .map(|tx| encode::transaction(tx, encoding, version).map(|t| t.transaction))
                .collect::<Result<Vec<_>, _>>()?;
            (Some(full), None)
        }
        Some("signatures") => (
            None,
            Some(txs.iter().map(|t| t.signature.to_string()).collect()),
        ),
        Some("none") => (None, None),
        Some(other) => {
            return Err(invalid(format!(
                "transactionDetails {other:?}: this chain serves full, signatures and none"
            )))
        }
    };
    to_json(UiConfirmedBlock {
        previous_blockhash: linked.previous_blockhash.to_string(),
        blockhash: linked.block.blockhash.to_string(),
        parent_slot: linked.parent_slot,
        transactions,
        signatures,
        rewards: config.rewards.unwrap_or(true).then(Vec::new),
        num_reward_partitions: None,
        block_time: Some(linked.block.time),
        block_height: Some(slot),
    })
}

async fn get_transaction(state: &State, p: &Value) -> Answer {
    let text: String = at(p, 0, "signature")?;
    let signature = params::signature(&text)?;
    // The second parameter may be a bare encoding name (the legacy form).
    let config = match p.get(1) {
        Some(Value::String(e)) => Config {
            encoding: Some(e.clone()),
            ..Config::default()
        },
        _ => config(p, 1)?,
    };
    match state.chain.transaction(&signature).await {
        None => Ok(Value::Null),
        Some(tx) => to_json(encode::transaction(
            &tx,
            config.encoding.as_deref(),
            config.max_supported_transaction_version,
        )?),
    }
}

async fn request_airdrop(state: &State, p: &Value) -> Answer {
    let to = pubkey(p, 0)?;
    let lamports: u64 = at(p, 1, "lamports")?;
    if lamports == 0 || lamports > MAX_AIRDROP {
        return Err(invalid(format!(
            "an airdrop is 1 to {MAX_AIRDROP} lamports"
        )));
    }
    let chain = &state.chain;
    let ix =
        anchor_lang::solana_program::system_instruction::transfer(&chain.payer(), &to, lamports);
    let signature = chain.send(&[ix], &[]).await.map_err(RpcError::internal)?;
    Ok(json!(signature.to_string()))
}

async fn fee_for_message(state: &State, p: &Value) -> Answer {
    use base64::Engine as _;
    let text: String = at(p, 0, "message")?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| invalid(format!("message is not base64: {e}")))?;
    let message: VersionedMessage =
        bincode::deserialize(&bytes).map_err(|e| invalid(format!("not a message: {e}")))?;
    let signatures = u64::from(message.header().num_required_signatures);
    let valid = state
        .chain
        .blockhash_fee(message.recent_blockhash())
        .await
        .map_err(RpcError::internal)?;
    Ok(json!(valid.map(|per| per * signatures)))
}
