//! The simulated backend: scripted GPUs and samples for tests and the demo. Every figure it
//! produces is labelled `simulated`; it never pretends to be real hardware.

use std::sync::Mutex;

use super::{GpuBackend, GpuError, GpuInfo, GpuSample};

/// A scripted step for one GPU.
#[derive(Debug, Clone, Copy)]
pub enum Scripted {
    /// Return this sample.
    Sample(GpuSample),
    /// Fail as NVML's `NotFound` would.
    NotFound,
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

/// A steady busy sample whose energy counter reads `energy_mj`.
pub fn busy(energy_mj: u64) -> GpuSample {
    GpuSample {
        utilization_pct: 97,
        memory_used_mib: 61_000,
        power_mw: 650_000,
        energy_mj,
        temperature_c: 62,
        throttled: false,
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
        }
    }
}
