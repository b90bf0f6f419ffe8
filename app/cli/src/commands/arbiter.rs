//! `tessera arbiter resolve|jail|reinstate`.

use anyhow::Result;
use clap::Subcommand;
use solana_sdk::pubkey::Pubkey;
use tessera::state::{Lease, ProviderStatus};
use tessera_client::{instructions as ix, pda};

use crate::output::Report;
use crate::session::{ata, Session};
use crate::units::parse_amount;

/// Arbiter commands.
#[derive(Debug, Subcommand)]
pub enum ArbiterCmd {
    /// Resolve a disputed charge: refund part, settle the rest, optionally slash and end the lease.
    Resolve {
        /// Lease address.
        #[arg(value_parser = crate::units::pubkey_arg)]
        lease: Pubkey,
        /// Refund to the lease's escrow, settlement tokens.
        #[arg(long, default_value = "0", value_parser = crate::units::amount_arg, allow_negative_numbers = true)]
        refund: String,
        /// Stake to slash, protocol tokens (capped by the protocol's limit).
        #[arg(long, default_value = "0", value_parser = crate::units::amount_arg, allow_negative_numbers = true)]
        slash: String,
        /// Stake-mint account of the treasury's owner receiving the slash [default: the
        /// treasury owner's associated account, created if missing].
        #[arg(long, value_parser = crate::units::pubkey_arg)]
        slash_destination: Option<Pubkey>,
        /// End the lease now.
        #[arg(long)]
        terminate: bool,
    },
    /// Suspend a provider (no new leases).
    Jail {
        /// Provider wallet.
        #[arg(value_parser = crate::units::pubkey_arg)]
        authority: Pubkey,
    },
    /// Reinstate a provider.
    Reinstate {
        /// Provider wallet.
        #[arg(value_parser = crate::units::pubkey_arg)]
        authority: Pubkey,
    },
}

/// Runs an arbiter command.
pub async fn run(cmd: ArbiterCmd, s: &Session<'_>) -> Result<Report> {
    let protocol = s.protocol().await?;
    match cmd {
        ArbiterCmd::Resolve {
            lease,
            refund,
            slash,
            slash_destination,
            terminate,
        } => {
            let l: Lease = s.get(&lease, "lease").await?;
            let (keys, _) = s.node(&l.node).await?;
            let (pool, _) = s.pool(&l.pool).await?;
            let sd = s.decimals(&protocol.stake_mint).await?;
            let args = tessera::ResolveDisputeArgs {
                refund: parse_amount(&refund, protocol.settlement_decimals, "--refund")?,
                slash: parse_amount(&slash, sd, "--slash")?,
                terminate,
            };
            let mut ixs = Vec::new();
            let slash_destination = match slash_destination {
                Some(account) => account,
                None => {
                    let treasury: anchor_spl::token::TokenAccount =
                        s.get(&protocol.treasury, "treasury").await?;
                    let (account, create) = ata(&s.me(), &treasury.owner, &protocol.stake_mint);
                    ixs.push(create);
                    account
                }
            };
            ixs.push(ix::resolve_dispute(
                s.me(),
                &keys,
                &pool,
                lease,
                protocol.treasury,
                slash_destination,
                args,
            ));
            let sig = s.send(&ixs).await?;
            Ok(Report::done("dispute resolved", &sig, &[]))
        }
        ArbiterCmd::Jail { authority } | ArbiterCmd::Reinstate { authority } => {
            let jail = matches!(cmd, ArbiterCmd::Jail { .. });
            let status = if jail {
                ProviderStatus::Jailed
            } else {
                ProviderStatus::Active
            };
            let provider = pda::find_provider_address(&authority).0;
            let sig = s
                .send(&[ix::set_provider_status(s.me(), provider, status)])
                .await?;
            Ok(Report::done(
                if jail {
                    "provider jailed"
                } else {
                    "provider reinstated"
                },
                &sig,
                &[],
            ))
        }
    }
}
