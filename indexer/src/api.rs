//! The read API (JSON over HTTP): market search, pools with their history, a node's and a
//! lease's receipts, a wallet's positions and statement, `/health`, and the OpenAPI description
//! (`/openapi.json`). Every list is paged with at most [`MAX_LIMIT`] items and no page starts
//! past [`MAX_OFFSET`]; bad parameters (unknown ones included) get a 400 with words.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use solana_sdk::pubkey::Pubkey;
use tessera_client::accounts::read;
use tessera_client::state::{Pool, RedemptionTicket, TicketStatus};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::db::{self, DbError};
use crate::index::Progress;
use crate::source::Source;

/// Most items one page holds.
pub const MAX_LIMIT: u32 = 100;
/// Deepest a page may start (the API never scans past it).
pub const MAX_OFFSET: u32 = 10_000;

/// What the handlers share.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub pool: db::Pool,
    /// The chain, for what the program's accounts do not hold (token balances).
    pub source: Arc<dyn Source>,
    /// The indexing loop's progress.
    pub progress: Arc<Progress>,
    /// Longest time since the loop last caught up before `/health` answers 503.
    pub max_lag: Duration,
}

impl AppState {
    async fn db(&self) -> Result<db::Conn, ApiError> {
        self.pool.get().await.map_err(|e| {
            tracing::error!(error = %e, "no database connection");
            ApiError(
                StatusCode::SERVICE_UNAVAILABLE,
                "the database is unreachable; try again shortly".into(),
            )
        })
    }
}

/// A refusal or failure, with its status and words.
pub struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({"error": self.1}))).into_response()
    }
}

impl From<tokio_postgres::Error> for ApiError {
    fn from(e: tokio_postgres::Error) -> Self {
        tracing::error!(error = %e, "query failed");
        Self(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the database query failed".into(),
        )
    }
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError(StatusCode::BAD_REQUEST, message.into())
}

/// Query parameters, or a 400 naming what is wrong.
fn params<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    q.map(|Query(t)| t).map_err(|e| bad(e.body_text()))
}

/// No parameters: any given is refused by name.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

/// A page of a list.
#[derive(Debug, Clone, Copy, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct Paging {
    /// Page number, from 0.
    page: Option<u32>,
    /// Items per page, 1 to 100 (default 50).
    limit: Option<u32>,
}

impl Paging {
    /// `(limit, offset)`, checked.
    fn bounds(&self) -> Result<(i64, i64), ApiError> {
        let limit = self.limit.unwrap_or(50);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(bad(format!("limit must be between 1 and {MAX_LIMIT}")));
        }
        let offset = self.page.unwrap_or(0).saturating_mul(limit);
        if offset > MAX_OFFSET {
            return Err(bad(format!(
                "pages end at item {MAX_OFFSET}: narrow the search instead"
            )));
        }
        Ok((i64::from(limit), i64::from(offset)))
    }

    fn next(&self, returned: usize, limit: i64) -> Option<u32> {
        (i64::try_from(returned).unwrap_or(0) == limit).then(|| self.page.unwrap_or(0) + 1)
    }
}

/// Market search.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MarketQuery {
    /// Part of the GPU model's name (case-insensitive, matched literally).
    model: Option<String>,
    /// At least this many GPUs free (0 or more).
    min_free: Option<i32>,
    /// At most this price per GPU-hour, settlement base units (0 or more).
    max_price: Option<i64>,
    /// At least this attested BF16 TFLOPS (unattested nodes are left out; 0 or more).
    min_tflops: Option<f64>,
    /// At least this many receipts settled by the provider (0 or more).
    min_receipts: Option<i64>,
    /// Include nodes that are not online (default: online only).
    include_offline: Option<bool>,
    /// Include nodes with no GPU free (default: at least one free).
    include_full: Option<bool>,
    /// `price` (default), `free`, `tflops` or `reputation`.
    sort: Option<String>,
    /// Page number, from 0.
    page: Option<u32>,
    /// Items per page, 1 to 100 (default 50).
    limit: Option<u32>,
}

