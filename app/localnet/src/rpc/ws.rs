//! Websocket subscriptions: `signatureSubscribe`, `accountSubscribe`, `programSubscribe`,
//! `logsSubscribe` and `slotSubscribe`, with their `…Unsubscribe`, notified from the chain's
//! feed of slots and landed transactions.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State as Shared;
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use solana_sdk::account::Account;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signature;
use tokio::sync::broadcast::error::RecvError;

use super::methods::{encode_all, RpcError};
use super::params::{self, at, config, invalid, pubkey, Config};
use super::{reply, State, MAX_BODY};
use crate::bank::{Notice, Recorded};

/// Most subscriptions one connection holds.
const MAX_SUBSCRIPTIONS: usize = 1_000;

/// Subscription ids, unique across connections.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// What one subscription waits for.
enum Subscription {
    Signature(Signature),
    Account(Pubkey, Config),
    Program(Pubkey, Vec<(usize, Vec<u8>)>, Option<usize>, Config),
    /// `None`: every transaction's logs.
    Logs(Option<Pubkey>),
    Slot,
}

impl Subscription {
    /// The notification method's name.
    fn method(&self) -> &'static str {
        match self {
            Self::Signature(_) => "signatureNotification",
            Self::Account(..) => "accountNotification",
            Self::Program(..) => "programNotification",
            Self::Logs(_) => "logsNotification",
            Self::Slot => "slotNotification",
        }
    }
}

/// Upgrades a GET to a websocket session.
pub async fn upgrade(ws: WebSocketUpgrade, Shared(state): Shared<Arc<State>>) -> Response {
    ws.max_message_size(MAX_BODY)
        .on_upgrade(move |socket| session(socket, state))
}

async fn session(socket: WebSocket, state: Arc<State>) {
    let (mut out, mut inbox) = socket.split();
    let mut feed = state.chain.subscribe();
    let mut subs: HashMap<u64, Subscription> = HashMap::new();
    loop {
        let messages = tokio::select! {
            message = inbox.next() => match message {
                Some(Ok(Message::Text(text))) => request(&state, &mut subs, &text).await,
                Some(Ok(Message::Binary(_))) => {
                    let error = RpcError::new(-32700, "Parse error: send JSON text");
                    vec![reply(Value::Null, Err(error))]
                }
                Some(Ok(_)) => continue,
                _ => return,
            },
            notice = feed.recv() => match notice {
                Ok(notice) => notify(&state, &mut subs, &notice).await,
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return,
            },
        };
        for message in messages {
            if out
                .send(Message::Text(message.to_string().into()))
                .await
                .is_err()
            {
                return;
            }
        }
    }
}

/// One request: its reply, then any notification due at once.
async fn request(state: &State, subs: &mut HashMap<u64, Subscription>, text: &str) -> Vec<Value> {
    let request: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            return vec![reply(
                Value::Null,
                Err(RpcError::new(-32700, format!("Parse error: {e}"))),
            )]
        }
    };
    let id = request.get("id").cloned().unwrap_or(Value::Null);
    let method = request.get("method").and_then(Value::as_str).unwrap_or("");
    let p = request.get("params").cloned().unwrap_or(json!([]));
    if let Some(kind) = method.strip_suffix("Unsubscribe") {
        let removed = at::<u64>(&p, 0, "subscription id").and_then(|sub| {
            match subs.get(&sub).map(|s| s.method().starts_with(kind)) {
                Some(true) => Ok(subs.remove(&sub).is_some()),
                _ => Err(invalid("Invalid subscription id.")),
            }
        });
        return vec![reply(id, removed.map(Value::Bool))];
    }
    let subscription = match parse(method, &p) {
        Ok(s) => s,
        Err(e) => return vec![reply(id, Err(e))],
    };
    if subs.len() >= MAX_SUBSCRIPTIONS {
        let error = invalid(format!(
            "at most {MAX_SUBSCRIPTIONS} subscriptions per connection"
        ));
        return vec![reply(id, Err(error))];
    }
    let sub = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let mut out = vec![reply(id, Ok(json!(sub)))];
    // A signature that already landed is notified at once.
    if let Subscription::Signature(signature) = subscription {
        if let Some(tx) = state.chain.transaction(&signature).await {
            out.push(notification(
                "signatureNotification",
                sub,
                signature_result(&tx),
            ));
            return out;
        }
    }
    subs.insert(sub, subscription);
    out
}

