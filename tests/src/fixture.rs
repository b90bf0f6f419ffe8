//! `Fixture`: the whole world in one call (bank, mints, protocol, stake pool), helpers to
//! create users, token accounts and pools, and `send`, which runs a transaction and then
//! asserts every ledger invariant.

use std::collections::HashMap;

use anchor_lang::AccountDeserialize;
use anchor_spl::token::{spl_token, Mint, TokenAccount};
use solana_program_test::{BanksClientError, ProgramTestContext};
use solana_sdk::account::Account;
use solana_sdk::instruction::{Instruction, InstructionError};
use solana_sdk::program_pack::Pack;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;
use solana_sdk::transaction::{Transaction, TransactionError};
use tessera::math::Bps;
use tessera::state::ProtocolParams;
use tessera_client::events::{decode_all, TesseraEvent};
pub use tessera_localnet::bank::sbf;

use crate::builders::{self, PoolKeys};

/// Settlement mint decimals used throughout the tests (USDC-like).
pub const DECIMALS: u8 = 6;
/// One whole settlement token in base units.
pub const UNIT: u64 = 1_000_000;

/// The memo program, used to make otherwise identical transactions distinct.
const MEMO_PROGRAM: Pubkey = solana_sdk::pubkey!("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr");

/// An investor wallet with a settlement-token account and a share account for one pool.
pub struct Investor {
    /// Wallet.
    pub kp: Keypair,
    /// Settlement-token account.
    pub token: Pubkey,
    /// Share account of the pool it was made for.
    pub shares: Pubkey,
}

impl Investor {
    /// The wallet and token accounts as the instruction builders take them.
    pub fn accounts(&self) -> builders::InvestorAccounts {
        builders::InvestorAccounts {
            investor: self.kp.pubkey(),
            token: self.token,
            shares: self.shares,
        }
    }
}

/// A failed transaction: the custom (or Anchor) error code, when there is one, and the logs.
#[derive(Debug)]
pub struct TxError {
    /// `InstructionError::Custom` code, if the failure carried one.
    pub code: Option<u32>,
    /// The full error as text.
    pub raw: String,
    /// Program logs.
    pub logs: Vec<String>,
}

impl TxError {
    /// Asserts the failure carried exactly `expected`.
    #[track_caller]
    pub fn assert_code(&self, expected: u32) {
        assert_eq!(
            self.code,
            Some(expected),
            "expected error code {expected}, got {}\nlogs:\n{}",
            self.raw,
            self.logs.join("\n")
        );
    }
}

/// A test world: an in-process bank with the program (native) and SPL Token (BPF), the two
/// mints, an initialised protocol and stake pool.
pub struct Fixture {
    /// The bank.
    pub ctx: ProgramTestContext,
    /// Protocol authority.
    pub authority: Keypair,
    /// Mint authority of both test mints.
    pub mint_authority: Keypair,
    /// Settlement (USDC-like) mint.
    pub settlement_mint: Pubkey,
    /// Protocol-token mint.
    pub stake_mint: Pubkey,
    /// Treasury settlement-token account.
    pub treasury: Pubkey,
    /// Arbiter.
    pub arbiter: Keypair,
    /// Pools whose ledgers are checked after every transaction.
    pub pools: Vec<PoolKeys>,
    /// Stakers whose positions are checked after every transaction.
    pub stakers: Vec<Pubkey>,
    /// Tokens deliberately donated straight into a vault (the only allowed surplus).
    pub donations: HashMap<Pubkey, u64>,
    /// Leases (open or closed) whose escrow, pending and GPUs are checked against their pool
    /// and node after every transaction.
    pub leases: Vec<Pubkey>,
    /// Nodes whose allocation is checked against their tracked leases.
    pub nodes: Vec<Pubkey>,
    nonce: u64,
}

/// `v` basis points (test literals are within 100 %).
pub fn bps(v: u16) -> Bps {
    Bps::new(v).expect("basis points within 100%")
}

