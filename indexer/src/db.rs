//! PostgreSQL: a connection pool that re-establishes lost connections, migrations, the chain's
//! identity, account upserts that never move backwards and write only what changed, idempotent
//! event inserts committed together with the cursor, and the finalization pass.

use std::time::Duration;

use deadpool_postgres::Transaction;
use deadpool_postgres::{Manager, ManagerConfig, Object, RecyclingMethod, Runtime};
use tokio_postgres::types::ToSql;
use tokio_postgres::NoTls;

use crate::rows;

mod embedded {
    refinery::embed_migrations!("migrations");
}

/// Connections to the database; a connection the server dropped is replaced on the next use.
pub type Pool = deadpool_postgres::Pool;
/// One pooled connection (derefs to a `tokio_postgres::Client`).
pub type Conn = Object;

/// Longest wait to open a connection or to be handed one.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

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
    /// No connection could be had from the pool (the server is down or every one is busy).
    #[error("no connection to PostgreSQL")]
    Unavailable(#[from] deadpool_postgres::PoolError),
    /// The pool could not be built.
    #[error("cannot set up the connection pool: {0}")]
    Setup(String),
    /// A migration failed.
    #[error("migrating the database failed")]
    Migrate(#[from] refinery::Error),
    /// A query failed.
    #[error("database query failed")]
    Query(#[from] tokio_postgres::Error),
}

/// A pool for `url`; one connection is opened now to apply the migrations, so a wrong URL or
/// an unreachable server is reported at once.
pub async fn connect(url: &str) -> Result<Pool, DbError> {
    let refuse = |cause| DbError::Connect {
        url: redact(url),
        cause,
    };
    let mut config: tokio_postgres::Config = url.parse().map_err(refuse)?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    let manager = Manager::from_config(
        config,
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    let pool = Pool::builder(manager)
        .max_size(8)
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(CONNECT_TIMEOUT))
        .create_timeout(Some(CONNECT_TIMEOUT))
        .recycle_timeout(Some(CONNECT_TIMEOUT))
        .build()
        .map_err(|e| DbError::Setup(e.to_string()))?;
    let mut client = pool.get().await.map_err(|e| match e {
        deadpool_postgres::PoolError::Backend(cause) => refuse(cause),
        other => DbError::Unavailable(other),
    })?;
    embedded::migrations::runner()
        .run_async(&mut **client)
        .await?;
    Ok(pool)
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

/// The genesis hash of the chain this database indexes, if one is recorded.
pub async fn genesis(db: &Conn) -> Result<Option<String>, DbError> {
    let row = db.query_opt("SELECT genesis_hash FROM chain", &[]).await?;
    Ok(row.map(|r| r.get(0)))
}

/// Records `hash` as the chain this database indexes.
pub async fn record_genesis(db: &Conn, hash: &str) -> Result<(), DbError> {
    db.execute(
        "INSERT INTO chain (genesis_hash) VALUES ($1) ON CONFLICT (one) DO UPDATE SET genesis_hash = $1",
        &[&hash],
    )
    .await?;
    Ok(())
}

/// Deletes everything indexed (`--reset`): the next run starts over.
pub async fn reset(db: &Conn) -> Result<(), DbError> {
    db.batch_execute("TRUNCATE accounts, nodes, events, cursors, providers, leases, chain")
        .await?;
    Ok(())
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

/// Upserts the accounts, each unless its row was read at a later slot or already holds these
/// bytes, and keeps node, lease and provider rows in step, each written only when its columns
/// change; closed accounts keep their last data, marked closed. A few statements per call,
/// whatever the number of accounts (addresses must be distinct).
pub async fn upsert_accounts(db: &mut Conn, accounts: &[AccountAt<'_>]) -> Result<(), DbError> {
    let tx = db.transaction().await?;
    let (gone, live): (Vec<_>, Vec<_>) = accounts.iter().partition(|a| a.data.is_none());
    close(&tx, &gone).await?;
    let live: Vec<(&AccountAt, &str, &[u8])> = live
        .into_iter()
        .filter_map(|a| {
            let data = a.data?;
            Some((a, rows::kind(data)?, data))
        })
        .collect();
    let changed = upsert_raw(&tx, &live).await?;
    let changed: Vec<(&AccountAt, &[u8])> = live
        .into_iter()
        .filter(|(a, _, _)| changed.contains(&a.address))
        .map(|(a, _, data)| (a, data))
        .collect();
    upsert_nodes(&tx, &changed).await?;
    upsert_leases(&tx, &changed).await?;
    upsert_providers(&tx, &changed).await?;
    tx.commit().await?;
    Ok(())
}

async fn run(
    tx: &Transaction<'_>,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<u64, DbError> {
    let statement = tx.prepare_cached(sql).await?;
    Ok(tx.execute(&statement, params).await?)
}

async fn close(tx: &Transaction<'_>, gone: &[&AccountAt<'_>]) -> Result<(), DbError> {
    if gone.is_empty() {
        return Ok(());
    }
    let address: Vec<&str> = gone.iter().map(|a| a.address.as_str()).collect();
    let at: Vec<i64> = gone.iter().map(|a| slot(a.slot)).collect();
    for table in ["accounts", "nodes"] {
        let sql = format!(
            "UPDATE {table} t SET closed = true, slot = u.slot
             FROM UNNEST($1::TEXT[], $2::BIGINT[]) AS u(address, slot)
             WHERE t.address = u.address AND t.slot <= u.slot AND NOT t.closed"
        );
        run(tx, &sql, &[&address, &at]).await?;
    }
    Ok(())
}

/// Upserts the accounts' bytes; returns the addresses whose rows were written.
async fn upsert_raw(
    tx: &Transaction<'_>,
    live: &[(&AccountAt<'_>, &str, &[u8])],
) -> Result<std::collections::HashSet<String>, DbError> {
    let address: Vec<&str> = live.iter().map(|(a, _, _)| a.address.as_str()).collect();
    let kind: Vec<&str> = live.iter().map(|(_, k, _)| *k).collect();
    let at: Vec<i64> = live.iter().map(|(a, _, _)| slot(a.slot)).collect();
    let data: Vec<&[u8]> = live.iter().map(|(_, _, d)| *d).collect();
    let statement = tx
        .prepare_cached(
            "INSERT INTO accounts (address, kind, slot, closed, data)
             SELECT address, kind, slot, false, data
             FROM UNNEST($1::TEXT[], $2::TEXT[], $3::BIGINT[], $4::BYTEA[]) AS u(address, kind, slot, data)
             ON CONFLICT (address) DO UPDATE SET kind = EXCLUDED.kind, slot = EXCLUDED.slot, closed = false, data = EXCLUDED.data
             WHERE accounts.slot <= EXCLUDED.slot AND (accounts.closed OR accounts.data <> EXCLUDED.data)
             RETURNING address",
        )
        .await?;
    let rows = tx.query(&statement, &[&address, &kind, &at, &data]).await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

async fn upsert_nodes(
    tx: &Transaction<'_>,
    changed: &[(&AccountAt<'_>, &[u8])],
) -> Result<(), DbError> {
    let nodes: Vec<(&AccountAt, rows::NodeRow)> = changed
        .iter()
        .filter_map(|(a, data)| Some((*a, rows::node(data)?)))
        .collect();
    if nodes.is_empty() {
        return Ok(());
    }
    let column = |f: fn(&rows::NodeRow) -> String| -> Vec<String> {
        nodes.iter().map(|(_, n)| f(n)).collect()
    };
    let number =
        |f: fn(&rows::NodeRow) -> i32| -> Vec<i32> { nodes.iter().map(|(_, n)| f(n)).collect() };
    let flag =
        |f: fn(&rows::NodeRow) -> bool| -> Vec<bool> { nodes.iter().map(|(_, n)| f(n)).collect() };
    let address: Vec<&str> = nodes.iter().map(|(a, _)| a.address.as_str()).collect();
    let at: Vec<i64> = nodes.iter().map(|(a, _)| slot(a.slot)).collect();
    let price: Vec<i64> = nodes.iter().map(|(_, n)| n.price).collect();
    run(
        tx,
        "INSERT INTO nodes (address, slot, provider, pool, model, gpus, gpus_free, price, tflops_centi, attested, online, closed)
         SELECT *, false FROM UNNEST($1::TEXT[], $2::BIGINT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], $6::INT[], $7::INT[],
                                     $8::BIGINT[], $9::INT[], $10::BOOL[], $11::BOOL[])
         ON CONFLICT (address) DO UPDATE SET slot = EXCLUDED.slot, pool = EXCLUDED.pool, model = EXCLUDED.model,
            gpus = EXCLUDED.gpus, gpus_free = EXCLUDED.gpus_free, price = EXCLUDED.price,
            tflops_centi = EXCLUDED.tflops_centi, attested = EXCLUDED.attested, online = EXCLUDED.online, closed = false
         WHERE nodes.slot <= EXCLUDED.slot
           AND (nodes.pool, nodes.model, nodes.gpus, nodes.gpus_free, nodes.price, nodes.tflops_centi, nodes.attested, nodes.online, nodes.closed)
               IS DISTINCT FROM (EXCLUDED.pool, EXCLUDED.model, EXCLUDED.gpus, EXCLUDED.gpus_free, EXCLUDED.price, EXCLUDED.tflops_centi, EXCLUDED.attested, EXCLUDED.online, false)",
        &[
            &address,
            &at,
            &column(|n| n.provider.clone()),
            &column(|n| n.pool.clone()),
            &column(|n| n.model.clone()),
            &number(|n| n.gpus),
            &number(|n| n.gpus_free),
            &price,
            &number(|n| n.tflops_centi),
            &flag(|n| n.attested),
            &flag(|n| n.online),
        ],
    )
    .await?;
    Ok(())
}

async fn upsert_leases(
    tx: &Transaction<'_>,
    changed: &[(&AccountAt<'_>, &[u8])],
) -> Result<(), DbError> {
    let leases: Vec<(&str, (String, String, String))> = changed
        .iter()
        .filter_map(|(a, data)| Some((a.address.as_str(), rows::lease(data)?)))
        .collect();
    if leases.is_empty() {
        return Ok(());
    }
    let address: Vec<&str> = leases.iter().map(|(a, _)| *a).collect();
    let node: Vec<&str> = leases.iter().map(|(_, l)| l.0.as_str()).collect();
    let renter: Vec<&str> = leases.iter().map(|(_, l)| l.1.as_str()).collect();
    let pool: Vec<&str> = leases.iter().map(|(_, l)| l.2.as_str()).collect();
    run(
        tx,
        "INSERT INTO leases (address, node, renter, pool)
         SELECT * FROM UNNEST($1::TEXT[], $2::TEXT[], $3::TEXT[], $4::TEXT[])
         ON CONFLICT (address) DO NOTHING",
        &[&address, &node, &renter, &pool],
    )
    .await?;
    Ok(())
}

async fn upsert_providers(
    tx: &Transaction<'_>,
    changed: &[(&AccountAt<'_>, &[u8])],
) -> Result<(), DbError> {
    let providers: Vec<(&AccountAt, (i64, i32))> = changed
        .iter()
        .filter_map(|(a, data)| Some((*a, rows::provider(data)?)))
        .collect();
    if providers.is_empty() {
        return Ok(());
    }
    let address: Vec<&str> = providers.iter().map(|(a, _)| a.address.as_str()).collect();
    let at: Vec<i64> = providers.iter().map(|(a, _)| slot(a.slot)).collect();
    let settled: Vec<i64> = providers.iter().map(|(_, p)| p.0).collect();
    let lost: Vec<i32> = providers.iter().map(|(_, p)| p.1).collect();
    run(
        tx,
        "INSERT INTO providers (address, slot, receipts_settled, disputes_lost)
         SELECT * FROM UNNEST($1::TEXT[], $2::BIGINT[], $3::BIGINT[], $4::INT[])
         ON CONFLICT (address) DO UPDATE SET slot = EXCLUDED.slot, receipts_settled = EXCLUDED.receipts_settled,
            disputes_lost = EXCLUDED.disputes_lost
         WHERE providers.slot <= EXCLUDED.slot
           AND (providers.receipts_settled, providers.disputes_lost) IS DISTINCT FROM (EXCLUDED.receipts_settled, EXCLUDED.disputes_lost)",
        &[&address, &at, &settled, &lost],
    )
    .await?;
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
    /// Whether the chain already reports it finalized (its events need no later update).
    pub finalized: bool,
    pub events: Vec<EventRow>,
}

/// The events of `txs` as one column per field, for one `UNNEST` insert.
#[derive(Default)]
struct EventColumns {
    signature: Vec<String>,
    idx: Vec<i32>,
    slot: Vec<i64>,
    block_time: Vec<i64>,
    finalized: Vec<bool>,
    name: Vec<String>,
    pool: Vec<Option<String>>,
    node: Vec<Option<String>>,
    lease: Vec<Option<String>>,
    wallet: Vec<Option<String>>,
    amount: Vec<Option<String>>,
    shares: Vec<Option<String>>,
    data: Vec<serde_json::Value>,
    raw: Vec<Vec<u8>>,
}

impl EventColumns {
    fn of(txs: Vec<TxRow>) -> Self {
        let mut c = Self::default();
        for t in txs {
            for e in t.events {
                c.signature.push(t.signature.clone());
                c.idx.push(e.idx);
                c.slot.push(slot(t.slot));
                c.block_time.push(t.block_time);
                c.finalized.push(t.finalized);
                c.name.push(e.name);
                c.pool.push(e.columns.pool);
                c.node.push(e.columns.node);
                c.lease.push(e.columns.lease);
                c.wallet.push(e.columns.wallet);
                c.amount.push(e.columns.amount);
                c.shares.push(e.columns.shares);
                c.data.push(e.data);
                c.raw.push(e.raw);
            }
        }
        c
    }
}

/// Inserts the transactions' events in one statement (a repeat is a no-op) and moves the
/// cursor to the last, in one database transaction: a crash loses nothing and repeats nothing.
pub async fn insert_transactions(
    db: &mut Conn,
    cursor: &str,
    txs: Vec<TxRow>,
) -> Result<(), DbError> {
    let Some((last, last_slot)) = txs.last().map(|t| (t.signature.clone(), slot(t.slot))) else {
        return Ok(());
    };
    let c = EventColumns::of(txs);
    let tx = db.transaction().await?;
    run(
        &tx,
        "INSERT INTO events (signature, idx, slot, block_time, finalized, name, pool, node, lease, wallet, amount, shares, data, raw)
         SELECT signature, idx, slot, block_time, finalized, name, pool, node, lease, wallet, amount::NUMERIC, shares::NUMERIC, data, raw
         FROM UNNEST($1::TEXT[], $2::INT[], $3::BIGINT[], $4::BIGINT[], $5::BOOL[], $6::TEXT[], $7::TEXT[], $8::TEXT[],
                     $9::TEXT[], $10::TEXT[], $11::TEXT[], $12::TEXT[], $13::JSONB[], $14::BYTEA[])
              WITH ORDINALITY AS e(signature, idx, slot, block_time, finalized, name, pool, node, lease, wallet, amount, shares, data, raw, n)
         ORDER BY n
         ON CONFLICT (signature, idx) DO NOTHING",
        &[&c.signature, &c.idx, &c.slot, &c.block_time, &c.finalized, &c.name, &c.pool, &c.node, &c.lease, &c.wallet, &c.amount, &c.shares, &c.data, &c.raw],
    )
    .await?;
    run(
        &tx,
        "INSERT INTO cursors (name, signature, slot) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET signature = $2, slot = $3",
        &[&cursor, &last, &last_slot],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The newest transaction indexed on `cursor` and its slot, if any.
pub async fn cursor(db: &Conn, cursor: &str) -> Result<Option<(String, u64)>, DbError> {
    let row = db
        .query_opt(
            "SELECT signature, slot FROM cursors WHERE name = $1",
            &[&cursor],
        )
        .await?;
    Ok(row.map(|r| (r.get(0), u64::try_from(r.get::<_, i64>(1)).unwrap_or(0))))
}

/// Signatures of events not yet seen finalized (oldest first, at most `limit`).
pub async fn unfinalized(db: &Conn, limit: i64) -> Result<Vec<String>, DbError> {
    let rows = db
        .query(
            "SELECT DISTINCT signature, slot FROM events WHERE NOT finalized ORDER BY slot LIMIT $1",
            &[&limit],
        )
        .await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// Marks these transactions' events finalized.
pub async fn mark_finalized(db: &Conn, signatures: &[String]) -> Result<(), DbError> {
    db.execute(
        "UPDATE events SET finalized = true WHERE signature = ANY($1) AND NOT finalized",
        &[&signatures],
    )
    .await?;
    Ok(())
}
