//! The durable outbox (SQLite): every receipt is written before it is signed and posted, and
//! moves pending → sent → confirmed. After a crash the agent resumes from it; the on-chain
//! sequence number turns a resubmission of a landed receipt into a clean refusal, never a
//! second charge.

use std::path::Path;

use anchor_lang::AnchorDeserialize;
use rusqlite::{params, Connection, OptionalExtension};
use solana_sdk::pubkey::Pubkey;
use tessera::signed::ReceiptBody;

/// Where a receipt stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Written, not yet known to be on-chain.
    Pending,
    /// Sent; confirmation not yet recorded.
    Sent,
    /// On-chain.
    Confirmed,
    /// Refused by the program for good (never retried; kept as evidence).
    Rejected,
}

impl State {
    fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Confirmed => "confirmed",
            Self::Rejected => "rejected",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(Self::Pending),
            "sent" => Some(Self::Sent),
            "confirmed" => Some(Self::Confirmed),
            "rejected" => Some(Self::Rejected),
            _ => None,
        }
    }
}

/// One outbox row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Lease billed.
    pub lease: Pubkey,
    /// The receipt.
    pub body: ReceiptBody,
    /// Its state.
    pub state: State,
}

/// What the agent knows of a lease's job, kept across restarts: billing starts at the job's
/// first start and stops where the rig failed it (docs/decisions.md#billing-by-cause).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobRecord {
    /// Chain time the job first started.
    pub started_at: Option<i64>,
    /// Chain time the job ended on its own (it is not started again).
    pub ended_at: Option<i64>,
    /// Chain time the rig could not start (or restart) it, and why.
    pub failed: Option<(i64, String)>,
}

/// What the outbox holds for one lease, read in one go.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeaseBook {
    /// The job's record.
    pub job: JobRecord,
    /// End of the latest receipt written and not rejected.
    pub written_end: Option<i64>,
    /// Whether a receipt is still to post.
    pub unposted: bool,
    /// The highest sequence number ever written.
    pub max_seq: u64,
}

/// Outbox errors.
#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    /// SQLite failed (path in the message).
    #[error("outbox {path}: {source}")]
    Sqlite {
        /// Database file.
        path: String,
        /// Cause.
        source: rusqlite::Error,
    },
    /// A row is corrupt.
    #[error("outbox row for lease {lease} seq {seq} is corrupt")]
    Corrupt {
        /// Lease.
        lease: String,
        /// Sequence.
        seq: i64,
    },
}

/// The outbox database.
pub struct Outbox {
    conn: Connection,
    path: String,
}

