//! Image jobs through podman on this machine (real podman and runc, with a busybox image made
//! from the host's static busybox by `podman import`; no registry). Without podman these tests
//! say so and pass, unless `TESSERA_REQUIRE_PODMAN=1` (set by `.ci/run`, which installs it).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use tessera_agent::attribution::belongs;
use tessera_agent::runner::container::{ContainerEngine, Engine};
use tessera_agent::runner::{start, JobEnv, JobPlace, JobSpec, Limits, Outcome};

const IMAGE: &str = "localhost/tessera-test-busybox:1";

/// Podman, with the test image imported; `None` (said aloud) where podman is missing.
async fn podman() -> Option<ContainerEngine> {
    let Some(engine) = ContainerEngine::probe("podman").await else {
        assert!(
            std::env::var("TESSERA_REQUIRE_PODMAN").is_err(),
            "TESSERA_REQUIRE_PODMAN is set but podman does not answer"
        );
        eprintln!("container runtime NOT tested: podman is not installed");
        return None;
    };
    let exists = Command::new("podman")
        .args(["image", "exists", IMAGE])
        .status()
        .is_ok_and(|s| s.success());
    if !exists {
        let root = tempfile::tempdir().unwrap();
        for d in ["bin", "proc", "sys", "dev", "tmp", "etc"] {
            std::fs::create_dir(root.path().join(d)).unwrap();
        }
        std::fs::copy("/bin/busybox", root.path().join("bin/busybox"))
            .expect("/bin/busybox (Debian busybox-static) is needed to build the test image");
        for tool in ["sh", "cat", "dd", "sleep", "echo"] {
            std::os::unix::fs::symlink("busybox", root.path().join("bin").join(tool)).unwrap();
        }
        let tar = root.path().join("rootfs.tar");
        let ok = Command::new("tar")
            .args(["-C"])
            .arg(root.path())
            .args(["-cf"])
            .arg(&tar)
            .args(["bin", "proc", "sys", "dev", "tmp", "etc"])
            .status()
            .unwrap()
            .success()
            && Command::new("podman")
                .args(["import"])
                .arg(&tar)
                .arg(IMAGE)
                .status()
                .unwrap()
                .success();
        assert!(ok, "cannot build the test image");
    }
    Some(engine)
}

fn spec(cmd: &str) -> JobSpec {
    JobSpec {
        image: Some(IMAGE.into()),
        command: vec!["sh".into(), "-c".into(), cmd.into()],
        env: BTreeMap::from([("GREETING".into(), "hello".into())]),
        memory_mib: None,
        max_pids: None,
        cpu_millis: None,
        max_secs: None,
        network: false,
    }
}

/// Names of this test process's containers still known to podman.
fn leftovers() -> String {
    let out = Command::new("podman")
        .args(["ps", "-a", "--format", "{{.Names}}"])
        .output()
        .unwrap();
    let mine = format!("tessera-job-{}-", std::process::id());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|n| n.starts_with(&mine))
        .collect::<Vec<_>>()
        .join(",")
}

