//! The agent end to end on the in-process chain: a leased job runs on simulated GPUs (labelled
//! so), receipts are metered, written to the outbox, signed, posted and settled, and the ended
//! lease is closed; and crash recovery at every outbox step charges each period
//! exactly once.

use std::sync::atomic::Ordering;

use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;
use tessera::state::Lease;
use tessera_agent::billing::{posting, refusal, Posting, Refusal};
use tessera_agent::gpu::simulated::SimulatedBackend;
use tessera_agent::outbox::State;
use tessera_client::chain::fetch;
use tessera_client::Chain;
use tessera_localnet::LocalChain;

mod support;

use support::{counting_job, receipt, world, UNIT};

#[tokio::test]
async fn a_lease_is_served_metered_settled_and_closed() {
    let w = world().await;
    let before = w.renter_usd().await;
    let lease = w.open(2, 180, &counting_job()).await;
    let mut agent = w.agent();
    agent.tick().await.unwrap();
    // The daemon is told to wake when the first period ends, not a tick interval later.
    assert_eq!(agent.secs_until_due(), Some(60));
    // Chain time jumps a period per tick; give the real job real time to finish first.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    for _ in 0..3 {
        w.chain.advance_clock(60).await.unwrap();
        agent.tick().await.unwrap();
    }
    assert_eq!(
        agent.secs_until_due(),
        Some(60),
        "the lease has ended: woken when the last charge's window closes"
    );
    let l: Lease = fetch(&*w.chain, &lease).await.unwrap();
    assert_eq!(
        (l.last_seq, l.last_period_end, l.gpu_seconds_billed),
        (3, l.end_at, 360),
        "three 60 s periods of 2 GPUs"
    );
    // Once the last charge's window passed, the agent settles it and closes the lease as the
    // node's agent, in one transaction.
    w.chain.advance_clock(60).await.unwrap();
    agent.tick().await.unwrap();
    assert!(w.chain.account(&lease).await.unwrap().is_none(), "closed");
    // The job ended on its own within a second; the renter pays the whole allocation:
    // 2 GPUs × 180 s at 2/GPU-hour = 0.2 exactly; the rest of the escrow came back.
    assert_eq!(before - w.renter_usd().await, 200_000);
    let m = &agent.metrics;
    assert_eq!(m.receipts_posted.get(), 3);
    assert_eq!(m.leases_closed.get(), 1);
    assert_eq!(
        m.leases_active.get(),
        0,
        "the gauge drops in the tick that closes the lease"
    );
    assert!(
        agent.shutdown().await.is_empty(),
        "no job is said to be stopped at shutdown: it ended long before"
    );
    let lease_dir = w.dir.path().join("data/leases").join(lease.to_string());
    let stdout = std::fs::read_to_string(lease_dir.join("stdout.log")).unwrap();
    assert!(
        stdout.starts_with("counted 42 on GPU-SIMULATED-0000,GPU-SIMULATED-0001"),
        "{stdout}"
    );
    let samples = std::fs::read_to_string(lease_dir.join("samples-1.log")).unwrap();
    assert!(samples.contains("gpu=0 util=97"), "{samples}");
}

