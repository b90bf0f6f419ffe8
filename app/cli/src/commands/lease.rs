//! `tessera lease open|show|list|top-up|close|dispute`.

use anyhow::{bail, Result};
use clap::Subcommand;
use solana_sdk::pubkey::Pubkey;
use tessera::state::{Lease, Protocol};
use tessera_client::chain::leases_of;
use tessera_client::statement::LeaseStatement;
use tessera_client::{instructions as ix, pda};

use crate::output::{when, BadInput, Report};
use crate::session::{ata, Session};
use crate::units::{format_amount, parse_amount, parse_duration, Money};
use tessera_client::units::format_duration;

/// Lease commands.
#[derive(Debug, Subcommand)]
pub enum LeaseCmd {
    /// Rent GPUs of a node at its ask, prepaying the escrow.
    Open(OpenArgs),
    /// Show a lease.
    Show {
        /// Lease address.
        #[arg(value_parser = crate::units::pubkey_arg)]
        lease: Pubkey,
    },
    /// The bill of a lease, open or closed (read from its transaction history): every receipt
    /// with its period, GPU-seconds, charge, fee split and state, then escrow − charges = refund.
    Statement {
        /// Lease address.
        #[arg(value_parser = crate::units::pubkey_arg)]
        lease: Pubkey,
    },
    /// List your leases.
    List,
    /// Add escrow and extend a lease.
    TopUp {
        /// Lease address.
        #[arg(value_parser = crate::units::pubkey_arg)]
        lease: Pubkey,
        /// Amount, settlement tokens.
        #[arg(value_parser = crate::units::amount_arg, allow_negative_numbers = true)]
        amount: String,
    },
    /// Close a lease (renter any time; the provider or its agent any time, cancelling before
    /// the end without charging unbilled time; anyone after grace).
    Close {
        /// Lease address.
        #[arg(value_parser = crate::units::pubkey_arg)]
        lease: Pubkey,
    },
    /// Dispute the pending charge (renter, within the window).
    Dispute {
        /// Lease address.
        #[arg(value_parser = crate::units::pubkey_arg)]
        lease: Pubkey,
    },
}

/// Arguments of `lease open`.
#[derive(Debug, clap::Args)]
pub struct OpenArgs {
    /// Node address.
    #[arg(long, value_parser = crate::units::pubkey_arg)]
    pub node: Pubkey,
    /// GPUs.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub gpus: u16,
    /// Length (e.g. 2h).
    #[arg(long, value_parser = crate::units::duration_arg)]
    pub duration: String,
    /// Highest price per GPU-hour you accept (default: the node's current ask).
    #[arg(long, value_parser = crate::units::amount_arg, allow_negative_numbers = true)]
    pub max_price: Option<String>,
    #[command(flatten)]
    pub job: JobArgs,
    /// Where the job spec lives (at most 200 bytes).
    #[arg(long, default_value = "", value_parser = crate::units::job_uri_arg)]
    pub job_uri: String,
}

/// The job a lease or a bid is for.
#[derive(Debug, Clone, clap::Args)]
pub struct JobArgs {
    /// SHA-256 of the job spec, hex (see `tessera job hash`).
    #[arg(long, value_parser = crate::units::hash_arg, conflicts_with = "job_spec")]
    pub job_hash: Option<[u8; 32]>,
    /// The job spec file; its hash is computed (as `tessera job hash` does).
    #[arg(long)]
    pub job_spec: Option<std::path::PathBuf>,
    /// Rent without a job spec (the job hash all zero). Tessera's agent cancels such a lease
    /// without charge; only for providers who run the work another way.
    #[arg(long, conflicts_with_all = ["job_hash", "job_spec"])]
    pub no_job: bool,
}

impl JobArgs {
    /// The job hash: given, computed from the spec, or zero with `--no-job`; none of them is
    /// refused before anything is sent.
    pub fn hash(&self) -> Result<[u8; 32]> {
        match (self.job_hash, self.job_spec.as_deref(), self.no_job) {
            (Some(h), _, _) => Ok(h),
            (None, Some(path), _) => Ok(tessera_client::job::JobSpec::load(path)
                .map_err(|e| BadInput(e.to_string()))?
                .hash()),
            (None, None, true) => Ok([0; 32]),
            (None, None, false) => Err(BadInput(
                "say what to run: --job-spec <file> (or --job-hash <hex>); --no-job rents with \
                 no job, which Tessera's agent cancels without charge"
                    .into(),
            )
            .into()),
        }
    }
}

/// Runs a lease command.
pub async fn run(cmd: LeaseCmd, s: &Session<'_>) -> Result<Report> {
    let protocol = s.protocol().await?;
    match cmd {
        LeaseCmd::Open(args) => open(s, &protocol, args).await,
        LeaseCmd::Show { lease } => show(s, &protocol, lease).await,
        LeaseCmd::Statement { lease } => statement(s, &protocol, lease).await,
        LeaseCmd::List => list(s, &protocol).await,
        LeaseCmd::TopUp { lease, amount } => top_up(s, &protocol, lease, amount).await,
        LeaseCmd::Close { lease } => close(s, &protocol, lease).await,
        LeaseCmd::Dispute { lease } => dispute(s, lease).await,
    }
}

