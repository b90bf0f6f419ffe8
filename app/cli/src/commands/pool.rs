//! `tessera pool create|list|show|deposit|redeem|queue|crank|claim|draw|repay`.

use anyhow::{bail, Result};
use clap::Subcommand;
use solana_sdk::pubkey::Pubkey;
use tessera::state::{Protocol, RedemptionTicket, TicketStatus};
use tessera_client::chain::pools;
use tessera_client::instructions as ix;
use tessera_client::statement::Position;
use tessera_client::{metrics, pda};

use crate::output::Report;
use crate::session::Session;
use crate::units::{format_amount, model_bytes, model_name, parse_amount, Money};

/// Pool commands.
#[derive(Debug, Subcommand)]
pub enum PoolCmd {
    /// Create a pool you operate.
    Create {
        /// Your id for it (unique per operator).
        #[arg(long)]
        id: u64,
        /// Your cut of settled revenue, basis points (≤ 3000).
        #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u16).range(0..=10_000))]
        operator_fee_bps: u16,
        /// Most capital you may have drawn at once, settlement tokens.
        #[arg(long, default_value = "0", value_parser = crate::units::amount_arg, allow_negative_numbers = true)]
        credit_limit: String,
        /// Target GPU model.
        #[arg(long, default_value = "", value_parser = crate::units::model_arg)]
        gpu_model: String,
        /// Target GPU count.
        #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(1..))]
        gpus: u32,
    },
    /// List pools (optionally one operator's).
    List {
        /// Only this operator's pools.
        #[arg(long, value_parser = crate::units::pubkey_arg)]
        operator: Option<Pubkey>,
    },
    /// Show a pool's ledger, share value and utilisation.
    Show {
        /// Pool address.
        #[arg(value_parser = crate::units::pubkey_arg)]
        pool: Pubkey,
    },
    /// A wallet's positions (default: yours), in every pool it holds or held shares of: shares,
    /// value now, queued and claimable redemptions, deposited, paid out, and what it earned.
    Position {
        /// Wallet.
        #[arg(value_parser = crate::units::pubkey_arg)]
        wallet: Option<Pubkey>,
    },
    /// Deposit settlement tokens for shares.
    Deposit {
        /// Pool address.
        #[arg(value_parser = crate::units::pubkey_arg)]
        pool: Pubkey,
        /// Amount, settlement tokens.
        #[arg(value_parser = crate::units::amount_arg, allow_negative_numbers = true)]
        amount: String,
        /// Refuse if fewer shares would be minted.
        #[arg(long, default_value = "0", value_parser = crate::units::amount_arg, allow_negative_numbers = true)]
        min_shares: String,
    },
    /// Redeem shares now from free cash.
    Redeem {
        /// Pool address.
        #[arg(value_parser = crate::units::pubkey_arg)]
        pool: Pubkey,
        /// Shares.
        #[arg(value_parser = crate::units::amount_arg, allow_negative_numbers = true)]
        shares: String,
        /// Refuse if fewer settlement tokens would be paid.
        #[arg(long, default_value = "0", value_parser = crate::units::amount_arg, allow_negative_numbers = true)]
        min_assets: String,
    },
    /// Queue shares for redemption when cash is short (FIFO ticket).
    Queue {
        /// Pool address.
        #[arg(value_parser = crate::units::pubkey_arg)]
        pool: Pubkey,
        /// Shares.
        #[arg(value_parser = crate::units::amount_arg, allow_negative_numbers = true)]
        shares: String,
    },
    /// Serve the redemption queue as far as cash allows (anyone).
    Crank {
        /// Pool address.
        #[arg(value_parser = crate::units::pubkey_arg)]
        pool: Pubkey,
    },
    /// Sweep the pool's protocol fees to stakers and the treasury (anyone).
    Sweep {
        /// Pool address.
        #[arg(value_parser = crate::units::pubkey_arg)]
        pool: Pubkey,
    },
    /// Collect a fulfilled redemption ticket.
    Claim {
        /// Pool address.
        #[arg(value_parser = crate::units::pubkey_arg)]
        pool: Pubkey,
        /// Ticket sequence number.
        seq: u64,
    },
    /// Draw capital as the operator.
    Draw {
        /// Pool address.
        #[arg(value_parser = crate::units::pubkey_arg)]
        pool: Pubkey,
        /// Amount, settlement tokens.
        #[arg(value_parser = crate::units::amount_arg, allow_negative_numbers = true)]
        amount: String,
    },
    /// Repay principal (and interest) as the operator.
    Repay {
        /// Pool address.
        #[arg(value_parser = crate::units::pubkey_arg)]
        pool: Pubkey,
        /// Principal, settlement tokens.
        principal: String,
        /// Interest, settlement tokens (investor revenue).
        #[arg(long, default_value = "0", value_parser = crate::units::amount_arg, allow_negative_numbers = true)]
        interest: String,
    },
}