#[tokio::test]
async fn crashes_at_any_outbox_step_charge_each_period_exactly_once() {
    let w = world().await;
    let lease = w.open(1, 600, &counting_job()).await;
    w.chain.advance_clock(60).await.unwrap();
    let l: Lease = fetch(&*w.chain, &lease).await.unwrap();
    let body = |seq: u64, start: i64| receipt(seq, start, start + 60, 60);

    // 1. Written, then crash before signing: the restarted agent posts it once.
    w.outbox().record(&lease, &body(1, l.start_at)).unwrap();
    let mut agent = w.agent();
    agent.tick().await.unwrap();
    let after: Lease = fetch(&*w.chain, &lease).await.unwrap();
    assert_eq!((after.last_seq, after.pending), (1, 33_333));
    drop(agent);

    // 2. Sent and landed, then crash before it was marked confirmed: the resubmission is
    //    recognised by its sequence number and charges nothing.
    w.chain.advance_clock(60).await.unwrap();
    let ob = w.outbox();
    ob.record(&lease, &body(2, l.start_at + 60)).unwrap();
    ob.mark(&lease, 2, State::Sent).unwrap();
    drop(ob);
    w.post_directly(&lease, body(2, l.start_at + 60))
        .await
        .unwrap();
    let mut agent = w.agent();
    agent.tick().await.unwrap();
    assert_eq!(agent.metrics.receipts_already_on_chain.get(), 1);
    let after: Lease = fetch(&*w.chain, &lease).await.unwrap();
    assert_eq!(after.last_seq, 2);
    assert_eq!(
        after.gpu_seconds_billed, 120,
        "two periods billed, not three"
    );

    // 3. Confirmed, then crash: nothing is re-sent, and the next period gets the next number.
    drop(agent);
    let ob = w.outbox();
    assert!(ob.unconfirmed().unwrap().is_empty());
    drop(ob);
    w.chain.advance_clock(60).await.unwrap();
    let mut agent = w.agent();
    agent.tick().await.unwrap();
    let after: Lease = fetch(&*w.chain, &lease).await.unwrap();
    assert_eq!((after.last_seq, after.gpu_seconds_billed), (3, 180));
    // An old receipt is recognised before sending, and replaying it directly is refused
    // without a charge.
    let now = w.chain.unix_timestamp().await.unwrap();
    assert_eq!(posting(Some(&after), 1, now), Posting::AlreadyOnChain);
    let again = w.post_directly(&lease, body(1, l.start_at)).await;
    assert_ne!(
        refusal(&again.unwrap_err()),
        Refusal::Reject,
        "a state that passes"
    );
    let replayed: Lease = fetch(&*w.chain, &lease).await.unwrap();
    assert_eq!(replayed.gpu_seconds_billed, 180);
}

#[tokio::test]
async fn a_rig_registers_a_second_node_from_its_inventory() {
    use tessera_agent::benchmark::{published_peak, simulated};
    use tessera_agent::registration::{register, Terms};
    let w = world().await;
    // The world's operator is not kept; register a second node for a fresh provider instead.
    let chain = &*w.chain;
    let (provider, pool) = w.provider_with_pool(7).await;
    let gpu = SimulatedBackend::new(4, vec![]);
    let terms = Terms {
        pool: pool.pool,
        price_per_gpu_hour: 3 * UNIT,
        min_lease_secs: 60,
        max_lease_secs: 86_400,
    };
    let bench = simulated(&published_peak("NVIDIA H100 80GB HBM3").unwrap());
    let agent = Keypair::new();
    // Refused in the flags' words before anything is sent.
    let node_count = |p: &Keypair| {
        let at = tessera_client::pda::find_provider_address(&p.pubkey()).0;
        async move {
            fetch::<tessera::state::Provider>(chain, &at)
                .await
                .unwrap()
                .node_count
        }
    };
    let before = node_count(&provider).await;
    let not_a_pool = tessera_client::pda::find_protocol_address().0;
    for (bad, says) in [
        (
            Terms {
                price_per_gpu_hour: 0,
                ..terms
            },
            "--price must be more than 0; nothing was registered".to_string(),
        ),
        (
            Terms {
                min_lease_secs: 7_200,
                max_lease_secs: 3_600,
                ..terms
            },
            "--min-lease (2h) is longer than --max-lease (1h)".to_string(),
        ),
        (
            Terms {
                pool: not_a_pool,
                ..terms
            },
            format!("account {not_a_pool} is not a Pool"),
        ),
    ] {
        let err = register(chain, &provider, &agent, &gpu, bad, None)
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains(&says), "{err}");
    }
    let stranger = Keypair::new();
    let err = register(chain, &stranger, &agent, &gpu, terms, None)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&format!(
            "wallet {} is not a registered provider",
            stranger.pubkey()
        )) && err.contains("tessera provider register"),
        "{err}"
    );
    assert_eq!(
        node_count(&provider).await,
        before,
        "nothing was registered"
    );
    let r = register(chain, &provider, &agent, &gpu, terms, Some(bench))
        .await
        .unwrap();
    let node: tessera::state::Node = fetch(chain, &r.node).await.unwrap();
    assert_eq!(
        (node.spec.gpu_count, node.spec.vram_mib, node.agent_key),
        (4, 81_559, agent.pubkey())
    );
    assert!(
        String::from_utf8_lossy(&node.spec.gpu_model).contains("(simulated)"),
        "the simulated model name is what gets registered"
    );
    assert!(
        !r.attested && node.benchmarked_at == 0,
        "simulated figures are never attested"
    );
}

