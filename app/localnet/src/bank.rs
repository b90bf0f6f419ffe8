//! `LocalChain`: the in-process chain: a solana-program-test bank running the Tessera program
//! (natively, or its SBF build when `TESSERA_SBF=1`) with the real SPL Token program, plus what
//! a node keeps beside its bank: every transaction with its status, logs and inner
//! instructions, the signatures touching each address, a slot counter, and a feed of what
//! happened for websocket subscribers.

#![allow(deprecated)] // solana-program-test 3.1 marks its API as unstable (agave-unstable-api).

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use solana_program_test::{processor, BanksClientError, ProgramTest, ProgramTestContext};
use solana_sdk::account::Account;
use solana_sdk::clock::Clock;
use solana_sdk::hash::Hash;
use solana_sdk::instruction::Instruction;
use solana_sdk::message::VersionedMessage;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signature};
use solana_sdk::signer::Signer;
use solana_sdk::transaction::{TransactionError, VersionedTransaction};
use solana_transaction_status_client_types::{
    InnerInstruction, InnerInstructions, TransactionStatusMeta,
};
use tessera_client::chain::{matches, signed_transaction, Chain};
use tessera_client::error::ClientError;
use tokio::runtime::Runtime;
use tokio::sync::{broadcast, oneshot, Mutex};

use crate::blocks::{Blocks, Linked};
use crate::token;
use crate::trial;

/// Anchor's generated entry ties all lifetimes to one; `processor!` wants independent ones.
fn process_instruction(
    program_id: &Pubkey,
    accounts: &[anchor_lang::prelude::AccountInfo],
    data: &[u8],
) -> anchor_lang::solana_program::entrypoint::ProgramResult {
    // SAFETY: the slice and every AccountInfo in it outlive this call; only the lifetimes are
    // unified, nothing escapes.
    let accounts: &[anchor_lang::prelude::AccountInfo] = unsafe { std::mem::transmute(accounts) };
    tessera::entry(program_id, accounts, data)
}

/// Whether the program runs as its SBF build (`TESSERA_SBF=1`, with `SBF_OUT_DIR` pointing at
/// `tessera.so`) instead of natively. Only SBF runs meter compute units.
pub fn sbf() -> bool {
    std::env::var("TESSERA_SBF").is_ok_and(|v| v == "1")
}

/// A program-test bank with Tessera registered (SPL Token, Token-2022 and Memo come with it).
pub fn program_test() -> ProgramTest {
    let mut pt = if sbf() {
        ProgramTest::new("tessera", tessera::ID, None)
    } else {
        ProgramTest::new("tessera", tessera::ID, processor!(process_instruction))
    };
    pt.prefer_bpf(sbf());
    pt
}

/// Fee per signature, lamports (the bank's default).
pub const LAMPORTS_PER_SIGNATURE: u64 = 5_000;

/// A transaction the chain executed (successfully or not), as `getTransaction` reports it.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The first signature.
    pub signature: Signature,
    /// The slot it landed in.
    pub slot: u64,
    /// The cluster's unix time when it landed.
    pub block_time: i64,
    /// The bank's latest blockhash when it ran.
    pub blockhash: Hash,
    /// The transaction as sent.
    pub transaction: VersionedTransaction,
    /// Status, fee, balances, logs and inner instructions.
    pub meta: TransactionStatusMeta,
    /// Every account it loaded (static keys, then lookup-table addresses).
    pub keys: Vec<Pubkey>,
    /// The state after it of every account it loaded (`None`: closed).
    pub after: Vec<Option<Account>>,
}

impl Recorded {
    /// The data of each inner instruction to the Tessera program, in order (its events among
    /// them).
    pub fn program_data(&self) -> impl Iterator<Item = &[u8]> {
        let program = self.keys.iter().position(|k| *k == tessera::ID);
        self.meta
            .inner_instructions
            .iter()
            .flatten()
            .flat_map(|i| &i.instructions)
            .filter(move |i| Some(usize::from(i.instruction.program_id_index)) == program)
            .map(|i| i.instruction.data.as_slice())
    }
}

/// A transaction refused before it landed: nothing was charged or recorded.
#[derive(Debug, Clone)]
pub struct Refusal {
    /// Why.
    pub err: TransactionError,
    /// The preflight simulation's logs (empty when it did not get that far).
    pub logs: Vec<String>,
    /// Compute units the simulation used.
    pub units: u64,
}

