//! The SBF linker's stack-argument cases (`tests/sbf-stackargs`), run on the VM: calls with 6, 8
//! and 12 arguments, every integer width, structs by value in Rust's and the C ABI, a callee
//! passing its stack arguments on, and a caller with a 2 KiB frame. `scripts/build-sbf` builds
//! `sbf_stackargs.so` beside `tessera.so` (and checks that the linker refuses a caller whose
//! locals reach its frame's bottom); without the v0 patch the first of these fails with
//! `Access violation in stack frame`.
#![allow(deprecated)]

use solana_program_test::{BanksClientError, ProgramTest, ProgramTestContext};
use solana_sdk::instruction::{Instruction, InstructionError};
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signer::Signer;
use solana_sdk::transaction::{Transaction, TransactionError};

const CASES: [(u8, &str); 8] = [
    (1, "six u64 arguments"),
    (2, "eight u64 arguments"),
    (3, "twelve u64 arguments, the callee calling on with eight"),
    (
        4,
        "mixed widths: u8, u16, u32, u64, i8, i16, i32, i64, u128, u8",
    ),
    (5, "structs by value, Rust ABI"),
    (6, "structs by value, C ABI"),
    (7, "a callee passing its stack arguments on, reordered"),
    (8, "a caller with a 2 KiB frame"),
];

/// Runs `case` of the stack-argument program on a fresh bank with it loaded.
struct StackArgs {
    ctx: ProgramTestContext,
    id: Pubkey,
}

impl StackArgs {
    async fn start() -> Self {
        assert!(
            tessera_tests::fixture::sbf(),
            "set TESSERA_SBF=1 and SBF_OUT_DIR to scripts/build-sbf's output"
        );
        let id = Pubkey::new_unique();
        let mut pt = ProgramTest::new("sbf_stackargs", id, None);
        pt.prefer_bpf(true);
        Self {
            ctx: pt.start_with_context().await,
            id,
        }
    }

    async fn run(&self, case: u8) -> Result<(), BanksClientError> {
        let ix = Instruction {
            program_id: self.id,
            accounts: vec![],
            data: vec![case],
        };
        let payer = &self.ctx.payer;
        let blockhash = self.ctx.banks_client.get_latest_blockhash().await?;
        let tx =
            Transaction::new_signed_with_payer(&[ix], Some(&payer.pubkey()), &[payer], blockhash);
        self.ctx.banks_client.process_transaction(tx).await
    }
}

#[tokio::test]
#[ignore = "needs the SBF build: scripts/build-sbf, then TESSERA_SBF=1"]
async fn stack_passed_arguments_arrive_intact_on_the_sbf_vm() {
    let program = StackArgs::start().await;
    let mut failures = Vec::new();
    for (case, what) in CASES {
        if let Err(e) = program.run(case).await {
            failures.push(format!("case {case} ({what}): {e}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
#[ignore = "needs the SBF build: scripts/build-sbf, then TESSERA_SBF=1"]
async fn an_unknown_case_is_reported_as_its_number() {
    let program = StackArgs::start().await;
    let err = program.run(42).await.expect_err("case 42 does not exist");
    assert_eq!(
        err.unwrap(),
        TransactionError::InstructionError(0, InstructionError::Custom(42))
    );
}
