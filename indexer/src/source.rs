//! Where the indexer reads the chain. [`Source`] is the seam: [`RpcSource`] reads a node's
//! JSON-RPC (`getProgramAccounts`, `getMultipleAccounts`, `getSignaturesForAddress`,
//! `getTransaction`, `getSignatureStatuses`) and is woken by its websocket (`logsSubscribe`
//! mentioning the program), falling back to polling; a Yellowstone gRPC stream would be
//! another implementation of the same trait.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures_util::StreamExt;
use solana_account_decoder_client_types::UiAccountEncoding;
use solana_commitment_config::CommitmentConfig;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client::rpc_client::GetConfirmedSignaturesForAddress2Config;
use solana_rpc_client_api::client_error::Error as RpcError;
use solana_rpc_client_api::config::{
    RpcAccountInfoConfig, RpcProgramAccountsConfig, RpcTransactionConfig, RpcTransactionLogsConfig,
    RpcTransactionLogsFilter,
};
use solana_rpc_client_api::request::RpcRequest;
use solana_rpc_client_api::response::{Response, RpcKeyedAccount};
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signature;
use solana_transaction_status_client_types::{
    EncodedTransaction, TransactionConfirmationStatus, UiTransactionEncoding,
};
use tokio::sync::Notify;

/// A failure reading the chain, in words.
#[derive(Debug, thiserror::Error)]
#[error("reading the chain at {url} failed: {message}")]
pub struct SourceError {
    pub url: String,
    pub message: String,
}

/// One program transaction as the indexer needs it.
#[derive(Debug, Clone)]
pub struct SourceTx {
    pub slot: u64,
    pub block_time: i64,
    /// Every account it loaded (their new state is read after it).
    pub keys: Vec<Pubkey>,
    /// The data of each inner instruction to the program, in order (events among them).
    pub program_data: Vec<Vec<u8>>,
}

/// A landed program transaction's signature, slot and whether it failed.
#[derive(Debug, Clone)]
pub struct Landed {
    pub signature: String,
    pub slot: u64,
    pub failed: bool,
}

/// Where the indexer reads the chain.
#[async_trait]
pub trait Source: Send + Sync {
    /// Every account the program owns now, with the slot read at.
    async fn all_accounts(&self) -> Result<(u64, Vec<(Pubkey, Vec<u8>)>), SourceError>;
    /// The accounts at `addresses` now (`None`: closed), with the slot read at.
    async fn accounts(
        &self,
        addresses: &[Pubkey],
    ) -> Result<(u64, Vec<Option<Vec<u8>>>), SourceError>;
    /// The program's transactions after `after` (all of them when `None`), oldest first.
    async fn landed_after(&self, after: Option<&str>) -> Result<Vec<Landed>, SourceError>;
    /// One transaction, if the node still has it.
    async fn transaction(&self, signature: &str) -> Result<Option<SourceTx>, SourceError>;
    /// Whether each signature is finalized.
    async fn finalized(&self, signatures: &[String]) -> Result<Vec<bool>, SourceError>;
    /// The hash of the chain's genesis block (which chain this is).
    async fn genesis_hash(&self) -> Result<String, SourceError>;
    /// The chain's newest slot.
    async fn slot(&self) -> Result<u64, SourceError>;
    /// `owner`'s SPL Token balances now, by mint (several accounts of one mint summed).
    async fn token_balances(&self, owner: &Pubkey) -> Result<Vec<(Pubkey, u64)>, SourceError>;
    /// Waits until the program may have changed: a notification, or at most `poll`.
    async fn changed(&self, poll: Duration);
}

/// The JSON-RPC source, woken by the node's websocket when it has one.
pub struct RpcSource {
    rpc: RpcClient,
    url: String,
    woken: Arc<Notify>,
}

impl RpcSource {
    /// Reads `url` at `confirmed`; subscribes to the program's logs on `ws` (a failed or lost
    /// subscription leaves polling, retried every 10 s).
    pub fn new(url: &str, ws: Option<String>) -> Self {
        let woken = Arc::new(Notify::new());
        if let Some(ws) = ws {
            tokio::spawn(watch(ws, woken.clone()));
        }
        Self {
            rpc: RpcClient::new_with_commitment(url.to_string(), CommitmentConfig::confirmed()),
            url: url.to_string(),
            woken,
        }
    }

