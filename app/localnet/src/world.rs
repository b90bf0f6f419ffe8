//! The world the demo, `--seed demo` and the tests start from: the settlement and protocol
//! mints, the protocol with the demo's parameters, a funded pool, a staked provider with a node
//! registered from a GPU inventory, and a renter with tokens.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;
use tessera::state::{Lease, Pool, ProtocolParams};
use tessera_agent::gpu::GpuBackend;
use tessera_agent::runner::JobSpec;
use tessera_client::chain::fetch;
use tessera_client::instructions::{self as ix, NodeKeys, PoolKeys};
use tessera_client::{metrics, pda, Chain};

use crate::bank::LocalChain;

/// One settlement token in base units (6 decimals).
pub const UNIT: u64 = 1_000_000;
/// Dispute window and the agent's metering period in the demo's parameters, seconds.
pub const PERIOD: i64 = 60;
/// The node's price per GPU-hour.
pub const PRICE: u64 = 2 * UNIT;

/// Everyone in the world, with the chain and the addresses they use.
pub struct World {
    /// The chain.
    pub chain: Arc<LocalChain>,
    /// Protocol authority, mint authority of both mints, and the chain's fee payer.
    pub admin: Keypair,
    /// The settlement mint (6 decimals).
    pub usd: Pubkey,
    /// The protocol token, staked by providers (9 decimals).
    pub tsr: Pubkey,
    /// The treasury's settlement token account.
    pub treasury: Pubkey,
    /// The protocol's parameters.
    pub params: ProtocolParams,
    /// Pool operator and provider.
    pub operator: Keypair,
    /// Two investors.
    pub investors: [Keypair; 2],
    /// A renter holding 100 tokens.
    pub renter: Keypair,
    /// The node's agent key (signs receipts).
    pub agent_key: Keypair,
    /// The operator's first pool.
    pub pool: PoolKeys,
}

impl World {
    /// Mints, the protocol, and funded wallets (the renter holds 100 tUSD).
    pub async fn start(chain: Arc<LocalChain>) -> Result<Self> {
        let admin = chain.payer_keypair().insecure_clone();
        let (usd_kp, tsr_kp) = tessera_client::tokens::local_mint_keypairs();
        for (mint, decimals) in [(&usd_kp, 6), (&tsr_kp, 9)] {
            let ixs = ix::create_mint(&admin.pubkey(), &mint.pubkey(), &admin.pubkey(), decimals);
            send(&chain, ixs, &[mint]).await?;
        }
        let (usd, tsr) = (usd_kp.pubkey(), tsr_kp.pubkey());
        let treasury = ix::associated_token_address(&admin.pubkey(), &usd);
        let params = ProtocolParams {
            protocol_fee_bps: bps(500)?,
            staker_share_bps: bps(5_000)?,
            min_provider_stake: 1_000_000_000_000,
            unbonding_secs: 3_600,
            dispute_window_secs: PERIOD as u32,
            max_slash_bps: bps(1_000)?,
            revenue_vesting_secs: 3_600,
            grace_secs: 60,
            params_notice_secs: 3_600,
        };
        let ixs = vec![
            ix::create_associated_token_account(&admin.pubkey(), &admin.pubkey(), &usd),
            ix::initialize_protocol(admin.pubkey(), usd, tsr, treasury, params, admin.pubkey()),
        ];
        send(&chain, ixs, vec![]).await?;
        let operator = Keypair::new();
        let w = Self {
            pool: PoolKeys::derive(operator.pubkey(), 1),
            chain,
            admin,
            usd,
            tsr,
            treasury,
            params,
            operator,
            investors: [Keypair::new(), Keypair::new()],
            renter: Keypair::new(),
            agent_key: Keypair::new(),
        };
        let wallets = [
            &w.operator,
            &w.investors[0],
            &w.investors[1],
            &w.renter,
            &w.agent_key,
        ];
        for who in wallets {
            let ix = anchor_lang::solana_program::system_instruction::transfer(
                &w.admin.pubkey(),
                &who.pubkey(),
                2_000_000_000,
            );
            send(&w.chain, vec![ix], vec![]).await?;
        }
        let me = w.admin.pubkey();
        let ixs = ix::mint_to_owner(&me, &w.usd, &me, &w.renter.pubkey(), 100 * UNIT);
        send(&w.chain, ixs, vec![]).await?;
        Ok(w)
    }

