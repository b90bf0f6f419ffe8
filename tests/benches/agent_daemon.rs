//! The real `tessera-agent run` daemon, as its own process, measured from outside: CPU share
//! and resident memory of the daemon alone (`/proc/<pid>`), and receipt latency (cluster
//! period end → receipt landed), against the in-process chain's JSON-RPC endpoint with a clock
//! that runs at wall speed. 8 simulated GPUs (labelled), one 8-GPU lease with a running job,
//! 60 s periods, default 15 s tick. Takes about four minutes.
//! Run: `cargo build --release -p tessera-agent && cargo bench -p tessera-tests --bench agent_daemon`.

#[path = "../../provider-agent/tests/support/mod.rs"]
mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tessera::state::Lease;
use tessera_client::chain::fetch;
use tessera_client::Chain;
use tessera_localnet::{ClockMode, Options};

/// Receipt periods measured.
const PERIODS: i64 = 3;

/// The `tessera-agent` daemon of this profile (`target/release/`, beside this benchmark's
/// `deps/`), which must be built first.
fn daemon_binary() -> std::path::PathBuf {
    let me = std::env::current_exe().expect("this benchmark's path");
    let bin = me
        .parent()
        .and_then(|deps| deps.parent())
        .map(|dir| dir.join("tessera-agent"))
        .expect("a target directory");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build --release -p tessera-agent` first",
        bin.display()
    );
    bin
}

/// CPU seconds (user + system) of `pid` so far.
fn cpu_secs(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, a)| a);
    let fields: Vec<&str> = after.split_whitespace().collect();
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // After the command name: state is field 0, utime 11, stime 12.
    (ticks(11) + ticks(12)) / hz
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let w = support::world().await;
    let mut job = support::counting_job();
    job.command = vec!["sleep".into(), "86400".into()];
    job.max_secs = None;
    let lease = w.open(8, 86_400, &job).await;
    let node = tessera_localnet::serve(w.chain.clone(), Options::ephemeral(ClockMode::Running(1)))
        .await
        .expect("endpoint");
    let (t0, unix0) = (
        Instant::now(),
        w.chain.unix_timestamp().await.expect("clock"),
    );
    let config = w.daemon_config(&node.url, "metrics_addr = \"127.0.0.1:0\"\n");
    let mut daemon = Command::new(daemon_binary())
        .args(["run", "--config"])
        .arg(&config)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("daemon");
    let pid = daemon.id();
    let start: Lease = fetch(w.chain.as_ref(), &lease).await.expect("lease");
    // Skip start-up (loading, first tick); measure from the first receipt on.
    let mut seen = 0;
    // A period falls due `period_secs` after the previous receipt's end (periods are
    // contiguous: each receipt ends at the cluster time of the tick that wrote it).
    let mut due_at = start.start_at + 60;
    let mut latencies = Vec::new();
    let mut cpu_from = None;
    while seen < PERIODS + 1 {
        assert!(daemon.try_wait().expect("wait").is_none(), "daemon exited");
        let l: Lease = fetch(w.chain.as_ref(), &lease).await.expect("lease");
        if l.last_seq as i64 > seen {
            seen = l.last_seq as i64;
            let due = t0 + Duration::from_secs(u64::try_from(due_at - unix0).unwrap_or(0));
            latencies.push(Instant::now().saturating_duration_since(due));
            due_at = l.last_period_end + 60;
            if cpu_from.is_none() {
                cpu_from = Some((Instant::now(), cpu_secs(pid)));
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (from, cpu0) = cpu_from.expect("a receipt landed");
    let share = (cpu_secs(pid) - cpu0) / from.elapsed().as_secs_f64();
    let (rss, hwm) = (
        support::proc_status_kib(&pid.to_string(), "VmRSS:"),
        support::proc_status_kib(&pid.to_string(), "VmHWM:"),
    );
    // SAFETY: plain syscall on our child.
    unsafe { libc::kill(pid as i32, libc::SIGTERM) };
    let _ = daemon.wait();
    println!("tessera-agent daemon (own process) over JSON-RPC, 8 simulated GPUs, 1 lease");
    println!("  receipts landed            {seen}");
    println!(
        "  CPU share of one core      {:.3} % over {:.0} s (tick 15 s, period 60 s)",
        share * 100.0,
        from.elapsed().as_secs_f64()
    );
    println!(
        "  resident memory            {} MiB now, {} MiB peak",
        rss / 1024,
        hwm / 1024
    );
    let shown: Vec<String> = latencies
        .iter()
        .map(|d| format!("{:.2} s", d.as_secs_f64()))
        .collect();
    println!(
        "  receipt latency            {} (period due → landed; the first includes start-up)",
        shown.join(", ")
    );
}
