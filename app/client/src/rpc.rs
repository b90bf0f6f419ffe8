//! `RpcChain`: a [`Chain`] over a Solana JSON-RPC endpoint, with retries (capped exponential
//! backoff with jitter) that never land a transaction twice, and account listing by owner.

use std::time::Duration;

use async_trait::async_trait;
use rand::Rng;
use solana_account_decoder_client_types::UiAccountEncoding;
use solana_commitment_config::CommitmentConfig;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client::rpc_client::GetConfirmedSignaturesForAddress2Config;
use solana_rpc_client_api::client_error::Error as RpcError;
use solana_rpc_client_api::config::{
    RpcAccountInfoConfig, RpcProgramAccountsConfig, RpcTransactionConfig,
};
use solana_rpc_client_api::filter::{Memcmp, RpcFilterType};
use solana_sdk::account::Account;
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signature};
use solana_sdk::signer::Signer;
use solana_sdk::transaction::{Transaction, TransactionError};
use solana_transaction_status_client_types::{
    option_serializer::OptionSerializer, EncodedConfirmedTransactionWithStatusMeta,
    EncodedTransaction, UiInstruction, UiMessage, UiTransactionEncoding,
};

use crate::chain::{signed_transaction, Chain, Landed};
use crate::error::ClientError;

/// How many times a transaction is attempted before giving up on transport errors.
pub const MAX_ATTEMPTS: u32 = 5;
/// First retry delay; doubles each attempt up to [`MAX_BACKOFF`].
pub const BASE_BACKOFF: Duration = Duration::from_millis(250);
/// Longest delay between attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(4);

/// A transaction read in the JSON encoding: its account keys (static, then loaded), and the
/// data of each inner instruction to the program (the events among them), in order.
pub fn program_instructions(
    tx: EncodedConfirmedTransactionWithStatusMeta,
) -> (Vec<Pubkey>, Vec<Vec<u8>>) {
    let mut keys: Vec<Pubkey> = match &tx.transaction.transaction {
        EncodedTransaction::Json(ui) => match &ui.message {
            UiMessage::Raw(m) => m
                .account_keys
                .iter()
                .filter_map(|k| k.parse().ok())
                .collect(),
            UiMessage::Parsed(_) => Vec::new(),
        },
        _ => Vec::new(),
    };
    let meta = tx.transaction.meta;
    if let Some(OptionSerializer::Some(loaded)) = meta.as_ref().map(|m| &m.loaded_addresses) {
        let all = loaded.writable.iter().chain(&loaded.readonly);
        keys.extend(all.filter_map(|k| k.parse::<Pubkey>().ok()));
    }
    let program = keys.iter().position(|k| *k == tessera::ID);
    let inner = match meta.map(|m| m.inner_instructions) {
        Some(OptionSerializer::Some(inner)) => inner,
        _ => Vec::new(),
    };
    let data = inner
        .into_iter()
        .flat_map(|i| i.instructions)
        .filter_map(|ix| match ix {
            UiInstruction::Compiled(c) if Some(usize::from(c.program_id_index)) == program => {
                bs58::decode(c.data).into_vec().ok()
            }
            _ => None,
        })
        .collect();
    (keys, data)
}

/// Whether `e` failed in the TLS handshake (an `https://` URL to a plain-HTTP node, among others).
fn tls_failed(e: &solana_rpc_client_api::client_error::reqwest::Error) -> bool {
    let mut cause: Option<&dyn std::error::Error> = Some(e);
    while let Some(c) = cause {
        let text = c.to_string().to_ascii_lowercase();
        if ["tls", "ssl", "corrupt message", "handshake", "certificate"]
            .iter()
            .any(|w| text.contains(w))
        {
            return true;
        }
        cause = c.source();
    }
    false
}

/// Most transactions [`Chain::history`] reads for one address over RPC (the indexer serves
/// longer histories).
pub const MAX_HISTORY: usize = 20_000;

/// How long one RPC request may take before it counts as a transport failure.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// A chain reached over JSON-RPC, paying fees with `payer`.
pub struct RpcChain {
    client: RpcClient,
    url: String,
    payer: Keypair,
    priority_micro_lamports: u64,
}