#[tokio::test]
async fn a_refused_receipt_is_set_aside_and_never_skipped_past() {
    let w = world().await;
    let lease = w.open(1, 600, &counting_job()).await;
    let l: Lease = fetch(&*w.chain, &lease).await.unwrap();
    // A receipt claiming a period that overlaps nothing valid: it starts before the lease did.
    let bad = receipt(1, l.start_at - 60, l.start_at + 30, 1);
    w.outbox().record(&lease, &bad).unwrap();
    let mut agent = w.agent();
    agent.tick().await.unwrap(); // the job starts; receipt 1's period is not over: it waits
    w.chain.advance_clock(60).await.unwrap();
    agent.tick().await.unwrap();
    // Refused for good (overlap), set aside, and the period is billed by a fresh receipt 2.
    let ob = w.outbox();
    assert!(ob.unconfirmed().unwrap().is_empty());
    let after: Lease = fetch(&*w.chain, &lease).await.unwrap();
    assert_eq!((after.last_seq, after.gpu_seconds_billed), (2, 60));
}

#[tokio::test]
async fn a_receipt_refused_for_now_waits_in_the_outbox_and_lands_later() {
    let w = world().await;
    let lease = w.open(1, 600, &counting_job()).await;
    let l: Lease = fetch(&*w.chain, &lease).await.unwrap();
    // Receipt 1 covers a period that has not ended yet: the program refuses it for now
    // (ReceiptPeriodInFuture), so it stays unposted across ticks.
    let early = receipt(1, l.start_at, l.start_at + 120, 120);
    w.outbox().record(&lease, &early).unwrap();
    w.chain.advance_clock(60).await.unwrap();
    let mut agent = w.agent();
    agent.tick().await.unwrap();
    // Refused for now, not for good: still in the outbox, and nothing new written past it.
    let ob = w.outbox();
    assert_eq!(ob.max_seq(&lease).unwrap(), 1);
    assert_eq!(fetch::<Lease>(&*w.chain, &lease).await.unwrap().last_seq, 0);
    assert!(ob.has_unposted(&lease).unwrap());
    // Once its period is over, receipt 1 lands.
    w.chain.advance_clock(60).await.unwrap();
    agent.tick().await.unwrap();
    assert_eq!(fetch::<Lease>(&*w.chain, &lease).await.unwrap().last_seq, 1);
}

/// The in-process chain behind an RPC link that drops the next `outages` transactions (reads
/// still work), as a flaky endpoint does.
struct FlakyChain<'a> {
    inner: &'a LocalChain,
    outages: std::sync::atomic::AtomicU32,
}

#[async_trait::async_trait]
impl Chain for FlakyChain<'_> {
    fn payer(&self) -> Pubkey {
        self.inner.payer()
    }
    async fn account(
        &self,
        address: &Pubkey,
    ) -> Result<Option<solana_sdk::account::Account>, tessera_client::ClientError> {
        self.inner.account(address).await
    }
    async fn send(
        &self,
        instructions: &[solana_sdk::instruction::Instruction],
        signers: &[&Keypair],
    ) -> Result<solana_sdk::signature::Signature, tessera_client::ClientError> {
        let down = self
            .outages
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if down {
            return Err(tessera_client::ClientError::Rpc(
                "injected outage: connection reset".into(),
            ));
        }
        self.inner.send(instructions, signers).await
    }
    async fn unix_timestamp(&self) -> Result<i64, tessera_client::ClientError> {
        self.inner.unix_timestamp().await
    }
    async fn program_accounts(
        &self,
        filters: &[(usize, Vec<u8>)],
    ) -> Result<Vec<(Pubkey, solana_sdk::account::Account)>, tessera_client::ClientError> {
        self.inner.program_accounts(filters).await
    }
}

