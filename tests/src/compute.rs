//! Compute units on the SBF build: each top-level Tessera instruction's outermost total (its own
//! `Program … consumed` line, not the self-CPIs its events make), its name by discriminator, and
//! the budget it is held to. [`crate::Fixture::send`] checks every successful transaction of
//! the suite against these budgets when the program runs as its SBF build, so every instruction
//! is held to its budget in every case the suite exercises, worst cases included.

use std::io::Write;

use anchor_lang::{AccountDeserialize, Discriminator};
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use tessera::state::{Bid, Pool, StakePool};

macro_rules! budget {
    ($ix:ident, $name:literal, $units:expr) => {
        ($name, tessera::instruction::$ix::DISCRIMINATOR, $units)
    };
}

/// The design's compute-unit targets for the hot path; each hot-path budget below is at most
/// its target (a test checks), so the SBF build meets them in every case the suite runs.
pub const HOT_PATH_TARGETS: [(&str, u64); 4] = [
    ("open_lease", 40_000),
    ("submit_receipt", 30_000),
    ("settle", 10_000),
    ("close_lease", 40_000),
];

/// Each instruction's name, discriminator and the compute units it may use: the most the suite
/// measured on the SBF build (less bump searches) plus 10 %, rounded up to a thousand, and never
/// above its design target ([`HOT_PATH_TARGETS`]; `settle` sits at its 10,000), so a change that
/// costs more fails (docs/performance.md).
pub const BUDGETS: &[(&str, &[u8], u64)] = &[
    budget!(InitializeProtocol, "initialize_protocol", 42_000),
    budget!(ProposeParams, "propose_params", 7_000),
    budget!(ApplyParams, "apply_params", 6_000),
    budget!(CancelParams, "cancel_params", 6_000),
    budget!(TransferAuthority, "transfer_authority", 5_000),
    budget!(AcceptAuthority, "accept_authority", 5_000),
    budget!(SetPaused, "set_paused", 5_000),
    budget!(CreatePool, "create_pool", 39_000),
    budget!(Deposit, "deposit", 33_000),
    budget!(Redeem, "redeem", 41_000),
    budget!(RequestRedemption, "request_redemption", 24_000),
    budget!(ProcessRedemptions, "process_redemptions", 46_000),
    budget!(ClaimRedemption, "claim_redemption", 24_000),
    budget!(DrawCapital, "draw_capital", 21_000),
    budget!(RepayCapital, "repay_capital", 22_000),
    budget!(WriteDown, "write_down", 9_000),
    budget!(Stake, "stake", 29_000),
    budget!(BeginUnstake, "begin_unstake", 9_000),
    budget!(WithdrawStake, "withdraw_stake", 22_000),
    budget!(ClaimStakeRewards, "claim_stake_rewards", 23_000),
    budget!(FundStakeRewards, "fund_stake_rewards", 19_000),
    budget!(ClaimOperatorFees, "claim_operator_fees", 21_000),
    budget!(SweepProtocolFees, "sweep_protocol_fees", 37_000),
    budget!(RegisterProvider, "register_provider", 13_000),
    budget!(RegisterNode, "register_node", 18_000),
    budget!(UpdateNode, "update_node", 9_000),
    budget!(AttestBenchmark, "attest_benchmark", 7_000),
    budget!(OpenLease, "open_lease", 34_000),
    budget!(TopUpLease, "top_up_lease", 24_000),
    budget!(SubmitReceipt, "submit_receipt", 13_000),
    budget!(Settle, "settle", 10_000),
    budget!(Dispute, "dispute", 7_000),
    budget!(ResolveDispute, "resolve_dispute", 38_000),
    budget!(SetProviderStatus, "set_provider_status", 7_000),
    budget!(CloseLease, "close_lease", 30_000),
    budget!(PostBid, "post_bid", 33_000),
    budget!(CancelBid, "cancel_bid", 24_000),
    budget!(AcceptBid, "accept_bid", 48_000),
];

/// The budget of the instruction named `name`.
pub fn budget(name: &str) -> Option<u64> {
    BUDGETS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, _, units)| *units)
}

/// The name and budget of the Tessera instruction whose data is `data`.
pub fn budget_of(data: &[u8]) -> Option<(&'static str, u64)> {
    BUDGETS
        .iter()
        .find(|(_, disc, _)| data.starts_with(disc))
        .map(|(name, _, units)| (*name, *units))
}

