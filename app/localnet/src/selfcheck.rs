//! `tessera-localnet selfcheck`: a rig checks itself before going live, with no cluster. It
//! starts an in-process chain, registers the rig as a node with a real benchmark, leases one
//! GPU for a few minutes to a job that loads it (this binary's `gpu-load`: bf16 GEMMs through
//! cuBLAS), runs the provider agent until the lease is settled and closed, and reports each
//! finding as PASS or FAIL: GPUs found, the benchmark against the card's peak, the job's
//! processes attributed, GPU samples, anything foreign on the GPU, GPU-seconds billed against
//! those expected, and the renter's refund. Without an NVIDIA GPU (or with `--simulated`) the
//! labelled simulated backend stands in for the GPUs and every GPU-derived line says so; the
//! chain, the sandboxed job, the receipts and the money are real either way.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signer::Signer;
use tessera::state::Lease;
use tessera_agent::agent::{Agent, AgentSetup};
use tessera_agent::gpu::simulated::SimulatedBackend;
use tessera_agent::gpu::GpuBackend;
use tessera_agent::runner::JobSpec;
use tessera_client::chain::{fetch, token_balance};
use tessera_client::instructions as ix;
use tessera_client::units::format_amount;
use tessera_client::Chain;

use crate::bank::LocalChain;
use crate::demo::{benchmark, rig};
use crate::world::{World, PERIOD, PRICE};

/// What to check and how fast.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Use the simulated backend even where NVML finds GPUs.
    pub simulated: bool,
    /// Length of the test lease, chain seconds.
    pub lease_secs: u32,
    /// Chain seconds per wall-clock second (1: real time, as a rig should be checked).
    pub speed: u32,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// Whether it passed.
    pub pass: bool,
    /// What was found, in words.
    pub line: String,
}

/// The findings, in order.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Each finding.
    pub checks: Vec<Check>,
}

impl Report {
    /// Whether every check passed.
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.pass)
    }

    /// Records and prints a finding.
    fn check(&mut self, out: &mut dyn Write, pass: bool, line: String) {
        let _ = writeln!(out, "{}  {line}", if pass { "PASS" } else { "FAIL" });
        self.checks.push(Check { pass, line });
    }
}

/// The evidence of the lease's periods, summed from the sample logs' summary lines.
#[derive(Debug, Default, Clone, Copy)]
struct Evidence {
    periods: u64,
    samples: u64,
    missing: u64,
    throttled: u64,
    process_queries: u64,
    job_processes: u64,
    foreign_processes: u64,
    job_sm_pct_sum: u64,
}

impl Evidence {
    /// Reads every `samples-*.log` in `dir` (each ends in its summary line).
    fn read(dir: &Path) -> Self {
        let mut e = Self::default();
        let logs = std::fs::read_dir(dir).into_iter().flatten().flatten();
        for entry in logs.filter(|f| f.file_name().to_string_lossy().starts_with("samples-")) {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            let Some(summary) = text.lines().last().filter(|l| l.starts_with("summary ")) else {
                continue;
            };
            let field = |name: &str| -> u64 {
                summary
                    .split_whitespace()
                    .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('=')?.parse().ok())
                    .unwrap_or(0)
            };
            e.periods += 1;
            e.samples += field("samples");
            e.missing += field("missing");
            e.throttled += field("throttled");
            e.process_queries += field("process_queries");
            e.job_processes += field("job_processes");
            e.foreign_processes += field("foreign_processes");
            e.job_sm_pct_sum += field("job_sm_pct");
        }
        e
    }
}