    /// The block time of `slot` (0 when the node has none).
    pub async fn block_time(&self, slot: u64) -> Result<i64, SourceError> {
        match self.rpc.get_block_time(slot).await {
            Ok(t) => Ok(t),
            Err(e) if is_missing(&e) => Ok(0),
            Err(e) => Err(self.error(e)),
        }
    }

    fn error(&self, e: impl std::fmt::Display) -> SourceError {
        SourceError {
            url: self.url.clone(),
            message: e.to_string(),
        }
    }
}

/// Wakes `woken` on every log line mentioning the program, reconnecting after a failure.
async fn watch(ws: String, woken: Arc<Notify>) {
    loop {
        if let Ok(client) =
            solana_pubsub_client::nonblocking::pubsub_client::PubsubClient::new(ws.as_str()).await
        {
            let filter = RpcTransactionLogsFilter::Mentions(vec![tessera_client::ID.to_string()]);
            let config = RpcTransactionLogsConfig {
                commitment: Some(CommitmentConfig::confirmed()),
            };
            if let Ok((mut stream, _unsubscribe)) = client.logs_subscribe(filter, config).await {
                tracing::info!(%ws, "following the program's logs");
                while stream.next().await.is_some() {
                    woken.notify_one();
                }
            }
        }
        tracing::warn!(%ws, "websocket unavailable: polling");
        tokio::time::sleep(Duration::from_secs(10)).await;
    }
}

fn account_config() -> RpcAccountInfoConfig {
    RpcAccountInfoConfig {
        encoding: Some(UiAccountEncoding::Base64),
        commitment: Some(CommitmentConfig::confirmed()),
        ..RpcAccountInfoConfig::default()
    }
}

#[async_trait]
impl Source for RpcSource {
    async fn all_accounts(&self) -> Result<(u64, Vec<(Pubkey, Vec<u8>)>), SourceError> {
        let slot = self.rpc.get_slot().await.map_err(|e| self.error(e))?;
        let config = RpcProgramAccountsConfig {
            account_config: account_config(),
            ..RpcProgramAccountsConfig::default()
        };
        let found = self
            .rpc
            .get_program_ui_accounts_with_config(&tessera_client::ID, config)
            .await
            .map_err(|e| self.error(e))?;
        let accounts = found
            .into_iter()
            .filter_map(|(key, ui)| Some((key, ui.data.decode()?)))
            .collect();
        Ok((slot, accounts))
    }

    async fn accounts(
        &self,
        addresses: &[Pubkey],
    ) -> Result<(u64, Vec<Option<Vec<u8>>>), SourceError> {
        let mut out = Vec::with_capacity(addresses.len());
        let mut slot = 0;
        for chunk in addresses.chunks(100) {
            let read = self
                .rpc
                .get_multiple_accounts_with_commitment(chunk, CommitmentConfig::confirmed())
                .await
                .map_err(|e| self.error(e))?;
            slot = slot.max(read.context.slot);
            out.extend(
                read.value
                    .into_iter()
                    .map(|a| a.filter(|a| a.owner == tessera_client::ID).map(|a| a.data)),
            );
        }
        Ok((slot, out))
    }

    async fn landed_after(&self, after: Option<&str>) -> Result<Vec<Landed>, SourceError> {
        let until = after
            .map(Signature::from_str)
            .transpose()
            .map_err(|e| self.error(e))?;
        let mut before = None;
        let mut newest_first = Vec::new();
        loop {
            let config = GetConfirmedSignaturesForAddress2Config {
                before,
                until,
                limit: Some(1_000),
                commitment: Some(CommitmentConfig::confirmed()),
            };
            let page = self
                .rpc
                .get_signatures_for_address_with_config(&tessera_client::ID, config)
                .await
                .map_err(|e| self.error(e))?;
            let Some(last) = page.last() else { break };
            before = Some(Signature::from_str(&last.signature).map_err(|e| self.error(e))?);
            let full = page.len() == 1_000;
            newest_first.extend(page.into_iter().map(|s| Landed {
                signature: s.signature,
                slot: s.slot,
                failed: s.err.is_some(),
            }));
            if !full {
                break;
            }
        }
        newest_first.reverse();
        Ok(newest_first)
    }