/// `value`, refused with words when negative.
fn at_least_zero<T: PartialOrd + Default + Copy>(
    name: &str,
    value: Option<T>,
) -> Result<Option<T>, ApiError> {
    match value {
        Some(v) if v < T::default() => Err(bad(format!("{name} must be 0 or more"))),
        other => Ok(other),
    }
}

/// `min_tflops` in hundredths, refused with words when negative, NaN or infinite.
fn tflops_centi(value: Option<f64>) -> Result<Option<i32>, ApiError> {
    match value {
        None => Ok(None),
        Some(t) if t.is_finite() && t >= 0.0 && t <= f64::from(i32::MAX) / 100.0 => {
            Ok(Some((t * 100.0).ceil() as i32))
        }
        Some(t) => Err(bad(format!(
            "min_tflops must be a finite number, 0 or more, not {t}"
        ))),
    }
}

/// `text` for `ILIKE`, with its wildcards (`%`, `_`) and the escape character matched literally.
fn literal_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// A node in the market.
#[derive(Debug, Serialize, ToSchema)]
pub struct MarketNode {
    address: String,
    provider: String,
    pool: String,
    model: String,
    gpus: i32,
    gpus_free: i32,
    /// Settlement base units per GPU-hour.
    price_per_gpu_hour: i64,
    /// Attested BF16 TFLOPS, absent when unattested.
    tflops: Option<f64>,
    online: bool,
    receipts_settled: i64,
    disputes_lost: i32,
}

impl MarketNode {
    /// A row of the market query.
    fn from_row(r: &tokio_postgres::Row) -> Self {
        Self {
            address: r.get(0),
            provider: r.get(1),
            pool: r.get(2),
            model: r.get(3),
            gpus: r.get(4),
            gpus_free: r.get(5),
            price_per_gpu_hour: r.get(6),
            tflops: r
                .get::<_, bool>(8)
                .then(|| f64::from(r.get::<_, i32>(7)) / 100.0),
            online: r.get(9),
            receipts_settled: r.get(10),
            disputes_lost: r.get(11),
        }
    }
}

/// A page of the market.
#[derive(Debug, Serialize, ToSchema)]
pub struct MarketPage {
    items: Vec<MarketNode>,
    next_page: Option<u32>,
}

#[utoipa::path(get, path = "/market", params(MarketQuery), responses((status = 200, body = MarketPage), (status = 400, description = "bad parameters, in words")))]
async fn market(
    State(app): State<AppState>,
    q: Result<Query<MarketQuery>, QueryRejection>,
) -> Result<Json<MarketPage>, ApiError> {
    let q = params(q)?;
    let paging = Paging {
        page: q.page,
        limit: q.limit,
    };
    let (limit, offset) = paging.bounds()?;
    let order = match q.sort.as_deref().unwrap_or("price") {
        "price" => "n.price, n.address",
        "free" => "n.gpus_free DESC, n.address",
        "tflops" => "n.tflops_centi DESC, n.address",
        "reputation" => "COALESCE(p.receipts_settled, 0) DESC, n.address",
        other => {
            return Err(bad(format!(
                "sort must be price, free, tflops or reputation, not {other:?}"
            )))
        }
    };
    let min_free = at_least_zero("min_free", q.min_free)?;
    let max_price = at_least_zero("max_price", q.max_price)?;
    let min_receipts = at_least_zero("min_receipts", q.min_receipts)?;
    let min_tflops_centi = tflops_centi(q.min_tflops)?;
    let model = q.model.as_deref().map(literal_like);
    let everyone = (
        q.include_offline.unwrap_or(false),
        q.include_full.unwrap_or(false),
    );
    let sql = format!(
        "SELECT n.address, n.provider, n.pool, n.model, n.gpus, n.gpus_free, n.price, n.tflops_centi, n.attested, n.online,
                COALESCE(p.receipts_settled, 0), COALESCE(p.disputes_lost, 0)
         FROM nodes n LEFT JOIN providers p ON p.address = n.provider
         WHERE NOT n.closed
           AND (n.online OR $8) AND (n.gpus_free > 0 OR $9)
           AND ($1::TEXT IS NULL OR n.model ILIKE $1)
           AND ($2::INT IS NULL OR n.gpus_free >= $2)
           AND ($3::BIGINT IS NULL OR n.price <= $3)
           AND ($4::INT IS NULL OR (n.attested AND n.tflops_centi >= $4))
           AND ($5::BIGINT IS NULL OR COALESCE(p.receipts_settled, 0) >= $5)
         ORDER BY {order} LIMIT $6 OFFSET $7"
    );
    let db = app.db().await?;
    let rows = db
        .query(
            &sql,
            &[
                &model,
                &min_free,
                &max_price,
                &min_tflops_centi,
                &min_receipts,
                &limit,
                &offset,
                &everyone.0,
                &everyone.1,
            ],
        )
        .await?;
    let items: Vec<MarketNode> = rows.iter().map(MarketNode::from_row).collect();
    let next_page = paging.next(items.len(), limit);
    Ok(Json(MarketPage { items, next_page }))
}

