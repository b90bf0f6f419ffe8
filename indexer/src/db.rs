//! PostgreSQL: migrations, account upserts that never move backwards, idempotent event
//! inserts committed together with the cursor, and the finalization pass.

use tokio_postgres::{Client, NoTls, Transaction};

use crate::rows;

mod embedded {
    refinery::embed_migrations!("migrations");
}

/// A failure talking to PostgreSQL, in words; the driver's error follows as its source (the
/// binary prints the whole chain once).
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The server could not be reached or refused the login.
    #[error("cannot connect to PostgreSQL at {url}")]
    Connect {
        url: String,
        #[source]
        cause: tokio_postgres::Error,
    },
    /// A migration failed.
    #[error("migrating the database failed")]
    Migrate(#[from] refinery::Error),
    /// A query failed.
    #[error("database query failed")]
    Query(#[from] tokio_postgres::Error),
}

/// Connects (the connection runs on its own task) and applies the migrations.
pub async fn connect(url: &str) -> Result<Client, DbError> {
    let (mut client, connection) =
        tokio_postgres::connect(url, NoTls)
            .await
            .map_err(|cause| DbError::Connect {
                url: redact(url),
                cause,
            })?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::error!(error = %e, "PostgreSQL connection lost");
        }
    });
    embedded::migrations::runner()
        .run_async(&mut client)
        .await?;
    Ok(client)
}

/// `url` without its password.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_string(),
    }
}

/// One account as read at `slot` (`None`: it no longer exists).
pub struct AccountAt<'a> {
    pub address: String,
    pub slot: u64,
    pub data: Option<&'a [u8]>,
}

fn slot(s: u64) -> i64 {
    i64::try_from(s).unwrap_or(i64::MAX)
}

/// Upserts each account unless the row was read at a later slot; keeps node, lease and
/// provider rows in step. Closed accounts keep their last data, marked closed.
pub async fn upsert_accounts(db: &mut Client, accounts: &[AccountAt<'_>]) -> Result<(), DbError> {
    let tx = db.transaction().await?;
    for a in accounts {
        let at = slot(a.slot);
        match a.data {
            None => close(&tx, &a.address, at).await?,
            Some(data) => upsert(&tx, &a.address, at, data).await?,
        }
    }
    tx.commit().await?;
    Ok(())
}

async fn close(tx: &Transaction<'_>, address: &str, at: i64) -> Result<(), DbError> {
    for table in ["accounts", "nodes"] {
        let sql = format!(
            "UPDATE {table} SET closed = true, slot = $2 WHERE address = $1 AND slot <= $2"
        );
        tx.execute(&sql, &[&address, &at]).await?;
    }
    Ok(())
}

async fn upsert(tx: &Transaction<'_>, address: &str, at: i64, data: &[u8]) -> Result<(), DbError> {
    let Some(kind) = rows::kind(data) else {
        return Ok(());
    };
    tx.execute(
        "INSERT INTO accounts (address, kind, slot, closed, data) VALUES ($1, $2, $3, false, $4)
         ON CONFLICT (address) DO UPDATE SET kind = $2, slot = $3, closed = false, data = $4
         WHERE accounts.slot <= $3",
        &[&address, &kind, &at, &data],
    )
    .await?;
    if let Some(n) = rows::node(data) {
        tx.execute(
            "INSERT INTO nodes (address, slot, provider, pool, model, gpus, gpus_free, price, tflops_centi, attested, online, receipts_settled, disputes_lost, closed)
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,
                    COALESCE(p.receipts_settled, 0), COALESCE(p.disputes_lost, 0), false
             FROM (SELECT 1) one LEFT JOIN providers p ON p.address = $3
             ON CONFLICT (address) DO UPDATE SET slot = $2, pool = $4, model = $5, gpus = $6,
                gpus_free = $7, price = $8, tflops_centi = $9, attested = $10, online = $11, closed = false
             WHERE nodes.slot <= $2",
            &[&address, &at, &n.provider, &n.pool, &n.model, &n.gpus, &n.gpus_free, &n.price, &n.tflops_centi, &n.attested, &n.online],
        )
        .await?;
    }
    if let Some((node, renter, pool)) = rows::lease(data) {
        tx.execute(
            "INSERT INTO leases (address, node, renter, pool) VALUES ($1, $2, $3, $4) ON CONFLICT (address) DO NOTHING",
            &[&address, &node, &renter, &pool],
        )
        .await?;
    }
    if let Some((settled, lost)) = rows::provider(data) {
        tx.execute(
            "INSERT INTO providers (address, slot, receipts_settled, disputes_lost) VALUES ($1, $2, $3, $4)
             ON CONFLICT (address) DO UPDATE SET slot = $2, receipts_settled = $3, disputes_lost = $4
             WHERE providers.slot <= $2",
            &[&address, &at, &settled, &lost],
        )
        .await?;
        tx.execute(
            "UPDATE nodes SET receipts_settled = $2, disputes_lost = $3 WHERE provider = $1",
            &[&address, &settled, &lost],
        )
        .await?;
    }
    Ok(())
}

/// One decoded event of a transaction.
pub struct EventRow {
    pub idx: i32,
    pub name: String,
    pub columns: rows::EventColumns,
    pub data: serde_json::Value,
    pub raw: Vec<u8>,
}

/// One program transaction with its events.
pub struct TxRow {
    pub signature: String,
    pub slot: u64,
    pub block_time: i64,
    pub events: Vec<EventRow>,
}

/// Inserts the transactions' events (a repeat is a no-op) and moves the cursor to the last,
/// in one database transaction: a crash loses nothing and repeats nothing.
pub async fn insert_transactions(
    db: &mut Client,
    cursor: &str,
    txs: &[TxRow],
) -> Result<(), DbError> {
    let Some(last) = txs.last() else {
        return Ok(());
    };
    let tx = db.transaction().await?;
    for t in txs {
        let at = slot(t.slot);
        for e in &t.events {
            let c = &e.columns;
            tx.execute(
                "INSERT INTO events (signature, idx, slot, block_time, name, pool, node, lease, wallet, amount, shares, data, raw)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::TEXT::NUMERIC, $11::TEXT::NUMERIC, $12, $13)
                 ON CONFLICT (signature, idx) DO NOTHING",
                &[&t.signature, &e.idx, &at, &t.block_time, &e.name, &c.pool, &c.node, &c.lease, &c.wallet, &c.amount, &c.shares, &e.data, &e.raw],
            )
            .await?;
        }
    }
    tx.execute(
        "INSERT INTO cursors (name, signature, slot) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET signature = $2, slot = $3",
        &[&cursor, &last.signature, &slot(last.slot)],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The newest transaction indexed on `cursor`, if any.
pub async fn cursor(db: &Client, cursor: &str) -> Result<Option<String>, DbError> {
    let row = db
        .query_opt("SELECT signature FROM cursors WHERE name = $1", &[&cursor])
        .await?;
    Ok(row.map(|r| r.get(0)))
}

/// Signatures of events not yet seen finalized (oldest first, at most `limit`).
pub async fn unfinalized(db: &Client, limit: i64) -> Result<Vec<String>, DbError> {
    let rows = db
        .query(
            "SELECT DISTINCT signature, slot FROM events WHERE NOT finalized ORDER BY slot LIMIT $1",
            &[&limit],
        )
        .await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// Marks these transactions' events finalized.
pub async fn mark_finalized(db: &Client, signatures: &[String]) -> Result<(), DbError> {
    db.execute(
        "UPDATE events SET finalized = true WHERE signature = ANY($1)",
        &[&signatures],
    )
    .await?;
    Ok(())
}
