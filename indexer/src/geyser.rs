//! A Yellowstone gRPC (Geyser) source: the program's transactions streamed from a validator's
//! Geyser plugin as it processes them, inner instructions (events) included, so the loop is
//! woken at once and needs no `getTransaction` for them; everything else (the account scan,
//! signatures after the cursor, statuses, balances, the genesis hash, transactions from before
//! the stream began) still comes from the node's JSON-RPC.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use futures_util::StreamExt;
use solana_sdk::pubkey::Pubkey;
use tokio::sync::Notify;
use yellowstone_grpc_client::GeyserGrpcClient;
use yellowstone_grpc_proto::prelude::{
    subscribe_update::UpdateOneof, CommitmentLevel, SubscribeRequest,
    SubscribeRequestFilterTransactions, SubscribeUpdateTransaction,
};

use crate::source::{Landed, RpcSource, Source, SourceError, SourceTx};

/// Streamed transactions kept until the loop asks for them (older ones are read over RPC).
const KEPT: usize = 50_000;

/// Streamed transactions by signature, oldest first.
#[derive(Default)]
struct Kept {
    by_signature: HashMap<String, SourceTx>,
    order: VecDeque<String>,
}

impl Kept {
    fn keep(&mut self, signature: String, tx: SourceTx) {
        if self.by_signature.insert(signature.clone(), tx).is_none() {
            self.order.push_back(signature);
        }
        while self.order.len() > KEPT {
            if let Some(old) = self.order.pop_front() {
                self.by_signature.remove(&old);
            }
        }
    }
}

/// The Geyser stream for transactions, the RPC for the rest.
pub struct GeyserSource {
    rpc: RpcSource,
    kept: Arc<Mutex<Kept>>,
    woken: Arc<Notify>,
}

impl GeyserSource {
    /// Subscribes at `endpoint` (with `x_token` when the provider wants one) to the program's
    /// confirmed, successful transactions; a lost stream is reopened every 10 s.
    pub fn new(rpc: RpcSource, endpoint: String, x_token: Option<String>) -> Self {
        let (kept, woken) = (Arc::default(), Arc::new(Notify::new()));
        tokio::spawn(follow(
            endpoint,
            x_token,
            Arc::clone(&kept),
            Arc::clone(&woken),
        ));
        Self { rpc, kept, woken }
    }

    fn streamed(&self, signature: &str) -> Option<SourceTx> {
        let mut kept = self.kept.lock().ok()?;
        kept.by_signature.remove(signature)
    }
}

/// What the indexer subscribes to: the program's successful transactions, at `confirmed`.
pub fn request() -> SubscribeRequest {
    let filter = SubscribeRequestFilterTransactions {
        vote: Some(false),
        failed: Some(false),
        account_include: vec![tessera_client::ID.to_string()],
        ..Default::default()
    };
    SubscribeRequest {
        transactions: HashMap::from([("tessera".to_string(), filter)]),
        commitment: Some(CommitmentLevel::Confirmed as i32),
        ..Default::default()
    }
}

/// The signature and the indexer's view of one streamed transaction (its block time is read
/// later, from the RPC); `None` when the update lacks a part.
pub fn convert(update: SubscribeUpdateTransaction) -> Option<(String, SourceTx)> {
    let info = update.transaction?;
    let message = info.transaction?.message?;
    let meta = info.meta?;
    let keys: Vec<Pubkey> = message
        .account_keys
        .iter()
        .chain(&meta.loaded_writable_addresses)
        .chain(&meta.loaded_readonly_addresses)
        .filter_map(|k| Pubkey::try_from(k.as_slice()).ok())
        .collect();
    let program = keys.iter().position(|k| *k == tessera_client::ID);
    let program_data = meta
        .inner_instructions
        .into_iter()
        .flat_map(|i| i.instructions)
        .filter(|ix| usize::try_from(ix.program_id_index).ok() == program)
        .map(|ix| ix.data)
        .collect();
    let signature = solana_sdk::signature::Signature::try_from(info.signature.as_slice()).ok()?;
    let tx = SourceTx {
        slot: update.slot,
        block_time: 0,
        keys,
        program_data,
    };
    Some((signature.to_string(), tx))
}

/// Keeps every streamed transaction and wakes the loop, reconnecting after a failure.
async fn follow(
    endpoint: String,
    x_token: Option<String>,
    kept: Arc<Mutex<Kept>>,
    woken: Arc<Notify>,
) {
    loop {
        match subscribe(&endpoint, x_token.clone()).await {
            Ok(mut stream) => {
                tracing::info!(%endpoint, "following the program's transactions over Geyser");
                while let Some(Ok(update)) = stream.next().await {
                    let Some(UpdateOneof::Transaction(t)) = update.update_oneof else {
                        continue;
                    };
                    if let (Some((signature, tx)), Ok(mut kept)) = (convert(t), kept.lock()) {
                        kept.keep(signature, tx);
                    }
                    woken.notify_one();
                }
                tracing::warn!(%endpoint, "the Geyser stream ended; reopening in 10 s");
            }
            Err(error) => {
                tracing::warn!(%endpoint, %error, "cannot subscribe over Geyser; retrying in 10 s")
            }
        }
        tokio::time::sleep(Duration::from_secs(10)).await;
    }
}

async fn subscribe(
    endpoint: &str,
    x_token: Option<String>,
) -> Result<yellowstone_grpc_client::GeyserStream, String> {
    let mut client = GeyserGrpcClient::build_from_shared(endpoint.to_string())
        .and_then(|b| b.x_token(x_token))
        .map_err(|e| e.to_string())?
        .connect_timeout(Duration::from_secs(10))
        .connect()
        .await
        .map_err(|e| e.to_string())?;
    client
        .subscribe_once(request())
        .await
        .map_err(|e| e.to_string())
}

#[async_trait]
impl Source for GeyserSource {
    async fn all_accounts(&self) -> Result<(u64, Vec<(Pubkey, Vec<u8>)>), SourceError> {
        self.rpc.all_accounts().await
    }

    async fn accounts(
        &self,
        addresses: &[Pubkey],
    ) -> Result<(u64, Vec<Option<Vec<u8>>>), SourceError> {
        self.rpc.accounts(addresses).await
    }

    async fn landed_after(&self, after: Option<&str>) -> Result<Vec<Landed>, SourceError> {
        self.rpc.landed_after(after).await
    }

    async fn transaction(&self, signature: &str) -> Result<Option<SourceTx>, SourceError> {
        match self.streamed(signature) {
            Some(mut tx) => {
                tx.block_time = self.rpc.block_time(tx.slot).await?;
                Ok(Some(tx))
            }
            None => self.rpc.transaction(signature).await,
        }
    }

    async fn finalized(&self, signatures: &[String]) -> Result<Vec<bool>, SourceError> {
        self.rpc.finalized(signatures).await
    }

    async fn genesis_hash(&self) -> Result<String, SourceError> {
        self.rpc.genesis_hash().await
    }

    async fn slot(&self) -> Result<u64, SourceError> {
        self.rpc.slot().await
    }

    async fn token_balances(&self, owner: &Pubkey) -> Result<Vec<(Pubkey, u64)>, SourceError> {
        self.rpc.token_balances(owner).await
    }

    async fn changed(&self, poll: Duration) {
        let _ = tokio::time::timeout(poll, self.woken.notified()).await;
    }
}
