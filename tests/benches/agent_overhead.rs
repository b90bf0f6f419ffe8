//! Agent overhead, memory and receipt latency, measured on the in-process chain with 8
//! simulated GPUs (labelled) and one 8-GPU lease running a real job:
//!
//! - CPU per tick (user + system, `getrusage`), for ticks that only meter and for ticks that
//!   also sign, post and settle a receipt, turned into a share of one core at the default
//!   schedule (a tick every 15 s, a receipt every hour);
//! - peak and steady resident memory (`/proc/self/status`);
//! - receipt latency: wall time from the first tick at or after a period's end to the receipt
//!   landing.
//!
//! The in-process bank runs in this process, so CPU and memory figures are upper bounds for the
//! agent alone. Run: `cargo bench -p tessera-tests --bench agent_overhead`.

#[path = "../../provider-agent/tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use tessera_client::chain::fetch;

/// Ticks measured per kind.
const TICKS: usize = 60;

fn cpu_secs() -> f64 {
    // SAFETY: getrusage fills the struct we own.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    t(u.ru_utime) + t(u.ru_stime)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let w = support::world().await;
    let mut job = support::counting_job();
    job.command = vec!["sleep".into(), "86400".into()];
    job.max_secs = None;
    let lease = w.open(8, 86_400, &job).await;
    let mut agent = w.agent();
    agent.tick().await.expect("first tick");
    let rss_start = support::proc_status_kib("self", "VmRSS:");

    // Ticks that only meter: chain time moves 10 s, less than the 60 s period of this world,
    // and every period is posted before the next measurement round.
    let (mut quiet, mut posting, mut latency) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..TICKS {
        for _ in 0..5 {
            w.chain.advance_clock(10).await.expect("clock");
            let c = cpu_secs();
            agent.tick().await.expect("tick");
            quiet.push(cpu_secs() - c);
        }
        // The period ends: the next tick writes, signs, posts (and settles the previous one).
        w.chain.advance_clock(10).await.expect("clock");
        let (c, t) = (cpu_secs(), Instant::now());
        agent.tick().await.expect("tick");
        latency.push(t.elapsed());
        posting.push(cpu_secs() - c);
    }
    let l: tessera::state::Lease = fetch(&*w.chain, &lease).await.expect("lease");
    assert!(
        l.last_seq as usize >= TICKS,
        "receipts landed: {}",
        l.last_seq
    );
    latency.sort();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (q, p) = (mean(&quiet), mean(&posting));
    // Default schedule: 240 ticks an hour, one of which posts.
    let share = (q * 239.0 + p) / 3_600.0;
    println!("agent overhead, in-process chain, 8 simulated GPUs, 1 lease with a running job");
    println!("  receipts landed            {}", l.last_seq);
    println!("  CPU per metering tick      {:.2} ms", q * 1e3);
    println!("  CPU per posting tick       {:.2} ms", p * 1e3);
    println!(
        "  share of one core          {:.4} % (tick 15 s, period 3600 s)",
        share * 100.0
    );
    println!(
        "  receipt latency            p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        percentile(&latency, 0.5).as_secs_f64() * 1e3,
        percentile(&latency, 0.99).as_secs_f64() * 1e3,
        latency[latency.len() - 1].as_secs_f64() * 1e3
    );
    println!(
        "  resident memory            {} MiB after start, {} MiB at end, {} MiB peak",
        rss_start / 1024,
        support::proc_status_kib("self", "VmRSS:") / 1024,
        support::proc_status_kib("self", "VmHWM:") / 1024
    );
}
