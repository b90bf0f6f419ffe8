//! `GpuBackend`: inventory and telemetry of the rig's GPUs, real (NVML) or simulated.

pub mod libs;
pub mod nvml;
pub mod simulated;

use serde::Serialize;

/// One GPU's identity and capabilities.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GpuInfo {
    /// Index in the backend's enumeration.
    pub index: u32,
    /// Product name (e.g. `NVIDIA H100 80GB HBM3`).
    pub name: String,
    /// Stable UUID (`GPU-…`), used to pin jobs.
    pub uuid: String,
    /// PCI bus id.
    pub pci_bus_id: String,
    /// Total memory, MiB.
    pub memory_mib: u64,
    /// Compute capability (major, minor).
    pub compute_capability: (i32, i32),
    /// Whether MIG mode is on; `None` where the driver cannot tell.
    pub mig_enabled: Option<bool>,
    /// Hardware figures for estimating the peak of a card missing from the published table;
    /// `None` where the driver does not report them.
    pub hardware: Option<Hardware>,
}

/// Figures the peak formula needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Hardware {
    /// CUDA cores (FP32 lanes) on the whole GPU.
    pub cuda_cores: u32,
    /// Highest SM clock, MHz.
    pub max_sm_mhz: u32,
    /// Memory bus width, bits.
    pub memory_bus_bits: u32,
    /// Highest memory clock, MHz.
    pub max_memory_mhz: u32,
}

/// One telemetry sample of a GPU.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GpuSample {
    /// GPU utilisation, percent.
    pub utilization_pct: u32,
    /// Memory in use, MiB.
    pub memory_used_mib: u64,
    /// Power draw, milliwatts.
    pub power_mw: u32,
    /// Total energy counter since driver load, millijoules (may reset).
    pub energy_mj: u64,
    /// Temperature, °C.
    pub temperature_c: u32,
    /// Clock slowdowns active now (power cap, thermal, hardware); idle is not one.
    pub slowdown: Slowdown,
}

/// One process's use of a GPU, as the driver reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ProcessSample {
    /// Host process id.
    pub pid: u32,
    /// SM utilisation by this process since the previous query, percent (0 when the driver
    /// has no utilisation sample for it).
    pub sm_util_pct: u32,
    /// GPU memory the process holds, MiB.
    pub memory_mib: u64,
}

/// Errors from a GPU backend.
#[derive(Debug, thiserror::Error)]
pub enum GpuError {
    /// The NVIDIA management library is not installed or failed to initialise.
    #[error("NVML unavailable ({0}); no NVIDIA driver on this machine? Use the simulated backend only for testing")]
    Unavailable(String),
    /// The GPU disappeared (NVML `NotFound`, e.g. fell off the bus).
    #[error("GPU {0} not found")]
    NotFound(u32),
    /// The driver's NVML lacks a function the agent calls (an older driver).
    #[error("GPU {index}: the installed NVML has no `{symbol}` (driver too old?)")]
    MissingSymbol {
        /// GPU index.
        index: u32,
        /// The missing function.
        symbol: String,
    },
    /// Any other NVML failure.
    #[error("NVML error on GPU {index}: {message}")]
    Nvml {
        /// GPU index.
        index: u32,
        /// NVML's message.
        message: String,
    },
}

/// Inventory and telemetry. Calls block (NVML is synchronous): run them off the async runtime.
pub trait GpuBackend: Send + Sync {
    /// `"nvml"` or `"simulated"`: printed with every figure so simulated data never passes as real.
    fn kind(&self) -> &'static str;
    /// The GPUs present.
    fn devices(&self) -> Result<Vec<GpuInfo>, GpuError>;
    /// One sample of GPU `index`.
    fn sample(&self, index: u32) -> Result<GpuSample, GpuError>;
    /// The processes using GPU `index` now, with their utilisation since the previous call.
    fn processes(&self, index: u32) -> Result<Vec<ProcessSample>, GpuError>;
}

/// Clock slowdowns that cost a job performance: NVML's power-cap, thermal and hardware
/// slowdown reasons. An idle GPU, application or user clocks and sync boost are not slowdowns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Slowdown {
    /// The software power cap.
    pub power: bool,
    /// Thermal slowdown (software or hardware).
    pub thermal: bool,
    /// Hardware slowdown or power brake.
    pub hardware: bool,
}

impl Slowdown {
    /// Whether any slowdown is active.
    pub fn any(&self) -> bool {
        self.power || self.thermal || self.hardware
    }
}

impl std::fmt::Display for Slowdown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = [
            (self.power, "power"),
            (self.thermal, "thermal"),
            (self.hardware, "hardware"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect();
        match names.is_empty() {
            true => f.write_str("none"),
            false => f.write_str(&names.join("+")),
        }
    }
}
