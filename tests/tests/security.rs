//! SECURITY.md rows that apply to protocol, pools and staking, each an attack built as a real
//! transaction and refused with its exact error code. Row numbers refer to SECURITY.md.
#![allow(deprecated)]

use anchor_lang::error::ErrorCode as Anchor;
use anchor_spl::token::spl_token;
use anchor_spl::token_2022::spl_token_2022;
use solana_sdk::account::AccountSharedData;
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;
use tessera::error::TesseraError;
use tessera::seeds::{find_stake_pool_address, find_ticket_address};
use tessera_tests::fixture::{bps, default_params, UNIT};
use tessera_tests::{anchor_code, builders, code, Fixture, Investor, PoolKeys};

/// A protocol, one pool with a 100-unit investor, an operator token account, and a staker.
struct World {
    f: Fixture,
    operator: Keypair,
    op_token: Pubkey,
    p: PoolKeys,
    alice: Investor,
    staker: Keypair,
    stake_token: Pubkey,
}

async fn world() -> World {
    let mut f = Fixture::new().await;
    let operator = f.user().await;
    let p = f.create_pool(&operator, 1, 1_000, 1_000 * UNIT).await;
    let alice = f.investor(&p, 1_000 * UNIT).await;
    f.deposit(&p, &alice, 100 * UNIT).await;
    let op_token = f
        .funded_settlement_account(operator.pubkey(), 100 * UNIT)
        .await;
    let staker = f.user().await;
    let stake_token = f.token_account(f.stake_mint, staker.pubkey()).await;
    f.mint_to(f.stake_mint, stake_token, 100 * UNIT).await;
    f.stakers.push(staker.pubkey());
    let ix = builders::stake(staker.pubkey(), stake_token, 50 * UNIT);
    f.send(&[ix], &[&staker]).await.expect("stake");
    World {
        f,
        operator,
        op_token,
        p,
        alice,
        staker,
        stake_token,
    }
}

/// Clears the signer flag of `key` in `ix`.
fn unsigned(mut ix: Instruction, key: Pubkey) -> Instruction {
    for meta in ix.accounts.iter_mut().filter(|m| m.pubkey == key) {
        meta.is_signer = false;
    }
    ix
}

#[tokio::test]
async fn row01_every_privileged_instruction_requires_its_signer() {
    let mut w = world().await;
    let f = &mut w.f;
    let auth = f.authority.pubkey();
    let (alice, op, staker) = (w.alice.kp.pubkey(), w.operator.pubkey(), w.staker.pubkey());
    let next = Pubkey::new_unique();
    let ix = builders::transfer_authority(auth, Some(next));
    let a = f.authority.insecure_clone();
    f.send(&[ix], &[&a]).await.expect("propose");
    let ticket = find_ticket_address(&w.p.pool, 0).0;
    let args = tessera::CreatePoolArgs {
        pool_id: 2,
        gpu_model: [0; 32],
        target_gpu_count: 1,
        operator_fee_bps: bps(0),
        credit_limit: 0,
    };
    let cases = vec![
        (
            "propose_params",
            builders::propose_params(auth, f.treasury, default_params(), auth),
            auth,
        ),
        ("cancel_params", builders::cancel_params(auth), auth),
        (
            "transfer_authority",
            builders::transfer_authority(auth, None),
            auth,
        ),
        ("accept_authority", builders::accept_authority(next), next),
        ("set_paused", builders::set_paused(auth, true), auth),
        ("write_down", builders::write_down(&w.p, auth, 1), auth),
        (
            "create_pool",
            builders::create_pool(op, f.settlement_mint, args),
            op,
        ),
        (
            "deposit",
            builders::deposit(&w.p, &w.alice.accounts(), UNIT, 0),
            alice,
        ),
        (
            "redeem",
            builders::redeem(&w.p, &w.alice.accounts(), UNIT, 0),
            alice,
        ),
        (
            "request_redemption",
            builders::request_redemption(&w.p, alice, w.alice.shares, 0, UNIT),
            alice,
        ),
        (
            "claim_redemption",
            builders::claim_redemption(&w.p, alice, ticket, w.alice.token),
            alice,
        ),
        (
            "draw_capital",
            builders::draw_capital(&w.p, op, w.op_token, UNIT),
            op,
        ),
        (
            "repay_capital",
            builders::repay_capital(&w.p, op, w.op_token, 0, UNIT),
            op,
        ),
        (
            "stake",
            builders::stake(staker, w.stake_token, UNIT),
            staker,
        ),
        (
            "begin_unstake",
            builders::begin_unstake(staker, UNIT),
            staker,
        ),
        (
            "withdraw_stake",
            builders::withdraw_stake(staker, w.stake_token),
            staker,
        ),
        (
            "claim_stake_rewards",
            builders::claim_stake_rewards(staker, w.alice.token),
            staker,
        ),
        (
            "fund_stake_rewards",
            builders::fund_stake_rewards(alice, w.alice.token, UNIT),
            alice,
        ),
    ];
    for (name, ix, key) in cases {
        let err = f.send(&[unsigned(ix, key)], &[]).await.expect_err(name);
        assert_eq!(
            err.code,
            Some(anchor_code(Anchor::AccountNotSigner)),
            "{name}: {}",
            err.raw
        );
    }
    let mut bare = Fixture::bare().await;
    let ix = bare.initialize_ix(default_params());
    let authority = bare.authority.pubkey();
    bare.send(&[unsigned(ix, authority)], &[])
        .await
        .unwrap_err()
        .assert_code(anchor_code(Anchor::AccountNotSigner));
}

