//! Prometheus metrics (`tessera_agent_*`) and a loopback-only HTTP endpoint for `/metrics`
//! and `/healthz`.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Counters and gauges the agent updates.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Receipts that landed.
    pub receipts_posted: AtomicU64,
    /// Resubmissions the chain already had (after crashes or timeouts).
    pub receipts_already_on_chain: AtomicU64,
    /// Failed posting attempts (retried next tick).
    pub post_errors: AtomicU64,
    /// Settlements the agent cranked.
    pub settlements: AtomicU64,
    /// Leases closed by the agent (at their end, or cancelled).
    pub leases_closed: AtomicU64,
    /// Leases the agent cancelled because the rig could not run their job.
    pub leases_cancelled: AtomicU64,
    /// Sightings of a process outside the job on a leased GPU.
    pub foreign_processes: AtomicU64,
    /// Leases on the node now.
    pub leases_active: AtomicU64,
    /// Jobs running now.
    pub jobs_running: AtomicU64,
    /// Receipts waiting in the outbox.
    pub outbox_unconfirmed: AtomicU64,
    /// Ticks completed.
    pub ticks: AtomicU64,
}

impl Metrics {
    /// Prometheus text exposition; `backend` labels whether GPU data is real or simulated.
    pub fn render(&self, backend: &str) -> String {
        let rows: [(&str, &str, &AtomicU64, &str); 11] = [
            (
                "receipts_posted_total",
                "counter",
                &self.receipts_posted,
                "Receipts that landed on-chain.",
            ),
            (
                "receipts_already_on_chain_total",
                "counter",
                &self.receipts_already_on_chain,
                "Resubmitted receipts the chain already had.",
            ),
            (
                "post_errors_total",
                "counter",
                &self.post_errors,
                "Failed posting attempts (retried).",
            ),
            (
                "settlements_total",
                "counter",
                &self.settlements,
                "Settlements cranked by the agent.",
            ),
            (
                "leases_closed_total",
                "counter",
                &self.leases_closed,
                "Leases closed by the agent.",
            ),
            (
                "leases_cancelled_total",
                "counter",
                &self.leases_cancelled,
                "Leases cancelled because the rig could not run their job (not charged).",
            ),
            (
                "foreign_process_samples_total",
                "counter",
                &self.foreign_processes,
                "Sightings of a process outside the job on a leased GPU.",
            ),
            (
                "leases_active",
                "gauge",
                &self.leases_active,
                "Leases on this node.",
            ),
            ("jobs_running", "gauge", &self.jobs_running, "Jobs running."),
            (
                "outbox_unconfirmed",
                "gauge",
                &self.outbox_unconfirmed,
                "Receipts not yet confirmed.",
            ),
            (
                "ticks_total",
                "counter",
                &self.ticks,
                "Agent loop iterations.",
            ),
        ];
        let mut out = format!("# HELP tessera_agent_info Agent build and GPU backend.\n# TYPE tessera_agent_info gauge\ntessera_agent_info{{version=\"{}\",gpu_backend=\"{backend}\"}} 1\n", env!("CARGO_PKG_VERSION"));
        for (name, kind, value, help) in rows {
            out.push_str(&format!(
                "# HELP tessera_agent_{name} {help}\n# TYPE tessera_agent_{name} {kind}\ntessera_agent_{name} {}\n",
                value.load(Ordering::Relaxed)
            ));
        }
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

/// Serves `/metrics` and `/healthz` on `listener` until accepting fails.
pub async fn serve(
    listener: TcpListener,
    metrics: Arc<Metrics>,
    backend: &'static str,
) -> std::io::Result<()> {
    loop {
        let (mut socket, _) = listener.accept().await?;
        let metrics = metrics.clone();
        tokio::spawn(async move {
            // Read until the request line is complete (clients may send it in pieces), at most
            // 1 KiB and 5 s.
            let mut buf = [0u8; 1024];
            let mut n = 0;
            let read_line = async {
                while n < buf.len() && !buf[..n].windows(2).any(|w| w == b"\r\n") {
                    match socket.read(&mut buf[n..]).await {
                        Ok(0) | Err(_) => break,
                        Ok(k) => n += k,
                    }
                }
            };
            let _ = tokio::time::timeout(std::time::Duration::from_secs(5), read_line).await;
            let request = String::from_utf8_lossy(&buf[..n]);
            let path = request.split_whitespace().nth(1).unwrap_or("/");
            let (status, body) = match path {
                "/metrics" => ("200 OK", metrics.render(backend)),
                "/healthz" => ("200 OK", "ok\n".to_string()),
                _ => ("404 Not Found", "not found\n".to_string()),
            };
            let response = format!("HTTP/1.1 {status}\r\ncontent-type: text/plain; version=0.0.4\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len());
            let _ = socket.write_all(response.as_bytes()).await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text_with_the_backend_label() {
        let m = Metrics::default();
        m.receipts_posted.store(3, Ordering::Relaxed);
        let text = m.render("simulated");
        assert!(text.contains("tessera_agent_receipts_posted_total 3\n"));
        assert!(text.contains("gpu_backend=\"simulated\""));
        assert!(text.contains("# TYPE tessera_agent_jobs_running gauge"));
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
            let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
            s.write_all(format!("GET {path} HTTP/1.1\r\nhost: x\r\n\r\n").as_bytes())
                .await
                .unwrap();
            let mut body = String::new();
            s.read_to_string(&mut body).await.unwrap();
            assert!(
                body.starts_with("HTTP/1.1 200") && body.contains(expect),
                "{body}"
            );
        }
        // A request line that arrives in pieces is still read whole.
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        for piece in ["GET ", "/metr", "ics HTTP/1.1\r\n\r\n"] {
            s.write_all(piece.as_bytes()).await.unwrap();
            s.flush().await.unwrap();
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let mut body = String::new();
        s.read_to_string(&mut body).await.unwrap();
        assert!(body.starts_with("HTTP/1.1 200"), "{body}");
    }
}