/// A statement as a table of charges under a summary, and as JSON.
fn statement_report(lease: &Pubkey, st: &LeaseStatement, money: &Money) -> Report {
    let amount = |n: u64| format_amount(n, money.decimals);
    let rows: Vec<Vec<String>> = st
        .charges
        .iter()
        .map(|c| {
            vec![
                c.seq.map_or("close".into(), |n| n.to_string()),
                match c.seq {
                    Some(_) => format!(
                        "{} +{}",
                        tessera_client::units::rfc3339(c.period.0),
                        format_duration(u64::try_from(c.period.1 - c.period.0).unwrap_or(0))
                    ),
                    None => "-".into(),
                },
                c.gpu_seconds.to_string(),
                amount(c.charge),
                amount(c.protocol_fee),
                amount(c.operator_fee),
                amount(c.investors),
                amount(c.refunded),
                c.state.as_str().to_string(),
            ]
        })
        .collect();
    let headers = [
        "receipt",
        "period",
        "gpu_seconds",
        "charge",
        "protocol_fee",
        "operator_fee",
        "investors",
        "refunded",
        "state",
    ];
    let table = Report::table(&headers, rows);
    let settle_line = match st.refund {
        Some(refund) => format!(
            "escrow {} − charges {} = refund {} (closed: {})",
            amount(st.escrow_paid()),
            amount(st.charged()),
            amount(refund),
            st.close_reason.as_deref().unwrap_or("-")
        ),
        None => format!(
            "escrow {} − charges {} − pending {} = {} still in escrow (open)",
            amount(st.escrow_paid()),
            amount(st.charged()),
            amount(st.pending()),
            amount(st.escrow_left())
        ),
    };
    let human = format!(
        "lease {lease}: {} GPUs at {} per GPU-hour (amounts in {})\nescrow paid in {} (at opening {}, top-ups {})\n\n{}\n\n{settle_line}",
        st.gpus,
        money.fmt(st.price_per_gpu_hour),
        money.unit,
        amount(st.escrow_paid()),
        amount(st.escrow_opened),
        amount(st.topped_up),
        table.human
    );
    let json = serde_json::json!({
        "lease": lease.to_string(),
        "token": money.unit,
        "gpus": st.gpus,
        "price_per_gpu_hour": amount(st.price_per_gpu_hour),
        "escrow_paid": amount(st.escrow_paid()),
        "topped_up": amount(st.topped_up),
        "charged": amount(st.charged()),
        "pending": amount(st.pending()),
        "refund": st.refund.map(amount),
        "escrow_left": amount(st.escrow_left()),
        "closed": st.close_reason,
        "charges": table.json,
    });
    Report { human, json }
}

/// `lease open`.
async fn open(s: &Session<'_>, protocol: &Protocol, args: OpenArgs) -> Result<Report> {
    let OpenArgs {
        node,
        gpus,
        duration,
        max_price,
        job,
        job_uri,
    } = args;
    let d = protocol.settlement_decimals;
    let money = s.money(&protocol.settlement_mint, d).await?;
    let job_hash = job.hash()?;
    let (keys, n) = s.node(&node).await?;
    let (pool, _) = s.pool(&n.pool).await?;
    let max = match max_price {
        Some(p) => parse_amount(&p, d, "--max-price")?,
        None => n.spec.price_per_gpu_hour,
    };
    let args = tessera::OpenLeaseArgs {
        gpu_count: gpus,
        duration_secs: parse_duration(&duration, "--duration")?,
        max_price_per_gpu_hour: max,
        job_hash,
        job_uri,
    };
    let (usd, _) = s.my_ata(&protocol.settlement_mint);
    let escrow = tessera::math::escrow_for(
        args.gpu_count,
        args.duration_secs,
        n.spec.price_per_gpu_hour,
    )
    .unwrap_or(u64::MAX);
    s.require_tokens(&usd, escrow, d, "settlement tokens")
        .await?;
    let sig = s
        .send(&[ix::open_lease(
            &keys,
            &pool,
            &ix::RenterAccounts {
                renter: s.me(),
                token: usd,
            },
            n.lease_count,
            args,
        )])
        .await?;
    let lease = pda::find_lease_address(&node, n.lease_count).0;
    let state: Lease = s.get(&lease, "lease").await?;
    let now = s.chain.unix_timestamp().await?;
    Ok(Report::done(
        "lease opened",
        &sig,
        &[
            ("lease", lease.to_string()),
            ("escrow", money.fmt(state.escrow)),
            ("ends_at", when(state.end_at, now)),
        ],
    ))
}