/// Runs a pool command.
pub async fn run(cmd: PoolCmd, s: &Session<'_>) -> Result<Report> {
    let protocol = s.protocol().await?;
    let d = protocol.settlement_decimals;
    match cmd {
        PoolCmd::Create {
            id,
            operator_fee_bps,
            credit_limit,
            gpu_model,
            gpus,
        } => {
            create(
                s,
                &protocol,
                id,
                operator_fee_bps,
                credit_limit,
                gpu_model,
                gpus,
            )
            .await
        }
        PoolCmd::List { operator } => list(s, &protocol, operator).await,
        PoolCmd::Position { wallet } => {
            let money = s.money(&protocol.settlement_mint, d).await?;
            position(s, wallet.unwrap_or_else(|| s.me()), &money).await
        }
        PoolCmd::Show { pool } => show(s, &protocol, pool).await,
        PoolCmd::Deposit {
            pool,
            amount,
            min_shares,
        } => deposit(s, &protocol, pool, amount, min_shares).await,
        PoolCmd::Redeem {
            pool,
            shares,
            min_assets,
        } => redeem(s, &protocol, pool, shares, min_assets).await,
        PoolCmd::Queue { pool, shares } => queue(s, &protocol, pool, shares).await,
        PoolCmd::Crank { pool } => crank(s, pool).await,
        PoolCmd::Sweep { pool } => sweep(s, &protocol, pool).await,
        PoolCmd::Claim { pool, seq } => claim(s, &protocol, pool, seq).await,
        PoolCmd::Draw { pool, amount } => draw(s, &protocol, pool, amount).await,
        PoolCmd::Repay {
            pool,
            principal,
            interest,
        } => repay(s, &protocol, pool, principal, interest).await,
    }
}

/// Why `shares` cannot be redeemed at once from `p` now, in words with the numbers and the
/// commands that do work (`None`: they can).
fn redeem_refusal(
    p: &tessera::state::Pool,
    pool: &Pubkey,
    shares: u64,
    now: i64,
    money: &Money,
) -> Result<Option<String>> {
    if !p.queue_is_empty() {
        let waiting = p.next_ticket_seq - p.head_ticket_seq;
        return Ok(Some(format!(
            "{waiting} queued redemption(s) of pool {pool} come first, so nothing is redeemed at once: queue yours with `tessera pool queue {pool} <shares>`, serve the queue with `tessera pool crank {pool}`, then `tessera pool claim {pool} <ticket>`"
        )));
    }
    let assets = p
        .assets_for(shares, now)
        .map_err(|e| anyhow::anyhow!("cannot price {shares} shares: {e}"))?;
    Ok((assets > p.cash).then(|| {
        format!(
            "redeeming {} needs {} in cash, but pool {pool} has {} free (the rest is lent to leases or escrowed): redeem fewer, or queue with `tessera pool queue {pool} {}` and claim when cash returns",
            Money::shares(money.decimals).fmt(shares),
            money.fmt(assets),
            money.fmt(p.cash),
            format_amount(shares, money.decimals),
        )
    }))
}