/// A pool now.
#[derive(Debug, Serialize, ToSchema)]
pub struct PoolOut {
    address: String,
    operator: String,
    /// Share value in settlement tokens, 12 decimals, at the time of the request.
    share_value: String,
    /// Base units (strings: they can exceed 2^53).
    nav: String,
    cash: String,
    escrowed: String,
    pending: String,
    lifetime_revenue: String,
    total_shares: String,
    queued_shares: String,
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Every live pool indexed, by address.
async fn live_pools(db: &db::Conn) -> Result<Vec<(String, Pool)>, ApiError> {
    let rows = db
        .query("SELECT address, data FROM accounts WHERE kind = 'pool' AND NOT closed ORDER BY address LIMIT 1000", &[])
        .await?;
    Ok(rows
        .iter()
        .filter_map(|r| Some((r.get(0), read::<Pool>(r.get(1))?)))
        .collect())
}

#[utoipa::path(get, path = "/pools", responses((status = 200, body = [PoolOut]), (status = 400)))]
async fn pools(
    State(app): State<AppState>,
    q: Result<Query<NoParams>, QueryRejection>,
) -> Result<Json<Vec<PoolOut>>, ApiError> {
    params(q)?;
    let now = now();
    let out = live_pools(&app.db().await?)
        .await?
        .into_iter()
        .filter_map(|(address, p)| {
            let (num, den) = tessera_client::metrics::share_price(&p, now)?;
            Some(PoolOut {
                address,
                operator: p.operator.to_string(),
                share_value: tessera_client::metrics::format_ratio(num, den, 12)?,
                nav: p.nav(now).ok()?.to_string(),
                cash: p.cash.to_string(),
                escrowed: p.escrowed.to_string(),
                pending: p.pending.to_string(),
                lifetime_revenue: p.lifetime_revenue.to_string(),
                total_shares: p.total_shares.to_string(),
                queued_shares: p.queued_shares.to_string(),
            })
        })
        .collect();
    Ok(Json(out))
}

/// An event as stored: where, when, what.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventOut {
    signature: String,
    index: i32,
    slot: i64,
    block_time: i64,
    finalized: bool,
    name: String,
    /// The event's fields, named as in the IDL (64-bit amounts as strings).
    #[schema(value_type = Object)]
    data: Value,
}

/// A page of events.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventsPage {
    items: Vec<EventOut>,
    next_page: Option<u32>,
}

/// Events matching `filter` (an SQL condition on `e` using `$1`), in the chain's order.
async fn events_where(
    app: &AppState,
    filter: &str,
    key: &str,
    paging: Paging,
) -> Result<EventsPage, ApiError> {
    let (limit, offset) = paging.bounds()?;
    let sql = format!(
        "SELECT e.signature, e.idx, e.slot, e.block_time, e.finalized, e.name, e.data FROM events e
         WHERE {filter} ORDER BY e.seq LIMIT $2 OFFSET $3"
    );
    let rows = app
        .db()
        .await?
        .query(&sql, &[&key, &limit, &offset])
        .await?;
    let items: Vec<EventOut> = rows
        .iter()
        .map(|r| EventOut {
            signature: r.get(0),
            index: r.get(1),
            slot: r.get(2),
            block_time: r.get(3),
            finalized: r.get(4),
            name: r.get(5),
            data: r.get(6),
        })
        .collect();
    let next_page = paging.next(items.len(), limit);
    Ok(EventsPage { items, next_page })
}

