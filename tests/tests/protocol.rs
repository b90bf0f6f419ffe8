//! Protocol administration: initialisation, bounded parameters changed only after a notice
//! period, two-step authority, pause.
#![allow(deprecated)]

use solana_sdk::signer::Signer;
use tessera::error::TesseraError;
use tessera::state::{Protocol, ProtocolParams};

/// A change to one parameter and the error naming it.
type BoundCase = (fn(&mut ProtocolParams), TesseraError);
use tessera_tests::fixture::{bps, default_params};
use tessera_tests::{builders, code, Fixture};

async fn protocol(f: &mut Fixture) -> Protocol {
    f.get(tessera::seeds::find_protocol_address().0).await
}

#[tokio::test]
async fn initialize_records_mints_roles_and_params() {
    let mut f = Fixture::new().await;
    let p = protocol(&mut f).await;
    assert_eq!(p.authority, f.authority.pubkey());
    assert_eq!(p.settlement_mint, f.settlement_mint);
    assert_eq!(p.stake_mint, f.stake_mint);
    assert_eq!(p.treasury, f.treasury);
    assert_eq!(p.arbiter, f.arbiter.pubkey());
    assert_eq!(p.params, default_params());
    assert!(!p.paused);
}

#[tokio::test]
async fn initialize_refuses_out_of_range_params() {
    let mut f = Fixture::bare().await;
    let auth = f.authority.insecure_clone();
    let mut params = default_params();
    params.dispute_window_secs = 8 * 86_400;
    let ix = f.initialize_ix(params);
    f.send(&[ix], &[&auth])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::DisputeWindowOutOfRange));
}

#[tokio::test]
async fn propose_params_checks_every_bound() {
    let mut f = Fixture::new().await;
    let auth = f.authority.insecure_clone();
    let arbiter = f.arbiter.pubkey();
    let treasury = f.treasury;
    let base = default_params();
    let cases: Vec<BoundCase> = vec![
        (
            |p| p.protocol_fee_bps = bps(2_001),
            TesseraError::ProtocolFeeTooHigh,
        ),
        (|p| p.unbonding_secs = 10, TesseraError::UnbondingOutOfRange),
        (
            |p| p.dispute_window_secs = 0,
            TesseraError::DisputeWindowOutOfRange,
        ),
        (
            |p| p.max_slash_bps = bps(5_001),
            TesseraError::SlashLimitTooHigh,
        ),
        (
            |p| p.revenue_vesting_secs = 31 * 86_400,
            TesseraError::VestingOutOfRange,
        ),
        (
            |p| p.revenue_vesting_secs = 0,
            TesseraError::VestingOutOfRange,
        ),
        (
            |p| p.revenue_vesting_secs = 3_599,
            TesseraError::VestingOutOfRange,
        ),
        (|p| p.grace_secs = 4 * 86_400, TesseraError::GraceOutOfRange),
        (|p| p.params_notice_secs = 0, TesseraError::NoticeOutOfRange),
        (
            |p| p.params_notice_secs = 31 * 86_400,
            TesseraError::NoticeOutOfRange,
        ),
    ];
    for (mutate, err) in cases {
        let mut params = base;
        mutate(&mut params);
        let ix = builders::propose_params(auth.pubkey(), treasury, params, arbiter);
        f.send(&[ix], &[&auth])
            .await
            .unwrap_err()
            .assert_code(code(err));
    }
    assert_eq!(protocol(&mut f).await.pending_change, None);
    let mut params = base;
    params.protocol_fee_bps = bps(2_000);
    params.revenue_vesting_secs = 3_600;
    let new_arbiter = solana_sdk::pubkey::Pubkey::new_unique();
    f.change_params_to(params, new_arbiter).await;
    let p = protocol(&mut f).await;
    assert_eq!((p.params, p.arbiter), (params, new_arbiter));
}

#[tokio::test]
async fn a_proposal_applies_only_after_its_notice_and_then_by_anyone() {
    let mut f = Fixture::new().await;
    let mut params = default_params();
    params.protocol_fee_bps = bps(1_000);
    f.propose(params).await.expect("propose");
    let proposed_at = f.now().await;
    let p = protocol(&mut f).await;
    let change = p.pending_change.expect("pending");
    assert_eq!(
        (change.params, change.proposed_at, change.effective_at),
        (params, proposed_at, proposed_at + 86_400)
    );
    assert_eq!(
        p.params,
        default_params(),
        "nothing changes before the notice"
    );

    for wait in [0, 86_399] {
        f.advance(wait).await;
        f.send(&[builders::apply_params()], &[])
            .await
            .unwrap_err()
            .assert_code(code(TesseraError::ParamsNoticeNotOver));
    }
    f.advance(1).await;
    // Only the bank's payer signs: applying needs no authority.
    f.send(&[builders::apply_params()], &[])
        .await
        .expect("apply");
    let p = protocol(&mut f).await;
    assert_eq!((p.params, p.pending_change), (params, None));
    f.send(&[builders::apply_params()], &[])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::NoParamsChangePending));
}

