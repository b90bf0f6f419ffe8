//! The indexing loop: accounts backfilled with one scan, then every program transaction after
//! the cursor, oldest first (fetched several at a time, stored in order): its events stored,
//! the accounts it touched re-read, and the cursor moved in the same database transaction as
//! the events. Then transactions are re-read at `finalized`, and the loop waits for the next
//! change. Every pass first checks that the node still serves the chain the database holds.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use futures_util::stream::FuturesOrdered;
use futures_util::StreamExt;
use solana_sdk::pubkey::Pubkey;
use tessera_client::idl::Idl;

use crate::db::{self, AccountAt, Conn, DbError, EventRow, Pool, TxRow};
use crate::rows;
use crate::source::{Landed, Source, SourceError, SourceTx};

/// The name of the program's transaction cursor.
pub const CURSOR: &str = "program";
/// Transactions stored per database transaction.
const BATCH: usize = 500;

/// A failure of the loop, in words.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Db(#[from] DbError),
    /// The node now serves another chain than the one the database holds (final: the loop
    /// must not merge them).
    #[error(
        "the database holds the chain with genesis hash {recorded}, but the node now serves \
         genesis hash {served} (a restarted or different network); restart with --reset to \
         delete what was indexed and index the new chain"
    )]
    OtherChain { recorded: String, served: String },
}

/// Tunables.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Longest wait between two looks at the chain when no notification comes.
    pub poll: Duration,
    /// Most `getTransaction` requests in flight at once.
    pub concurrency: usize,
}

/// Where the loop stands, for `/health`: when it last had every landed transaction, at which
/// slot, and the last error if it is failing now.
#[derive(Debug, Default)]
pub struct Progress(Mutex<ProgressState>);

/// A copy of [`Progress`].
#[derive(Debug, Default, Clone)]
pub struct ProgressState {
    /// When the loop last finished a pass with nothing left to index.
    pub synced_at: Option<Instant>,
    /// The chain's slot at that pass.
    pub slot: u64,
    /// The error of the last pass, if it failed.
    pub error: Option<String>,
}

impl Progress {
    fn synced(&self, slot: u64) {
        if let Ok(mut p) = self.0.lock() {
            *p = ProgressState {
                synced_at: Some(Instant::now()),
                slot,
                error: None,
            };
        }
    }

    /// Records a failed pass.
    pub fn failed(&self, error: String) {
        if let Ok(mut p) = self.0.lock() {
            p.error = Some(error);
        }
    }

    /// Where the loop stands now.
    pub fn now(&self) -> ProgressState {
        self.0.lock().map(|p| p.clone()).unwrap_or_default()
    }
}

/// Reads every program account once and stores it.
pub async fn backfill_accounts(source: &dyn Source, db: &mut Conn) -> Result<usize, IndexError> {
    let (slot, accounts) = source.all_accounts().await?;
    let rows: Vec<AccountAt> = accounts
        .iter()
        .map(|(key, data)| AccountAt {
            address: key.to_string(),
            slot,
            data: Some(data),
        })
        .collect();
    for chunk in rows.chunks(500) {
        db::upsert_accounts(db, chunk).await?;
    }
    Ok(rows.len())
}

/// The program's events in one transaction's inner instructions, numbered in order.
pub fn events(idl: &Idl, program_data: &[Vec<u8>]) -> Vec<EventRow> {
    program_data
        .iter()
        .filter_map(|data| tessera_client::events::body(data))
        .map(|body| {
            // An event this build's IDL cannot read is kept, raw, under the name "Unknown".
            let (name, fields) = idl.decode_event(body).unwrap_or_else(|e| {
                (
                    "Unknown".to_string(),
                    serde_json::json!({"error": e.to_string()}),
                )
            });
            (name, fields, body.to_vec())
        })
        .enumerate()
        .map(|(i, (name, data, raw))| EventRow {
            idx: i32::try_from(i).unwrap_or(i32::MAX),
            columns: rows::columns(&data),
            name,
            data,
            raw,
        })
        .collect()
}

/// One landed transaction (`None` for a failed one or one the node no longer has).
async fn one(source: &dyn Source, landed: &Landed) -> Result<Option<SourceTx>, SourceError> {
    match landed.failed {
        true => Ok(None),
        false => source.transaction(&landed.signature).await,
    }
}