fn address(text: &str) -> Result<Pubkey, ApiError> {
    text.parse::<Pubkey>()
        .map_err(|_| bad(format!("{text:?} is not a base-58 address")))
}

/// Events of the address in the path that match `filter`, one page.
async fn events_of(
    app: AppState,
    a: &str,
    q: Result<Query<Paging>, QueryRejection>,
    filter: &str,
) -> Result<Json<EventsPage>, ApiError> {
    let key = address(a)?.to_string();
    Ok(Json(events_where(&app, filter, &key, params(q)?).await?))
}

#[utoipa::path(get, path = "/pools/{address}/history", params(("address" = String, Path), Paging), responses((status = 200, body = EventsPage), (status = 400)))]
async fn pool_history(
    State(app): State<AppState>,
    Path(a): Path<String>,
    q: Result<Query<Paging>, QueryRejection>,
) -> Result<Json<EventsPage>, ApiError> {
    let filter = "(e.pool = $1 OR e.lease IN (SELECT address FROM leases WHERE pool = $1))";
    events_of(app, &a, q, filter).await
}

#[utoipa::path(get, path = "/leases/{address}/receipts", params(("address" = String, Path), Paging), responses((status = 200, body = EventsPage), (status = 400)))]
async fn lease_receipts(
    State(app): State<AppState>,
    Path(a): Path<String>,
    q: Result<Query<Paging>, QueryRejection>,
) -> Result<Json<EventsPage>, ApiError> {
    let filter = "e.lease = $1 AND e.name IN ('ReceiptSubmitted', 'ChargeSettled', 'ChargeDisputed', 'DisputeResolved')";
    events_of(app, &a, q, filter).await
}

#[utoipa::path(get, path = "/nodes/{address}/receipts", params(("address" = String, Path), Paging), responses((status = 200, body = EventsPage), (status = 400)))]
async fn node_receipts(
    State(app): State<AppState>,
    Path(a): Path<String>,
    q: Result<Query<Paging>, QueryRejection>,
) -> Result<Json<EventsPage>, ApiError> {
    let filter =
        "e.name = 'ReceiptSubmitted' AND e.lease IN (SELECT address FROM leases WHERE node = $1)";
    events_of(app, &a, q, filter).await
}

#[utoipa::path(get, path = "/wallets/{address}/statement", params(("address" = String, Path), Paging), responses((status = 200, body = EventsPage), (status = 400)))]
async fn statement(
    State(app): State<AppState>,
    Path(a): Path<String>,
    q: Result<Query<Paging>, QueryRejection>,
) -> Result<Json<EventsPage>, ApiError> {
    events_of(app, &a, q, "e.wallet = $1").await
}

/// One event as the program emitted it, for clients that decode events themselves.
#[derive(Debug, Serialize, ToSchema)]
pub struct RawEvent {
    signature: String,
    block_time: i64,
    /// Its place among its transaction's events.
    index: i32,
    /// The event's bytes (discriminator first) in hex.
    raw: String,
}

/// A page of raw events.
#[derive(Debug, Serialize, ToSchema)]
pub struct RawPage {
    items: Vec<RawEvent>,
    next_page: Option<u32>,
}

/// Every event of each transaction with an event that names the address (as pool, node, lease,
/// wallet, or a lease on the node), raw and in the chain's order: the history a client otherwise
/// reads from the RPC (`Chain::history`), so statements come from the indexer when one is
/// configured.
#[utoipa::path(get, path = "/addresses/{address}/history", params(("address" = String, Path), Paging), responses((status = 200, body = RawPage), (status = 400)))]
async fn address_history(
    State(app): State<AppState>,
    Path(a): Path<String>,
    q: Result<Query<Paging>, QueryRejection>,
) -> Result<Json<RawPage>, ApiError> {
    let key = address(&a)?.to_string();
    let paging = params(q)?;
    let (limit, offset) = paging.bounds()?;
    let rows = app
        .db()
        .await?
        .query(
            "SELECT e.signature, e.block_time, e.idx, encode(e.raw, 'hex') FROM events e
             WHERE e.signature IN (
                 SELECT signature FROM events
                 WHERE pool = $1 OR node = $1 OR lease = $1 OR wallet = $1
                    OR lease IN (SELECT address FROM leases WHERE node = $1))
             ORDER BY e.seq LIMIT $2 OFFSET $3",
            &[&key, &limit, &offset],
        )
        .await?;
    let items: Vec<RawEvent> = rows
        .iter()
        .map(|r| RawEvent {
            signature: r.get(0),
            block_time: r.get(1),
            index: r.get(2),
            raw: r.get(3),
        })
        .collect();
    let next_page = paging.next(items.len(), limit);
    Ok(Json(RawPage { items, next_page }))
}