/// What became of a submitted transaction.
#[derive(Debug, Clone)]
pub enum Submission {
    /// Executed and recorded (its `meta.status` may still be an error when preflight was
    /// skipped).
    Landed(Arc<Recorded>),
    /// Refused before landing.
    Refused(Refusal),
}

/// What happened on the chain, for subscribers.
#[derive(Debug, Clone)]
pub enum Notice {
    /// A new slot began.
    Slot(u64),
    /// A transaction landed.
    Transaction(Arc<Recorded>),
}

/// What the chain keeps beside the bank.
#[derive(Default)]
struct Ledger {
    /// Every account any transaction loaded: the bank cannot scan its accounts, so listings
    /// look here.
    touched: BTreeSet<Pubkey>,
    transactions: HashMap<Signature, Arc<Recorded>>,
    /// Landed signatures, oldest first (history is capped at [`MAX_HISTORY`]).
    order: std::collections::VecDeque<Signature>,
    /// Signatures touching each address, oldest first.
    by_address: HashMap<Pubkey, std::collections::VecDeque<Signature>>,
    /// Transactions landed since genesis (history forgets, this does not).
    landed: u64,
    /// The slots in which they landed.
    blocks: Blocks,
}

/// Most transactions kept for `getTransaction` and `getSignaturesForAddress` (about 2.5 KiB
/// each); older ones are forgotten, as a node without long-term storage does.
pub const MAX_HISTORY: usize = 200_000;

/// Work for the bank's thread.
type Job = Box<dyn FnOnce(&mut ProgramTestContext, &Runtime) + Send>;

/// The in-process chain behind the [`Chain`] trait and the local network's RPC.
pub struct LocalChain {
    jobs: std::sync::mpsc::Sender<Job>,
    payer: Keypair,
    genesis: Hash,
    ledger: Mutex<Ledger>,
    slot: AtomicU64,
    feed: broadcast::Sender<Notice>,
}

/// The bank lives on a thread and runtime of its own, driven only while it has a job:
/// program-test registers a new blockhash every 6.4 ms while its runtime runs, which would
/// expire every blockhash after about a second. Driven per job, a blockhash stays valid for
/// about 150 jobs (a minute or more at a person's pace).
fn bank_thread(
    inbox: std::sync::mpsc::Receiver<Job>,
    ready: oneshot::Sender<(Keypair, Hash, u64)>,
) {
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return;
    };
    let mut ctx = rt.block_on(program_test().start_with_context());
    let slot = rt.block_on(ctx.banks_client.get_root_slot()).unwrap_or(1);
    let genesis = ctx.genesis_config().hash();
    if ready
        .send((ctx.payer.insecure_clone(), genesis, slot))
        .is_err()
    {
        return;
    }
    while let Ok(job) = inbox.recv() {
        job(&mut ctx, &rt);
    }
}

fn stopped() -> ClientError {
    ClientError::Rpc("the local chain has stopped".into())
}

impl LocalChain {
    /// Starts a fresh bank on its own thread.
    pub async fn start() -> Self {
        let (jobs, inbox) = std::sync::mpsc::channel::<Job>();
        let (ready, started) = oneshot::channel();
        std::thread::Builder::new()
            .name("tessera-bank".into())
            .spawn(move || bank_thread(inbox, ready))
            .expect("cannot start a thread for the bank");
        let (payer, genesis, slot) = started.await.expect("the bank failed to start");
        Self {
            jobs,
            payer,
            genesis,
            ledger: Mutex::new(Ledger::default()),
            slot: AtomicU64::new(slot),
            feed: broadcast::channel(4_096).0,
        }
    }

