//! The agent loop: one `tick` watches the node's leases, starts and stops their jobs, meters
//! each period, writes the receipt to the outbox, signs and posts it, settles charges whose
//! window passed, and closes ended leases once grace is over.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;
use tessera::signed::{message_bytes, ReceiptBody, UsageReceipt};
use tessera::state::{Lease, Node, Protocol, Provider};
use tessera_client::chain::{fetch, leases_on};
use tessera_client::instructions::{self as ix, NodeKeys, PoolKeys};
use tessera_client::{pda, Chain, ClientError};
use tracing::{info, warn};

use crate::attribution::{self, JobTag};
use crate::billing::{self, Pending, Posting, Refusal, WrapUp};
use crate::gpu::{GpuBackend, GpuError, GpuSample, ProcessSample};
use crate::metering::PeriodMeter;
use crate::metrics::Metrics;
use crate::outbox::{LeaseBook, Outbox, OutboxError, State};
use crate::runner::container::ContainerEngine;
use crate::runner::sandbox::ProcessSandbox;
use crate::runner::{self, Job, JobEnv, JobPlace, JobRuntime, JobSpec, RunError};

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
    uuids: Vec<String>,
    job: Option<Job>,
    meter: PeriodMeter,
    /// Whether "waiting for the job spec" was logged (once per lease).
    waiting_logged: bool,
}

/// Why a lease's job is not running.
enum NotStarted {
    /// Its spec is not here (yet): waits until `job_wait` after the lease start.
    Waiting(String),
    /// The rig cannot run it: billing stops and the lease is cancelled.
    Failed(String),
}

/// What the agent needs of its node that never changes: the accounts its instructions name.
struct Keys {
    nk: NodeKeys,
    pk: PoolKeys,
    settlement_mint: Pubkey,
}

/// One rig's agent.
pub struct Agent<'c> {
    chain: &'c dyn Chain,
    agent: Keypair,
    node: Pubkey,
    /// Used on tokio's blocking pool: SQLite writes wait for the disk.
    outbox: Arc<Mutex<Outbox>>,
    gpu: Arc<dyn GpuBackend>,
    period_secs: i64,
    job_wait_secs: i64,
    data_dir: PathBuf,
    job_dir: PathBuf,
    log_cap: u64,
    engine: Option<ContainerEngine>,
    job_env: JobEnv,
    served: BTreeMap<Pubkey, Served>,
    keys: Option<Arc<Keys>>,
    /// Chain time of the last tick, and the earliest later moment something falls due.
    clock: (i64, Option<i64>),
    /// What the agent reports.
    pub metrics: Arc<Metrics>,
}

/// Where the agent keeps things and how it meters.
pub struct AgentSetup {
    /// Node served.
    pub node: Pubkey,
    /// Receipt period, seconds (a period that falls due while the previous charge is in its
    /// window runs on until the window closes).
    pub period_secs: i64,
    /// How long after a lease starts its job spec may arrive before the lease is cancelled.
    pub job_wait_secs: i64,
    /// Outbox, sample logs, job logs.
    pub data_dir: PathBuf,
    /// Job specs by hash.
    pub job_dir: PathBuf,
    /// Job log cap per stream.
    pub log_cap: u64,
    /// Engine for image jobs (`None`: image jobs cannot run; command jobs still can).
    pub container_engine: Option<ContainerEngine>,
    /// The environment command jobs get from the agent's.
    pub job_env: JobEnv,
}

impl<'c> Agent<'c> {
    /// An agent for `setup.node` signing with `agent`; opens the outbox in `data_dir`.
    pub fn new(
        chain: &'c dyn Chain,
        agent: Keypair,
        gpu: Arc<dyn GpuBackend>,
        setup: AgentSetup,
    ) -> Result<Self, AgentError> {
        create_dir(&setup.data_dir)?;
        let outbox = Arc::new(Mutex::new(Outbox::open(&setup.data_dir.join("outbox.db"))?));
        Ok(Self {
            chain,
            agent,
            node: setup.node,
            outbox,
            gpu,
            period_secs: setup.period_secs,
            job_wait_secs: setup.job_wait_secs,
            data_dir: setup.data_dir,
            job_dir: setup.job_dir,
            log_cap: setup.log_cap,
            engine: setup.container_engine,
            job_env: setup.job_env,
            served: BTreeMap::new(),
            keys: None,
            clock: (0, None),
            metrics: Arc::new(Metrics::default()),
        })
    }

