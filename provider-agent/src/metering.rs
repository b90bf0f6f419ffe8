//! Metering one receipt period: billing on allocation (leased GPUs × seconds), with evidence
//! from telemetry (average utilisation, energy from counter deltas with resets handled) and per
//! process (the job's processes and their SM use, any foreign process on a leased GPU). The raw
//! sample log stays on disk, ending in a `summary` line of what a dispute needs; its SHA-256 is
//! the signed receipt's `sample_digest`, so the log cannot be changed after the fact.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};
use tessera::signed::ReceiptBody;

use crate::gpu::{GpuError, GpuSample, ProcessSample};

/// Accumulates samples of the leased GPUs over one period.
#[derive(Debug, Default, Clone)]
pub struct PeriodMeter {
    log: Vec<String>,
    util_pct_sum: u64,
    util_samples: u64,
    energy_mj: u64,
    last_energy: BTreeMap<u32, u64>,
    peak_memory_mib: u64,
    missing_samples: u64,
    throttled_samples: u64,
    job_sm_pct_sum: u64,
    process_samples: u64,
    job_process_samples: u64,
    foreign_process_samples: u64,
}

/// What a finished period produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeteredPeriod {
    /// The receipt body to sign.
    pub body: ReceiptBody,
    /// The raw sample log, ending in the summary line; its SHA-256 is `body.sample_digest`.
    pub log: String,
    /// The period's evidence in brief (the log's last line).
    pub summary: Summary,
}

/// What a dispute over one period needs, in brief: written as the sample log's last line, so
/// the receipt's signed digest covers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    /// GPU samples taken.
    pub samples: u64,
    /// Samples that failed (GPU not found, NVML error).
    pub missing_samples: u64,
    /// Samples with a clock slowdown active (power, thermal or hardware; not idle).
    pub throttled_samples: u64,
    /// Highest memory use seen, MiB.
    pub peak_memory_mib: u64,
    /// Process queries made.
    pub process_queries: u64,
    /// Sightings of the job's own processes.
    pub job_process_samples: u64,
    /// Average SM utilisation of the job's processes per process query, percent (summed over
    /// the leased GPUs); `None` when no process query ran.
    pub job_sm_util_pct: Option<u64>,
    /// Sightings of processes on leased GPUs that belong to no job of the lease.
    pub foreign_process_samples: u64,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sm = self
            .job_sm_util_pct
            .map_or("none".to_string(), |v| v.to_string());
        write!(
            f,
            "summary samples={} missing={} throttled={} peak_mem_mib={} process_queries={} job_processes={} job_sm_pct={sm} foreign_processes={}",
            self.samples,
            self.missing_samples,
            self.throttled_samples,
            self.peak_memory_mib,
            self.process_queries,
            self.job_process_samples,
            self.foreign_process_samples
        )
    }
}

impl PeriodMeter {
    /// Records one sample (or failure) of GPU `gpu` at unix time `at`.
    pub fn record(&mut self, gpu: u32, at: i64, sample: Result<GpuSample, GpuError>) {
        match sample {
            Ok(s) => {
                self.log.push(format!(
                    "{at} gpu={gpu} util={} mem_mib={} power_mw={} energy_mj={} temp_c={} slowdown={}",
                    s.utilization_pct, s.memory_used_mib, s.power_mw, s.energy_mj, s.temperature_c, s.slowdown
                ));
                self.util_pct_sum += u64::from(s.utilization_pct.min(100));
                self.util_samples += 1;
                self.peak_memory_mib = self.peak_memory_mib.max(s.memory_used_mib);
                self.throttled_samples += u64::from(s.slowdown.any());
                if let Some(last) = self.last_energy.insert(gpu, s.energy_mj) {
                    // A counter that went backwards was reset (driver reload): count from zero.
                    self.energy_mj += if s.energy_mj >= last {
                        s.energy_mj - last
                    } else {
                        s.energy_mj
                    };
                }
            }
            Err(e) => {
                self.log.push(format!("{at} gpu={gpu} error={e}"));
                self.missing_samples += 1;
            }
        }
    }

    /// Records one process query of GPU `gpu` at unix time `at`: each process with whether it
    /// belongs to the lease's job.
    pub fn record_processes(&mut self, gpu: u32, at: i64, processes: &[(ProcessSample, bool)]) {
        self.process_samples += 1;
        for (p, is_job) in processes {
            self.log.push(format!(
                "{at} gpu={gpu} pid={} job={is_job} sm={} mem_mib={}",
                p.pid, p.sm_util_pct, p.memory_mib
            ));
            if *is_job {
                self.job_process_samples += 1;
                self.job_sm_pct_sum += u64::from(p.sm_util_pct.min(100));
            } else {
                self.foreign_process_samples += 1;
            }
        }
    }

