//! `tessera demo`: the whole protocol in one command on an in-process chain (the program and
//! the real SPL Token program): investors fund a pool, a provider stakes and registers a node
//! (GPUs through NVML when present, otherwise the labelled simulated backend), a renter leases
//! four GPUs for a real job, the agent runs it, posts signed receipts, settles and closes, and
//! fees reach the operator, stakers and treasury. Chain time is advanced by the demo; the job
//! runs in real time.

use std::io::Write;
use std::sync::Arc;

use anyhow::{Context, Result};
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;
use tessera::state::{Lease, NodeSpec, Pool, ProtocolParams};
use tessera_agent::agent::{Agent, AgentSetup};
use tessera_agent::gpu::nvml::NvmlBackend;
use tessera_agent::gpu::simulated::SimulatedBackend;
use tessera_agent::gpu::GpuBackend;
use tessera_agent::runner::JobSpec;
use tessera_client::chain::{fetch, token_balance};
use tessera_client::instructions::{self as ix, NodeKeys, PoolKeys};
use tessera_client::local::LocalChain;
use tessera_client::{metrics, pda, Chain};

use crate::units::format_amount;

const UNIT: u64 = 1_000_000;
const PERIOD: i64 = 60;
const LEASE_SECS: u32 = 180;
const LEASE_GPUS: u16 = 4;
const PRICE: u64 = 2 * UNIT;

/// One receipt as the demo saw it land.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptLine {
    /// Sequence number.
    pub seq: u64,
    /// GPU-seconds billed.
    pub gpu_seconds: u64,
    /// Amount charged.
    pub charge: u64,
}

/// The demo's figures, read back from the chain.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoReport {
    /// Which GPU backend served the lease (`nvml` or `simulated`).
    pub gpu_backend: &'static str,
    /// Receipts posted.
    pub receipts: Vec<ReceiptLine>,
    /// What the renter paid in total (escrow in minus refund).
    pub renter_paid: u64,
    /// Fees booked for the protocol.
    pub protocol_fees: u64,
    /// Fees booked for the operator.
    pub operator_fees: u64,
    /// Revenue booked for investors.
    pub investor_revenue: u64,
    /// Value of one share before and after (vested).
    pub share_value: (u64, u64),
    /// Protocol fees the sweep allocated to stakers.
    pub staker_allocation: u64,
    /// Stakers' rewards claimed by the provider (the only staker; floor rounding may leave a
    /// unit of dust in the reward vault).
    pub staker_rewards: u64,
    /// The treasury's part of protocol fees.
    pub treasury: u64,
    /// First line of the job's output.
    pub job_output: String,
}