#[tokio::test]
async fn podman_runs_image_jobs_with_limits_isolation_and_gpu_pinning() {
    let Some(engine) = podman().await else { return };
    assert_eq!(engine.engine, Engine::Podman);
    let dir = tempfile::tempdir().unwrap();
    // No GPUs here: `--device nvidia.com/gpu=…` needs the NVIDIA CDI spec, so GPU arguments are
    // checked in `engine_arguments_carry_every_limit_and_the_leased_gpus`.
    // Exit code, logs and environment; only loopback without network permission.
    let job = start(
        &engine,
        &spec("echo $GREETING on $CUDA_VISIBLE_DEVICES; cat /proc/net/dev >&2; exit 3"),
        &[],
        &place(dir.path()),
        1 << 20,
    )
    .await
    .unwrap();
    let (out, err) = (job.stdout_path.clone(), job.stderr_path.clone());
    assert_eq!(
        job.wait(Duration::from_secs(60)).await.unwrap(),
        Outcome::Exited(3)
    );
    assert_eq!(std::fs::read_to_string(out).unwrap(), "hello on\n");
    let ifaces: Vec<String> = std::fs::read_to_string(err)
        .unwrap()
        .lines()
        .skip(2)
        .filter_map(|l| Some(l.split(':').next()?.trim().to_string()))
        .collect();
    assert_eq!(ifaces, vec!["lo"]);

    // Over its memory: the kernel kills it, and the outcome says SIGKILL.
    let mut s = spec("echo start; exec dd if=/dev/zero of=/dev/null bs=256M count=1");
    s.memory_mib = Some(64);
    let job = start(&engine, &s, &[], &place(dir.path()), 1 << 20)
        .await
        .unwrap();
    assert_eq!(job.limits, Limits::Cgroup);
    let out = job.stdout_path.clone();
    assert_eq!(
        job.wait(Duration::from_secs(60)).await.unwrap(),
        Outcome::Signalled(libc::SIGKILL)
    );
    assert_eq!(std::fs::read_to_string(out).unwrap(), "start\n");

    // A CPU quota throttles it; its processes are found by the tag; the wall-clock limit
    // removes the container.
    let mut s = spec("while :; do :; done");
    s.cpu_millis = Some(100);
    let mut job = start(&engine, &s, &[], &place(dir.path()), 1 << 20)
        .await
        .unwrap();
    let mut found = Vec::new();
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        found = pids_of(&job.tag());
        if !found.is_empty() && job.cpu_throttled_periods().unwrap_or(0) > 0 {
            break;
        }
    }
    assert!(
        !found.is_empty(),
        "no host process maps to the container's tag"
    );
    assert!(job.cpu_throttled_periods().unwrap_or(0) > 0);
    job.kill().await.unwrap();
    assert_eq!(leftovers(), "", "the stopped container was not removed");
}

/// Host pids whose cgroup or session matches `tag`.
fn pids_of(tag: &tessera_agent::attribution::JobTag) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| belongs(Path::new("/proc"), *pid, tag))
        .collect()
}

#[test]
fn engine_arguments_carry_every_limit_and_the_leased_gpus() {
    let mut s = spec("true");
    s.memory_mib = Some(512);
    s.max_pids = Some(64);
    s.cpu_millis = Some(1_500);
    s.network = true;
    let gpus = ["GPU-A".to_string(), "GPU-B".to_string()];
    let podman = ContainerEngine {
        engine: Engine::Podman,
        oci_runtime: Some("runc".into()),
    };
    let args = podman
        .run_args(&s, IMAGE, "tessera-job-1-2", &gpus)
        .join(" ");
    for part in [
        "--cgroup-parent /tessera-job-1-2",
        "--runtime runc",
        "--network host",
        "--memory 512m --memory-swap 512m",
        "--pids-limit 64",
        "--cpus 1.500",
        "--device nvidia.com/gpu=GPU-A --device nvidia.com/gpu=GPU-B",
        "-e CUDA_VISIBLE_DEVICES=GPU-A,GPU-B",
        "-e GREETING=hello",
    ] {
        assert!(args.contains(part), "{part} missing from {args}");
    }
    assert!(args.ends_with(&format!("{IMAGE} sh -c true")), "{args}");
    let docker = ContainerEngine {
        engine: Engine::Docker,
        oci_runtime: None,
    };
    let args = docker.run_args(&spec("true"), IMAGE, "n", &gpus).join(" ");
    assert!(args.contains("--gpus \"device=GPU-A,GPU-B\" "), "{args}");
    assert!(args.contains("--network none"), "{args}");
    assert!(!args.contains("--memory"), "{args}");
}

#[tokio::test]
async fn docker_is_used_only_when_its_daemon_answers() {
    // The docker CLI here has no daemon: the engine must not be offered.
    let daemon = Command::new("docker")
        .arg("info")
        .output()
        .is_ok_and(|o| o.status.success());
    assert_eq!(ContainerEngine::probe("docker").await.is_some(), daemon);
    assert_eq!(ContainerEngine::probe("lxc").await, None);
}

/// A job place in `dir`.
fn place(dir: &std::path::Path) -> JobPlace {
    JobPlace::new(dir, &JobEnv::default()).unwrap()
}
