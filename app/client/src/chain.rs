//! `Chain`: the one seam between Tessera's off-chain code and a cluster, implemented over RPC
//! ([`crate::rpc::RpcChain`]) and in-process (`tessera_localnet::LocalChain`).

use anchor_lang::{AccountDeserialize, Discriminator};
use async_trait::async_trait;
use solana_sdk::account::Account;
use solana_sdk::instruction::Instruction;
use solana_sdk::message::Message;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signature};
use solana_sdk::signer::Signer;
use solana_sdk::transaction::Transaction;

use crate::accounts::{decode, offsets};
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

    /// Every Tessera-owned account whose bytes at each `(offset, bytes)` match.
    async fn program_accounts(
        &self,
        filters: &[(usize, Vec<u8>)],
    ) -> Result<Vec<(Pubkey, Account)>, ClientError>;

    /// Every landed transaction that loaded `address`, oldest first, with the program's events
    /// in it: the history of an address outlives its account (a closed lease's bill).
    async fn history(&self, _address: &Pubkey) -> Result<Vec<Landed>, ClientError> {
        Err(ClientError::Rpc(
            "this chain keeps no transaction history".into(),
        ))
    }
}

/// A landed transaction as a statement needs it.
#[derive(Debug, Clone)]
pub struct Landed {
    /// Its first signature.
    pub signature: Signature,
    /// The cluster's unix time when it landed.
    pub block_time: i64,
    /// Whether the program refused it (then it has no events).
    pub failed: bool,
    /// The program's events in it, in order.
    pub events: Vec<crate::events::TesseraEvent>,
}

/// Every account of type `T` whose bytes at each `(offset, key)` equal `key`.
pub async fn list<T: AccountDeserialize + Discriminator>(
    chain: &dyn Chain,
    filters: &[(usize, Pubkey)],
) -> Result<Vec<(Pubkey, T)>, ClientError> {
    let mut all = vec![(0, T::DISCRIMINATOR.to_vec())];
    all.extend(
        filters
            .iter()
            .map(|(offset, key)| (*offset, key.to_bytes().to_vec())),
    );
    chain
        .program_accounts(&all)
        .await?
        .into_iter()
        .map(|(address, account)| Ok((address, decode(&address, &account)?)))
        .collect()
}

/// All nodes of a provider account.
pub async fn nodes_of(
    chain: &dyn Chain,
    provider: &Pubkey,
) -> Result<Vec<(Pubkey, tessera::state::Node)>, ClientError> {
    list(chain, &[(offsets::NODE_PROVIDER, *provider)]).await
}

/// All nodes.
pub async fn all_nodes(
    chain: &dyn Chain,
) -> Result<Vec<(Pubkey, tessera::state::Node)>, ClientError> {
    list(chain, &[]).await
}

/// All open leases of a renter.
pub async fn leases_of(
    chain: &dyn Chain,
    renter: &Pubkey,
) -> Result<Vec<(Pubkey, tessera::state::Lease)>, ClientError> {
    list(chain, &[(offsets::LEASE_RENTER, *renter)]).await
}

/// All open leases on a node.
pub async fn leases_on(
    chain: &dyn Chain,
    node: &Pubkey,
) -> Result<Vec<(Pubkey, tessera::state::Lease)>, ClientError> {
    list(chain, &[(offsets::LEASE_NODE, *node)]).await
}

/// All open bids (a bid exists until filled or cancelled).
pub async fn open_bids(
    chain: &dyn Chain,
) -> Result<Vec<(Pubkey, tessera::state::Bid)>, ClientError> {
    list(chain, &[]).await
}

/// All pools, or one operator's.
pub async fn pools(
    chain: &dyn Chain,
    operator: Option<&Pubkey>,
) -> Result<Vec<(Pubkey, tessera::state::Pool)>, ClientError> {
    let filters: Vec<_> = operator
        .map(|o| (offsets::POOL_OPERATOR, *o))
        .into_iter()
        .collect();
    list(chain, &filters).await
}

/// Whether an account's data matches every `(offset, bytes)` filter.
pub fn matches(data: &[u8], filters: &[(usize, Vec<u8>)]) -> bool {
    filters.iter().all(|(offset, bytes)| {
        data.get(*offset..offset.saturating_add(bytes.len())) == Some(bytes.as_slice())
    })
}

/// Builds and signs a transaction, using from `payer` and `signers` exactly the keys the
/// instructions require; a required signature that nobody provided is
/// [`ClientError::MissingSigner`] instead of a panic.
pub fn signed_transaction(
    instructions: &[Instruction],
    payer: &Keypair,
    signers: &[&Keypair],
    blockhash: solana_sdk::hash::Hash,
) -> Result<Transaction, ClientError> {
    let message = Message::new(instructions, Some(&payer.pubkey()));
    let required = &message.account_keys[..usize::from(message.header.num_required_signatures)];
    let mut keys: Vec<&Keypair> = Vec::with_capacity(required.len());
    for key in required {
        let signer = std::iter::once(payer)
            .chain(signers.iter().copied())
            .find(|k| k.pubkey() == *key)
            .ok_or(ClientError::MissingSigner(*key))?;
        keys.push(signer);
    }
    let mut tx = Transaction::new_unsigned(message);
    tx.try_sign(&keys, blockhash)
        .map_err(|e| ClientError::Rpc(format!("signing failed: {e}")))?;
    Ok(tx)
}

/// The program id of each instruction, in order (to name the program that refused one).
pub fn program_ids(instructions: &[Instruction]) -> Vec<Pubkey> {
    instructions.iter().map(|ix| ix.program_id).collect()
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