#[tokio::test]
async fn an_rpc_outage_delays_receipts_but_never_skips_or_doubles_a_period() {
    let w = world().await;
    let lease = w.open(1, 600, &counting_job()).await;
    let flaky = FlakyChain {
        inner: &w.chain,
        outages: 0.into(),
    };
    let mut agent = w.agent_on(&flaky);
    agent.tick().await.unwrap(); // the job starts with the lease
                                 // Period 1 ends; posting receipt 1 fails in transit. It stays in the outbox.
    w.chain.advance_clock(60).await.unwrap();
    flaky.outages.store(1, Ordering::SeqCst);
    agent.tick().await.unwrap();
    assert_eq!(fetch::<Lease>(&*w.chain, &lease).await.unwrap().last_seq, 0);
    assert!(w.outbox().has_unposted(&lease).unwrap());
    // Period 2 ends; the repost of receipt 1 fails again, but the link is back for what
    // follows in the same tick. Receipt 2 must not be written past the unposted receipt 1:
    // if 2 landed first, the program would refuse 1 (seq must rise) and period 1 would go
    // unbilled.
    w.chain.advance_clock(60).await.unwrap();
    flaky.outages.store(1, Ordering::SeqCst);
    agent.tick().await.unwrap();
    assert_eq!(
        w.outbox().max_seq(&lease).unwrap(),
        1,
        "receipt 2 written past 1"
    );
    assert_eq!(fetch::<Lease>(&*w.chain, &lease).await.unwrap().last_seq, 0);
    // The link is healthy: receipt 1 lands, then receipt 2 for the second period, once each.
    for _ in 0..4 {
        agent.tick().await.unwrap();
        w.chain.advance_clock(30).await.unwrap();
    }
    let l: Lease = fetch(&*w.chain, &lease).await.unwrap();
    assert!(l.last_seq >= 2, "{}", l.last_seq);
    assert_eq!(
        l.gpu_seconds_billed,
        u64::try_from(l.last_period_end - l.start_at).unwrap(),
        "every second from the start billed exactly once"
    );
    assert!(agent.metrics.post_errors.get() >= 2);
}

#[tokio::test]
async fn gpu_processes_are_attributed_to_the_job_and_a_foreign_one_is_flagged() {
    let w = world().await;
    let mut job = counting_job();
    job.command = vec!["sleep".into(), "30".into()];
    let lease = w.open(1, 600, &job).await;
    // Someone else's process on the leased GPU (the simulated driver sees any process pinned to
    // the GPU's UUID).
    let mut intruder = std::process::Command::new("sleep")
        .arg("30")
        .env("CUDA_VISIBLE_DEVICES", "GPU-SIMULATED-0000")
        .spawn()
        .unwrap();
    let mut agent = w.agent();
    agent.tick().await.unwrap();
    w.chain.advance_clock(60).await.unwrap();
    agent.tick().await.unwrap();
    intruder.kill().unwrap();
    intruder.wait().unwrap();
    let log = std::fs::read_to_string(
        w.dir
            .path()
            .join("data/leases")
            .join(lease.to_string())
            .join("samples-1.log"),
    )
    .unwrap();
    assert!(
        log.lines()
            .any(|l| l.contains(&format!("pid={} job=false", intruder.id()))),
        "{log}"
    );
    assert!(
        log.lines()
            .any(|l| l.contains("gpu=0 pid=") && l.contains("job=true sm=97")),
        "{log}"
    );
}

#[tokio::test]
async fn a_receipt_waiting_for_the_dispute_window_wakes_the_agent_when_it_closes() {
    let w = world().await;
    let lease = w.open(1, 600, &counting_job()).await;
    let flaky = FlakyChain {
        inner: &w.chain,
        outages: 0.into(),
    };
    let mut agent = w.agent_on(&flaky);
    agent.tick().await.unwrap(); // the job starts with the lease
                                 // Receipt 1 (period 0–60) lands 10 s late, so its 60 s dispute window runs to 130.
    w.chain.advance_clock(60).await.unwrap();
    flaky.outages.store(1, Ordering::SeqCst);
    agent.tick().await.unwrap();
    w.chain.advance_clock(10).await.unwrap();
    agent.tick().await.unwrap();
    assert_eq!(fetch::<Lease>(&*w.chain, &lease).await.unwrap().last_seq, 1);
    // At 120 period 2 is a minute long, but receipt 1's window is open: receipt 2 is not
    // written to wait in the outbox (each later one would wait longer); the period runs on
    // and the agent asks to be woken at 130, not at the next period end (180).
    w.chain.advance_clock(50).await.unwrap();
    agent.tick().await.unwrap();
    assert_eq!(fetch::<Lease>(&*w.chain, &lease).await.unwrap().last_seq, 1);
    assert_eq!(
        w.outbox().max_seq(&lease).unwrap(),
        1,
        "nothing written to wait"
    );
    assert_eq!(agent.secs_until_due(), Some(10));
    w.chain.advance_clock(10).await.unwrap();
    agent.tick().await.unwrap();
    let l = fetch::<Lease>(&*w.chain, &lease).await.unwrap();
    assert_eq!((l.last_seq, l.last_period_end - l.start_at), (2, 130));
    // Receipt 2 landed at its period's end: receipt 3 falls due a whole period later and
    // can be posted then, without waiting.
    assert!(!w.outbox().has_unposted(&lease).unwrap());
    assert_eq!(agent.secs_until_due(), Some(60));
}
