//! A funded protocol, pool, staked provider and 8-GPU node on the in-process chain, with a
//! renter, for the agent's tests and benchmarks.

#![allow(dead_code)]

use std::sync::Arc;

use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;
use tessera::signed::ReceiptBody;
use tessera::state::{NodeSpec, ProtocolParams};
use tessera_agent::agent::{Agent, AgentSetup};
use tessera_agent::gpu::simulated::SimulatedBackend;
use tessera_agent::outbox::Outbox;
use tessera_agent::runner::JobSpec;
use tessera_client::chain::{fetch, token_balance};
use tessera_client::instructions::{self as ix, NodeKeys, PoolKeys};
use tessera_client::Chain;
use tessera_localnet::LocalChain;

pub const UNIT: u64 = 1_000_000;
pub const PRICE: u64 = 2 * UNIT;

pub struct World {
    pub chain: Arc<LocalChain>,
    pub usd: Pubkey,
    pub agent: Keypair,
    pub renter: Keypair,
    pub nk: NodeKeys,
    pub pk: PoolKeys,
    pub dir: tempfile::TempDir,
}

pub async fn world() -> World {
    let chain = LocalChain::start().await;
    let payer = chain.payer_keypair().insecure_clone();
    let (usd, tsr) = (Keypair::new(), Keypair::new());
    chain
        .send(
            &ix::create_mint(&payer.pubkey(), &usd.pubkey(), &payer.pubkey(), 6),
            &[&usd],
        )
        .await
        .unwrap();
    chain
        .send(
            &ix::create_mint(&payer.pubkey(), &tsr.pubkey(), &payer.pubkey(), 9),
            &[&tsr],
        )
        .await
        .unwrap();
    let (usd, tsr) = (usd.pubkey(), tsr.pubkey());
    chain
        .send(
            &[ix::create_associated_token_account(
                &payer.pubkey(),
                &payer.pubkey(),
                &usd,
            )],
            &[],
        )
        .await
        .unwrap();
    let params = ProtocolParams {
        protocol_fee_bps: bps(500),
        staker_share_bps: bps(5_000),
        min_provider_stake: 1_000_000_000,
        unbonding_secs: 3_600,
        dispute_window_secs: 60,
        max_slash_bps: bps(1_000),
        revenue_vesting_secs: 3_600,
        grace_secs: 60,
        params_notice_secs: 3_600,
    };
    let treasury = ix::associated_token_address(&payer.pubkey(), &usd);
    chain
        .send(
            &[ix::initialize_protocol(
                payer.pubkey(),
                usd,
                tsr,
                treasury,
                params,
                payer.pubkey(),
            )],
            &[],
        )
        .await
        .unwrap();
    let operator = Keypair::new();
    let renter = Keypair::new();
    for who in [&operator, &renter] {
        let t = anchor_lang::solana_program::system_instruction::transfer(
            &payer.pubkey(),
            &who.pubkey(),
            5_000_000_000,
        );
        chain.send(&[t], &[]).await.unwrap();
    }
    chain
        .send(
            &ix::mint_to_owner(
                &payer.pubkey(),
                &usd,
                &payer.pubkey(),
                &renter.pubkey(),
                1_000 * UNIT,
            ),
            &[],
        )
        .await
        .unwrap();
    chain
        .send(
            &ix::mint_to_owner(
                &payer.pubkey(),
                &tsr,
                &payer.pubkey(),
                &operator.pubkey(),
                2_000_000_000,
            ),
            &[],
        )
        .await
        .unwrap();
    let args = tessera::CreatePoolArgs {
        pool_id: 1,
        gpu_model: [0; 32],
        target_gpu_count: 8,
        operator_fee_bps: bps(1_000),
        credit_limit: 0,
    };
    chain
        .send(
            &[ix::create_pool(operator.pubkey(), usd, args)],
            &[&operator],
        )
        .await
        .unwrap();
    let stake_acc = ix::associated_token_address(&operator.pubkey(), &tsr);
    chain
        .send(
            &[
                ix::stake(operator.pubkey(), stake_acc, 2_000_000_000),
                ix::register_provider(operator.pubkey()),
            ],
            &[&operator],
        )
        .await
        .unwrap();
    // The agent key pays its fees and receives reaper bounties: it must hold SOL.
    let agent = Keypair::new();
    let t = anchor_lang::solana_program::system_instruction::transfer(
        &payer.pubkey(),
        &agent.pubkey(),
        1_000_000_000,
    );
    chain.send(&[t], &[]).await.unwrap();
    let spec = NodeSpec {
        gpu_model: [1; 32],
        gpu_count: 8,
        vram_mib: 81_559,
        price_per_gpu_hour: PRICE,
        min_lease_secs: 60,
        max_lease_secs: 86_400,
    };
    let pk = PoolKeys::derive(operator.pubkey(), 1);
    chain
        .send(
            &[ix::register_node(
                operator.pubkey(),
                pk.pool,
                0,
                spec,
                agent.pubkey(),
            )],
            &[&operator],
        )
        .await
        .unwrap();
    World {
        chain: Arc::new(chain),
        usd,
        agent,
        renter,
        nk: NodeKeys::derive(operator.pubkey(), 0),
        pk,
        dir: tempfile::tempdir().unwrap(),
    }
}

