//! Usage receipts: Ed25519 verification through the instructions sysvar (SECURITY.md row 13),
//! sequence and period rules (row 14), the charge cap (row 15), sysvar spoofing (row 21),
//! co-signing, and closed leases (row 6).
#![allow(deprecated)]

use solana_sdk::instruction::Instruction;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;
use tessera::error::TesseraError;
use tessera::signed::{message_bytes, ReceiptBody, UsageReceipt};
use tessera_tests::fixture::UNIT;
use tessera_tests::market::Market;
use tessera_tests::{anchor_code, builders, code};

const HOUR: i64 = 3_600;

/// A market with a 2-GPU, 3-hour lease one hour in.
async fn hour_in() -> (Market, solana_sdk::pubkey::Pubkey, ReceiptBody) {
    let mut m = Market::new().await;
    let lease = m.open(2, 3 * HOUR as u32).await;
    m.f.advance(HOUR).await;
    let start = m.lease(lease).await.start_at;
    (
        m,
        lease,
        Market::body(1, start, start + HOUR, 2 * HOUR as u64),
    )
}

/// Ed25519 instruction data with the given signatures, each `(key, message)`, every offset
/// inside this instruction.
fn multi_signature_ix(sigs: &[(&Keypair, &[u8])]) -> Instruction {
    let header = 2 + 14 * sigs.len();
    let mut body = Vec::new();
    let mut offsets = Vec::new();
    for (key, msg) in sigs {
        let pk_off = header + body.len();
        body.extend_from_slice(&key.pubkey().to_bytes());
        let sig_off = header + body.len();
        let sig: [u8; 64] = key.sign_message(msg).into();
        body.extend_from_slice(&sig);
        let msg_off = header + body.len();
        body.extend_from_slice(msg);
        for v in [sig_off, 0xFFFF, pk_off, 0xFFFF, msg_off, msg.len(), 0xFFFF] {
            offsets.extend_from_slice(&(v as u16).to_le_bytes());
        }
    }
    let mut data = vec![sigs.len() as u8, 0];
    data.extend(offsets);
    data.extend(body);
    Instruction {
        program_id: solana_sdk_ids_ed25519(),
        accounts: vec![],
        data,
    }
}

fn solana_sdk_ids_ed25519() -> solana_sdk::pubkey::Pubkey {
    solana_sdk::pubkey!("Ed25519SigVerify111111111111111111111111111")
}

#[tokio::test]
async fn a_valid_receipt_moves_escrow_to_pending() {
    let (mut m, lease, body) = hour_in().await;
    let ixs = m.receipt_ixs(lease, body, None);
    m.f.send(&ixs, &[]).await.expect("receipt");
    let l = m.lease(lease).await;
    assert_eq!((l.pending, l.escrow, l.last_seq), (4 * UNIT, 8 * UNIT, 1));
    let pool = m.f.pool(&m.p).await;
    assert_eq!((pool.pending, pool.escrowed), (4 * UNIT, 8 * UNIT));
}

#[tokio::test]
async fn row13_precompile_missing_or_not_first_is_refused() {
    let (mut m, lease, body) = hour_in().await;
    let submit = builders::submit_receipt(&m.n, &m.p, lease, None, body);
    m.f.send(std::slice::from_ref(&submit), &[])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::MissingEd25519Instruction));
    let op = m.operator.insecure_clone();
    let other = builders::update_node(
        &m.n,
        tessera::UpdateNodeArgs {
            spec: None,
            status: None,
            agent_key: None,
        },
    );
    m.f.send(&[other, submit], &[&op])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::NotEd25519Program));
}

#[tokio::test]
async fn row13_signature_by_another_key_is_refused() {
    let (mut m, lease, body) = hour_in().await;
    let mallory = Keypair::new();
    let msg = message_bytes(&UsageReceipt::new(lease, body)).unwrap();
    let ixs = [
        builders::ed25519(&mallory, &msg),
        builders::submit_receipt(&m.n, &m.p, lease, None, body),
    ];
    m.f.send(&ixs, &[])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::WrongSigningKey));
}

#[tokio::test]
async fn row13_signature_over_another_leases_receipt_is_refused() {
    let (mut m, lease, body) = hour_in().await;
    let other_lease = m.open(1, HOUR as u32).await;
    let msg = message_bytes(&UsageReceipt::new(other_lease, body)).unwrap();
    let ixs = [
        builders::ed25519(&m.agent, &msg),
        builders::submit_receipt(&m.n, &m.p, lease, None, body),
    ];
    m.f.send(&ixs, &[])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::SignedMessageMismatch));
    // Or a different period than the one submitted.
    let mut signed = body;
    signed.gpu_seconds = 1;
    let msg = message_bytes(&UsageReceipt::new(lease, signed)).unwrap();
    let ixs = [
        builders::ed25519(&m.agent, &msg),
        builders::submit_receipt(&m.n, &m.p, lease, None, body),
    ];
    m.f.send(&ixs, &[])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::SignedMessageMismatch));
}

