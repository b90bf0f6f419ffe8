//! The redemption queue: FIFO tickets, the permissionless crank, claims.
#![allow(deprecated)]

use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;
use tessera::error::TesseraError;
use tessera::seeds::find_ticket_address;
use tessera::state::{RedemptionTicket, TicketStatus};
use tessera_tests::fixture::UNIT;
use tessera_tests::{builders, code, Fixture, Investor, PoolKeys};

/// A pool whose operator has drawn all but 10 units of three investors' 300 units.
async fn drained_pool() -> (Fixture, Keypair, Pubkey, PoolKeys, Vec<Investor>) {
    let mut f = Fixture::new().await;
    let operator = f.user().await;
    let p = f.create_pool(&operator, 1, 1_000, 1_000_000 * UNIT).await;
    let mut investors = Vec::new();
    for _ in 0..3 {
        let i = f.investor(&p, 100 * UNIT).await;
        f.deposit(&p, &i, 100 * UNIT).await;
        investors.push(i);
    }
    let op_token = f.funded_settlement_account(operator.pubkey(), 0).await;
    let ix = builders::draw_capital(&p, operator.pubkey(), op_token, 290 * UNIT);
    f.send(&[ix], &[&operator]).await.expect("draw");
    (f, operator, op_token, p, investors)
}

async fn request(f: &mut Fixture, p: &PoolKeys, i: &Investor, shares: u64) -> Pubkey {
    let seq = f.pool(p).await.next_ticket_seq;
    let ix = builders::request_redemption(p, i.kp.pubkey(), i.shares, seq, shares);
    f.send(&[ix], &[&i.kp]).await.expect("request_redemption");
    find_ticket_address(&p.pool, seq).0
}

#[tokio::test]
async fn queue_is_served_strictly_fifo_as_cash_arrives() {
    let (mut f, operator, op_token, p, inv) = drained_pool().await;
    let t0 = request(&mut f, &p, &inv[0], 50 * UNIT).await;
    let t1 = request(&mut f, &p, &inv[1], 20 * UNIT).await;
    let t2 = request(&mut f, &p, &inv[2], 5 * UNIT).await;
    assert_eq!(
        f.balance(inv[0].shares).await,
        50 * UNIT,
        "queued shares are burned"
    );
    assert_eq!(f.pool(&p).await.queued_shares, 75 * UNIT);

    // 10 units of cash: ticket 0 (50) cannot be served, so ticket 2 (5) must not jump it.
    let ix = builders::process_redemptions(&p, &[t0, t1, t2]);
    f.send(&[ix], &[])
        .await
        .expect("crank with too little cash");
    assert_eq!(f.pool(&p).await.head_ticket_seq, 0);
    let t: RedemptionTicket = f.get(t2).await;
    assert_eq!(t.status, TicketStatus::Queued);

    // Instant redemption and draws wait for the queue.
    let ix = builders::redeem(&p, &inv[2].accounts(), UNIT, 0);
    f.send(&[ix], &[&inv[2].kp])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::QueueNotEmpty));
    let ix = builders::draw_capital(&p, operator.pubkey(), op_token, UNIT);
    f.send(&[ix], &[&operator])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::QueueNotEmpty));

    // 60 repaid: tickets 0 (50) and 1 (20) fit in 70, ticket 2 waits for the next repayment.
    let ix = builders::repay_capital(&p, operator.pubkey(), op_token, 60 * UNIT, 0);
    f.send(&[ix], &[&operator]).await.expect("repay");
    let ix = builders::process_redemptions(&p, &[t0, t1, t2]);
    f.send(&[ix], &[]).await.expect("crank");
    let pool = f.pool(&p).await;
    assert_eq!(pool.head_ticket_seq, 2);
    assert_eq!(pool.cash, 0);
    assert_eq!(pool.redemptions_owed, 70 * UNIT);

    let ix = builders::repay_capital(&p, operator.pubkey(), op_token, 5 * UNIT, 0);
    f.send(&[ix], &[&operator]).await.expect("repay");
    let ix = builders::process_redemptions(&p, &[t2]);
    f.send(&[ix], &[]).await.expect("crank");
    assert!(f.pool(&p).await.queue_is_empty());

    for (i, t, expect) in [(0, t0, 50 * UNIT), (1, t1, 20 * UNIT), (2, t2, 5 * UNIT)] {
        let ix = builders::claim_redemption(&p, inv[i].kp.pubkey(), t, inv[i].token);
        f.send(&[ix], &[&inv[i].kp]).await.expect("claim");
        assert_eq!(f.balance(inv[i].token).await, expect);
        assert!(f.raw(t).await.is_none(), "claimed ticket is closed");
    }
    assert_eq!(f.pool(&p).await.redemptions_owed, 0);
}

#[tokio::test]
async fn ticket_is_priced_at_fulfilment() {
    let (mut f, operator, op_token, p, inv) = drained_pool().await;
    let t0 = request(&mut f, &p, &inv[0], 100 * UNIT).await;
    // Interest arrives and fully vests before the crank runs: the ticket gets the new price.
    f.mint_to(f.settlement_mint, op_token, 30 * UNIT).await;
    let ix = builders::repay_capital(&p, operator.pubkey(), op_token, 290 * UNIT, 30 * UNIT);
    f.send(&[ix], &[&operator]).await.expect("repay");
    f.advance(2 * 86_400).await;
    let ix = builders::process_redemptions(&p, &[t0]);
    f.send(&[ix], &[]).await.expect("crank");
    let t: RedemptionTicket = f.get(t0).await;
    assert!(
        t.assets > 109 * UNIT && t.assets <= 110 * UNIT,
        "priced with the interest: {}",
        t.assets
    );
}

#[tokio::test]
async fn claim_requires_fulfilment_and_the_owner() {
    let (mut f, _, _, p, inv) = drained_pool().await;
    let t0 = request(&mut f, &p, &inv[0], 5 * UNIT).await;
    let ix = builders::claim_redemption(&p, inv[0].kp.pubkey(), t0, inv[0].token);
    f.send(&[ix], &[&inv[0].kp])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::TicketNotFulfilled));
    let ix = builders::process_redemptions(&p, &[t0]);
    f.send(&[ix], &[]).await.expect("crank");
    let ix = builders::claim_redemption(&p, inv[1].kp.pubkey(), t0, inv[1].token);
    f.send(&[ix], &[&inv[1].kp])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::NotTicketOwner));
}

#[tokio::test]
async fn crank_is_bounded_per_call() {
    let (mut f, _, _, p, inv) = drained_pool().await;
    let mut tickets = Vec::new();
    for _ in 0..9 {
        tickets.push(request(&mut f, &p, &inv[0], UNIT).await);
    }
    let ix = builders::process_redemptions(&p, &tickets);
    f.send(&[ix], &[])
        .await
        .unwrap_err()
        .assert_code(code(TesseraError::TooManyTickets));
    let ix = builders::process_redemptions(&p, &tickets[..8]);
    f.send(&[ix], &[]).await.expect("eight at once");
    assert_eq!(f.pool(&p).await.head_ticket_seq, 8);
}
