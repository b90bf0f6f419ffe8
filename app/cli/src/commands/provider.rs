//! `tessera provider register|show`.

use anyhow::{bail, Result};
use clap::Subcommand;
use solana_sdk::pubkey::Pubkey;
use tessera::state::Provider;
use tessera_client::{instructions as ix, pda};

use crate::output::Report;
use crate::session::Session;
use crate::units::format_amount;

/// Provider commands.
#[derive(Debug, Subcommand)]
pub enum ProviderCmd {
    /// Register as a provider (needs the minimum stake).
    Register,
    /// Show a provider's standing and reputation (default: yours).
    Show {
        /// Provider wallet.
        #[arg(value_parser = crate::units::pubkey_arg)]
        authority: Option<Pubkey>,
    },
}

/// Runs a provider command.
pub async fn run(cmd: ProviderCmd, s: &Session<'_>) -> Result<Report> {
    match cmd {
        ProviderCmd::Register => {
            let protocol = s.protocol().await?;
            let sd = s.decimals(&protocol.stake_mint).await?;
            let stake = s.money(&protocol.stake_mint, sd).await?;
            let min = format_amount(protocol.params.min_provider_stake, sd);
            let position = pda::find_stake_position_address(&s.me()).0;
            if s.chain.account(&position).await?.is_none() {
                bail!(
                    "you have no stake: run `tessera stake add {min}` first (providers need {} staked)",
                    stake.fmt(protocol.params.min_provider_stake)
                );
            }
            let pos: tessera::state::StakePosition = s.get(&position, "stake position").await?;
            if pos.amount < protocol.params.min_provider_stake {
                bail!(
                    "providers need {} staked; you have {}",
                    stake.fmt(protocol.params.min_provider_stake),
                    stake.fmt(pos.amount)
                );
            }
            let sig = s.send(&[ix::register_provider(s.me())]).await?;
            Ok(Report::done(
                "provider registered",
                &sig,
                &[(
                    "provider",
                    pda::find_provider_address(&s.me()).0.to_string(),
                )],
            ))
        }
        ProviderCmd::Show { authority } => {
            let authority = authority.unwrap_or(s.me());
            let address = pda::find_provider_address(&authority).0;
            let p: Provider = s.get(&address, "provider (register first)").await?;
            let protocol = s.protocol().await?;
            let sd = s.decimals(&protocol.stake_mint).await?;
            Ok(Report::fields(&[
                ("provider", address.to_string()),
                ("authority", p.authority.to_string()),
                ("status", format!("{:?}", p.status)),
                ("nodes", p.node_count.to_string()),
                ("active_leases", p.active_leases.to_string()),
                ("receipts_settled", p.receipts_settled.to_string()),
                (
                    "gpu_hours_served",
                    format!("{:.2}", p.gpu_seconds_served as f64 / 3_600.0),
                ),
                ("leases_completed", p.leases_completed.to_string()),
                ("disputes_lost", p.disputes_lost.to_string()),
                (
                    "slashed_total",
                    s.money(&protocol.stake_mint, sd)
                        .await?
                        .fmt(p.slashed_total),
                ),
            ]))
        }
    }
}
