//! `tessera demo`: the whole protocol in one command on an in-process chain (the program and
//! the real SPL Token program): investors fund a pool, a provider stakes and registers the rig
//! as a node (its GPUs through NVML and a CUDA benchmark when present, otherwise the labelled
//! simulated backend), a renter leases up to four of its GPUs for a real job, the agent runs
//! it, posts signed receipts, settles and closes, and fees reach the operator, stakers and
//! treasury. Every figure of the report is read back from the ledger. Chain time is advanced
//! by the demo; the job runs in real time.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

use anyhow::{Context, Result};
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;
use tessera::state::{Lease, Pool, ProtocolParams};
use tessera_agent::agent::{Agent, AgentSetup};
use tessera_agent::benchmark::{Measured, Score};
use tessera_agent::gpu::nvml::NvmlBackend;
use tessera_agent::gpu::simulated::SimulatedBackend;
use tessera_agent::gpu::{GpuBackend, GpuInfo};
use tessera_agent::runner::JobSpec;
use tessera_client::chain::{fetch, token_balance};
use tessera_client::instructions::{self as ix, NodeKeys, PoolKeys};
use tessera_client::local::LocalChain;
use tessera_client::{metrics, pda, Chain};

use crate::units::format_amount;

const UNIT: u64 = 1_000_000;
const PERIOD: i64 = 60;
const LEASE_SECS: u32 = 180;
/// Most GPUs the demo leases; a rig with fewer leases all it has.
const MAX_LEASE_GPUS: u16 = 4;
const PRICE: u64 = 2 * UNIT;
/// Decimal places of the share values printed (exact, rounded down).
const SHARE_DIGITS: u32 = 12;

/// One receipt as the demo saw it land.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReceiptLine {
    /// Sequence number.
    pub seq: u64,
    /// GPU-seconds billed.
    pub gpu_seconds: u64,
    /// Amount charged, base units.
    pub charge: u64,
}

/// What the demo measured of the rig's first GPU.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BenchmarkReport {
    /// `cuda`, `simulated`, or `none` when nothing was measured.
    pub source: String,
    /// The figures, when measured.
    pub measured: Option<Measured>,
    /// Each figure as a fraction of the card's peak, when the peak is known.
    pub score: Option<Score>,
    /// The card whose peak was used.
    pub peak_card: Option<String>,
    /// One line for people, saying exactly what was or was not measured and why.
    pub line: String,
}

/// The demo's figures, read back from the chain. Amounts are settlement base units (6
/// decimals); share values are exact decimals, rounded down at the last digit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DemoReport {
    /// Which GPU backend served the lease (`nvml` or `simulated`).
    pub gpu_backend: &'static str,
    /// The rig's first GPU's name.
    pub gpu_name: String,
    /// GPUs the node was registered with (all the rig has).
    pub node_gpus: u16,
    /// GPUs leased.
    pub lease_gpus: u16,
    /// The benchmark of the first GPU.
    pub benchmark: BenchmarkReport,
    /// Receipts posted.
    pub receipts: Vec<ReceiptLine>,
    /// Escrow the renter prepaid at opening.
    pub escrow: u64,
    /// Sum of the charges settled.
    pub charged: u64,
    /// Escrow refunded to the renter at close.
    pub refund: u64,
    /// What the renter's token account lost in all (escrow in minus refund).
    pub renter_paid: u64,
    /// Fees booked for the protocol.
    pub protocol_fees: u64,
    /// Fees booked for the operator.
    pub operator_fees: u64,
    /// Revenue booked for investors.
    pub investor_revenue: u64,
    /// Value of one share before the lease and after its revenue vested, exact.
    pub share_value: (String, String),
    /// The pool's NAV and share count behind the final share value (for reconciliation).
    pub final_nav: u64,
    /// Shares outstanding at the end.
    pub total_shares: u64,
    /// Share value growth annualised over the lease's length (simple).
    pub annualised_yield: f64,
    /// Protocol fees the sweep allocated to stakers.
    pub staker_allocation: u64,
    /// Stakers' rewards claimed by the provider (the only staker; floor rounding may leave a
    /// unit of dust in the reward vault).
    pub staker_rewards: u64,
    /// The treasury's part of protocol fees.
    pub treasury: u64,
    /// First line of the job's output.
    pub job_output: String,
}

