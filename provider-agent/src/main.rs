//! `tessera-agent`: parses arguments and runs the agent library.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use tessera_agent::agent::{Agent, AgentSetup};
use tessera_agent::benchmark::worker::{self, WorkerError};
use tessera_agent::benchmark::{self, cuda};
use tessera_agent::config::AgentConfig;
use tessera_agent::gpu::nvml::NvmlBackend;
use tessera_agent::gpu::simulated::SimulatedBackend;
use tessera_agent::gpu::GpuBackend;
use tessera_agent::registration::{register, Terms};
use tessera_client::rpc::RpcChain;

/// The Tessera provider agent.
#[derive(Debug, Parser)]
#[command(name = "tessera-agent", version, about)]
struct Cli {
    /// JSON logs (default when stdout is not a terminal).
    #[arg(long, global = true)]
    json_logs: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the agent for the node in the config.
    Run {
        /// agent.toml.
        #[arg(long)]
        config: PathBuf,
    },
    /// List the GPUs (NVML), or simulated ones with --simulated.
    Gpus {
        /// Use the simulated backend (labelled).
        #[arg(long)]
        simulated: Option<u32>,
    },
    /// Benchmark the GPUs and score them against published peaks.
    Benchmark {
        /// Report simulated figures (labelled) instead of measuring.
        #[arg(long)]
        simulated: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// (Internal) measure one GPU with CUDA and print the result; run by `benchmark`.
    #[command(hide = true)]
    BenchmarkWorker,
    /// Register this rig as a node, signed by the provider's wallet.
    Register {
        /// agent.toml (RPC URL, agent key, GPU backend).
        #[arg(long)]
        config: PathBuf,
        /// The provider's wallet keypair file.
        #[arg(long)]
        provider_keypair: PathBuf,
        /// Pool the node earns for.
        #[arg(long)]
        pool: solana_sdk::pubkey::Pubkey,
        /// Price per GPU-hour, settlement base units.
        #[arg(long)]
        price: u64,
        /// Shortest lease, seconds.
        #[arg(long, default_value_t = 3_600)]
        min_lease_secs: u32,
        /// Longest lease, seconds.
        #[arg(long, default_value_t = 30 * 86_400)]
        max_lease_secs: u32,
        /// Register without benchmarking (the node is not attested).
        #[arg(long)]
        skip_benchmark: bool,
    },
    /// Show the node, its leases and the outbox.
    Status {
        /// agent.toml.
        #[arg(long)]
        config: PathBuf,
    },
}

fn backend(simulated: Option<u32>) -> Result<Arc<dyn GpuBackend>> {
    Ok(match simulated {
        Some(n) => Arc::new(SimulatedBackend::new(n, vec![])),
        None => Arc::new(
            NvmlBackend::new()
                .context("no GPU backend (pass --simulated N to test without a GPU)")?,
        ),
    })
}

/// `tessera-agent benchmark`: every GPU measured in its own worker (or simulated figures,
/// labelled), scored against its peak.
fn benchmark_command(simulated: bool, json: bool) -> Result<()> {
    let gpu: Arc<dyn GpuBackend> = if simulated {
        Arc::new(SimulatedBackend::new(1, vec![]))
    } else {
        backend(None)?
    };
    let devices = gpu.devices()?;
    let results: Vec<_> = if simulated {
        devices
            .iter()
            .map(|d| {
                benchmark::peak_for(d)
                    .map(|p| benchmark::simulated(&p))
                    .ok_or_else(|| WorkerError::Failed("no peak for this card".into()))
            })
            .collect()
    } else {
        cuda::libraries_present()
            .context("GPU benchmarking needs CUDA; `--simulated` shows the output format")?;
        worker::measure_all(&std::env::current_exe()?, &devices, json)
    };
    let mut rows = Vec::new();
    let mut failed = 0;
    for (d, result) in devices.iter().zip(results) {
        let peak = benchmark::peak_for(d);
        match result {
            Ok(m) => {
                let s = peak.map(|p| benchmark::score(&m, &p));
                if !json {
                    let pct = |f: fn(&benchmark::Score) -> f64| {
                        s.map_or("no peak".into(), |s| format!("{:.0}%", f(&s) * 100.0))
                    };
                    println!(
                        "[{}] GPU {} {}: bf16 {:.0} TFLOPS ({}), fp16 {:.0} ({}), fp32 {:.1} ({}), memory {:.0} GB/s ({}) of {} peak",
                        m.source, d.index, d.name,
                        m.bf16_tflops, pct(|s| s.bf16),
                        m.fp16_tflops, pct(|s| s.fp16),
                        m.fp32_tflops, pct(|s| s.fp32),
                        m.mem_bw_gbps, pct(|s| s.mem_bw),
                        peak.map_or("unknown", |p| p.card),
                    );
                }
                rows.push(serde_json::json!({"gpu": d.index, "name": d.name, "uuid": d.uuid, "source": m.source, "measured": m, "peak": peak, "score": s}));
            }
            Err(e) => {
                failed += 1;
                eprintln!("GPU {} {}: {e}", d.index, d.name);
                rows.push(serde_json::json!({"gpu": d.index, "name": d.name, "uuid": d.uuid, "error": e.to_string()}));
            }
        }
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    }
    if failed > 0 {
        bail!("{failed} GPU(s) could not be benchmarked");
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    if cli.json_logs || !std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .init();
    } else {
        tracing_subscriber::fmt().with_env_filter(filter).init();
    }
    match cli.command {
        Command::Gpus { simulated } => {
            let gpu = backend(simulated)?;
            for d in gpu.devices()? {
                println!(
                    "[{}] {} {} {} MiB cc{}.{} {}",
                    gpu.kind(),
                    d.index,
                    d.name,
                    d.memory_mib,
                    d.compute_capability.0,
                    d.compute_capability.1,
                    d.uuid
                );
            }
            Ok(())
        }
        Command::Benchmark { simulated, json } => benchmark_command(simulated, json),
        Command::BenchmarkWorker => std::process::exit(worker::serve()),
        Command::Register {
            config,
            provider_keypair,
            pool,
            price,
            min_lease_secs,
            max_lease_secs,
            skip_benchmark,
        } => {
            let cfg = AgentConfig::load(&config)?;
            let agent = tessera_client::keypair::read_keypair(&cfg.agent_keypair)?;
            let provider = tessera_client::keypair::read_keypair(&provider_keypair)?;
            let gpu = backend(cfg.simulated_gpus)?;
            let chain = RpcChain::new(&cfg.rpc_url, provider.insecure_clone());
            chain.check_program().await?;
            let terms = Terms {
                pool,
                price_per_gpu_hour: price,
                min_lease_secs,
                max_lease_secs,
            };
            let bench = match (skip_benchmark, cfg.simulated_gpus) {
                (true, _) => None,
                (false, Some(_)) => {
                    println!(
                        "simulated GPUs are not benchmarked; the node is registered unattested"
                    );
                    None
                }
                (false, None) => {
                    let first = gpu.devices()?.into_iter().take(1).collect::<Vec<_>>();
                    let exe = std::env::current_exe()?;
                    match worker::measure_all(&exe, &first, false).pop() {
                        Some(Ok(m)) => Some(m),
                        Some(Err(e)) => {
                            println!("benchmark failed ({e}); the node is registered unattested");
                            None
                        }
                        None => None,
                    }
                }
            };
            let r = register(&chain, &provider, &agent, gpu.as_ref(), terms, bench).await?;
            println!(
                "node {} registered: {} x {} [{} backend]; set `node = \"{}\"` in {}",
                r.node,
                r.spec.gpu_count,
                String::from_utf8_lossy(&r.spec.gpu_model).trim_end_matches('\0'),
                gpu.kind(),
                r.node,
                config.display()
            );
            Ok(())
        }
        Command::Status { config } => {
            let cfg = AgentConfig::load(&config)?;
            let key = tessera_client::keypair::read_keypair(&cfg.agent_keypair)?;
            let chain = RpcChain::new(&cfg.rpc_url, key.insecure_clone());
            let node_address = cfg.node_pubkey().map_err(anyhow::Error::msg)?;
            let node: tessera::state::Node =
                tessera_client::chain::fetch(&chain, &node_address).await?;
            let leases = tessera_client::chain::leases_on(&chain, &node_address).await?;
            let outbox = tessera_agent::outbox::Outbox::open(&cfg.data_dir.join("outbox.db"))?;
            let (pending, sent, confirmed) = outbox.counts()?;
            println!(
                "node {node_address}: {:?}, {}/{} GPUs free, agent key {}",
                node.status,
                node.free_gpus(),
                node.spec.gpu_count,
                node.agent_key
            );
            if node.agent_key != solana_sdk::signer::Signer::pubkey(&key) {
                println!(
                    "WARNING: this agent's key {} is not the node's agent key",
                    solana_sdk::signer::Signer::pubkey(&key)
                );
            }
            for (address, l) in leases {
                println!(
                    "lease {address}: {} GPUs, receipts {}, escrow {}, pending {}, ends {}",
                    l.gpu_count, l.last_seq, l.escrow, l.pending, l.end_at
                );
            }
            println!("outbox: {pending} pending, {sent} sent, {confirmed} confirmed");
            Ok(())
        }
        Command::Run { config } => {
            let cfg = AgentConfig::load(&config)?;
            let key = tessera_client::keypair::read_keypair(&cfg.agent_keypair)?;
            let gpu = backend(cfg.simulated_gpus)?;
            let chain = RpcChain::new(&cfg.rpc_url, key.insecure_clone())
                .with_priority_fee(cfg.priority_fee_micro_lamports);
            chain.check_program().await?;
            let setup = AgentSetup {
                node: cfg.node_pubkey().map_err(anyhow::Error::msg)?,
                period_secs: i64::try_from(cfg.period_secs)?,
                data_dir: cfg.data_dir.clone(),
                job_dir: cfg.job_dir.clone(),
                log_cap: cfg.log_cap_bytes,
                container_engine: cfg.engine().await.map_err(anyhow::Error::msg)?,
            };
            tracing::info!(
                engine = setup
                    .container_engine
                    .as_ref()
                    .map_or("none", |e| e.program()),
                "image jobs run through this container engine"
            );
            let mut agent = Agent::new(&chain, key, gpu.clone(), setup)?;
            let metrics = agent.metrics.clone();
            let addr = cfg.metrics_socket().map_err(anyhow::Error::msg)?;
            tokio::spawn(tessera_agent::metrics::serve(addr, metrics, gpu.kind()));
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
            loop {
                if let Err(e) = agent.tick().await {
                    tracing::warn!(error = %e, "tick failed; retrying next tick");
                }
                // Wake at the regular interval, or right when a period falls due so its receipt
                // is posted at once. The cluster clock counts whole seconds (floored), so waiting
                // the difference never wakes early; a lagging cluster clock costs a 1 s retry.
                let wait = agent.secs_until_due().map_or(cfg.tick_secs, |s| {
                    u64::try_from(s).unwrap_or(1).clamp(1, cfg.tick_secs)
                });
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(wait)) => {}
                    _ = tokio::signal::ctrl_c() => break,
                    _ = term.recv() => break,
                }
            }
            // The outbox already holds every written receipt; one last tick posts what is due.
            tracing::info!("shutting down: one last tick to post due receipts");
            if let Err(e) = agent.tick().await {
                tracing::warn!(error = %e, "final tick failed; the outbox resumes on restart");
            }
            Ok(())
        }
    }
}