    /// Closes the period `[start, end)` of a lease with `gpus` leased GPUs as receipt `seq`.
    /// Billing is on allocation: `gpu_seconds = (end − start) × gpus`.
    pub fn finish(self, seq: u64, start: i64, end: i64, gpus: u16) -> MeteredPeriod {
        let secs = u64::try_from(end.saturating_sub(start)).unwrap_or(0);
        let avg_bps = (self.util_pct_sum * 100)
            .checked_div(self.util_samples)
            .unwrap_or(0);
        let summary = Summary {
            samples: self.util_samples + self.missing_samples,
            missing_samples: self.missing_samples,
            throttled_samples: self.throttled_samples,
            peak_memory_mib: self.peak_memory_mib,
            process_queries: self.process_samples,
            job_process_samples: self.job_process_samples,
            job_sm_util_pct: self.job_sm_pct_sum.checked_div(self.process_samples),
            foreign_process_samples: self.foreign_process_samples,
        };
        let mut log = self.log;
        log.push(summary.to_string());
        let log = log.join("\n");
        let body = ReceiptBody {
            seq,
            period_start: start,
            period_end: end,
            gpu_seconds: secs.saturating_mul(u64::from(gpus)),
            avg_utilization_bps: u16::try_from(avg_bps).unwrap_or(10_000),
            energy_joules: self.energy_mj / 1_000,
            sample_digest: Sha256::digest(log.as_bytes()).into(),
        };
        MeteredPeriod { body, log, summary }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gpu::simulated::busy;

    #[test]
    fn bills_allocation_and_averages_utilisation() {
        let mut m = PeriodMeter::default();
        m.record(
            0,
            1,
            Ok(GpuSample {
                utilization_pct: 50,
                ..busy(1_000_000)
            }),
        );
        m.record(
            0,
            2,
            Ok(GpuSample {
                utilization_pct: 100,
                ..busy(1_650_000)
            }),
        );
        let p = m.finish(3, 100, 160, 2);
        assert_eq!(p.body.gpu_seconds, 120);
        assert_eq!(p.body.avg_utilization_bps, 7_500);
        assert_eq!(p.body.energy_joules, 650);
        assert_eq!(
            p.body.sample_digest,
            <[u8; 32]>::from(Sha256::digest(p.log.as_bytes()))
        );
        assert_eq!(
            (p.body.seq, p.body.period_start, p.body.period_end),
            (3, 100, 160)
        );
    }

    #[test]
    fn counter_resets_and_missing_gpus_are_handled() {
        let mut m = PeriodMeter::default();
        m.record(0, 1, Ok(busy(5_000_000)));
        m.record(0, 2, Ok(busy(5_200_000))); // +200 J
        m.record(0, 3, Ok(busy(100_000))); // reset: +100 J
        m.record(0, 4, Err(GpuError::NotFound(0)));
        m.record(1, 4, Ok(busy(7)));
        let missing = GpuError::MissingSymbol {
            index: 1,
            symbol: "nvmlDeviceGetPowerUsage".into(),
        };
        m.record(1, 5, Err(missing));
        let p = m.finish(1, 0, 10, 1);
        assert_eq!(p.body.energy_joules, 300);
        assert_eq!(p.body.gpu_seconds, 10, "billing on allocation continues");
        assert_eq!(p.summary.missing_samples, 2);
        assert_eq!(p.summary.samples, 6);
        assert!(p.log.contains("no `nvmlDeviceGetPowerUsage`"), "{}", p.log);
        assert!(p.log.contains("gpu=0 error=GPU 0 not found"));
    }

    #[test]
    fn job_processes_count_and_foreign_ones_are_flagged() {
        let mut m = PeriodMeter::default();
        let p = |pid, sm_util_pct| ProcessSample {
            pid,
            sm_util_pct,
            memory_mib: 100,
        };
        m.record_processes(0, 1, &[(p(10, 60), true), (p(11, 20), true)]);
        m.record_processes(0, 2, &[(p(10, 40), true), (p(99, 90), false)]);
        let out = m.finish(1, 0, 10, 1);
        assert_eq!(out.summary.job_sm_util_pct, Some(60));
        assert_eq!(out.summary.foreign_process_samples, 1);
        assert!(out
            .log
            .contains("2 gpu=0 pid=99 job=false sm=90 mem_mib=100"));
        // The evidence a dispute needs is the log's last line, under the signed digest.
        assert_eq!(
            out.log.lines().last().unwrap(),
            "summary samples=0 missing=0 throttled=0 peak_mem_mib=0 process_queries=2 job_processes=3 job_sm_pct=60 foreign_processes=1"
        );
        assert_eq!(
            out.body.sample_digest,
            <[u8; 32]>::from(Sha256::digest(out.log.as_bytes()))
        );
        assert_eq!(
            PeriodMeter::default()
                .finish(1, 0, 1, 1)
                .summary
                .job_sm_util_pct,
            None
        );
    }

    #[test]
    fn an_empty_period_still_bills_allocation() {
        let p = PeriodMeter::default().finish(1, 0, 60, 4);
        assert_eq!(
            (
                p.body.gpu_seconds,
                p.body.avg_utilization_bps,
                p.body.energy_joules
            ),
            (240, 0, 0)
        );
    }
}
