//! `tessera-agent`: parses arguments and runs the agent library. Every failure is reported in
//! words (`error: …`, exit code 1; 2 for a malformed command line), never a panic or backtrace.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signer::Signer;
use tessera_agent::agent::{find_job_spec, Agent, AgentSetup};
use tessera_agent::benchmark::worker::{self, WorkerError};
use tessera_agent::benchmark::{self, cuda};
use tessera_agent::config::AgentConfig;
use tessera_agent::gpu::nvml::NvmlBackend;
use tessera_agent::gpu::simulated::SimulatedBackend;
use tessera_agent::gpu::GpuBackend;
use tessera_agent::onboarding::{self, InitOptions};
use tessera_agent::registration::{register, Terms};
use tessera_agent::runner::JobEnv;
use tessera_client::chain::fetch;
use tessera_client::rpc::RpcChain;
use tessera_client::units::{format_amount, format_duration, format_time, parse_amount};

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
    /// Write a commented agent.toml and create the agent key (first step on a new rig).
    Init {
        /// The config file to create.
        #[arg(long, default_value = "/etc/tessera/agent.toml")]
        config: PathBuf,
        /// The cluster's JSON-RPC URL.
        #[arg(long, default_value = "http://127.0.0.1:8899")]
        rpc_url: String,
        /// The agent keypair file (created, mode 0600, when missing).
        #[arg(long, default_value = "/etc/tessera/agent.json")]
        agent_keypair: PathBuf,
        /// Outbox, logs, and job specs (in its `jobs/`).
        #[arg(long, default_value = "/var/lib/tessera-agent")]
        data_dir: PathBuf,
        /// Testing only: a labelled simulated backend with this many GPUs.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=i64::from(AgentConfig::MAX_SIMULATED_GPUS)))]
        simulated: Option<u32>,
    },
    /// Run the agent for the node in the config.
    Run {
        /// agent.toml.
        #[arg(long)]
        config: PathBuf,
    },
    /// List the GPUs (NVML), or simulated ones with --simulated N.
    Gpus {
        /// Use a labelled simulated backend with this many GPUs.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=i64::from(AgentConfig::MAX_SIMULATED_GPUS)))]
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
    /// Register this rig as a node, signed by the provider's wallet; records it in the config.
    Register {
        /// agent.toml (RPC URL, agent key, GPU backend).
        #[arg(long)]
        config: PathBuf,
        /// The provider's wallet keypair file.
        #[arg(long)]
        provider_keypair: PathBuf,
        /// Pool the node earns for.
        #[arg(long)]
        pool: Pubkey,
        /// Price per GPU-hour in settlement tokens (e.g. 2 or 2.5).
        #[arg(long, value_parser = amount_arg)]
        price: String,
        /// Shortest lease (e.g. 1h).
        #[arg(long, default_value = "1h", value_parser = duration_arg)]
        min_lease: u32,
        /// Longest lease (e.g. 30d).
        #[arg(long, default_value = "30d", value_parser = duration_arg)]
        max_lease: u32,
        /// Register without benchmarking (the node is not attested).
        #[arg(long)]
        skip_benchmark: bool,
    },
    /// Show the node, its leases (with whether their job specs are here) and the outbox.
    Status {
        /// agent.toml.
        #[arg(long)]
        config: PathBuf,
        /// Print JSON (typed values, RFC 3339 times, amounts as exact decimal strings).
        #[arg(long)]
        json: bool,
    },
}

/// Clap parser: a decimal token amount, checked before anything is read.
fn amount_arg(text: &str) -> Result<String, String> {
    tessera_client::units::check_amount(text)
        .map(|()| text.to_string())
        .map_err(|e| e.0)
}

/// Clap parser: a duration like 90s, 15m, 2h, 7d.
fn duration_arg(text: &str) -> Result<u32, String> {
    tessera_client::units::positive_duration(text).map_err(|e| e.0)
}

/// The GPU backend: simulated with `simulated` GPUs, else NVML (`hint` says how to test
/// without a GPU from where the user is).
fn backend(simulated: Option<u32>, hint: &str) -> Result<Arc<dyn GpuBackend>> {
    Ok(match simulated {
        Some(n) => Arc::new(SimulatedBackend::new(n, vec![])),
        None => Arc::new(NvmlBackend::new().with_context(|| format!("no GPU backend ({hint})"))?),
    })
}

