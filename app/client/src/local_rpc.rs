//! A JSON-RPC endpoint over [`LocalChain`]: the subset of Solana's HTTP API that [`RpcChain`]
//! uses (accounts, program accounts, blockhashes, `sendTransaction` with preflight errors as a
//! node reports them, signature statuses, slot and block time). It lets the real `tessera-agent`
//! binary and the CLI run against the in-process bank in tests and benchmarks, since no
//! validator can be installed on the development machines. It is a test double, not a
//! validator: every transaction is final at once, and the clock moves only as configured.
//!
//! [`RpcChain`]: crate::rpc::RpcChain

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Instant;

use base64::Engine as _;
use serde_json::{json, Value};
use solana_sdk::account::Account;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signature;
use solana_sdk::transaction::{Transaction, TransactionError};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;

use crate::chain::Chain;
use crate::error::ClientError;
use crate::local::LocalChain;

/// How the endpoint's cluster clock moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockMode {
    /// Only when the caller advances it.
    Manual,
    /// With the wall clock, `n` cluster seconds per real second.
    Running(i64),
}

/// A running endpoint; dropping it stops the server.
pub struct LocalRpc {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

impl LocalRpc {
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

/// Takes one from `counter` if it is above zero.
fn take(counter: &AtomicU32) -> bool {
    counter
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}

impl Drop for LocalRpc {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct State {
    chain: Arc<LocalChain>,
    clock: ClockMode,
    started: (Instant, i64),
    statuses: Mutex<Vec<(Signature, Option<TransactionError>)>>,
    refuse_sends: AtomicU32,
    lose_responses: AtomicU32,
}

/// Serves `chain` on a free loopback port.
pub async fn serve(chain: Arc<LocalChain>, clock: ClockMode) -> Result<LocalRpc, ClientError> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| ClientError::Rpc(e.to_string()))?;
    let port = listener
        .local_addr()
        .map_err(|e| ClientError::Rpc(e.to_string()))?
        .port();
    let start = chain.unix_timestamp().await?;
    let state = Arc::new(State {
        chain,
        clock,
        started: (Instant::now(), start),
        statuses: Mutex::new(Vec::new()),
        refuse_sends: AtomicU32::new(0),
        lose_responses: AtomicU32::new(0),
    });
    let served = state.clone();
    let task = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(connection(stream, served.clone()));
        }
    });
    Ok(LocalRpc {
        url: format!("http://127.0.0.1:{port}"),
        state,
        task,
    })
}

/// Largest request body accepted (a Solana transaction is at most 1,232 bytes; requests for
/// many accounts stay far below this).
pub const MAX_BODY: usize = 1 << 20;

/// Answers HTTP/1.1 POSTs on one keep-alive connection until it closes.
async fn connection(stream: TcpStream, state: Arc<State>) {
    let mut stream = BufReader::new(stream);
    loop {
        let mut length = 0usize;
        let mut line = String::new();
        loop {
            line.clear();
            match stream.read_line(&mut line).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
        }
        if length > MAX_BODY {
            // Refuse without reading (or allocating) the body, then drop the connection.
            let refusal =
                b"HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
            let _ = stream.get_mut().write_all(refusal).await;
            return;
        }
        let mut body = vec![0; length];
        if stream.read_exact(&mut body).await.is_err() {
            return;
        }
        let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let sending = request["method"] == "sendTransaction";
        let (status, reply) = if sending && take(&state.refuse_sends) {
            ("503 Service Unavailable", String::new())
        } else {
            let reply = answer(&state, &request).await.to_string();
            if sending && take(&state.lose_responses) {
                ("502 Bad Gateway", String::new())
            } else {
                ("200 OK", reply)
            }
        };
        let head = format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            reply.len()
        );
        let out = stream.get_mut();
        if out.write_all(head.as_bytes()).await.is_err()
            || out.write_all(reply.as_bytes()).await.is_err()
        {
            return;
        }
    }
}

/// One JSON-RPC request → response.
async fn answer(state: &State, request: &Value) -> Value {
    let id = request["id"].clone();
    let method = request["method"].as_str().unwrap_or("");
    let params = &request["params"];
    if let ClockMode::Running(speed) = state.clock {
        let (t0, unix0) = state.started;
        let target = unix0 + i64::try_from(t0.elapsed().as_secs()).unwrap_or(0) * speed;
        let _ = state.chain.advance_clock_to(target).await;
    }
    match handle(state, method, params).await {
        Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
        Err(error) => json!({"jsonrpc": "2.0", "id": id, "error": error}),
    }
}