/// Runs the self-check, printing each finding to `out` as it is made.
pub async fn run(opts: Options, out: &mut dyn Write) -> Result<Report> {
    let mut report = Report::default();
    let (gpu, devices) = if opts.simulated {
        let sim = SimulatedBackend::new(1, vec![]);
        let devices = sim.devices()?;
        (Arc::new(sim) as Arc<dyn GpuBackend>, devices)
    } else {
        rig()?
    };
    let simulated = gpu.kind() == "simulated";
    let tag = if simulated { " [simulated]" } else { "" };
    if simulated {
        let _ = writeln!(
            out,
            "No NVIDIA GPU in use: the labelled simulated backend stands in for the GPUs; the chain, the sandboxed job, the receipts and the money are real."
        );
    }
    let first = devices.first().context("the GPU backend lists no GPU")?;
    report.check(
        out,
        !devices.is_empty(),
        format!("GPUs found: {} x {}{tag}", devices.len(), first.name),
    );
    let bench = benchmark(gpu.kind(), first);
    let fast_enough = bench.score.is_none_or(|s| s.bf16 >= 0.5 && s.mem_bw >= 0.5);
    report.check(
        out,
        bench.measured.is_some() && fast_enough,
        format!("{} (50% of the peak or more expected)", bench.line),
    );

    let w = World::start(Arc::new(LocalChain::start().await)).await?;
    w.fund_pool().await?;
    w.register_provider().await?;
    let nk = w
        .register_node_with(gpu.as_ref(), &w.agent_key, PRICE, bench.measured.clone())
        .await?;
    let node: tessera::state::Node = fetch(&*w.chain, &nk.node).await?;
    let attested = node.benchmarked_at > 0;
    report.check(
        out,
        attested || simulated,
        match (attested, simulated) {
            (true, _) => "node registered with its benchmark attested on-chain".to_string(),
            (false, true) => "node registered; simulated figures are never attested".to_string(),
            (false, false) => "node registered but its benchmark is not attested".to_string(),
        },
    );
    lease_and_serve(&w, &nk, gpu, opts, &mut report, out, tag).await?;
    let failed = report.checks.iter().filter(|c| !c.pass).count();
    let _ = match failed {
        0 => writeln!(out, "RESULT: PASS ({} checks)", report.checks.len()),
        n => writeln!(
            out,
            "RESULT: FAIL ({n} of {} checks failed)",
            report.checks.len()
        ),
    };
    Ok(report)
}

/// Leases one GPU to the load job, runs the agent until the lease is closed, and checks what
/// the agent saw and billed.
async fn lease_and_serve(
    w: &World,
    nk: &ix::NodeKeys,
    gpu: Arc<dyn GpuBackend>,
    opts: Options,
    report: &mut Report,
    out: &mut dyn Write,
    tag: &str,
) -> Result<()> {
    let dir = tempfile::tempdir().context("temporary directory for the agent")?;
    let wall_secs = u64::from(opts.lease_secs / opts.speed.max(1));
    let job = load_job(wall_secs + 30)?;
    let renter_token = ix::associated_token_address(&w.renter.pubkey(), &w.usd);
    let before = token_balance(&*w.chain, &renter_token).await?;
    let (lease, escrow) = w
        .open_lease(nk, 1, opts.lease_secs, &job, &dir.path().join("jobs"))
        .await?;
    let _ = writeln!(
        out,
        "      leasing 1 GPU for {} s to a job that loads it (about {} s of wall time)",
        opts.lease_secs,
        wall_secs + u64::try_from(PERIOD).unwrap_or(60) / u64::from(opts.speed.max(1))
    );
    let setup = AgentSetup {
        node: nk.node,
        period_secs: PERIOD,
        job_wait_secs: 60,
        data_dir: dir.path().join("data"),
        job_dir: dir.path().join("jobs"),
        log_cap: 1 << 20,
        container_engine: None,
        job_env: Default::default(),
    };
    let mut agent = Agent::new(&*w.chain, w.agent_key.insecure_clone(), gpu, setup)?;
    let started = agent_until_closed(w, &mut agent, &lease, opts, wall_secs).await?;
    let evidence = Evidence::read(&dir.path().join("data/leases").join(lease.to_string()));
    let sm = evidence
        .job_sm_pct_sum
        .checked_div(evidence.periods)
        .unwrap_or(0);
    report.check(
        out,
        evidence.job_processes > 0,
        format!(
            "the job ran on the leased GPU: seen in {} process sightings over {} queries, average SM {sm}%{tag}",
            evidence.job_processes, evidence.process_queries
        ),
    );
    report.check(
        out,
        evidence.samples > 0 && evidence.missing == 0,
        format!(
            "GPU samples: {} taken over {} periods, {} missing, {} with power/thermal/hardware slowdown{tag}",
            evidence.samples, evidence.periods, evidence.missing, evidence.throttled
        ),
    );
    report.check(
        out,
        evidence.foreign_processes == 0,
        format!(
            "foreign processes on the leased GPU: {}{tag}",
            evidence.foreign_processes
        ),
    );
    billing_checks(w, started, escrow, before, report, out).await
}

