//! `tessera stake add|unstake|withdraw|claim|show`.

use anyhow::Result;
use clap::Subcommand;
use tessera::state::{StakePool, StakePosition};
use tessera_client::{instructions as ix, pda};

use crate::output::{when, Report};
use crate::session::Session;
use crate::units::parse_amount;

/// Staking commands.
#[derive(Debug, Subcommand)]
pub enum StakeCmd {
    /// Stake protocol tokens.
    Add {
        /// Amount, protocol tokens.
        #[arg(value_parser = crate::units::amount_arg, allow_negative_numbers = true)]
        amount: String,
    },
    /// Start unbonding part of your stake.
    Unstake {
        /// Amount, protocol tokens.
        #[arg(value_parser = crate::units::amount_arg, allow_negative_numbers = true)]
        amount: String,
    },
    /// Withdraw stake whose unbonding has ended.
    Withdraw,
    /// Claim settlement-token rewards.
    Claim,
    /// Show your position.
    Show,
}

/// Runs a staking command.
pub async fn run(cmd: StakeCmd, s: &Session<'_>) -> Result<Report> {
    let protocol = s.protocol().await?;
    let sd = s.decimals(&protocol.stake_mint).await?;
    let stake = s.money(&protocol.stake_mint, sd).await?;
    let money = s
        .money(&protocol.settlement_mint, protocol.settlement_decimals)
        .await?;
    let (stake_acc, create_stake_acc) = s.my_ata(&protocol.stake_mint);
    match cmd {
        StakeCmd::Add { amount } => {
            let n = parse_amount(&amount, sd, "amount")?;
            s.require_tokens(&stake_acc, n, sd, "protocol tokens")
                .await?;
            let sig = s.send(&[ix::stake(s.me(), stake_acc, n)]).await?;
            Ok(Report::done("staked", &sig, &[]))
        }
        StakeCmd::Unstake { amount } => {
            let n = parse_amount(&amount, sd, "amount")?;
            let sig = s.send(&[ix::begin_unstake(s.me(), n)]).await?;
            Ok(Report::done("unbonding", &sig, &[]))
        }
        StakeCmd::Withdraw => {
            let sig = s
                .send(&[create_stake_acc, ix::withdraw_stake(s.me(), stake_acc)])
                .await?;
            Ok(Report::done("withdrawn", &sig, &[]))
        }
        StakeCmd::Claim => {
            let (usd, create_usd) = s.my_ata(&protocol.settlement_mint);
            let sig = s
                .send(&[create_usd, ix::claim_stake_rewards(s.me(), usd)])
                .await?;
            let got = tessera_client::chain::token_balance(s.chain, &usd).await?;
            Ok(Report::done(
                "rewards claimed",
                &sig,
                &[("settlement_balance", money.fmt(got))],
            ))
        }
        StakeCmd::Show => {
            let now = s.chain.unix_timestamp().await?;
            let address = pda::find_stake_position_address(&s.me()).0;
            let pos: StakePosition = s.get(&address, "stake position (stake first)").await?;
            let pool: StakePool = s
                .get(&pda::find_stake_pool_address().0, "stake pool")
                .await?;
            let mut preview = pos.clone();
            preview
                .settle_rewards(pool.acc_reward_per_share)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            Ok(Report::fields(&[
                ("active", stake.fmt(pos.amount)),
                ("locked_as_collateral", stake.fmt(pos.locked_amount)),
                ("unbonding", stake.fmt(pos.unbonding_amount)),
                ("unbonding_ends_at", when(pos.unbonding_ends_at, now)),
                ("claimable_rewards", money.fmt(preview.unclaimed_rewards)),
                ("slashed_total", stake.fmt(pos.slashed_total)),
            ]))
        }
    }
}