    /// Runs `job` on the bank's thread and returns what it returns.
    async fn run<R: Send + 'static>(
        &self,
        job: impl FnOnce(&mut ProgramTestContext, &Runtime) -> R + Send + 'static,
    ) -> Result<R, ClientError> {
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |ctx, rt| {
            let _ = reply.send(job(ctx, rt));
        });
        self.jobs.send(job).map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())
    }

    /// Writes `account` at `address` directly, as a genesis account would be (for accounts of
    /// programs this chain does not run, such as a mint's Metaplex metadata).
    pub async fn set_account(
        &self,
        address: Pubkey,
        account: solana_sdk::account::Account,
    ) -> Result<(), ClientError> {
        self.run(move |ctx, _| ctx.set_account(&address, &account.into()))
            .await
    }

    /// The funded payer (the bank's genesis account).
    pub fn payer_keypair(&self) -> &Keypair {
        &self.payer
    }

    /// What happens from now on: slots and landed transactions.
    pub fn subscribe(&self) -> broadcast::Receiver<Notice> {
        self.feed.subscribe()
    }

    /// The bank's latest blockhash.
    pub async fn latest_blockhash(&self) -> Result<Hash, ClientError> {
        self.run(|ctx, rt| rt.block_on(ctx.banks_client.get_latest_blockhash()))
            .await?
            .map_err(banks_error)
    }

    /// A blockhash newer than the last one handed out (for a transaction repeated as is).
    async fn new_blockhash(&self) -> Result<Hash, ClientError> {
        self.run(|ctx, rt| rt.block_on(ctx.get_new_latest_blockhash()))
            .await?
            .map_err(|e| ClientError::Rpc(e.to_string()))
    }

    /// The genesis hash.
    pub fn genesis_hash(&self) -> Hash {
        self.genesis
    }

    /// The current slot (it advances with [`LocalChain::next_slot`]; every transaction is
    /// final in the slot it lands in).
    pub fn slot(&self) -> u64 {
        self.slot.load(Ordering::SeqCst)
    }

    /// Starts the next slot and tells subscribers.
    pub fn next_slot(&self) -> u64 {
        let slot = self.slot.fetch_add(1, Ordering::SeqCst) + 1;
        let _ = self.feed.send(Notice::Slot(slot));
        slot
    }

    /// Whether `blockhash` can still land a transaction, and its fee per signature.
    pub async fn blockhash_fee(&self, blockhash: &Hash) -> Result<Option<u64>, ClientError> {
        let payer = self.payer.pubkey();
        let message =
            solana_sdk::message::Message::new_with_blockhash(&[], Some(&payer), blockhash);
        self.run(|ctx, rt| rt.block_on(ctx.banks_client.get_fee_for_message(message)))
            .await?
            .map_err(banks_error)
    }

    /// Rent-exempt minimum for `size` bytes.
    pub async fn rent_exempt(&self, size: usize) -> Result<u64, ClientError> {
        let rent = self
            .run(|ctx, rt| rt.block_on(ctx.banks_client.get_rent()))
            .await?
            .map_err(banks_error)?;
        Ok(rent.minimum_balance(size))
    }

    /// Accounts at `addresses`, in order.
    pub async fn accounts(
        &self,
        addresses: &[Pubkey],
    ) -> Result<Vec<Option<Account>>, ClientError> {
        let addresses = addresses.to_vec();
        self.run(move |ctx, rt| rt.block_on(read_all(ctx, &addresses)))
            .await?
    }

    /// Every account owned by `owner` that any transaction loaded, with the filters applied.
    pub async fn owned_by(
        &self,
        owner: &Pubkey,
        filters: &[(usize, Vec<u8>)],
        data_size: Option<usize>,
    ) -> Result<Vec<(Pubkey, Account)>, ClientError> {
        let keys: Vec<Pubkey> = self.ledger.lock().await.touched.iter().copied().collect();
        let accounts = self.accounts(&keys).await?;
        Ok(keys
            .into_iter()
            .zip(accounts)
            .filter_map(|(key, account)| Some((key, account?)))
            .filter(|(_, a)| {
                a.owner == *owner
                    && data_size.is_none_or(|n| a.data.len() == n)
                    && matches(&a.data, filters)
            })
            .collect())
    }

    /// A landed transaction by signature.
    pub async fn transaction(&self, signature: &Signature) -> Option<Arc<Recorded>> {
        self.ledger
            .lock()
            .await
            .transactions
            .get(signature)
            .cloned()
    }

    /// The block of `slot` with its transactions, if any landed in it and history still holds
    /// them.
    pub async fn block(&self, slot: u64) -> Option<(Linked, Vec<Arc<Recorded>>)> {
        let ledger = self.ledger.lock().await;
        let linked = ledger.blocks.get(slot, self.genesis)?;
        let txs = linked
            .block
            .signatures
            .iter()
            .filter_map(|s| ledger.transactions.get(s).cloned())
            .collect();
        Some((linked, txs))
    }

    /// Transactions landed since genesis, as `getTransactionCount` reports them.
    pub async fn transaction_count(&self) -> u64 {
        self.ledger.lock().await.landed
    }

    /// Landed transactions touching `address`, newest first.
    pub async fn signatures_for(&self, address: &Pubkey) -> Vec<Arc<Recorded>> {
        let ledger = self.ledger.lock().await;
        ledger
            .by_address
            .get(address)
            .into_iter()
            .flatten()
            .rev()
            .filter_map(|s| ledger.transactions.get(s).cloned())
            .collect()
    }

    /// One page of [`LocalChain::signatures_for`]: at most `limit` transactions, newest first,
    /// older than `before` (from the newest when `None`; none when it is unknown) and newer
    /// than `until`. Only the page is looked up, so paging through a long history is linear.
    pub async fn signatures_page(
        &self,
        address: &Pubkey,
        before: Option<Signature>,
        until: Option<Signature>,
        limit: usize,
    ) -> Vec<Arc<Recorded>> {
        let ledger = self.ledger.lock().await;
        let Some(seen) = ledger.by_address.get(address) else {
            return Vec::new();
        };
        let newest_first = seen.iter().rev();
        let start = match before {
            Some(b) => newest_first
                .clone()
                .position(|s| *s == b)
                .map_or(seen.len(), |i| i + 1),
            None => 0,
        };
        newest_first
            .skip(start)
            .take_while(|s| Some(**s) != until)
            .take(limit)
            .filter_map(|s| ledger.transactions.get(s).cloned())
            .collect()
    }

    /// Simulates `tx` against the current state, changing nothing; when it succeeds, also the
    /// state it would leave `addresses` in ([`crate::trial`]; empty when none are asked for).
    pub async fn simulate(
        &self,
        tx: VersionedTransaction,
        addresses: Vec<Pubkey>,
    ) -> Result<
        (
            Result<(), TransactionError>,
            Simulation,
            Vec<Option<Account>>,
        ),
        ClientError,
    > {
        self.run(move |ctx, rt| {
            let (result, simulation) = rt.block_on(simulate(ctx, tx.clone()))?;
            let after = match (&result, addresses.is_empty()) {
                (Ok(()), false) => rt.block_on(trial::accounts_after(ctx, &tx, &addresses))?,
                (Err(_), false) => vec![None; addresses.len()],
                (_, true) => Vec::new(),
            };
            Ok((result, simulation, after))
        })
        .await?
    }

    /// Executes a signed transaction, after a preflight simulation unless `skip_preflight`
    /// (then a failing transaction lands, pays its fee and is recorded with its error).
    pub async fn submit(
        &self,
        tx: VersionedTransaction,
        skip_preflight: bool,
    ) -> Result<Submission, ClientError> {
        let verified = tx
            .sanitize()
            .map_err(TransactionError::from)
            .and_then(|()| match tx.verify_with_results().iter().all(|ok| *ok) {
                true => Ok(()),
                false => Err(TransactionError::SignatureFailure),
            });
        if let Err(err) = verified {
            return Ok(Submission::Refused(Refusal {
                err,
                logs: vec![],
                units: 0,
            }));
        }
        let sent = tx.clone();
        let executed = self
            .run(move |ctx, rt| rt.block_on(execute(ctx, sent, skip_preflight)))
            .await??;
        let executed = match executed {
            Ok(executed) => executed,
            Err(refusal) => return Ok(Submission::Refused(refusal)),
        };
        let recorded = Arc::new(Recorded {
            signature: tx.signatures.first().copied().unwrap_or_default(),
            slot: self.slot(),
            block_time: executed.block_time,
            blockhash: executed.blockhash,
            meta: executed.meta,
            transaction: tx,
            keys: executed.keys,
            after: executed.after,
        });
        self.record(&recorded).await;
        let _ = self.feed.send(Notice::Transaction(recorded.clone()));
        Ok(Submission::Landed(recorded))
    }

    async fn record(&self, tx: &Arc<Recorded>) {
        let mut ledger = self.ledger.lock().await;
        ledger.touched.extend(tx.keys.iter().copied());
        ledger.transactions.insert(tx.signature, tx.clone());
        ledger.order.push_back(tx.signature);
        ledger.landed += 1;
        ledger
            .blocks
            .landed(tx.slot, tx.signature, tx.blockhash, tx.block_time);
        for key in &tx.keys {
            let seen = ledger.by_address.entry(*key).or_default();
            seen.push_back(tx.signature);
        }
        while ledger.order.len() > MAX_HISTORY {
            let Some(oldest) = ledger.order.pop_front() else {
                break;
            };
            let Some(old) = ledger.transactions.remove(&oldest) else {
                continue;
            };
            ledger.blocks.forget(old.slot, &oldest);
            for key in &old.keys {
                // The globally oldest transaction is the oldest of each address it touched.
                if let Some(seen) = ledger.by_address.get_mut(key) {
                    if seen.front() == Some(&oldest) {
                        seen.pop_front();
                    }
                }
            }
        }
    }

    /// Moves the bank's clock forward by `secs` (lease periods, dispute windows, vesting).
    pub async fn advance_clock(&self, secs: i64) -> Result<(), ClientError> {
        self.move_clock(move |now| now + secs).await
    }

    /// Moves the bank's clock forward to `unix` if it is behind it.
    pub async fn advance_clock_to(&self, unix: i64) -> Result<(), ClientError> {
        self.move_clock(move |now| now.max(unix)).await
    }

    /// Sets the clock's unix time to `to(current)`, in one job.
    async fn move_clock(
        &self,
        to: impl FnOnce(i64) -> i64 + Send + 'static,
    ) -> Result<(), ClientError> {
        self.run(move |ctx, rt| {
            let mut now = rt.block_on(clock(ctx))?;
            now.unix_timestamp = to(now.unix_timestamp);
            ctx.set_sysvar(&now);
            Ok(())
        })
        .await?
    }
}

