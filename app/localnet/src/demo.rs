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
use solana_sdk::signer::Signer;
use tessera::state::{Lease, Pool};
use tessera_agent::agent::{Agent, AgentSetup};
use tessera_agent::benchmark::{Measured, Score};
use tessera_agent::gpu::nvml::NvmlBackend;
use tessera_agent::gpu::simulated::SimulatedBackend;
use tessera_agent::gpu::{GpuBackend, GpuInfo};
use tessera_agent::runner::JobSpec;
use tessera_client::chain::{fetch, token_balance};
use tessera_client::instructions::{self as ix, NodeKeys};
use tessera_client::{metrics, Chain};

use tessera_client::units::format_amount;

use crate::bank::LocalChain;
use crate::world::{send, World, PERIOD, PRICE};

const LEASE_SECS: u32 = 180;
/// Most GPUs the demo leases; a rig with fewer leases all it has.
const MAX_LEASE_GPUS: u16 = 4;
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
    let chain = Arc::new(LocalChain::start().await);
    p.say("creating the settlement mint (tUSD, a local stand-in for USDC), the protocol token and the protocol");
    let w = World::start(chain).await?;
    p.say("two investors fund a GPU pool with 6,000 and 4,000 tUSD");
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
    w.register_provider().await?;
    let nk = w.register_node(gpu.as_ref(), &w.agent_key, PRICE).await?;

    let lease_gpus = node_gpus.min(MAX_LEASE_GPUS);
    p.say(&format!(
        "a renter leases {lease_gpus} of its {node_gpus} GPUs for {LEASE_SECS} s at {} tUSD per GPU-hour to hash 16 MiB",
        format_amount(PRICE, 6)
    ));
    let dir = tempfile::tempdir().context("temporary directory for the agent")?;
    let renter_token = ix::associated_token_address(&w.renter.pubkey(), &w.usd);
    let renter_start = token_balance(&*w.chain, &renter_token).await?;
    let job_dir = dir.path().join("jobs");
    let (lease, escrow) = w
        .open_lease(&nk, lease_gpus, LEASE_SECS, &demo_job(), &job_dir)
        .await?;

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
    let pool: Pool = fetch(&*w.chain, &w.pool.pool).await?;
    let share_after = w.share_value().await?;
    let renter_end = token_balance(&*w.chain, &renter_token).await?;

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
            job_wait_secs: 60,
            data_dir: dir.join("data"),
            job_dir: dir.join("jobs"),
            log_cap: 1 << 20,
            container_engine: None,
            job_env: Default::default(),
        };
        let mut agent = Agent::new(&*self.chain, self.agent_key.insecure_clone(), gpu, setup)?;
        let mut receipts = Vec::new();
        agent.tick().await?;
        for _ in 0..8 {
            // Chain time jumps a period per tick; give the real job real time to run too.
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            self.chain.advance_clock(PERIOD).await?;
            let before: Option<Lease> = fetch(&*self.chain, &lease).await.ok();
            agent.tick().await?;
            if let (Some(b), Ok(a)) = (before, fetch::<Lease>(&*self.chain, &lease).await) {
                if a.last_seq > b.last_seq {
                    // The receipt just landed is the lease's pending charge.
                    let gpu_seconds = a.gpu_seconds_billed - b.gpu_seconds_billed;
                    p.detail(&format!(
                        "receipt #{}: {gpu_seconds} GPU-seconds, {} tUSD",
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
        let pool: Pool = fetch(&*self.chain, &self.pool.pool).await?;
        let (protocol_fees, operator_fees) = (pool.protocol_fees_owed, pool.operator_owed);
        let treasury_before = token_balance(&*self.chain, &self.treasury).await?;
        let ixs = vec![ix::sweep_protocol_fees(&self.pool, self.treasury)];
        send(&self.chain, ixs, vec![]).await?;
        let treasury = token_balance(&*self.chain, &self.treasury).await? - treasury_before;
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
            staker_rewards: token_balance(&*self.chain, &op_usd).await? - operator_fees,
            treasury,
        })
    }
}

/// The demo's job: hash 16 MiB of zeros.
fn demo_job() -> JobSpec {
    JobSpec {
        command: vec![
            "sh".into(),
            "-c".into(),
            "head -c 16777216 /dev/zero | sha256sum".into(),
        ],
        memory_mib: Some(512),
        max_secs: Some(120),
        network: true,
        ..Default::default()
    }
}

/// The rig's GPUs through NVML, or four simulated ones (labelled) where NVML or its GPUs are
/// missing.
pub(crate) fn rig() -> Result<(Arc<dyn GpuBackend>, Vec<GpuInfo>)> {
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
pub(crate) fn benchmark(kind: &str, gpu: &GpuInfo) -> BenchmarkReport {
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
        .map(|l| format!("#{} {} GPU-s {} tUSD", l.seq, l.gpu_seconds, a(l.charge)))
        .collect::<Vec<_>>()
        .join(", ");
    let lines = [
        format!("\n  GPU backend        {}{simulated}", r.gpu_backend),
        format!("  node               {} x {}, {} leased", r.node_gpus, r.gpu_name, r.lease_gpus),
        format!("  job output         {}", r.job_output),
        format!("  receipts           {receipts}"),
        format!(
            "  renter             escrow {} - charges {} = refund {} tUSD",
            a(r.escrow),
            a(r.charged),
            a(r.refund)
        ),
        format!(
            "  split              protocol {} / operator {} / investors {} tUSD",
            a(r.protocol_fees),
            a(r.operator_fees),
            a(r.investor_revenue)
        ),
        format!(
            "  protocol fees to   stakers {} (claimed {}: floor rounding leaves dust in the reward vault) / treasury {} tUSD",
            a(r.staker_allocation),
            a(r.staker_rewards),
            a(r.treasury)
        ),
        format!(
            "  share value        {} -> {} tUSD (NAV + 1 tUSD virtual / shares + 1 virtual share, after vesting)",
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
