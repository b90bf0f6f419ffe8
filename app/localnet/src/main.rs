//! `tessera-localnet`: starts the development chain and serves it until stopped, or runs the
//! demo. Failures are reported in words with exit code 1 (2 for a malformed command line).

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signer::Signer;
use tessera_localnet::seed::{self, Seed};
use tessera_localnet::{serve, ClockMode, LocalChain, Options};

/// A Tessera development chain: the program (natively, or its SBF build with `--sbf`) and SPL Token
/// behind Solana's JSON-RPC and websocket API. Every transaction is final at once.
#[derive(Parser)]
#[command(name = "tessera-localnet", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// JSON-RPC port (`--port` also works).
    #[arg(long, visible_alias = "port", default_value_t = 8899)]
    rpc_port: u16,
    /// Websocket port [default: the JSON-RPC port + 1].
    #[arg(long)]
    ws_port: Option<u16>,
    /// What the chain starts with.
    #[arg(long, value_enum, default_value = "protocol")]
    seed: Seed,
    /// With `--seed demo`: this many more nodes (simulated GPUs) for a market of realistic size.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u16).range(0..=10_000))]
    nodes: u16,
    /// Give this wallet 100 SOL and 10,000 settlement tokens (repeatable).
    #[arg(long, value_name = "PUBKEY", value_parser = address)]
    fund: Vec<Pubkey>,
    /// Directory for the keypairs of everyone seeded, and world.json.
    #[arg(long, default_value = ".tessera-localnet")]
    keys: PathBuf,
    /// Cluster seconds per real second.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(i64).range(1..=86_400))]
    clock_speed: i64,
    /// Run the program as its SBF build in the VM (compute units metered): `tessera.so` from
    /// `scripts/build-sbf`, or the directory holding it [default: natively; also TESSERA_SBF=1
    /// with SBF_OUT_DIR].
    #[arg(long, value_name = "PATH", value_parser = sbf_dir)]
    sbf: Option<PathBuf>,
}

/// The directory holding `tessera.so`, from the file or the directory given.
fn sbf_dir(text: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(text);
    let (dir, file) = if path.is_dir() {
        (path.clone(), path.join("tessera.so"))
    } else {
        let dir = path.parent().map(PathBuf::from).unwrap_or_default();
        (dir, path.clone())
    };
    if file.file_name().is_some_and(|n| n != "tessera.so") {
        return Err(format!(
            "`{text}` is not named tessera.so: the VM loads the program by that name (give the file as scripts/build-sbf writes it, or its directory)"
        ));
    }
    if !file.is_file() {
        return Err(format!(
            "no SBF build at `{}`: run scripts/build-sbf (it writes target/deploy/tessera.so)",
            file.display()
        ));
    }
    std::fs::canonicalize(if dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        dir
    })
    .map_err(|e| format!("`{text}`: {e}"))
}

/// A wallet address on the command line.
fn address(text: &str) -> Result<Pubkey, String> {
    text.parse()
        .map_err(|_| format!("`{text}` is not a base-58 wallet address"))
}

