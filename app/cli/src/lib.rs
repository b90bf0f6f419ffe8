//! The `tessera` command line, as a library so tests drive it against the in-process chain:
//! [`run`] executes one parsed command against any [`Chain`] and returns a [`Report`] (a human
//! rendering and a JSON value).

pub mod commands;
pub mod config;
pub mod output;
pub mod session;
pub mod units;

use anyhow::Result;
use clap::{Parser, Subcommand};
use solana_sdk::signature::Keypair;
use tessera_client::Chain;

pub use output::Report;
pub use session::Session;

/// Tessera: fractional GPU pools, leases and signed usage receipts on Solana.
#[derive(Debug, Parser)]
#[command(name = "tessera", version, about)]
pub struct Cli {
    /// RPC URL or moniker (devnet, mainnet-beta, testnet, localhost); default from the Solana CLI config.
    #[arg(long, short = 'u', global = true)]
    pub url: Option<String>,
    /// Signer keypair file; default from the Solana CLI config.
    #[arg(long, short = 'k', global = true)]
    pub keypair: Option<std::path::PathBuf>,
    /// Solana CLI config file (default ~/.config/solana/cli/config.yml).
    #[arg(long, short = 'C', global = true)]
    pub config: Option<std::path::PathBuf>,
    /// Print JSON instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
    /// A Tessera indexer's read API (`http://host:port`): statements read histories from it
    /// instead of the RPC.
    #[arg(long, global = true, env = "TESSERA_INDEXER_URL")]
    pub indexer: Option<String>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Every role's commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Protocol configuration (authority).
    #[command(subcommand)]
    Protocol(commands::protocol::ProtocolCmd),
    /// Pools: create, invest, redeem, borrow.
    #[command(subcommand)]
    Pool(commands::pool::PoolCmd),
    /// Staking of the protocol token.
    #[command(subcommand)]
    Stake(commands::stake::StakeCmd),
    /// Provider registration and reputation.
    #[command(subcommand)]
    Provider(commands::provider::ProviderCmd),
    /// Nodes (rigs).
    #[command(subcommand)]
    Node(commands::node::NodeCmd),
    /// Nodes for rent: specs, price, free GPUs, reputation.
    Market(commands::market::MarketArgs),
    /// Bids for GPUs.
    #[command(subcommand)]
    Bid(commands::bid::BidCmd),
    /// Leases.
    #[command(subcommand)]
    Lease(commands::lease::LeaseCmd),
    /// Dispute resolution (arbiter).
    #[command(subcommand)]
    Arbiter(commands::arbiter::ArbiterCmd),
    /// Job specs: the hash a lease names a job by (offline).
    #[command(subcommand)]
    Job(commands::job::JobCmd),
    /// Run the whole protocol on an in-process chain and print a report (no cluster needed):
    /// runs `tessera-localnet demo`.
    Demo,
}

impl Command {
    /// Whether the command reads only public accounts named on the command line, so it runs
    /// without a keypair file (`pool list`, `market`, `protocol show`, `… show <address>`, and the
    /// statements of a named lease, node or wallet).
    pub fn reads_public_state(&self) -> bool {
        use commands::{lease::LeaseCmd, node::NodeCmd, pool::PoolCmd, protocol::ProtocolCmd};
        matches!(
            self,
            Command::Pool(
                PoolCmd::List { .. } | PoolCmd::Show { .. } | PoolCmd::Position { wallet: Some(_) }
            ) | Command::Market(_)
                | Command::Protocol(ProtocolCmd::Show)
                | Command::Lease(LeaseCmd::Show { .. } | LeaseCmd::Statement { .. })
                | Command::Node(NodeCmd::Show { .. } | NodeCmd::Earnings { .. })
        )
    }
}

/// Checks what a command reads from local files (job specs, parameter files) before any
/// network call, so bad input is refused first.
pub fn preflight(command: &Command) -> Result<()> {
    use commands::{bid::BidCmd, lease::LeaseCmd, protocol::ProtocolCmd};
    match command {
        Command::Lease(LeaseCmd::Open(args)) => args.job.hash().map(|_| ()),
        Command::Bid(BidCmd::Post(args)) => args.job.hash().map(|_| ()),
        Command::Protocol(ProtocolCmd::Init {
            params_file: Some(path),
            ..
        }) => commands::protocol::read_params(path).map(|_| ()),
        _ => Ok(()),
    }
}

/// Runs one command against `chain`, signing as `signer`.
pub async fn run(
    command: Command,
    chain: &dyn Chain,
    signer: &Keypair,
    indexer: Option<&str>,
) -> Result<Report> {
    let s = Session {
        chain,
        signer,
        indexer,
    };
    match command {
        Command::Protocol(c) => commands::protocol::run(c, &s).await,
        Command::Pool(c) => commands::pool::run(c, &s).await,
        Command::Stake(c) => commands::stake::run(c, &s).await,
        Command::Provider(c) => commands::provider::run(c, &s).await,
        Command::Node(c) => commands::node::run(c, &s).await,
        Command::Market(a) => commands::market::run(a, &s).await,
        Command::Bid(c) => commands::bid::run(c, &s).await,
        Command::Lease(c) => commands::lease::run(c, &s).await,
        Command::Arbiter(c) => commands::arbiter::run(c, &s).await,
        Command::Job(c) => commands::job::run(&c),
        Command::Demo => anyhow::bail!("the demo runs as its own program: tessera-localnet demo"),
    }
}
