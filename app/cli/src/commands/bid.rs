//! `tessera bid post|cancel|list|accept`.

use anyhow::Result;
use clap::Subcommand;
use solana_sdk::pubkey::Pubkey;
use tessera::state::Protocol;
use tessera_client::chain::open_bids;
use tessera_client::{instructions as ix, pda};

use crate::output::{when, Report};
use crate::session::Session;
use crate::units::{model_bytes, model_name, parse_amount, parse_duration};
use tessera_client::units::format_duration;

/// Bid commands.
#[derive(Debug, Subcommand)]
pub enum BidCmd {
    /// Post an escrowed bid for GPUs meeting minimum specs.
    Post(PostArgs),
    /// Cancel your bid and take the escrow back.
    Cancel {
        /// Bid id.
        id: u64,
    },
    /// List open bids.
    List,
    /// Fill a bid with one of your nodes.
    Accept {
        /// The bidding renter.
        #[arg(long, value_parser = crate::units::pubkey_arg)]
        renter: Pubkey,
        /// The renter's bid id.
        #[arg(long)]
        id: u64,
        /// Your node.
        #[arg(long, value_parser = crate::units::pubkey_arg)]
        node: Pubkey,
    },
}

/// Arguments of `bid post`.
#[derive(Debug, clap::Args)]
pub struct PostArgs {
    /// Your id for it.
    #[arg(long)]
    pub id: u64,
    /// Price per GPU-hour offered, settlement tokens.
    #[arg(long, value_parser = crate::units::amount_arg, allow_negative_numbers = true)]
    pub price: String,
    /// GPUs wanted.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub gpus: u16,
    /// Lease length (e.g. 2h).
    #[arg(long, value_parser = crate::units::duration_arg)]
    pub duration: String,
    /// How long the bid stays open (e.g. 1d).
    #[arg(long, default_value = "1d", value_parser = crate::units::duration_arg)]
    pub expires_in: String,
    /// Minimum memory per GPU, MiB.
    #[arg(long, default_value_t = 0)]
    pub min_vram_mib: u32,
    /// Minimum attested TFLOPS.
    #[arg(long, default_value_t = 0.0, value_parser = crate::units::tflops_arg)]
    pub min_tflops: f64,
    /// Required GPU model (empty: any).
    #[arg(long, default_value = "", value_parser = crate::units::model_arg)]
    pub model: String,
    #[command(flatten)]
    pub job: crate::commands::lease::JobArgs,
}

/// Runs a bid command.
pub async fn run(cmd: BidCmd, s: &Session<'_>) -> Result<Report> {
    let protocol = s.protocol().await?;
    match cmd {
        BidCmd::Post(args) => post(s, &protocol, args).await,
        BidCmd::Cancel { id } => cancel(s, &protocol, id).await,
        BidCmd::List => list(s, &protocol).await,
        BidCmd::Accept { renter, id, node } => accept(s, renter, id, node).await,
    }
}

/// `bid post`.
async fn post(s: &Session<'_>, protocol: &Protocol, args: PostArgs) -> Result<Report> {
    let PostArgs {
        id,
        price,
        gpus,
        duration,
        expires_in,
        min_vram_mib,
        min_tflops,
        model,
        job,
    } = args;
    let d = protocol.settlement_decimals;
    let job_hash = job.hash()?;
    let now = s.chain.unix_timestamp().await?;
    let args = tessera::PostBidArgs {
        bid_id: id,
        price_per_gpu_hour: parse_amount(&price, d, "--price")?,
        gpu_count: gpus,
        min_vram_mib,
        min_tflops_centi: (min_tflops * 100.0).round() as u32,
        gpu_model: model_bytes(&model, "--model")?,
        duration_secs: parse_duration(&duration, "--duration")?,
        expires_at: now + i64::from(parse_duration(&expires_in, "--expires-in")?),
        job_hash,
    };
    let (usd, _) = s.my_ata(&protocol.settlement_mint);
    let sig = s
        .send(&[ix::post_bid(s.me(), protocol.settlement_mint, usd, args)])
        .await?;
    Ok(Report::done(
        "bid posted",
        &sig,
        &[("bid", pda::find_bid_address(&s.me(), id).0.to_string())],
    ))
}

/// `bid cancel`.
async fn cancel(s: &Session<'_>, protocol: &Protocol, id: u64) -> Result<Report> {
    let bid = pda::find_bid_address(&s.me(), id).0;
    if s.chain.account(&bid).await?.is_none() {
        anyhow::bail!("no bid {id} of yours at {bid} (already filled or cancelled?)");
    }
    let (usd, create_usd) = s.my_ata(&protocol.settlement_mint);
    let sig = s
        .send(&[create_usd, ix::cancel_bid(s.me(), id, usd)])
        .await?;
    Ok(Report::done("bid cancelled", &sig, &[]))
}

/// `bid list`.
async fn list(s: &Session<'_>, protocol: &Protocol) -> Result<Report> {
    let d = protocol.settlement_decimals;
    let money = s.money(&protocol.settlement_mint, d).await?;
    let now = s.chain.unix_timestamp().await?;
    let rows = open_bids(s.chain)
        .await?
        .into_iter()
        .map(|(address, b)| {
            vec![
                address.to_string(),
                b.renter.to_string(),
                b.bid_id.to_string(),
                b.gpu_count.to_string(),
                money.fmt(b.price_per_gpu_hour),
                format_duration(u64::from(b.duration_secs)),
                if model_name(&b.gpu_model).is_empty() {
                    "any".into()
                } else {
                    model_name(&b.gpu_model)
                },
                when(b.expires_at, now),
            ]
        })
        .collect();
    Ok(Report::table(
        &[
            "bid",
            "renter",
            "id",
            "gpus",
            "price_per_gpu_hour",
            "duration",
            "model",
            "expires_at",
        ],
        rows,
    ))
}

/// `bid accept`.
async fn accept(s: &Session<'_>, renter: Pubkey, id: u64, node: Pubkey) -> Result<Report> {
    let (keys, n) = s.node(&node).await?;
    let (pool, _) = s.pool(&n.pool).await?;
    let sig = s
        .send(&[ix::accept_bid(&keys, &pool, renter, id, n.lease_count)])
        .await?;
    let lease = pda::find_lease_address(&node, n.lease_count).0;
    Ok(Report::done(
        "bid filled",
        &sig,
        &[("lease", lease.to_string())],
    ))
}
