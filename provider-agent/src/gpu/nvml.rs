//! The real backend: NVML through nvml-wrapper, loading `libnvidia-ml.so.1` at run time.

use std::collections::BTreeMap;
use std::sync::Mutex;

use nvml_wrapper::enum_wrappers::device::{Clock, TemperatureSensor};
use nvml_wrapper::enums::device::UsedGpuMemory;
use nvml_wrapper::error::NvmlError;
use nvml_wrapper::Nvml;
use nvml_wrapper_sys::bindings::{nvmlReturn_enum_NVML_SUCCESS, NvmlLib, NVML_DEVICE_MIG_ENABLE};

use super::{GpuBackend, GpuError, GpuInfo, GpuSample, Hardware, ProcessSample};

/// NVML-backed inventory and telemetry.
pub struct NvmlBackend {
    nvml: Nvml,
    /// The raw library, for the calls nvml-wrapper does not wrap (MIG mode).
    raw: Option<NvmlLib>,
    /// Per GPU, the newest process-utilisation timestamp seen (µs), so each query returns only
    /// new samples.
    last_seen_us: Mutex<BTreeMap<u32, u64>>,
}

impl NvmlBackend {
    /// Loads and initialises NVML; a clear error when the library or driver is absent.
    pub fn new() -> Result<Self, GpuError> {
        let mut failures = Vec::new();
        for name in super::libs::NVML_NAMES {
            match Nvml::builder().lib_path(std::ffi::OsStr::new(name)).init() {
                Ok(nvml) => {
                    return Ok(Self {
                        nvml,
                        // SAFETY: loads the library NVML already loaded; symbols are checked
                        // at use.
                        raw: unsafe { NvmlLib::new(name) }.ok(),
                        last_seen_us: Mutex::new(BTreeMap::new()),
                    });
                }
                Err(e) => failures.push(format!("{name}: {e}")),
            }
        }
        Err(GpuError::Unavailable(failures.join("; ")))
    }
}

impl NvmlBackend {
    /// Whether MIG mode is on for `device`; `None` where the driver lacks the call (older
    /// drivers, a missing symbol) or the GPU does not support MIG.
    fn mig_enabled(&self, device: &nvml_wrapper::Device) -> Option<bool> {
        let get = self.raw.as_ref()?.nvmlDeviceGetMigMode.as_ref().ok()?;
        let (mut current, mut pending) = (0u32, 0u32);
        // SAFETY: a live device handle and two out-parameters we own.
        let status = unsafe { get(device.handle(), &mut current, &mut pending) };
        (status == nvmlReturn_enum_NVML_SUCCESS).then_some(current == NVML_DEVICE_MIG_ENABLE)
    }
}

fn nvml_error(index: u32, e: NvmlError) -> GpuError {
    match e {
        NvmlError::NotFound | NvmlError::GpuLost => GpuError::NotFound(index),
        NvmlError::FailedToLoadSymbol(symbol) => GpuError::MissingSymbol { index, symbol },
        other => GpuError::Nvml {
            index,
            message: other.to_string(),
        },
    }
}