/// Parameters the fixture initialises the protocol with.
pub fn default_params() -> ProtocolParams {
    ProtocolParams {
        protocol_fee_bps: bps(500),
        staker_share_bps: bps(5_000),
        min_provider_stake: 1_000 * UNIT,
        unbonding_secs: 7 * 86_400,
        dispute_window_secs: 3_600,
        max_slash_bps: bps(1_000),
        revenue_vesting_secs: 86_400,
        grace_secs: 3_600,
        params_notice_secs: 86_400,
    }
}

impl Fixture {
    /// A bank with the mints and treasury but no protocol yet. The program runs natively,
    /// or as the SBF build in `$SBF_OUT_DIR/tessera.so` when `TESSERA_SBF=1` (compute units
    /// are only metered then; see `scripts/cu-report`).
    pub async fn bare() -> Self {
        let ctx = tessera_localnet::bank::program_test()
            .start_with_context()
            .await;
        let mut f = Self {
            ctx,
            authority: Keypair::new(),
            mint_authority: Keypair::new(),
            settlement_mint: Pubkey::default(),
            stake_mint: Pubkey::default(),
            treasury: Pubkey::default(),
            arbiter: Keypair::new(),
            pools: Vec::new(),
            stakers: Vec::new(),
            donations: HashMap::new(),
            leases: Vec::new(),
            nodes: Vec::new(),
            nonce: 0,
        };
        f.fund(&f.authority.pubkey(), 100_000_000_000).await;
        f.settlement_mint = f.create_mint(DECIMALS).await;
        f.stake_mint = f.create_mint(9).await;
        let authority = f.authority.pubkey();
        f.treasury = f.token_account(f.settlement_mint, authority).await;
        f
    }

    /// A bank with the protocol initialised with [`default_params`].
    pub async fn new() -> Self {
        let mut f = Self::bare().await;
        let ix = f.initialize_ix(default_params());
        let authority = f.authority.insecure_clone();
        f.send(&[ix], &[&authority])
            .await
            .expect("initialize_protocol");
        f
    }

    /// The `initialize_protocol` instruction for this world's mints.
    pub fn initialize_ix(&self, params: ProtocolParams) -> Instruction {
        builders::initialize_protocol(
            self.authority.pubkey(),
            self.settlement_mint,
            self.stake_mint,
            self.treasury,
            params,
            self.arbiter.pubkey(),
        )
    }

