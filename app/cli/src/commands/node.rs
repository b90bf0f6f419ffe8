//! `tessera node register|list|show|earnings|update`.

use anyhow::{bail, Result};
use clap::{Subcommand, ValueEnum};
use solana_sdk::pubkey::Pubkey;
use tessera::state::{NodeSpec, NodeStatus, Provider};
use tessera_client::chain::nodes_of;
use tessera_client::{instructions as ix, pda};

use crate::output::{when, Report};
use crate::session::Session;
use crate::units::{model_bytes, model_name, parse_amount, parse_duration, Money};
use tessera_client::units::format_duration;

/// Availability as a flag.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Status {
    /// Taking leases.
    Online,
    /// Not taking new leases.
    Offline,
}

/// Node commands.
#[derive(Debug, Subcommand)]
pub enum NodeCmd {
    /// Register a rig in a pool you operate (the agent's `register` does this from a benchmark).
    Register(RegisterArgs),
    /// List a provider's nodes (default: yours).
    List {
        /// Provider wallet.
        #[arg(long, value_parser = crate::units::pubkey_arg)]
        provider: Option<Pubkey>,
    },
    /// Show a node.
    Show {
        /// Node address.
        #[arg(value_parser = crate::units::pubkey_arg)]
        node: Pubkey,
    },
    /// What a node earned, lease by lease (read from its transaction history, closed leases
    /// included): GPU-hours billed, charges settled and their split.
    Earnings {
        /// Node address.
        #[arg(value_parser = crate::units::pubkey_arg)]
        node: Pubkey,
    },
    /// Change a node's price, availability or agent key.
    Update {
        /// Node address.
        #[arg(value_parser = crate::units::pubkey_arg)]
        node: Pubkey,
        /// New price per GPU-hour, settlement tokens.
        #[arg(long, value_parser = crate::units::amount_arg, allow_negative_numbers = true)]
        price: Option<String>,
        /// New availability.
        #[arg(long)]
        status: Option<Status>,
        /// New agent key.
        #[arg(long, value_parser = crate::units::pubkey_arg)]
        agent_key: Option<Pubkey>,
    },
}

/// Arguments of `node register`.
#[derive(Debug, clap::Args)]
pub struct RegisterArgs {
    /// Pool the node earns for.
    #[arg(long, value_parser = crate::units::pubkey_arg)]
    pub pool: Pubkey,
    /// The rig's agent key (signs receipts).
    #[arg(long, value_parser = crate::units::pubkey_arg)]
    pub agent_key: Pubkey,
    /// GPU model.
    #[arg(long, value_parser = crate::units::model_arg)]
    pub model: String,
    /// GPUs in the rig.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub gpus: u16,
    /// Memory per GPU, MiB.
    #[arg(long)]
    pub vram_mib: u32,
    /// Price per GPU-hour, settlement tokens.
    #[arg(long, value_parser = crate::units::amount_arg, allow_negative_numbers = true)]
    pub price: String,
    /// Shortest lease.
    #[arg(long, default_value = "1h", value_parser = crate::units::duration_arg)]
    pub min_lease: String,
    /// Longest lease.
    #[arg(long, default_value = "30d", value_parser = crate::units::duration_arg)]
    pub max_lease: String,
}

/// Runs a node command.
pub async fn run(cmd: NodeCmd, s: &Session<'_>) -> Result<Report> {
    let protocol = s.protocol().await?;
    let money = s
        .money(&protocol.settlement_mint, protocol.settlement_decimals)
        .await?;
    let d = money.decimals;
    match cmd {
        NodeCmd::Register(args) => register(s, d, args).await,
        NodeCmd::List { provider } => list(s, &money, provider).await,
        NodeCmd::Earnings { node } => earnings(s, &money, node).await,
        NodeCmd::Show { node } => show(s, &money, node).await,
        NodeCmd::Update {
            node,
            price,
            status,
            agent_key,
        } => update(s, d, node, price, status, agent_key).await,
    }
}

/// `node earnings`: a row per lease and a total.
async fn earnings(s: &Session<'_>, money: &Money, node: Pubkey) -> Result<Report> {
    let history = s.history(&node).await?;
    let leases = tessera_client::statement::node_earnings(&node, &history);
    if leases.is_empty() {
        bail!("node {node} has had no lease on this cluster");
    }
    let a = |v: u64| money.fmt(v);
    let hours = |secs: u64| format!("{:.4}", secs as f64 / 3_600.0);
    let sum =
        |f: fn(&tessera_client::statement::LeaseEarnings) -> u64| leases.iter().map(f).sum::<u64>();
    let mut rows: Vec<Vec<String>> = leases
        .iter()
        .map(|l| {
            vec![
                l.lease.to_string(),
                hours(l.gpu_seconds),
                a(l.charged),
                a(l.operator_fee),
                a(l.investors),
                a(l.protocol_fee),
            ]
        })
        .collect();
    rows.push(vec![
        "total".into(),
        hours(sum(|l| l.gpu_seconds)),
        a(sum(|l| l.charged)),
        a(sum(|l| l.operator_fee)),
        a(sum(|l| l.investors)),
        a(sum(|l| l.protocol_fee)),
    ]);
    let headers = [
        "lease",
        "gpu_hours",
        "charged",
        "operator_fee",
        "investors",
        "protocol_fee",
    ];
    Ok(Report::table(&headers, rows))
}