/// A transaction the bank executed, before it is recorded.
struct Executed {
    keys: Vec<Pubkey>,
    after: Vec<Option<Account>>,
    block_time: i64,
    blockhash: Hash,
    meta: TransactionStatusMeta,
}

/// Preflight (unless skipped), execution, and the metadata a node records: balances before
/// and after, token balances, logs, inner instructions (from the simulation, which ran on the
/// same state) and compute units.
async fn execute(
    ctx: &ProgramTestContext,
    tx: VersionedTransaction,
    skip_preflight: bool,
) -> Result<Result<Executed, Refusal>, ClientError> {
    let keys = loaded_keys(ctx, &tx.message).await?;
    let (result, simulation) = simulate(ctx, tx.clone()).await?;
    if let (Err(err), false) = (&result, skip_preflight) {
        return Ok(Err(Refusal {
            err: err.clone(),
            logs: simulation.logs,
            units: simulation.units,
        }));
    }
    let before = read_all(ctx, &keys).await?;
    let signatures = u64::try_from(tx.signatures.len()).unwrap_or(u64::MAX);
    let out = ctx
        .banks_client
        .process_transaction_with_metadata(tx)
        .await
        .map_err(banks_error)?;
    let Some(metadata) = out.metadata else {
        // Refused before execution (expired blockhash, already processed, no fee payer).
        let err = out
            .result
            .err()
            .unwrap_or(TransactionError::AccountNotFound);
        return Ok(Err(Refusal {
            err,
            logs: vec![],
            units: 0,
        }));
    };
    let after = read_all(ctx, &keys).await?;
    let mints = token::mints_of(before.iter().chain(&after).map(Option::as_ref));
    let decimals = token::decimals(&mints, &read_all(ctx, &mints).await?);
    let meta = TransactionStatusMeta {
        status: out.result,
        fee: LAMPORTS_PER_SIGNATURE.saturating_mul(signatures),
        pre_balances: lamports(&before),
        post_balances: lamports(&after),
        inner_instructions: Some(simulation.inner),
        log_messages: Some(metadata.log_messages),
        pre_token_balances: Some(token::balances(&before, &decimals)),
        post_token_balances: Some(token::balances(&after, &decimals)),
        rewards: None,
        loaded_addresses: Default::default(),
        return_data: metadata.return_data,
        compute_units_consumed: Some(metadata.compute_units_consumed),
        cost_units: None,
    };
    Ok(Ok(Executed {
        keys,
        after,
        block_time: clock(ctx).await?.unix_timestamp,
        blockhash: ctx
            .banks_client
            .get_latest_blockhash()
            .await
            .map_err(banks_error)?,
        meta,
    }))
}