/// `tessera-agent benchmark`: every GPU measured in its own worker (or simulated figures,
/// labelled), scored against its peak.
fn benchmark_command(simulated: bool, json: bool) -> Result<()> {
    let gpu: Arc<dyn GpuBackend> = if simulated {
        Arc::new(SimulatedBackend::new(1, vec![]))
    } else {
        backend(None, "`--simulated` shows the output format without a GPU")?
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

fn main() -> ExitCode {
    let json = std::env::args().any(|a| a == "--json");
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            let e = anyhow::Error::new(e).context("starting the async runtime");
            return report(&e, json);
        }
    };
    match runtime.block_on(execute(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => report(&e, json),
    }
}

/// Prints `e` in words (the SDK's one failure shape: `error: …` on stderr, or
/// `{"error": …}` on stdout under `--json`) and returns exit code 1.
fn report(e: &anyhow::Error, json: bool) -> ExitCode {
    let fallback = if e
        .chain()
        .any(|c| c.is::<tessera_agent::config::ConfigError>())
    {
        "input"
    } else {
        "error"
    };
    let failure = tessera_client::error::Failure::new(format!("{e:#}"), e.chain(), fallback);
    if json {
        println!("{}", failure.to_json());
    } else {
        eprintln!("error: {}", failure.message);
    }
    ExitCode::from(1)
}

async fn execute(cli: Cli) -> Result<()> {
    // The agent's own log setting (RUST_LOG=error, advised for the CLI, must not silence it).
    let filter = tracing_subscriber::EnvFilter::try_from_env("TESSERA_AGENT_LOG")
        .unwrap_or_else(|_| "info".into());
    if cli.json_logs || !std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .init();
    } else {
        tracing_subscriber::fmt().with_env_filter(filter).init();
    }
    match cli.command {
        Command::Init {
            config,
            rpc_url,
            agent_keypair,
            data_dir,
            simulated,
        } => init_command(InitOptions {
            config,
            rpc_url,
            agent_keypair,
            data_dir,
            simulated_gpus: simulated,
            node: None,
        }),
        Command::Gpus { simulated } => {
            let gpu = backend(
                simulated,
                "try `tessera-agent gpus --simulated 4` without a GPU",
            )?;
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
            min_lease,
            max_lease,
            skip_benchmark,
        } => {
            let terms = RegisterArgs {
                pool,
                price,
                min_lease,
                max_lease,
                skip_benchmark,
            };
            register_command(&config, &provider_keypair, terms).await
        }
        Command::Status { config, json } => status_command(&config, json).await,
        Command::Run { config } => run_command(&config).await,
    }
}

/// `init`: the config and key, then the next steps.
fn init_command(opts: InitOptions) -> Result<()> {
    let done = onboarding::init(&opts)?;
    let key = if done.key_created {
        "created"
    } else {
        "kept (it existed)"
    };
    let config = opts.config.display();
    println!(
        "wrote {config}\nagent key {} {key} at {}\n\nnext:\n  1. fund the agent key for fees: solana transfer {} 0.1 --allow-unfunded-recipient\n  2. register the rig (signed by your provider wallet):\n     tessera-agent register --config {config} --provider-keypair ~/.config/solana/id.json --pool <POOL> --price 2\n  3. tessera-agent run --config {config}   (or install provider-agent/tessera-agent.service)\n  4. tessera-agent status --config {config}",
        done.agent,
        opts.agent_keypair.display(),
        done.agent
    );
    Ok(())
}

/// What the provider sets on `register`.
struct RegisterArgs {
    pool: Pubkey,
    price: String,
    min_lease: u32,
    max_lease: u32,
    skip_benchmark: bool,
}

