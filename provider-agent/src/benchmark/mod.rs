//! Benchmark figures and how they score against each card's published peak.
//!
//! GEMM TFLOPS (bf16, fp16, fp32) and device memory bandwidth are measured with CUDA through
//! cudarc ([`cuda`]), loaded at run time, in a child process ([`worker`]) so a driver crash
//! cannot take the agent down. The simulated path reports the simulated card's published peaks
//! derated to typical achieved efficiency, labelled `simulated`, so the output format can be
//! exercised without a GPU; simulated figures are never attested.

pub mod cuda;
pub mod worker;

use serde::{Deserialize, Serialize};

use crate::gpu::GpuInfo;

/// Published dense peaks of a card (vendor datasheets, without sparsity).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Peak {
    /// Card family as matched against the NVML name.
    pub card: &'static str,
    /// Dense BF16 tensor TFLOPS.
    pub bf16_tflops: f64,
    /// Dense FP16 tensor TFLOPS.
    pub fp16_tflops: f64,
    /// FP32 (non-tensor) TFLOPS.
    pub fp32_tflops: f64,
    /// Memory bandwidth, GB/s.
    pub mem_bw_gbps: f64,
}

/// Published peaks, most specific names first.
pub const PEAKS: &[(&[&str], Peak)] = &[
    (
        &["H200"],
        Peak {
            card: "H200 SXM",
            bf16_tflops: 989.0,
            fp16_tflops: 989.0,
            fp32_tflops: 67.0,
            mem_bw_gbps: 4_800.0,
        },
    ),
    (
        &["H100", "NVL"],
        Peak {
            card: "H100 NVL",
            bf16_tflops: 835.0,
            fp16_tflops: 835.0,
            fp32_tflops: 60.0,
            mem_bw_gbps: 3_900.0,
        },
    ),
    (
        &["H100", "PCIe"],
        Peak {
            card: "H100 PCIe",
            bf16_tflops: 756.0,
            fp16_tflops: 756.0,
            fp32_tflops: 51.0,
            mem_bw_gbps: 2_000.0,
        },
    ),
    (
        &["H100"],
        Peak {
            card: "H100 SXM",
            bf16_tflops: 989.0,
            fp16_tflops: 989.0,
            fp32_tflops: 67.0,
            mem_bw_gbps: 3_350.0,
        },
    ),
    (
        &["A100", "PCIe", "40GB"],
        Peak {
            card: "A100 PCIe 40GB",
            bf16_tflops: 312.0,
            fp16_tflops: 312.0,
            fp32_tflops: 19.5,
            mem_bw_gbps: 1_555.0,
        },
    ),
    (
        &["A100", "PCIe"],
        Peak {
            card: "A100 PCIe 80GB",
            bf16_tflops: 312.0,
            fp16_tflops: 312.0,
            fp32_tflops: 19.5,
            mem_bw_gbps: 1_935.0,
        },
    ),
    (
        &["A100"],
        Peak {
            card: "A100 SXM",
            bf16_tflops: 312.0,
            fp16_tflops: 312.0,
            fp32_tflops: 19.5,
            mem_bw_gbps: 2_039.0,
        },
    ),
    (
        &["L40S"],
        Peak {
            card: "L40S",
            bf16_tflops: 362.0,
            fp16_tflops: 362.0,
            fp32_tflops: 91.6,
            mem_bw_gbps: 864.0,
        },
    ),
    (
        &["RTX 4090"],
        Peak {
            card: "RTX 4090",
            bf16_tflops: 165.2,
            fp16_tflops: 165.2,
            fp32_tflops: 82.6,
            mem_bw_gbps: 1_008.0,
        },
    ),
    (
        &["L4"],
        Peak {
            card: "L4",
            bf16_tflops: 121.0,
            fp16_tflops: 121.0,
            fp32_tflops: 30.3,
            mem_bw_gbps: 300.0,
        },
    ),
];

/// The published peak of the card NVML names `name`, if it is in the table.
pub fn published_peak(name: &str) -> Option<Peak> {
    PEAKS
        .iter()
        .find(|(keys, _)| keys.iter().all(|k| name.contains(k)))
        .map(|(_, p)| *p)
}

/// Peak estimated from the hardware when the card is not in the table: dense tensor FLOPs per
/// SM per clock by compute capability, FP32 lanes per SM, and bus width × memory clock.
pub fn formula_peak(
    cc: (i32, i32),
    sm_count: u32,
    boost_mhz: u32,
    mem_bus_bits: u32,
    mem_mhz: u32,
) -> Peak {
    let (tensor_per_sm_clk, fp32_lanes) = match cc {
        (9, _) => (4_096.0, 128.0),
        (8, 9) => (1_024.0, 128.0),
        (8, 6) | (8, 7) => (512.0, 128.0),
        (8, 0) => (2_048.0, 64.0),
        (7, _) => (1_024.0, 64.0),
        _ => (256.0, 64.0),
    };
    let clocks = f64::from(sm_count) * f64::from(boost_mhz) * 1e6;
    let tensor = clocks * tensor_per_sm_clk / 1e12;
    Peak {
        card: "formula estimate",
        bf16_tflops: tensor,
        fp16_tflops: tensor,
        fp32_tflops: clocks * fp32_lanes * 2.0 / 1e12,
        // DDR: two transfers per clock.
        mem_bw_gbps: f64::from(mem_bus_bits) / 8.0 * f64::from(mem_mhz) * 2.0 / 1e3,
    }
}

/// FP32 lanes per SM by compute capability (to turn NVML's CUDA-core count into SMs).
fn fp32_lanes(cc: (i32, i32)) -> u32 {
    match cc {
        (9, _) | (8, 6..) => 128,
        _ => 64,
    }
}