impl Outbox {
    /// Opens (or creates) the outbox at `path`, durably (WAL, synchronous=FULL).
    pub fn open(path: &Path) -> Result<Self, OutboxError> {
        let p = path.display().to_string();
        let err = |source| OutboxError::Sqlite {
            path: p.clone(),
            source,
        };
        let conn = Connection::open(path).map_err(err)?;
        conn.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;
             CREATE TABLE IF NOT EXISTS receipts (
                 lease TEXT NOT NULL, seq INTEGER NOT NULL, body BLOB NOT NULL, state TEXT NOT NULL,
                 PRIMARY KEY (lease, seq));
             CREATE TABLE IF NOT EXISTS jobs (
                 lease TEXT PRIMARY KEY, started_at INTEGER, ended_at INTEGER,
                 failed_at INTEGER, failure TEXT);",
        )
        .map_err(err)?;
        Ok(Self { conn, path: p })
    }

    fn err(&self, source: rusqlite::Error) -> OutboxError {
        OutboxError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    /// Writes a receipt as pending (before it is signed). Writing the same `(lease, seq)` again
    /// is a no-op: a restarted agent cannot mint a second receipt for a period.
    pub fn record(&self, lease: &Pubkey, body: &ReceiptBody) -> Result<(), OutboxError> {
        let bytes = anchor_lang::prelude::borsh::to_vec(body).unwrap_or_default();
        self.conn
            .execute(
                "INSERT OR IGNORE INTO receipts (lease, seq, body, state) VALUES (?1, ?2, ?3, 'pending')",
                params![lease.to_string(), body.seq as i64, bytes],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Moves a receipt to `state`.
    pub fn mark(&self, lease: &Pubkey, seq: u64, state: State) -> Result<(), OutboxError> {
        self.conn
            .execute(
                "UPDATE receipts SET state = ?3 WHERE lease = ?1 AND seq = ?2",
                params![lease.to_string(), seq as i64, state.as_str()],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Receipts still to post (pending or sent), oldest first.
    pub fn unconfirmed(&self) -> Result<Vec<Entry>, OutboxError> {
        let mut stmt = self
            .conn
            .prepare("SELECT lease, seq, body, state FROM receipts WHERE state IN ('pending', 'sent') ORDER BY lease, seq")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        rows.map(|row| {
            let (lease, seq, body, state) = row.map_err(|e| self.err(e))?;
            let corrupt = || OutboxError::Corrupt {
                lease: lease.clone(),
                seq,
            };
            Ok(Entry {
                lease: lease.parse().map_err(|_| corrupt())?,
                body: ReceiptBody::try_from_slice(&body).map_err(|_| corrupt())?,
                state: State::parse(&state).ok_or_else(corrupt)?,
            })
        })
        .collect()
    }

    /// The latest receipt written for `lease` that was not rejected (its period is billed or
    /// about to be).
    pub fn last(&self, lease: &Pubkey) -> Result<Option<ReceiptBody>, OutboxError> {
        let body: Option<Vec<u8>> = self
            .conn
            .query_row(
                "SELECT body FROM receipts WHERE lease = ?1 AND state != 'rejected' ORDER BY seq DESC LIMIT 1",
                params![lease.to_string()],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        body.map(|b| {
            ReceiptBody::try_from_slice(&b).map_err(|_| OutboxError::Corrupt {
                lease: lease.to_string(),
                seq: -1,
            })
        })
        .transpose()
    }

    /// Whether `lease` has a receipt still to post (pending or sent).
    pub fn has_unposted(&self, lease: &Pubkey) -> Result<bool, OutboxError> {
        self.conn
            .query_row(
                "SELECT EXISTS(SELECT 1 FROM receipts WHERE lease = ?1 AND state IN ('pending', 'sent'))",
                params![lease.to_string()],
                |r| r.get::<_, bool>(0),
            )
            .map_err(|e| self.err(e))
    }

    /// The highest sequence number ever written for `lease` (rejected ones included: numbers are
    /// never reused).
    pub fn max_seq(&self, lease: &Pubkey) -> Result<u64, OutboxError> {
        self.conn
            .query_row(
                "SELECT COALESCE(MAX(seq), 0) FROM receipts WHERE lease = ?1",
                params![lease.to_string()],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as u64)
            .map_err(|e| self.err(e))
    }

    /// Everything the agent's decisions need of `lease`.
    pub fn book(&self, lease: &Pubkey) -> Result<LeaseBook, OutboxError> {
        Ok(LeaseBook {
            job: self.job(lease)?,
            written_end: self.last(lease)?.map(|b| b.period_end),
            unposted: self.has_unposted(lease)?,
            max_seq: self.max_seq(lease)?,
        })
    }

    /// The job record of `lease` (empty before its first start).
    pub fn job(&self, lease: &Pubkey) -> Result<JobRecord, OutboxError> {
        let row = self
            .conn
            .query_row(
                "SELECT started_at, ended_at, failed_at, failure FROM jobs WHERE lease = ?1",
                params![lease.to_string()],
                |r| {
                    let failed = match (r.get::<_, Option<i64>>(2)?, r.get::<_, Option<String>>(3)?)
                    {
                        (Some(at), why) => Some((at, why.unwrap_or_default())),
                        _ => None,
                    };
                    Ok(JobRecord {
                        started_at: r.get(0)?,
                        ended_at: r.get(1)?,
                        failed,
                    })
                },
            )
            .optional()
            .map_err(|e| self.err(e))?;
        Ok(row.unwrap_or_default())
    }

    /// Records that `lease`'s job started at `at`; only the first start counts.
    pub fn job_started(&self, lease: &Pubkey, at: i64) -> Result<(), OutboxError> {
        self.upsert_job(lease, "started_at", at, None)
    }

    /// Records that `lease`'s job ended on its own at `at`.
    pub fn job_ended(&self, lease: &Pubkey, at: i64) -> Result<(), OutboxError> {
        self.upsert_job(lease, "ended_at", at, None)
    }

    /// Records that the rig could not run `lease`'s job from `at` on, and why.
    pub fn job_failed(&self, lease: &Pubkey, at: i64, why: &str) -> Result<(), OutboxError> {
        self.upsert_job(lease, "failed_at", at, Some(why))
    }

    /// Sets `column` (and the failure text) if it is not set yet.
    fn upsert_job(
        &self,
        lease: &Pubkey,
        column: &'static str,
        at: i64,
        why: Option<&str>,
    ) -> Result<(), OutboxError> {
        let sql = format!(
            "INSERT INTO jobs (lease, {column}, failure) VALUES (?1, ?2, ?3)
             ON CONFLICT (lease) DO UPDATE SET {column} = COALESCE({column}, ?2),
                 failure = COALESCE(failure, ?3)"
        );
        self.conn
            .execute(&sql, params![lease.to_string(), at, why])
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// How many receipts are in each state (for metrics).
    pub fn counts(&self) -> Result<(u64, u64, u64), OutboxError> {
        let count = |state: State| -> Result<u64, OutboxError> {
            self.conn
                .query_row(
                    "SELECT COUNT(*) FROM receipts WHERE state = ?1",
                    params![state.as_str()],
                    |r| r.get::<_, i64>(0),
                )
                .map(|n| n as u64)
                .map_err(|e| self.err(e))
        };
        Ok((
            count(State::Pending)?,
            count(State::Sent)?,
            count(State::Confirmed)?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(seq: u64) -> ReceiptBody {
        ReceiptBody {
            seq,
            period_start: 0,
            period_end: 60,
            gpu_seconds: 60,
            avg_utilization_bps: 1,
            energy_joules: 2,
            sample_digest: [3; 32],
        }
    }

    #[test]
    fn survives_reopening_and_never_duplicates_a_period() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("outbox.db");
        let lease = Pubkey::new_unique();
        {
            let o = Outbox::open(&path).unwrap();
            o.record(&lease, &body(1)).unwrap();
            o.record(&lease, &body(2)).unwrap();
            o.mark(&lease, 1, State::Confirmed).unwrap();
            o.mark(&lease, 2, State::Sent).unwrap();
        }
        let o = Outbox::open(&path).unwrap();
        let mut again = body(2);
        again.gpu_seconds = 999;
        o.record(&lease, &again).unwrap();
        let pending = o.unconfirmed().unwrap();
        assert_eq!(
            pending,
            vec![Entry {
                lease,
                body: body(2),
                state: State::Sent
            }]
        );
        assert_eq!(o.last(&lease).unwrap(), Some(body(2)));
        assert_eq!(o.counts().unwrap(), (0, 1, 1));
        assert!(o.has_unposted(&lease).unwrap());
        o.mark(&lease, 2, State::Confirmed).unwrap();
        assert!(!o.has_unposted(&lease).unwrap());
    }

    #[test]
    fn a_jobs_first_start_end_and_failure_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("o.db");
        let lease = Pubkey::new_unique();
        {
            let o = Outbox::open(&path).unwrap();
            assert_eq!(o.job(&lease).unwrap(), JobRecord::default());
            o.job_started(&lease, 100).unwrap();
            o.job_started(&lease, 150).unwrap();
            o.job_failed(&lease, 160, "no engine").unwrap();
            o.job_failed(&lease, 170, "later").unwrap();
        }
        let o = Outbox::open(&path).unwrap();
        assert_eq!(
            o.job(&lease).unwrap(),
            JobRecord {
                started_at: Some(100),
                ended_at: None,
                failed: Some((160, "no engine".into())),
            }
        );
        o.job_ended(&lease, 200).unwrap();
        assert_eq!(o.job(&lease).unwrap().ended_at, Some(200));
    }

    #[test]
    fn an_unwritable_path_is_named() {
        let err = Outbox::open(Path::new("/nonexistent/dir/outbox.db"))
            .err()
            .expect("error")
            .to_string();
        assert!(err.contains("/nonexistent/dir/outbox.db"), "{err}");
    }
}