#[tokio::test]
async fn row02_look_alike_accounts_are_refused() {
    let mut w = world().await;
    let f = &mut w.f;
    let other_op = f.user().await;
    let q = f.create_pool(&other_op, 1, 0, 0).await;
    let a = w.alice.kp.insecure_clone();
    // Another pool's vault and share mint.
    let mut ix = builders::deposit(&w.p, &w.alice.accounts(), UNIT, 0);
    ix.accounts[3].pubkey = q.vault;
    f.send(&[ix], &[&a])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::VaultMismatch));
    let mut ix = builders::deposit(&w.p, &w.alice.accounts(), UNIT, 0);
    ix.accounts[4].pubkey = q.share_mint;
    f.send(&[ix], &[&a])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::ShareMintMismatch));
    // An attacker's own token account posing as the vault.
    let fake_vault = f.funded_settlement_account(a.pubkey(), 0).await;
    let mut ix = builders::deposit(&w.p, &w.alice.accounts(), UNIT, 0);
    ix.accounts[3].pubkey = fake_vault;
    f.send(&[ix], &[&a])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::VaultMismatch));
    // Paying in another mint.
    let fake_usd = f.create_mint(6).await;
    let fake_token = f.token_account(fake_usd, a.pubkey()).await;
    let ix = builders::deposit(
        &w.p,
        &builders::InvestorAccounts {
            investor: a.pubkey(),
            token: fake_token,
            shares: w.alice.shares,
        },
        UNIT,
        0,
    );
    f.send(&[ix], &[&a])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::SettlementMintMismatch));
    // Someone else drawing the pool's capital.
    let ix = builders::draw_capital(&w.p, other_op.pubkey(), w.alice.token, UNIT);
    f.send(&[ix], &[&other_op])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::NotPoolOperator));
    // A look-alike stake vault.
    let fake_stake_vault = f.token_account(f.stake_mint, w.staker.pubkey()).await;
    let mut ix = builders::stake(w.staker.pubkey(), w.stake_token, UNIT);
    ix.accounts[3].pubkey = fake_stake_vault;
    f.send(&[ix], &[&w.staker])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::StakeVaultMismatch));
}

#[tokio::test]
async fn row03_a_pool_copied_to_another_address_is_refused() {
    let mut w = world().await;
    let f = &mut w.f;
    let real = f.raw(w.p.pool).await.expect("pool");
    let forged = Pubkey::new_unique();
    f.ctx.set_account(&forged, &AccountSharedData::from(real));
    let a = w.alice.kp.insecure_clone();
    let mut ix = builders::deposit(&w.p, &w.alice.accounts(), UNIT, 0);
    ix.accounts[2].pubkey = forged;
    f.send(&[ix], &[&a])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::NotCanonicalAddress));
}