/// `pool position`: one row per pool the wallet holds or held shares of, then its tickets.
async fn position(s: &Session<'_>, wallet: Pubkey, money: &Money) -> Result<Report> {
    let now = s.chain.unix_timestamp().await?;
    let history = s.history(&wallet).await?;
    let owner = (tessera_client::accounts::offsets::TICKET_OWNER, wallet);
    let tickets: Vec<RedemptionTicket> = tessera_client::chain::list(s.chain, &[owner])
        .await?
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    let a = |v: u64| money.fmt(v);
    let sh = |v: u64| Money::shares(money.decimals).fmt(v);
    let (mut rows, mut queue) = (Vec::new(), Vec::new());
    for (at, p) in pools(s.chain, None).await? {
        let held = s
            .balance(&ix::associated_token_address(&wallet, &p.share_mint))
            .await?;
        let pos = Position::of(&at, &p, &wallet, held, &tickets, &history, now);
        if pos.is_empty() {
            continue;
        }
        let earned = pos.earned();
        let sign = if earned < 0 { "-" } else { "" };
        rows.push(vec![
            at.to_string(),
            sh(pos.shares),
            a(pos.value),
            sh(pos.queued_shares),
            a(pos.claimable),
            a(pos.deposited),
            a(pos.redeemed),
            format!(
                "{sign}{}",
                a(u64::try_from(earned.unsigned_abs()).unwrap_or(u64::MAX))
            ),
        ]);
        for (seq, shares, assets, served) in pos.tickets {
            let state = match served {
                true => format!("served: `tessera pool claim {at} {seq}` pays {}", a(assets)),
                false => format!("queued: `tessera pool crank {at}` serves it once cash is free"),
            };
            queue.push(vec![at.to_string(), seq.to_string(), sh(shares), state]);
        }
    }
    if rows.is_empty() {
        bail!(
            "{wallet} holds no shares and has no deposits or tickets in any pool on this cluster"
        );
    }
    let headers = [
        "pool",
        "shares",
        "value",
        "queued_shares",
        "claimable",
        "deposited",
        "redeemed",
        "earned",
    ];
    let positions = Report::table(&headers, rows);
    let tickets = Report::table(&["pool", "ticket", "shares", "state"], queue);
    let human = match tickets.json.as_array().is_some_and(|t| !t.is_empty()) {
        true => format!("{}\n\n{}", positions.human, tickets.human),
        false => positions.human,
    };
    let json = serde_json::json!({"wallet": wallet.to_string(), "positions": positions.json, "tickets": tickets.json});
    Ok(Report { human, json })
}

/// `pool create`.
async fn create(
    s: &Session<'_>,
    protocol: &Protocol,
    id: u64,
    operator_fee_bps: u16,
    credit_limit: String,
    gpu_model: String,
    gpus: u32,
) -> Result<Report> {
    let d = protocol.settlement_decimals;
    let args = tessera::CreatePoolArgs {
        pool_id: id,
        gpu_model: model_bytes(&gpu_model, "--gpu-model")?,
        target_gpu_count: gpus,
        operator_fee_bps: tessera::math::Bps::new(operator_fee_bps).ok_or_else(|| {
            anyhow::anyhow!(
                "--operator-fee-bps: {operator_fee_bps} basis points is more than 100% (10000)"
            )
        })?,
        credit_limit: parse_amount(&credit_limit, d, "--credit-limit")?,
    };
    let sig = s
        .send(&[ix::create_pool(s.me(), protocol.settlement_mint, args)])
        .await?;
    let pool = ix::PoolKeys::derive(s.me(), id);
    Ok(Report::done(
        "pool created",
        &sig,
        &[
            ("pool", pool.pool.to_string()),
            ("share_mint", pool.share_mint.to_string()),
        ],
    ))
}

/// `pool list`.
async fn list(s: &Session<'_>, protocol: &Protocol, operator: Option<Pubkey>) -> Result<Report> {
    let d = protocol.settlement_decimals;
    let money = s.money(&protocol.settlement_mint, d).await?;
    let now = s.chain.unix_timestamp().await?;
    let rows = pools(s.chain, operator.as_ref())
        .await?
        .into_iter()
        .map(|(address, p)| {
            vec![
                address.to_string(),
                p.operator.to_string(),
                model_name(&p.gpu_model),
                money.fmt(p.nav(now).unwrap_or(0)),
                metrics::share_value(&p, d, now)
                    .map(|v| money.fmt(v))
                    .unwrap_or_default(),
                format!("{:.1}%", metrics::capital_utilisation(&p) * 100.0),
            ]
        })
        .collect();
    Ok(Report::table(
        &[
            "pool",
            "operator",
            "gpu_model",
            "nav",
            "share_value",
            "deployed",
        ],
        rows,
    ))
}

