//! Billing by cause (docs/decisions.md#billing-by-cause), end to end on the in-process chain:
//! nothing is billed before the job starts; a lease whose spec never arrives, or whose job the
//! rig cannot start or restart, is cancelled and the renter refunded without a dispute; a
//! job that ends on its own is billed to the lease end (`agent.rs`).

use solana_sdk::pubkey::Pubkey;
use solana_sdk::signer::Signer;
use tessera::state::Lease;
use tessera_agent::agent::Agent;
use tessera_agent::runner::JobSpec;
use tessera_client::chain::fetch;
use tessera_client::Chain;

mod support;

use support::{counting_job, world, World, PRICE};

/// Renter's cost of `gpu_seconds` at the world's price, as the program rounds it.
fn cost(gpu_seconds: u64) -> u64 {
    u64::try_from(tessera::math::cost_of_gpu_seconds(gpu_seconds, PRICE)).unwrap()
}

/// A job that runs until stopped.
fn long_job() -> JobSpec {
    JobSpec {
        command: vec!["sleep".into(), "600".into()],
        ..counting_job()
    }
}

/// Ticks `agent` after each of `steps` clock advances of `secs`.
async fn run(w: &World, agent: &mut Agent<'_>, steps: u32, secs: i64) {
    for _ in 0..steps {
        w.chain.advance_clock(secs).await.unwrap();
        agent.tick().await.unwrap();
    }
}

/// A 1-GPU lease of `secs` whose spec reaches the rig `late` seconds in, served by an agent
/// that has ticked at the start and when the spec arrived (its job started then).
async fn late_start(w: &World, secs: u32, late: i64) -> (Pubkey, Agent<'_>) {
    let spec = counting_job();
    let lease = w.open(1, secs, &spec).await;
    let path = w.dir.path().join("jobs").join(spec.file_name());
    let kept = std::fs::read(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let mut agent = w.agent();
    agent.tick().await.unwrap();
    w.chain.advance_clock(late).await.unwrap();
    std::fs::write(&path, kept).unwrap();
    agent.tick().await.unwrap();
    (lease, agent)
}

#[tokio::test]
async fn a_lease_whose_spec_never_arrives_is_cancelled_and_not_charged() {
    let w = world().await;
    let before = w.renter_usd().await;
    let lease = w.open(1, 600, &counting_job()).await;
    std::fs::remove_dir_all(w.dir.path().join("jobs")).unwrap();
    let mut agent = w.agent();
    agent.tick().await.unwrap();
    // Waiting for the spec (job_wait is 60 s in the tests): nothing written, woken at the
    // deadline.
    assert_eq!(agent.secs_until_due(), Some(60));
    run(&w, &mut agent, 1, 60).await;
    assert!(
        w.chain.account(&lease).await.unwrap().is_none(),
        "cancelled at the deadline"
    );
    assert_eq!(w.renter_usd().await, before, "the whole escrow came back");
    assert_eq!(w.outbox().max_seq(&lease).unwrap(), 0, "no receipt written");
    assert_eq!(agent.metrics.leases_cancelled.get(), 1);
}

#[tokio::test]
async fn a_spec_that_arrives_late_is_billed_from_the_jobs_start() {
    let w = world().await;
    let before = w.renter_usd().await;
    let (lease, mut agent) = late_start(&w, 180, 40).await;
    // The 40 s before the start are receipted at zero, so even a renter who closed now would
    // not pay for them.
    let l: Lease = fetch(&*w.chain, &lease).await.unwrap();
    assert_eq!(
        (
            l.last_seq,
            l.last_period_end - l.start_at,
            l.gpu_seconds_billed
        ),
        (1, 40, 0)
    );
    run(&w, &mut agent, 5, 60).await;
    assert!(w.chain.account(&lease).await.unwrap().is_none(), "closed");
    assert_eq!(
        before - w.renter_usd().await,
        cost(140),
        "140 of the lease's 180 s are billed"
    );
}

#[tokio::test]
async fn an_image_job_without_an_engine_is_cancelled_at_once() {
    let w = world().await;
    let before = w.renter_usd().await;
    let spec = JobSpec {
        image: Some("docker.io/library/busybox".into()),
        ..counting_job()
    };
    let lease = w.open(2, 600, &spec).await;
    let mut agent = w.agent(); // no container engine
    w.chain.advance_clock(5).await.unwrap();
    agent.tick().await.unwrap();
    agent.tick().await.unwrap();
    assert!(w.chain.account(&lease).await.unwrap().is_none());
    assert_eq!(w.renter_usd().await, before, "not charged");
    assert_eq!(agent.metrics.leases_cancelled.get(), 1);
}

#[tokio::test]
async fn a_job_the_rig_cannot_restart_is_billed_to_the_failure_then_cancelled() {
    let w = world().await;
    let before = w.renter_usd().await;
    let spec = long_job();
    let lease = w.open(1, 600, &spec).await;
    let mut agent = w.agent();
    agent.tick().await.unwrap();
    run(&w, &mut agent, 1, 60).await;
    assert_eq!(fetch::<Lease>(&*w.chain, &lease).await.unwrap().last_seq, 1);
    // The agent crashes (its job dies with it) and comes back 30 s later to a rig that has
    // lost the spec: the job cannot be restarted.
    drop(agent);
    std::fs::remove_file(w.dir.path().join("jobs").join(spec.file_name())).unwrap();
    w.chain.advance_clock(30).await.unwrap();
    let mut agent = w.agent();
    agent.tick().await.unwrap();
    // Billed up to the failure (90 s), settled after its window, then cancelled.
    run(&w, &mut agent, 2, 60).await;
    assert!(
        w.chain.account(&lease).await.unwrap().is_none(),
        "cancelled"
    );
    assert_eq!(before - w.renter_usd().await, cost(90));
    assert_eq!(agent.metrics.leases_cancelled.get(), 1);
}

#[tokio::test]
async fn a_renter_who_closes_early_after_a_late_start_pays_only_from_the_start() {
    let w = world().await;
    let before = w.renter_usd().await;
    let (lease, _agent) = late_start(&w, 600, 50).await;
    w.chain.advance_clock(30).await.unwrap();
    let renter = tessera_client::instructions::RenterAccounts {
        renter: w.renter.pubkey(),
        token: tessera_client::instructions::associated_token_address(&w.renter.pubkey(), &w.usd),
    };
    let close = tessera_client::instructions::close_lease(
        w.renter.pubkey(),
        &w.nk,
        &w.pool,
        lease,
        &renter,
    );
    w.chain.send(&[close], &[&w.renter]).await.unwrap();
    assert_eq!(before - w.renter_usd().await, cost(30), "30 s, not 80");
}