#[tokio::test]
async fn row03_a_protocol_copied_to_another_address_is_refused() {
    let mut w = world().await;
    let f = &mut w.f;
    let protocol = tessera::seeds::find_protocol_address().0;
    let real = f.raw(protocol).await.expect("protocol");
    let forged = Pubkey::new_unique();
    f.ctx.set_account(&forged, &AccountSharedData::from(real));
    let a = w.alice.kp.insecure_clone();
    let mut ix = builders::deposit(&w.p, &w.alice.accounts(), UNIT, 0);
    assert_eq!(ix.accounts[1].pubkey, protocol);
    ix.accounts[1].pubkey = forged;
    f.send(&[ix], &[&a])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::NotCanonicalAddress));
}

#[tokio::test]
async fn row04_another_account_type_is_refused() {
    let mut w = world().await;
    let f = &mut w.f;
    let a = w.alice.kp.insecure_clone();
    let mut ix = builders::deposit(&w.p, &w.alice.accounts(), UNIT, 0);
    ix.accounts[2].pubkey = find_stake_pool_address().0;
    f.send(&[ix], &[&a])
        .await
        .unwrap_err()
        .assert_code(anchor_code(Anchor::AccountDiscriminatorMismatch));
}

#[tokio::test]
async fn row05_one_time_accounts_cannot_be_reinitialised() {
    let mut f = Fixture::new().await;
    let ix = f.initialize_ix(default_params());
    let a = f.authority.insecure_clone();
    // Anchor's `init` asks the system program to allocate an account that already exists.
    let reinit = "InstructionError(0, InvalidInstructionData)";
    assert_eq!(f.send(&[ix], &[&a]).await.unwrap_err().raw, reinit);
    let operator = f.user().await;
    f.create_pool(&operator, 5, 0, 0).await;
    let args = tessera::CreatePoolArgs {
        pool_id: 5,
        gpu_model: [1; 32],
        target_gpu_count: 1,
        operator_fee_bps: bps(0),
        credit_limit: 9,
    };
    let ix = builders::create_pool(operator.pubkey(), f.settlement_mint, args);
    assert_eq!(f.send(&[ix], &[&operator]).await.unwrap_err().raw, reinit);
    assert_eq!(
        f.pool(&PoolKeys::derive(operator.pubkey(), 5))
            .await
            .credit_limit,
        0,
        "unchanged"
    );
}

#[tokio::test]
async fn row06_a_claimed_ticket_cannot_be_claimed_again() {
    let mut w = world().await;
    let f = &mut w.f;
    let a = w.alice.kp.insecure_clone();
    let ix = builders::request_redemption(&w.p, a.pubkey(), w.alice.shares, 0, UNIT);
    f.send(&[ix], &[&a]).await.expect("request");
    let t = find_ticket_address(&w.p.pool, 0).0;
    f.send(&[builders::process_redemptions(&w.p, &[t])], &[])
        .await
        .expect("crank");
    let claim = builders::claim_redemption(&w.p, a.pubkey(), t, w.alice.token);
    // Twice in one transaction: the second sees a closed account; nothing is paid twice.
    let before = f.balance(w.alice.token).await;
    f.send(&[claim.clone(), claim.clone()], &[&a])
        .await
        .unwrap_err()
        .assert_code(anchor_code(Anchor::AccountNotInitialized));
    assert_eq!(f.balance(w.alice.token).await, before);
    f.send(std::slice::from_ref(&claim), &[&a])
        .await
        .expect("claim");
    f.send(&[claim], &[&a])
        .await
        .unwrap_err()
        .assert_code(anchor_code(Anchor::AccountNotInitialized));
    assert_eq!(f.balance(w.alice.token).await, before + UNIT);
}