/// Everyone in the demo, with the chain and the addresses they use.
struct World {
    chain: LocalChain,
    admin: Keypair,
    usd: Pubkey,
    tsr: Pubkey,
    treasury: Pubkey,
    params: ProtocolParams,
    operator: Keypair,
    investors: [Keypair; 2],
    renter: Keypair,
    agent_key: Keypair,
    pool: PoolKeys,
}

/// Numbered progress lines.
struct Progress<'a> {
    out: &'a mut dyn Write,
    step: u32,
}

impl Progress<'_> {
    fn say(&mut self, msg: &str) {
        self.step += 1;
        let _ = writeln!(self.out, "[{}/8] {msg}", self.step);
    }

    fn detail(&mut self, msg: &str) {
        let _ = writeln!(self.out, "      {msg}");
    }
}

/// Runs the demo, printing progress to `out`.
pub async fn run(out: &mut dyn Write) -> Result<DemoReport> {
    let mut p = Progress { out, step: 0 };
    p.say("starting an in-process chain with the Tessera program and SPL Token");
    let chain = LocalChain::start().await;
    p.say("creating the USDC-like settlement mint, the protocol token and the protocol");
    let w = World::start(chain).await?;
    p.say("two investors fund a GPU pool with 6,000 and 4,000 USDC");
    w.fund_pool().await?;
    let share_before = w.share_value().await?;

    let (gpu, devices) = rig()?;
    let first = devices.first().context("the GPU backend lists no GPU")?;
    let node_gpus = u16::try_from(devices.len()).context("more than 65,535 GPUs")?;
    p.say(&format!(
        "the provider stakes 2,000 TSR and registers the rig as a node: {node_gpus} x {} [{} GPU backend]",
        first.name,
        gpu.kind()
    ));
    let benchmark = benchmark(gpu.kind(), first);
    p.detail(&benchmark.line);
    let nk = w.register_node(gpu.as_ref()).await?;

    let lease_gpus = node_gpus.min(MAX_LEASE_GPUS);
    p.say(&format!(
        "a renter leases {lease_gpus} of its {node_gpus} GPUs for {LEASE_SECS} s at {} USDC per GPU-hour to hash 16 MiB",
        format_amount(PRICE, 6)
    ));
    let dir = tempfile::tempdir().context("temporary directory for the agent")?;
    let renter_token = ix::associated_token_address(&w.renter.pubkey(), &w.usd);
    let renter_start = token_balance(&w.chain, &renter_token).await?;
    let (lease, escrow) = w.open_lease(&nk, lease_gpus, dir.path()).await?;

    p.say("the agent runs the job, meters each 60 s period and posts signed receipts");
    let receipts = w.serve(&nk, gpu.clone(), lease, dir.path(), &mut p).await?;
    let job_output = std::fs::read_to_string(
        dir.path()
            .join("data/leases")
            .join(lease.to_string())
            .join("stdout.log"),
    )
    .unwrap_or_default();

    p.say("settled: fees swept to stakers and treasury, the operator and stakers claim");
    let fees = w.sweep_and_claim().await?;
    w.chain
        .advance_clock(i64::from(w.params.revenue_vesting_secs))
        .await?;
    let pool: Pool = fetch(&w.chain, &w.pool.pool).await?;
    let share_after = w.share_value().await?;
    let renter_end = token_balance(&w.chain, &renter_token).await?;

    p.say("report");
    let charged = receipts.iter().map(|r| r.charge).sum();
    let report = DemoReport {
        gpu_backend: gpu.kind(),
        gpu_name: first.name.clone(),
        node_gpus,
        lease_gpus,
        benchmark,
        receipts,
        escrow,
        charged,
        refund: renter_end - (renter_start - escrow),
        renter_paid: renter_start - renter_end,
        protocol_fees: fees.protocol_fees,
        operator_fees: fees.operator_fees,
        investor_revenue: pool.lifetime_revenue,
        share_value: (exact(share_before)?, exact(share_after)?),
        final_nav: pool.nav(w.chain.unix_timestamp().await?)?,
        total_shares: pool.total_shares,
        annualised_yield: growth(share_before, share_after) * (365.0 * 86_400.0)
            / f64::from(LEASE_SECS),
        staker_allocation: fees.staker_allocation,
        staker_rewards: fees.staker_rewards,
        treasury: fees.treasury,
        job_output: job_output.lines().next().unwrap_or("").to_string(),
    };
    print_report(p.out, &report, &pool);
    Ok(report)
}

