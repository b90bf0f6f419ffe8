//! `Session`: the chain and signer one command runs with, and what every command needs from
//! them (protocol state, decimals, token accounts).

use anchor_lang::AccountDeserialize;
use anchor_spl::token::{Mint, TokenAccount};
use anyhow::{Context, Result};
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signature};
use solana_sdk::signer::Signer;
use tessera::state::Protocol;
use tessera_client::accounts::decode;
use tessera_client::chain::fetch;
use tessera_client::Chain;

/// One command's connection and identity.
pub struct Session<'a> {
    /// Where transactions go.
    pub chain: &'a dyn Chain,
    /// Who signs as investor, operator, renter, staker, authority or arbiter.
    pub signer: &'a Keypair,
    /// A Tessera indexer's read API, where statements read histories when given.
    pub indexer: Option<&'a str>,
}

impl Session<'_> {
    /// Amounts of `mint` with the unit it is called by (a known symbol, its Metaplex metadata,
    /// or its address).
    pub async fn money(
        &self,
        mint: &Pubkey,
        decimals: u8,
    ) -> Result<tessera_client::tokens::Money> {
        Ok(tessera_client::tokens::money(self.chain, mint, decimals).await?)
    }

    /// Every transaction with an event naming `address`: from the indexer when one is
    /// configured, else from the chain (`getSignaturesForAddress` and `getTransaction`).
    pub async fn history(&self, address: &Pubkey) -> Result<Vec<tessera_client::chain::Landed>> {
        Ok(match self.indexer {
            Some(url) => tessera_client::indexer::history(url, address).await?,
            None => self.chain.history(address).await?,
        })
    }

    /// The signer's address.
    pub fn me(&self) -> Pubkey {
        self.signer.pubkey()
    }

    /// Sends `ixs` signed by the signer (and the chain's fee payer).
    pub async fn send(&self, ixs: &[Instruction]) -> Result<Signature> {
        Ok(self.chain.send(ixs, &[self.signer]).await?)
    }

    /// Fetches and decodes an account, naming it on failure.
    pub async fn get<T: AccountDeserialize>(&self, address: &Pubkey, what: &str) -> Result<T> {
        fetch(self.chain, address)
            .await
            .with_context(|| format!("reading {what} {address}"))
    }

    /// The protocol (fails clearly when it is not initialised on this cluster).
    pub async fn protocol(&self) -> Result<Protocol> {
        let address = tessera_client::pda::find_protocol_address().0;
        self.get(&address, "the protocol (run `tessera protocol init` first)")
            .await
    }

    /// Decimals of `mint`.
    pub async fn decimals(&self, mint: &Pubkey) -> Result<u8> {
        Ok(self.get::<Mint>(mint, "mint").await?.decimals)
    }

    /// The token balance of `account` (0 when it does not exist yet).
    pub async fn balance(&self, account: &Pubkey) -> Result<u64> {
        Ok(match self.chain.account(account).await? {
            Some(found) => decode::<TokenAccount>(account, &found)?.amount,
            None => 0,
        })
    }

    /// Refuses, in words, when the signer's `account` holds less than `needed` of `what`
    /// (a missing account holds nothing): checked before sending, so the user reads "you hold
    /// 3.2 settlement tokens, this needs 5" instead of a token program's error code.
    pub async fn require_tokens(
        &self,
        account: &Pubkey,
        needed: u64,
        decimals: u8,
        what: &str,
    ) -> Result<()> {
        let held = self.balance(account).await?;
        if held < needed {
            anyhow::bail!(
                "you hold {} {what}, this needs {} (in {account})",
                crate::units::format_amount(held, decimals),
                crate::units::format_amount(needed, decimals)
            );
        }
        Ok(())
    }

    /// The signer's associated token account for `mint`, and an instruction creating it if absent.
    pub fn my_ata(&self, mint: &Pubkey) -> (Pubkey, Instruction) {
        ata(&self.chain.payer(), &self.me(), mint)
    }
}

/// `owner`'s associated token account for `mint`, and an idempotent create paid by `payer`.
pub fn ata(payer: &Pubkey, owner: &Pubkey, mint: &Pubkey) -> (Pubkey, Instruction) {
    (
        tessera_client::instructions::associated_token_address(owner, mint),
        tessera_client::instructions::create_associated_token_account(payer, owner, mint),
    )
}

impl Session<'_> {
    /// A pool's addresses and state.
    pub async fn pool(
        &self,
        address: &Pubkey,
    ) -> Result<(tessera_client::instructions::PoolKeys, tessera::state::Pool)> {
        let pool: tessera::state::Pool = self.get(address, "pool").await?;
        let keys = tessera_client::instructions::PoolKeys::derive(pool.operator, pool.pool_id);
        Ok((keys, pool))
    }

    /// A node's addresses (with its provider's) and state.
    pub async fn node(
        &self,
        address: &Pubkey,
    ) -> Result<(tessera_client::instructions::NodeKeys, tessera::state::Node)> {
        let node: tessera::state::Node = self.get(address, "node").await?;
        let provider: tessera::state::Provider = self.get(&node.provider, "provider").await?;
        let keys = tessera_client::instructions::NodeKeys::derive(provider.authority, node.node_id);
        Ok((keys, node))
    }
}