/// `register`: the node from the inventory, attested when benchmarked, recorded in the config.
async fn register_command(
    config: &std::path::Path,
    provider_keypair: &std::path::Path,
    args: RegisterArgs,
) -> Result<()> {
    let cfg = AgentConfig::load(config)?;
    let agent = tessera_client::keypair::read_keypair(&cfg.agent_keypair)?;
    let provider = tessera_client::keypair::read_keypair(provider_keypair)?;
    let gpu = backend(
        cfg.simulated_gpus,
        "set `simulated_gpus = 4` in the config to test without a GPU",
    )?;
    let chain = RpcChain::new(&cfg.rpc_url, provider.insecure_clone());
    chain.check_program().await?;
    let protocol: tessera::state::Protocol =
        fetch(&chain, &tessera_client::pda::find_protocol_address().0).await?;
    let terms = Terms {
        pool: args.pool,
        price_per_gpu_hour: parse_amount(&args.price, protocol.settlement_decimals, "--price")?,
        min_lease_secs: args.min_lease,
        max_lease_secs: args.max_lease,
    };
    let bench = match (args.skip_benchmark, cfg.simulated_gpus) {
        (true, _) => None,
        // Simulated GPUs are not benchmarked: the node is registered unattested (said below).
        (false, Some(_)) => None,
        (false, None) => {
            let first = gpu.devices()?.into_iter().take(1).collect::<Vec<_>>();
            let exe = std::env::current_exe()?;
            match worker::measure_all(&exe, &first, false).pop() {
                Some(Ok(m)) => Some(m),
                Some(Err(e)) => bail!(
                    "benchmark failed ({e}); nothing was registered. Fix the CUDA install, or pass --skip-benchmark to register unattested"
                ),
                None => None,
            }
        }
    };
    let r = register(&chain, &provider, &agent, gpu.as_ref(), terms, bench).await?;
    onboarding::record_node(config, &r.node)?;
    let window = u64::from(protocol.params.dispute_window_secs);
    if cfg.period_secs != window {
        onboarding::record_period(config, window)?;
        println!(
            "receipt period set to {} in {} (the protocol's dispute window; it was {})",
            format_duration(window),
            config.display(),
            format_duration(cfg.period_secs)
        );
    }
    println!(
        "node {} registered: {} x {} at {} per GPU-hour [{} backend{}]; recorded in {}",
        r.node,
        r.spec.gpu_count,
        String::from_utf8_lossy(&r.spec.gpu_model).trim_end_matches('\0'),
        tessera_client::tokens::money(
            &chain,
            &protocol.settlement_mint,
            protocol.settlement_decimals
        )
        .await?
        .fmt(r.spec.price_per_gpu_hour),
        gpu.kind(),
        if r.attested {
            ", benchmark attested"
        } else {
            ", unattested"
        },
        config.display()
    );
    Ok(())
}

/// `status`: the node, its leases in tokens and dates, and the outbox (or all of it as JSON).
async fn status_command(config: &std::path::Path, json: bool) -> Result<()> {
    let cfg = AgentConfig::load(config)?;
    let node_address = cfg.node_pubkey().map_err(anyhow::Error::msg)?;
    let key = tessera_client::keypair::read_keypair(&cfg.agent_keypair)?;
    let chain = RpcChain::new(&cfg.rpc_url, key.insecure_clone());
    let protocol: tessera::state::Protocol =
        fetch(&chain, &tessera_client::pda::find_protocol_address().0).await?;
    let d = protocol.settlement_decimals;
    let node: tessera::state::Node = fetch(&chain, &node_address).await?;
    let leases = tessera_client::chain::leases_on(&chain, &node_address).await?;
    // Before the daemon's first start there is no outbox yet: nothing queued.
    let db = cfg.data_dir.join("outbox.db");
    let (pending, sent, confirmed) = match db.exists() {
        true => tessera_agent::outbox::Outbox::open(&db)?.counts()?,
        false => (0, 0, 0),
    };
    let now = tessera_client::Chain::unix_timestamp(&chain).await?;
    let leases: Vec<serde_json::Value> = leases
        .iter()
        .map(|(address, l)| {
            let job = find_job_spec(&cfg.job_dir, &l.job_hash)
                .err()
                .map(|p| p.to_string());
            serde_json::json!({
                "lease": address.to_string(),
                "gpus": l.gpu_count,
                "receipts": l.last_seq,
                "escrow": format_amount(l.escrow, d),
                "pending": format_amount(l.pending, d),
                "ends_at": tessera_client::units::rfc3339(l.end_at),
                "ends": format_time(l.end_at, now),
                "job_spec_problem": job,
            })
        })
        .collect();
    let report = serde_json::json!({
        "node": node_address.to_string(),
        "status": format!("{:?}", node.status),
        "gpus_free": node.free_gpus(),
        "gpus": node.spec.gpu_count,
        "price_per_gpu_hour": format_amount(node.spec.price_per_gpu_hour, d),
        "token": tessera_client::tokens::money(&chain, &protocol.settlement_mint, d).await?.unit,
        "agent_key": node.agent_key.to_string(),
        "agent_key_matches": node.agent_key == key.pubkey(),
        "leases": leases,
        "outbox": {"pending": pending, "sent": sent, "confirmed": confirmed},
    });
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_status(&report);
    }
    Ok(())
}

