//! The agent loop: one `tick` watches the node's leases, starts and stops their jobs, meters
//! each period, writes the receipt to the outbox, signs and posts it, settles charges whose
//! window passed, and closes ended leases once grace is over.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;
use tessera::state::{Lease, Node, Protocol, Provider};
use tessera_client::chain::{fetch, leases_on};
use tessera_client::instructions::{self as ix, NodeKeys, PoolKeys};
use tessera_client::{pda, Chain, ClientError};
use tracing::{info, warn};

use crate::attribution::{self, JobTag};
use crate::gpu::{GpuBackend, GpuError, GpuSample, ProcessSample};
use crate::metering::PeriodMeter;
use crate::metrics::Metrics;
use crate::outbox::{Outbox, OutboxError, State};
use crate::poster::{post, Posted};
use crate::runner::container::ContainerEngine;
use crate::runner::sandbox::ProcessSandbox;
use crate::runner::{self, Job, JobRuntime, JobSpec, RunError};

/// Agent errors (a tick fails whole and is retried; the outbox keeps what was written).
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// The chain failed.
    #[error(transparent)]
    Chain(#[from] ClientError),
    /// The outbox failed.
    #[error(transparent)]
    Outbox(#[from] OutboxError),
    /// The GPU backend failed.
    #[error(transparent)]
    Gpu(#[from] GpuError),
    /// A blocking GPU call panicked or was cancelled.
    #[error("GPU sampling task failed: {0}")]
    Blocking(String),
    /// Writing evidence files failed.
    #[error("{path}: {source}")]
    Io {
        /// File.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
}

/// A lease the agent is serving.
struct Served {
    gpus: Vec<u32>,
    job: Option<Job>,
    meter: PeriodMeter,
}

/// One rig's agent.
pub struct Agent<'c> {
    chain: &'c dyn Chain,
    agent: Keypair,
    node: Pubkey,
    outbox: Outbox,
    gpu: Arc<dyn GpuBackend>,
    period_secs: i64,
    data_dir: PathBuf,
    job_dir: PathBuf,
    log_cap: u64,
    engine: Option<ContainerEngine>,
    served: BTreeMap<Pubkey, Served>,
    /// Chain time of the last tick, and the earliest later moment a period ends.
    clock: (i64, Option<i64>),
    /// What the agent reports.
    pub metrics: Arc<Metrics>,
}

/// Where the agent keeps things and how it meters.
pub struct AgentSetup {
    /// Node served.
    pub node: Pubkey,
    /// Receipt period, seconds.
    pub period_secs: i64,
    /// Outbox, sample logs, job logs.
    pub data_dir: PathBuf,
    /// Job specs by hash.
    pub job_dir: PathBuf,
    /// Job log cap per stream.
    pub log_cap: u64,
    /// Engine for image jobs (`None`: image jobs cannot run; command jobs still can).
    pub container_engine: Option<ContainerEngine>,
}

impl<'c> Agent<'c> {
    /// An agent for `setup.node` signing with `agent`; opens the outbox in `data_dir`.
    pub fn new(
        chain: &'c dyn Chain,
        agent: Keypair,
        gpu: Arc<dyn GpuBackend>,
        setup: AgentSetup,
    ) -> Result<Self, AgentError> {
        std::fs::create_dir_all(&setup.data_dir).map_err(|source| AgentError::Io {
            path: setup.data_dir.display().to_string(),
            source,
        })?;
        let outbox = Outbox::open(&setup.data_dir.join("outbox.db"))?;
        Ok(Self {
            chain,
            agent,
            node: setup.node,
            outbox,
            gpu,
            period_secs: setup.period_secs,
            data_dir: setup.data_dir,
            job_dir: setup.job_dir,
            log_cap: setup.log_cap,
            engine: setup.container_engine,
            served: BTreeMap::new(),
            clock: (0, None),
            metrics: Arc::new(Metrics::default()),
        })
    }

    /// The agent's public key (must be the node's `agent_key`).
    pub fn key(&self) -> Pubkey {
        self.agent.pubkey()
    }

    async fn keys(&self) -> Result<(NodeKeys, PoolKeys, Node), AgentError> {
        let node: Node = fetch(self.chain, &self.node).await?;
        let provider: Provider = fetch(self.chain, &node.provider).await?;
        let pool: tessera::state::Pool = fetch(self.chain, &node.pool).await?;
        Ok((
            NodeKeys::derive(provider.authority, node.node_id),
            PoolKeys::derive(pool.operator, pool.pool_id),
            node,
        ))
    }

    /// One iteration. Safe to repeat and to interrupt at any point.
    pub async fn tick(&mut self) -> Result<(), AgentError> {
        let (nk, pk, _) = self.keys().await?;
        let now = self.chain.unix_timestamp().await?;
        self.clock = (now, None);
        self.flush(&nk, &pk).await?;
        let protocol: Protocol = fetch(self.chain, &pda::find_protocol_address().0).await?;
        let leases = leases_on(self.chain, &self.node).await?;
        let live: BTreeSet<Pubkey> = leases.iter().map(|(a, _)| *a).collect();
        self.stop_gone(&live).await;
        for (address, lease) in leases {
            self.serve(&address, &lease, now).await?;
            self.meter_and_post(&nk, &pk, &address, &lease, now).await?;
            self.settle_or_close(&nk, &pk, &address, now, &protocol)
                .await?;
        }
        self.metrics
            .leases_active
            .store(self.served.len() as u64, Ordering::Relaxed);
        let jobs = self.served.values().filter(|s| s.job.is_some()).count();
        self.metrics
            .jobs_running
            .store(jobs as u64, Ordering::Relaxed);
        self.metrics.ticks.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Seconds (of chain time, as of the last tick) until the next period of a served lease
    /// ends or a waiting receipt can be posted, so the daemon can tick right then instead of
    /// at its regular interval; `None` when nothing is coming up.
    pub fn secs_until_due(&self) -> Option<i64> {
        let (now, next) = self.clock;
        next.map(|at| at - now)
    }

    /// Asks the daemon to tick at chain time `at` (the earliest such request of a tick wins);
    /// moments not after this tick's are ignored.
    fn wake_at(&mut self, at: i64) {
        let (now, next) = self.clock;
        if at > now {
            self.clock.1 = Some(next.map_or(at, |t| t.min(at)));
        }
    }

    /// Re-posts every receipt the outbox has not seen confirmed (crash recovery).
    async fn flush(&mut self, nk: &NodeKeys, pk: &PoolKeys) -> Result<(), AgentError> {
        for entry in self.outbox.unconfirmed()? {
            self.send(nk, pk, &entry.lease, entry.body).await?;
        }
        Ok(())
    }

    async fn send(
        &mut self,
        nk: &NodeKeys,
        pk: &PoolKeys,
        lease: &Pubkey,
        body: tessera::signed::ReceiptBody,
    ) -> Result<(), AgentError> {
        self.outbox.mark(lease, body.seq, State::Sent)?;
        match post(self.chain, &self.agent, nk, pk, lease, body).await {
            Ok(Posted::Landed(sig)) => {
                info!(%lease, seq = body.seq, %sig, "receipt landed");
                self.metrics.receipts_posted.fetch_add(1, Ordering::Relaxed);
                self.outbox.mark(lease, body.seq, State::Confirmed)?;
            }
            Ok(Posted::AlreadyOnChain) | Ok(Posted::LeaseClosed) => {
                self.metrics
                    .receipts_already_on_chain
                    .fetch_add(1, Ordering::Relaxed);
                self.outbox.mark(lease, body.seq, State::Confirmed)?;
            }
            Ok(Posted::Wait { why, until }) => {
                info!(%lease, seq = body.seq, why, ?until, "receipt waits");
                // Wake when it can be posted, not a tick interval later.
                if let Some(at) = until {
                    self.wake_at(at);
                }
            }
            Err(e) if permanently_refused(&e) => {
                warn!(%lease, seq = body.seq, error = %e, "receipt refused by the program; not retried");
                self.metrics.post_errors.fetch_add(1, Ordering::Relaxed);
                self.outbox.mark(lease, body.seq, State::Rejected)?;
            }
            Err(e) => {
                warn!(%lease, seq = body.seq, error = %e, "posting failed; will retry");
                self.metrics.post_errors.fetch_add(1, Ordering::Relaxed);
            }
        }
        let (pending, sent, _) = self.outbox.counts()?;
        self.metrics
            .outbox_unconfirmed
            .store(pending + sent, Ordering::Relaxed);
        Ok(())
    }

    async fn stop_gone(&mut self, live: &BTreeSet<Pubkey>) {
        let gone: Vec<Pubkey> = self
            .served
            .keys()
            .filter(|k| !live.contains(k))
            .copied()
            .collect();
        for lease in gone {
            if let Some(mut s) = self.served.remove(&lease) {
                if let Some(job) = s.job.as_mut() {
                    let _ = job.kill().await;
                }
                info!(%lease, "lease closed; job stopped");
            }
        }
    }

    /// Starts the lease's job on free GPUs if it is not running, stops it at the lease end or
    /// its `max_secs`, and samples its GPUs (off the async runtime: NVML calls block).
    async fn serve(&mut self, address: &Pubkey, lease: &Lease, now: i64) -> Result<(), AgentError> {
        if !self.served.contains_key(address) {
            let used: BTreeSet<u32> = self
                .served
                .values()
                .flat_map(|s| s.gpus.iter().copied())
                .collect();
            let gpu = self.gpu.clone();
            let devices = off_runtime(move || gpu.devices()).await??;
            let gpus: Vec<u32> = devices
                .iter()
                .map(|d| d.index)
                .filter(|i| !used.contains(i))
                .take(usize::from(lease.gpu_count))
                .collect();
            let uuids: Vec<String> = devices
                .iter()
                .filter(|d| gpus.contains(&d.index))
                .map(|d| d.uuid.clone())
                .collect();
            let spec = find_job_spec(&self.job_dir, &lease.job_hash);
            if let Err(why) = &spec {
                warn!(lease = %address, "{why}; the lease is served without its job");
            }
            let job = match spec {
                Ok(spec) if now < lease.end_at => {
                    let dir = self.data_dir.join("leases").join(address.to_string());
                    std::fs::create_dir_all(&dir).map_err(|source| AgentError::Io {
                        path: dir.display().to_string(),
                        source,
                    })?;
                    let started = match self.runtime(&spec) {
                        Ok(rt) => runner::start(rt, &spec, &uuids, &dir, self.log_cap).await,
                        Err(e) => Err(e),
                    };
                    match started {
                        Ok(job) => Some(job),
                        Err(e) => {
                            warn!(lease = %address, error = %e, "job did not start");
                            None
                        }
                    }
                }
                _ => None,
            };
            info!(lease = %address, gpus = ?gpus, job = job.is_some(), backend = self.gpu.kind(), "serving lease");
            self.served.insert(
                *address,
                Served {
                    gpus,
                    job,
                    meter: PeriodMeter::default(),
                },
            );
        }
        let Some(s) = self.served.get_mut(address) else {
            return Ok(());
        };
        if now >= lease.end_at {
            if let Some(mut job) = s.job.take() {
                let _ = job.kill().await;
            }
        }
        if let Some(job) = s.job.as_mut() {
            match job.poll().await {
                Ok(Some(outcome)) => {
                    info!(lease = %address, ?outcome, "job ended");
                    s.job = None;
                }
                Ok(None) => {}
                Err(e) => warn!(lease = %address, error = %e, "cannot poll job"),
            }
        }
        let tag = s.job.as_ref().map(Job::tag);
        let (gpu, indices) = (self.gpu.clone(), s.gpus.clone());
        let samples = off_runtime(move || sample_all(gpu.as_ref(), &indices, tag)).await?;
        for r in samples {
            s.meter.record(r.index, now, r.sample);
            if let Ok(processes) = r.processes {
                if processes.iter().any(|(_, mine)| !mine) {
                    warn!(lease = %address, gpu = r.index, "a process outside the job is using a leased GPU");
                }
                s.meter.record_processes(r.index, now, &processes);
            }
        }
        Ok(())
    }

    /// The runtime for `spec`: the container engine for an image, the process sandbox otherwise.
    fn runtime(&self, spec: &JobSpec) -> Result<&dyn JobRuntime, RunError> {
        match (&spec.image, &self.engine) {
            (None, _) => Ok(&ProcessSandbox),
            (Some(_), Some(engine)) => Ok(engine),
            (Some(image), None) => Err(RunError::NoContainerEngine(image.clone())),
        }
    }

    /// Closes a period when one is due (a full period, or the lease end), writing the receipt
    /// to the outbox before it is signed.
    async fn meter_and_post(
        &mut self,
        nk: &NodeKeys,
        pk: &PoolKeys,
        address: &Pubkey,
        lease: &Lease,
        now: i64,
    ) -> Result<(), AgentError> {
        let written = self.outbox.last(address)?;
        let start = written.map_or(lease.last_period_end, |b| {
            b.period_end.max(lease.last_period_end)
        });
        let seq = self.outbox.max_seq(address)?.max(lease.last_seq) + 1;
        let end = now.min(lease.end_at);
        let due = end - start >= self.period_secs || (end == lease.end_at && end > start);
        let next_end = (if due { end } else { start })
            .saturating_add(self.period_secs)
            .min(lease.end_at);
        self.wake_at(next_end);
        // Never write receipt n+1 while n is unposted: if n+1 landed first, n's period could
        // never be billed.
        if !due || self.outbox.has_unposted(address)? {
            return Ok(());
        }
        let Some(s) = self.served.get_mut(address) else {
            return Ok(());
        };
        let metered = std::mem::take(&mut s.meter).finish(seq, start, end, lease.gpu_count);
        let log = self
            .data_dir
            .join("leases")
            .join(address.to_string())
            .join(format!("samples-{seq}.log"));
        if let Some(dir) = log.parent() {
            std::fs::create_dir_all(dir).map_err(|source| AgentError::Io {
                path: dir.display().to_string(),
                source,
            })?;
        }
        std::fs::write(&log, &metered.log).map_err(|source| AgentError::Io {
            path: log.display().to_string(),
            source,
        })?;
        self.outbox.record(address, &metered.body)?;
        self.send(nk, pk, address, metered.body).await
    }

    /// Settles a charge whose window passed when no receipt carried it, and closes a lease
    /// that is fully billed, settled and past its grace (earning the reaper's bounty).
    async fn settle_or_close(
        &mut self,
        nk: &NodeKeys,
        pk: &PoolKeys,
        address: &Pubkey,
        now: i64,
        protocol: &Protocol,
    ) -> Result<(), AgentError> {
        let lease: Lease = match fetch(self.chain, address).await {
            Ok(l) => l,
            Err(ClientError::AccountNotFound(_)) => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        if lease.pending > 0
            && lease.status == tessera::state::LeaseStatus::Active
            && lease.pending_settleable(now)
        {
            self.chain
                .send(&[ix::settle(nk, pk, *address)], &[])
                .await?;
            self.metrics.settlements.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
        let past_grace = now
            >= lease
                .end_at
                .saturating_add(i64::from(lease.terms.grace_secs));
        if lease.pending == 0 && past_grace && lease.last_period_end >= lease.end_at {
            let renter_token =
                ix::associated_token_address(&lease.renter, &protocol.settlement_mint);
            self.chain
                .send(
                    &[ix::close_lease(
                        self.agent.pubkey(),
                        nk,
                        pk,
                        *address,
                        &ix::RenterAccounts {
                            renter: lease.renter,
                            token: renter_token,
                        },
                    )],
                    &[&self.agent],
                )
                .await?;
            self.metrics.leases_closed.fetch_add(1, Ordering::Relaxed);
            info!(lease = %address, "lease closed after grace");
        }
        Ok(())
    }
}

/// The spec file `job_dir/<job_hash hex>.json` a lease names, or why it cannot be used.
pub fn find_job_spec(job_dir: &std::path::Path, job_hash: &[u8; 32]) -> Result<JobSpec, String> {
    if job_hash == &[0; 32] {
        return Err("the lease names no job spec (job hash all zero)".into());
    }
    let path = job_dir.join(tessera_client::job::file_name(job_hash));
    if !path.exists() {
        return Err(format!(
            "job spec {} not found (ask the renter for it; `tessera job hash` names it)",
            path.display()
        ));
    }
    let spec = JobSpec::load(&path).map_err(|e| e.to_string())?;
    if &spec.hash() != job_hash {
        return Err(format!(
            "{} does not hash to the lease's job hash",
            path.display()
        ));
    }
    Ok(spec)
}

/// Runs a blocking GPU call on tokio's blocking pool.
async fn off_runtime<T: Send + 'static>(
    call: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AgentError> {
    tokio::task::spawn_blocking(call)
        .await
        .map_err(|e| AgentError::Blocking(e.to_string()))
}

/// One leased GPU's readings in a tick.
struct Reading {
    index: u32,
    sample: Result<GpuSample, GpuError>,
    /// Its processes, each marked whether it belongs to the lease's job.
    processes: Result<Vec<(ProcessSample, bool)>, GpuError>,
}

/// Reads each GPU in `indices` and its processes, attributing them to the job tagged `tag`
/// (with no job running, every process is foreign).
fn sample_all(gpu: &dyn GpuBackend, indices: &[u32], tag: Option<JobTag>) -> Vec<Reading> {
    let proc_root = std::path::Path::new("/proc");
    indices
        .iter()
        .map(|&i| {
            let processes = gpu.processes(i).map(|ps| {
                ps.into_iter()
                    .map(|p| {
                        let mine = tag
                            .as_ref()
                            .is_some_and(|t| attribution::belongs(proc_root, p.pid, t));
                        (p, mine)
                    })
                    .collect()
            });
            Reading {
                index: i,
                sample: gpu.sample(i),
                processes,
            }
        })
        .collect()
}

/// Whether a posting error is the program refusing the receipt for good (as opposed to transport
/// failures and states that pass with time: a charge in its window, a period not yet over).
fn permanently_refused(e: &ClientError) -> bool {
    use tessera::error::TesseraError as E;
    let transient = [
        E::PendingUnsettled,
        E::DisputeWindowOpen,
        E::ReceiptPeriodInFuture,
        E::LeaseDisputed,
    ];
    match e.code().and_then(E::from_code) {
        Some(err) => !transient.iter().any(|t| u32::from(*t) == u32::from(err)),
        None => false,
    }
}