/// `pool show`.
async fn show(s: &Session<'_>, protocol: &Protocol, pool: Pubkey) -> Result<Report> {
    let d = protocol.settlement_decimals;
    let money = s.money(&protocol.settlement_mint, d).await?;
    let (_, p) = s.pool(&pool).await?;
    let now = s.chain.unix_timestamp().await?;
    let a = |v: u64| money.fmt(v);
    Ok(Report::fields(&[
        ("pool", pool.to_string()),
        ("operator", p.operator.to_string()),
        ("gpu_model", model_name(&p.gpu_model)),
        ("operator_fee_bps", p.operator_fee_bps.get().to_string()),
        ("credit_limit", a(p.credit_limit)),
        ("total_shares", Money::shares(d).fmt(p.total_shares)),
        ("nav", a(p.nav(now)?)),
        (
            "share_value",
            metrics::share_value(&p, d, now).map(a).unwrap_or_default(),
        ),
        ("cash", a(p.cash)),
        ("deployed_principal", a(p.deployed_principal)),
        ("escrowed", a(p.escrowed)),
        ("pending", a(p.pending)),
        ("operator_owed", a(p.operator_owed)),
        ("protocol_fees_owed", a(p.protocol_fees_owed)),
        ("redemptions_owed", a(p.redemptions_owed)),
        ("revenue_vesting", a(p.locked_revenue_at(now))),
        ("lifetime_revenue", a(p.lifetime_revenue)),
        (
            "queue",
            format!(
                "{} waiting from #{}",
                p.next_ticket_seq - p.head_ticket_seq,
                p.head_ticket_seq
            ),
        ),
        (
            "capital_deployed",
            format!("{:.1}%", metrics::capital_utilisation(&p) * 100.0),
        ),
    ]))
}

/// `pool deposit`.
async fn deposit(
    s: &Session<'_>,
    protocol: &Protocol,
    pool: Pubkey,
    amount: String,
    min_shares: String,
) -> Result<Report> {
    let d = protocol.settlement_decimals;
    let in_shares = Money::shares(d);
    let (keys, _) = s.pool(&pool).await?;
    let assets = parse_amount(&amount, d, "amount")?;
    let min = parse_amount(&min_shares, d, "--min-shares")?;
    let (usd, create_usd) = s.my_ata(&protocol.settlement_mint);
    s.require_tokens(&usd, assets, d, "settlement tokens")
        .await?;
    let (shares, create_shares) = s.my_ata(&keys.share_mint);
    let sig = s
        .send(&[
            create_usd,
            create_shares,
            ix::deposit(
                &keys,
                &ix::InvestorAccounts {
                    investor: s.me(),
                    token: usd,
                    shares,
                },
                assets,
                min,
            ),
        ])
        .await?;
    let balance = tessera_client::chain::token_balance(s.chain, &shares).await?;
    Ok(Report::done(
        "deposited",
        &sig,
        &[("shares_held", in_shares.fmt(balance))],
    ))
}

/// `pool redeem`.
async fn redeem(
    s: &Session<'_>,
    protocol: &Protocol,
    pool: Pubkey,
    shares: String,
    min_assets: String,
) -> Result<Report> {
    let d = protocol.settlement_decimals;
    let money = s.money(&protocol.settlement_mint, d).await?;
    let in_shares = Money::shares(d);
    let (keys, p) = s.pool(&pool).await?;
    let (usd, create_usd) = s.my_ata(&protocol.settlement_mint);
    let (share_acc, _) = s.my_ata(&keys.share_mint);
    let n = parse_amount(&shares, d, "shares")?;
    let min = parse_amount(&min_assets, d, "--min-assets")?;
    s.require_tokens(&share_acc, n, d, "shares of this pool")
        .await?;
    let now = s.chain.unix_timestamp().await?;
    if let Some(why) = redeem_refusal(&p, &pool, n, now, &money)? {
        bail!("{why}");
    }
    let before = s.balance(&usd).await?;
    let sig = s
        .send(&[
            create_usd,
            ix::redeem(
                &keys,
                &ix::InvestorAccounts {
                    investor: s.me(),
                    token: usd,
                    shares: share_acc,
                },
                n,
                min,
            ),
        ])
        .await?;
    let received = s.balance(&usd).await?.saturating_sub(before);
    Ok(Report::done(
        "redeemed",
        &sig,
        &[
            ("shares", in_shares.fmt(n)),
            ("received", money.fmt(received)),
        ],
    ))
}

/// `pool queue`.
async fn queue(
    s: &Session<'_>,
    protocol: &Protocol,
    pool: Pubkey,
    shares: String,
) -> Result<Report> {
    let d = protocol.settlement_decimals;
    let money = s.money(&protocol.settlement_mint, d).await?;
    let (keys, p) = s.pool(&pool).await?;
    let (share_acc, _) = s.my_ata(&keys.share_mint);
    let n = parse_amount(&shares, d, "shares")?;
    s.require_tokens(&share_acc, n, d, "shares of this pool")
        .await?;
    let now = s.chain.unix_timestamp().await?;
    let why = match redeem_refusal(&p, &pool, n, now, &money)? {
        Some(short) => short,
        None => format!("cash was enough to redeem at once (`tessera pool redeem {pool} {shares}`); queued as asked"),
    };
    let seq = p.next_ticket_seq;
    let sig = s
        .send(&[ix::request_redemption(
            &keys,
            s.me(),
            share_acc,
            p.next_ticket_seq,
            n,
        )])
        .await?;
    Ok(Report::done(
        "redemption queued",
        &sig,
        &[
            ("ticket", seq.to_string()),
            ("why", why),
            (
                "next",
                format!("`tessera pool crank {pool}` serves the queue once cash is free (anyone may run it); then `tessera pool claim {pool} {seq}` pays you"),
            ),
        ],
    ))
}