/// Runs the demo, printing progress to `out`.
pub async fn run(out: &mut dyn Write) -> Result<DemoReport> {
    let mut step = 0;
    let mut say = |out: &mut dyn Write, msg: &str| {
        step += 1;
        let _ = writeln!(out, "[{step}/8] {msg}");
    };
    say(
        out,
        "starting an in-process chain with the Tessera program and SPL Token",
    );
    let chain = LocalChain::start().await;
    let admin = chain.payer_keypair().insecure_clone();

    say(
        out,
        "creating the USDC-like settlement mint, the protocol token and the protocol",
    );
    let (usd_kp, tsr_kp) = (Keypair::new(), Keypair::new());
    send(
        &chain,
        ix::create_mint(&admin.pubkey(), &usd_kp.pubkey(), &admin.pubkey(), 6),
        &[&usd_kp],
    )
    .await?;
    send(
        &chain,
        ix::create_mint(&admin.pubkey(), &tsr_kp.pubkey(), &admin.pubkey(), 9),
        &[&tsr_kp],
    )
    .await?;
    let (usd, tsr) = (usd_kp.pubkey(), tsr_kp.pubkey());
    send(
        &chain,
        vec![ix::create_associated_token_account(
            &admin.pubkey(),
            &admin.pubkey(),
            &usd,
        )],
        vec![],
    )
    .await?;
    let params = ProtocolParams {
        protocol_fee_bps: bps(500)?,
        staker_share_bps: bps(5_000)?,
        min_provider_stake: 1_000_000_000_000,
        unbonding_secs: 3_600,
        dispute_window_secs: PERIOD as u32,
        max_slash_bps: bps(1_000)?,
        revenue_vesting_secs: 3_600,
        grace_secs: 60,
        params_notice_secs: 3_600,
    };
    let treasury = ix::associated_token_address(&admin.pubkey(), &usd);
    send(
        &chain,
        vec![ix::initialize_protocol(
            admin.pubkey(),
            usd,
            tsr,
            treasury,
            params,
            admin.pubkey(),
        )],
        vec![],
    )
    .await?;

    say(
        out,
        "two investors fund a GPU pool with 6,000 and 4,000 USDC",
    );
    let (operator, alice, bob, renter, agent_key) = (
        Keypair::new(),
        Keypair::new(),
        Keypair::new(),
        Keypair::new(),
        Keypair::new(),
    );
    for who in [&operator, &alice, &bob, &renter, &agent_key] {
        send(
            &chain,
            vec![anchor_lang::solana_program::system_instruction::transfer(
                &admin.pubkey(),
                &who.pubkey(),
                2_000_000_000,
            )],
            vec![],
        )
        .await?;
    }
    let args = tessera::CreatePoolArgs {
        pool_id: 1,
        gpu_model: *b"NVIDIA H100 80GB HBM3\0\0\0\0\0\0\0\0\0\0\0",
        target_gpu_count: 8,
        operator_fee_bps: bps(1_000)?,
        credit_limit: 0,
    };
    send(
        &chain,
        vec![ix::create_pool(operator.pubkey(), usd, args)],
        vec![&operator],
    )
    .await?;
    let pk = PoolKeys::derive(operator.pubkey(), 1);
    for (who, amount) in [(&alice, 6_000 * UNIT), (&bob, 4_000 * UNIT)] {
        send(
            &chain,
            ix::mint_to_owner(
                &admin.pubkey(),
                &usd,
                &admin.pubkey(),
                &who.pubkey(),
                amount,
            ),
            vec![],
        )
        .await?;
        let usd_acc = ix::associated_token_address(&who.pubkey(), &usd);
        let shares = ix::associated_token_address(&who.pubkey(), &pk.share_mint);
        send(
            &chain,
            vec![
                ix::create_associated_token_account(&admin.pubkey(), &who.pubkey(), &pk.share_mint),
                ix::deposit(
                    &pk,
                    &ix::InvestorAccounts {
                        investor: who.pubkey(),
                        token: usd_acc,
                        shares,
                    },
                    amount,
                    0,
                ),
            ],
            vec![who],
        )
        .await?;
    }
    let share_before = share_value(&chain, &pk).await?;

    let gpu: Arc<dyn GpuBackend> = match NvmlBackend::new() {
        Ok(nvml) => Arc::new(nvml),
        Err(_) => Arc::new(SimulatedBackend::new(8, vec![])),
    };
    let devices = gpu.devices()?;
    say(
        out,
        &format!(
            "the provider stakes 2,000 TSR and registers a node: {} x {} [{} GPU backend]",
            devices.len(),
            devices.first().map(|d| d.name.as_str()).unwrap_or("-"),
            gpu.kind()
        ),
    );
    let _ = writeln!(
        out,
        "      {}",
        benchmark_line(
            gpu.as_ref(),
            devices.first().map(|d| d.name.as_str()).unwrap_or("")
        )
    );
    send(
        &chain,
        ix::mint_to_owner(
            &admin.pubkey(),
            &tsr,
            &admin.pubkey(),
            &operator.pubkey(),
            2_000_000_000_000,
        ),
        vec![],
    )
    .await?;
    let stake_acc = ix::associated_token_address(&operator.pubkey(), &tsr);
    send(
        &chain,
        vec![
            ix::stake(operator.pubkey(), stake_acc, 2_000_000_000_000),
            ix::register_provider(operator.pubkey()),
        ],
        vec![&operator],
    )
    .await?;
    let gpu_count = u16::try_from(devices.len())
        .unwrap_or(u16::MAX)
        .max(LEASE_GPUS);
    let vram = devices
        .first()
        .map(|d| u32::try_from(d.memory_mib).unwrap_or(u32::MAX))
        .unwrap_or(0);
    let spec = NodeSpec {
        gpu_model: args.gpu_model,
        gpu_count,
        vram_mib: vram,
        price_per_gpu_hour: PRICE,
        min_lease_secs: 60,
        max_lease_secs: 86_400,
    };
    send(
        &chain,
        vec![ix::register_node(
            operator.pubkey(),
            pk.pool,
            0,
            spec,
            agent_key.pubkey(),
        )],
        vec![&operator],
    )
    .await?;
    let nk = NodeKeys::derive(operator.pubkey(), 0);

    say(out, &format!("a renter leases {LEASE_GPUS} GPUs for {LEASE_SECS} s at {} USDC per GPU-hour to hash 16 MiB", format_amount(PRICE, 6)));
    let dir = tempfile::tempdir().context("temporary directory for the agent")?;
    let job = JobSpec {
        command: vec![
            "sh".into(),
            "-c".into(),
            "head -c 16777216 /dev/zero | sha256sum".into(),
        ],
        env: Default::default(),
        image: None,
        cpu_millis: None,
        memory_mib: Some(512),
        max_pids: None,
        max_secs: Some(120),
        network: true,
    };
    let hash = job.hash();
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    std::fs::create_dir_all(dir.path().join("jobs"))?;
    std::fs::write(
        dir.path().join("jobs").join(format!("{hex}.json")),
        serde_json::to_vec(&job)?,
    )?;
    send(
        &chain,
        ix::mint_to_owner(
            &admin.pubkey(),
            &usd,
            &admin.pubkey(),
            &renter.pubkey(),
            100 * UNIT,
        ),
        vec![],
    )
    .await?;
    let renter_usd = ix::associated_token_address(&renter.pubkey(), &usd);
    let renter_start = token_balance(&chain, &renter_usd).await?;
    let open = tessera::OpenLeaseArgs {
        gpu_count: LEASE_GPUS,
        duration_secs: LEASE_SECS,
        max_price_per_gpu_hour: PRICE,
        job_hash: hash,
        job_uri: "file://demo-job.json".into(),
    };
    send(
        &chain,
        vec![ix::open_lease(
            &nk,
            &pk,
            &ix::RenterAccounts {
                renter: renter.pubkey(),
                token: renter_usd,
            },
            0,
            open,
        )],
        vec![&renter],
    )
    .await?;
    let lease = pda::find_lease_address(&nk.node, 0).0;

    say(
        out,
        "the agent runs the job, meters each 60 s period and posts signed receipts",
    );
    let setup = AgentSetup {
        node: nk.node,
        period_secs: PERIOD,
        data_dir: dir.path().join("data"),
        job_dir: dir.path().join("jobs"),
        log_cap: 1 << 20,
        container_engine: None,
    };
    let mut agent = Agent::new(&chain, agent_key.insecure_clone(), gpu.clone(), setup)?;
    let mut receipts = Vec::new();
    agent.tick().await?;
    let mut last_seq = 0;
    for _ in 0..8 {
        // Chain time jumps a period per tick; give the real job real time to run too.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        chain.advance_clock(PERIOD).await?;
        let before: Option<Lease> = fetch(&chain, &lease).await.ok();
        agent.tick().await?;
        if let (Some(b), Ok(a)) = (before, fetch::<Lease>(&chain, &lease).await) {
            if a.last_seq > last_seq {
                // The receipt just landed is the lease's pending charge (its window is open).
                let gpu_seconds = a.gpu_seconds_billed - b.gpu_seconds_billed;
                let _ = writeln!(
                    out,
                    "      receipt #{}: {} GPU-seconds, {} USDC",
                    a.last_seq,
                    gpu_seconds,
                    format_amount(a.pending, 6)
                );
                receipts.push(ReceiptLine {
                    seq: a.last_seq,
                    gpu_seconds,
                    charge: a.pending,
                });
                last_seq = a.last_seq;
            }
        }
        if chain.account(&lease).await?.is_none() {
            break;
        }
    }
    let job_output = std::fs::read_to_string(
        dir.path()
            .join("data/leases")
            .join(lease.to_string())
            .join("stdout.log"),
    )
    .unwrap_or_default();
    let job_output = job_output.lines().next().unwrap_or("").to_string();

    say(
        out,
        "settled: fees swept to stakers and treasury, the operator and stakers claim",
    );
    let pool: Pool = fetch(&chain, &pk.pool).await?;
    let (protocol_fees, operator_fees) = (pool.protocol_fees_owed, pool.operator_owed);
    let investor_revenue = pool.lifetime_revenue;
    let treasury_before = token_balance(&chain, &treasury).await?;
    send(&chain, vec![ix::sweep_protocol_fees(&pk, treasury)], &[]).await?;
    let treasury_got = token_balance(&chain, &treasury).await? - treasury_before;
    let op_usd = ix::associated_token_address(&operator.pubkey(), &usd);
    send(
        &chain,
        vec![
            ix::create_associated_token_account(&admin.pubkey(), &operator.pubkey(), &usd),
            ix::claim_operator_fees(&pk, op_usd),
            ix::claim_stake_rewards(operator.pubkey(), op_usd),
        ],
        vec![&operator],
    )
    .await?;
    let staker_rewards = token_balance(&chain, &op_usd).await? - operator_fees;
    let staker_allocation = protocol_fees - treasury_got;
    chain
        .advance_clock(i64::from(params.revenue_vesting_secs))
        .await?;
    let share_after = share_value(&chain, &pk).await?;
    let renter_paid = renter_start - token_balance(&chain, &renter_usd).await?;

    say(out, "report");
    let report = DemoReport {
        gpu_backend: gpu.kind(),
        receipts,
        renter_paid,
        protocol_fees,
        operator_fees,
        investor_revenue,
        share_value: (share_before, share_after),
        staker_allocation,
        staker_rewards,
        treasury: treasury_got,
        job_output,
    };
    print_report(out, &report, &pool);
    Ok(report)
}

