//! The read API (JSON over HTTP): market search, pools with their history, a node's and a
//! lease's receipts, a wallet's positions and statement, and the OpenAPI description
//! (`/openapi.json`). Every list is paged with at most [`MAX_LIMIT`] items and no page starts
//! past [`MAX_OFFSET`]; bad parameters get a 400 with words.

use std::sync::Arc;

use anchor_lang::AccountDeserialize;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio_postgres::Client;
use utoipa::{IntoParams, OpenApi, ToSchema};

/// Most items one page holds.
pub const MAX_LIMIT: u32 = 100;
/// Deepest a page may start (the API never scans past it).
pub const MAX_OFFSET: u32 = 10_000;

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

/// A page of a list.
#[derive(Debug, Clone, Copy, Deserialize, IntoParams)]
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
pub struct MarketQuery {
    /// Part of the GPU model's name (case-insensitive).
    model: Option<String>,
    /// At least this many GPUs free.
    min_free: Option<i32>,
    /// At most this price per GPU-hour, settlement base units.
    max_price: Option<i64>,
    /// At least this attested BF16 TFLOPS (unattested nodes are left out).
    min_tflops: Option<f64>,
    /// At least this many receipts settled by the provider.
    min_receipts: Option<i64>,
    /// `price` (default), `free`, `tflops` or `reputation`.
    sort: Option<String>,
    /// Page number, from 0.
    page: Option<u32>,
    /// Items per page, 1 to 100 (default 50).
    limit: Option<u32>,
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

/// A page of the market.
#[derive(Debug, Serialize, ToSchema)]
pub struct MarketPage {
    items: Vec<MarketNode>,
    next_page: Option<u32>,
}

#[utoipa::path(get, path = "/market", params(MarketQuery), responses((status = 200, body = MarketPage), (status = 400, description = "bad parameters, in words")))]
async fn market(
    State(db): State<Arc<Client>>,
    q: Result<Query<MarketQuery>, QueryRejection>,
) -> Result<Json<MarketPage>, ApiError> {
    let q = params(q)?;
    let paging = Paging {
        page: q.page,
        limit: q.limit,
    };
    let (limit, offset) = paging.bounds()?;
    let order = match q.sort.as_deref().unwrap_or("price") {
        "price" => "price, address",
        "free" => "gpus_free DESC, address",
        "tflops" => "tflops_centi DESC, address",
        "reputation" => "receipts_settled DESC, address",
        other => {
            return Err(bad(format!(
                "sort must be price, free, tflops or reputation, not {other:?}"
            )))
        }
    };
    let min_tflops_centi = q.min_tflops.map(|t| (t * 100.0).ceil() as i32);
    let sql = format!(
        "SELECT address, provider, pool, model, gpus, gpus_free, price, tflops_centi, attested, online, receipts_settled, disputes_lost
         FROM nodes WHERE NOT closed
           AND ($1::TEXT IS NULL OR model ILIKE '%' || $1 || '%')
           AND ($2::INT IS NULL OR gpus_free >= $2)
           AND ($3::BIGINT IS NULL OR price <= $3)
           AND ($4::INT IS NULL OR (attested AND tflops_centi >= $4))
           AND ($5::BIGINT IS NULL OR receipts_settled >= $5)
         ORDER BY {order} LIMIT $6 OFFSET $7"
    );
    let rows = db
        .query(
            &sql,
            &[
                &q.model,
                &q.min_free,
                &q.max_price,
                &min_tflops_centi,
                &q.min_receipts,
                &limit,
                &offset,
            ],
        )
        .await?;
    let items: Vec<MarketNode> = rows
        .iter()
        .map(|r| MarketNode {
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
        })
        .collect();
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

#[utoipa::path(get, path = "/pools", responses((status = 200, body = [PoolOut])))]
async fn pools(State(db): State<Arc<Client>>) -> Result<Json<Vec<PoolOut>>, ApiError> {
    let rows = db
        .query("SELECT address, data FROM accounts WHERE kind = 'pool' AND NOT closed ORDER BY address LIMIT 1000", &[])
        .await?;
    let now = now();
    let out = rows
        .iter()
        .filter_map(|r| {
            let data: Vec<u8> = r.get(1);
            let p = tessera::state::Pool::try_deserialize(&mut &data[..]).ok()?;
            let (num, den) = tessera_client::metrics::share_price(&p, now)?;
            Some(PoolOut {
                address: r.get(0),
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
    db: &Client,
    filter: &str,
    key: &str,
    paging: Paging,
) -> Result<EventsPage, ApiError> {
    let (limit, offset) = paging.bounds()?;
    let sql = format!(
        "SELECT e.signature, e.idx, e.slot, e.block_time, e.finalized, e.name, e.data FROM events e
         WHERE {filter} ORDER BY e.seq LIMIT $2 OFFSET $3"
    );
    let rows = db.query(&sql, &[&key, &limit, &offset]).await?;
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

fn address(text: &str) -> Result<String, ApiError> {
    text.parse::<solana_sdk::pubkey::Pubkey>()
        .map(|k| k.to_string())
        .map_err(|_| bad(format!("{text:?} is not a base-58 address")))
}

#[utoipa::path(get, path = "/pools/{address}/history", params(("address" = String, Path), Paging), responses((status = 200, body = EventsPage), (status = 400)))]
async fn pool_history(
    State(db): State<Arc<Client>>,
    Path(a): Path<String>,
    q: Result<Query<Paging>, QueryRejection>,
) -> Result<Json<EventsPage>, ApiError> {
    let filter = "(e.pool = $1 OR e.lease IN (SELECT address FROM leases WHERE pool = $1))";
    Ok(Json(
        events_where(&db, filter, &address(&a)?, params(q)?).await?,
    ))
}

#[utoipa::path(get, path = "/leases/{address}/receipts", params(("address" = String, Path), Paging), responses((status = 200, body = EventsPage), (status = 400)))]
async fn lease_receipts(
    State(db): State<Arc<Client>>,
    Path(a): Path<String>,
    q: Result<Query<Paging>, QueryRejection>,
) -> Result<Json<EventsPage>, ApiError> {
    let filter = "e.lease = $1 AND e.name IN ('ReceiptSubmitted', 'ChargeSettled', 'ChargeDisputed', 'DisputeResolved')";
    Ok(Json(
        events_where(&db, filter, &address(&a)?, params(q)?).await?,
    ))
}

#[utoipa::path(get, path = "/nodes/{address}/receipts", params(("address" = String, Path), Paging), responses((status = 200, body = EventsPage), (status = 400)))]
async fn node_receipts(
    State(db): State<Arc<Client>>,
    Path(a): Path<String>,
    q: Result<Query<Paging>, QueryRejection>,
) -> Result<Json<EventsPage>, ApiError> {
    let filter =
        "e.name = 'ReceiptSubmitted' AND e.lease IN (SELECT address FROM leases WHERE node = $1)";
    Ok(Json(
        events_where(&db, filter, &address(&a)?, params(q)?).await?,
    ))
}

#[utoipa::path(get, path = "/wallets/{address}/statement", params(("address" = String, Path), Paging), responses((status = 200, body = EventsPage), (status = 400)))]
async fn statement(
    State(db): State<Arc<Client>>,
    Path(a): Path<String>,
    q: Result<Query<Paging>, QueryRejection>,
) -> Result<Json<EventsPage>, ApiError> {
    Ok(Json(
        events_where(&db, "e.wallet = $1", &address(&a)?, params(q)?).await?,
    ))
}

/// A wallet's shares in one pool, by its deposits, redemptions and queued redemptions.
#[derive(Debug, Serialize, ToSchema)]
pub struct Position {
    pool: String,
    shares: String,
    deposited: String,
    redeemed: String,
}

#[utoipa::path(get, path = "/wallets/{address}/positions", params(("address" = String, Path)), responses((status = 200, body = [Position]), (status = 400)))]
async fn positions(
    State(db): State<Arc<Client>>,
    Path(a): Path<String>,
) -> Result<Json<Vec<Position>>, ApiError> {
    let rows = db
        .query(
            "SELECT pool,
                    SUM(CASE name WHEN 'Deposited' THEN shares ELSE -shares END)::TEXT,
                    SUM(CASE name WHEN 'Deposited' THEN amount ELSE 0 END)::TEXT,
                    SUM(CASE name WHEN 'Redeemed' THEN amount ELSE 0 END)::TEXT
             FROM events WHERE wallet = $1 AND pool IS NOT NULL AND shares IS NOT NULL
               AND name IN ('Deposited', 'Redeemed', 'RedemptionRequested')
             GROUP BY pool ORDER BY pool LIMIT 1000",
            &[&address(&a)?],
        )
        .await?;
    Ok(Json(
        rows.iter()
            .map(|r| Position {
                pool: r.get(0),
                shares: r.get(1),
                deposited: r.get(2),
                redeemed: r.get(3),
            })
            .collect(),
    ))
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tessera indexer",
        description = "Market search, pools, receipts and statements from Tessera's indexed accounts and events"
    ),
    paths(
        market,
        pools,
        pool_history,
        lease_receipts,
        node_receipts,
        statement,
        positions
    ),
    components(schemas(MarketPage, MarketNode, PoolOut, EventsPage, EventOut, Position))
)]
pub struct ApiDoc;

/// The API's routes over `db`.
pub fn router(db: Arc<Client>) -> Router {
    Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/openapi.json", get(|| async { Json(ApiDoc::openapi()) }))
        .route("/market", get(market))
        .route("/pools", get(pools))
        .route("/pools/{address}/history", get(pool_history))
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
        .with_state(db)
}
