//! `tessera market`: nodes for rent with specs, price, free GPUs and provider reputation.

use anyhow::Result;
use clap::{Args, ValueEnum};
use tessera::state::{NodeStatus, Provider};
use tessera_client::chain::{all_nodes, fetch};

use crate::output::Report;
use crate::session::Session;
use crate::units::model_name;

/// Sort order.
#[derive(Debug, Clone, Copy, ValueEnum, Default)]
pub enum Sort {
    /// Cheapest first.
    #[default]
    Price,
    /// Most free GPUs first.
    Free,
    /// Fastest benchmark first.
    Tflops,
    /// Most receipts settled first.
    Reputation,
}

/// Arguments of `market`.
#[derive(Debug, Args)]
pub struct MarketArgs {
    /// Sort order.
    #[arg(long, value_enum, default_value_t)]
    pub sort: Sort,
    /// Only nodes with at least this many free GPUs.
    #[arg(long, default_value_t = 1, allow_negative_numbers = true)]
    pub min_free: u16,
}

/// Lists online nodes with free GPUs.
pub async fn run(args: MarketArgs, s: &Session<'_>) -> Result<Report> {
    let protocol = s.protocol().await?;
    let money = s
        .money(&protocol.settlement_mint, protocol.settlement_decimals)
        .await?;
    let mut rows = Vec::new();
    for (address, n) in all_nodes(s.chain).await? {
        if n.status != NodeStatus::Online || n.free_gpus() < args.min_free {
            continue;
        }
        let provider: Provider = fetch(s.chain, &n.provider).await?;
        rows.push((address, n, provider));
    }
    match args.sort {
        Sort::Price => rows.sort_by_key(|(_, n, _)| n.spec.price_per_gpu_hour),
        Sort::Free => rows.sort_by_key(|(_, n, _)| std::cmp::Reverse(n.free_gpus())),
        Sort::Tflops => rows.sort_by_key(|(_, n, _)| std::cmp::Reverse(n.tflops_centi)),
        Sort::Reputation => rows.sort_by_key(|(_, _, p)| std::cmp::Reverse(p.receipts_settled)),
    }
    let rows = rows
        .into_iter()
        .map(|(address, n, p)| {
            vec![
                address.to_string(),
                model_name(&n.spec.gpu_model),
                format!("{}/{}", n.free_gpus(), n.spec.gpu_count),
                format!("{}", n.spec.vram_mib / 1024),
                match n.benchmarked_at {
                    0 => "unattested".to_string(),
                    _ => format!("{:.1}", f64::from(n.tflops_centi) / 100.0),
                },
                money.fmt(n.spec.price_per_gpu_hour),
                p.receipts_settled.to_string(),
                p.disputes_lost.to_string(),
            ]
        })
        .collect();
    Ok(Report::table(
        &[
            "node",
            "model",
            "free/gpus",
            "vram_gib",
            "tflops",
            "price_per_gpu_hour",
            "receipts",
            "disputes_lost",
        ],
        rows,
    ))
}