#[tokio::test]
async fn row07_the_same_token_account_in_two_roles_is_refused() {
    let mut w = world().await;
    let f = &mut w.f;
    let a = w.alice.kp.insecure_clone();
    let mut ix = builders::redeem(&w.p, &w.alice.accounts(), UNIT, 0);
    ix.accounts[6].pubkey = w.p.vault; // pay the vault into itself
    f.send(&[ix], &[&a])
        .await
        .unwrap_err()
        .assert_code(anchor_code(Anchor::ConstraintDuplicateMutableAccount));
}

#[tokio::test]
async fn row08_a_fake_token_program_is_refused() {
    let mut w = world().await;
    let f = &mut w.f;
    let a = w.alice.kp.insecure_clone();
    let mut ix = builders::deposit(&w.p, &w.alice.accounts(), UNIT, 0);
    let token_program = ix
        .accounts
        .iter_mut()
        .find(|a| a.pubkey == anchor_spl::token::ID)
        .expect("the token program is passed");
    token_program.pubkey = spl_token_2022::ID;
    f.send(&[ix], &[&a])
        .await
        .unwrap_err()
        .assert_code(anchor_code(Anchor::InvalidProgramId));
}

#[tokio::test]
async fn row09_u64_max_amounts_round_trip_without_overflow() {
    let mut f = Fixture::new().await;
    let operator = f.user().await;
    let p = f.create_pool(&operator, 1, 0, u64::MAX).await;
    let whale = f.investor(&p, u64::MAX).await;
    f.deposit(&p, &whale, u64::MAX).await;
    assert_eq!(f.balance(whale.shares).await, u64::MAX);
    let ix = builders::redeem(&p, &whale.accounts(), u64::MAX, u64::MAX);
    f.send(&[ix], &[&whale.kp])
        .await
        .expect("redeem everything");
    assert_eq!(f.balance(whale.token).await, u64::MAX);
}

#[tokio::test]
async fn row10_deposit_then_redeem_never_returns_more() {
    let mut w = world().await;
    let f = &mut w.f;
    // Make the price awkward first: interest that does not divide evenly, fully vested.
    let ix = builders::draw_capital(&w.p, w.operator.pubkey(), w.op_token, 7);
    f.send(&[ix], &[&w.operator]).await.expect("draw");
    let ix = builders::repay_capital(&w.p, w.operator.pubkey(), w.op_token, 7, 3 * UNIT + 7);
    f.send(&[ix], &[&w.operator]).await.expect("repay");
    f.advance(2 * 86_400).await;
    let bob = f.investor(&w.p, 1_000).await;
    for amount in [1u64, 2, 3, 999] {
        let before = f.balance(bob.token).await;
        let ix = builders::deposit(&w.p, &bob.accounts(), amount, 0);
        if f.send(&[ix], &[&bob.kp]).await.is_err() {
            continue; // too small for one share: refused, nothing moved
        }
        let shares = f.balance(bob.shares).await;
        let ix = builders::redeem(&w.p, &bob.accounts(), shares, 0);
        let _ = f.send(&[ix], &[&bob.kp]).await;
        assert!(
            f.balance(bob.token).await <= before,
            "round trip of {amount} gained"
        );
    }
}

#[tokio::test]
async fn row11_first_depositor_inflation_by_donation_fails() {
    let mut f = Fixture::new().await;
    let operator = f.user().await;
    let p = f.create_pool(&operator, 1, 0, 0).await;
    let attacker = f.investor(&p, 10_001 * UNIT).await;
    f.deposit(&p, &attacker, 1).await;
    f.donate(&attacker.kp, attacker.token, p.vault, 10_000 * UNIT)
        .await;
    let victim = f.investor(&p, 100 * UNIT).await;
    f.deposit(&p, &victim, 100 * UNIT).await;
    let pool = f.pool(&p).await;
    let now = f.now().await;
    let victim_value = pool
        .assets_for(f.balance(victim.shares).await, now)
        .unwrap();
    let attacker_value = pool
        .assets_for(f.balance(attacker.shares).await, now)
        .unwrap();
    assert!(
        victim_value + 1 >= 100 * UNIT,
        "victim lost {}",
        100 * UNIT - victim_value
    );
    assert!(attacker_value <= 1, "attacker gained: {attacker_value}");
}

