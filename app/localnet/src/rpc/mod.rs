//! The local network's endpoints: Solana's JSON-RPC over HTTP (`methods`) and its websocket
//! subscriptions (`ws`), on axum, in the shapes of `solana-rpc-client-api`'s types. Bad
//! requests get JSON-RPC errors; bodies are capped at [`MAX_BODY`]. Every transaction is final
//! in the slot it lands in, and a slot lasts [`SLOT`].

mod encode;
mod methods;
mod params;
mod simulate;
mod ws;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{DefaultBodyLimit, State as Shared};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use tessera_client::error::ClientError;
use tessera_client::Chain;
use tokio::net::TcpListener;
use tower_http::cors::CorsLayer;
use tower_http::limit::RequestBodyLimitLayer;

use crate::bank::LocalChain;

pub use methods::RpcError;

/// Largest request body accepted (a transaction is at most 1,232 bytes; requests for many
/// accounts stay far below this).
pub const MAX_BODY: usize = 1 << 20;

/// Length of a slot.
pub const SLOT: Duration = Duration::from_millis(400);

/// How the chain's clock moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockMode {
    /// Only when the owner of the chain advances it (tests).
    Manual,
    /// With the wall clock, `n` cluster seconds per real second.
    Running(i64),
}

/// Where to listen and how the clock moves.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// JSON-RPC over HTTP.
    pub rpc: SocketAddr,
    /// Websocket subscriptions.
    pub ws: SocketAddr,
    /// The clock.
    pub clock: ClockMode,
}

impl Options {
    /// Free loopback ports (tests).
    pub fn ephemeral(clock: ClockMode) -> Self {
        let any = SocketAddr::from(([127, 0, 0, 1], 0));
        Self {
            rpc: any,
            ws: any,
            clock,
        }
    }
}

