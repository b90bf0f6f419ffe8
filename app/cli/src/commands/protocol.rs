//! `tessera protocol init|show|propose|apply|cancel|pause|resume|transfer-authority|accept-authority`.

use anyhow::Result;
use clap::{Args, Subcommand};
use solana_sdk::pubkey::Pubkey;
use tessera::math::Bps;
use tessera::state::ProtocolParams;
use tessera_client::instructions as ix;

use crate::output::{BadInput, Report};
use crate::session::Session;
use crate::units::{format_amount, parse_amount, parse_duration};

/// Protocol commands.
#[derive(Debug, Subcommand)]
pub enum ProtocolCmd {
    /// Initialise the protocol (once per deployment); the signer becomes the authority.
    Init {
        /// Settlement stablecoin mint (USDC on devnet/mainnet).
        #[arg(long, value_parser = crate::units::pubkey_arg)]
        settlement_mint: Pubkey,
        /// Protocol-token mint (stake and collateral).
        #[arg(long, value_parser = crate::units::pubkey_arg)]
        stake_mint: Pubkey,
        /// Treasury settlement-token account (default: the signer's associated account).
        #[arg(long, value_parser = crate::units::pubkey_arg)]
        treasury: Option<Pubkey>,
        /// Arbiter (default: the signer).
        #[arg(long, value_parser = crate::units::pubkey_arg)]
        arbiter: Option<Pubkey>,
        /// TOML file of parameters (same names as the flags, with underscores); flags override it.
        #[arg(long)]
        params_file: Option<std::path::PathBuf>,
        /// Parameters (defaults shown in `--help` of `protocol propose`).
        #[command(flatten)]
        params: ParamArgs,
    },
    /// Show mints, roles, parameters and the pause switch.
    Show,
    /// Propose new parameters, treasury or arbiter (authority); they apply after the notice
    /// period (`params_notice`), replacing any earlier proposal.
    Propose {
        /// New parameters (unset ones keep their value).
        #[command(flatten)]
        params: ParamArgs,
        /// New treasury settlement-token account.
        #[arg(long, value_parser = crate::units::pubkey_arg)]
        treasury: Option<Pubkey>,
        /// New arbiter.
        #[arg(long, value_parser = crate::units::pubkey_arg)]
        arbiter: Option<Pubkey>,
    },
    /// Apply the pending proposal once its notice period is over (anyone may).
    Apply,
    /// Withdraw the pending proposal (authority).
    Cancel,
    /// Pause new deposits, stakes, leases and bids at once (authority); exits keep working.
    Pause,
    /// Resume after a pause (authority).
    Resume,
    /// Propose a new authority (it must accept).
    TransferAuthority {
        /// The proposed authority.
        #[arg(value_parser = crate::units::pubkey_arg)]
        new_authority: Pubkey,
    },
    /// Accept a proposed authority transfer (signed by the new authority).
    AcceptAuthority,
}

/// Protocol parameters as flags (or a TOML file), in human units.
#[derive(Debug, Args, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamArgs {
    /// Protocol fee in basis points (≤ 2000; default 500).
    #[arg(long, value_parser = clap::value_parser!(u16).range(0..=10_000))]
    pub protocol_fee_bps: Option<u16>,
    /// Stakers' share of protocol fees, basis points (default 5000).
    #[arg(long, value_parser = clap::value_parser!(u16).range(0..=10_000))]
    pub staker_share_bps: Option<u16>,
    /// Provider minimum stake, protocol tokens (default 1000).
    #[arg(long, value_parser = crate::units::amount_arg, allow_negative_numbers = true)]
    pub min_provider_stake: Option<String>,
    /// Unbonding period (default 7d).
    #[arg(long, value_parser = crate::units::duration_arg)]
    pub unbonding: Option<String>,
    /// Dispute window (default 1h).
    #[arg(long, value_parser = crate::units::duration_arg)]
    pub dispute_window: Option<String>,
    /// Largest slash per dispute, basis points of the stake (≤ 5000; default 1000).
    #[arg(long, value_parser = clap::value_parser!(u16).range(0..=10_000))]
    pub max_slash_bps: Option<u16>,
    /// Vesting period of investors' revenue (default 1d).
    #[arg(long, value_parser = crate::units::duration_arg)]
    pub revenue_vesting: Option<String>,
    /// Grace after a lease's end before anyone may close it (default 1h).
    #[arg(long, value_parser = crate::units::duration_arg)]
    pub grace: Option<String>,
    /// Notice between proposing a parameter change and applying it (default 1d).
    #[arg(long, value_parser = crate::units::duration_arg)]
    pub params_notice: Option<String>,
}