/// The compute units of each top-level invocation of `program`, in order, from a transaction's
/// logs: the `consumed` line printed at invocation depth 1 (inner CPIs print their own first).
pub fn outermost_units(program: &Pubkey, logs: &[String]) -> Vec<u64> {
    let consumed = format!("Program {program} consumed ");
    let mut depth = 0usize;
    let mut units = Vec::new();
    for line in logs {
        let Some(rest) = line.strip_prefix("Program ") else {
            continue;
        };
        if let Some((_, n)) = rest.split_once(" invoke [") {
            depth = n.trim_end_matches(']').parse().unwrap_or(depth + 1);
        } else if let Some(n) = line.strip_prefix(&consumed) {
            if depth == 1 {
                units.extend(
                    n.split_whitespace()
                        .next()
                        .and_then(|n| n.parse::<u64>().ok()),
                );
            }
        } else if rest.ends_with(" success") || rest.contains(" failed: ") {
            depth = depth.saturating_sub(1);
        }
    }
    units
}

/// What one `create_program_address` costs; `init` pays it once per bump tried.
pub const CREATE_PROGRAM_ADDRESS_UNITS: u64 = 1_500;

/// Compute units `init` spent searching for the canonical bumps of a Tessera account it created
/// (`data`): each bump tried before the one stored costs a `create_program_address`. Seeds built
/// from fresh keys make that search geometric, so budgets are checked without it.
pub fn bump_search_units(data: &[u8]) -> u64 {
    let bumps = match data {
        d if d.starts_with(Pool::DISCRIMINATOR) => Pool::try_deserialize(&mut &d[..])
            .map(|p| vec![p.bump, p.vault_bump, p.share_mint_bump])
            .unwrap_or_default(),
        d if d.starts_with(Bid::DISCRIMINATOR) => Bid::try_deserialize(&mut &d[..])
            .map(|b| vec![b.bump, b.escrow_bump])
            .unwrap_or_default(),
        d if d.starts_with(StakePool::DISCRIMINATOR) => StakePool::try_deserialize(&mut &d[..])
            .map(|s| vec![s.bump, s.stake_vault_bump, s.reward_vault_bump])
            .unwrap_or_default(),
        // Every other account starts with its discriminator, `version`, then `bump`.
        d => d.get(BUMP_OFFSET).copied().into_iter().collect(),
    };
    bumps
        .iter()
        .map(|b| u64::from(u8::MAX - b) * CREATE_PROGRAM_ADDRESS_UNITS)
        .sum()
}

/// Where `bump` sits in a Tessera account: after the discriminator and `version`.
const BUMP_OFFSET: usize = 9;

/// Whether budgets fail the run: always, unless `TESSERA_CU_BUDGETS=report` asks only for the
/// figures (`scripts/cu-report --report-only`, to compare candidate builds; CI never sets it).
pub fn enforced() -> bool {
    std::env::var("TESSERA_CU_BUDGETS").map_or(true, |v| v != "report")
}

/// One top-level Tessera instruction as measured: its units, those spent on bump searches, and
/// its budget.
struct Measured {
    name: &'static str,
    units: u64,
    search: u64,
    budget: u64,
}

