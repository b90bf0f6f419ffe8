//! The agent's tests and benchmarks start from the shared world builder
//! (`tessera_localnet::world`) with an 8-GPU simulated node, plus what only they need: an
//! agent directory, leases with job specs, daemon configs and direct receipts.

#![allow(dead_code)]

use std::sync::Arc;

use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;
use tessera::signed::ReceiptBody;
use tessera_agent::agent::{Agent, AgentSetup};
use tessera_agent::gpu::simulated::SimulatedBackend;
use tessera_agent::outbox::Outbox;
use tessera_agent::runner::JobSpec;
use tessera_client::chain::{fetch, token_balance};
use tessera_client::instructions::{self as ix, NodeKeys, PoolKeys};
use tessera_client::Chain;
use tessera_localnet::LocalChain;

pub const UNIT: u64 = tessera_localnet::world::UNIT;
pub const PRICE: u64 = tessera_localnet::world::PRICE;

/// The shared world (protocol, funded pool, staked provider, agent key, a renter topped up to
/// 1,100 tokens for day-long 8-GPU leases) with an 8-GPU simulated node and a directory for
/// the agent.
pub struct World {
    pub world: tessera_localnet::world::World,
    pub nk: NodeKeys,
    pub dir: tempfile::TempDir,
}

impl std::ops::Deref for World {
    type Target = tessera_localnet::world::World;
    fn deref(&self) -> &Self::Target {
        &self.world
    }
}

pub async fn world() -> World {
    let chain = Arc::new(LocalChain::start().await);
    let world = tessera_localnet::world::World::start(chain).await.unwrap();
    world.fund_pool().await.unwrap();
    world.register_provider().await.unwrap();
    let admin = world.admin.pubkey();
    let renter = world.renter.pubkey();
    let top_up = ix::mint_to_owner(&admin, &world.usd, &admin, &renter, 1_000 * UNIT);
    world.chain.send(&top_up, &[]).await.unwrap();
    let rig = SimulatedBackend::new(8, vec![]);
    let nk = world
        .register_node(&rig, &world.agent_key, PRICE)
        .await
        .unwrap();
    World {
        world,
        nk,
        dir: tempfile::tempdir().unwrap(),
    }
}

impl World {
    /// A new provider, staked and registered, with its own pool `pool_id` (no node yet).
    pub async fn provider_with_pool(&self, pool_id: u64) -> (Keypair, PoolKeys) {
        let chain = &*self.chain;
        let admin = self.admin.pubkey();
        let provider = Keypair::new();
        let stake = self.params.min_provider_stake;
        let mut ixs = vec![anchor_lang::solana_program::system_instruction::transfer(
            &admin,
            &provider.pubkey(),
            5_000_000_000,
        )];
        ixs.extend(ix::mint_to_owner(
            &admin,
            &self.tsr,
            &admin,
            &provider.pubkey(),
            stake,
        ));
        chain.send(&ixs, &[]).await.unwrap();
        let stake_acc = ix::associated_token_address(&provider.pubkey(), &self.tsr);
        let args = tessera::CreatePoolArgs {
            pool_id,
            gpu_model: [0; 32],
            target_gpu_count: 4,
            operator_fee_bps: bps(0),
            credit_limit: 0,
        };
        let ixs = [
            ix::create_pool(provider.pubkey(), self.usd, args),
            ix::stake(provider.pubkey(), stake_acc, stake),
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
            self.agent_key.insecure_clone(),
            Arc::new(SimulatedBackend::new(8, vec![])),
            self.setup(),
        )
        .unwrap()
    }

    /// Opens a `gpus` × `secs` lease running `spec` (written where the agent finds it).
    pub async fn open(&self, gpus: u16, secs: u32, spec: &JobSpec) -> Pubkey {
        let jobs = self.dir.path().join("jobs");
        let (lease, _) = self
            .world
            .open_lease(&self.nk, gpus, secs, spec, &jobs)
            .await
            .unwrap();
        lease
    }

    /// Writes the agent's keypair (mode 0600) and an `agent.toml` for the daemon against
    /// `rpc_url` (8 simulated GPUs, 60 s periods, no container engine) plus `extra` lines;
    /// returns the config's path.
    pub fn daemon_config(&self, rpc_url: &str, extra: &str) -> std::path::PathBuf {
        let key = self.dir.path().join("agent.json");
        std::fs::write(
            &key,
            serde_json::to_string(&self.agent_key.to_bytes().to_vec()).unwrap(),
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
            ixs.push(ix::settle(&self.nk, &self.pool, *lease));
        }
        let msg = tessera::signed::message_bytes(&tessera::signed::UsageReceipt::new(*lease, body))
            .unwrap();
        ixs.push(ix::ed25519(&self.agent_key, &msg));
        ixs.push(ix::submit_receipt(&self.nk, &self.pool, *lease, None, body));
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
        memory_mib: Some(256),
        max_secs: Some(60),
        network: true,
        ..Default::default()
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