#[tokio::test]
async fn row12_donations_do_not_move_the_price() {
    let mut w = world().await;
    let f = &mut w.f;
    let now = f.now().await;
    let before = f.pool(&w.p).await.shares_for(UNIT, now).unwrap();
    let a = w.alice.kp.insecure_clone();
    f.donate(&a, w.alice.token, w.p.vault, 500 * UNIT).await;
    let pool = f.pool(&w.p).await;
    assert_eq!(pool.shares_for(UNIT, now).unwrap(), before);
    assert_eq!(pool.cash, 100 * UNIT, "a donation is not cash");
}

#[tokio::test]
async fn row16_pause_blocks_new_exposure_but_never_exits() {
    let mut w = world().await;
    let f = &mut w.f;
    let a = w.alice.kp.insecure_clone();
    let auth = f.authority.insecure_clone();
    f.send(&[builders::set_paused(auth.pubkey(), true)], &[&auth])
        .await
        .expect("pause");

    let refused = [
        (builders::deposit(&w.p, &w.alice.accounts(), UNIT, 0), &a),
        (
            builders::stake(w.staker.pubkey(), w.stake_token, UNIT),
            &w.staker,
        ),
        (
            builders::draw_capital(&w.p, w.operator.pubkey(), w.op_token, UNIT),
            &w.operator,
        ),
    ];
    for (ix, signer) in refused {
        f.send(&[ix], &[signer])
            .await
            .unwrap_err()
            .assert_code(code(TesseraError::ProtocolPaused));
    }
    let ix = builders::redeem(&w.p, &w.alice.accounts(), UNIT, 0);
    f.send(&[ix], &[&a]).await.expect("redeem while paused");
    let ix = builders::request_redemption(&w.p, a.pubkey(), w.alice.shares, 0, UNIT);
    f.send(&[ix], &[&a]).await.expect("queue while paused");
    let t = find_ticket_address(&w.p.pool, 0).0;
    f.send(&[builders::process_redemptions(&w.p, &[t])], &[])
        .await
        .expect("crank while paused");
    let ix = builders::claim_redemption(&w.p, a.pubkey(), t, w.alice.token);
    f.send(&[ix], &[&a]).await.expect("claim while paused");
    let ix = builders::repay_capital(&w.p, w.operator.pubkey(), w.op_token, 0, UNIT);
    f.send(&[ix], &[&w.operator])
        .await
        .expect("repay while paused");

    let funder_token = f.funded_settlement_account(a.pubkey(), UNIT).await;
    let ix = builders::fund_stake_rewards(a.pubkey(), funder_token, UNIT);
    f.send(&[ix], &[&a]).await.expect("fund while paused");
    let reward_token = f.funded_settlement_account(w.staker.pubkey(), 0).await;
    let ix = builders::claim_stake_rewards(w.staker.pubkey(), reward_token);
    f.send(&[ix], &[&w.staker])
        .await
        .expect("claim rewards while paused");
    let ix = builders::begin_unstake(w.staker.pubkey(), 50 * UNIT);
    f.send(&[ix], &[&w.staker])
        .await
        .expect("unstake while paused");
    f.advance(i64::from(default_params().unbonding_secs)).await;
    let ix = builders::withdraw_stake(w.staker.pubkey(), w.stake_token);
    f.send(&[ix], &[&w.staker])
        .await
        .expect("withdraw while paused");
}

#[tokio::test]
async fn row18_authority_cannot_be_taken_or_params_pushed_out_of_bounds() {
    let mut f = Fixture::new().await;
    let auth = f.authority.insecure_clone();
    let mallory = f.user().await;
    let mut params = default_params();
    params.protocol_fee_bps = bps(10_000);
    let ix = builders::propose_params(auth.pubkey(), f.treasury, params, auth.pubkey());
    f.send(&[ix], &[&auth])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::ProtocolFeeTooHigh));
    let ix = builders::accept_authority(mallory.pubkey());
    f.send(&[ix], &[&mallory])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::NotPendingAuthority));
    let heir = f.user().await;
    let ix = builders::transfer_authority(auth.pubkey(), Some(heir.pubkey()));
    f.send(&[ix], &[&auth]).await.expect("propose");
    let ix = builders::accept_authority(mallory.pubkey());
    f.send(&[ix], &[&mallory])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::NotPendingAuthority));
    let ix = builders::transfer_authority(mallory.pubkey(), Some(mallory.pubkey()));
    f.send(&[ix], &[&mallory])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::NotAuthority));
}

