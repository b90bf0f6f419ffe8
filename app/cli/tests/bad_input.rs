//! The `tessera` binary given bad input, as a person would type it: every case exits with the
//! documented code and a message in words, before any network call where the input alone is
//! wrong; none panics or prints a backtrace, even with `RUST_BACKTRACE=1`. Cases that need a
//! chain run against the local JSON-RPC endpoint.
#![allow(deprecated)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use solana_sdk::pubkey::Pubkey;
use solana_sdk::signer::Signer;
use tessera_client::instructions as ix;
use tessera_client::Chain;
use tessera_localnet::LocalChain;
use tessera_localnet::{ClockMode, Endpoint, Options};

/// A closed loopback port: reaching the network at all would fail with "cannot reach".
const NOWHERE: &str = "http://127.0.0.1:9";

struct Files {
    dir: tempfile::TempDir,
    keypair: PathBuf,
}

impl Files {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let keypair = dir.path().join("id.json");
        tessera_client::keypair::write_new_keypair(&keypair).unwrap();
        Self { dir, keypair }
    }

    fn write(&self, name: &str, text: &str, mode: u32) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        path
    }
}

fn tessera(args: &[String], url: &str, keypair: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tessera"))
        .arg("-u")
        .arg(url)
        .arg("-k")
        .arg(keypair)
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .env("HOME", "/nonexistent-home")
        .output()
        .unwrap()
}

fn words(line: &str) -> Vec<String> {
    line.split_whitespace().map(str::to_string).collect()
}

/// Runs `args` and asserts the exit code and that the output says `says`.
#[track_caller]
fn check(out: &Output, args: &str, code: i32, says: &str) {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(code), "`{args}`:\n{text}");
    assert!(text.contains(says), "`{args}` should say `{says}`:\n{text}");
    for never in [
        "panicked",
        "stack backtrace",
        "AnchorError {",
        "InstructionError(",
    ] {
        assert!(!text.contains(never), "`{args}` printed `{never}`:\n{text}");
    }
}

