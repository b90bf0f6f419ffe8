//! The provider path of docs/agent.md, run verbatim: the shell block under "## Setup" runs
//! line by line through `sh` against a local JSON-RPC chain (with `--simulated 4` added to
//! `init`, as the doc says to without a GPU; the `solana transfer` line is done through the
//! SDK, since the Solana CLI is not installed here).

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use solana_sdk::signer::Signer;
use tessera_client::chain::fetch;
use tessera_client::Chain;
use tessera_localnet::{ClockMode, Options};

/// The shell lines of the first ```sh block after `## Setup` in docs/agent.md.
fn documented_setup() -> Vec<String> {
    let doc = include_str!("../../docs/agent.md");
    let setup = &doc[doc.find("## Setup").expect("a Setup section")..];
    let block = &setup[setup.find("```sh\n").expect("a sh block") + 6..];
    block[..block.find("```").expect("the block ends")]
        .lines()
        .map(str::to_string)
        .collect()
}

fn sh(line: &str, home: &Path, rpc: &str, pool: &str) -> Command {
    let bin = Path::new(env!("CARGO_BIN_EXE_tessera-agent"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut c = Command::new("sh");
    c.args(["-c", line])
        .env("HOME", home)
        .env("PATH", path)
        .env("RPC_URL", rpc)
        .env("POOL", pool)
        .env("RUST_BACKTRACE", "1");
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_documented_provider_path_runs_verbatim() {
    let w = support::world().await;
    let (provider, pool) = w.provider_with_pool(3).await;
    let rpc = tessera_localnet::serve(w.chain.clone(), Options::ephemeral(ClockMode::Running(1)))
        .await
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    let wallet = home.path().join(".config/solana/id.json");
    std::fs::create_dir_all(wallet.parent().unwrap()).unwrap();
    std::fs::write(
        &wallet,
        serde_json::to_string(&provider.to_bytes().to_vec()).unwrap(),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&wallet, std::fs::Permissions::from_mode(0o600)).unwrap();

    let lines = documented_setup();
    assert_eq!(lines.len(), 5, "{lines:?}");
    let pool = pool.pool.to_string();
    let mut daemon = None;
    for line in &lines {
        let line = if line.starts_with("tessera-agent init ") {
            format!("{line} --simulated 4")
        } else {
            line.clone()
        };
        if line.starts_with("solana transfer") {
            let key =
                tessera_client::keypair::read_keypair(&home.path().join("tessera/agent.json"))
                    .expect("init created the agent key");
            let payer = w.chain.payer_keypair().insecure_clone();
            let t = anchor_lang::solana_program::system_instruction::transfer(
                &payer.pubkey(),
                &key.pubkey(),
                100_000_000,
            );
            w.chain.send(&[t], &[]).await.unwrap();
        } else if let Some(background) = line.strip_suffix(" &") {
            let child = sh(&format!("exec {background}"), home.path(), &rpc.url, &pool)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            daemon = Some(child);
        } else {
            let out = sh(&line, home.path(), &rpc.url, &pool).output().unwrap();
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(out.status.success(), "`{line}` failed:\n{text}");
            assert!(
                !text.contains("panicked") && !text.contains("stack backtrace"),
                "{text}"
            );
            if line.starts_with("tessera-agent init") {
                assert!(text.contains("next:"), "{text}");
            }
            if line.starts_with("tessera-agent status") {
                assert!(
                    text.contains("4/4 GPUs free, 2 tUSD (local) per GPU-hour")
                        || text.contains("4/4 GPUs free, 2 tokens of "),
                    "{text}"
                );
            }
        }
    }

    // The config now names the node register created, with the rig's four GPUs at 2 tokens.
    let config = home.path().join("tessera/agent.toml");
    let cfg = tessera_agent::config::AgentConfig::load(&config).unwrap();
    let node: tessera::state::Node = fetch(&*w.chain, &cfg.node_pubkey().unwrap()).await.unwrap();
    assert_eq!(
        (node.spec.gpu_count, node.spec.price_per_gpu_hour),
        (4, 2 * support::UNIT)
    );
    // The same status as JSON.
    let out = sh(
        "tessera-agent status --config ~/tessera/agent.toml --json",
        home.path(),
        &rpc.url,
        &pool,
    )
    .output()
    .unwrap();
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (
            &status["gpus"],
            &status["price_per_gpu_hour"],
            &status["agent_key_matches"]
        ),
        (
            &serde_json::json!(4),
            &serde_json::json!("2"),
            &serde_json::json!(true)
        )
    );
    // The daemon is serving: its metrics answer, then it stops on SIGTERM.
    let mut daemon = daemon.expect("the run line");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect("127.0.0.1:9464").is_err() {
        assert!(daemon.try_wait().unwrap().is_none(), "the daemon exited");
        assert!(Instant::now() < deadline, "no metrics endpoint");
        std::thread::sleep(Duration::from_millis(100));
    }
    // SAFETY: signals our own child.
    unsafe { libc::kill(daemon.id() as i32, libc::SIGTERM) };
    assert!(daemon.wait().unwrap().success());
}