impl RpcChain {
    /// Connects to `url` at `confirmed` commitment.
    pub fn new(url: &str, payer: Keypair) -> Self {
        let client = RpcClient::new_with_timeout_and_commitment(
            url.to_string(),
            REQUEST_TIMEOUT,
            CommitmentConfig::confirmed(),
        );
        Self {
            client,
            url: url.to_string(),
            payer,
            priority_micro_lamports: 0,
        }
    }

    /// Signatures of every landed transaction that loaded `address`, oldest first, each with
    /// whether it failed; at most [`MAX_HISTORY`].
    async fn signatures_for(
        &self,
        address: &Pubkey,
    ) -> Result<Vec<(Signature, bool)>, ClientError> {
        let mut newest_first = Vec::new();
        let mut before = None;
        loop {
            let config = GetConfirmedSignaturesForAddress2Config {
                before,
                until: None,
                limit: Some(1_000),
                commitment: Some(self.client.commitment()),
            };
            let page = self
                .client
                .get_signatures_for_address_with_config(address, config)
                .await
                .map_err(|e| self.error(e, &[]))?;
            let full = page.len() == 1_000;
            for s in page {
                let signature: Signature = s.signature.parse().map_err(|_| {
                    ClientError::Rpc(format!("{} answered a malformed signature", self.url))
                })?;
                newest_first.push((signature, s.err.is_some()));
                before = Some(signature);
            }
            if newest_first.len() > MAX_HISTORY {
                return Err(ClientError::Rpc(format!(
                    "{address} has more than {MAX_HISTORY} transactions: read its history from the indexer"
                )));
            }
            if !full {
                break;
            }
        }
        newest_first.reverse();
        Ok(newest_first)
    }

    /// One landed transaction with the program's events from its inner instructions.
    async fn landed(&self, signature: Signature, failed: bool) -> Result<Landed, ClientError> {
        let config = RpcTransactionConfig {
            encoding: Some(UiTransactionEncoding::Json),
            commitment: Some(self.client.commitment()),
            max_supported_transaction_version: Some(0),
        };
        let tx = self
            .client
            .get_transaction_with_config(&signature, config)
            .await
            .map_err(|e| self.error(e, &[]))?;
        let block_time = tx.block_time.unwrap_or(0);
        let (_, data) = program_instructions(tx);
        Ok(Landed {
            signature,
            block_time,
            failed,
            events: crate::events::decode_all(data.iter().map(Vec::as_slice)),
        })
    }

    /// The endpoint's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Adds a compute-unit price (priority fee, micro-lamports per CU) to every transaction.
    pub fn with_priority_fee(mut self, micro_lamports: u64) -> Self {
        self.priority_micro_lamports = micro_lamports;
        self
    }

    /// Fails with [`ClientError::ProgramNotDeployed`] unless the Tessera program is deployed.
    pub async fn check_program(&self) -> Result<(), ClientError> {
        match self.account(&tessera::ID).await? {
            Some(a) if a.executable => Ok(()),
            _ => Err(ClientError::ProgramNotDeployed {
                program: tessera::ID,
                url: self.url.clone(),
            }),
        }
    }

