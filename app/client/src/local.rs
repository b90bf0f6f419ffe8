//! `LocalChain`: the in-process chain: a solana-program-test bank running the Tessera program
//! (natively, or its SBF build when `TESSERA_SBF=1`) with the real SPL Token program. Used by
//! the integration tests, the agent's tests and the demo.

#![allow(deprecated)] // solana-program-test 3.1 marks its API as unstable (agave-unstable-api).

use std::collections::BTreeSet;

use async_trait::async_trait;
use solana_program_test::{processor, BanksClientError, ProgramTest, ProgramTestContext};
use solana_sdk::account::Account;
use solana_sdk::clock::Clock;
use solana_sdk::hash::Hash;
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signature};
use solana_sdk::signer::Signer;
use solana_sdk::transaction::{Transaction, TransactionError};
use tokio::sync::Mutex;

use crate::chain::{matches, signed_transaction, Chain};
use crate::error::ClientError;

/// Anchor's generated entry ties all lifetimes to one; `processor!` wants independent ones.
fn process_instruction(
    program_id: &Pubkey,
    accounts: &[anchor_lang::prelude::AccountInfo],
    data: &[u8],
) -> anchor_lang::solana_program::entrypoint::ProgramResult {
    // SAFETY: the slice and every AccountInfo in it outlive this call; only the lifetimes are
    // unified, nothing escapes.
    let accounts: &[anchor_lang::prelude::AccountInfo] = unsafe { std::mem::transmute(accounts) };
    tessera::entry(program_id, accounts, data)
}

/// Whether the program runs as its SBF build (`TESSERA_SBF=1`, with `SBF_OUT_DIR` pointing at
/// `tessera.so`) instead of natively. Only SBF runs meter compute units.
pub fn sbf() -> bool {
    std::env::var("TESSERA_SBF").is_ok_and(|v| v == "1")
}

/// A program-test bank with Tessera registered (SPL Token, Token-2022 and Memo come with it).
pub fn program_test() -> ProgramTest {
    let mut pt = if sbf() {
        ProgramTest::new("tessera", tessera::ID, None)
    } else {
        ProgramTest::new("tessera", tessera::ID, processor!(process_instruction))
    };
    pt.prefer_bpf(sbf());
    pt
}

/// The in-process chain behind the [`Chain`] trait.
///
/// The in-process bank cannot scan accounts, so listing looks at every account any transaction
/// sent through this chain has touched (everything created through it, in practice).
pub struct LocalChain {
    ctx: Mutex<ProgramTestContext>,
    payer: Keypair,
    touched: Mutex<BTreeSet<Pubkey>>,
}

impl LocalChain {
    /// Starts a fresh bank.
    pub async fn start() -> Self {
        let ctx = program_test().start_with_context().await;
        let payer = ctx.payer.insecure_clone();
        Self {
            ctx: Mutex::new(ctx),
            payer,
            touched: Mutex::new(BTreeSet::new()),
        }
    }

    /// The funded payer (the bank's genesis account).
    pub fn payer_keypair(&self) -> &Keypair {
        &self.payer
    }

    /// The bank's latest blockhash.
    pub async fn latest_blockhash(&self) -> Result<Hash, ClientError> {
        let ctx = self.ctx.lock().await;
        ctx.banks_client
            .get_latest_blockhash()
            .await
            .map_err(banks_error)
    }

    /// The bank's current slot.
    pub async fn slot(&self) -> Result<u64, ClientError> {
        let ctx = self.ctx.lock().await;
        ctx.banks_client.get_root_slot().await.map_err(banks_error)
    }

    /// Processes a signed transaction: `Ok(Err((error, logs)))` when the bank refuses it.
    pub async fn process(
        &self,
        tx: Transaction,
    ) -> Result<Result<(), (TransactionError, Vec<String>)>, ClientError> {
        self.touched
            .lock()
            .await
            .extend(tx.message.account_keys.iter().copied());
        let ctx = self.ctx.lock().await;
        let out = ctx
            .banks_client
            .process_transaction_with_metadata(tx)
            .await
            .map_err(banks_error)?;
        let logs = out.metadata.map(|m| m.log_messages).unwrap_or_default();
        Ok(out.result.map_err(|e| (e, logs)))
    }

    /// Moves the bank's clock forward by `secs` (lease periods, dispute windows, vesting).
    pub async fn advance_clock(&self, secs: i64) -> Result<(), ClientError> {
        self.move_clock(|now| now + secs).await
    }

    /// Moves the bank's clock forward to `unix` if it is behind it.
    pub async fn advance_clock_to(&self, unix: i64) -> Result<(), ClientError> {
        self.move_clock(|now| now.max(unix)).await
    }

    /// Sets the clock's unix time to `to(current)`, under one lock.
    async fn move_clock(&self, to: impl FnOnce(i64) -> i64) -> Result<(), ClientError> {
        let ctx = self.ctx.lock().await;
        let mut clock: Clock = ctx.banks_client.get_sysvar().await.map_err(banks_error)?;
        clock.unix_timestamp = to(clock.unix_timestamp);
        ctx.set_sysvar(&clock);
        Ok(())
    }
}

fn banks_error(e: BanksClientError) -> ClientError {
    match e {
        BanksClientError::TransactionError(tx) => {
            ClientError::from_transaction_error(&tx, vec![], &[])
        }
        other => ClientError::Rpc(other.to_string()),
    }
}

#[async_trait]
impl Chain for LocalChain {
    fn payer(&self) -> Pubkey {
        self.payer.pubkey()
    }

    async fn account(&self, address: &Pubkey) -> Result<Option<Account>, ClientError> {
        let ctx = self.ctx.lock().await;
        ctx.banks_client
            .get_account(*address)
            .await
            .map_err(banks_error)
    }

    async fn send(
        &self,
        instructions: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<Signature, ClientError> {
        let mut blockhash = self.latest_blockhash().await?;
        loop {
            let tx = signed_transaction(instructions, &self.payer, signers, blockhash)?;
            let signature = tx.signatures[0];
            return match self.process(tx).await? {
                Ok(()) => Ok(signature),
                // The same transaction under the same blockhash already ran (a repeated command
                // inside one slot): wait for the next blockhash, as a cluster client would.
                Err((TransactionError::AlreadyProcessed, _)) => {
                    blockhash = self
                        .ctx
                        .lock()
                        .await
                        .get_new_latest_blockhash()
                        .await
                        .map_err(|e| ClientError::Rpc(e.to_string()))?;
                    continue;
                }
                Err((e, logs)) => Err(ClientError::from_transaction_error(
                    &e,
                    logs,
                    &crate::chain::program_ids(instructions),
                )),
            };
        }
    }

    async fn program_accounts(
        &self,
        filters: &[(usize, Vec<u8>)],
    ) -> Result<Vec<(Pubkey, Account)>, ClientError> {
        let keys: Vec<Pubkey> = self.touched.lock().await.iter().copied().collect();
        let mut found = Vec::new();
        for key in keys {
            if let Some(account) = self.account(&key).await? {
                if account.owner == tessera::ID && matches(&account.data, filters) {
                    found.push((key, account));
                }
            }
        }
        Ok(found)
    }

    async fn unix_timestamp(&self) -> Result<i64, ClientError> {
        let ctx = self.ctx.lock().await;
        let clock: Clock = ctx.banks_client.get_sysvar().await.map_err(banks_error)?;
        Ok(clock.unix_timestamp)
    }
}