/// `lease show`.
async fn show(s: &Session<'_>, protocol: &Protocol, lease: Pubkey) -> Result<Report> {
    let d = protocol.settlement_decimals;
    let money = s.money(&protocol.settlement_mint, d).await?;
    let l: Lease = s.get(&lease, "lease").await?;
    let now = s.chain.unix_timestamp().await?;
    Ok(Report::fields(&[
        ("lease", lease.to_string()),
        ("node", l.node.to_string()),
        ("renter", l.renter.to_string()),
        ("status", format!("{:?}", l.status)),
        ("gpus", l.gpu_count.to_string()),
        ("price_per_gpu_hour", money.fmt(l.price_per_gpu_hour)),
        ("start_at", when(l.start_at, now)),
        ("end_at", when(l.end_at, now)),
        ("escrow", money.fmt(l.escrow)),
        ("pending", money.fmt(l.pending)),
        ("charged_total", money.fmt(l.charged_total)),
        (
            "gpu_hours_billed",
            format!("{:.4}", l.gpu_seconds_billed as f64 / 3_600.0),
        ),
        ("last_receipt", l.last_seq.to_string()),
        ("grace_until", when(l.grace_until, now)),
        (
            "dispute_window",
            format_duration(u64::from(l.terms.dispute_window_secs)),
        ),
        (
            "protocol_fee_bps",
            l.terms.protocol_fee_bps.get().to_string(),
        ),
    ]))
}

/// `lease statement`.
async fn statement(s: &Session<'_>, protocol: &Protocol, lease: Pubkey) -> Result<Report> {
    let d = protocol.settlement_decimals;
    let history = s.history(&lease).await?;
    let st = LeaseStatement::from_history(&lease, &history);
    if st.start_at == 0 && st.charges.is_empty() {
        bail!("{lease} has no lease history on this cluster (not a lease, or another cluster)");
    }
    Ok(statement_report(
        &lease,
        &st,
        &s.money(&protocol.settlement_mint, d).await?,
    ))
}

/// `lease list`.
async fn list(s: &Session<'_>, protocol: &Protocol) -> Result<Report> {
    let d = protocol.settlement_decimals;
    let money = s.money(&protocol.settlement_mint, d).await?;
    let now = s.chain.unix_timestamp().await?;
    let rows = leases_of(s.chain, &s.me())
        .await?
        .into_iter()
        .map(|(address, l)| {
            vec![
                address.to_string(),
                l.node.to_string(),
                l.gpu_count.to_string(),
                format!("{:?}", l.status),
                money.fmt(l.escrow),
                money.fmt(l.charged_total),
                when(l.end_at, now),
            ]
        })
        .collect();
    Ok(Report::table(
        &[
            "lease", "node", "gpus", "status", "escrow", "charged", "end_at",
        ],
        rows,
    ))
}

/// `lease top-up`.
async fn top_up(
    s: &Session<'_>,
    protocol: &Protocol,
    lease: Pubkey,
    amount: String,
) -> Result<Report> {
    let d = protocol.settlement_decimals;
    let l: Lease = s.get(&lease, "lease").await?;
    let (pool, _) = s.pool(&l.pool).await?;
    let (usd, _) = s.my_ata(&protocol.settlement_mint);
    let amount = parse_amount(&amount, d, "amount")?;
    s.require_tokens(&usd, amount, d, "settlement tokens")
        .await?;
    let sig = s
        .send(&[ix::top_up_lease(
            &pool,
            lease,
            &ix::RenterAccounts {
                renter: s.me(),
                token: usd,
            },
            amount,
        )])
        .await?;
    let after: Lease = s.get(&lease, "lease").await?;
    let now = s.chain.unix_timestamp().await?;
    Ok(Report::done(
        "lease topped up",
        &sig,
        &[("ends_at", when(after.end_at, now))],
    ))
}

/// `lease close`.
async fn close(s: &Session<'_>, protocol: &Protocol, lease: Pubkey) -> Result<Report> {
    let l: Lease = s.get(&lease, "lease").await?;
    let (keys, _) = s.node(&l.node).await?;
    let (pool, _) = s.pool(&l.pool).await?;
    let (renter_usd, create) = ata(&s.chain.payer(), &l.renter, &protocol.settlement_mint);
    let sig = s
        .send(&[
            create,
            ix::close_lease(
                s.me(),
                &keys,
                &pool,
                lease,
                &ix::RenterAccounts {
                    renter: l.renter,
                    token: renter_usd,
                },
            ),
        ])
        .await?;
    Ok(Report::done("lease closed", &sig, &[]))
}

/// `lease dispute`.
async fn dispute(s: &Session<'_>, lease: Pubkey) -> Result<Report> {
    let sig = s.send(&[ix::dispute(lease, s.me())]).await?;
    Ok(Report::done("charge disputed", &sig, &[]))
}