    /// Explains a failed request to this endpoint; `programs` name the instructions of a
    /// transaction that was refused.
    fn error(&self, e: RpcError, programs: &[Pubkey]) -> ClientError {
        use solana_rpc_client_api::client_error::ErrorKind;
        use solana_rpc_client_api::request::{RpcError as Rpc, RpcResponseErrorData};
        let url = self.url.clone();
        if let Some(tx) = e.get_transaction_error() {
            if matches!(
                tx,
                TransactionError::AccountNotFound | TransactionError::InsufficientFundsForFee
            ) {
                return ClientError::FeePayerUnfunded {
                    payer: self.payer.pubkey(),
                    url,
                };
            }
            let logs = match e.kind.as_ref() {
                ErrorKind::RpcError(Rpc::RpcResponseError {
                    data: RpcResponseErrorData::SendTransactionPreflightFailure(sim),
                    ..
                }) => sim.logs.clone().unwrap_or_default(),
                _ => vec![],
            };
            return ClientError::from_transaction_error(&tx, logs, programs);
        }
        match e.kind.as_ref() {
            ErrorKind::Reqwest(r) if r.is_builder() => ClientError::Unreachable {
                url,
                reason: "not a valid http(s) URL".into(),
            },
            ErrorKind::Reqwest(r) if r.is_timeout() => ClientError::Unreachable {
                url,
                reason: format!("no answer within {} s", REQUEST_TIMEOUT.as_secs()),
            },
            ErrorKind::Reqwest(r)
                if r.is_connect() && url.starts_with("https://") && tls_failed(r) =>
            {
                ClientError::Unreachable {
                    reason: format!(
                        "the TLS handshake failed: the node may speak plain HTTP (try {})",
                        url.replacen("https://", "http://", 1)
                    ),
                    url,
                }
            }
            ErrorKind::Reqwest(r) if r.is_connect() => ClientError::Unreachable {
                url,
                reason: "the connection was refused or the host is unknown".into(),
            },
            ErrorKind::Io(io) => ClientError::Unreachable {
                url,
                reason: io.to_string(),
            },
            ErrorKind::Reqwest(r) if r.status().is_some_and(|s| s.is_server_error()) => {
                ClientError::Unreachable {
                    url,
                    reason: format!("the node answered {}", r.status().map_or(0, |s| s.as_u16())),
                }
            }
            ErrorKind::Reqwest(r) if r.is_status() || r.is_decode() => ClientError::NotSolanaRpc {
                url,
                reason: r.to_string(),
            },
            ErrorKind::SerdeJson(_) | ErrorKind::RpcError(Rpc::ParseError(_)) => {
                ClientError::NotSolanaRpc {
                    url,
                    reason: "the answer is not JSON-RPC".into(),
                }
            }
            ErrorKind::RpcError(Rpc::RpcResponseError { code: -32601, .. }) => {
                ClientError::NotSolanaRpc {
                    url,
                    reason: "it does not know Solana's methods".into(),
                }
            }
            _ => ClientError::Rpc(format!("{url}: {e}")),
        }
    }
}

/// `instructions` with a compute-unit price instruction in front when `micro_lamports > 0`.
pub fn with_priority_fee(instructions: &[Instruction], micro_lamports: u64) -> Vec<Instruction> {
    let mut out = Vec::with_capacity(instructions.len() + 1);
    if micro_lamports > 0 {
        out.push(
            solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_price(
                micro_lamports,
            ),
        );
    }
    out.extend_from_slice(instructions);
    out
}

/// Delay before retry `attempt` (1-based): capped exponential backoff with full jitter.
pub fn backoff(attempt: u32) -> Duration {
    let exp = BASE_BACKOFF.saturating_mul(1u32 << attempt.min(16).saturating_sub(1));
    let cap = exp.min(MAX_BACKOFF);
    cap.mul_f64(rand::thread_rng().gen_range(0.5..=1.0))
}

/// What became of an attempt whose outcome the client did not hear.
enum Previous {
    /// It landed.
    Landed(Signature),
    /// It landed and failed.
    Failed(ClientError),
    /// Not seen yet, and its blockhash is still valid: it may still land.
    Pending,
    /// Not seen, and its blockhash expired: it can never land.
    Expired,
}

impl RpcChain {
    async fn previous_attempt(&self, tx: &Transaction) -> Result<Previous, ClientError> {
        let sig = tx.signatures[0];
        match self
            .client
            .get_signature_status(&sig)
            .await
            .map_err(|e| self.error(e, &[]))?
        {
            Some(Ok(())) => return Ok(Previous::Landed(sig)),
            Some(Err(e)) => {
                let programs: Vec<Pubkey> = tx
                    .message
                    .instructions
                    .iter()
                    .filter_map(|ix| {
                        tx.message
                            .account_keys
                            .get(usize::from(ix.program_id_index))
                    })
                    .copied()
                    .collect();
                return Ok(Previous::Failed(ClientError::from_transaction_error(
                    &e,
                    vec![],
                    &programs,
                )));
            }
            None => {}
        }
        let valid = self
            .client
            .is_blockhash_valid(&tx.message.recent_blockhash, CommitmentConfig::processed())
            .await
            .map_err(|e| self.error(e, &[]))?;
        Ok(if valid {
            Previous::Pending
        } else {
            Previous::Expired
        })
    }
}