/// A wallet's position in one pool. Base units, as strings.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct Position {
    pool: String,
    /// Share tokens the wallet holds now, over all its token accounts (transfers included).
    shares: String,
    /// What those shares are worth now, rounded down.
    value: String,
    /// Shares waiting in the redemption queue (burned, not yet priced).
    queued_shares: String,
    /// Assets of fulfilled tickets not yet claimed.
    claimable: String,
    /// Assets deposited.
    deposited: String,
    /// Assets paid out: instant redemptions and claimed queued redemptions.
    redeemed: String,
}

/// Sums of the wallet's deposits and payouts, by pool, from its events.
async fn flows(db: &db::Conn, wallet: &str) -> Result<Vec<(String, String, String)>, ApiError> {
    let rows = db
        .query(
            "SELECT pool,
                    COALESCE(SUM(amount) FILTER (WHERE name = 'Deposited'), 0)::TEXT,
                    COALESCE(SUM(amount) FILTER (WHERE name IN ('Redeemed', 'RedemptionClaimed')), 0)::TEXT
             FROM events WHERE wallet = $1 AND pool IS NOT NULL
               AND name IN ('Deposited', 'Redeemed', 'RedemptionClaimed')
             GROUP BY pool",
            &[&wallet],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect())
}

/// The wallet's live redemption tickets.
async fn tickets(db: &db::Conn, wallet: &Pubkey) -> Result<Vec<RedemptionTicket>, ApiError> {
    // The owner's bytes in the account, at the SDK's offset (SQL counts from 1).
    const OWNER_AT: i32 = tessera_client::accounts::offsets::TICKET_OWNER as i32 + 1;
    let rows = db
        .query(
            "SELECT data FROM accounts WHERE kind = 'redemption_ticket' AND NOT closed
               AND substring(data FROM $1 FOR 32) = $2",
            &[&OWNER_AT, &wallet.to_bytes().as_slice()],
        )
        .await?;
    Ok(rows
        .iter()
        .filter_map(|r| read::<RedemptionTicket>(r.get(0)))
        .filter(|t| t.owner == *wallet)
        .collect())
}

#[utoipa::path(get, path = "/wallets/{address}/positions", params(("address" = String, Path)), responses((status = 200, body = [Position]), (status = 400), (status = 502, description = "the node could not be read")))]
async fn positions(
    State(app): State<AppState>,
    Path(a): Path<String>,
    q: Result<Query<NoParams>, QueryRejection>,
) -> Result<Json<Vec<Position>>, ApiError> {
    params(q)?;
    let wallet = address(&a)?;
    let balances = app
        .source
        .token_balances(&wallet)
        .await
        .map_err(|e| ApiError(StatusCode::BAD_GATEWAY, format!("{e}")))?;
    let db = app.db().await?;
    let (flows, tickets) = (
        flows(&db, &wallet.to_string()).await?,
        tickets(&db, &wallet).await?,
    );
    let now = now();
    let mut out = Vec::new();
    for (address, pool) in live_pools(&db).await? {
        let held = balances
            .iter()
            .find(|(mint, _)| *mint == pool.share_mint)
            .map_or(0, |(_, n)| *n);
        let mine: Vec<&RedemptionTicket> = tickets
            .iter()
            .filter(|t| t.pool.to_string() == address)
            .collect();
        let flow = flows.iter().find(|(p, _, _)| *p == address);
        if held == 0 && mine.is_empty() && flow.is_none() {
            continue;
        }
        let sum = |status: TicketStatus, of: fn(&RedemptionTicket) -> u64| {
            mine.iter()
                .filter(|t| t.status == status)
                .map(|t| u128::from(of(t)))
                .sum::<u128>()
        };
        let value = tessera_client::metrics::share_price(&pool, now)
            .map_or(0, |(num, den)| u128::from(held) * num / den.max(1));
        out.push(Position {
            shares: held.to_string(),
            value: value.to_string(),
            queued_shares: sum(TicketStatus::Queued, |t| t.shares).to_string(),
            claimable: sum(TicketStatus::Fulfilled, |t| t.assets).to_string(),
            deposited: flow.map_or("0".into(), |f| f.1.clone()),
            redeemed: flow.map_or("0".into(), |f| f.2.clone()),
            pool: address,
        });
    }
    Ok(Json(out))
}

