//! The accounts a simulation would leave behind (`simulateTransaction`'s `accounts` option).
//! The bank's simulation through program-test returns none (solana-banks-server drops
//! `post_simulation_accounts`), so the local network runs a copy of the transaction for real
//! and then stores back every account the copy loaded. The copy carries a fresh signature and
//! a blockhash other than the transaction's, so the transaction itself can still be sent
//! afterwards; the bank does not verify signatures when it executes (the local network does
//! that before it submits).

#![allow(deprecated)] // solana-program-test 3.1 marks its API as unstable (agave-unstable-api).

use solana_program_test::{ProgramTestBanksClientExt, ProgramTestContext};
use solana_sdk::account::{Account, AccountSharedData};
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signature;
use solana_sdk::transaction::VersionedTransaction;
use tessera_client::error::ClientError;

use crate::bank::{banks_error, loaded_keys, read_all};

/// The state of each of `addresses` after `tx` (`None`: absent), with the bank as it was
/// before: every account the copy loaded, programs aside (they cannot be written), is stored
/// back as it was.
pub async fn accounts_after(
    ctx: &mut ProgramTestContext,
    tx: &VersionedTransaction,
    addresses: &[Pubkey],
) -> Result<Vec<Option<Account>>, ClientError> {
    let keys = loaded_keys(ctx, &tx.message).await?;
    let before = read_all(ctx, &keys).await?;
    let mut copy = tx.clone();
    if let Some(first) = copy.signatures.first_mut() {
        *first = Signature::new_unique();
    }
    // The status cache knows a transaction by its message too: the copy needs a blockhash of
    // its own, or the transaction would afterwards be refused as already processed.
    // (The context's own `get_new_latest_blockhash` only differs from the last one it handed
    // out, which may be this very blockhash.)
    let other = ctx
        .banks_client
        .get_new_latest_blockhash(tx.message.recent_blockhash())
        .await
        .map_err(|e| ClientError::Rpc(e.to_string()))?;
    copy.message.set_recent_blockhash(other);
    let ran = ctx
        .banks_client
        .process_transaction_with_metadata(copy)
        .await;
    let after = match ran {
        Ok(out) if out.result.is_ok() => read_all(ctx, addresses).await,
        Ok(_) => Ok(vec![None; addresses.len()]),
        Err(e) => Err(banks_error(e)),
    };
    for (key, account) in keys.iter().zip(before) {
        match account {
            Some(a) if a.executable => {}
            Some(a) => ctx.set_account(key, &AccountSharedData::from(a)),
            None => ctx.set_account(key, &AccountSharedData::default()),
        }
    }
    after
}