#[test]
fn bad_arguments_are_refused_in_words_before_the_network() {
    let f = Files::new();
    let spec = f.write("bad-spec.json", r#"{"comand": ["x"]}"#, 0o644);
    let params = f.write("bad-params.toml", "protocol_fee = 1\n", 0o644);
    let open = f.write(
        "open.json",
        &std::fs::read_to_string(&f.keypair).unwrap(),
        0o644,
    );
    let (n, k) = (Pubkey::new_unique(), Pubkey::new_unique());
    let lease = format!("lease open --node {n} --gpus 1 --duration 1h");
    let bid = "bid post --id 1 --price 1 --gpus 1 --duration 1h".to_string();
    let hex = "ab".repeat(32);
    let cases: Vec<(String, i32, &str)> = vec![
        (format!("{lease} --job-hash {}", "é".repeat(64)), 2, "64 hex characters"),
        (format!("{lease} --job-hash +{}", &hex[1..]), 2, "64 hex characters"),
        (format!("{lease} --job-hash {}", &hex[1..]), 2, "got 63 characters"),
        (format!("{lease} --job-hash {hex} --job-spec x.json"), 2, "cannot be used with"),
        (format!("{lease} --job-spec /nonexistent/spec.json"), 1, "cannot read the job spec"),
        (format!("{lease} --job-spec {}", spec.display()), 1, "unknown field `comand`"),
        (lease.clone(), 1, "say what to run: --job-spec <file> (or --job-hash <hex>); --no-job"),
        (bid.clone(), 1, "say what to run: --job-spec <file>"),
        (format!("{lease} --no-job --job-hash {hex}"), 2, "cannot be used with"),
        (format!("lease open --node {n} --gpus 0 --duration 1h"), 2, "0 is not in 1.."),
        (format!("lease open --node {n} --gpus 70000 --duration 1h"), 2, "70000"),
        (format!("lease open --node {n} --gpus 1 --duration 2x"), 2, "unknown unit"),
        (format!("lease open --node {n} --gpus 1 --duration 99999999d"), 2, "too long"),
        (format!("lease open --node {n} --gpus 1 --duration 0"), 2, "longer than 0"),
        (format!("{lease} --max-price abc"), 2, "not an amount of tokens"),
        ("lease open --node nope --gpus 1 --duration 1h".into(), 2, "invalid value 'nope'"),
        (format!("lease top-up {n} 1..2"), 2, "not an amount of tokens"),
        (format!("pool deposit {k} 1.2.3"), 2, "not an amount of tokens"),
        (format!("pool deposit {k} -5"), 2, "`-5` is negative: amounts of tokens are 0 or more"),
        (format!("{lease} --no-job --max-price -1"), 2, "`-1` is negative"),
        ("market --min-free -1".into(), 2, "-1 is not in 0..=65535"),
        (format!("pool deposit {k} 1.0000000000000000001"), 2, "more than 18 decimal places"),
        ("pool deposit notakey 5".into(), 2, "invalid value 'notakey'"),
        (format!("{lease} --no-job --job-uri {}", "u".repeat(10_000)), 2, "'--job-uri <JOB_URI>': 10000 bytes is longer than the 200 bytes"),
        ("--json pool show notapubkey".into(), 2, "`notapubkey` is not a base-58 address"),
        (format!("pool redeem {k} 1e3"), 2, "not an amount of tokens"),
        ("pool create --id 1 --operator-fee-bps 20000 --credit-limit 0 --gpu-model H100 --gpus 8".into(), 2, "20000 is not in 0..=10000"),
        ("stake add abc".into(), 2, "not an amount of tokens"),
        (format!("{bid} --min-tflops=-5"), 2, "outside 0 ..= 100000"),
        (format!("{bid} --min-tflops NaN"), 2, "outside 0 ..= 100000"),
        (format!("{bid} --min-tflops 1e30"), 2, "outside 0 ..= 100000"),
        (format!("{bid} --min-tflops inf"), 2, "outside 0 ..= 100000"),
        (format!("{bid} --model {}", "x".repeat(33)), 2, "longer than 32 bytes"),
        ("protocol propose --protocol-fee-bps 10001".into(), 2, "10001 is not in 0..=10000"),
        ("protocol propose --unbonding 5x".into(), 2, "unknown unit"),
        (format!("protocol init --settlement-mint {n} --stake-mint {k} --params-file /nonexistent.toml"), 1, "cannot read /nonexistent.toml"),
        (format!("protocol init --settlement-mint {n} --stake-mint {k} --params-file {}", params.display()), 1, "unknown field `protocol_fee`"),
        (format!("node register --pool {n} --agent-key {k} --model H100 --gpus 8 --vram-mib 1 --price abc"), 2, "not an amount of tokens"),
        (format!("arbiter resolve {n} --refund x --slash 0 --slash-destination {k}"), 2, "not an amount of tokens"),
        ("job hash /nonexistent/spec.json".into(), 1, "cannot read the job spec"),
        (format!("job hash {}", spec.display()), 1, "line 1 column"),
        ("frobnicate".into(), 2, "unrecognized subcommand"),
    ];
    assert!(cases.len() >= 35);
    for (args, code, says) in &cases {
        check(
            &tessera(&words(args), NOWHERE, &f.keypair),
            args,
            *code,
            says,
        );
    }
    // Files and endpoints in words.
    check(
        &tessera(&words("pool list"), NOWHERE, &f.keypair),
        "pool list (closed port)",
        1,
        "cannot reach the Solana RPC node at http://127.0.0.1:9",
    );
    check(
        &tessera(&words("pool list"), "notaurl", &f.keypair),
        "pool list (not a URL)",
        1,
        "not a valid http(s) URL",
    );
    check(
        &tessera(
            &words("lease list"),
            NOWHERE,
            Path::new("/nonexistent/id.json"),
        ),
        "lease list (missing keypair)",
        1,
        "cannot read keypair file /nonexistent/id.json",
    );
    check(
        &tessera(&words("pool list"), NOWHERE, &open),
        "pool list (world-readable keypair)",
        1,
        "readable by every user",
    );
}

#[test]
fn json_errors_have_one_shape() {
    let f = Files::new();
    let run = |args: &str| tessera(&words(args), NOWHERE, &f.keypair);
    let parse = |out: &Output| -> serde_json::Value {
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
    };
    let out = run("--json pool deposit notakey 5");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(parse(&out)["error"]["kind"], "usage");
    let out = run("--json pool list");
    assert_eq!(out.status.code(), Some(1));
    let e = parse(&out);
    assert_eq!(e["error"]["kind"], "unreachable");
    assert!(e["error"]["message"]
        .as_str()
        .unwrap()
        .contains("cannot reach"));
    let out = run("--json job hash /nonexistent.json");
    assert_eq!(parse(&out)["error"]["kind"], "input");
    let spec = f.write(
        "spec.json",
        r#"{"command": ["python3", "train.py"]}"#,
        0o644,
    );
    let out = run(&format!("--json job hash {}", spec.display()));
    assert_eq!(out.status.code(), Some(0));
    let hash = parse(&out)["job_hash"].as_str().unwrap().to_string();
    let expected = tessera_client::job::JobSpec::load(&spec)
        .unwrap()
        .hash_hex();
    assert_eq!(hash, expected);
}

/// A local JSON-RPC chain with the protocol initialised by `authority` (whose keypair file is
/// returned), a pool, and a funded investor keypair file.
struct Chain2 {
    _chain: Arc<LocalChain>,
    node: Endpoint,
    files: Files,
    usd: Pubkey,
    tsr: Pubkey,
    pool: Pubkey,
    investor: PathBuf,
    broke: PathBuf,
}

async fn chain_with_protocol() -> Chain2 {
    let chain = Arc::new(LocalChain::start().await);
    let payer = chain.payer_keypair().insecure_clone();
    let files = Files::new();
    let authority = tessera_client::keypair::read_keypair(&files.keypair).unwrap();
    let fund = |to: Pubkey| {
        anchor_lang::solana_program::system_instruction::transfer(
            &payer.pubkey(),
            &to,
            10_000_000_000,
        )
    };
    chain.send(&[fund(authority.pubkey())], &[]).await.unwrap();
    let mut mints = Vec::new();
    for decimals in [6, 9] {
        let m = solana_sdk::signature::Keypair::new();
        let ixs = ix::create_mint(&payer.pubkey(), &m.pubkey(), &payer.pubkey(), decimals);
        chain.send(&ixs, &[&m]).await.unwrap();
        mints.push(m.pubkey());
    }
    let (usd, tsr) = (mints[0], mints[1]);
    let node = tessera_localnet::serve(chain.clone(), Options::ephemeral(ClockMode::Manual))
        .await
        .unwrap();
    let investor_path = files.dir.path().join("investor.json");
    let investor = tessera_client::keypair::write_new_keypair(&investor_path).unwrap();
    chain.send(&[fund(investor.pubkey())], &[]).await.unwrap();
    let ixs = ix::mint_to_owner(
        &payer.pubkey(),
        &usd,
        &payer.pubkey(),
        &investor.pubkey(),
        3_200_000,
    );
    chain.send(&ixs, &[]).await.unwrap();
    let broke = files.dir.path().join("broke.json");
    tessera_client::keypair::write_new_keypair(&broke).unwrap();
    let pool = ix::PoolKeys::derive(authority.pubkey(), 1).pool;
    Chain2 {
        _chain: chain,
        node,
        files,
        usd,
        tsr,
        pool,
        investor: investor_path,
        broke,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_by_the_chain_are_named() {
    let c = chain_with_protocol().await;
    let url = c.node.url.clone();
    let auth = c.files.keypair.clone();
    let run = |args: String, who: &Path| tessera(&words(&args), &url, who);
    let init = format!(
        "protocol init --settlement-mint {} --stake-mint {}",
        c.usd, c.tsr
    );
    let out = run(init.clone(), &auth);
    check(&out, &init, 0, "protocol initialised");
    check(
        &run(init.clone(), &auth),
        &init,
        1,
        "already initialised on this cluster",
    );
    let create =
        "pool create --id 1 --operator-fee-bps 1000 --credit-limit 0 --gpu-model H100 --gpus 8"
            .to_string();
    check(&run(create.clone(), &auth), &create, 0, "pool created");
    // The investor holds 3.2 USDC and tries to deposit 5.
    let deposit = format!("pool deposit {} 5", c.pool);
    check(
        &run(deposit.clone(), &c.investor),
        &deposit,
        1,
        "you hold 3.2 settlement tokens, this needs 5",
    );
    let deposit = format!("pool deposit {} 1.0000001", c.pool);
    check(
        &run(deposit.clone(), &c.investor),
        &deposit,
        1,
        "more than 6 decimal places",
    );
    // A wallet with no SOL at all.
    let create =
        "pool create --id 2 --operator-fee-bps 0 --credit-limit 0 --gpu-model H100 --gpus 1"
            .to_string();
    check(&run(create.clone(), &c.broke), &create, 1, "has no SOL on");
    // A program refusal by name: redeeming with an unreachable minimum.
    let deposit = format!("pool deposit {} 1", c.pool);
    check(&run(deposit.clone(), &c.investor), &deposit, 0, "deposited");
    let redeem = format!("pool redeem {} 0.5 --min-assets 1", c.pool);
    check(
        &run(redeem.clone(), &c.investor),
        &redeem,
        1,
        "Tessera refused (SlippageAssets)",
    );
    // An account of the wrong type.
    let show = format!("pool show {}", c.usd);
    check(&run(show.clone(), &auth), &show, 1, "is not a Pool");
    // Reading public state needs no keypair file; signing does, and says which file.
    let missing = c.files.dir.path().join("none.json");
    check(&run("pool list".into(), &missing), "pool list", 0, "H100");
    let statement = format!("lease statement {}", c.usd);
    check(
        &run(statement.clone(), &missing),
        &statement,
        1,
        "has no lease history",
    );
    check(
        &run("lease list".into(), &missing),
        "lease list",
        1,
        "cannot read keypair file",
    );
    // A wrong indexer is named with what is wrong with it.
    for (indexer, says) in [
        ("notaurl", "not an http(s) URL"),
        ("http://127.0.0.1:9", "cannot reach it"),
        (url.as_str(), "is it a Tessera indexer's read API?"),
    ] {
        let statement = format!("--indexer {indexer} lease statement {}", c.usd);
        check(&run(statement.clone(), &missing), &statement, 1, says);
    }
}

#[test]
fn demo_without_the_local_network_installed_says_how_to_get_it() {
    // A copy of the binary alone in a directory, with nothing on PATH.
    let dir = tempfile::tempdir().unwrap();
    let lonely = dir.path().join("tessera");
    std::fs::copy(env!("CARGO_BIN_EXE_tessera"), &lonely).unwrap();
    // Another test's fork may briefly hold the copy's write descriptor (ETXTBSY): try again.
    let out = (0..50)
        .find_map(|_| {
            match Command::new(&lonely)
                .arg("demo")
                .env("PATH", dir.path().join("empty"))
                .output()
            {
                Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    None
                }
                other => Some(other.unwrap()),
            }
        })
        .expect("the copied binary could be run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("cargo run -p tessera-localnet -- demo"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}
