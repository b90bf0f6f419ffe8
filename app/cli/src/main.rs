//! `tessera`: parses arguments and runs the command against the configured cluster. Every
//! failure is reported in words (`error: …` on stderr, or `{"error": …}` on stdout under
//! `--json`) with exit code 1, or 2 for a malformed command line; never a panic or backtrace.

use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;
use tessera_cli::{config, output, run, Cli};
use tessera_client::rpc::RpcChain;

#[tokio::main]
async fn main() -> ExitCode {
    let json = std::env::args().any(|a| a == "--json");
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return output::usage_error(e, json),
    };
    match execute(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => output::report_error(&e, json),
    }
}

async fn execute(cli: Cli) -> Result<()> {
    if let tessera_cli::Command::Demo = cli.command {
        // The demo brings its own chain, in the local network's binary.
        return demo(cli.json);
    }
    tessera_cli::preflight(&cli.command)?;
    if let tessera_cli::Command::Job(c) = &cli.command {
        // Offline: no config, keypair or cluster.
        return print(tessera_cli::commands::job::run(c)?, cli.json);
    }
    let settings = config::load(
        cli.config.as_deref(),
        cli.url.as_deref(),
        cli.keypair.as_deref(),
    )?;
    let signer = match config::read_keypair(&settings.keypair_path) {
        Ok(signer) => signer,
        // Nothing is signed: a throwaway key stands in for a keypair file that does not exist
        // (one that exists but is unsafe or malformed is still reported).
        Err(_) if cli.command.reads_public_state() && !settings.keypair_path.exists() => {
            solana_sdk::signature::Keypair::new()
        }
        Err(e) => return Err(e),
    };
    let chain = RpcChain::new(&settings.url, signer.insecure_clone());
    let json = cli.json;
    let work = async {
        chain.check_program().await?;
        run(cli.command, &chain, &signer, cli.indexer.as_deref()).await
    };
    let report = with_spinner(&settings.url, work).await?;
    print(report, json)
}

/// Runs `tessera-localnet demo` (beside this binary, else on `PATH`) and exits as it does.
fn demo(json: bool) -> Result<()> {
    let beside = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.join("tessera-localnet")))
        .filter(|path| path.is_file());
    let program = beside.unwrap_or_else(|| "tessera-localnet".into());
    let mut command = std::process::Command::new(&program);
    command.arg("demo");
    if json {
        command.arg("--json");
    }
    match command.status() {
        Ok(status) => std::process::exit(status.code().unwrap_or(1)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => anyhow::bail!(
            "the demo runs on the local network, which is not installed: run `cargo run -p tessera-localnet -- demo` in the repository, or install it with `cargo install --path app/localnet`"
        ),
        Err(e) => anyhow::bail!("cannot start {}: {e}", program.display()),
    }
}

/// Runs `work`; if it takes more than 2 s and stderr is a terminal, shows a spinner naming the
/// cluster until it ends (a silent node is then visibly being waited for; requests time out
/// after 10 s each).
async fn with_spinner<T>(url: &str, work: impl std::future::Future<Output = T>) -> T {
    if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        return work.await;
    }
    tokio::pin!(work);
    tokio::select! {
        done = &mut work => return done,
        _ = tokio::time::sleep(std::time::Duration::from_secs(2)) => {}
    }
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.set_message(format!("waiting for {url} …"));
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    let done = work.await;
    spinner.finish_and_clear();
    done
}

fn print(report: tessera_cli::Report, json: bool) -> Result<()> {
    println!(
        "{}",
        if json {
            serde_json::to_string_pretty(&report.json)?
        } else {
            report.human
        }
    );
    Ok(())
}