/// Ticks the agent once a wall-clock second, moving the chain clock `opts.speed` seconds each
/// time, until the lease is closed; returns the chain time the job first started.
async fn agent_until_closed(
    w: &World,
    agent: &mut Agent<'_>,
    lease: &Pubkey,
    opts: Options,
    wall_secs: u64,
) -> Result<Option<(i64, Lease)>> {
    let deadline = Instant::now() + Duration::from_secs(wall_secs + 180);
    let mut last: Option<Lease> = None;
    agent.tick().await?;
    let started = w.chain.unix_timestamp().await?;
    while w.chain.account(lease).await?.is_some() {
        anyhow::ensure!(
            Instant::now() < deadline,
            "the lease was not closed in time; the agent's log above says why"
        );
        last = fetch(&*w.chain, lease).await.ok().or(last);
        tokio::time::sleep(Duration::from_secs(1)).await;
        w.chain.advance_clock(i64::from(opts.speed.max(1))).await?;
        agent.tick().await?;
    }
    Ok(last.map(|l| (started, l)))
}

/// Checks the GPU-seconds billed against the time the job ran, and the renter's refund.
async fn billing_checks(
    w: &World,
    started: Option<(i64, Lease)>,
    escrow: u64,
    before: u64,
    report: &mut Report,
    out: &mut dyn Write,
) -> Result<()> {
    let Some((started_at, last)) = started else {
        report.check(
            out,
            false,
            "the lease closed before the agent served it".into(),
        );
        return Ok(());
    };
    let expected = u64::try_from(last.end_at - started_at.max(last.start_at)).unwrap_or(0);
    report.check(
        out,
        last.gpu_seconds_billed == expected && last.last_period_end == last.end_at,
        format!(
            "receipts: {} billed {} GPU-seconds, expected {expected} (1 GPU from the job's start to the lease end)",
            last.last_seq, last.gpu_seconds_billed
        ),
    );
    let after = token_balance(
        &*w.chain,
        &ix::associated_token_address(&w.renter.pubkey(), &w.usd),
    )
    .await?;
    let paid = before.saturating_sub(after);
    let charged = u64::try_from(tessera::math::cost_of_gpu_seconds(
        last.gpu_seconds_billed,
        last.price_per_gpu_hour,
    ))
    .unwrap_or(u64::MAX);
    report.check(
        out,
        paid == charged,
        format!(
            "lease settled and closed: the renter paid {} of its {} escrow, the rest refunded",
            format_amount(paid, 6),
            format_amount(escrow, 6)
        ),
    );
    Ok(())
}

/// The load job: this binary's `gpu-load` for `secs` seconds, without network.
fn load_job(secs: u64) -> Result<JobSpec> {
    let exe = std::env::current_exe().context("cannot find this program for the load job")?;
    Ok(JobSpec {
        command: vec![
            exe.display().to_string(),
            "gpu-load".into(),
            "--secs".into(),
            secs.to_string(),
        ],
        ..Default::default()
    })
}

/// `gpu-load`: bf16 GEMMs on the first GPU `CUDA_VISIBLE_DEVICES` names for `secs` seconds;
/// on a simulated GPU, holds the job open instead (and says so).
pub fn gpu_load(secs: u64) -> Result<String> {
    let visible = std::env::var("CUDA_VISIBLE_DEVICES").unwrap_or_default();
    if visible.starts_with("GPU-SIMULATED") {
        std::thread::sleep(Duration::from_secs(secs));
        return Ok(format!(
            "simulated GPU {visible}: held the job open for {secs} s (no GPU work)"
        ));
    }
    let tflops = tessera_agent::benchmark::cuda::load(0, secs)?;
    Ok(format!(
        "bf16 GEMMs on {visible} for {secs} s: {tflops:.0} TFLOPS on average"
    ))
}
