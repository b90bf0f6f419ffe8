//! The real `tessera-agent run` daemon, as a separate process, against the in-process chain's
//! JSON-RPC endpoint (a node test double whose clock runs 30× faster than the wall clock):
//! it serves a lease with a real job on simulated GPUs (labelled), posts every period's
//! receipt over HTTP, closes the lease at its end, serves `/metrics`, and exits cleanly on
//! SIGTERM; and killed with SIGKILL over and over while it works, it still bills the lease
//! exactly once.

mod support;

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tessera_client::Chain;
use tessera_localnet::{ClockMode, Options};

/// A free loopback port.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap()
}

fn http_get(port: u16, path: &str) -> String {
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return String::new();
    };
    let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let _ = s.write_all(request.as_bytes());
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

/// Starts `tessera-agent run` with JSON logs at info level, output piped.
fn spawn(config: &std::path::Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_tessera-agent"))
        .args(["--json-logs", "run", "--config"])
        .arg(config)
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daemon_serves_a_lease_over_json_rpc_and_stops_on_sigterm() {
    let w = support::world().await;
    let before = w.renter_usd().await;
    let lease = w.open(1, 180, &support::counting_job()).await;
    let node = tessera_localnet::serve(w.chain.clone(), Options::ephemeral(ClockMode::Running(30)))
        .await
        .unwrap();
    let metrics_port = free_port();
    let config = w.daemon_config(
        &node.url,
        &format!("tick_secs = 1\nmetrics_addr = \"127.0.0.1:{metrics_port}\"\n"),
    );
    let mut daemon = spawn(&config);

    // 180 s of lease and the last charge's 60 s window pass in about 8 s of wall time.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut metrics = String::new();
    while w.chain.account(&lease).await.unwrap().is_some() {
        assert!(
            Instant::now() < deadline,
            "the lease was not closed in time"
        );
        if let Some(status) = daemon.try_wait().unwrap() {
            let mut out = String::new();
            daemon
                .stdout
                .take()
                .unwrap()
                .read_to_string(&mut out)
                .unwrap();
            daemon
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut out)
                .unwrap();
            panic!("the daemon exited early ({status}): {out}");
        }
        if metrics.is_empty() {
            metrics = http_get(metrics_port, "/metrics");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Exactly the lease was charged: 1 GPU × 180 s at 2 per GPU-hour = 0.1.
    assert_eq!(before - w.renter_usd().await, 100_000);
    assert!(metrics.contains("gpu_backend=\"simulated\""), "{metrics}");
    assert!(http_get(metrics_port, "/healthz").ends_with("ok\n"));
    let stdout = std::fs::read_to_string(
        w.dir
            .path()
            .join("data/leases")
            .join(lease.to_string())
            .join("stdout.log"),
    )
    .unwrap();
    assert!(
        stdout.starts_with("counted 42 on GPU-SIMULATED-0000"),
        "{stdout}"
    );

    // SIGTERM: one last tick, then a clean exit.
    unsafe { libc::kill(daemon.id() as i32, libc::SIGTERM) };
    let started = Instant::now();
    let status = loop {
        if let Some(s) = daemon.try_wait().unwrap() {
            break s;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no exit after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let mut logs = String::new();
    daemon
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    assert!(status.success(), "{status}: {logs}");
    assert!(logs.contains("receipt landed"), "{logs}");
    assert!(logs.contains("lease closed at its end"), "{logs}");
    assert!(logs.contains("shutting down"), "{logs}");
    // The job ended seconds into the lease: nothing claims to stop it at shutdown.
    assert!(!logs.contains("job stopped"), "{logs}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daemon_killed_again_and_again_still_bills_every_second_exactly_once() {
    let w = support::world().await;
    let before = w.renter_usd().await;
    let lease = w.open(1, 180, &support::counting_job()).await;
    let node = tessera_localnet::serve(w.chain.clone(), Options::ephemeral(ClockMode::Running(30)))
        .await
        .unwrap();
    let config = w.daemon_config(&node.url, "tick_secs = 1\nmetrics_addr = \"127.0.0.1:0\"\n");
    // SIGKILL at uneven moments: mid-tick, mid-post, between write and send, whatever comes.
    let mut kills = 0;
    for millis in [700u64, 250, 1_300, 450, 900, 150, 1_100, 600, 350, 800] {
        let mut daemon = spawn(&config);
        tokio::time::sleep(Duration::from_millis(millis)).await;
        daemon.kill().unwrap();
        daemon.wait().unwrap();
        kills += 1;
        if w.chain.account(&lease).await.unwrap().is_none() {
            break;
        }
    }
    let landed = match w.chain.account(&lease).await.unwrap() {
        Some(_) => {
            tessera_client::chain::fetch::<tessera::state::Lease>(w.chain.as_ref(), &lease)
                .await
                .unwrap()
                .last_seq
        }
        None => u64::MAX,
    };
    assert!(
        landed >= 1,
        "no receipt landed while the daemon was being killed"
    );
    // Then it runs undisturbed until the lease is closed.
    let mut daemon = spawn(&config);
    let deadline = Instant::now() + Duration::from_secs(60);
    while w.chain.account(&lease).await.unwrap().is_some() {
        assert!(
            Instant::now() < deadline,
            "the lease was not closed in time"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    daemon.kill().unwrap();
    daemon.wait().unwrap();
    assert!(
        kills >= 5,
        "only {kills} kills happened while the lease ran"
    );
    // 1 GPU × 180 s at 2 per GPU-hour = 0.1, no more, no less.
    assert_eq!(before - w.renter_usd().await, 100_000);
}

#[tokio::test]
async fn a_metrics_port_in_use_stops_the_daemon_in_words() {
    let w = support::world().await;
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let config = w.daemon_config(
        "http://127.0.0.1:9",
        &format!("metrics_addr = \"127.0.0.1:{port}\"\n"),
    );
    let out = Command::new(env!("CARGO_BIN_EXE_tessera-agent"))
        .args(["run", "--config"])
        .arg(&config)
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(&format!("cannot serve metrics on 127.0.0.1:{port}")),
        "{text}"
    );
    assert!(
        !text.contains("backtrace") && !text.contains("panicked"),
        "{text}"
    );
}

#[tokio::test]
async fn a_second_daemon_on_one_data_directory_is_refused_naming_the_first() {
    let w = support::world().await;
    let config = w.daemon_config("http://127.0.0.1:9", "metrics_addr = \"127.0.0.1:0\"\n");
    let data = config.with_file_name("data");
    let _first = tessera_agent::datadir::hold(&data).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tessera-agent"))
        .args(["run", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(&format!(
            "another tessera-agent (pid {}) is running on data directory {}",
            std::process::id(),
            data.display()
        )),
        "{text}"
    );
}