/// One line about the rig's benchmark: simulated figures say so; real GPUs need CUDA, which this
/// build does not include, so nothing is claimed for them.
fn benchmark_line(gpu: &dyn GpuBackend, name: &str) -> String {
    use tessera_agent::benchmark::{published_peak, score, simulated};
    match (gpu.kind(), published_peak(name)) {
        ("simulated", Some(peak)) => {
            let m = simulated(&peak);
            let s = score(&m, &peak);
            format!(
                "benchmark [simulated]: bf16 {:.0} TFLOPS ({:.0}% of the {} peak), memory {:.0} GB/s (simulated figures are never attested)",
                m.bf16_tflops,
                s.bf16 * 100.0,
                peak.card,
                m.mem_bw_gbps
            )
        }
        _ => {
            "benchmark not measured: GEMM needs CUDA, which this build does not include".to_string()
        }
    }
}

async fn send<'a>(
    chain: &LocalChain,
    ixs: Vec<solana_sdk::instruction::Instruction>,
    signers: impl AsRef<[&'a Keypair]>,
) -> Result<()> {
    chain.send(&ixs, signers.as_ref()).await?;
    Ok(())
}

async fn share_value(chain: &LocalChain, pk: &PoolKeys) -> Result<u64> {
    let pool: Pool = fetch(chain, &pk.pool).await?;
    let now = chain.unix_timestamp().await?;
    metrics::share_value(&pool, 6, now).context("share value")
}