/// `pool crank`.
async fn crank(s: &Session<'_>, pool: Pubkey) -> Result<Report> {
    let (keys, p) = s.pool(&pool).await?;
    let last = p
        .next_ticket_seq
        .min(p.head_ticket_seq + tessera::MAX_TICKETS_PER_CRANK as u64);
    if last == p.head_ticket_seq {
        bail!("the redemption queue of pool {pool} is empty");
    }
    let tickets: Vec<Pubkey> = (p.head_ticket_seq..last)
        .map(|seq| pda::find_ticket_address(&pool, seq).0)
        .collect();
    let sig = s.send(&[ix::process_redemptions(&keys, &tickets)]).await?;
    let (_, after) = s.pool(&pool).await?;
    Ok(Report::done(
        "queue served",
        &sig,
        &[(
            "served",
            (after.head_ticket_seq - p.head_ticket_seq).to_string(),
        )],
    ))
}

/// `pool sweep`.
async fn sweep(s: &Session<'_>, protocol: &Protocol, pool: Pubkey) -> Result<Report> {
    let d = protocol.settlement_decimals;
    let money = s.money(&protocol.settlement_mint, d).await?;
    let (keys, p) = s.pool(&pool).await?;
    if p.protocol_fees_owed == 0 {
        bail!("pool {pool} owes no protocol fees");
    }
    let sig = s
        .send(&[ix::sweep_protocol_fees(&keys, protocol.treasury)])
        .await?;
    Ok(Report::done(
        "protocol fees swept",
        &sig,
        &[("amount", money.fmt(p.protocol_fees_owed))],
    ))
}

/// `pool claim`.
async fn claim(s: &Session<'_>, protocol: &Protocol, pool: Pubkey, seq: u64) -> Result<Report> {
    let d = protocol.settlement_decimals;
    let money = s.money(&protocol.settlement_mint, d).await?;
    let (keys, _) = s.pool(&pool).await?;
    let ticket_address = pda::find_ticket_address(&pool, seq).0;
    let ticket: RedemptionTicket = s.get(&ticket_address, "redemption ticket").await?;
    if ticket.status != TicketStatus::Fulfilled {
        bail!("ticket {seq} of pool {pool} is still queued; run `tessera pool crank {pool}` once cash arrives");
    }
    let (usd, create_usd) = s.my_ata(&protocol.settlement_mint);
    let sig = s
        .send(&[
            create_usd,
            ix::claim_redemption(&keys, s.me(), ticket_address, usd),
        ])
        .await?;
    Ok(Report::done(
        "redemption claimed",
        &sig,
        &[("amount", money.fmt(ticket.assets))],
    ))
}

/// `pool draw`.
async fn draw(
    s: &Session<'_>,
    protocol: &Protocol,
    pool: Pubkey,
    amount: String,
) -> Result<Report> {
    let d = protocol.settlement_decimals;
    let (keys, _) = s.pool(&pool).await?;
    let (usd, create_usd) = s.my_ata(&protocol.settlement_mint);
    let n = parse_amount(&amount, d, "amount")?;
    let sig = s
        .send(&[create_usd, ix::draw_capital(&keys, s.me(), usd, n)])
        .await?;
    Ok(Report::done("capital drawn", &sig, &[]))
}

/// `pool repay`.
async fn repay(
    s: &Session<'_>,
    protocol: &Protocol,
    pool: Pubkey,
    principal: String,
    interest: String,
) -> Result<Report> {
    let d = protocol.settlement_decimals;
    let (keys, _) = s.pool(&pool).await?;
    let (usd, _) = s.my_ata(&protocol.settlement_mint);
    let p = parse_amount(&principal, d, "principal")?;
    let i = parse_amount(&interest, d, "--interest")?;
    let sig = s
        .send(&[ix::repay_capital(&keys, s.me(), usd, p, i)])
        .await?;
    Ok(Report::done("capital repaid", &sig, &[]))
}