/// `v` basis points from `flag`, refused above 100 %.
fn bps(v: u16, flag: &str) -> Result<Bps> {
    Bps::new(v).ok_or_else(|| anyhow::anyhow!("{flag}: {v} basis points is more than 100% (10000)"))
}

impl ParamArgs {
    /// Applies the flags that are set to `base`.
    pub fn apply(&self, mut p: ProtocolParams, stake_decimals: u8) -> Result<ProtocolParams> {
        if let Some(v) = self.protocol_fee_bps {
            p.protocol_fee_bps = bps(v, "--protocol-fee-bps")?;
        }
        if let Some(v) = self.staker_share_bps {
            p.staker_share_bps = bps(v, "--staker-share-bps")?;
        }
        if let Some(v) = &self.min_provider_stake {
            p.min_provider_stake = parse_amount(v, stake_decimals, "--min-provider-stake")?;
        }
        if let Some(v) = &self.unbonding {
            p.unbonding_secs = parse_duration(v, "--unbonding")?;
        }
        if let Some(v) = &self.dispute_window {
            p.dispute_window_secs = parse_duration(v, "--dispute-window")?;
        }
        if let Some(v) = self.max_slash_bps {
            p.max_slash_bps = bps(v, "--max-slash-bps")?;
        }
        if let Some(v) = &self.revenue_vesting {
            p.revenue_vesting_secs = parse_duration(v, "--revenue-vesting")?;
        }
        if let Some(v) = &self.grace {
            p.grace_secs = parse_duration(v, "--grace")?;
        }
        if let Some(v) = &self.params_notice {
            p.params_notice_secs = parse_duration(v, "--params-notice")?;
        }
        p.validate().map_err(|e| {
            BadInput(format!(
                "parameters out of bounds: {}",
                tessera_client::error::program_error_words(&e)
            ))
        })?;
        Ok(p)
    }
}

/// Defaults for a new deployment; fails for a stake mint whose 1,000 tokens do not fit a u64.
pub fn default_params(stake_decimals: u8) -> Result<ProtocolParams> {
    let thousand = 10u64
        .checked_pow(u32::from(stake_decimals))
        .and_then(|unit| unit.checked_mul(1_000))
        .ok_or_else(|| {
            BadInput(format!(
                "--stake-mint: a mint with {stake_decimals} decimals cannot express 1,000 tokens; use one with at most 15"
            ))
        })?;
    Ok(ProtocolParams {
        protocol_fee_bps: Bps::new(500).unwrap_or_default(),
        staker_share_bps: Bps::new(5_000).unwrap_or_default(),
        min_provider_stake: thousand,
        unbonding_secs: 7 * 86_400,
        dispute_window_secs: 3_600,
        max_slash_bps: Bps::new(1_000).unwrap_or_default(),
        revenue_vesting_secs: 86_400,
        grace_secs: 3_600,
        params_notice_secs: 86_400,
    })
}

/// Reads a parameters file (the flags' names with underscores, TOML).
pub fn read_params(path: &std::path::Path) -> Result<ParamArgs> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| BadInput(format!("cannot read {}: {e}", path.display())))?;
    toml::from_str(&text)
        .map_err(|e| BadInput(format!("{}: invalid parameters: {e}", path.display())).into())
}

/// Runs a protocol command.
pub async fn run(cmd: ProtocolCmd, s: &Session<'_>) -> Result<Report> {
    match cmd {
        ProtocolCmd::Init {
            settlement_mint,
            stake_mint,
            treasury,
            arbiter,
            params_file,
            params,
        } => {
            init(
                s,
                settlement_mint,
                stake_mint,
                treasury,
                arbiter,
                params_file,
                params,
            )
            .await
        }
        ProtocolCmd::Show => show(s).await,
        ProtocolCmd::Propose {
            params,
            treasury,
            arbiter,
        } => propose(s, params, treasury, arbiter).await,
        ProtocolCmd::Apply => apply(s).await,
        ProtocolCmd::Cancel => cancel(s).await,
        ProtocolCmd::Pause => set_paused(s, true).await,
        ProtocolCmd::Resume => set_paused(s, false).await,
        ProtocolCmd::TransferAuthority { new_authority } => {
            transfer_authority(s, new_authority).await
        }
        ProtocolCmd::AcceptAuthority => accept_authority(s).await,
    }
}