#[tokio::test]
async fn a_proposal_left_unapplied_a_week_past_its_notice_expires() {
    let mut f = Fixture::new().await;
    let mut params = default_params();
    params.protocol_fee_bps = bps(1_000);
    let window = tessera::state::PARAMS_APPLY_WINDOW_SECS;
    f.propose(params).await.expect("propose");
    f.advance(86_400 + window + 1).await;
    f.send(&[builders::apply_params()], &[])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::ParamsChangeExpired));
    assert_eq!(protocol(&mut f).await.params, default_params());
    // Proposed again, it still applies at the last second of its window.
    f.propose(params).await.expect("propose again");
    f.advance(86_400 + window).await;
    f.send(&[builders::apply_params()], &[])
        .await
        .expect("applies within its window");
    assert_eq!(protocol(&mut f).await.params, params);
}

#[tokio::test]
async fn a_shorter_notice_waits_out_the_notice_in_force() {
    let mut f = Fixture::new().await;
    let mut params = default_params();
    params.params_notice_secs = 3_600;
    f.propose(params).await.expect("propose");
    f.advance(3_600).await;
    f.send(&[builders::apply_params()], &[])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::ParamsNoticeNotOver));
}

#[tokio::test]
async fn the_authority_withdraws_a_proposal_and_nobody_else_can() {
    let mut f = Fixture::new().await;
    let auth = f.authority.insecure_clone();
    let mut params = default_params();
    params.grace_secs = 7_200;
    f.propose(params).await.expect("propose");
    let mallory = f.user().await;
    f.send(&[builders::cancel_params(mallory.pubkey())], &[&mallory])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::NotAuthority));
    f.send(&[builders::cancel_params(auth.pubkey())], &[&auth])
        .await
        .expect("cancel");
    assert_eq!(protocol(&mut f).await.pending_change, None);
    f.advance(86_400).await;
    f.send(&[builders::apply_params()], &[])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::NoParamsChangePending));
    f.send(&[builders::cancel_params(auth.pubkey())], &[&auth])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::NoParamsChangePending));
    assert_eq!(protocol(&mut f).await.params, default_params());
}

#[tokio::test]
async fn a_proposal_that_changes_nothing_is_refused() {
    let mut f = Fixture::new().await;
    let auth = f.authority.insecure_clone();
    let ix = builders::propose_params(
        auth.pubkey(),
        f.treasury,
        default_params(),
        f.arbiter.pubkey(),
    );
    f.send(&[ix], &[&auth])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::ParamsUnchanged));
}

#[tokio::test]
async fn the_pause_is_immediate_while_a_change_waits() {
    let mut f = Fixture::new().await;
    let auth = f.authority.insecure_clone();
    let mut params = default_params();
    params.grace_secs = 7_200;
    f.propose(params).await.expect("propose");
    f.send(&[builders::set_paused(auth.pubkey(), true)], &[&auth])
        .await
        .expect("pause");
    assert!(protocol(&mut f).await.paused);
}

#[tokio::test]
async fn propose_params_refuses_a_treasury_in_another_mint() {
    let mut f = Fixture::new().await;
    let auth = f.authority.insecure_clone();
    let wrong = f.token_account(f.stake_mint, auth.pubkey()).await;
    let ix = builders::propose_params(auth.pubkey(), wrong, default_params(), f.arbiter.pubkey());
    f.send(&[ix], &[&auth])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::TreasuryMintMismatch));
}

#[tokio::test]
async fn authority_moves_in_two_steps() {
    let mut f = Fixture::new().await;
    let auth = f.authority.insecure_clone();
    let next = f.user().await;
    let ix = builders::transfer_authority(auth.pubkey(), Some(next.pubkey()));
    f.send(&[ix], &[&auth]).await.expect("propose");
    assert_eq!(
        protocol(&mut f).await.authority,
        auth.pubkey(),
        "nothing changes before acceptance"
    );
    let ix = builders::set_paused(next.pubkey(), true);
    f.send(&[ix], &[&next])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::NotAuthority));
    let ix = builders::accept_authority(next.pubkey());
    f.send(&[ix], &[&next]).await.expect("accept");
    let p = protocol(&mut f).await;
    assert_eq!((p.authority, p.pending_authority), (next.pubkey(), None));
    let ix = builders::set_paused(auth.pubkey(), true);
    f.send(&[ix], &[&auth])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::NotAuthority));
}

#[tokio::test]
async fn pause_toggles() {
    let mut f = Fixture::new().await;
    let auth = f.authority.insecure_clone();
    let ix = builders::set_paused(auth.pubkey(), true);
    f.send(&[ix], &[&auth]).await.expect("pause");
    assert!(protocol(&mut f).await.paused);
    let ix = builders::set_paused(auth.pubkey(), false);
    f.send(&[ix], &[&auth]).await.expect("resume");
    assert!(!protocol(&mut f).await.paused);
}