    async fn transaction(&self, signature: &str) -> Result<Option<SourceTx>, SourceError> {
        let sig = Signature::from_str(signature).map_err(|e| self.error(e))?;
        let config = RpcTransactionConfig {
            encoding: Some(UiTransactionEncoding::Json),
            commitment: Some(CommitmentConfig::confirmed()),
            max_supported_transaction_version: Some(0),
        };
        let tx = match self.rpc.get_transaction_with_config(&sig, config).await {
            Ok(tx) => tx,
            Err(e) if is_missing(&e) => return Ok(None),
            Err(e) => return Err(self.error(e)),
        };
        if !matches!(tx.transaction.transaction, EncodedTransaction::Json(_)) {
            return Err(self.error("the node did not answer in the json encoding"));
        }
        let (slot, block_time) = (tx.slot, tx.block_time.unwrap_or(0));
        let (keys, program_data) = tessera_client::rpc::program_instructions(tx);
        Ok(Some(SourceTx {
            slot,
            block_time,
            keys,
            program_data,
        }))
    }

    async fn finalized(&self, signatures: &[String]) -> Result<Vec<bool>, SourceError> {
        let mut out = Vec::with_capacity(signatures.len());
        for chunk in signatures.chunks(256) {
            let sigs: Vec<Signature> = chunk.iter().filter_map(|s| s.parse().ok()).collect();
            let statuses = self
                .rpc
                .get_signature_statuses_with_history(&sigs)
                .await
                .map_err(|e| self.error(e))?;
            out.extend(statuses.value.into_iter().map(|s| {
                s.and_then(|s| s.confirmation_status)
                    == Some(TransactionConfirmationStatus::Finalized)
            }));
        }
        Ok(out)
    }

    async fn genesis_hash(&self) -> Result<String, SourceError> {
        let hash = self
            .rpc
            .get_genesis_hash()
            .await
            .map_err(|e| self.error(e))?;
        Ok(hash.to_string())
    }

    async fn slot(&self) -> Result<u64, SourceError> {
        self.rpc.get_slot().await.map_err(|e| self.error(e))
    }

    async fn token_balances(&self, owner: &Pubkey) -> Result<Vec<(Pubkey, u64)>, SourceError> {
        let params = serde_json::json!([
            owner.to_string(),
            {"programId": tessera_client::accounts::TOKEN_PROGRAM.to_string()},
            {"encoding": "base64", "commitment": "confirmed"},
        ]);
        let found: Response<Vec<RpcKeyedAccount>> = self
            .rpc
            .send(RpcRequest::GetTokenAccountsByOwner, params)
            .await
            .map_err(|e| self.error(e))?;
        let mut by_mint = std::collections::BTreeMap::<Pubkey, u64>::new();
        for keyed in found.value {
            // An SPL token account: mint (32 bytes), owner (32), amount (u64 LE).
            let Some(data) = keyed.account.data.decode() else {
                continue;
            };
            let (Some(mint), Some(amount)) = (data.get(..32), data.get(64..72)) else {
                continue;
            };
            let mint = Pubkey::try_from(mint).map_err(|e| self.error(e))?;
            let amount = u64::from_le_bytes(amount.try_into().map_err(|e| self.error(e))?);
            let total = by_mint.entry(mint).or_default();
            *total = total.saturating_add(amount);
        }
        Ok(by_mint.into_iter().collect())
    }

    async fn changed(&self, poll: Duration) {
        let _ = tokio::time::timeout(poll, self.woken.notified()).await;
    }
}

/// Whether the node answered that it does not have the transaction.
fn is_missing(e: &RpcError) -> bool {
    e.to_string().contains("invalid type: null")
}
