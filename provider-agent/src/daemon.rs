//! The daemon: the agent's run loop until cancelled, waking at the regular tick or when
//! something falls due, with its metrics endpoint supervised (restarted if it stops).

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use crate::agent::Agent;
use crate::metrics;

/// Runs `agent` every `tick` (or sooner when a period or window falls due) until `cancel`,
/// serving its metrics on `listener`; then one last tick posts what is due and running jobs are
/// stopped.
pub async fn run(
    agent: &mut Agent<'_>,
    tick: Duration,
    listener: TcpListener,
    backend: &'static str,
    cancel: CancellationToken,
) {
    let addr = listener.local_addr().ok();
    let mut server = tokio::spawn(metrics::serve(listener, agent.metrics.clone(), backend));
    loop {
        if let Err(e) = agent.tick().await {
            warn!(error = %e, "tick failed; retrying next tick");
        }
        // The cluster clock counts whole seconds (floored), so waiting the difference never
        // wakes early; a lagging cluster clock costs a 1 s retry.
        let wait = agent.secs_until_due().map_or(tick, |s| {
            Duration::from_secs(u64::try_from(s).unwrap_or(1)).clamp(Duration::from_secs(1), tick)
        });
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = cancel.cancelled() => break,
            ended = &mut server => {
                error!(outcome = ?ended, "the metrics endpoint stopped; restarting it in 1 s");
                server = restart(addr, agent);
            }
        }
    }
    server.abort();
    info!("shutting down: one last tick to post due receipts");
    if let Err(e) = agent.tick().await {
        warn!(error = %e, "final tick failed; the outbox resumes on restart");
    }
    agent.shutdown().await;
}

/// Serves the metrics endpoint again on `addr` after a pause.
fn restart(addr: Option<SocketAddr>, agent: &Agent<'_>) -> JoinHandle<std::io::Result<()>> {
    let metrics = agent.metrics.clone();
    let backend = agent.backend();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let addr = addr.ok_or_else(|| std::io::Error::other("no metrics address"))?;
        metrics::serve(metrics::bind(addr).await?, metrics, backend).await
    })
}