/// The transactions of `landed`, fetched `concurrency` at a time, in `landed`'s order.
async fn fetch(
    source: &dyn Source,
    landed: &[Landed],
    concurrency: usize,
) -> Result<Vec<Option<SourceTx>>, SourceError> {
    let mut out = Vec::with_capacity(landed.len());
    let mut waiting = landed.iter();
    let mut in_flight = FuturesOrdered::new();
    loop {
        while in_flight.len() < concurrency.max(1) {
            match waiting.next() {
                Some(l) => in_flight.push_back(one(source, l)),
                None => break,
            }
        }
        match in_flight.next().await {
            Some(tx) => out.push(tx?),
            None => return Ok(out),
        }
    }
}

/// Indexes every transaction after the cursor; returns how many.
pub async fn catch_up(
    source: &dyn Source,
    db: &mut Conn,
    idl: &Idl,
    concurrency: usize,
) -> Result<usize, IndexError> {
    let after = db::cursor(db, CURSOR).await?;
    let landed = source
        .landed_after(after.as_ref().map(|(s, _)| s.as_str()))
        .await?;
    for chunk in landed.chunks(BATCH) {
        let found = fetch(source, chunk, concurrency).await?;
        let signatures: Vec<String> = chunk.iter().map(|l| l.signature.clone()).collect();
        let finalized = source.finalized(&signatures).await?;
        let mut touched = BTreeSet::<Pubkey>::new();
        let txs: Vec<TxRow> = chunk
            .iter()
            .zip(&found)
            .zip(finalized)
            .map(|((l, found), finalized)| {
                let (block_time, events) = match found {
                    Some(t) => {
                        touched.extend(t.keys.iter().copied());
                        (t.block_time, events(idl, &t.program_data))
                    }
                    None => (0, Vec::new()),
                };
                TxRow {
                    signature: l.signature.clone(),
                    slot: l.slot,
                    block_time,
                    finalized,
                    events,
                }
            })
            .collect();
        let keys: Vec<Pubkey> = touched.into_iter().collect();
        let (slot, states) = source.accounts(&keys).await?;
        let rows: Vec<AccountAt> = keys
            .iter()
            .zip(&states)
            .map(|(key, data)| AccountAt {
                address: key.to_string(),
                slot,
                data: data.as_deref(),
            })
            .collect();
        db::upsert_accounts(db, &rows).await?;
        db::insert_transactions(db, CURSOR, txs).await?;
    }
    Ok(landed.len())
}

/// Marks events whose transactions the chain now reports finalized.
pub async fn finalize(source: &dyn Source, db: &Conn) -> Result<usize, IndexError> {
    let pending = db::unfinalized(db, 1_000).await?;
    let statuses = source.finalized(&pending).await?;
    let done: Vec<String> = pending
        .into_iter()
        .zip(statuses)
        .filter_map(|(s, f)| f.then_some(s))
        .collect();
    db::mark_finalized(db, &done).await?;
    Ok(done.len())
}

/// Refuses a node that serves another chain than the database's (`recorded`).
pub async fn same_chain(source: &dyn Source, recorded: &str) -> Result<(), IndexError> {
    let served = source.genesis_hash().await?;
    match served == recorded {
        true => Ok(()),
        false => Err(IndexError::OtherChain {
            recorded: recorded.to_string(),
            served,
        }),
    }
}

/// Backfills, then follows the chain of genesis hash `genesis` until an error (the caller
/// retries it with a fresh connection, or stops on [`IndexError::OtherChain`]).
pub async fn run(
    source: &dyn Source,
    pool: &Pool,
    genesis: &str,
    options: Options,
    progress: &Progress,
) -> Result<(), IndexError> {
    let idl = Idl::tessera();
    let mut db = pool.get().await.map_err(DbError::from)?;
    same_chain(source, genesis).await?;
    let accounts = backfill_accounts(source, &mut db).await?;
    tracing::info!(accounts, "accounts backfilled");
    loop {
        let slot = source.slot().await?;
        same_chain(source, genesis).await?;
        let indexed = catch_up(source, &mut db, &idl, options.concurrency).await?;
        if indexed > 0 {
            tracing::info!(transactions = indexed, "indexed");
        }
        finalize(source, &db).await?;
        progress.synced(slot);
        source.changed(options.poll).await;
    }
}
