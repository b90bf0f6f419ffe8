//! `tessera-indexer --rpc <url> --database <postgres url>`: indexes the program into
//! PostgreSQL and serves the read API. Failures are reported in words (exit 1; 2 for a
//! malformed command line); a lost node or database is retried, never a crash loop.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Parser;
use tessera_indexer::{api, db, index, source::RpcSource};

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
    /// PostgreSQL URL, e.g. postgres://tessera@127.0.0.1:5432/tessera.
    #[arg(long, env = "TESSERA_DATABASE_URL")]
    database: String,
    /// Where the read API listens.
    #[arg(long, default_value = "127.0.0.1:8910")]
    listen: SocketAddr,
    /// Longest wait between two looks at the chain, milliseconds.
    #[arg(long, default_value_t = 1_000)]
    poll_ms: u64,
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
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<()> {
    let ws = match cli.ws.as_deref() {
        Some("none") => None,
        Some(url) => Some(url.to_string()),
        None => default_ws(&cli.rpc),
    };
    let mut writer = db::connect(&cli.database).await?;
    let reader = Arc::new(db::connect(&cli.database).await?);
    let listener = tokio::net::TcpListener::bind(cli.listen)
        .await
        .with_context(|| format!("cannot listen on {}", cli.listen))?;
    tracing::info!(listen = %cli.listen, rpc = %cli.rpc, "serving the read API");
    let mut api = tokio::spawn(async move { axum::serve(listener, api::router(reader)).await });
    let source = RpcSource::new(&cli.rpc, ws);
    let options = index::Options {
        poll: Duration::from_millis(cli.poll_ms),
    };
    let indexing = async {
        loop {
            if let Err(e) = index::run(&source, &mut writer, options).await {
                let error = format!("{:#}", anyhow::Error::new(e));
                tracing::warn!(%error, "indexing stopped; retrying in 5 s");
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        }
    };
    tokio::select! {
        served = &mut api => match served {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(e).context("the read API stopped"),
            Err(e) => Err(e).context("the read API stopped"),
        },
        () = indexing => Ok(()),
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}