/// The card's published peak, else the formula estimate from its hardware figures.
pub fn peak_for(gpu: &GpuInfo) -> Option<Peak> {
    published_peak(&gpu.name).or_else(|| {
        let h = gpu.hardware?;
        Some(formula_peak(
            gpu.compute_capability,
            h.cuda_cores / fp32_lanes(gpu.compute_capability),
            h.max_sm_mhz,
            h.memory_bus_bits,
            h.max_memory_mhz,
        ))
    })
}

/// Figures from one benchmark run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    /// `cuda` or `simulated`.
    pub source: String,
    /// Achieved BF16 GEMM TFLOPS.
    pub bf16_tflops: f64,
    /// Achieved FP16 GEMM TFLOPS.
    pub fp16_tflops: f64,
    /// Achieved FP32 GEMM TFLOPS.
    pub fp32_tflops: f64,
    /// Achieved device-to-device copy bandwidth, GB/s.
    pub mem_bw_gbps: f64,
}

/// Each figure as a fraction of the peak.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Score {
    /// BF16 achieved / peak.
    pub bf16: f64,
    /// FP16 achieved / peak.
    pub fp16: f64,
    /// FP32 achieved / peak.
    pub fp32: f64,
    /// Bandwidth achieved / peak.
    pub mem_bw: f64,
}

/// Scores `m` against `peak`.
pub fn score(m: &Measured, peak: &Peak) -> Score {
    let r = |a: f64, p: f64| if p > 0.0 { a / p } else { 0.0 };
    Score {
        bf16: r(m.bf16_tflops, peak.bf16_tflops),
        fp16: r(m.fp16_tflops, peak.fp16_tflops),
        fp32: r(m.fp32_tflops, peak.fp32_tflops),
        mem_bw: r(m.mem_bw_gbps, peak.mem_bw_gbps),
    }
}

/// Simulated figures for a card: its peak derated to typical achieved efficiency (GEMM ~75 %,
/// copy ~90 %), labelled `simulated`.
pub fn simulated(peak: &Peak) -> Measured {
    Measured {
        source: "simulated".into(),
        bf16_tflops: peak.bf16_tflops * 0.75,
        fp16_tflops: peak.fp16_tflops * 0.75,
        fp32_tflops: peak.fp32_tflops * 0.75,
        mem_bw_gbps: peak.mem_bw_gbps * 0.9,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gpu::GpuBackend;

    #[test]
    fn nvml_names_match_the_most_specific_card() {
        assert_eq!(
            published_peak("NVIDIA H100 80GB HBM3").map(|p| p.card),
            Some("H100 SXM")
        );
        assert_eq!(
            published_peak("NVIDIA H100 PCIe").map(|p| p.card),
            Some("H100 PCIe")
        );
        assert_eq!(
            published_peak("NVIDIA H100 NVL").map(|p| p.card),
            Some("H100 NVL")
        );
        assert_eq!(
            published_peak("NVIDIA H200").map(|p| p.card),
            Some("H200 SXM")
        );
        assert_eq!(
            published_peak("NVIDIA A100-SXM4-80GB").map(|p| p.card),
            Some("A100 SXM")
        );
        assert_eq!(
            published_peak("NVIDIA GeForce RTX 4090").map(|p| p.card),
            Some("RTX 4090")
        );
        assert_eq!(published_peak("NVIDIA L40S").map(|p| p.card), Some("L40S"));
        assert_eq!(published_peak("Tesla T4"), None);
    }

    #[test]
    fn the_formula_reproduces_known_cards_within_a_few_percent() {
        // H100 SXM: 132 SMs, 1830 MHz tensor boost, 5120-bit HBM3 at 2619 MHz.
        let h100 = formula_peak((9, 0), 132, 1_830, 5_120, 2_619);
        assert!((h100.bf16_tflops / 989.0 - 1.0).abs() < 0.02, "{h100:?}");
        assert!((h100.mem_bw_gbps / 3_350.0 - 1.0).abs() < 0.02, "{h100:?}");
        // A100 SXM: 108 SMs at 1410 MHz.
        let a100 = formula_peak((8, 0), 108, 1_410, 5_120, 1_593);
        assert!((a100.bf16_tflops / 312.0 - 1.0).abs() < 0.02, "{a100:?}");
        assert!((a100.fp32_tflops / 19.5 - 1.0).abs() < 0.02, "{a100:?}");
    }

    #[test]
    fn cards_missing_from_the_table_get_the_formula() {
        let mut gpu = crate::gpu::simulated::SimulatedBackend::new(1, vec![])
            .devices()
            .unwrap()
            .remove(0);
        gpu.name = "NVIDIA Hypothetical X1".into();
        gpu.hardware = Some(crate::gpu::Hardware {
            cuda_cores: 132 * 128,
            max_sm_mhz: 1_830,
            memory_bus_bits: 5_120,
            max_memory_mhz: 2_619,
        });
        let peak = peak_for(&gpu).unwrap();
        assert_eq!(peak.card, "formula estimate");
        assert!((peak.bf16_tflops / 989.0 - 1.0).abs() < 0.02, "{peak:?}");
        gpu.hardware = None;
        assert_eq!(peak_for(&gpu), None);
    }

    #[test]
    fn scores_are_ratios_and_simulated_figures_say_so() {
        let peak = published_peak("NVIDIA H100 80GB HBM3").unwrap();
        let m = simulated(&peak);
        assert_eq!(m.source, "simulated");
        let s = score(&m, &peak);
        assert!((s.bf16 - 0.75).abs() < 1e-9 && (s.mem_bw - 0.9).abs() < 1e-9);
    }
}