#[async_trait]
impl Chain for RpcChain {
    async fn history(&self, address: &Pubkey) -> Result<Vec<Landed>, ClientError> {
        let signatures = self.signatures_for(address).await?;
        let mut out = Vec::with_capacity(signatures.len());
        for (signature, failed) in signatures {
            out.push(self.landed(signature, failed).await?);
        }
        Ok(out)
    }

    fn payer(&self) -> Pubkey {
        self.payer.pubkey()
    }

    async fn account(&self, address: &Pubkey) -> Result<Option<Account>, ClientError> {
        // `RpcClient::get_account_with_commitment` flattens transport errors into text; asking
        // directly keeps them, so an unreachable or non-Solana endpoint is named as such.
        let config = RpcAccountInfoConfig {
            encoding: Some(UiAccountEncoding::Base64),
            commitment: Some(self.client.commitment()),
            ..RpcAccountInfoConfig::default()
        };
        let response: solana_rpc_client_api::response::Response<
            Option<solana_account_decoder_client_types::UiAccount>,
        > = self
            .client
            .send(
                solana_rpc_client_api::request::RpcRequest::GetAccountInfo,
                serde_json::json!([address.to_string(), config]),
            )
            .await
            .map_err(|e| self.error(e, &[]))?;
        match response.value {
            None => Ok(None),
            Some(ui) => ui
                .decode()
                .map(Some)
                .ok_or_else(|| ClientError::Rpc(format!("undecodable account {address}"))),
        }
    }

