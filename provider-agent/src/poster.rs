//! Posting one receipt: settle the previous charge if its window has passed, then the Ed25519
//! instruction and `submit_receipt`, in one transaction.

use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signature};
use tessera::error::TesseraError;
use tessera::signed::{message_bytes, ReceiptBody, UsageReceipt};
use tessera::state::Lease;
use tessera_client::chain::fetch;
use tessera_client::instructions::{self as ix, NodeKeys, PoolKeys};
use tessera_client::{Chain, ClientError};

/// What happened to a receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Posted {
    /// It landed in this transaction.
    Landed(Signature),
    /// The chain already has it (or a later one): a resubmission after a crash, not a charge.
    AlreadyOnChain,
    /// The lease is gone (closed): nothing to bill.
    LeaseClosed,
    /// Not yet possible: the previous charge is still in its dispute window (possible from
    /// cluster time `until`), or disputed (`until` is `None`: the arbiter decides).
    Wait {
        /// Why.
        why: &'static str,
        /// When it becomes possible, if known.
        until: Option<i64>,
    },
}

/// Posts `body` for `lease`, signed by `agent`.
pub async fn post(
    chain: &dyn Chain,
    agent: &Keypair,
    node: &NodeKeys,
    pool: &PoolKeys,
    lease: &Pubkey,
    body: ReceiptBody,
) -> Result<Posted, ClientError> {
    let l: Lease = match fetch(chain, lease).await {
        Ok(l) => l,
        Err(ClientError::AccountNotFound(_)) => return Ok(Posted::LeaseClosed),
        Err(e) => return Err(e),
    };
    if l.last_seq >= body.seq {
        return Ok(Posted::AlreadyOnChain);
    }
    let mut ixs = Vec::new();
    if l.pending > 0 {
        let now = chain.unix_timestamp().await?;
        if l.status != tessera::state::LeaseStatus::Active {
            return Ok(Posted::Wait {
                why: "the previous charge is disputed",
                until: None,
            });
        }
        if !l.pending_settleable(now) {
            return Ok(Posted::Wait {
                why: "the previous charge is in its dispute window",
                until: Some(l.settleable_at()),
            });
        }
        ixs.push(ix::settle(node, pool, *lease));
    }
    let msg = message_bytes(&UsageReceipt::new(*lease, body))
        .map_err(|e| ClientError::Rpc(e.to_string()))?;
    ixs.push(ix::ed25519(agent, &msg));
    ixs.push(ix::submit_receipt(node, pool, *lease, None, body));
    match chain.send(&ixs, &[]).await {
        Ok(sig) => Ok(Posted::Landed(sig)),
        Err(e)
            if e.code()
                == Some(
                    anchor_lang::error::ERROR_CODE_OFFSET
                        + TesseraError::ReceiptSeqNotIncreasing as u32,
                ) =>
        {
            Ok(Posted::AlreadyOnChain)
        }
        Err(e) => Err(e),
    }
}