    /// Runs `ixs` in one transaction paid by the bank's payer and signed by `signers`, then
    /// asserts every invariant. Returns the program logs.
    pub async fn send(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<Vec<String>, TxError> {
        let absent = self.absent_accounts(ixs).await;
        let result = self.send_unchecked(ixs, signers).await;
        self.after(ixs, absent, &result).await;
        result
    }

    /// On the SBF build, the accounts Tessera instructions of `ixs` write that do not exist
    /// yet: those a transaction creates are charged their bump search (see `compute`).
    async fn absent_accounts(&mut self, ixs: &[Instruction]) -> Vec<Pubkey> {
        let mut absent = Vec::new();
        if !sbf() {
            return absent;
        }
        let written = ixs
            .iter()
            .filter(|ix| ix.program_id == tessera::ID)
            .flat_map(|ix| ix.accounts.iter().filter(|a| a.is_writable));
        for meta in written {
            if !absent.contains(&meta.pubkey) && self.raw(meta.pubkey).await.is_none() {
                absent.push(meta.pubkey);
            }
        }
        absent
    }

    /// What every checked transaction is held to: the ledger invariants, and on the SBF build
    /// each instruction's compute budget (`absent`: the accounts that did not exist before).
    async fn after(
        &mut self,
        ixs: &[Instruction],
        absent: Vec<Pubkey>,
        result: &Result<Vec<String>, TxError>,
    ) {
        crate::invariants::assert_all(self).await;
        if let (true, Ok(logs)) = (sbf(), result) {
            let mut created = Vec::new();
            for key in absent {
                // Token accounts and mints it created have their bumps stored in its own.
                if let Some(account) = self.raw(key).await.filter(|a| a.owner == tessera::ID) {
                    created.push((key, account.data));
                }
            }
            if let Err(over) = crate::compute::check_budgets(ixs, logs, &created) {
                panic!("over the compute budget on the SBF build: {over}");
            }
        }
    }

    /// Like [`Self::send`], and returns the program's events: the transaction is simulated
    /// first on the same bank state (the bank keeps no inner instructions of processed
    /// transactions), then processed.
    pub async fn send_with_events(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<Vec<TesseraEvent>, TxError> {
        let absent = self.absent_accounts(ixs).await;
        let tx = self.transaction(ixs, signers).await;
        let simulated = self
            .ctx
            .banks_client
            .simulate_transaction(tx.clone())
            .await
            .expect("simulate");
        let inner = simulated
            .simulation_details
            .and_then(|d| d.inner_instructions)
            .unwrap_or_default();
        let events = decode_all(
            inner
                .iter()
                .flatten()
                .map(|i| i.instruction.data.as_slice()),
        );
        let result = self.process(tx).await;
        self.after(ixs, absent, &result).await;
        result.map(|_| events)
    }

    /// Runs a transaction without the invariant check (setup of SPL-only state).
    pub async fn send_unchecked(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<Vec<String>, TxError> {
        let tx = self.transaction(ixs, signers).await;
        self.process(tx).await
    }

    /// `ixs` plus a unique memo, paid by the bank's payer and signed by `signers`.
    async fn transaction(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> Transaction {
        self.nonce += 1;
        let mut ixs = ixs.to_vec();
        ixs.push(Instruction {
            program_id: MEMO_PROGRAM,
            accounts: vec![],
            data: format!("tx-{}", self.nonce).into_bytes(),
        });
        let payer = self.ctx.payer.insecure_clone();
        let mut all: Vec<&Keypair> = vec![&payer];
        all.extend(
            signers
                .iter()
                .copied()
                .filter(|k| k.pubkey() != payer.pubkey()),
        );
        // The bank keeps moving slots; a long run would outlive the start-up blockhash.
        let blockhash = self
            .ctx
            .banks_client
            .get_latest_blockhash()
            .await
            .unwrap_or(self.ctx.last_blockhash);
        Transaction::new_signed_with_payer(&ixs, Some(&payer.pubkey()), &all, blockhash)
    }

    /// Processes `tx`; returns its logs or its error.
    async fn process(&mut self, tx: Transaction) -> Result<Vec<String>, TxError> {
        let out = self
            .ctx
            .banks_client
            .process_transaction_with_metadata(tx)
            .await;
        match out {
            Ok(meta) => {
                let logs = meta.metadata.map(|m| m.log_messages).unwrap_or_default();
                match meta.result {
                    Ok(()) => Ok(logs),
                    Err(e) => Err(tx_error(e, logs)),
                }
            }
            Err(BanksClientError::TransactionError(e)) => Err(tx_error(e, vec![])),
            Err(e) => Err(TxError {
                code: None,
                raw: e.to_string(),
                logs: vec![],
            }),
        }
    }

    /// Transfers `lamports` from the payer to `to`.
    pub async fn fund(&mut self, to: &Pubkey, lamports: u64) {
        let payer = self.ctx.payer.pubkey();
        let ix = anchor_lang::solana_program::system_instruction::transfer(&payer, to, lamports);
        self.send_unchecked(&[ix], &[]).await.expect("fund");
    }

    /// A new wallet with 10 SOL.
    pub async fn user(&mut self) -> Keypair {
        let kp = Keypair::new();
        self.fund(&kp.pubkey(), 10_000_000_000).await;
        kp
    }

    /// A new classic SPL mint controlled by `mint_authority`.
    pub async fn create_mint(&mut self, decimals: u8) -> Pubkey {
        let mint = Keypair::new();
        let payer = self.ctx.payer.pubkey();
        let ixs = builders::create_mint(
            &payer,
            &mint.pubkey(),
            &self.mint_authority.pubkey(),
            decimals,
        );
        self.send_unchecked(&ixs, &[&mint])
            .await
            .expect("create mint");
        mint.pubkey()
    }

    /// A new token account of `mint` owned by `owner`.
    pub async fn token_account(&mut self, mint: Pubkey, owner: Pubkey) -> Pubkey {
        let account = Keypair::new();
        let payer = self.ctx.payer.pubkey();
        let rent = self.rent(spl_token::state::Account::LEN).await;
        let ixs = [
            anchor_lang::solana_program::system_instruction::create_account(
                &payer,
                &account.pubkey(),
                rent,
                spl_token::state::Account::LEN as u64,
                &spl_token::ID,
            ),
            spl_token::instruction::initialize_account3(
                &spl_token::ID,
                &account.pubkey(),
                &mint,
                &owner,
            )
            .expect("initialize_account3"),
        ];
        self.send_unchecked(&ixs, &[&account])
            .await
            .expect("create token account");
        account.pubkey()
    }

    /// Mints `amount` of `mint` (one of the fixture's) into `to`.
    pub async fn mint_to(&mut self, mint: Pubkey, to: Pubkey, amount: u64) {
        let ix = spl_token::instruction::mint_to(
            &spl_token::ID,
            &mint,
            &to,
            &self.mint_authority.pubkey(),
            &[],
            amount,
        )
        .expect("mint_to");
        let auth = self.mint_authority.insecure_clone();
        self.send_unchecked(&[ix], &[&auth]).await.expect("mint_to");
    }

    /// A settlement-token account for `owner` holding `amount`.
    pub async fn funded_settlement_account(&mut self, owner: Pubkey, amount: u64) -> Pubkey {
        let account = self.token_account(self.settlement_mint, owner).await;
        if amount > 0 {
            self.mint_to(self.settlement_mint, account, amount).await;
        }
        account
    }

    /// A new investor holding `amount` settlement tokens, with an empty share account for `p`.
    pub async fn investor(&mut self, p: &PoolKeys, amount: u64) -> Investor {
        let kp = self.user().await;
        let token = self.funded_settlement_account(kp.pubkey(), amount).await;
        let shares = self.token_account(p.share_mint, kp.pubkey()).await;
        Investor { kp, token, shares }
    }

    /// `i` deposits `assets` into `p` with no slippage bound; panics if refused.
    pub async fn deposit(&mut self, p: &PoolKeys, i: &Investor, assets: u64) {
        let ix = builders::deposit(p, &i.accounts(), assets, 0);
        self.send(&[ix], &[&i.kp]).await.expect("deposit");
    }

    /// Rent-exempt minimum for `len` bytes.
    pub async fn rent(&mut self, len: usize) -> u64 {
        let rent = self.ctx.banks_client.get_rent().await.expect("rent");
        rent.minimum_balance(len)
    }

    /// Creates a pool operated by `operator` and registers it for invariant checks.
    pub async fn create_pool(
        &mut self,
        operator: &Keypair,
        pool_id: u64,
        operator_fee_bps: u16,
        credit_limit: u64,
    ) -> PoolKeys {
        let args = tessera::CreatePoolArgs {
            pool_id,
            gpu_model: model("H100-SXM"),
            target_gpu_count: 8,
            operator_fee_bps: bps(operator_fee_bps),
            credit_limit,
        };
        let ix = builders::create_pool(operator.pubkey(), self.settlement_mint, args);
        self.send(&[ix], &[operator]).await.expect("create_pool");
        let keys = PoolKeys::derive(operator.pubkey(), pool_id);
        self.pools.push(keys);
        keys
    }

    /// The raw account at `address`, if it exists.
    pub async fn raw(&mut self, address: Pubkey) -> Option<Account> {
        self.ctx
            .banks_client
            .get_account(address)
            .await
            .expect("get_account")
    }

    /// Decodes the Anchor (or SPL, via Anchor's wrappers) account at `address`.
    pub async fn get<T: AccountDeserialize>(&mut self, address: Pubkey) -> T {
        let account = self
            .raw(address)
            .await
            .unwrap_or_else(|| panic!("account {address} missing"));
        T::try_deserialize(&mut account.data.as_slice())
            .unwrap_or_else(|e| panic!("decode {address}: {e}"))
    }

    /// Token balance of `account`.
    pub async fn balance(&mut self, account: Pubkey) -> u64 {
        self.get::<TokenAccount>(account).await.amount
    }

    /// Supply of `mint`.
    pub async fn supply(&mut self, mint: Pubkey) -> u64 {
        self.get::<Mint>(mint).await.supply
    }

    /// A pool's state.
    pub async fn pool(&mut self, p: &PoolKeys) -> tessera::state::Pool {
        self.get(p.pool).await
    }

    /// The bank's current unix time.
    pub async fn now(&mut self) -> i64 {
        let clock: anchor_lang::prelude::Clock =
            self.ctx.banks_client.get_sysvar().await.expect("clock");
        clock.unix_timestamp
    }

    /// Moves the bank's clock forward by `secs`.
    pub async fn advance(&mut self, secs: i64) {
        let mut clock: anchor_lang::prelude::Clock =
            self.ctx.banks_client.get_sysvar().await.expect("clock");
        clock.unix_timestamp += secs;
        self.ctx.set_sysvar(&clock);
    }

    /// Moves the bank's clock forward to `at` (never backwards).
    pub async fn advance_to(&mut self, at: i64) {
        let now = self.now().await;
        self.advance((at - now).max(0)).await;
    }

    /// Proposes `params` (treasury and arbiter unchanged), waits out the notice in force and
    /// applies them: the whole governed path of a parameter change.
    pub async fn change_params(&mut self, params: ProtocolParams) -> Result<(), TxError> {
        let arbiter = self.arbiter.pubkey();
        self.propose_and_apply(params, arbiter).await
    }

    /// [`Self::change_params`] with a new arbiter; panics if refused.
    pub async fn change_params_to(&mut self, params: ProtocolParams, arbiter: Pubkey) {
        self.propose_and_apply(params, arbiter)
            .await
            .expect("parameter change");
    }

    /// The authority proposes `params` with the fixture's treasury and arbiter.
    pub async fn propose(&mut self, params: ProtocolParams) -> Result<Vec<String>, TxError> {
        let ix = self.propose_ix(params, self.arbiter.pubkey());
        let auth = self.authority.insecure_clone();
        self.send(&[ix], &[&auth]).await
    }

    /// The authority's `propose_params` of `params` and `arbiter` with the fixture's treasury.
    pub fn propose_ix(&self, params: ProtocolParams, arbiter: Pubkey) -> Instruction {
        builders::propose_params(self.authority.pubkey(), self.treasury, params, arbiter)
    }

    async fn propose_and_apply(
        &mut self,
        params: ProtocolParams,
        arbiter: Pubkey,
    ) -> Result<(), TxError> {
        let protocol: tessera::state::Protocol =
            self.get(tessera::seeds::find_protocol_address().0).await;
        let auth = self.authority.insecure_clone();
        let ix = self.propose_ix(params, arbiter);
        self.send(&[ix], &[&auth]).await?;
        self.advance(i64::from(protocol.params.params_notice_secs))
            .await;
        self.send(&[builders::apply_params()], &[]).await?;
        Ok(())
    }

    /// Sends tokens from `from` (owned by `owner`) straight into `to` through SPL Token,
    /// recording a donation when `to` is a vault the invariants watch.
    pub async fn donate(&mut self, owner: &Keypair, from: Pubkey, to: Pubkey, amount: u64) {
        let ix = spl_token::instruction::transfer(
            &spl_token::ID,
            &from,
            &to,
            &owner.pubkey(),
            &[],
            amount,
        )
        .expect("transfer");
        *self.donations.entry(to).or_default() += amount;
        self.send(&[ix], &[owner]).await.expect("donation");
    }
}

/// A GPU model name as the fixed-width field pools and nodes store.
pub fn model(name: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    let bytes = name.as_bytes();
    out[..bytes.len().min(32)].copy_from_slice(&bytes[..bytes.len().min(32)]);
    out
}

fn tx_error(e: TransactionError, logs: Vec<String>) -> TxError {
    let code = match &e {
        TransactionError::InstructionError(_, InstructionError::Custom(c)) => Some(*c),
        _ => None,
    };
    TxError {
        code,
        raw: format!("{e:?}"),
        logs,
    }
}
