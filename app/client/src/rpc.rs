//! `RpcChain`: a [`Chain`] over a Solana JSON-RPC endpoint, with retries (capped exponential
//! backoff with jitter) that never land a transaction twice, and account listing by owner.

use std::time::Duration;

use async_trait::async_trait;
use rand::Rng;
use solana_account_decoder_client_types::UiAccountEncoding;
use solana_commitment_config::CommitmentConfig;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client_api::client_error::Error as RpcError;
use solana_rpc_client_api::config::{RpcAccountInfoConfig, RpcProgramAccountsConfig};
use solana_rpc_client_api::filter::{Memcmp, RpcFilterType};
use solana_sdk::account::Account;
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signature};
use solana_sdk::signer::Signer;
use solana_sdk::transaction::Transaction;

use crate::chain::{signed_transaction, Chain};
use crate::error::ClientError;

/// How many times a transaction is attempted before giving up on transport errors.
pub const MAX_ATTEMPTS: u32 = 5;
/// First retry delay; doubles each attempt up to [`MAX_BACKOFF`].
pub const BASE_BACKOFF: Duration = Duration::from_millis(250);
/// Longest delay between attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(4);

/// A chain reached over JSON-RPC, paying fees with `payer`.
pub struct RpcChain {
    client: RpcClient,
    payer: Keypair,
    priority_micro_lamports: u64,
}

impl RpcChain {
    /// Connects to `url` at `confirmed` commitment.
    pub fn new(url: &str, payer: Keypair) -> Self {
        let client = RpcClient::new_with_commitment(url.to_string(), CommitmentConfig::confirmed());
        Self {
            client,
            payer,
            priority_micro_lamports: 0,
        }
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
            _ => Err(ClientError::ProgramNotDeployed(tessera::ID)),
        }
    }
}

fn rpc_error(e: RpcError) -> ClientError {
    match e.get_transaction_error() {
        Some(tx) => ClientError::from_transaction_error(&tx, vec![]),
        None => ClientError::Rpc(e.to_string()),
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
            .map_err(rpc_error)?
        {
            Some(Ok(())) => return Ok(Previous::Landed(sig)),
            Some(Err(e)) => {
                return Ok(Previous::Failed(ClientError::from_transaction_error(
                    &e,
                    vec![],
                )))
            }
            None => {}
        }
        let valid = self
            .client
            .is_blockhash_valid(&tx.message.recent_blockhash, CommitmentConfig::processed())
            .await
            .map_err(rpc_error)?;
        Ok(if valid {
            Previous::Pending
        } else {
            Previous::Expired
        })
    }
}

#[async_trait]
impl Chain for RpcChain {
    fn payer(&self) -> Pubkey {
        self.payer.pubkey()
    }

    async fn account(&self, address: &Pubkey) -> Result<Option<Account>, ClientError> {
        let response = self
            .client
            .get_account_with_commitment(address, self.client.commitment())
            .await
            .map_err(rpc_error)?;
        Ok(response.value)
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
                        last = rpc_error(e);
                        continue;
                    }
                },
            };
            let result = self.client.send_and_confirm_transaction(&tx).await;
            sent = Some(tx);
            match result {
                Ok(sig) => return Ok(sig),
                Err(e) => match rpc_error(e) {
                    // The program refused: retrying cannot help.
                    refused @ ClientError::Transaction { .. } => return Err(refused),
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
            .map_err(rpc_error)?;
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
        let slot = self.client.get_slot().await.map_err(rpc_error)?;
        self.client.get_block_time(slot).await.map_err(rpc_error)
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
            Err(ClientError::Rpc(msg)) => assert!(!msg.is_empty()),
            other => panic!("expected an RPC error, got {other:?}"),
        }
    }
}