impl World {
    /// A new provider, staked and registered, with its own pool `pool_id` (no node yet).
    pub async fn provider_with_pool(&self, pool_id: u64) -> (Keypair, PoolKeys) {
        let chain = &*self.chain;
        let payer = chain.payer_keypair().insecure_clone();
        let provider = Keypair::new();
        let t = anchor_lang::solana_program::system_instruction::transfer(
            &payer.pubkey(),
            &provider.pubkey(),
            5_000_000_000,
        );
        chain.send(&[t], &[]).await.unwrap();
        let protocol: tessera::state::Protocol =
            fetch(chain, &tessera_client::pda::find_protocol_address().0)
                .await
                .unwrap();
        let stake = ix::mint_to_owner(
            &payer.pubkey(),
            &protocol.stake_mint,
            &payer.pubkey(),
            &provider.pubkey(),
            2_000_000_000,
        );
        chain.send(&stake, &[]).await.unwrap();
        let stake_acc = ix::associated_token_address(&provider.pubkey(), &protocol.stake_mint);
        let args = tessera::CreatePoolArgs {
            pool_id,
            gpu_model: [0; 32],
            target_gpu_count: 4,
            operator_fee_bps: bps(0),
            credit_limit: 0,
        };
        let ixs = [
            ix::create_pool(provider.pubkey(), self.usd, args),
            ix::stake(provider.pubkey(), stake_acc, 2_000_000_000),
            ix::register_provider(provider.pubkey()),
        ];
        chain.send(&ixs, &[&provider]).await.unwrap();
        let pool = PoolKeys::derive(provider.pubkey(), pool_id);
        (provider, pool)
    }

    pub fn setup(&self) -> AgentSetup {
        AgentSetup {
            node: self.nk.node,
            period_secs: 60,
            job_wait_secs: 60,
            data_dir: self.dir.path().join("data"),
            job_dir: self.dir.path().join("jobs"),
            log_cap: 1 << 20,
            container_engine: None,
            job_env: Default::default(),
        }
    }

