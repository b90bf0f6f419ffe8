//! The simulated backend: scripted GPUs and samples for tests and the demo. Every figure it
//! produces is labelled `simulated`; it never pretends to be real hardware.

use std::sync::Mutex;

use std::path::Path;

use super::{GpuBackend, GpuError, GpuInfo, GpuSample, Hardware, ProcessSample};

/// A scripted step for one GPU.
#[derive(Debug, Clone, Copy)]
pub enum Scripted {
    /// Return this sample.
    Sample(GpuSample),
    /// Fail as NVML's `NotFound` would.
    NotFound,
    /// Fail as an NVML without the sampling function would.
    MissingSymbol,
}

/// Simulated GPUs replaying scripted samples (the last one repeats).
pub struct SimulatedBackend {
    devices: Vec<GpuInfo>,
    scripts: Mutex<Vec<Vec<Scripted>>>,
}

impl SimulatedBackend {
    /// `count` simulated H100-like GPUs, each replaying `script` (or a steady busy sample).
    pub fn new(count: u32, script: Vec<Scripted>) -> Self {
        let devices = (0..count)
            .map(|index| GpuInfo {
                index,
                name: "SIM H100 80GB HBM3 (simulated)".into(),
                uuid: format!("GPU-SIMULATED-{index:04}"),
                pci_bus_id: format!("SIM:{index:02x}:00.0"),
                memory_mib: 81_559,
                compute_capability: (9, 0),
                mig_enabled: Some(false),
                hardware: Some(Hardware {
                    cuda_cores: 16_896,
                    max_sm_mhz: 1_980,
                    memory_bus_bits: 5_120,
                    max_memory_mhz: 2_619,
                }),
            })
            .collect();
        let script = if script.is_empty() {
            vec![Scripted::Sample(busy(0))]
        } else {
            script
        };
        Self {
            devices,
            scripts: Mutex::new(vec![script; count as usize]),
        }
    }
}

/// Host processes whose environment pins them to `uuid` (`CUDA_VISIBLE_DEVICES`), the way a
/// driver sees the processes holding a context on that GPU. Unreadable processes are skipped.
fn pinned_to(proc_root: &Path, uuid: &str) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir(proc_root) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(proc_root.join(pid.to_string()).join("environ")).is_ok_and(|env| {
                env.split(|b| *b == 0).any(|var| {
                    var.strip_prefix(b"CUDA_VISIBLE_DEVICES=")
                        .is_some_and(|list| {
                            list.split(|b| *b == b',').any(|u| u == uuid.as_bytes())
                        })
                })
            })
        })
        .collect()
}

/// A steady busy sample whose energy counter reads `energy_mj`.
pub fn busy(energy_mj: u64) -> GpuSample {
    GpuSample {
        utilization_pct: 97,
        memory_used_mib: 61_000,
        power_mw: 650_000,
        energy_mj,
        temperature_c: 62,
        slowdown: Default::default(),
    }
}

impl GpuBackend for SimulatedBackend {
    fn kind(&self) -> &'static str {
        "simulated"
    }

    fn devices(&self) -> Result<Vec<GpuInfo>, GpuError> {
        Ok(self.devices.clone())
    }

    fn sample(&self, index: u32) -> Result<GpuSample, GpuError> {
        let mut scripts = self.scripts.lock().map_err(|_| GpuError::Nvml {
            index,
            message: "script poisoned".into(),
        })?;
        let script = scripts
            .get_mut(index as usize)
            .ok_or(GpuError::NotFound(index))?;
        let step = if script.len() > 1 {
            script.remove(0)
        } else {
            script[0]
        };
        match step {
            Scripted::Sample(s) => Ok(s),
            Scripted::NotFound => Err(GpuError::NotFound(index)),
            Scripted::MissingSymbol => Err(GpuError::MissingSymbol {
                index,
                symbol: "nvmlDeviceGetTotalEnergyConsumption".into(),
            }),
        }
    }

    /// Every host process pinned to the simulated GPU's UUID, at the utilisation of the GPU's
    /// current scripted sample.
    fn processes(&self, index: u32) -> Result<Vec<ProcessSample>, GpuError> {
        let device = self
            .devices
            .get(index as usize)
            .ok_or(GpuError::NotFound(index))?;
        let util = {
            let scripts = self.scripts.lock().map_err(|_| GpuError::Nvml {
                index,
                message: "script poisoned".into(),
            })?;
            match scripts.get(index as usize).and_then(|s| s.first()) {
                Some(Scripted::Sample(s)) => s.utilization_pct,
                _ => 0,
            }
        };
        Ok(pinned_to(Path::new("/proc"), &device.uuid)
            .into_iter()
            .map(|pid| ProcessSample {
                pid,
                sm_util_pct: util,
                memory_mib: 0,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metering::PeriodMeter;

    #[test]
    fn the_inventory_is_labelled_simulated() {
        let b = SimulatedBackend::new(2, vec![]);
        assert_eq!(b.kind(), "simulated");
        let d = b.devices().unwrap();
        assert_eq!(d.len(), 2);
        assert!(d.iter().all(|g| g.name.contains("(simulated)")));
        assert_eq!(d[1].uuid, "GPU-SIMULATED-0001");
        assert!(matches!(b.sample(2), Err(GpuError::NotFound(2))));
    }

    #[test]
    fn a_scripted_replay_with_failures_and_a_reset_meters_correctly() {
        let b = SimulatedBackend::new(
            1,
            vec![
                Scripted::Sample(busy(1_000_000)),
                Scripted::NotFound,
                Scripted::Sample(busy(1_400_000)),
                Scripted::MissingSymbol,
                // Driver reload: the energy counter restarts.
                Scripted::Sample(busy(250_000)),
            ],
        );
        let mut meter = PeriodMeter::default();
        for at in 0..6 {
            meter.record(0, at, b.sample(0));
        }
        let p = meter.finish(1, 0, 60, 1);
        // 400 J before the reset, 250 J after it, and the last sample repeats (+0).
        assert_eq!(p.body.energy_joules, 650);
        assert_eq!(p.summary.missing_samples, 2);
        assert_eq!(p.body.gpu_seconds, 60);
        assert!(p.log.contains("error=GPU 0 not found"), "{}", p.log);
    }
}