    /// `nvml` or `simulated`: what the GPU figures come from.
    pub fn backend(&self) -> &'static str {
        self.gpu.kind()
    }

    /// The agent's public key (must be the node's `agent_key`).
    pub fn key(&self) -> Pubkey {
        self.agent.pubkey()
    }

    /// The node's, pool's and mint's addresses, read once.
    async fn keys(&mut self) -> Result<Arc<Keys>, AgentError> {
        if let Some(k) = &self.keys {
            return Ok(k.clone());
        }
        let node: Node = fetch(self.chain, &self.node).await?;
        let provider: Provider = fetch(self.chain, &node.provider).await?;
        let pool: tessera::state::Pool = fetch(self.chain, &node.pool).await?;
        let protocol: Protocol = fetch(self.chain, &pda::find_protocol_address().0).await?;
        let keys = Arc::new(Keys {
            nk: NodeKeys::derive(provider.authority, node.node_id),
            pk: PoolKeys::derive(pool.operator, pool.pool_id),
            settlement_mint: protocol.settlement_mint,
        });
        self.keys = Some(keys.clone());
        Ok(keys)
    }

    /// One iteration over one read of the node's leases. Safe to repeat and to interrupt at
    /// any point.
    pub async fn tick(&mut self) -> Result<(), AgentError> {
        let keys = self.keys().await?;
        let now = self.chain.unix_timestamp().await?;
        self.clock = (now, None);
        let leases: BTreeMap<Pubkey, Lease> = leases_on(self.chain, &self.node)
            .await?
            .into_iter()
            .collect();
        // A lease a re-posted receipt just changed is left for the next tick.
        let touched = self.flush(&keys, &leases, now).await?;
        self.stop_gone(&leases).await;
        for (address, lease) in &leases {
            self.serve(address, lease, now).await?;
            if touched.contains(address) {
                continue;
            }
            let a = *address;
            let book = self.outbox(move |o| o.book(&a)).await?;
            // A lease that just got a receipt is left for the next tick.
            if !self
                .meter_and_post(&keys, address, lease, &book, now)
                .await?
            {
                self.wrap_up(&keys, address, lease, &book, now).await?;
            }
        }
        self.update_gauges();
        self.metrics.ticks.inc();
        Ok(())
    }

    fn update_gauges(&self) {
        self.metrics.leases_active.set(self.served.len() as u64);
        let jobs = self.served.values().filter(|s| s.job.is_some()).count();
        self.metrics.jobs_running.set(jobs as u64);
    }

    /// Seconds (of chain time, as of the last tick) until the next period of a served lease
    /// ends, a waiting receipt can be posted or a charge settled, so the daemon can tick right
    /// then instead of at its regular interval; `None` when nothing is coming up.
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

    /// Re-posts every receipt the outbox has not seen confirmed (crash recovery); returns the
    /// leases where one landed (their snapshot is stale).
    async fn flush(
        &mut self,
        keys: &Keys,
        leases: &BTreeMap<Pubkey, Lease>,
        now: i64,
    ) -> Result<BTreeSet<Pubkey>, AgentError> {
        let mut touched = BTreeSet::new();
        for entry in self.outbox(|o| o.unconfirmed()).await? {
            let lease = leases.get(&entry.lease);
            if self
                .send(keys, &entry.lease, lease, entry.body, now)
                .await?
            {
                touched.insert(entry.lease);
            }
        }
        Ok(touched)
    }

    /// Posts `body` as [`billing::posting`] decides; returns whether it landed.
    async fn send(
        &mut self,
        keys: &Keys,
        address: &Pubkey,
        lease: Option<&Lease>,
        body: ReceiptBody,
        now: i64,
    ) -> Result<bool, AgentError> {
        self.mark(address, body.seq, State::Sent).await?;
        let mut landed = false;
        match billing::posting(lease, body.seq, now) {
            Posting::Send { settle_first } => {
                let mut ixs = Vec::new();
                if settle_first {
                    ixs.push(ix::settle(&keys.nk, &keys.pk, *address));
                }
                let msg = message_bytes(&UsageReceipt::new(*address, body))
                    .map_err(|e| ClientError::Rpc(e.to_string()))?;
                ixs.push(ix::ed25519(&self.agent, &msg));
                ixs.push(ix::submit_receipt(&keys.nk, &keys.pk, *address, None, body));
                match self.chain.send(&ixs, &[]).await {
                    Ok(sig) => {
                        landed = true;
                        info!(lease = %address, seq = body.seq, %sig, "receipt landed");
                        self.metrics.receipts_posted.inc();
                        self.mark(address, body.seq, State::Confirmed).await?;
                    }
                    Err(e) => self.refused(address, body.seq, &e).await?,
                }
            }
            Posting::AlreadyOnChain | Posting::LeaseClosed => {
                self.metrics.receipts_already_on_chain.inc();
                self.mark(address, body.seq, State::Confirmed).await?;
            }
            Posting::Wait { why, until } => {
                info!(lease = %address, seq = body.seq, why, ?until, "receipt waits");
                if let Some(at) = until {
                    self.wake_at(at);
                }
            }
        }
        Ok(landed)
    }

    /// Runs `f` on the outbox on tokio's blocking pool.
    async fn outbox<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Outbox) -> Result<T, OutboxError> + Send + 'static,
    ) -> Result<T, AgentError> {
        let db = self.outbox.clone();
        off_runtime(move || {
            let db = db
                .lock()
                .map_err(|_| AgentError::Blocking("the outbox lock was poisoned".into()))?;
            Ok(f(&db)?)
        })
        .await?
    }

    /// Moves receipt `seq` of `lease` to `state` and refreshes the unconfirmed gauge.
    async fn mark(&self, lease: &Pubkey, seq: u64, state: State) -> Result<(), AgentError> {
        let lease = *lease;
        let (pending, sent, _) = self
            .outbox(move |o| {
                o.mark(&lease, seq, state)?;
                o.counts()
            })
            .await?;
        self.metrics.outbox_unconfirmed.set(pending + sent);
        Ok(())
    }

    /// Handles a failed receipt transaction as [`billing::refusal`] classifies it.
    async fn refused(&self, address: &Pubkey, seq: u64, e: &ClientError) -> Result<(), AgentError> {
        match billing::refusal(e) {
            Refusal::AlreadyOnChain => {
                self.metrics.receipts_already_on_chain.inc();
                self.mark(address, seq, State::Confirmed).await?;
            }
            Refusal::Reject => {
                warn!(lease = %address, seq, error = %e, "receipt refused by the program; not retried");
                self.metrics.post_errors.inc();
                self.mark(address, seq, State::Rejected).await?;
            }
            Refusal::Retry => {
                warn!(lease = %address, seq, error = %e, "posting failed; will retry");
                self.metrics.post_errors.inc();
            }
        }
        Ok(())
    }

    /// Forgets leases that are gone from the chain, stopping a job still running.
    async fn stop_gone(&mut self, live: &BTreeMap<Pubkey, Lease>) {
        let gone: Vec<Pubkey> = self
            .served
            .keys()
            .filter(|k| !live.contains_key(k))
            .copied()
            .collect();
        for lease in gone {
            self.forget(&lease, "the lease is closed").await;
        }
    }

    /// Stops serving `lease`, killing its job if one is still running (and saying so only
    /// then).
    async fn forget(&mut self, lease: &Pubkey, why: &str) {
        if let Some(mut s) = self.served.remove(lease) {
            match s.job.as_mut() {
                Some(job) => {
                    let _ = job.kill().await;
                    info!(%lease, "{why}: job stopped");
                }
                None => info!(%lease, "{why}"),
            }
        }
    }

    /// Stops every job still running (the daemon's shutdown) and returns their leases; a job
    /// that already ended is not mentioned.
    pub async fn shutdown(&mut self) -> Vec<Pubkey> {
        let mut stopped = Vec::new();
        for (lease, s) in &mut self.served {
            if let Some(mut job) = s.job.take() {
                let _ = job.kill().await;
                info!(%lease, "shutting down: job stopped");
                stopped.push(*lease);
            }
        }
        self.update_gauges();
        stopped
    }

    /// Starts the lease's job on its GPUs when it should run and is not running, records when
    /// it starts, ends or cannot run, stops it at the lease end, and samples its GPUs (off the
    /// async runtime: NVML calls block).
    async fn serve(&mut self, address: &Pubkey, lease: &Lease, now: i64) -> Result<(), AgentError> {
        if !self.served.contains_key(address) {
            let served = self.allocate(lease).await?;
            self.served.insert(*address, served);
        }
        let a = *address;
        let record = self.outbox(move |o| o.job(&a)).await?;
        let runnable = record.ended_at.is_none() && record.failed.is_none() && now < lease.end_at;
        if runnable && self.served.get(address).is_some_and(|s| s.job.is_none()) {
            self.start_or_record(address, lease, now, record.started_at.is_some())
                .await?;
        }
        let Some(s) = self.served.get_mut(address) else {
            return Ok(());
        };
        if now >= lease.end_at {
            if let Some(mut job) = s.job.take() {
                let _ = job.kill().await;
                info!(lease = %address, "lease ended: job stopped");
            }
        }
        let mut ended = false;
        if let Some(job) = s.job.as_mut() {
            match job.poll().await {
                Ok(Some(outcome)) => {
                    info!(lease = %address, ?outcome, "job ended on its own; billed to the lease end");
                    s.job = None;
                    ended = true;
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
                let foreign = processes.iter().filter(|(_, mine)| !mine).count() as u64;
                if foreign > 0 {
                    warn!(lease = %address, gpu = r.index, "a process outside the job is using a leased GPU");
                    self.metrics.foreign_processes.inc_by(foreign);
                }
                s.meter.record_processes(r.index, now, &processes);
            }
        }
        if ended {
            let a = *address;
            self.outbox(move |o| o.job_ended(&a, now)).await?;
        }
        Ok(())
    }

    /// The GPUs a newly seen lease gets: the rig's, minus those other leases hold.
    async fn allocate(&self, lease: &Lease) -> Result<Served, AgentError> {
        let used: BTreeSet<u32> = self
            .served
            .values()
            .flat_map(|s| s.gpus.iter().copied())
            .collect();
        let gpu = self.gpu.clone();
        let devices = off_runtime(move || gpu.devices()).await??;
        let free: Vec<_> = devices
            .iter()
            .filter(|d| !used.contains(&d.index))
            .take(usize::from(lease.gpu_count))
            .collect();
        Ok(Served {
            gpus: free.iter().map(|d| d.index).collect(),
            uuids: free.iter().map(|d| d.uuid.clone()).collect(),
            job: None,
            meter: PeriodMeter::default(),
            waiting_logged: false,
        })
    }

    /// Tries to (re)start the lease's job and records the outcome: its first start, a wait for
    /// its spec, or the rig's failure (which ends billing and cancels the lease).
    async fn start_or_record(
        &mut self,
        address: &Pubkey,
        lease: &Lease,
        now: i64,
        restart: bool,
    ) -> Result<(), AgentError> {
        let started = self.start_job(address, lease).await;
        let deadline = lease.start_at.saturating_add(self.job_wait_secs);
        let Some(s) = self.served.get_mut(address) else {
            return Ok(());
        };
        match started {
            Ok(job) => {
                info!(lease = %address, gpus = ?s.gpus, restart, backend = self.gpu.kind(), "job started; billed from its first start");
                s.job = Some(job);
                let a = *address;
                self.outbox(move |o| o.job_started(&a, now)).await?;
            }
            Err(NotStarted::Waiting(why)) if now < deadline && !restart => {
                if !std::mem::replace(&mut s.waiting_logged, true) {
                    warn!(lease = %address, "{why}; waiting for it until {deadline} (nothing is billed before the job starts)");
                }
                self.wake_at(deadline);
            }
            Err(NotStarted::Waiting(why) | NotStarted::Failed(why)) => {
                warn!(lease = %address, "cannot run the job: {why}; billing stops here and the lease is cancelled");
                let a = *address;
                self.outbox(move |o| o.job_failed(&a, now, &why)).await?;
            }
        }
        Ok(())
    }

    /// Starts the lease's job on the GPUs it was given, or says why not.
    async fn start_job(&self, address: &Pubkey, lease: &Lease) -> Result<Job, NotStarted> {
        let spec = find_job_spec(&self.job_dir, &lease.job_hash).map_err(|p| match p {
            SpecProblem::Missing(_) | SpecProblem::Mismatch(_) => {
                NotStarted::Waiting(p.to_string())
            }
            SpecProblem::NoJob | SpecProblem::Unreadable(_) => NotStarted::Failed(p.to_string()),
        })?;
        let s = self
            .served
            .get(address)
            .ok_or_else(|| NotStarted::Failed("the lease is not being served".into()))?;
        if s.gpus.len() < usize::from(lease.gpu_count) {
            return Err(NotStarted::Failed(format!(
                "only {} of the {} leased GPUs are free on this rig",
                s.gpus.len(),
                lease.gpu_count
            )));
        }
        let dir = self.data_dir.join("leases").join(address.to_string());
        let failed = |e: &dyn std::fmt::Display| NotStarted::Failed(e.to_string());
        create_dir(&dir).map_err(|e| failed(&e))?;
        let job = JobPlace::new(&dir, &self.job_env).map_err(|e| failed(&e))?;
        let runtime = self.runtime(&spec).map_err(|e| failed(&e))?;
        runner::start(runtime, &spec, &s.uuids, &job, self.log_cap)
            .await
            .map_err(|e| failed(&e))
    }

    /// The runtime for `spec`: the container engine for an image, the process sandbox otherwise.
    fn runtime(&self, spec: &JobSpec) -> Result<&dyn JobRuntime, RunError> {
        match (&spec.image, &self.engine) {
            (None, _) => Ok(&ProcessSandbox {
                user_namespace: false,
            }),
            (Some(_), Some(engine)) => Ok(engine),
            (Some(image), None) => Err(RunError::NoContainerEngine(image.clone())),
        }
    }

    /// Closes the period [`billing::due`] names, writing the receipt to the outbox before it
    /// is signed and posting it; returns whether it wrote one.
    async fn meter_and_post(
        &mut self,
        keys: &Keys,
        address: &Pubkey,
        lease: &Lease,
        book: &LeaseBook,
        now: i64,
    ) -> Result<bool, AgentError> {
        let due = billing::due(lease, &book.job, book.written_end, now, self.period_secs);
        if let Some(at) = due.next {
            self.wake_at(at);
        }
        // Never write receipt n+1 while n is unposted: if n+1 landed first, n's period could
        // never be billed.
        let Some(period) = due.period else {
            return Ok(false);
        };
        if book.unposted {
            return Ok(false);
        }
        let seq = book.max_seq.max(lease.last_seq) + 1;
        let Some(s) = self.served.get_mut(address) else {
            return Ok(false);
        };
        let gpus = if period.billed { lease.gpu_count } else { 0 };
        let metered = std::mem::take(&mut s.meter).finish(seq, period.start, period.end, gpus);
        let dir = self.data_dir.join("leases").join(address.to_string());
        create_dir(&dir)?;
        let log = dir.join(format!("samples-{seq}.log"));
        std::fs::write(&log, &metered.log).map_err(|source| AgentError::Io {
            path: log.display().to_string(),
            source,
        })?;
        let (a, body) = (*address, metered.body);
        self.outbox(move |o| o.record(&a, &body)).await?;
        let landed = self
            .send(keys, address, Some(lease), metered.body, now)
            .await?;
        let last = billing::billable(lease, &book.job).is_some_and(|(_, to)| period.end >= to);
        if landed && last {
            // The last receipt: wake when its window closes, to settle and close.
            self.wake_at(now.saturating_add(i64::from(lease.terms.dispute_window_secs)));
        }
        Ok(true)
    }

    /// Settles a charge whose window passed when no receipt carried it, and closes a lease
    /// once every billable second is receipted and settled: at its end, or at once when the
    /// rig failed its job (a cancellation: the rest of the escrow goes back to the renter).
    async fn wrap_up(
        &mut self,
        keys: &Keys,
        address: &Pubkey,
        lease: &Lease,
        book: &LeaseBook,
        now: i64,
    ) -> Result<(), AgentError> {
        let job = &book.job;
        match billing::wrap_up(lease, job, book.unposted, now) {
            Some(WrapUp::Settle) => {
                self.chain
                    .send(&[ix::settle(&keys.nk, &keys.pk, *address)], &[])
                    .await?;
                self.metrics.settlements.inc();
            }
            Some(WrapUp::Close { settle_first }) => {
                let renter = ix::RenterAccounts {
                    renter: lease.renter,
                    token: ix::associated_token_address(&lease.renter, &keys.settlement_mint),
                };
                let mut ixs = Vec::new();
                if settle_first {
                    ixs.push(ix::settle(&keys.nk, &keys.pk, *address));
                    self.metrics.settlements.inc();
                }
                ixs.push(ix::close_lease(
                    self.agent.pubkey(),
                    &keys.nk,
                    &keys.pk,
                    *address,
                    &renter,
                ));
                self.chain.send(&ixs, &[&self.agent]).await?;
                self.metrics.leases_closed.inc();
                let why = match (&job.failed, now < lease.end_at) {
                    (Some((_, cause)), true) => {
                        self.metrics.leases_cancelled.inc();
                        format!("lease cancelled ({cause}); the rest of the escrow is refunded")
                    }
                    _ => "lease closed at its end".to_string(),
                };
                self.forget(address, &why).await;
            }
            None => {
                if let Pending::InWindow(until) = billing::pending(lease, now) {
                    self.wake_at(until);
                }
            }
        }
        Ok(())
    }
}