    /// Lands the transaction once. After a transport error the previous attempt may still have
    /// landed (a lost response), so a retry first asks for its signature's status, resends the
    /// same signed transaction while its blockhash is valid (a signature executes at most once),
    /// and re-signs with a fresh blockhash only once the old one has expired unlanded.
    async fn send(
        &self,
        instructions: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<Signature, ClientError> {
        let ixs = with_priority_fee(instructions, self.priority_micro_lamports);
        let mut last = ClientError::Rpc("no attempt made".into());
        let mut sent: Option<Transaction> = None;
        for attempt in 1..=MAX_ATTEMPTS {
            if attempt > 1 {
                tokio::time::sleep(backoff(attempt - 1)).await;
            }
            let reuse = match &sent {
                None => false,
                Some(tx) => match self.previous_attempt(tx).await {
                    Ok(Previous::Landed(sig)) => return Ok(sig),
                    Ok(Previous::Failed(e)) => return Err(e),
                    Ok(Previous::Pending) => true,
                    Ok(Previous::Expired) => false,
                    Err(e) => {
                        last = e;
                        continue;
                    }
                },
            };
            let tx = match (reuse, sent.take()) {
                (true, Some(tx)) => tx,
                _ => match self.client.get_latest_blockhash().await {
                    Ok(blockhash) => signed_transaction(&ixs, &self.payer, signers, blockhash)?,
                    Err(e) => {
                        last = self.error(e, &[]);
                        continue;
                    }
                },
            };
            let result = self.client.send_and_confirm_transaction(&tx).await;
            sent = Some(tx);
            match result {
                Ok(sig) => return Ok(sig),
                Err(e) => match self.error(e, &crate::chain::program_ids(&ixs)) {
                    // Refused, or nothing to pay the fee: retrying cannot help.
                    refused @ (ClientError::Transaction { .. }
                    | ClientError::FeePayerUnfunded { .. }) => return Err(refused),
                    other => last = other,
                },
            }
        }
        Err(last)
    }

    async fn program_accounts(
        &self,
        filters: &[(usize, Vec<u8>)],
    ) -> Result<Vec<(Pubkey, Account)>, ClientError> {
        let config = RpcProgramAccountsConfig {
            filters: Some(
                filters
                    .iter()
                    .map(|(offset, bytes)| {
                        RpcFilterType::Memcmp(Memcmp::new_raw_bytes(*offset, bytes.clone()))
                    })
                    .collect(),
            ),
            account_config: RpcAccountInfoConfig {
                encoding: Some(UiAccountEncoding::Base64),
                ..RpcAccountInfoConfig::default()
            },
            with_context: None,
            sort_results: None,
        };
        let found = self
            .client
            .get_program_ui_accounts_with_config(&tessera::ID, config)
            .await
            .map_err(|e| self.error(e, &[]))?;
        found
            .into_iter()
            .map(|(address, ui)| {
                let account: Account = ui
                    .decode()
                    .ok_or_else(|| ClientError::Rpc(format!("undecodable account {address}")))?;
                Ok((address, account))
            })
            .collect()
    }

    async fn unix_timestamp(&self) -> Result<i64, ClientError> {
        let slot = self
            .client
            .get_slot()
            .await
            .map_err(|e| self.error(e, &[]))?;
        self.client
            .get_block_time(slot)
            .await
            .map_err(|e| self.error(e, &[]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        for attempt in 1..20 {
            let d = backoff(attempt);
            let cap = BASE_BACKOFF
                .saturating_mul(1 << (attempt.min(16) - 1))
                .min(MAX_BACKOFF);
            assert!(
                d <= cap && d >= cap / 2,
                "attempt {attempt}: {d:?} vs {cap:?}"
            );
        }
    }

    #[test]
    fn a_priority_fee_goes_first_and_only_when_set() {
        let ix = Instruction {
            program_id: Pubkey::new_unique(),
            accounts: vec![],
            data: vec![],
        };
        assert_eq!(
            with_priority_fee(std::slice::from_ref(&ix), 0),
            vec![ix.clone()]
        );
        let with = with_priority_fee(std::slice::from_ref(&ix), 5_000);
        assert_eq!(with.len(), 2);
        assert_eq!(with[0].program_id, solana_sdk_ids_compute_budget());
        assert_eq!(with[1], ix);
    }

    fn solana_sdk_ids_compute_budget() -> Pubkey {
        solana_sdk::pubkey!("ComputeBudget111111111111111111111111111111")
    }

    #[tokio::test]
    async fn an_unreachable_endpoint_is_a_named_rpc_error() {
        // Port 9 on loopback (discard) is closed: the request fails fast, nothing leaves the host.
        let chain = RpcChain::new("http://127.0.0.1:9", Keypair::new());
        match chain.account(&Pubkey::new_unique()).await {
            Err(e @ ClientError::Unreachable { .. }) => assert_eq!(
                e.to_string(),
                "cannot reach the Solana RPC node at http://127.0.0.1:9: the connection was refused or the host is unknown"
            ),
            other => panic!("expected an unreachable endpoint, got {other:?}"),
        }
        // An https URL to a plain-HTTP server: the handshake fails, and the words say so.
        let plain = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = plain.local_addr().unwrap().port();
        std::thread::spawn(move || {
            use std::io::{Read, Write};
            for mut conn in plain.incoming().flatten().take(4) {
                let mut buf = [0; 512];
                let _ = conn.read(&mut buf);
                let _ = conn.write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n");
            }
        });
        let chain = RpcChain::new(&format!("https://127.0.0.1:{port}"), Keypair::new());
        match chain.account(&Pubkey::new_unique()).await {
            Err(e @ ClientError::Unreachable { .. }) => assert!(
                e.to_string().contains(&format!(
                    "the TLS handshake failed: the node may speak plain HTTP (try http://127.0.0.1:{port})"
                )),
                "{e}"
            ),
            other => panic!("expected a TLS failure, got {other:?}"),
        }
        let chain = RpcChain::new("127.0.0.1:9", Keypair::new());
        match chain.account(&Pubkey::new_unique()).await {
            Err(e @ ClientError::Unreachable { .. }) => {
                assert!(e.to_string().ends_with("not a valid http(s) URL"), "{e}")
            }
            other => panic!("expected an invalid URL, got {other:?}"),
        }
    }
}