/// What a simulation reports beside its result.
#[derive(Debug, Clone, Default)]
pub struct Simulation {
    /// Program logs.
    pub logs: Vec<String>,
    /// Compute units consumed.
    pub units: u64,
    /// Inner instructions per top-level instruction (only those with any).
    pub inner: Vec<InnerInstructions>,
}

async fn simulate(
    ctx: &ProgramTestContext,
    tx: VersionedTransaction,
) -> Result<(Result<(), TransactionError>, Simulation), ClientError> {
    let out = ctx
        .banks_client
        .simulate_transaction(tx)
        .await
        .map_err(banks_error)?;
    let result = out.result.unwrap_or(Err(TransactionError::SanitizeFailure));
    let Some(details) = out.simulation_details else {
        return Ok((result, Simulation::default()));
    };
    let inner = details
        .inner_instructions
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .filter(|(_, list)| !list.is_empty())
        .map(|(index, list)| InnerInstructions {
            index: u8::try_from(index).unwrap_or(u8::MAX),
            instructions: list
                .into_iter()
                .map(|i| InnerInstruction {
                    instruction: i.instruction,
                    stack_height: Some(u32::from(i.stack_height)),
                })
                .collect(),
        })
        .collect();
    Ok((
        result,
        Simulation {
            logs: details.logs,
            units: details.units_consumed,
            inner,
        },
    ))
}