/// Creates `dir` and its parents.
fn create_dir(dir: &std::path::Path) -> Result<(), AgentError> {
    std::fs::create_dir_all(dir).map_err(|source| AgentError::Io {
        path: dir.display().to_string(),
        source,
    })
}

/// Why a lease's job spec cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecProblem {
    /// The lease's job hash is all zero.
    #[error("the lease names no job spec (job hash all zero)")]
    NoJob,
    /// No spec file with the lease's hash.
    #[error("job spec {0} not found (ask the renter for it; `tessera job hash` names it)")]
    Missing(String),
    /// The file does not hash to the lease's job hash.
    #[error("{0} does not hash to the lease's job hash")]
    Mismatch(String),
    /// The file cannot be read or parsed.
    #[error("{0}")]
    Unreadable(String),
}

/// The spec file `job_dir/<job_hash hex>.json` a lease names, or why it cannot be used.
pub fn find_job_spec(
    job_dir: &std::path::Path,
    job_hash: &[u8; 32],
) -> Result<JobSpec, SpecProblem> {
    if job_hash == &[0; 32] {
        return Err(SpecProblem::NoJob);
    }
    let path = job_dir.join(tessera_client::job::file_name(job_hash));
    if !path.exists() {
        return Err(SpecProblem::Missing(path.display().to_string()));
    }
    let spec = JobSpec::load(&path).map_err(|e| SpecProblem::Unreadable(e.to_string()))?;
    if &spec.hash() != job_hash {
        return Err(SpecProblem::Mismatch(path.display().to_string()));
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