/// `node register`.
async fn register(s: &Session<'_>, d: u8, args: RegisterArgs) -> Result<Report> {
    let RegisterArgs {
        pool,
        agent_key,
        model,
        gpus,
        vram_mib,
        price,
        min_lease,
        max_lease,
    } = args;
    let provider: Provider = s
        .get(
            &pda::find_provider_address(&s.me()).0,
            "provider (register first)",
        )
        .await?;
    let spec = NodeSpec {
        gpu_model: model_bytes(&model, "--model")?,
        gpu_count: gpus,
        vram_mib,
        price_per_gpu_hour: parse_amount(&price, d, "--price")?,
        min_lease_secs: parse_duration(&min_lease, "--min-lease")?,
        max_lease_secs: parse_duration(&max_lease, "--max-lease")?,
    };
    let sig = s
        .send(&[ix::register_node(
            s.me(),
            pool,
            provider.node_count,
            spec,
            agent_key,
        )])
        .await?;
    let node = ix::NodeKeys::derive(s.me(), provider.node_count).node;
    Ok(Report::done(
        "node registered",
        &sig,
        &[("node", node.to_string())],
    ))
}

/// `node list`.
async fn list(s: &Session<'_>, money: &Money, provider: Option<Pubkey>) -> Result<Report> {
    let provider = pda::find_provider_address(&provider.unwrap_or(s.me())).0;
    let rows = nodes_of(s.chain, &provider)
        .await?
        .into_iter()
        .map(|(address, n)| {
            vec![
                address.to_string(),
                model_name(&n.spec.gpu_model),
                format!("{}/{}", n.free_gpus(), n.spec.gpu_count),
                money.fmt(n.spec.price_per_gpu_hour),
                format!("{:?}", n.status),
            ]
        })
        .collect();
    Ok(Report::table(
        &["node", "model", "free/gpus", "price_per_gpu_hour", "status"],
        rows,
    ))
}

/// `node show`.
async fn show(s: &Session<'_>, money: &Money, node: Pubkey) -> Result<Report> {
    let (_, n) = s.node(&node).await?;
    let now = s.chain.unix_timestamp().await?;
    Ok(Report::fields(&[
        ("node", node.to_string()),
        ("provider", n.provider.to_string()),
        ("pool", n.pool.to_string()),
        ("agent_key", n.agent_key.to_string()),
        ("model", model_name(&n.spec.gpu_model)),
        ("gpus", n.spec.gpu_count.to_string()),
        ("free_gpus", n.free_gpus().to_string()),
        ("vram_mib", n.spec.vram_mib.to_string()),
        ("price_per_gpu_hour", money.fmt(n.spec.price_per_gpu_hour)),
        (
            "lease_length",
            format!(
                "{} ..= {}",
                format_duration(u64::from(n.spec.min_lease_secs)),
                format_duration(u64::from(n.spec.max_lease_secs))
            ),
        ),
        (
            "tflops",
            format!("{:.2}", f64::from(n.tflops_centi) / 100.0),
        ),
        ("mem_bw_gbps", n.mem_bw_gbps.to_string()),
        ("benchmarked_at", when(n.benchmarked_at, now)),
        ("status", format!("{:?}", n.status)),
        ("active_leases", n.active_leases.to_string()),
        (
            "gpus_leased",
            format!(
                "{:.0}%",
                tessera_client::metrics::gpu_utilisation(&n) * 100.0
            ),
        ),
    ]))
}

/// `node update`.
async fn update(
    s: &Session<'_>,
    d: u8,
    node: Pubkey,
    price: Option<String>,
    status: Option<Status>,
    agent_key: Option<Pubkey>,
) -> Result<Report> {
    if price.is_none() && status.is_none() && agent_key.is_none() {
        bail!("nothing to update: pass --price, --status or --agent-key");
    }
    let (keys, n) = s.node(&node).await?;
    let spec = match price {
        Some(p) => Some(NodeSpec {
            price_per_gpu_hour: parse_amount(&p, d, "--price")?,
            ..n.spec
        }),
        None => None,
    };
    let status = status.map(|st| match st {
        Status::Online => NodeStatus::Online,
        Status::Offline => NodeStatus::Offline,
    });
    let sig = s
        .send(&[ix::update_node(
            &keys,
            tessera::UpdateNodeArgs {
                spec,
                status,
                agent_key,
            },
        )])
        .await?;
    Ok(Report::done("node updated", &sig, &[]))
}