/// The message's static keys, then the addresses its lookup tables load (writable first).
pub(crate) async fn loaded_keys(
    ctx: &ProgramTestContext,
    message: &VersionedMessage,
) -> Result<Vec<Pubkey>, ClientError> {
    let mut keys = message.static_account_keys().to_vec();
    let Some(lookups) = message.address_table_lookups() else {
        return Ok(keys);
    };
    let tables: Vec<Pubkey> = lookups.iter().map(|l| l.account_key).collect();
    let tables = read_all(ctx, &tables).await?;
    // An address lookup table: a 56-byte header, then 32-byte addresses.
    let address = |table: &Option<Account>, i: &u8| -> Option<Pubkey> {
        let data = &table.as_ref()?.data;
        let at = 56 + usize::from(*i) * 32;
        Pubkey::try_from(data.get(at..at + 32)?).ok()
    };
    for writable in [true, false] {
        for (lookup, table) in lookups.iter().zip(&tables) {
            let indexes = match writable {
                true => &lookup.writable_indexes,
                false => &lookup.readonly_indexes,
            };
            keys.extend(indexes.iter().filter_map(|i| address(table, i)));
        }
    }
    Ok(keys)
}

pub(crate) async fn read_all(
    ctx: &ProgramTestContext,
    addresses: &[Pubkey],
) -> Result<Vec<Option<Account>>, ClientError> {
    let mut out = Vec::with_capacity(addresses.len());
    for address in addresses {
        out.push(
            ctx.banks_client
                .get_account(*address)
                .await
                .map_err(banks_error)?,
        );
    }
    Ok(out)
}

async fn clock(ctx: &ProgramTestContext) -> Result<Clock, ClientError> {
    ctx.banks_client.get_sysvar().await.map_err(banks_error)
}

fn lamports(accounts: &[Option<Account>]) -> Vec<u64> {
    accounts
        .iter()
        .map(|a| a.as_ref().map_or(0, |a| a.lamports))
        .collect()
}

pub(crate) fn banks_error(e: BanksClientError) -> ClientError {
    match e {
        BanksClientError::TransactionError(tx) => {
            ClientError::from_transaction_error(&tx, vec![], &[])
        }
        other => ClientError::Rpc(other.to_string()),
    }
}

#[async_trait]
impl Chain for LocalChain {
    fn payer(&self) -> Pubkey {
        self.payer.pubkey()
    }

    async fn account(&self, address: &Pubkey) -> Result<Option<Account>, ClientError> {
        Ok(self.accounts(&[*address]).await?.pop().flatten())
    }

