//! The benchmark worker: the agent re-runs itself (`tessera-agent benchmark-worker`) pinned to
//! one GPU and reads its progress and result from stdout, so a driver crash, a panic or a hang
//! in CUDA ends the worker and never the agent. Protocol, one line each:
//! `progress <step> <label>`, then `result <Measured as JSON>` or `error <message>`.

use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use super::Measured;
use crate::gpu::GpuInfo;

/// A line of the worker protocol.
#[derive(Debug, Clone, PartialEq)]
pub enum Line {
    /// Starting step `step`, named `label`.
    Progress(u32, String),
    /// The figures.
    Result(Measured),
    /// The measurement failed cleanly.
    Error(String),
}

impl Line {
    /// The line as the worker prints it.
    pub fn render(&self) -> String {
        match self {
            Line::Progress(step, label) => format!("progress {step} {label}"),
            Line::Result(m) => format!("result {}", serde_json::to_string(m).unwrap_or_default()),
            Line::Error(message) => format!("error {}", message.replace('\n', " ")),
        }
    }

    /// Parses one printed line; `None` for anything else (a library printing to stdout).
    pub fn parse(line: &str) -> Option<Self> {
        let (kind, rest) = line.split_once(' ')?;
        match kind {
            "progress" => {
                let (step, label) = rest.split_once(' ').unwrap_or((rest, ""));
                Some(Line::Progress(step.parse().ok()?, label.into()))
            }
            "result" => serde_json::from_str(rest).ok().map(Line::Result),
            "error" => Some(Line::Error(rest.into())),
            _ => None,
        }
    }
}

/// Why a benchmark produced no figures.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// The worker could not be started.
    #[error("cannot start the benchmark worker: {0}")]
    Spawn(std::io::Error),
    /// The worker reported a failure (no CUDA libraries, out of memory…).
    #[error("benchmark failed: {0}")]
    Failed(String),
    /// The worker did not finish in time (a hung driver); it was killed.
    #[error(
        "the benchmark worker did not finish in {0} s (a hung driver or GPU?); it was stopped"
    )]
    TimedOut(u64),
    /// The worker died without a result; the agent is unaffected.
    #[error("the benchmark worker crashed ({status}); the agent is unaffected. Its last output: {stderr}")]
    Crashed {
        /// Exit status or signal.
        status: String,
        /// The end of its stderr.
        stderr: String,
    },
}

/// The worker's side: measures CUDA ordinal 0 (the one GPU its `CUDA_VISIBLE_DEVICES` leaves
/// it), printing progress and the result as [`Line`]s on stdout. Returns the exit code. Any
/// binary that runs [`measure_all`] with itself as `exe` answers `benchmark-worker` with this.
pub fn serve() -> i32 {
    let mut progress =
        |step: u32, label: &str| println!("{}", Line::Progress(step, label.into()).render());
    match super::cuda::measure(0, &mut progress) {
        Ok(m) => {
            println!("{}", Line::Result(m).render());
            0
        }
        Err(e) => {
            println!("{}", Line::Error(e.to_string()).render());
            1
        }
    }
}

/// How long one GPU's benchmark may take before its worker is killed.
pub const TIME_LIMIT: Duration = Duration::from_secs(300);

/// Kills process `pid` unless `done` says it finished within `limit`; true if it killed it.
fn watchdog(pid: u32, limit: Duration, done: mpsc::Receiver<()>) -> std::thread::JoinHandle<bool> {
    std::thread::spawn(move || match done.recv_timeout(limit) {
        Err(mpsc::RecvTimeoutError::Timeout) => {
            if let Ok(pid) = i32::try_from(pid) {
                // SAFETY: signals the process group of our own child (it leads it), which
                // has not been reaped yet: the worker and anything it started.
                unsafe { libc::kill(-pid, libc::SIGKILL) };
            }
            true
        }
        _ => false,
    })
}

/// Runs `program args` with extra environment `env`, passing each progress line to
/// `on_progress` and returning the figures; killed after `limit`.
pub fn run(
    program: &Path,
    args: &[&str],
    env: &[(&str, &str)],
    limit: Duration,
    on_progress: &mut dyn FnMut(u32, &str),
) -> Result<Measured, WorkerError> {
    let mut child = Command::new(program)
        .process_group(0)
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(WorkerError::Spawn)?;
    let (finished, done) = mpsc::channel();
    let killer = watchdog(child.id(), limit, done);
    let stderr = child.stderr.take().map(|mut e| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = e.read_to_string(&mut text);
            text
        })
    });
    let mut outcome = None;
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            match Line::parse(&line) {
                Some(Line::Progress(step, label)) => on_progress(step, &label),
                Some(Line::Result(m)) => outcome = Some(Ok(m)),
                Some(Line::Error(e)) => outcome = Some(Err(WorkerError::Failed(e))),
                None => {}
            }
        }
    }
    let status = child.wait().map_err(WorkerError::Spawn)?;
    let _ = finished.send(());
    if killer.join().unwrap_or(false) {
        return Err(WorkerError::TimedOut(limit.as_secs()));
    }
    let stderr = stderr.and_then(|t| t.join().ok()).unwrap_or_default();
    match outcome {
        Some(result) if status.success() || matches!(result, Err(WorkerError::Failed(_))) => result,
        _ => {
            let tail: String = stderr.lines().rev().take(3).collect::<Vec<_>>().join(" | ");
            Err(WorkerError::Crashed {
                status: status.to_string(),
                stderr: if tail.is_empty() {
                    "(none)".into()
                } else {
                    tail
                },
            })
        }
    }
}

