//! Prometheus metrics (`tessera_agent_*`, kept by prometheus-client) and a loopback-only HTTP
//! endpoint (axum) for `/metrics` (OpenMetrics text) and `/healthz`.

use std::net::SocketAddr;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use tokio::net::TcpListener;

/// A gauge of whole numbers.
pub type Level = Gauge<u64, AtomicU64>;

/// Counters and gauges the agent updates.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Receipts that landed.
    pub receipts_posted: Counter,
    /// Resubmissions the chain already had (after crashes or timeouts).
    pub receipts_already_on_chain: Counter,
    /// Failed posting attempts (retried next tick).
    pub post_errors: Counter,
    /// Settlements the agent cranked.
    pub settlements: Counter,
    /// Leases closed by the agent (at their end, or cancelled).
    pub leases_closed: Counter,
    /// Leases the agent cancelled because the rig could not run their job.
    pub leases_cancelled: Counter,
    /// Sightings of a process outside the job on a leased GPU.
    pub foreign_processes: Counter,
    /// Leases on the node now.
    pub leases_active: Level,
    /// Jobs running now.
    pub jobs_running: Level,
    /// Receipts waiting in the outbox.
    pub outbox_unconfirmed: Level,
    /// Ticks completed.
    pub ticks: Counter,
}

impl Metrics {
    /// A registry over these metrics (counters are named with `_total`), with an info gauge
    /// whose `gpu_backend` label says whether GPU data is real or simulated.
    fn registry(&self, backend: &str) -> Registry {
        let mut r = Registry::with_prefix("tessera_agent");
        let counters = [
            (
                "receipts_posted",
                "Receipts that landed on-chain.",
                &self.receipts_posted,
            ),
            (
                "receipts_already_on_chain",
                "Resubmitted receipts the chain already had.",
                &self.receipts_already_on_chain,
            ),
            (
                "post_errors",
                "Failed posting attempts (retried).",
                &self.post_errors,
            ),
            (
                "settlements",
                "Settlements cranked by the agent.",
                &self.settlements,
            ),
            (
                "leases_closed",
                "Leases closed by the agent.",
                &self.leases_closed,
            ),
            (
                "leases_cancelled",
                "Leases cancelled because the rig could not run their job (not charged).",
                &self.leases_cancelled,
            ),
            (
                "foreign_process_samples",
                "Sightings of a process outside the job on a leased GPU.",
                &self.foreign_processes,
            ),
            ("ticks", "Agent loop iterations.", &self.ticks),
        ];
        for (name, help, counter) in counters {
            r.register(name, help, counter.clone());
        }
        let levels = [
            ("leases_active", "Leases on this node.", &self.leases_active),
            ("jobs_running", "Jobs running.", &self.jobs_running),
            (
                "outbox_unconfirmed",
                "Receipts not yet confirmed.",
                &self.outbox_unconfirmed,
            ),
        ];
        for (name, help, gauge) in levels {
            r.register(name, help, gauge.clone());
        }
        let info = Family::<Vec<(&'static str, String)>, Gauge>::default();
        info.get_or_create(&vec![
            ("version", env!("CARGO_PKG_VERSION").to_string()),
            ("gpu_backend", backend.to_string()),
        ])
        .set(1);
        r.register("info", "Agent build and GPU backend.", info);
        r
    }

    /// OpenMetrics text exposition; `backend` labels whether GPU data is real or simulated.
    pub fn render(&self, backend: &str) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry(backend));
        out
    }
}

/// Binds the metrics endpoint to `addr`, which must be a loopback address.
pub async fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    if !addr.ip().is_loopback() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("metrics address {addr} is not loopback"),
        ));
    }
    TcpListener::bind(addr).await
}

/// Serves `/metrics` and `/healthz` on `listener` until serving fails.
pub async fn serve(
    listener: TcpListener,
    metrics: Arc<Metrics>,
    backend: &'static str,
) -> std::io::Result<()> {
    let app = Router::new()
        .route(
            "/metrics",
            get(move || async move {
                (
                    [(
                        CONTENT_TYPE,
                        "application/openmetrics-text; version=1.0.0; charset=utf-8",
                    )],
                    metrics.render(backend),
                )
            }),
        )
        .route("/healthz", get(|| async { "ok\n" }))
        .fallback(|| async { (StatusCode::NOT_FOUND, "not found\n") });
    axum::serve(listener, app).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[test]
    fn renders_prometheus_text_with_the_backend_label() {
        let m = Metrics::default();
        m.receipts_posted.inc_by(3);
        m.jobs_running.set(2);
        let text = m.render("simulated");
        assert!(
            text.contains("tessera_agent_receipts_posted_total 3\n"),
            "{text}"
        );
        assert!(text.contains("gpu_backend=\"simulated\""), "{text}");
        assert!(
            text.contains("# TYPE tessera_agent_jobs_running gauge"),
            "{text}"
        );
        assert!(text.contains("tessera_agent_jobs_running 2\n"), "{text}");
        assert!(text.contains("tessera_agent_ticks_total 0\n"), "{text}");
        assert!(text.ends_with("# EOF\n"), "{text}");
    }

    async fn fetch(addr: SocketAddr, pieces: &[&str]) -> String {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        for piece in pieces {
            s.write_all(piece.as_bytes()).await.unwrap();
            s.flush().await.unwrap();
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let mut body = String::new();
        s.read_to_string(&mut body).await.unwrap();
        body
    }

    #[tokio::test]
    async fn serves_metrics_and_health_on_loopback_only() {
        let m = Arc::new(Metrics::default());
        let public: SocketAddr = "0.0.0.0:0".parse().unwrap();
        assert!(bind(public).await.is_err());
        let listener = bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(serve(listener, m, "simulated"));
        for (path, expect) in [
            ("/healthz", "ok"),
            ("/metrics", "tessera_agent_ticks_total 0"),
        ] {
            let request = format!("GET {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
            let body = fetch(addr, &[&request]).await;
            assert!(
                body.starts_with("HTTP/1.1 200") && body.contains(expect),
                "{body}"
            );
        }
        // A request that arrives in pieces is still read whole; an unknown path is a 404.
        let body = fetch(
            addr,
            &["GET ", "/metr", "ics HTTP/1.1\r\nconnection: close\r\n\r\n"],
        )
        .await;
        assert!(body.starts_with("HTTP/1.1 200"), "{body}");
        let body = fetch(addr, &["GET /nope HTTP/1.1\r\nconnection: close\r\n\r\n"]).await;
        assert!(body.starts_with("HTTP/1.1 404"), "{body}");
    }
}