impl GpuBackend for NvmlBackend {
    fn kind(&self) -> &'static str {
        "nvml"
    }

    fn devices(&self) -> Result<Vec<GpuInfo>, GpuError> {
        let count = self.nvml.device_count().map_err(|e| nvml_error(0, e))?;
        (0..count)
            .map(|index| {
                let d = self
                    .nvml
                    .device_by_index(index)
                    .map_err(|e| nvml_error(index, e))?;
                let cc = d
                    .cuda_compute_capability()
                    .map_err(|e| nvml_error(index, e))?;
                Ok(GpuInfo {
                    index,
                    name: d.name().map_err(|e| nvml_error(index, e))?,
                    uuid: d.uuid().map_err(|e| nvml_error(index, e))?,
                    pci_bus_id: d
                        .pci_info()
                        .map(|p| p.bus_id)
                        .map_err(|e| nvml_error(index, e))?,
                    memory_mib: d
                        .memory_info()
                        .map(|m| m.total / (1 << 20))
                        .map_err(|e| nvml_error(index, e))?,
                    compute_capability: (cc.major, cc.minor),
                    mig_enabled: self.mig_enabled(&d),
                    hardware: (|| {
                        Some(Hardware {
                            cuda_cores: d.num_cores().ok()?,
                            max_sm_mhz: d.max_clock_info(Clock::SM).ok()?,
                            memory_bus_bits: d.memory_bus_width().ok()?,
                            max_memory_mhz: d.max_clock_info(Clock::Memory).ok()?,
                        })
                    })(),
                })
            })
            .collect()
    }

    fn sample(&self, index: u32) -> Result<GpuSample, GpuError> {
        let d = self
            .nvml
            .device_by_index(index)
            .map_err(|e| nvml_error(index, e))?;
        Ok(GpuSample {
            utilization_pct: d
                .utilization_rates()
                .map(|u| u.gpu)
                .map_err(|e| nvml_error(index, e))?,
            memory_used_mib: d
                .memory_info()
                .map(|m| m.used / (1 << 20))
                .map_err(|e| nvml_error(index, e))?,
            power_mw: d.power_usage().map_err(|e| nvml_error(index, e))?,
            // Older GPUs lack the energy counter: report 0 and let metering fall back to power.
            energy_mj: d.total_energy_consumption().unwrap_or(0),
            temperature_c: d
                .temperature(TemperatureSensor::Gpu)
                .map_err(|e| nvml_error(index, e))?,
            slowdown: d
                .current_throttle_reasons()
                .map(slowdown)
                .unwrap_or_default(),
        })
    }

    fn processes(&self, index: u32) -> Result<Vec<ProcessSample>, GpuError> {
        let d = self
            .nvml
            .device_by_index(index)
            .map_err(|e| nvml_error(index, e))?;
        let running = d
            .running_compute_processes()
            .map_err(|e| nvml_error(index, e))?;
        let mut last = self.last_seen_us.lock().map_err(|_| GpuError::Nvml {
            index,
            message: "process timestamp lock poisoned".into(),
        })?;
        let since = last.get(&index).copied().unwrap_or(0);
        // NVML answers NotFound when no process has a sample newer than `since`.
        let util = match d.process_utilization_stats(since) {
            Ok(v) => v,
            Err(NvmlError::NotFound) | Err(NvmlError::NotSupported) => Vec::new(),
            Err(e) => return Err(nvml_error(index, e)),
        };
        if let Some(newest) = util.iter().map(|u| u.timestamp).max() {
            last.insert(index, newest);
        }
        Ok(running
            .iter()
            .map(|p| ProcessSample {
                pid: p.pid,
                sm_util_pct: util
                    .iter()
                    .filter(|u| u.pid == p.pid)
                    .map(|u| u.sm_util)
                    .max()
                    .unwrap_or(0),
                memory_mib: match p.used_gpu_memory {
                    UsedGpuMemory::Used(bytes) => bytes / (1 << 20),
                    UsedGpuMemory::Unavailable => 0,
                },
            })
            .collect())
    }
}

/// The slowdowns among NVML's clock-event reasons (idle, application clocks and sync boost
/// are not slowdowns).
fn slowdown(r: nvml_wrapper::bitmasks::device::ThrottleReasons) -> super::Slowdown {
    use nvml_wrapper::bitmasks::device::ThrottleReasons as R;
    super::Slowdown {
        power: r.contains(R::SW_POWER_CAP),
        thermal: r.intersects(R::SW_THERMAL_SLOWDOWN | R::HW_THERMAL_SLOWDOWN),
        hardware: r.intersects(R::HW_SLOWDOWN | R::HW_POWER_BRAKE_SLOWDOWN),
    }
}

#[cfg(test)]
mod slowdown_tests {
    use super::slowdown;
    use nvml_wrapper::bitmasks::device::ThrottleReasons as R;

    #[test]
    fn an_idle_gpu_is_not_throttled_and_real_slowdowns_are_named() {
        // Seen on an idle H100 at 39 °C and 72 W: GPU idle (and application clocks).
        let idle = slowdown(R::GPU_IDLE | R::APPLICATIONS_CLOCKS_SETTING);
        assert!(!idle.any(), "{idle}");
        assert_eq!(idle.to_string(), "none");
        let hot = slowdown(R::SW_POWER_CAP | R::HW_THERMAL_SLOWDOWN);
        assert!(hot.any());
        assert_eq!(hot.to_string(), "power+thermal");
        assert_eq!(slowdown(R::HW_POWER_BRAKE_SLOWDOWN).to_string(), "hardware");
    }
}
