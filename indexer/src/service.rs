//! The whole service: the database pool, the chain's identity, the read API and the indexing
//! loop, which retries every failure with a fresh connection (a database or node outage heals
//! by itself) except another chain behind the node, which stops the service.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};

use crate::api::{self, AppState};
use crate::db::{self, Pool};
use crate::index::{self, IndexError, Options, Progress};
use crate::source::Source;

/// Wait after a failed pass before the next.
const RETRY: Duration = Duration::from_secs(2);

/// What the service is told.
#[derive(Debug, Clone)]
pub struct Config {
    /// PostgreSQL URL.
    pub database: String,
    /// Where the read API listens.
    pub listen: SocketAddr,
    /// The indexing loop's tunables.
    pub options: Options,
    /// Longest time since the loop last caught up before `/health` answers 503.
    pub max_lag: Duration,
    /// Delete everything indexed before starting (another chain, or a fresh start).
    pub reset: bool,
}

/// Serves the read API and indexes the chain (its source opened once the database answered)
/// until the API fails, the node turns out to serve another chain, or the process is
/// interrupted.
pub async fn run(config: Config, source: impl FnOnce() -> Arc<dyn Source>) -> Result<()> {
    let pool = db::connect(&config.database).await?;
    let source = source();
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    tracing::info!(listen = %config.listen, "serving the read API");
    let progress = Arc::new(Progress::default());
    let state = AppState {
        pool: pool.clone(),
        source: source.clone(),
        progress: progress.clone(),
        max_lag: config.max_lag,
    };
    let mut api = tokio::spawn(async move { axum::serve(listener, api::router(state)).await });
    let indexing = follow(&*source, &pool, &config, &progress);
    tokio::select! {
        served = &mut api => match served {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(e).context("the read API stopped"),
            Err(e) => Err(e).context("the read API stopped"),
        },
        stopped = indexing => stopped.context("indexing stopped"),
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}

/// The genesis hash the database holds, recorded now if it holds none (after `--reset`, which
/// deletes everything first).
async fn identify(source: &dyn Source, pool: &Pool, reset: bool) -> Result<String, IndexError> {
    let served = source.genesis_hash().await?;
    let db = pool.get().await.map_err(db::DbError::from)?;
    if reset {
        db::reset(&db).await?;
        tracing::warn!(genesis = %served, "--reset: everything indexed was deleted");
    }
    match db::genesis(&db).await? {
        Some(recorded) => Ok(recorded),
        None => {
            db::record_genesis(&db, &served).await?;
            Ok(served)
        }
    }
}

/// Identifies the chain, then runs the loop, retrying every failure but another chain.
async fn follow(
    source: &dyn Source,
    pool: &Pool,
    config: &Config,
    progress: &Progress,
) -> Result<(), IndexError> {
    let mut reset = config.reset;
    loop {
        let pass = async {
            let genesis = identify(source, pool, reset).await?;
            reset = false;
            index::run(source, pool, &genesis, config.options, progress).await
        };
        match pass.await {
            Err(e @ IndexError::OtherChain { .. }) => return Err(e),
            Err(e) => {
                let error = format!("{:#}", anyhow::Error::new(e));
                tracing::warn!(%error, "indexing stopped; retrying in {} s", RETRY.as_secs());
                progress.failed(error);
                tokio::time::sleep(RETRY).await;
            }
            Ok(()) => return Ok(()),
        }
    }
}
