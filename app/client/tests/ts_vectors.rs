//! The bytes the TypeScript client mirrors (PDAs, listing offsets, the usage receipt, its
//! Ed25519 instruction and an event), written by Rust to `app/ts/test/vectors.json` and read by
//! `app/ts/test/vectors.test.ts`. This test fails when the committed file is stale; run it with
//! `UPDATE_TS_VECTORS=1` to rewrite it.

use anchor_lang::event::EVENT_IX_TAG_LE;
use anchor_lang::Event;
use serde_json::json;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;
use tessera::signed::{message_bytes, ReceiptBody, UsageReceipt};
use tessera_client::accounts::offsets;
use tessera_client::instructions as ix;
use tessera_client::pda;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn vectors() -> serde_json::Value {
    let operator = Pubkey::new_from_array([7; 32]);
    let mint = Pubkey::new_from_array([9; 32]);
    let pool = pda::find_pool_address(&operator, 1).0;
    let provider = pda::find_provider_address(&operator).0;
    let node = pda::find_node_address(&provider, 2).0;
    let lease = pda::find_lease_address(&node, 5).0;
    let bid = pda::find_bid_address(&operator, 4).0;
    let agent = Keypair::new_from_array([3; 32]);
    let body = ReceiptBody {
        seq: 2,
        period_start: 1_800_000_000,
        period_end: 1_800_000_060,
        gpu_seconds: 120,
        avg_utilization_bps: 9_871,
        energy_joules: 42_000,
        sample_digest: [0xab; 32],
    };
    let message = message_bytes(&UsageReceipt::new(lease, body)).expect("receipt bytes");
    let event = tessera::events::ChargeSettled {
        lease,
        amount: 1_000_000,
        protocol_fee: 50_000,
        operator_fee: 95_000,
        investors: 855_000,
    };
    let s = |k: Pubkey| k.to_string();
    json!({
        "programId": s(tessera::ID),
        "operator": s(operator),
        "mint": s(mint),
        "pdas": {
            "protocol": s(pda::find_protocol_address().0),
            "pool(operator,1)": s(pool),
            "vault(pool)": s(pda::find_vault_address(&pool).0),
            "shareMint(pool)": s(pda::find_share_mint_address(&pool).0),
            "ticket(pool,3)": s(pda::find_ticket_address(&pool, 3).0),
            "stakePool": s(pda::find_stake_pool_address().0),
            "stakeVault": s(pda::find_stake_vault_address().0),
            "rewardVault": s(pda::find_reward_vault_address().0),
            "stakePosition(operator)": s(pda::find_stake_position_address(&operator).0),
            "provider(operator)": s(provider),
            "node(provider,2)": s(node),
            "lease(node,5)": s(lease),
            "bid(operator,4)": s(bid),
            "bidEscrow(bid)": s(pda::find_bid_escrow_address(&bid).0),
            "eventAuthority": s(ix::event_authority()),
            "ata(operator,mint)": s(ix::associated_token_address(&operator, &mint)),
        },
        "offsets": {
            "nodeProvider": offsets::NODE_PROVIDER,
            "leaseNode": offsets::LEASE_NODE,
            "leaseRenter": offsets::LEASE_RENTER,
            "bidRenter": offsets::BID_RENTER,
            "poolOperator": offsets::POOL_OPERATOR,
        },
        "receipt": {
            "lease": s(lease),
            "agentSecret": hex(agent.secret_bytes()),
            "agent": s(agent.pubkey()),
            "body": {
                "seq": body.seq, "periodStart": body.period_start, "periodEnd": body.period_end,
                "gpuSeconds": body.gpu_seconds, "avgUtilizationBps": body.avg_utilization_bps,
                "energyJoules": body.energy_joules, "sampleDigest": hex(&body.sample_digest),
            },
            "message": hex(&message),
            "ed25519Data": hex(&ix::ed25519(&agent, &message).data),
        },
        "metadata": {
            "mint": s(mint),
            "address": s(tessera_client::tokens::metadata_address(&mint)),
            "data": hex(&tessera_client::tokens::metadata_bytes(&mint, "Euro Coin", "EURC")),
            "symbol": "EURC",
        },
        "tokens": tessera_client::tokens::KNOWN
            .iter()
            .map(|(mint, _)| (mint.to_string(), json!(tessera_client::tokens::unit(&mint.parse().unwrap()))))
            .chain([(s(mint), json!(tessera_client::tokens::unit(&mint)))])
            .collect::<serde_json::Map<_, _>>(),
        "event": {
            "name": "ChargeSettled",
            "data": hex(&[EVENT_IX_TAG_LE, &event.data()].concat()),
            "lease": s(lease), "amount": 1_000_000, "protocolFee": 50_000,
            "operatorFee": 95_000, "investors": 855_000,
        },
    })
}

#[test]
fn the_typescript_vectors_are_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../ts/test/vectors.json");
    let fresh = serde_json::to_string_pretty(&vectors()).unwrap() + "\n";
    if std::env::var_os("UPDATE_TS_VECTORS").is_some() {
        std::fs::write(path, &fresh).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == fresh,
        "app/ts/test/vectors.json is stale: run `UPDATE_TS_VECTORS=1 cargo test -p tessera-client --test ts_vectors`"
    );
}