#[tokio::test]
async fn row13_offsets_into_another_instruction_are_refused() {
    let (mut m, lease, body) = hour_in().await;
    // The agent's signature is over bytes that live in the submit instruction (index 1), and
    // the precompile is told to read the message there: valid for the runtime, refused by us.
    let submit = builders::submit_receipt(&m.n, &m.p, lease, None, body);
    let signed = &submit.data[..];
    let mut ix = builders::ed25519(&m.agent, signed);
    let msg_ix_field = 2 + 12;
    ix.data[msg_ix_field..msg_ix_field + 2].copy_from_slice(&1u16.to_le_bytes());
    let msg_off_field = 2 + 8;
    ix.data[msg_off_field..msg_off_field + 2].copy_from_slice(&0u16.to_le_bytes());
    m.f.send(&[ix, submit], &[])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::Ed25519OffsetsInvalid));
}

#[tokio::test]
async fn row13_two_signatures_in_one_precompile_are_refused() {
    let (mut m, lease, body) = hour_in().await;
    let msg = message_bytes(&UsageReceipt::new(lease, body)).unwrap();
    let other = Keypair::new();
    let ix = multi_signature_ix(&[(&m.agent, &msg), (&other, b"anything")]);
    let submit = builders::submit_receipt(&m.n, &m.p, lease, None, body);
    m.f.send(&[ix, submit], &[])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::Ed25519SignatureCount));
}

#[tokio::test]
async fn row14_replayed_overlapping_and_future_receipts_are_refused() {
    let (mut m, lease, body) = hour_in().await;
    let ixs = m.receipt_ixs(lease, body, None);
    m.f.send(&ixs, &[]).await.expect("first");
    m.f.advance(HOUR).await;
    m.settle(lease).await.expect("settle");
    // The very same receipt again (a fresh transaction).
    let ixs = m.receipt_ixs(lease, body, None);
    m.f.send(&ixs, &[])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::ReceiptSeqNotIncreasing));
    let next = Market::body(2, body.period_end - 1, body.period_end + HOUR, 1);
    let ixs = m.receipt_ixs(lease, next, None);
    m.f.send(&ixs, &[])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::ReceiptPeriodOverlap));
    let future = Market::body(2, body.period_end, m.f.now().await + 10, 1);
    let ixs = m.receipt_ixs(lease, future, None);
    m.f.send(&ixs, &[])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::ReceiptPeriodInFuture));
    let end = m.lease(lease).await.end_at;
    m.f.advance(3 * HOUR).await;
    let past_end = Market::body(2, body.period_end, end + 1, 1);
    let ixs = m.receipt_ixs(lease, past_end, None);
    m.f.send(&ixs, &[])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::ReceiptPeriodAfterLeaseEnd));
    let empty = Market::body(2, body.period_end, body.period_end, 1);
    let ixs = m.receipt_ixs(lease, empty, None);
    m.f.send(&ixs, &[])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::ReceiptPeriodInvalid));
}

#[tokio::test]
async fn a_second_receipt_waits_for_the_first_to_settle() {
    let (mut m, lease, body) = hour_in().await;
    let ixs = m.receipt_ixs(lease, body, None);
    m.f.send(&ixs, &[]).await.expect("first");
    m.f.advance(HOUR).await;
    let next = Market::body(2, body.period_end, body.period_end + HOUR, 2 * HOUR as u64);
    let ixs = m.receipt_ixs(lease, next, None);
    m.f.send(&ixs, &[])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::PendingUnsettled));
    // The agent bundles settle + receipt.
    let mut bundle = vec![builders::settle(&m.n, &m.p, lease)];
    bundle.extend(m.receipt_ixs(lease, next, None));
    m.f.send(&bundle, &[])
        .await
        .expect("settle then receipt in one transaction");
    assert_eq!(m.lease(lease).await.last_seq, 2);
}

#[tokio::test]
async fn row15_gpu_seconds_are_capped_at_the_period_times_gpus() {
    let (mut m, lease, mut body) = hour_in().await;
    body.gpu_seconds = u64::MAX;
    let ixs = m.receipt_ixs(lease, body, None);
    m.f.send(&ixs, &[]).await.expect("receipt");
    let l = m.lease(lease).await;
    assert_eq!(
        l.pending,
        4 * UNIT,
        "2 GPUs × 1 hour, not u64::MAX GPU-seconds"
    );
    assert_eq!(l.gpu_seconds_billed, 2 * HOUR as u64);
}

