//! The CUDA measurement, run inside the benchmark worker process: cuBLAS GEMM throughput for
//! bf16, fp16 and fp32 (square matrices, tensor cores where the type uses them) and
//! device-to-device copy bandwidth, each timed with CUDA events after a warm-up. cudarc loads
//! `libcuda` and `libcublas` at run time and panics on a missing library, so both are checked
//! first.

use std::sync::Arc;

use cudarc::cublas::{sys::cublasOperation_t, CudaBlas, Gemm, GemmConfig};
use cudarc::driver::sys::CUevent_flags;
use cudarc::driver::{CudaContext, CudaSlice, CudaStream, DeviceRepr, ValidAsZeroBits};

use super::Measured;

/// Matrix side for the GEMMs (8192² elements: 1 TFLOP per multiply).
const GEMM_N: usize = 8_192;
/// Timed multiplies per data type (after as many warm-ups).
const GEMM_ITERS: u32 = 20;
/// Bytes copied per bandwidth iteration.
const COPY_BYTES: usize = 1 << 30;
/// Timed copies.
const COPY_ITERS: u32 = 20;

/// Steps reported to the progress callback.
pub const STEPS: u32 = 4;

/// A CUDA failure, with what was being done.
#[derive(Debug, thiserror::Error)]
#[error("{what}: {message}")]
pub struct CudaError {
    /// The step.
    pub what: &'static str,
    /// The library's message.
    pub message: String,
}

fn err<E: std::fmt::Debug>(what: &'static str) -> impl Fn(E) -> CudaError {
    move |e| CudaError {
        what,
        message: format!("{e:?}"),
    }
}

/// Checks that the driver and cuBLAS libraries can be loaded (before any cudarc call, which
/// would panic without them).
pub fn libraries_present() -> Result<(), CudaError> {
    // SAFETY: only tries to dlopen the libraries by name.
    let (driver, cublas) = unsafe {
        (
            cudarc::driver::sys::is_culib_present(),
            cudarc::cublas::sys::is_culib_present(),
        )
    };
    if !driver {
        return Err(CudaError {
            what: "loading libcuda",
            message: "the NVIDIA driver's libcuda.so.1 is not installed".into(),
        });
    }
    if !cublas {
        return Err(CudaError {
            what: "loading libcublas",
            message: "cuBLAS (libcublas.so from the CUDA toolkit, any major version) is not installed where the loader, $CUDA_HOME or /usr/local/cuda* has it".into(),
        });
    }
    Ok(())
}

/// Measures GPU `ordinal` (a CUDA ordinal under the caller's `CUDA_VISIBLE_DEVICES`), calling
/// `progress(step, label)` before each of the [`STEPS`] steps.
pub fn measure(ordinal: usize, progress: &mut dyn FnMut(u32, &str)) -> Result<Measured, CudaError> {
    libraries_present()?;
    let ctx = CudaContext::new(ordinal).map_err(err("creating the CUDA context"))?;
    let stream = ctx.default_stream();
    let blas = CudaBlas::new(stream.clone()).map_err(err("creating the cuBLAS handle"))?;
    progress(0, "bf16 GEMM");
    let bf16_tflops = gemm_tflops(&blas, &stream, half::bf16::from_f32)?;
    progress(1, "fp16 GEMM");
    let fp16_tflops = gemm_tflops(&blas, &stream, half::f16::from_f32)?;
    progress(2, "fp32 GEMM");
    let fp32_tflops = gemm_tflops(&blas, &stream, |x| x)?;
    progress(3, "memory bandwidth");
    let mem_bw_gbps = copy_gbps(&stream)?;
    Ok(Measured {
        source: "cuda".into(),
        bf16_tflops,
        fp16_tflops,
        fp32_tflops,
        mem_bw_gbps,
    })
}

/// Milliseconds `run` takes on `stream`, timed by events.
fn timed(
    stream: &Arc<CudaStream>,
    run: &mut dyn FnMut() -> Result<(), CudaError>,
) -> Result<f32, CudaError> {
    let flags = Some(CUevent_flags::CU_EVENT_DEFAULT);
    let start = stream
        .record_event(flags)
        .map_err(err("recording an event"))?;
    run()?;
    let end = stream
        .record_event(flags)
        .map_err(err("recording an event"))?;
    end.synchronize().map_err(err("waiting for the GPU"))?;
    start
        .elapsed_ms(&end)
        .map_err(err("reading the event timer"))
}

/// Matrices and settings for `GEMM_N`² multiplies in type `T`.
struct GemmSetup<T: DeviceRepr> {
    a: CudaSlice<T>,
    b: CudaSlice<T>,
    c: CudaSlice<T>,
    cfg: GemmConfig<T>,
}