/// `name old → new` for every parameter that differs.
fn describe_change(old: &ProtocolParams, new: &ProtocolParams, stake_decimals: u8) -> String {
    let rows = [
        (
            "protocol_fee_bps",
            old.protocol_fee_bps.get().to_string(),
            new.protocol_fee_bps.get().to_string(),
        ),
        (
            "staker_share_bps",
            old.staker_share_bps.get().to_string(),
            new.staker_share_bps.get().to_string(),
        ),
        (
            "min_provider_stake",
            format_amount(old.min_provider_stake, stake_decimals),
            format_amount(new.min_provider_stake, stake_decimals),
        ),
        (
            "unbonding_secs",
            old.unbonding_secs.to_string(),
            new.unbonding_secs.to_string(),
        ),
        (
            "dispute_window_secs",
            old.dispute_window_secs.to_string(),
            new.dispute_window_secs.to_string(),
        ),
        (
            "max_slash_bps",
            old.max_slash_bps.get().to_string(),
            new.max_slash_bps.get().to_string(),
        ),
        (
            "revenue_vesting_secs",
            old.revenue_vesting_secs.to_string(),
            new.revenue_vesting_secs.to_string(),
        ),
        (
            "grace_secs",
            old.grace_secs.to_string(),
            new.grace_secs.to_string(),
        ),
        (
            "params_notice_secs",
            old.params_notice_secs.to_string(),
            new.params_notice_secs.to_string(),
        ),
    ];
    let changed: Vec<String> = rows
        .into_iter()
        .filter(|(_, a, b)| a != b)
        .map(|(k, a, b)| format!("{k} {a} -> {b}"))
        .collect();
    if changed.is_empty() {
        "treasury or arbiter only".into()
    } else {
        changed.join(", ")
    }
}

/// `protocol init`.
async fn init(
    s: &Session<'_>,
    settlement_mint: Pubkey,
    stake_mint: Pubkey,
    treasury: Option<Pubkey>,
    arbiter: Option<Pubkey>,
    params_file: Option<std::path::PathBuf>,
    params: ParamArgs,
) -> Result<Report> {
    let from_file = match params_file {
        Some(path) => Some(read_params(&path)?),
        None => None,
    };
    let protocol = tessera_client::pda::find_protocol_address().0;
    if let Ok(p) = s.protocol().await {
        anyhow::bail!(
            "the protocol is already initialised on this cluster at {protocol} (authority {})",
            p.authority
        );
    }
    let stake_decimals = s.decimals(&stake_mint).await?;
    s.decimals(&settlement_mint).await?;
    let mut base = default_params(stake_decimals)?;
    if let Some(from_file) = from_file {
        base = from_file.apply(base, stake_decimals)?;
    }
    let params = params.apply(base, stake_decimals)?;
    let mut ixs = Vec::new();
    let treasury = match treasury {
        Some(t) => t,
        None => {
            let (ata, create) = s.my_ata(&settlement_mint);
            ixs.push(create);
            ata
        }
    };
    ixs.push(ix::initialize_protocol(
        s.me(),
        settlement_mint,
        stake_mint,
        treasury,
        params,
        arbiter.unwrap_or(s.me()),
    ));
    let sig = s.send(&ixs).await?;
    Ok(Report::done(
        "protocol initialised",
        &sig,
        &[
            ("authority", s.me().to_string()),
            ("treasury", treasury.to_string()),
        ],
    ))
}