/// Fees after the sweep and the claims.
struct Fees {
    protocol_fees: u64,
    operator_fees: u64,
    staker_allocation: u64,
    staker_rewards: u64,
    treasury: u64,
}

impl World {
    /// Mints, the protocol, and funded wallets (the renter holds 100 USDC).
    async fn start(chain: LocalChain) -> Result<Self> {
        let admin = chain.payer_keypair().insecure_clone();
        let (usd_kp, tsr_kp) = (Keypair::new(), Keypair::new());
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
    async fn fund_pool(&self) -> Result<()> {
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

    /// The provider stakes, registers, and registers the rig as a node from its inventory.
    async fn register_node(&self, gpu: &dyn GpuBackend) -> Result<NodeKeys> {
        let op = self.operator.pubkey();
        let me = self.admin.pubkey();
        let ixs = ix::mint_to_owner(&me, &self.tsr, &me, &op, 2_000_000_000_000);
        send(&self.chain, ixs, vec![]).await?;
        let stake_acc = ix::associated_token_address(&op, &self.tsr);
        let ixs = vec![
            ix::stake(op, stake_acc, 2_000_000_000_000),
            ix::register_provider(op),
        ];
        send(&self.chain, ixs, vec![&self.operator]).await?;
        // The node from the rig's inventory, exactly as `tessera-agent register` does it.
        let terms = tessera_agent::registration::Terms {
            pool: self.pool.pool,
            price_per_gpu_hour: PRICE,
            min_lease_secs: 60,
            max_lease_secs: 86_400,
        };
        tessera_agent::registration::register(
            &self.chain,
            &self.operator,
            &self.agent_key,
            gpu,
            terms,
            None,
        )
        .await?;
        // The provider is new: its first node.
        Ok(NodeKeys::derive(op, 0))
    }

    /// Writes the job spec where the agent finds it and opens the lease; returns the lease and
    /// the escrow it holds.
    async fn open_lease(&self, nk: &NodeKeys, gpus: u16, dir: &Path) -> Result<(Pubkey, u64)> {
        let job = JobSpec {
            command: vec![
                "sh".into(),
                "-c".into(),
                "head -c 16777216 /dev/zero | sha256sum".into(),
            ],
            env: Default::default(),
            image: None,
            cpu_millis: None,
            memory_mib: Some(512),
            max_pids: None,
            max_secs: Some(120),
            network: true,
        };
        let hash = job.hash();
        std::fs::create_dir_all(dir.join("jobs"))?;
        std::fs::write(
            dir.join("jobs").join(job.file_name()),
            serde_json::to_vec(&job)?,
        )?;
        let renter = self.renter.pubkey();
        let args = tessera::OpenLeaseArgs {
            gpu_count: gpus,
            duration_secs: LEASE_SECS,
            max_price_per_gpu_hour: PRICE,
            job_hash: hash,
            job_uri: "file://demo-job.json".into(),
        };
        let accounts = ix::RenterAccounts {
            renter,
            token: ix::associated_token_address(&renter, &self.usd),
        };
        let ixs = vec![ix::open_lease(nk, &self.pool, &accounts, 0, args)];
        send(&self.chain, ixs, vec![&self.renter]).await?;
        let lease = pda::find_lease_address(&nk.node, 0).0;
        let opened: Lease = fetch(&self.chain, &lease).await?;
        Ok((lease, opened.escrow))
    }

    /// Runs the agent until the lease is closed, reporting each receipt as it lands.
    async fn serve(
        &self,
        nk: &NodeKeys,
        gpu: Arc<dyn GpuBackend>,
        lease: Pubkey,
        dir: &Path,
        p: &mut Progress<'_>,
    ) -> Result<Vec<ReceiptLine>> {
        let setup = AgentSetup {
            node: nk.node,
            period_secs: PERIOD,
            data_dir: dir.join("data"),
            job_dir: dir.join("jobs"),
            log_cap: 1 << 20,
            container_engine: None,
        };
        let mut agent = Agent::new(&self.chain, self.agent_key.insecure_clone(), gpu, setup)?;
        let mut receipts = Vec::new();
        agent.tick().await?;
        for _ in 0..8 {
            // Chain time jumps a period per tick; give the real job real time to run too.
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            self.chain.advance_clock(PERIOD).await?;
            let before: Option<Lease> = fetch(&self.chain, &lease).await.ok();
            agent.tick().await?;
            if let (Some(b), Ok(a)) = (before, fetch::<Lease>(&self.chain, &lease).await) {
                if a.last_seq > b.last_seq {
                    // The receipt just landed is the lease's pending charge.
                    let gpu_seconds = a.gpu_seconds_billed - b.gpu_seconds_billed;
                    p.detail(&format!(
                        "receipt #{}: {gpu_seconds} GPU-seconds, {} USDC",
                        a.last_seq,
                        format_amount(a.pending, 6)
                    ));
                    receipts.push(ReceiptLine {
                        seq: a.last_seq,
                        gpu_seconds,
                        charge: a.pending,
                    });
                }
            }
            if self.chain.account(&lease).await?.is_none() {
                return Ok(receipts);
            }
        }
        anyhow::bail!("the lease was not closed after 8 periods")
    }

    /// Sweeps protocol fees; the operator claims its fees and its staking rewards.
    async fn sweep_and_claim(&self) -> Result<Fees> {
        let pool: Pool = fetch(&self.chain, &self.pool.pool).await?;
        let (protocol_fees, operator_fees) = (pool.protocol_fees_owed, pool.operator_owed);
        let treasury_before = token_balance(&self.chain, &self.treasury).await?;
        let ixs = vec![ix::sweep_protocol_fees(&self.pool, self.treasury)];
        send(&self.chain, ixs, vec![]).await?;
        let treasury = token_balance(&self.chain, &self.treasury).await? - treasury_before;
        let op = self.operator.pubkey();
        let op_usd = ix::associated_token_address(&op, &self.usd);
        let ixs = vec![
            ix::create_associated_token_account(&self.admin.pubkey(), &op, &self.usd),
            ix::claim_operator_fees(&self.pool, op_usd),
            ix::claim_stake_rewards(op, op_usd),
        ];
        send(&self.chain, ixs, vec![&self.operator]).await?;
        Ok(Fees {
            protocol_fees,
            operator_fees,
            staker_allocation: protocol_fees - treasury,
            staker_rewards: token_balance(&self.chain, &op_usd).await? - operator_fees,
            treasury,
        })
    }

    /// The exact price of a share now, `(numerator, denominator)`.
    async fn share_value(&self) -> Result<(u128, u128)> {
        let pool: Pool = fetch(&self.chain, &self.pool.pool).await?;
        let now = self.chain.unix_timestamp().await?;
        metrics::share_price(&pool, now).context("share value")
    }
}

/// The rig's GPUs through NVML, or four simulated ones (labelled) where NVML or its GPUs are
/// missing.
fn rig() -> Result<(Arc<dyn GpuBackend>, Vec<GpuInfo>)> {
    if let Ok(nvml) = NvmlBackend::new() {
        let devices = nvml.devices()?;
        if !devices.is_empty() {
            return Ok((Arc::new(nvml), devices));
        }
    }
    let sim = SimulatedBackend::new(u32::from(MAX_LEASE_GPUS), vec![]);
    let devices = sim.devices()?;
    Ok((Arc::new(sim), devices))
}

/// Measures the first GPU: real GPUs with CUDA in a child worker (this binary's hidden
/// `benchmark-worker`), the simulated backend with labelled figures that are never attested.
fn benchmark(kind: &str, gpu: &GpuInfo) -> BenchmarkReport {
    use tessera_agent::benchmark::{peak_for, score, simulated, worker};
    let peak = peak_for(gpu);
    let measured = if kind == "simulated" {
        peak.as_ref()
            .map(simulated)
            .ok_or_else(|| "no peak for the simulated card".to_string())
    } else {
        std::env::current_exe()
            .map_err(|e| format!("cannot find this program to run the benchmark worker: {e}"))
            .and_then(|exe| {
                worker::measure_all(&exe, std::slice::from_ref(gpu), true)
                    .pop()
                    .unwrap_or_else(|| Err(worker::WorkerError::Failed("no result".into())))
                    .map_err(|e| e.to_string())
            })
    };
    match measured {
        Ok(m) => {
            let s = peak.as_ref().map(|p| score(&m, p));
            let of_peak = match (&s, &peak) {
                (Some(s), Some(p)) => format!(" ({:.0}% of the {} peak)", s.bf16 * 100.0, p.card),
                _ => " (no published peak for this card)".into(),
            };
            let note = if m.source == "simulated" {
                " (simulated figures are never attested)"
            } else {
                ""
            };
            BenchmarkReport {
                source: m.source.clone(),
                line: format!(
                    "benchmark [{}]: bf16 {:.0} TFLOPS{of_peak}, memory {:.0} GB/s{note}",
                    m.source, m.bf16_tflops, m.mem_bw_gbps
                ),
                measured: Some(m),
                score: s,
                peak_card: peak.map(|p| p.card.to_string()),
            }
        }
        Err(why) => BenchmarkReport {
            source: "none".into(),
            measured: None,
            score: None,
            peak_card: peak.map(|p| p.card.to_string()),
            line: format!("benchmark not measured: {why}"),
        },
    }
}

async fn send<'a>(
    chain: &LocalChain,
    ixs: Vec<solana_sdk::instruction::Instruction>,
    signers: impl AsRef<[&'a Keypair]>,
) -> Result<()> {
    chain.send(&ixs, signers.as_ref()).await?;
    Ok(())
}

/// `v` basis points; the demo's literals are all within 100 %.
fn bps(v: u16) -> Result<tessera::math::Bps> {
    tessera::math::Bps::new(v).context("basis points above 100%")
}

/// An exact share value with [`SHARE_DIGITS`] decimals.
fn exact((num, den): (u128, u128)) -> Result<String> {
    metrics::format_ratio(num, den, SHARE_DIGITS).context("share value")
}

/// `after / before − 1` of two exact share prices.
fn growth(before: (u128, u128), after: (u128, u128)) -> f64 {
    let value = |(n, d): (u128, u128)| n as f64 / d as f64;
    value(after) / value(before) - 1.0
}

fn print_report(out: &mut dyn Write, r: &DemoReport, pool: &Pool) {
    let a = |v: u64| format_amount(v, 6);
    let simulated = if r.gpu_backend == "simulated" {
        " (no NVIDIA GPU here: telemetry is simulated, the job and all money are real)"
    } else {
        ""
    };
    let receipts = r
        .receipts
        .iter()
        .map(|l| format!("#{} {} GPU-s {} USDC", l.seq, l.gpu_seconds, a(l.charge)))
        .collect::<Vec<_>>()
        .join(", ");
    let lines = [
        format!("\n  GPU backend        {}{simulated}", r.gpu_backend),
        format!("  node               {} x {}, {} leased", r.node_gpus, r.gpu_name, r.lease_gpus),
        format!("  job output         {}", r.job_output),
        format!("  receipts           {receipts}"),
        format!(
            "  renter             escrow {} - charges {} = refund {} USDC",
            a(r.escrow),
            a(r.charged),
            a(r.refund)
        ),
        format!(
            "  split              protocol {} / operator {} / investors {} USDC",
            a(r.protocol_fees),
            a(r.operator_fees),
            a(r.investor_revenue)
        ),
        format!(
            "  protocol fees to   stakers {} (claimed {}: floor rounding leaves dust in the reward vault) / treasury {} USDC",
            a(r.staker_allocation),
            a(r.staker_rewards),
            a(r.treasury)
        ),
        format!(
            "  share value        {} -> {} USDC (NAV + 1 USDC virtual / shares + 1 virtual share, after vesting)",
            r.share_value.0, r.share_value.1
        ),
        format!(
            "  annualised yield   {:.2}% if the pool earned like this all year ({} of the pool's {} target GPUs leased for {} s)",
            r.annualised_yield * 100.0,
            r.lease_gpus,
            pool.target_gpu_count,
            LEASE_SECS
        ),
        format!(
            "  pool ledger        cash {} / escrowed {} / pending {}",
            a(pool.cash),
            a(pool.escrowed),
            a(pool.pending)
        ),
    ];
    for line in lines {
        let _ = writeln!(out, "{line}");
    }
}
