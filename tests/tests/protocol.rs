//! Protocol administration: initialisation, bounded parameters, two-step authority, pause.
#![allow(deprecated)]

use solana_sdk::signer::Signer;
use tessera::error::TesseraError;
use tessera::state::{Protocol, ProtocolParams};

/// A change to one parameter and the error naming it.
type BoundCase = (fn(&mut ProtocolParams), TesseraError);
use tessera_tests::fixture::default_params;
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
async fn set_params_checks_every_bound() {
    let mut f = Fixture::new().await;
    let auth = f.authority.insecure_clone();
    let arbiter = f.arbiter.pubkey();
    let treasury = f.treasury;
    let base = default_params();
    let cases: Vec<BoundCase> = vec![
        (
            |p| p.protocol_fee_bps = 2_001,
            TesseraError::ProtocolFeeTooHigh,
        ),
        (
            |p| p.staker_share_bps = 10_001,
            TesseraError::StakerShareTooHigh,
        ),
        (|p| p.unbonding_secs = 10, TesseraError::UnbondingOutOfRange),
        (
            |p| p.dispute_window_secs = 0,
            TesseraError::DisputeWindowOutOfRange,
        ),
        (|p| p.max_slash_bps = 5_001, TesseraError::SlashLimitTooHigh),
        (
            |p| p.revenue_vesting_secs = 31 * 86_400,
            TesseraError::VestingOutOfRange,
        ),
        (|p| p.grace_secs = 4 * 86_400, TesseraError::GraceOutOfRange),
    ];
    for (mutate, err) in cases {
        let mut params = base;
        mutate(&mut params);
        let ix = builders::set_params(auth.pubkey(), treasury, params, arbiter);
        f.send(&[ix], &[&auth])
            .await
            .unwrap_err()
            .assert_code(code(err));
    }
    let mut params = base;
    params.protocol_fee_bps = 2_000;
    params.revenue_vesting_secs = 0;
    let new_arbiter = solana_sdk::pubkey::Pubkey::new_unique();
    let ix = builders::set_params(auth.pubkey(), treasury, params, new_arbiter);
    f.send(&[ix], &[&auth]).await.expect("in-bounds params");
    let p = protocol(&mut f).await;
    assert_eq!((p.params, p.arbiter), (params, new_arbiter));
}

#[tokio::test]
async fn set_params_refuses_a_treasury_in_another_mint() {
    let mut f = Fixture::new().await;
    let auth = f.authority.insecure_clone();
    let wrong = f.token_account(f.stake_mint, auth.pubkey()).await;
    let ix = builders::set_params(auth.pubkey(), wrong, default_params(), f.arbiter.pubkey());
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