impl<T> GemmSetup<T>
where
    T: DeviceRepr + ValidAsZeroBits + Copy,
    CudaBlas: Gemm<T>,
{
    /// Values from `from_f32`, never all zeros: tensor cores draw less power on zeros and
    /// would flatter the figure.
    fn new(stream: &Arc<CudaStream>, from_f32: fn(f32) -> T) -> Result<Self, CudaError> {
        let host: Vec<T> = (0..GEMM_N * GEMM_N)
            .map(|i| from_f32(((i * 7_919) % 1_000) as f32 / 1_000.0 - 0.5))
            .collect();
        let n = i32::try_from(GEMM_N).unwrap_or(i32::MAX);
        Ok(Self {
            a: stream.clone_htod(&host).map_err(err("copying matrix A"))?,
            b: stream.clone_htod(&host).map_err(err("copying matrix B"))?,
            c: stream
                .alloc_zeros::<T>(GEMM_N * GEMM_N)
                .map_err(err("allocating matrix C"))?,
            cfg: GemmConfig {
                transa: cublasOperation_t::CUBLAS_OP_N,
                transb: cublasOperation_t::CUBLAS_OP_N,
                m: n,
                n,
                k: n,
                alpha: from_f32(1.0),
                lda: n,
                ldb: n,
                beta: from_f32(0.0),
                ldc: n,
            },
        })
    }

    /// Milliseconds [`GEMM_ITERS`] multiplies take on `stream`.
    fn run(&mut self, blas: &CudaBlas, stream: &Arc<CudaStream>) -> Result<f32, CudaError> {
        let mut run = || -> Result<(), CudaError> {
            for _ in 0..GEMM_ITERS {
                // SAFETY: a, b and c each hold GEMM_N² elements, matching m, n, k and the
                // leading dimensions.
                unsafe { blas.gemm(self.cfg, &self.a, &self.b, &mut self.c) }
                    .map_err(err("running the GEMM"))?;
            }
            Ok(())
        };
        timed(stream, &mut run)
    }
}

/// TFLOPS of [`GEMM_ITERS`] multiplies of `GEMM_N`² matrices taking `ms`.
fn tflops(ms: f32) -> f64 {
    let flops = 2.0 * (GEMM_N as f64).powi(3) * f64::from(GEMM_ITERS);
    flops / (f64::from(ms) / 1e3) / 1e12
}

/// Achieved TFLOPS of `GEMM_N`² multiplies in type `T`.
fn gemm_tflops<T>(
    blas: &CudaBlas,
    stream: &Arc<CudaStream>,
    from_f32: fn(f32) -> T,
) -> Result<f64, CudaError>
where
    T: DeviceRepr + ValidAsZeroBits + Copy,
    CudaBlas: Gemm<T>,
{
    let mut setup = GemmSetup::new(stream, from_f32)?;
    setup.run(blas, stream)?; // warm-up: clocks up, cuBLAS heuristics cached
    Ok(tflops(setup.run(blas, stream)?))
}

/// Keeps GPU `ordinal` busy with bf16 GEMMs for `secs` (the rig self-check's job); returns the
/// average TFLOPS achieved.
pub fn load(ordinal: usize, secs: u64) -> Result<f64, CudaError> {
    libraries_present()?;
    let ctx = CudaContext::new(ordinal).map_err(err("creating the CUDA context"))?;
    let stream = ctx.default_stream();
    let blas = CudaBlas::new(stream.clone()).map_err(err("creating the cuBLAS handle"))?;
    let mut setup = GemmSetup::new(&stream, half::bf16::from_f32)?;
    let until = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    let (mut ms, mut rounds) = (0.0f32, 0u32);
    while std::time::Instant::now() < until {
        ms += setup.run(&blas, &stream)?;
        rounds += 1;
    }
    Ok(if rounds == 0 {
        0.0
    } else {
        tflops(ms / rounds as f32)
    })
}

/// Achieved device-to-device copy bandwidth, GB/s (bytes read plus bytes written).
fn copy_gbps(stream: &Arc<CudaStream>) -> Result<f64, CudaError> {
    let src = stream
        .alloc_zeros::<u8>(COPY_BYTES)
        .map_err(err("allocating the copy source"))?;
    let mut dst = stream
        .alloc_zeros::<u8>(COPY_BYTES)
        .map_err(err("allocating the copy target"))?;
    let mut run = || -> Result<(), CudaError> {
        for _ in 0..COPY_ITERS {
            stream
                .memcpy_dtod(&src, &mut dst)
                .map_err(err("copying on the device"))?;
        }
        Ok(())
    };
    timed(stream, &mut run)?;
    let ms = timed(stream, &mut run)?;
    let bytes = 2.0 * COPY_BYTES as f64 * f64::from(COPY_ITERS);
    Ok(bytes / (f64::from(ms) / 1e3) / 1e9)
}
