//! `tessera-agent`: parses arguments and runs the agent library.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use tessera_agent::agent::{Agent, AgentSetup};
use tessera_agent::config::AgentConfig;
use tessera_agent::gpu::nvml::NvmlBackend;
use tessera_agent::gpu::simulated::SimulatedBackend;
use tessera_agent::gpu::GpuBackend;
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
        Command::Run { config } => {
            let cfg = AgentConfig::load(&config)?;
            let key = tessera_cli_free_keypair(&cfg.agent_keypair)?;
            let gpu = backend(cfg.simulated_gpus)?;
            let chain = RpcChain::new(&cfg.rpc_url, key.insecure_clone());
            chain.check_program().await?;
            let setup = AgentSetup {
                node: cfg.node_pubkey().map_err(anyhow::Error::msg)?,
                period_secs: i64::try_from(cfg.period_secs)?,
                data_dir: cfg.data_dir.clone(),
                job_dir: cfg.job_dir.clone(),
                log_cap: cfg.log_cap_bytes,
            };
            let mut agent = Agent::new(&chain, key, gpu.clone(), setup)?;
            let metrics = agent.metrics.clone();
            let addr = cfg.metrics_socket().map_err(anyhow::Error::msg)?;
            tokio::spawn(tessera_agent::metrics::serve(addr, metrics, gpu.kind()));
            let mut tick = tokio::time::interval(Duration::from_secs(cfg.tick_secs));
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
            loop {
                tokio::select! {
                    _ = tick.tick() => {
                        if let Err(e) = agent.tick().await {
                            tracing::warn!(error = %e, "tick failed; retrying next tick");
                        }
                    }
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

/// Reads the agent's keypair file (JSON array of 64 bytes), refusing world-readable files.
fn tessera_cli_free_keypair(path: &std::path::Path) -> Result<solana_sdk::signature::Keypair> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path)
        .with_context(|| format!("cannot read agent keypair {}", path.display()))?;
    if meta.permissions().mode() & 0o004 != 0 {
        bail!(
            "agent keypair {} is readable by every user; run `chmod 600 {}`",
            path.display(),
            path.display()
        );
    }
    let bytes: Vec<u8> = serde_json::from_str(&std::fs::read_to_string(path)?)
        .with_context(|| format!("agent keypair {} is not a JSON byte array", path.display()))?;
    solana_sdk::signature::Keypair::try_from(bytes.as_slice())
        .map_err(|_| anyhow::anyhow!("agent keypair {} is not a valid keypair", path.display()))
}