    pub fn agent(&self) -> Agent<'_> {
        self.agent_on(self.chain.as_ref())
    }

    /// The agent, reaching the chain through `chain` (a fault-injecting wrapper, say).
    pub fn agent_on<'a>(&'a self, chain: &'a dyn Chain) -> Agent<'a> {
        Agent::new(
            chain,
            self.agent.insecure_clone(),
            Arc::new(SimulatedBackend::new(8, vec![])),
            self.setup(),
        )
        .unwrap()
    }

    /// Opens a `gpus` × `secs` lease running `spec` (written where the agent finds it).
    pub async fn open(&self, gpus: u16, secs: u32, spec: &JobSpec) -> Pubkey {
        let hash = spec.hash();
        std::fs::create_dir_all(self.dir.path().join("jobs")).unwrap();
        std::fs::write(
            self.dir.path().join("jobs").join(spec.file_name()),
            serde_json::to_vec(spec).unwrap(),
        )
        .unwrap();
        let node: tessera::state::Node = fetch(self.chain.as_ref(), &self.nk.node).await.unwrap();
        let args = tessera::OpenLeaseArgs {
            gpu_count: gpus,
            duration_secs: secs,
            max_price_per_gpu_hour: PRICE,
            job_hash: hash,
            job_uri: "file://spec".into(),
        };
        let usd = ix::associated_token_address(&self.renter.pubkey(), &self.usd);
        self.chain
            .send(
                &[ix::open_lease(
                    &self.nk,
                    &self.pk,
                    &ix::RenterAccounts {
                        renter: self.renter.pubkey(),
                        token: usd,
                    },
                    node.lease_count,
                    args,
                )],
                &[&self.renter],
            )
            .await
            .unwrap();
        tessera_client::pda::find_lease_address(&self.nk.node, node.lease_count).0
    }

    /// Writes the agent's keypair (mode 0600) and an `agent.toml` for the daemon against
    /// `rpc_url` (8 simulated GPUs, 60 s periods, no container engine) plus `extra` lines;
    /// returns the config's path.
    pub fn daemon_config(&self, rpc_url: &str, extra: &str) -> std::path::PathBuf {
        let key = self.dir.path().join("agent.json");
        std::fs::write(
            &key,
            serde_json::to_string(&self.agent.to_bytes().to_vec()).unwrap(),
        )
        .unwrap();
        std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .unwrap();
        let config = self.dir.path().join("agent.toml");
        let text = format!(
            "rpc_url = \"{rpc_url}\"\nnode = \"{}\"\nagent_keypair = \"{}\"\nperiod_secs = 60\n\
             data_dir = \"{}\"\njob_dir = \"{}\"\nsimulated_gpus = 8\n\
             container_engine = \"none\"\n{extra}",
            self.nk.node,
            key.display(),
            self.dir.path().join("data").display(),
            self.dir.path().join("jobs").display(),
        );
        std::fs::write(&config, text).unwrap();
        config
    }

    /// The agent's outbox (its data directory created if needed), opened as a restarted agent
    /// or an operator would open it.
    pub fn outbox(&self) -> Outbox {
        std::fs::create_dir_all(self.dir.path().join("data")).unwrap();
        Outbox::open(&self.dir.path().join("data/outbox.db")).unwrap()
    }

    /// Sends receipt `body` for `lease` signed by the agent key (settling a pending charge
    /// first), bypassing the agent and its outbox: what landed just before a crash.
    pub async fn post_directly(
        &self,
        lease: &Pubkey,
        body: ReceiptBody,
    ) -> Result<(), tessera_client::ClientError> {
        let l: tessera::state::Lease = fetch(self.chain.as_ref(), lease).await?;
        let now = self.chain.unix_timestamp().await?;
        let mut ixs = Vec::new();
        if l.pending > 0 && l.pending_settleable(now) {
            ixs.push(ix::settle(&self.nk, &self.pk, *lease));
        }
        let msg = tessera::signed::message_bytes(&tessera::signed::UsageReceipt::new(*lease, body))
            .unwrap();
        ixs.push(ix::ed25519(&self.agent, &msg));
        ixs.push(ix::submit_receipt(&self.nk, &self.pk, *lease, None, body));
        self.chain.send(&ixs, &[]).await.map(|_| ())
    }

    pub async fn renter_usd(&self) -> u64 {
        token_balance(
            self.chain.as_ref(),
            &ix::associated_token_address(&self.renter.pubkey(), &self.usd),
        )
        .await
        .unwrap()
    }
}

/// A hand-made receipt body for `[start, end)` billing `gpu_seconds`, with no evidence.
pub fn receipt(seq: u64, start: i64, end: i64, gpu_seconds: u64) -> ReceiptBody {
    ReceiptBody {
        seq,
        period_start: start,
        period_end: end,
        gpu_seconds,
        avg_utilization_bps: 0,
        energy_joules: 0,
        sample_digest: [0; 32],
    }
}

pub fn counting_job() -> JobSpec {
    JobSpec {
        command: vec![
            "sh".into(),
            "-c".into(),
            "echo counted $((6 * 7)) on $CUDA_VISIBLE_DEVICES".into(),
        ],
        env: Default::default(),
        image: None,
        cpu_millis: None,
        memory_mib: Some(256),
        max_pids: None,
        max_secs: Some(60),
        network: true,
    }
}

/// A `kB` field (`VmRSS:`, `VmHWM:`) of `/proc/<pid>/status`, in KiB; `pid` may be `self`.
pub fn proc_status_kib(pid: &str, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// `v` basis points (test literals are within 100 %).
pub fn bps(v: u16) -> tessera::math::Bps {
    tessera::math::Bps::new(v).expect("basis points within 100%")
}