fn parse(method: &str, p: &Value) -> Result<Subscription, RpcError> {
    Ok(match method {
        "signatureSubscribe" => {
            let text: String = at(p, 0, "signature")?;
            Subscription::Signature(params::signature(&text)?)
        }
        "accountSubscribe" => {
            let config = config(p, 1)?;
            params::account_encoding(&config)?;
            Subscription::Account(pubkey(p, 0)?, config)
        }
        "programSubscribe" => {
            let config = config(p, 1)?;
            params::account_encoding(&config)?;
            let (memcmp, size) = params::filters(&config)?;
            Subscription::Program(pubkey(p, 0)?, memcmp, size, config)
        }
        "logsSubscribe" => match p.get(0) {
            Some(Value::String(s)) if s == "all" || s == "allWithVotes" => Subscription::Logs(None),
            Some(v) => {
                let mentions = v.get("mentions").cloned().unwrap_or(Value::Null);
                let keys: Vec<String> = serde_json::from_value(mentions)
                    .map_err(|_| invalid("logs filter: \"all\" or {\"mentions\": [address]}"))?;
                match keys.as_slice() {
                    [one] => Subscription::Logs(Some(
                        one.parse()
                            .map_err(|_| invalid("mentions: not an address"))?,
                    )),
                    _ => return Err(invalid("mentions takes exactly one address")),
                }
            }
            None => return Err(invalid("logs filter is missing")),
        },
        "slotSubscribe" => Subscription::Slot,
        other => return Err(RpcError::new(-32601, format!("Method not found: {other}"))),
    })
}

fn notification(method: &str, subscription: u64, result: Value) -> Value {
    json!({
        "jsonrpc": "2.0",
        "method": method,
        "params": {"result": result, "subscription": subscription},
    })
}

fn signature_result(tx: &Recorded) -> Value {
    let err = tx.meta.status.clone().err();
    json!({"context": {"slot": tx.slot}, "value": {"err": err}})
}

/// Notifications due for `notice`; signature subscriptions end with theirs.
async fn notify(
    state: &State,
    subs: &mut HashMap<u64, Subscription>,
    notice: &Notice,
) -> Vec<Value> {
    let mut out = Vec::new();
    let mut done = Vec::new();
    for (id, sub) in subs.iter() {
        let result = match (sub, notice) {
            (Subscription::Slot, Notice::Slot(slot)) => {
                Some(json!({"parent": slot.saturating_sub(1), "root": slot, "slot": slot}))
            }
            (Subscription::Slot, _) | (_, Notice::Slot(_)) => None,
            (Subscription::Signature(s), Notice::Transaction(tx)) => (tx.signature == *s).then(|| {
                done.push(*id);
                signature_result(tx)
            }),
            (Subscription::Logs(mention), Notice::Transaction(tx)) => mention
                .is_none_or(|key| tx.keys.contains(&key))
                .then(|| {
                    let err = tx.meta.status.clone().err();
                    let logs = tx.meta.log_messages.clone().unwrap_or_default();
                    json!({"context": {"slot": tx.slot}, "value": {"signature": tx.signature.to_string(), "err": err, "logs": logs}})
                }),
            (Subscription::Account(key, config), Notice::Transaction(tx)) => {
                account_change(state, tx, key, config).await
            }
            (Subscription::Program(program, memcmp, size, config), Notice::Transaction(tx)) => {
                out.extend(program_changes(state, tx, program, memcmp, *size, config).await.into_iter().map(|v| notification("programNotification", *id, v)));
                None
            }
        };
        if let Some(result) = result {
            out.push(notification(sub.method(), *id, result));
        }
    }
    for id in done {
        subs.remove(&id);
    }
    out
}

/// The account's new state if `tx` wrote it (a closed account reads as empty, as on a node).
async fn account_change(
    state: &State,
    tx: &Recorded,
    key: &Pubkey,
    config: &Config,
) -> Option<Value> {
    let at = tx.keys.iter().position(|k| k == key)?;
    if !tx.transaction.message.is_maybe_writable(at, None) {
        return None;
    }
    let account = tx
        .after
        .get(at)?
        .clone()
        .unwrap_or_else(|| Account::new(0, 0, &Pubkey::default()));
    let value = encode_all(state, &[Some(&account)], config)
        .await
        .ok()?
        .pop()
        .flatten()?;
    Some(json!({"context": {"slot": tx.slot}, "value": value}))
}

/// Accounts of `program` that `tx` wrote and that pass the filters.
async fn program_changes(
    state: &State,
    tx: &Recorded,
    program: &Pubkey,
    memcmp: &[(usize, Vec<u8>)],
    size: Option<usize>,
    config: &Config,
) -> Vec<Value> {
    let mut out = Vec::new();
    for (i, (key, after)) in tx.keys.iter().zip(&tx.after).enumerate() {
        let Some(account) = after else { continue };
        let wanted = account.owner == *program
            && tx.transaction.message.is_maybe_writable(i, None)
            && size.is_none_or(|n| account.data.len() == n)
            && tessera_client::chain::matches(&account.data, memcmp);
        if !wanted {
            continue;
        }
        if let Ok(Some(Some(value))) = encode_all(state, &[Some(account)], config)
            .await
            .map(|mut v| v.pop())
        {
            out.push(json!({"context": {"slot": tx.slot}, "value": {"pubkey": key.to_string(), "account": value}}));
        }
    }
    out
}