/// Checks each top-level Tessera instruction of a successful transaction against its budget,
/// less the bump searches of the Tessera accounts it created (`created`: address and data of
/// each account the transaction created, charged to the first instruction that writes it).
/// Appends `name units search budget` lines to `$TESSERA_CU_LOG` when that is set
/// (`scripts/cu-report` makes its table from them).
pub fn check_budgets(
    ixs: &[Instruction],
    logs: &[String],
    created: &[(Pubkey, Vec<u8>)],
) -> Result<(), String> {
    let ours: Vec<&Instruction> = ixs
        .iter()
        .filter(|ix| ix.program_id == tessera::ID)
        .collect();
    let creator = |key: &Pubkey| {
        ours.iter().position(|ix| {
            ix.accounts
                .iter()
                .any(|a| a.is_writable && a.pubkey == *key)
        })
    };
    let mut search = vec![0u64; ours.len()];
    for (key, data) in created {
        if let Some(i) = creator(key) {
            search[i] += bump_search_units(data);
        }
    }
    let measured: Vec<Measured> = ours
        .iter()
        .zip(outermost_units(&tessera::ID, logs))
        .zip(search)
        .filter_map(|((ix, units), search)| {
            budget_of(&ix.data).map(|(name, budget)| Measured {
                name,
                units,
                search,
                budget,
            })
        })
        .collect();
    if let Ok(path) = std::env::var("TESSERA_CU_LOG") {
        // One write per transaction: the suite's threads append to the same file.
        let lines: String = measured
            .iter()
            .map(|m| format!("{} {} {} {}\n", m.name, m.units, m.search, m.budget))
            .collect();
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut file| file.write_all(lines.as_bytes()))
            .map_err(|e| format!("TESSERA_CU_LOG {path}: {e}"))?;
    }
    if !enforced() {
        return Ok(());
    }
    let over: Vec<_> = measured
        .iter()
        .filter(|m| m.units.saturating_sub(m.search) > m.budget)
        .map(|m| {
            format!(
                "{} used {} compute units ({} of them searching bumps), budget {}",
                m.name, m.units, m.search, m.budget
            )
        })
        .collect();
    if over.is_empty() {
        Ok(())
    } else {
        Err(over.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hot_path_budgets_are_within_the_design_targets() {
        for (name, target) in HOT_PATH_TARGETS {
            let budget = budget(name).expect("every hot-path instruction has a budget");
            assert!(
                budget <= target,
                "{name}: budget {budget} above target {target}"
            );
        }
    }

    #[test]
    fn the_outermost_total_is_read_not_the_self_cpi_of_an_event() {
        let p = tessera::ID;
        let logs: Vec<String> = [
            format!("Program {p} invoke [1]"),
            "Program log: Instruction: Settle".into(),
            format!("Program {p} invoke [2]"),
            format!("Program {p} consumed 515 of 190000 compute units"),
            format!("Program {p} success"),
            format!("Program {p} consumed 9000 of 200000 compute units"),
            format!("Program {p} success"),
            "Program Ed25519SigVerify111111111111111111111111111 invoke [1]".into(),
            "Program Ed25519SigVerify111111111111111111111111111 success".into(),
            format!("Program {p} invoke [1]"),
            "Program TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA invoke [2]".into(),
            "Program TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA consumed 4645 of 1 compute units"
                .into(),
            "Program TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA success".into(),
            format!("Program {p} consumed 21000 of 191000 compute units"),
            format!("Program {p} success"),
        ]
        .into();
        assert_eq!(outermost_units(&p, &logs), vec![9000, 21000]);
    }

    #[test]
    fn the_bump_sits_after_the_discriminator_and_version() {
        use anchor_lang::AccountSerialize;
        let provider = tessera::state::Provider {
            version: 3,
            bump: 250,
            authority: Pubkey::new_unique(),
            stake_position: Pubkey::new_unique(),
            status: tessera::state::ProviderStatus::Active,
            node_count: 1,
            active_leases: 2,
            receipts_settled: 3,
            gpu_seconds_served: 4,
            leases_completed: 5,
            disputes_lost: 6,
            slashed_total: 7,
            reserved: [0; 32],
        };
        let mut data = Vec::new();
        provider.try_serialize(&mut data).expect("serialise");
        assert_eq!(data[BUMP_OFFSET], 250);
        assert_eq!(bump_search_units(&data), 5 * CREATE_PROGRAM_ADDRESS_UNITS);
    }

    #[test]
    fn every_instruction_of_the_program_has_a_budget() {
        let idl: serde_json::Value =
            serde_json::from_str(include_str!("../../idl/tessera.json")).expect("idl");
        let names: Vec<&str> = idl["instructions"]
            .as_array()
            .expect("instructions")
            .iter()
            .filter_map(|ix| ix["name"].as_str())
            .collect();
        for name in &names {
            assert!(budget(name).is_some(), "{name} has no compute budget");
        }
        assert_eq!(names.len(), BUDGETS.len());
        // Each budget is keyed by its own instruction's discriminator.
        for ix in idl["instructions"].as_array().expect("instructions") {
            let disc: Vec<u8> = ix["discriminator"]
                .as_array()
                .expect("discriminator")
                .iter()
                .map(|b| b.as_u64().expect("byte") as u8)
                .collect();
            assert_eq!(budget_of(&disc).map(|(n, _)| n), ix["name"].as_str());
        }
    }
}