#[derive(Subcommand)]
enum Command {
    /// Run the whole protocol once on an in-process chain and print a report.
    Demo {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Check this rig before going live: benchmark, a leased GPU job served by the agent,
    /// attribution, samples and billing on a local chain, PASS or FAIL per line.
    Selfcheck {
        /// Use the labelled simulated backend even where NVML finds GPUs.
        #[arg(long)]
        simulated: bool,
        /// Length of the test lease (e.g. 3m).
        #[arg(long, default_value = "3m", value_parser = lease_arg)]
        lease: u32,
        /// Chain seconds per wall-clock second (1: real time; more only to check quickly).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=60))]
        clock_speed: u32,
    },
    /// (Internal) measure one GPU with CUDA and print the result; run by `demo`.
    #[command(hide = true)]
    BenchmarkWorker,
    /// (Internal) load the first visible GPU with GEMMs; the self-check's job.
    #[command(hide = true)]
    GpuLoad {
        /// Seconds.
        #[arg(long)]
        secs: u64,
    },
}

/// Clap parser: a lease length from 2 minutes to an hour.
fn lease_arg(text: &str) -> Result<u32, String> {
    let secs = tessera_client::units::positive_duration(text).map_err(|e| e.0)?;
    if !(120..=3_600).contains(&secs) {
        return Err(format!("{secs} s is outside 2m ..= 1h"));
    }
    Ok(secs)
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    // The in-process validator logs every instruction at debug level unless told otherwise.
    if std::env::var_os("RUST_LOG").is_none() {
        std::env::set_var("RUST_LOG", "error");
    }
    let done = match cli.command {
        Some(Command::BenchmarkWorker) => {
            return ExitCode::from(
                u8::try_from(tessera_agent::benchmark::worker::serve()).unwrap_or(1),
            )
        }
        Some(Command::Demo { json }) => demo(json).await,
        Some(Command::GpuLoad { secs }) => {
            tessera_localnet::selfcheck::gpu_load(secs).map(|line| println!("{line}"))
        }
        Some(Command::Selfcheck {
            simulated,
            lease,
            clock_speed,
        }) => selfcheck(simulated, lease, clock_speed).await,
        None => run(cli).await,
    };
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn demo(json: bool) -> Result<()> {
    if json {
        let report = tessera_localnet::demo::run(&mut std::io::sink()).await?;
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        tessera_localnet::demo::run(&mut std::io::stdout()).await?;
    }
    Ok(())
}

async fn selfcheck(simulated: bool, lease_secs: u32, speed: u32) -> Result<()> {
    let opts = tessera_localnet::selfcheck::Options {
        simulated,
        lease_secs,
        speed,
    };
    let report = tessera_localnet::selfcheck::run(opts, &mut std::io::stdout()).await?;
    anyhow::ensure!(
        report.passed(),
        "the self-check failed (see the FAIL lines above)"
    );
    Ok(())
}

async fn run(cli: Cli) -> Result<()> {
    let ws_port = match cli.ws_port {
        Some(port) => port,
        None if cli.rpc_port == 0 => 0,
        None => cli
            .rpc_port
            .checked_add(1)
            .context("the JSON-RPC port is the last one; give --ws-port")?,
    };
    let options = Options {
        rpc: SocketAddr::new(cli.bind, cli.rpc_port),
        ws: SocketAddr::new(cli.bind, ws_port),
        clock: ClockMode::Running(cli.clock_speed),
    };
    if let Some(dir) = &cli.sbf {
        // The bank reads these when it loads the program (tessera_localnet::bank::program_test).
        std::env::set_var("TESSERA_SBF", "1");
        std::env::set_var("SBF_OUT_DIR", dir);
    }
    let chain = Arc::new(LocalChain::start().await);
    let (world, mut seeded) = seed::seed(chain.clone(), cli.seed, &cli.keys).await?;
    if cli.nodes > 0 {
        anyhow::ensure!(
            cli.seed == Seed::Demo,
            "--nodes adds nodes to the demo's provider: use it with --seed demo"
        );
        let more = seed::more_nodes(&world, usize::from(cli.nodes)).await?;
        println!("  + {} nodes", more.len());
        seeded.nodes.extend(more.iter().map(ToString::to_string));
    }
    for wallet in &cli.fund {
        seed::fund(&world, wallet).await?;
    }
    let endpoint = serve(chain, options).await?;
    let program = if tessera_localnet::bank::sbf() {
        let dir = std::env::var("SBF_OUT_DIR").unwrap_or_default();
        format!("as its SBF build ({dir}/tessera.so) in the VM, compute units metered")
    } else {
        "natively, not in the SBF VM".to_string()
    };
    println!("tessera-localnet: a development chain. The Tessera program runs {program}; every transaction is final at once.");
    println!("  JSON-RPC          {}", endpoint.url);
    println!("  websocket         {}", endpoint.ws_url);
    println!("  program           {}", seeded.program_id);
    println!(
        "  settlement mint   {} (6 decimals)",
        seeded.settlement_mint
    );
    println!("  stake mint        {} (9 decimals)", seeded.stake_mint);
    for (label, list) in [
        ("pools", &seeded.pools),
        ("nodes", &seeded.nodes),
        ("leases", &seeded.leases),
    ] {
        if !list.is_empty() {
            println!("  {label:<17} {}", list.join(", "));
        }
    }
    for (role, path) in &seeded.keypairs {
        println!("  keypair           {} ({role})", path.display());
    }
    println!(
        "  world             {}",
        cli.keys.join("world.json").display()
    );
    for wallet in &cli.fund {
        println!("  funded            {wallet}: 100 SOL, 10,000 settlement tokens");
    }
    println!(
        "  authority         {} (protocol and mint authority, airdrops)",
        world.admin.pubkey()
    );
    println!("Ready. Ctrl-C stops it; the chain lives in memory only.");
    wait_for_stop().await
}

/// Until Ctrl-C or SIGTERM.
async fn wait_for_stop() -> Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("cannot watch for SIGTERM")?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r.context("cannot watch for Ctrl-C"),
        _ = term.recv() => Ok(()),
    }
}