/// Benchmarks each of `gpus` in its own worker (`exe benchmark-worker`, pinned to the GPU by
/// UUID), with a progress bar on stderr unless `quiet`.
pub fn measure_all(
    exe: &Path,
    gpus: &[GpuInfo],
    quiet: bool,
) -> Vec<Result<Measured, WorkerError>> {
    let steps = u64::from(super::cuda::STEPS);
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(steps * gpus.len() as u64)
    };
    bar.set_style(
        ProgressStyle::with_template("{msg:32} [{bar:30}] {pos}/{len} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    // cuBLAS of whatever major version is installed, under the unversioned name the CUDA
    // bindings try first (CUDA 13 rigs often lack that development link).
    let links = std::env::temp_dir().join(format!("tessera-agent-{}", std::process::id()));
    let library_path = crate::gpu::libs::find_cublas(
        &crate::gpu::libs::ldconfig(),
        &crate::gpu::libs::search_dirs(),
    )
    .and_then(|cublas| crate::gpu::libs::cublas_link_dir(&links, &cublas).ok())
    .map(|dir| {
        let inherited = std::env::var("LD_LIBRARY_PATH").unwrap_or_default();
        format!("{}:{inherited}", dir.display())
    });
    let results = gpus
        .iter()
        .enumerate()
        .map(|(i, gpu)| {
            let base = steps * i as u64;
            let mut env = vec![("CUDA_VISIBLE_DEVICES", gpu.uuid.as_str())];
            if let Some(path) = &library_path {
                env.push(("LD_LIBRARY_PATH", path.as_str()));
            }
            let result = run(
                exe,
                &["benchmark-worker"],
                &env,
                TIME_LIMIT,
                &mut |step, label| {
                    bar.set_position(base + u64::from(step));
                    bar.set_message(format!("GPU {}: {label}", gpu.index));
                },
            );
            bar.set_position(base + steps);
            result
        })
        .collect();
    bar.finish_and_clear();
    let _ = std::fs::remove_dir_all(&links);
    results
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> (Result<Measured, WorkerError>, Vec<(u32, String)>) {
        let mut seen = Vec::new();
        let result = run(
            Path::new("sh"),
            &["-c", script],
            &[],
            TIME_LIMIT,
            &mut |step, label| seen.push((step, label.to_string())),
        );
        (result, seen)
    }

    fn figures() -> Measured {
        Measured {
            source: "cuda".into(),
            bf16_tflops: 700.5,
            fp16_tflops: 701.0,
            fp32_tflops: 50.25,
            mem_bw_gbps: 3_000.0,
        }
    }

    #[test]
    fn progress_and_figures_come_back_from_the_worker() {
        let script = format!(
            "echo '{}'; echo 'some library chatter'; echo '{}'; echo '{}'",
            Line::Progress(0, "bf16 GEMM".into()).render(),
            Line::Progress(1, "fp16 GEMM".into()).render(),
            Line::Result(figures()).render()
        );
        let (result, seen) = sh(&script);
        assert_eq!(result.unwrap(), figures());
        assert_eq!(seen, vec![(0, "bf16 GEMM".into()), (1, "fp16 GEMM".into())]);
    }

    #[test]
    fn a_crashing_worker_is_reported_and_the_caller_lives_on() {
        let (result, _) = sh("echo 'progress 0 bf16 GEMM'; echo 'Segmentation fault in libcublas' >&2; kill -SEGV $$");
        match result {
            Err(WorkerError::Crashed { status, stderr }) => {
                assert!(
                    status.contains("SIGSEGV") || status.contains("11"),
                    "{status}"
                );
                assert!(stderr.contains("libcublas"), "{stderr}");
            }
            other => panic!("{other:?}"),
        }
        // A result followed by a non-zero exit is not trusted either.
        let script = format!("echo '{}'; exit 3", Line::Result(figures()).render());
        assert!(matches!(sh(&script).0, Err(WorkerError::Crashed { .. })));
    }

    #[test]
    fn a_clean_failure_carries_its_message() {
        let (result, _) = sh("echo 'error loading libcublas: cuBLAS is not installed'; exit 1");
        match result {
            Err(WorkerError::Failed(m)) => assert!(m.contains("cuBLAS is not installed"), "{m}"),
            other => panic!("{other:?}"),
        }
    }
}

#[cfg(test)]
mod time_limit {
    use super::*;

    #[test]
    fn a_hung_worker_is_stopped_at_its_time_limit() {
        let started = std::time::Instant::now();
        let result = run(
            Path::new("sh"),
            &["-c", "echo 'progress 0 bf16 GEMM'; sleep 30"],
            &[],
            Duration::from_millis(500),
            &mut |_, _| {},
        );
        match result {
            Err(e @ WorkerError::TimedOut(_)) => assert!(e.to_string().contains("did not finish")),
            other => panic!("expected a time-out, got {other:?}"),
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "killed, not waited for"
        );
    }
}