/// `v` basis points; the demo's literals are all within 100 %.
fn bps(v: u16) -> Result<tessera::math::Bps> {
    tessera::math::Bps::new(v).context("basis points above 100%")
}

fn print_report(out: &mut dyn Write, r: &DemoReport, pool: &Pool) {
    let a = |v: u64| format_amount(v, 6);
    let _ = writeln!(
        out,
        "\n  GPU backend        {}{}",
        r.gpu_backend,
        if r.gpu_backend == "simulated" {
            " (no NVIDIA GPU here: telemetry is simulated, the job and all money are real)"
        } else {
            ""
        }
    );
    let _ = writeln!(out, "  job output         {}", r.job_output);
    let _ = writeln!(
        out,
        "  receipts           {}",
        r.receipts
            .iter()
            .map(|l| format!("#{} {} GPU-s {} USDC", l.seq, l.gpu_seconds, a(l.charge)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(
        out,
        "  renter paid        {} USDC (the rest of the escrow was refunded)",
        a(r.renter_paid)
    );
    let _ = writeln!(
        out,
        "  split              protocol {} / operator {} / investors {} USDC",
        a(r.protocol_fees),
        a(r.operator_fees),
        a(r.investor_revenue)
    );
    let _ = writeln!(
        out,
        "  protocol fees to   stakers {} (claimed {}: floor rounding leaves dust in the reward vault) / treasury {} USDC",
        a(r.staker_allocation),
        a(r.staker_rewards),
        a(r.treasury)
    );
    let _ = writeln!(
        out,
        "  share value        {} -> {} USDC",
        a(r.share_value.0),
        a(r.share_value.1)
    );
    let secs = i64::from(LEASE_SECS);
    let apy = metrics::annualised_yield(r.share_value.0, r.share_value.1, secs);
    let _ = writeln!(
        out,
        "  annualised yield   {:.2}% if the pool earned like this all year ({} GPUs of {} leased)",
        apy * 100.0,
        LEASE_GPUS,
        pool.target_gpu_count
    );
    let _ = writeln!(
        out,
        "  pool ledger        cash {} / escrowed {} / pending {}",
        a(pool.cash),
        a(pool.escrowed),
        a(pool.pending)
    );
}