#[tokio::test]
async fn row15_charges_never_exceed_the_escrow() {
    let mut m = Market::new().await;
    let lease = m.open(1, HOUR as u32).await; // 2 escrowed
    m.f.advance(HOUR).await;
    let start = m.lease(lease).await.start_at;
    let ixs = m.receipt_ixs(
        lease,
        Market::body(1, start, start + HOUR, HOUR as u64),
        None,
    );
    m.f.send(&ixs, &[]).await.expect("receipt");
    let l = m.lease(lease).await;
    assert_eq!((l.pending, l.escrow), (2 * UNIT, 0));
}

#[tokio::test]
async fn row21_a_fake_instructions_sysvar_is_refused() {
    let (mut m, lease, body) = hour_in().await;
    let mut ixs = m.receipt_ixs(lease, body, None);
    let sysvar = ixs[1]
        .accounts
        .iter_mut()
        .find(|a| a.pubkey == solana_instructions_sysvar::ID)
        .expect("the instructions sysvar is passed");
    sysvar.pubkey = solana_sdk::pubkey::Pubkey::new_unique();
    m.f.send(&ixs, &[])
        .await
        .unwrap_err()
        .assert_code(anchor_code(
            anchor_lang::error::ErrorCode::ConstraintAddress,
        ));
}

#[tokio::test]
async fn a_renter_cosigned_receipt_settles_at_once() {
    let (mut m, lease, body) = hour_in().await;
    let renter = m.renter.insecure_clone();
    let mallory = m.f.user().await;
    let ixs = m.receipt_ixs(lease, body, Some(mallory.pubkey()));
    m.f.send(&ixs, &[&mallory])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::CosignerNotRenter));
    let ixs = m.receipt_ixs(lease, body, Some(renter.pubkey()));
    m.f.send(&ixs, &[&renter]).await.expect("co-signed receipt");
    m.settle(lease).await.expect("settles without waiting");
    assert_eq!(m.lease(lease).await.charged_total, 4 * UNIT);
}

#[tokio::test]
async fn row06_a_closed_lease_takes_no_receipt_and_no_settlement() {
    let (mut m, lease, body) = hour_in().await;
    let renter = m.renter.insecure_clone();
    m.close(&renter, lease).await.expect("renter closes");
    let ixs = m.receipt_ixs(lease, body, None);
    m.f.send(&ixs, &[])
        .await
        .unwrap_err()
        .assert_code(anchor_code(
            anchor_lang::error::ErrorCode::AccountNotInitialized,
        ));
    m.settle(lease).await.unwrap_err().assert_code(anchor_code(
        anchor_lang::error::ErrorCode::AccountNotInitialized,
    ));
}

#[tokio::test]
async fn a_rotated_agent_key_invalidates_the_old_one() {
    let (mut m, lease, body) = hour_in().await;
    let new_agent = Keypair::new();
    let op = m.operator.insecure_clone();
    let args = tessera::UpdateNodeArgs {
        spec: None,
        status: None,
        agent_key: Some(new_agent.pubkey()),
    };
    m.f.send(&[builders::update_node(&m.n, args)], &[&op])
        .await
        .expect("rotate");
    let ixs = m.receipt_ixs(lease, body, None);
    m.f.send(&ixs, &[])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::WrongSigningKey));
    m.agent = new_agent;
    let ixs = m.receipt_ixs(lease, body, None);
    m.f.send(&ixs, &[]).await.expect("new key works");
}

#[tokio::test]
async fn benchmark_attestations_are_verified_like_receipts() {
    let mut m = Market::new().await;
    let now = m.f.now().await;
    let att = tessera::signed::BenchmarkAttestation::new(m.n.node, 98_912, 3_350, now - 10);
    let msg = message_bytes(&att).unwrap();
    let mallory = Keypair::new();
    let ixs = [
        builders::ed25519(&mallory, &msg),
        builders::attest_benchmark(m.n.node, 98_912, 3_350, now - 10),
    ];
    m.f.send(&ixs, &[])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::WrongSigningKey));
    let ixs = [
        builders::ed25519(&m.agent, &msg),
        builders::attest_benchmark(m.n.node, 99_999, 3_350, now - 10),
    ];
    m.f.send(&ixs, &[])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::SignedMessageMismatch));
    let ixs = [
        builders::ed25519(&m.agent, &msg),
        builders::attest_benchmark(m.n.node, 98_912, 3_350, now - 10),
    ];
    m.f.send(&ixs, &[]).await.expect("attest");
    let node: tessera::state::Node = m.f.get(m.n.node).await;
    assert_eq!(
        (node.tflops_centi, node.mem_bw_gbps, node.benchmarked_at),
        (98_912, 3_350, now - 10)
    );
    // Replaying an older (or the same) attestation is refused.
    m.f.send(&ixs, &[])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::BenchmarkTooOld));
}
