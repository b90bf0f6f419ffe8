//! `Chain`: the one seam between Tessera's off-chain code and a cluster, implemented over RPC
//! ([`crate::rpc::RpcChain`]) and in-process ([`crate::local::LocalChain`], feature `local`).

use anchor_lang::AccountDeserialize;
use async_trait::async_trait;
use solana_sdk::account::Account;
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signature};

use crate::accounts::decode;
use crate::error::ClientError;

/// Reads accounts and lands transactions.
#[async_trait]
pub trait Chain: Send + Sync {
    /// The fee payer of every transaction this chain sends.
    fn payer(&self) -> Pubkey;

    /// The account at `address`, if any.
    async fn account(&self, address: &Pubkey) -> Result<Option<Account>, ClientError>;

    /// Signs `instructions` with the payer and `signers`, sends them as one transaction and
    /// waits for confirmation. A program refusal is [`ClientError::Transaction`].
    async fn send(
        &self,
        instructions: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<Signature, ClientError>;

    /// The cluster's clock, unix seconds.
    async fn unix_timestamp(&self) -> Result<i64, ClientError>;
}

/// Fetches and decodes the account at `address`.
pub async fn fetch<T: AccountDeserialize>(
    chain: &dyn Chain,
    address: &Pubkey,
) -> Result<T, ClientError> {
    let account = chain
        .account(address)
        .await?
        .ok_or(ClientError::AccountNotFound(*address))?;
    decode(address, &account)
}

/// Token balance of an SPL token account.
pub async fn token_balance(chain: &dyn Chain, address: &Pubkey) -> Result<u64, ClientError> {
    Ok(fetch::<anchor_spl::token::TokenAccount>(chain, address)
        .await?
        .amount)
}