/// The human form of `status`.
fn print_status(r: &serde_json::Value) {
    let token = r["token"].as_str().unwrap_or("");
    println!(
        "node {}: {}, {}/{} GPUs free, {} {token} per GPU-hour, agent key {}",
        r["node"].as_str().unwrap_or(""),
        r["status"].as_str().unwrap_or(""),
        r["gpus_free"],
        r["gpus"],
        r["price_per_gpu_hour"].as_str().unwrap_or(""),
        r["agent_key"].as_str().unwrap_or("")
    );
    if r["agent_key_matches"] == false {
        println!("WARNING: this agent's key is not the node's agent key");
    }
    for l in r["leases"].as_array().into_iter().flatten() {
        let job = match l["job_spec_problem"].as_str() {
            None => "job spec found".to_string(),
            Some(why) => format!("WARNING: {why}"),
        };
        println!(
            "lease {}: {} GPUs, receipts {}, escrow {} {token}, pending {} {token}, ends {}; {job}",
            l["lease"].as_str().unwrap_or(""),
            l["gpus"],
            l["receipts"],
            l["escrow"].as_str().unwrap_or(""),
            l["pending"].as_str().unwrap_or(""),
            l["ends"].as_str().unwrap_or("")
        );
    }
    let o = &r["outbox"];
    println!(
        "outbox: {} pending, {} sent, {} confirmed",
        o["pending"], o["sent"], o["confirmed"]
    );
}

/// `run`: the daemon until SIGTERM or Ctrl-C.
async fn run_command(config: &std::path::Path) -> Result<()> {
    // Handled from the start: a SIGTERM during start-up is kept and stops the daemon cleanly.
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let cfg = AgentConfig::load(config)?;
    let node = cfg.node_pubkey().map_err(anyhow::Error::msg)?;
    let key = tessera_client::keypair::read_keypair(&cfg.agent_keypair)?;
    // Held until the daemon stops: a second daemon on this directory is refused.
    let _held = tessera_agent::datadir::hold(&cfg.data_dir)?;
    let listener = tessera_agent::metrics::bind(cfg.metrics_addr)
        .await
        .with_context(|| {
            format!(
                "cannot serve metrics on {} (`metrics_addr` in {}; is another agent running?)",
                cfg.metrics_addr,
                config.display()
            )
        })?;
    let gpu = backend(
        cfg.simulated_gpus,
        "set `simulated_gpus = 4` in the config to test without a GPU",
    )?;
    let chain = RpcChain::new(&cfg.rpc_url, key.insecure_clone())
        .with_priority_fee(cfg.priority_fee_micro_lamports);
    chain.check_program().await?;
    let setup = AgentSetup {
        node,
        period_secs: i64::try_from(cfg.period_secs)?,
        job_wait_secs: i64::try_from(cfg.job_wait_secs)?,
        data_dir: cfg.data_dir.clone(),
        job_dir: cfg.job_dir.clone(),
        log_cap: cfg.log_cap_bytes,
        container_engine: cfg.engine().await.map_err(anyhow::Error::msg)?,
        job_env: JobEnv {
            pass: cfg.job_env.clone(),
        },
    };
    tracing::info!(
        engine = setup
            .container_engine
            .as_ref()
            .map_or("none", |e| e.program()),
        "image jobs run through this container engine"
    );
    let mut agent = Agent::new(&chain, key, gpu.clone(), setup)?;
    let cancel = tokio_util::sync::CancellationToken::new();
    let on_signal = cancel.clone();
    tokio::spawn(async move {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
        on_signal.cancel();
    });
    let tick = Duration::from_secs(cfg.tick_secs);
    tessera_agent::daemon::run(&mut agent, tick, listener, gpu.kind(), cancel).await;
    Ok(())
}