#[tokio::test]
async fn row19_a_token_2022_transfer_fee_mint_is_refused() {
    let mut f = Fixture::bare().await;
    let mint = Keypair::new();
    let payer = f.ctx.payer.pubkey();
    let ext = [spl_token_2022::extension::ExtensionType::TransferFeeConfig];
    let len = spl_token_2022::extension::ExtensionType::try_calculate_account_len::<
        spl_token_2022::state::Mint,
    >(&ext)
    .unwrap();
    let rent = f.rent(len).await;
    let ixs = [
        anchor_lang::solana_program::system_instruction::create_account(
            &payer,
            &mint.pubkey(),
            rent,
            len as u64,
            &spl_token_2022::ID,
        ),
        spl_token_2022::extension::transfer_fee::instruction::initialize_transfer_fee_config(
            &spl_token_2022::ID,
            &mint.pubkey(),
            None,
            None,
            100,
            u64::MAX,
        )
        .unwrap(),
        spl_token_2022::instruction::initialize_mint2(
            &spl_token_2022::ID,
            &mint.pubkey(),
            &payer,
            None,
            6,
        )
        .unwrap(),
    ];
    f.send_unchecked(&ixs, &[&mint])
        .await
        .expect("create transfer-fee mint");
    let auth = f.authority.insecure_clone();
    let mut ix = f.initialize_ix(default_params());
    ix.accounts[2].pubkey = mint.pubkey();
    f.send(&[ix], &[&auth])
        .await
        .unwrap_err()
        .assert_code(anchor_code(Anchor::AccountOwnedByWrongProgram));
}

#[tokio::test]
async fn row20_redemption_crank_checks_every_remaining_account() {
    let mut w = world().await;
    let f = &mut w.f;
    let a = w.alice.kp.insecure_clone();
    for seq in 0..2 {
        let ix = builders::request_redemption(&w.p, a.pubkey(), w.alice.shares, seq, UNIT);
        f.send(&[ix], &[&a]).await.expect("request");
    }
    let (t0, t1) = (
        find_ticket_address(&w.p.pool, 0).0,
        find_ticket_address(&w.p.pool, 1).0,
    );
    // Unrelated account of another type.
    let ix = builders::process_redemptions(&w.p, &[w.p.pool]);
    f.send(&[ix], &[])
        .await
        .unwrap_err()
        .assert_code(anchor_code(Anchor::AccountDiscriminatorMismatch));
    // Reordered.
    let ix = builders::process_redemptions(&w.p, &[t1, t0]);
    f.send(&[ix], &[])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::TicketOutOfOrder));
    // Duplicated.
    let ix = builders::process_redemptions(&w.p, &[t0, t0]);
    f.send(&[ix], &[])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::TicketOutOfOrder));
    // Read-only.
    let mut ix = builders::process_redemptions(&w.p, &[t0]);
    let ticket = ix
        .accounts
        .iter_mut()
        .find(|a| a.pubkey == t0)
        .expect("ticket passed");
    ticket.is_writable = false;
    f.send(&[ix], &[])
        .await
        .unwrap_err()
        .assert_code(anchor_code(Anchor::AccountNotMutable));
    // Another pool's ticket.
    let other_op = f.user().await;
    let q = f.create_pool(&other_op, 1, 0, 0).await;
    let bob = f.investor(&q, UNIT).await;
    f.deposit(&q, &bob, UNIT).await;
    let ix = builders::request_redemption(&q, bob.kp.pubkey(), bob.shares, 0, UNIT);
    f.send(&[ix], &[&bob.kp]).await.expect("request on q");
    let ix = builders::process_redemptions(&w.p, &[find_ticket_address(&q.pool, 0).0]);
    f.send(&[ix], &[])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::TicketPoolMismatch));
    // In order, all good.
    f.send(&[builders::process_redemptions(&w.p, &[t0, t1])], &[])
        .await
        .expect("crank");
    assert_eq!(f.pool(&w.p).await.head_ticket_seq, 2);
}