/// A running endpoint; dropping it stops the servers and the slot clock.
pub struct Endpoint {
    /// `http://<address>` of the JSON-RPC endpoint.
    pub url: String,
    /// `ws://<address>` of the websocket endpoint.
    pub ws_url: String,
    state: Arc<State>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Endpoint {
    /// The chain behind it.
    pub fn chain(&self) -> &Arc<LocalChain> {
        &self.state.chain
    }

    /// Refuses the next `n` `sendTransaction` calls with HTTP 503 before processing them (an
    /// unreachable or overloaded node).
    pub fn refuse_next_sends(&self, n: u32) {
        self.state.refuse_sends.store(n, Ordering::SeqCst);
    }

    /// Processes the next `n` `sendTransaction` calls but answers HTTP 502 (the transaction
    /// landed; the response was lost on the way back).
    pub fn lose_next_responses(&self, n: u32) {
        self.state.lose_responses.store(n, Ordering::SeqCst);
    }
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// What the handlers share.
pub(crate) struct State {
    pub(crate) chain: Arc<LocalChain>,
    clock: ClockMode,
    started: (Instant, i64),
    /// The cluster time the clock was last brought to (a request in the same second asks
    /// the bank nothing).
    synced: AtomicI64,
    refuse_sends: AtomicU32,
    lose_responses: AtomicU32,
    /// Where this node serves JSON-RPC and websockets (`getClusterNodes`).
    pub(crate) addresses: (SocketAddr, SocketAddr),
}

impl State {
    /// Brings a running clock up to the wall clock.
    async fn sync_clock(&self) {
        if let ClockMode::Running(speed) = self.clock {
            let (t0, unix0) = self.started;
            let elapsed = i64::try_from(t0.elapsed().as_secs()).unwrap_or(i64::MAX / 2);
            let target = unix0.saturating_add(elapsed.saturating_mul(speed));
            if self.synced.fetch_max(target, Ordering::SeqCst) < target {
                let _ = self.chain.advance_clock_to(target).await;
            }
        }
    }
}

/// Serves `chain`: JSON-RPC on `options.rpc`, websockets on `options.ws`, and a slot every
/// [`SLOT`].
pub async fn serve(chain: Arc<LocalChain>, options: Options) -> Result<Endpoint, ClientError> {
    let bind = |addr: SocketAddr| async move {
        TcpListener::bind(addr)
            .await
            .map_err(|e| ClientError::Rpc(format!("cannot listen on {addr}: {e}")))
    };
    let (rpc, ws) = (bind(options.rpc).await?, bind(options.ws).await?);
    let address = |l: &TcpListener| l.local_addr().map_err(|e| ClientError::Rpc(e.to_string()));
    let (rpc_addr, ws_addr) = (address(&rpc)?, address(&ws)?);
    let start = chain.unix_timestamp().await?;
    let state = Arc::new(State {
        chain,
        clock: options.clock,
        started: (Instant::now(), start),
        synced: AtomicI64::new(i64::MIN),
        refuse_sends: AtomicU32::new(0),
        lose_responses: AtomicU32::new(0),
        addresses: (rpc_addr, ws_addr),
    });
    let http = Router::new()
        .route("/", post(http_request))
        .route("/health", get(|| async { "ok" }))
        // Refuses an oversized body by its Content-Length, before reading any of it.
        .layer(RequestBodyLimitLayer::new(MAX_BODY))
        .layer(DefaultBodyLimit::disable())
        .layer(CorsLayer::permissive())
        .with_state(state.clone());
    let sockets = Router::new()
        .route("/", get(ws::upgrade))
        .with_state(state.clone());
    let ticking = state.clone();
    let tasks = vec![
        tokio::spawn(async move {
            let _ = axum::serve(rpc, http).await;
        }),
        tokio::spawn(async move {
            let _ = axum::serve(ws, sockets).await;
        }),
        tokio::spawn(async move {
            let mut every = tokio::time::interval(SLOT);
            loop {
                every.tick().await;
                ticking.chain.next_slot();
                ticking.sync_clock().await;
            }
        }),
    ];
    Ok(Endpoint {
        url: format!("http://{rpc_addr}"),
        ws_url: format!("ws://{ws_addr}"),
        state,
        tasks,
    })
}

/// Takes one from `counter` if it is above zero.
fn take(counter: &AtomicU32) -> bool {
    counter
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}

/// One HTTP POST: a request or a batch of them.
async fn http_request(Shared(state): Shared<Arc<State>>, body: axum::body::Bytes) -> Response {
    let request: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            let error = RpcError::new(-32700, format!("Parse error: {e}"));
            return Json(reply(Value::Null, Err(error))).into_response();
        }
    };
    let sending = request["method"] == "sendTransaction";
    if sending && take(&state.refuse_sends) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    state.sync_clock().await;
    let answer = match request {
        Value::Array(batch) if batch.is_empty() => reply(
            Value::Null,
            Err(RpcError::new(-32600, "Invalid request: empty batch")),
        ),
        Value::Array(batch) => {
            let mut answers = Vec::with_capacity(batch.len());
            for one in &batch {
                answers.push(answer(&state, one).await);
            }
            Value::Array(answers)
        }
        one => answer(&state, &one).await,
    };
    if sending && take(&state.lose_responses) {
        return StatusCode::BAD_GATEWAY.into_response();
    }
    Json(answer).into_response()
}

/// One JSON-RPC request → its response.
async fn answer(state: &State, request: &Value) -> Value {
    let id = request.get("id").cloned().unwrap_or(Value::Null);
    let Some(method) = request.get("method").and_then(Value::as_str) else {
        let error = RpcError::new(-32600, "Invalid request: no method");
        return reply(id, Err(error));
    };
    let params = request.get("params").cloned().unwrap_or(json!([]));
    reply(id, methods::handle(state, method, &params).await)
}

fn reply(id: Value, result: Result<Value, RpcError>) -> Value {
    match result {
        Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
        Err(error) => json!({"jsonrpc": "2.0", "id": id, "error": error}),
    }
}