/// Whether the service is fit to answer: the database reachable and the index recent.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` or `unhealthy`.
    status: &'static str,
    /// Whether a query reached PostgreSQL just now.
    database_reachable: bool,
    /// Seconds since the indexer last had every transaction the node reported (absent before
    /// the first time).
    lag_seconds: Option<u64>,
    /// The chain's slot when it last caught up.
    indexed_slot: u64,
    /// The loop's last error, while it is failing.
    last_error: Option<String>,
    /// What is wrong, in words; empty when healthy.
    problems: Vec<String>,
}

#[utoipa::path(get, path = "/health", responses((status = 200, body = Health), (status = 503, body = Health, description = "the database is unreachable or the index is behind")))]
async fn health(State(app): State<AppState>) -> (StatusCode, Json<Health>) {
    let probe = async {
        let db = app.pool.get().await.map_err(DbError::from)?;
        db.query_one("SELECT 1", &[]).await.map_err(DbError::from)
    };
    let reachable = matches!(
        tokio::time::timeout(Duration::from_secs(2), probe).await,
        Ok(Ok(_))
    );
    let progress = app.progress.now();
    let lag = progress.synced_at.map(|t| t.elapsed().as_secs());
    let mut problems = Vec::new();
    if !reachable {
        problems.push("the database is unreachable".to_string());
    }
    match lag {
        None => problems.push("the indexer has not caught up with the chain yet".to_string()),
        Some(lag) if lag > app.max_lag.as_secs() => problems.push(format!(
            "the indexer last caught up with the chain {lag} s ago (limit {} s)",
            app.max_lag.as_secs()
        )),
        Some(_) => {}
    }
    let status = match problems.is_empty() {
        true => StatusCode::OK,
        false => StatusCode::SERVICE_UNAVAILABLE,
    };
    let body = Health {
        status: if problems.is_empty() {
            "ok"
        } else {
            "unhealthy"
        },
        database_reachable: reachable,
        lag_seconds: lag,
        indexed_slot: progress.slot,
        last_error: progress.error,
        problems,
    };
    (status, Json(body))
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tessera indexer",
        description = "Market search, pools, receipts, positions and statements from Tessera's indexed accounts and events"
    ),
    paths(
        health,
        market,
        pools,
        pool_history,
        address_history,
        lease_receipts,
        node_receipts,
        statement,
        positions
    ),
    components(schemas(
        Health, MarketPage, MarketNode, PoolOut, EventsPage, EventOut, RawPage, RawEvent, Position
    ))
)]
pub struct ApiDoc;

/// The API's routes over `app`.
pub fn router(app: AppState) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/openapi.json", get(|| async { Json(ApiDoc::openapi()) }))
        .route("/market", get(market))
        .route("/pools", get(pools))
        .route("/pools/{address}/history", get(pool_history))
        .route("/addresses/{address}/history", get(address_history))
        .route("/leases/{address}/receipts", get(lease_receipts))
        .route("/nodes/{address}/receipts", get(node_receipts))
        .route("/wallets/{address}/statement", get(statement))
        .route("/wallets/{address}/positions", get(positions))
        .fallback(|| async {
            ApiError(
                StatusCode::NOT_FOUND,
                "no such endpoint: see /openapi.json".into(),
            )
        })
        .layer(tower_http::cors::CorsLayer::permissive())
        .with_state(app)
}