fn internal(e: impl std::fmt::Display) -> Value {
    json!({"code": -32603, "message": e.to_string()})
}

fn pubkey(v: &Value) -> Result<Pubkey, Value> {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| json!({"code": -32602, "message": "invalid public key"}))
}

fn ui_account(a: &Account) -> Value {
    json!({
        "data": [base64::engine::general_purpose::STANDARD.encode(&a.data), "base64"],
        "executable": a.executable,
        "lamports": a.lamports,
        "owner": a.owner.to_string(),
        "rentEpoch": a.rent_epoch,
        "space": a.data.len(),
    })
}

async fn handle(state: &State, method: &str, params: &Value) -> Result<Value, Value> {
    let chain = &state.chain;
    let slot = chain.slot().await.map_err(internal)?;
    let context = json!({"slot": slot});
    Ok(match method {
        "getAccountInfo" => {
            let account = chain
                .account(&pubkey(&params[0])?)
                .await
                .map_err(internal)?;
            json!({"context": context, "value": account.as_ref().map(ui_account)})
        }
        "getLatestBlockhash" => {
            let hash = chain.latest_blockhash().await.map_err(internal)?;
            json!({"context": context, "value": {"blockhash": hash.to_string(), "lastValidBlockHeight": slot + 150}})
        }
        "isBlockhashValid" => json!({"context": context, "value": true}),
        "getSlot" => json!(slot),
        "getBlockTime" => json!(chain.unix_timestamp().await.map_err(internal)?),
        "getHealth" => json!("ok"),
        "getVersion" => json!({"solana-core": "3.1.12", "feature-set": 0}),
        "getProgramAccounts" => {
            let mut filters = Vec::new();
            for f in params[1]["filters"].as_array().into_iter().flatten() {
                let m = &f["memcmp"];
                let bytes = match (&m["bytes"], m["encoding"].as_str()) {
                    // Raw bytes: a JSON array of numbers.
                    (Value::Array(raw), _) => {
                        raw.iter().map(|b| b.as_u64().unwrap_or(0) as u8).collect()
                    }
                    (text, Some("base64")) => base64::engine::general_purpose::STANDARD
                        .decode(text.as_str().unwrap_or(""))
                        .map_err(internal)?,
                    (text, _) => bs58::decode(text.as_str().unwrap_or(""))
                        .into_vec()
                        .map_err(internal)?,
                };
                filters.push((m["offset"].as_u64().unwrap_or(0) as usize, bytes));
            }
            let found = chain.program_accounts(&filters).await.map_err(internal)?;
            json!(found
                .iter()
                .map(|(k, a)| json!({"pubkey": k.to_string(), "account": ui_account(a)}))
                .collect::<Vec<_>>())
        }
        "sendTransaction" => {
            let wire = base64::engine::general_purpose::STANDARD
                .decode(params[0].as_str().unwrap_or(""))
                .map_err(internal)?;
            let tx: Transaction = bincode::deserialize(&wire).map_err(internal)?;
            let signature = tx.signatures.first().copied().unwrap_or_default();
            match chain.process(tx).await.map_err(internal)? {
                Ok(()) => {
                    state.statuses.lock().await.push((signature, None));
                    json!(signature.to_string())
                }
                // What a node answers when preflight simulation fails.
                Err((err, logs)) => {
                    return Err(json!({
                        "code": -32002,
                        "message": format!("Transaction simulation failed: {err}"),
                        "data": {"err": err, "logs": logs, "accounts": null, "unitsConsumed": 0},
                    }))
                }
            }
        }
        "getSignatureStatuses" => {
            let statuses = state.statuses.lock().await;
            let value: Vec<Value> = params[0]
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| {
                    let sig: Option<Signature> = s.as_str().and_then(|s| s.parse().ok());
                    statuses
                        .iter()
                        .find(|(known, _)| Some(*known) == sig)
                        .map_or(Value::Null, |(_, err)| {
                            json!({
                                "slot": slot,
                                "confirmations": null,
                                "err": err,
                                "status": match err { None => json!({"Ok": null}), Some(e) => json!({"Err": e}) },
                                "confirmationStatus": "finalized",
                            })
                        })
                })
                .collect();
            json!({"context": context, "value": value})
        }
        other => {
            return Err(json!({"code": -32601, "message": format!("Method not found: {other}")}))
        }
    })
}