    /// Creates the pool; two investors deposit 6,000 and 4,000.
    pub async fn fund_pool(&self) -> Result<()> {
        let args = tessera::CreatePoolArgs {
            pool_id: 1,
            gpu_model: *b"NVIDIA H100 80GB HBM3\0\0\0\0\0\0\0\0\0\0\0",
            target_gpu_count: 8,
            operator_fee_bps: bps(1_000)?,
            credit_limit: 0,
        };
        let ixs = vec![ix::create_pool(self.operator.pubkey(), self.usd, args)];
        send(&self.chain, ixs, vec![&self.operator]).await?;
        for (who, amount) in self.investors.iter().zip([6_000 * UNIT, 4_000 * UNIT]) {
            let me = self.admin.pubkey();
            let ixs = ix::mint_to_owner(&me, &self.usd, &me, &who.pubkey(), amount);
            send(&self.chain, ixs, vec![]).await?;
            let accounts = ix::InvestorAccounts {
                investor: who.pubkey(),
                token: ix::associated_token_address(&who.pubkey(), &self.usd),
                shares: ix::associated_token_address(&who.pubkey(), &self.pool.share_mint),
            };
            let ixs = vec![
                ix::create_associated_token_account(&me, &who.pubkey(), &self.pool.share_mint),
                ix::deposit(&self.pool, &accounts, amount, 0),
            ];
            send(&self.chain, ixs, vec![who]).await?;
        }
        Ok(())
    }

    /// The operator stakes 2,000 TSR and registers as a provider.
    pub async fn register_provider(&self) -> Result<()> {
        let op = self.operator.pubkey();
        let me = self.admin.pubkey();
        let ixs = ix::mint_to_owner(&me, &self.tsr, &me, &op, 2_000_000_000_000);
        send(&self.chain, ixs, vec![]).await?;
        let stake_acc = ix::associated_token_address(&op, &self.tsr);
        let ixs = vec![
            ix::stake(op, stake_acc, 2_000_000_000_000),
            ix::register_provider(op),
        ];
        send(&self.chain, ixs, vec![&self.operator]).await
    }

    /// Registers a rig as the provider's next node from its inventory, exactly as
    /// `tessera-agent register` does, with `agent` as its signing key.
    pub async fn register_node(
        &self,
        gpu: &dyn GpuBackend,
        agent: &Keypair,
        price_per_gpu_hour: u64,
    ) -> Result<NodeKeys> {
        self.register_node_with(gpu, agent, price_per_gpu_hour, None)
            .await
    }

    /// [`Self::register_node`] attesting `bench` (measured figures; simulated ones are never
    /// attested).
    pub async fn register_node_with(
        &self,
        gpu: &dyn GpuBackend,
        agent: &Keypair,
        price_per_gpu_hour: u64,
        bench: Option<tessera_agent::benchmark::Measured>,
    ) -> Result<NodeKeys> {
        let op = self.operator.pubkey();
        let provider: tessera::state::Provider =
            fetch(&*self.chain, &pda::find_provider_address(&op).0).await?;
        let terms = tessera_agent::registration::Terms {
            pool: self.pool.pool,
            price_per_gpu_hour,
            min_lease_secs: 60,
            max_lease_secs: 86_400,
        };
        tessera_agent::registration::register(
            &*self.chain,
            &self.operator,
            agent,
            gpu,
            terms,
            bench,
        )
        .await?;
        Ok(NodeKeys::derive(op, provider.node_count))
    }

    /// Writes `job` where an agent with `job_dir` finds it and has the renter lease `gpus` of
    /// the node for `secs`; returns the lease and the escrow it holds.
    pub async fn open_lease(
        &self,
        nk: &NodeKeys,
        gpus: u16,
        secs: u32,
        job: &JobSpec,
        job_dir: &Path,
    ) -> Result<(Pubkey, u64)> {
        std::fs::create_dir_all(job_dir)?;
        std::fs::write(job_dir.join(job.file_name()), serde_json::to_vec(job)?)?;
        let node: tessera::state::Node = fetch(&*self.chain, &nk.node).await?;
        let renter = self.renter.pubkey();
        let args = tessera::OpenLeaseArgs {
            gpu_count: gpus,
            duration_secs: secs,
            max_price_per_gpu_hour: node.spec.price_per_gpu_hour,
            job_hash: job.hash(),
            job_uri: format!("file://{}", job.file_name()),
        };
        let accounts = ix::RenterAccounts {
            renter,
            token: ix::associated_token_address(&renter, &self.usd),
        };
        let ixs = vec![ix::open_lease(
            nk,
            &self.pool,
            &accounts,
            node.lease_count,
            args,
        )];
        send(&self.chain, ixs, vec![&self.renter]).await?;
        let lease = pda::find_lease_address(&nk.node, node.lease_count).0;
        let opened: Lease = fetch(&*self.chain, &lease).await?;
        Ok((lease, opened.escrow))
    }

    /// The exact price of a share now, `(numerator, denominator)`.
    pub async fn share_value(&self) -> Result<(u128, u128)> {
        let pool: Pool = fetch(&*self.chain, &self.pool.pool).await?;
        let now = self.chain.unix_timestamp().await?;
        metrics::share_price(&pool, now).context("share value")
    }
}

/// Sends `ixs` signed by the chain's payer and `signers`.
pub async fn send<'a>(
    chain: &LocalChain,
    ixs: Vec<solana_sdk::instruction::Instruction>,
    signers: impl AsRef<[&'a Keypair]>,
) -> Result<()> {
    chain.send(&ixs, signers.as_ref()).await?;
    Ok(())
}

/// `v` basis points; the literals here are all within 100 %.
pub fn bps(v: u16) -> Result<tessera::math::Bps> {
    tessera::math::Bps::new(v).context("basis points above 100%")
}
