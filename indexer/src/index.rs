//! The indexing loop: accounts backfilled with one scan, then every program transaction after
//! the cursor, oldest first: its events stored, the accounts it touched re-read, and the
//! cursor moved in the same database transaction as the events. Then transactions are re-read
//! at `finalized`, and the loop waits for the next change.

use std::collections::BTreeSet;
use std::time::Duration;

use anchor_lang::event::EVENT_IX_TAG_LE;
use solana_sdk::pubkey::Pubkey;
use tokio_postgres::Client;

use crate::db::{self, AccountAt, DbError, EventRow, TxRow};
use crate::idl::Idl;
use crate::rows;
use crate::source::{Source, SourceError};

/// The name of the program's transaction cursor.
pub const CURSOR: &str = "program";
/// Transactions stored per database transaction.
const BATCH: usize = 100;

/// A failure of the loop, in words.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Tunables.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Longest wait between two looks at the chain when no notification comes.
    pub poll: Duration,
}

/// Reads every program account once and stores it.
pub async fn backfill_accounts(source: &dyn Source, db: &mut Client) -> Result<usize, IndexError> {
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
        .filter_map(|data| data.strip_prefix(EVENT_IX_TAG_LE))
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

/// Indexes every transaction after the cursor; returns how many.
pub async fn catch_up(
    source: &dyn Source,
    db: &mut Client,
    idl: &Idl,
) -> Result<usize, IndexError> {
    let after = db::cursor(db, CURSOR).await?;
    let landed = source.landed_after(after.as_deref()).await?;
    for chunk in landed.chunks(BATCH) {
        let mut txs = Vec::with_capacity(chunk.len());
        let mut touched = BTreeSet::<Pubkey>::new();
        for l in chunk {
            let found = match l.failed {
                true => None,
                false => source.transaction(&l.signature).await?,
            };
            let (block_time, events) = match &found {
                Some(t) => {
                    touched.extend(t.keys.iter().copied());
                    (t.block_time, events(idl, &t.program_data))
                }
                None => (0, Vec::new()),
            };
            txs.push(TxRow {
                signature: l.signature.clone(),
                slot: l.slot,
                block_time,
                events,
            });
        }
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
        db::insert_transactions(db, CURSOR, &txs).await?;
    }
    Ok(landed.len())
}

/// Marks events whose transactions the chain now reports finalized.
pub async fn finalize(source: &dyn Source, db: &Client) -> Result<usize, IndexError> {
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

/// Backfills, then follows the chain until an error (the caller restarts or reports it).
pub async fn run(source: &dyn Source, db: &mut Client, options: Options) -> Result<(), IndexError> {
    let idl = Idl::tessera();
    let accounts = backfill_accounts(source, db).await?;
    tracing::info!(accounts, "accounts backfilled");
    loop {
        let indexed = catch_up(source, db, &idl).await?;
        if indexed > 0 {
            tracing::info!(transactions = indexed, "indexed");
        }
        finalize(source, db).await?;
        source.changed(options.poll).await;
    }
}