#[tokio::test]
async fn row22_handlers_check_balances_reloaded_after_the_cpi() {
    // Every token-moving handler re-reads the vault after its CPI and checks the ledger against
    // it (`reload_and_check`); reading the stale pre-transfer balance would make this deposit
    // fail with VaultBelowLedger. The fixture then checks the same equality from outside.
    let mut w = world().await;
    let f = &mut w.f;
    let a = w.alice.kp.insecure_clone();
    let ix = builders::deposit(&w.p, &w.alice.accounts(), 7 * UNIT, 0);
    f.send(&[ix], &[&a])
        .await
        .expect("deposit checks the reloaded vault");
    assert_eq!(f.balance(w.p.vault).await, 107 * UNIT);
    assert_eq!(f.pool(&w.p).await.ledger_total().unwrap(), 107 * UNIT);
}

#[tokio::test]
async fn row23_deposit_just_before_revenue_and_redeem_just_after_gains_nothing() {
    let mut w = world().await;
    let f = &mut w.f;
    let ix = builders::draw_capital(&w.p, w.operator.pubkey(), w.op_token, 50 * UNIT);
    f.send(&[ix], &[&w.operator]).await.expect("draw");
    let shark = f.investor(&w.p, 10_000 * UNIT).await;
    f.deposit(&w.p, &shark, 10_000 * UNIT).await;
    let ix = builders::repay_capital(&w.p, w.operator.pubkey(), w.op_token, 50 * UNIT, 50 * UNIT);
    f.send(&[ix], &[&w.operator]).await.expect("revenue lands");
    f.advance(1).await; // the very next second
    let shares = f.balance(shark.shares).await;
    let ix = builders::redeem(&w.p, &shark.accounts(), shares, 0);
    f.send(&[ix], &[&shark.kp]).await.expect("redeem");
    let gain = f.balance(shark.token).await.saturating_sub(10_000 * UNIT);
    // One second of a one-day vesting of 50 units is ~579 base units in total, shared by all.
    assert!(gain <= 600, "sandwich gained {gain}");
}

#[tokio::test]
async fn row24_burning_shares_directly_does_not_move_the_price() {
    let mut w = world().await;
    let f = &mut w.f;
    let now = f.now().await;
    let before = f.pool(&w.p).await.assets_for(UNIT, now).unwrap();
    let a = w.alice.kp.insecure_clone();
    let ix = spl_token::instruction::burn(
        &spl_token::ID,
        &w.alice.shares,
        &w.p.share_mint,
        &a.pubkey(),
        &[],
        40 * UNIT,
    )
    .unwrap();
    f.send(&[ix], &[&a]).await.expect("burn through SPL Token");
    let pool = f.pool(&w.p).await;
    assert_eq!(pool.assets_for(UNIT, now).unwrap(), before);
    assert_eq!(pool.total_shares, 100 * UNIT);
    assert_eq!(f.supply(w.p.share_mint).await, 60 * UNIT);
}

#[tokio::test]
async fn row25_one_pools_operator_cannot_move_another_pools_vault() {
    let mut w = world().await;
    let f = &mut w.f;
    let other_op = f.user().await;
    let q = f.create_pool(&other_op, 1, 0, 1_000 * UNIT).await;
    let bob = f.investor(&q, 100 * UNIT).await;
    f.deposit(&q, &bob, 100 * UNIT).await;
    let mut ix = builders::draw_capital(&w.p, w.operator.pubkey(), w.op_token, UNIT);
    ix.accounts[3].pubkey = q.vault;
    f.send(&[ix], &[&w.operator])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::VaultMismatch));
    let ix = builders::draw_capital(&q, w.operator.pubkey(), w.op_token, UNIT);
    f.send(&[ix], &[&w.operator])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::NotPoolOperator));
    assert_eq!(f.balance(q.vault).await, 100 * UNIT);
}