    async fn send(
        &self,
        instructions: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<Signature, ClientError> {
        let mut blockhash = self.latest_blockhash().await?;
        loop {
            let tx = signed_transaction(instructions, &self.payer, signers, blockhash)?;
            let signature = tx.signatures[0];
            return match self.submit(tx.into(), false).await? {
                Submission::Landed(_) => Ok(signature),
                // The same transaction under the same blockhash already ran (a repeated command
                // inside one slot): wait for the next blockhash, as a cluster client would.
                Submission::Refused(Refusal {
                    err: TransactionError::AlreadyProcessed,
                    ..
                }) => {
                    blockhash = self.new_blockhash().await?;
                    continue;
                }
                Submission::Refused(r) => Err(ClientError::from_transaction_error(
                    &r.err,
                    r.logs,
                    &tessera_client::chain::program_ids(instructions),
                )),
            };
        }
    }

    async fn program_accounts(
        &self,
        filters: &[(usize, Vec<u8>)],
    ) -> Result<Vec<(Pubkey, Account)>, ClientError> {
        self.owned_by(&tessera::ID, filters, None).await
    }

    async fn history(
        &self,
        address: &Pubkey,
    ) -> Result<Vec<tessera_client::chain::Landed>, ClientError> {
        let mut out: Vec<_> = self
            .signatures_for(address)
            .await
            .iter()
            .map(|tx| tessera_client::chain::Landed {
                signature: tx.signature,
                block_time: tx.block_time,
                failed: tx.meta.status.is_err(),
                events: tessera_client::events::decode_all(tx.program_data()),
            })
            .collect();
        out.reverse();
        Ok(out)
    }

    async fn unix_timestamp(&self) -> Result<i64, ClientError> {
        let now = self.run(|ctx, rt| rt.block_on(clock(ctx))).await??;
        Ok(now.unix_timestamp)
    }
}

/// Tests of the recording itself; the RPC's tests cover what clients see.
#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_landed_transfer_is_recorded_with_balances_and_a_refused_one_is_not() {
        let chain = LocalChain::start().await;
        let to = Pubkey::new_unique();
        let ix = solana_system_transfer(&chain.payer(), &to, 1_000_000);
        let sig = chain.send(&[ix], &[]).await.expect("transfer lands");
        let tx = chain.transaction(&sig).await.expect("recorded");
        assert_eq!(tx.keys[1], to);
        assert_eq!(tx.meta.post_balances[1], 1_000_000);
        assert_eq!(tx.meta.pre_balances[1], 0);
        assert_eq!(
            tx.meta.pre_balances[0] - tx.meta.post_balances[0],
            1_000_000 + LAMPORTS_PER_SIGNATURE
        );
        assert_eq!(chain.signatures_for(&to).await.len(), 1);

        let broke = Keypair::new();
        let ix = solana_system_transfer(&broke.pubkey(), &to, 1);
        let hash = chain.latest_blockhash().await.unwrap();
        let tx = signed_transaction(&[ix], &broke, &[], hash).unwrap();
        match chain.submit(tx.into(), false).await.unwrap() {
            Submission::Refused(r) => {
                assert_eq!(r.err, TransactionError::AccountNotFound, "{r:?}")
            }
            Submission::Landed(t) => panic!("landed: {:?}", t.meta.status),
        }
        assert_eq!(chain.signatures_for(&to).await.len(), 1, "nothing recorded");
    }

    #[tokio::test]
    async fn a_tampered_signature_is_refused_before_the_bank_sees_it() {
        let chain = LocalChain::start().await;
        let ix = solana_system_transfer(&chain.payer(), &Pubkey::new_unique(), 1);
        let hash = chain.latest_blockhash().await.unwrap();
        let mut tx = signed_transaction(&[ix], chain.payer_keypair(), &[], hash).unwrap();
        tx.signatures[0] = Signature::from([7; 64]);
        match chain.submit(tx.into(), true).await.unwrap() {
            Submission::Refused(r) => assert_eq!(r.err, TransactionError::SignatureFailure),
            Submission::Landed(_) => panic!("a forged transaction landed"),
        }
    }

    fn solana_system_transfer(from: &Pubkey, to: &Pubkey, lamports: u64) -> Instruction {
        anchor_lang::solana_program::system_instruction::transfer(from, to, lamports)
    }
}