/// `protocol show`.
async fn show(s: &Session<'_>) -> Result<Report> {
    let p = s.protocol().await?;
    let sd = s.decimals(&p.stake_mint).await?;
    let now = s.chain.unix_timestamp().await?;
    let pending = match &p.pending_change {
        Some(c) => format!(
            "{}; applicable from {}",
            describe_change(&p.params, &c.params, sd),
            crate::output::when(c.effective_at, now)
        ),
        None => "-".into(),
    };
    Ok(Report::fields(&[
        ("authority", p.authority.to_string()),
        (
            "pending_authority",
            p.pending_authority
                .map(|a| a.to_string())
                .unwrap_or_else(|| "-".into()),
        ),
        ("settlement_mint", p.settlement_mint.to_string()),
        ("stake_mint", p.stake_mint.to_string()),
        ("treasury", p.treasury.to_string()),
        ("arbiter", p.arbiter.to_string()),
        ("paused", p.paused.to_string()),
        (
            "protocol_fee_bps",
            p.params.protocol_fee_bps.get().to_string(),
        ),
        (
            "staker_share_bps",
            p.params.staker_share_bps.get().to_string(),
        ),
        (
            "min_provider_stake",
            s.money(&p.stake_mint, sd)
                .await?
                .fmt(p.params.min_provider_stake),
        ),
        ("unbonding_secs", p.params.unbonding_secs.to_string()),
        (
            "dispute_window_secs",
            p.params.dispute_window_secs.to_string(),
        ),
        ("max_slash_bps", p.params.max_slash_bps.get().to_string()),
        (
            "revenue_vesting_secs",
            p.params.revenue_vesting_secs.to_string(),
        ),
        ("grace_secs", p.params.grace_secs.to_string()),
        (
            "params_notice_secs",
            p.params.params_notice_secs.to_string(),
        ),
        ("pending_change", pending),
    ]))
}

/// `protocol propose`.
async fn propose(
    s: &Session<'_>,
    params: ParamArgs,
    treasury: Option<Pubkey>,
    arbiter: Option<Pubkey>,
) -> Result<Report> {
    let p = s.protocol().await?;
    let sd = s.decimals(&p.stake_mint).await?;
    let new = params.apply(p.params, sd)?;
    let (treasury, arbiter) = (treasury.unwrap_or(p.treasury), arbiter.unwrap_or(p.arbiter));
    if (new, treasury, arbiter) == (p.params, p.treasury, p.arbiter) {
        anyhow::bail!(
            "nothing to propose: give at least one parameter, --treasury or --arbiter that differs from the current value (see `tessera protocol show`)"
        );
    }
    let sig = s
        .send(&[ix::propose_params(s.me(), treasury, new, arbiter)])
        .await?;
    Ok(Report::done(
        "parameter change proposed",
        &sig,
        &[
            ("change", describe_change(&p.params, &new, sd)),
            (
                "applicable_after",
                format!("{} s of notice", p.params.params_notice_secs),
            ),
        ],
    ))
}

/// `protocol apply`.
async fn apply(s: &Session<'_>) -> Result<Report> {
    let sig = s.send(&[ix::apply_params()]).await?;
    Ok(Report::done("parameter change applied", &sig, &[]))
}

/// `protocol cancel`.
async fn cancel(s: &Session<'_>) -> Result<Report> {
    let sig = s.send(&[ix::cancel_params(s.me())]).await?;
    Ok(Report::done("parameter change withdrawn", &sig, &[]))
}

/// `protocol pause` and `protocol resume`.
async fn set_paused(s: &Session<'_>, paused: bool) -> Result<Report> {
    let sig = s.send(&[ix::set_paused(s.me(), paused)]).await?;
    let what = if paused {
        "protocol paused"
    } else {
        "protocol resumed"
    };
    Ok(Report::done(what, &sig, &[]))
}

/// `protocol transfer-authority`.
async fn transfer_authority(s: &Session<'_>, new_authority: Pubkey) -> Result<Report> {
    let sig = s
        .send(&[ix::transfer_authority(s.me(), Some(new_authority))])
        .await?;
    Ok(Report::done(
        "authority transfer proposed",
        &sig,
        &[("pending_authority", new_authority.to_string())],
    ))
}

/// `protocol accept-authority`.
async fn accept_authority(s: &Session<'_>) -> Result<Report> {
    let sig = s.send(&[ix::accept_authority(s.me())]).await?;
    Ok(Report::done(
        "authority accepted",
        &sig,
        &[("authority", s.me().to_string())],
    ))
}
