//! `tessera`: parses arguments and runs the command against the configured cluster.

use anyhow::Result;
use clap::Parser;
use tessera_cli::{config, run, Cli};
use tessera_client::rpc::RpcChain;

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    #[cfg(feature = "demo")]
    match cli.command {
        tessera_cli::Command::BenchmarkWorker => {
            std::process::exit(tessera_agent::benchmark::worker::serve())
        }
        tessera_cli::Command::Demo => {
            // The demo brings its own chain: no config, keypair or cluster needed. The
            // in-process validator logs every instruction at debug level unless told otherwise.
            if std::env::var_os("RUST_LOG").is_none() {
                std::env::set_var("RUST_LOG", "error");
            }
            if cli.json {
                let report = tessera_cli::demo::run(&mut std::io::sink()).await?;
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                tessera_cli::demo::run(&mut std::io::stdout()).await?;
            }
            return Ok(());
        }
        _ => {}
    }
    let settings = config::load(
        cli.config.as_deref(),
        cli.url.as_deref(),
        cli.keypair.as_deref(),
    )?;
    let signer = config::read_keypair(&settings.keypair_path)?;
    let chain = RpcChain::new(&settings.url, signer.insecure_clone());
    chain.check_program().await?;
    let report = run(cli.command, &chain, &signer).await?;
    println!(
        "{}",
        if cli.json {
            serde_json::to_string_pretty(&report.json)?
        } else {
            report.human
        }
    );
    Ok(())
}
