//! `tessera-indexer --rpc <url> --database <postgres url>`: indexes the program into
//! PostgreSQL and serves the read API. Failures are reported in words (exit 1; 2 for a
//! malformed command line); a lost node or database is retried, never a crash loop; a node
//! that serves another chain than the database's stops it.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use tessera_indexer::geyser::GeyserSource;
use tessera_indexer::index::Options;
use tessera_indexer::service::{self, Config};
use tessera_indexer::source::{RpcSource, Source};

/// Indexes Tessera's accounts and events into PostgreSQL and serves them over HTTP.
#[derive(Parser)]
#[command(name = "tessera-indexer", version)]
struct Cli {
    /// The node's JSON-RPC URL.
    #[arg(long, env = "TESSERA_RPC_URL")]
    rpc: String,
    /// Its websocket URL [default: the RPC URL's port + 1, ws://]; `none` to poll only.
    #[arg(long)]
    ws: Option<String>,
    /// A Yellowstone gRPC (Geyser) endpoint to stream the program's transactions from, e.g.
    /// http://127.0.0.1:10000 (the RPC still serves the rest); replaces the websocket.
    #[arg(long, env = "TESSERA_GEYSER_URL")]
    geyser: Option<String>,
    /// The Geyser endpoint's access token, when it wants one.
    #[arg(long, env = "TESSERA_GEYSER_X_TOKEN", requires = "geyser")]
    geyser_x_token: Option<String>,
    /// PostgreSQL URL, e.g. postgres://tessera@127.0.0.1:5432/tessera.
    #[arg(long, env = "TESSERA_DATABASE_URL")]
    database: String,
    /// Where the read API listens.
    #[arg(long, default_value = "127.0.0.1:8910")]
    listen: SocketAddr,
    /// Longest wait between two looks at the chain, milliseconds.
    #[arg(long, default_value_t = 1_000)]
    poll_ms: u64,
    /// Most transactions fetched from the node at once.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u16).range(1..=256))]
    fetch_concurrency: u16,
    /// Seconds since the indexer last caught up with the chain before `/health` answers 503.
    #[arg(long, default_value_t = 60)]
    max_lag_secs: u64,
    /// Delete everything indexed and start over (after the node's chain was replaced).
    #[arg(long)]
    reset: bool,
}

fn default_ws(rpc: &str) -> Option<String> {
    let (scheme, rest) = rpc.split_once("://")?;
    let ws_scheme = if scheme == "https" { "wss" } else { "ws" };
    let (host, port) = rest.trim_end_matches('/').rsplit_once(':')?;
    Some(format!(
        "{ws_scheme}://{host}:{}",
        port.parse::<u16>().ok()?.checked_add(1)?
    ))
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
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("TESSERA_INDEXER_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let ws = match cli.ws.as_deref() {
        Some("none") => None,
        _ if cli.geyser.is_some() => None,
        Some(url) => Some(url.to_string()),
        None => default_ws(&cli.rpc),
    };
    let config = Config {
        database: cli.database,
        listen: cli.listen,
        options: Options {
            poll: Duration::from_millis(cli.poll_ms),
            concurrency: usize::from(cli.fetch_concurrency),
        },
        max_lag: Duration::from_secs(cli.max_lag_secs),
        reset: cli.reset,
    };
    let source = || -> Arc<dyn Source> {
        let rpc = RpcSource::new(&cli.rpc, ws);
        match cli.geyser {
            Some(endpoint) => Arc::new(GeyserSource::new(rpc, endpoint, cli.geyser_x_token)),
            None => Arc::new(rpc),
        }
    };
    match service::run(config, source).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
