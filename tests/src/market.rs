//! `Market`: a [`Fixture`] with a funded pool, a staked and registered provider, one 8-GPU
//! node with its agent key, and a funded renter; helpers for the lease lifecycle.

use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;
use tessera::signed::{message_bytes, ReceiptBody, UsageReceipt};
use tessera::state::{Lease, NodeSpec};

use crate::builders::{self, NodeKeys};
use crate::fixture::{default_params, model, Investor, UNIT};
use crate::{Fixture, PoolKeys, TxError};

/// Price per GPU-hour of the market's node: 2 settlement tokens.
pub const PRICE: u64 = 2 * UNIT;
/// GPUs in the market's node.
pub const NODE_GPUS: u16 = 8;

/// The node's declared spec.
pub fn h100_spec() -> NodeSpec {
    NodeSpec {
        gpu_model: model("NVIDIA H100 80GB HBM3"),
        gpu_count: NODE_GPUS,
        vram_mib: 81_559,
        price_per_gpu_hour: PRICE,
        min_lease_secs: 60,
        max_lease_secs: 30 * 86_400,
    }
}

/// The world of a marketplace test.
pub struct Market {
    /// The bank and protocol.
    pub f: Fixture,
    /// Provider wallet, also the pool's operator.
    pub operator: Keypair,
    /// Operator's settlement-token account.
    pub op_token: Pubkey,
    /// Operator's stake-mint account.
    pub op_stake_token: Pubkey,
    /// The pool.
    pub p: PoolKeys,
    /// The provider's node.
    pub n: NodeKeys,
    /// The node's agent key.
    pub agent: Keypair,
    /// An investor holding the pool's shares.
    pub investor: Investor,
    /// A renter with 1,000 settlement tokens.
    pub renter: Keypair,
    /// Renter's settlement-token account.
    pub renter_token: Pubkey,
    /// Stake-mint account of the treasury's owner (slashes land here).
    pub slash_destination: Pubkey,
}

impl Market {
    /// Builds the world: 10,000 invested, provider staked at twice the minimum, node online.
    pub async fn new() -> Self {
        let mut f = Fixture::new().await;
        let operator = f.user().await;
        let p = f.create_pool(&operator, 1, 1_000, 1_000_000 * UNIT).await;
        let investor = f.investor(&p, 10_000 * UNIT).await;
        f.deposit(&p, &investor, 10_000 * UNIT).await;

        let min = default_params().min_provider_stake;
        let op_stake_token = f.token_account(f.stake_mint, operator.pubkey()).await;
        f.mint_to(f.stake_mint, op_stake_token, 2 * min).await;
        f.stakers.push(operator.pubkey());
        let ix = builders::stake(operator.pubkey(), op_stake_token, 2 * min);
        f.send(&[ix], &[&operator]).await.expect("stake");
        f.send(
            &[builders::register_provider(operator.pubkey())],
            &[&operator],
        )
        .await
        .expect("register_provider");
        let agent = Keypair::new();
        let ix = builders::register_node(operator.pubkey(), p.pool, 0, h100_spec(), agent.pubkey());
        f.send(&[ix], &[&operator]).await.expect("register_node");
        let n = NodeKeys::derive(operator.pubkey(), 0);
        f.nodes.push(n.node);

        let op_token = f.funded_settlement_account(operator.pubkey(), 0).await;
        let renter = f.user().await;
        let renter_token = f
            .funded_settlement_account(renter.pubkey(), 1_000 * UNIT)
            .await;
        let authority = f.authority.pubkey();
        let slash_destination = f.token_account(f.stake_mint, authority).await;
        Self {
            f,
            operator,
            op_token,
            op_stake_token,
            p,
            n,
            agent,
            investor,
            renter,
            renter_token,
            slash_destination,
        }
    }

    /// The renter's wallet and settlement-token account, as the builders take them.
    pub fn renter_accounts(&self) -> builders::RenterAccounts {
        builders::RenterAccounts {
            renter: self.renter.pubkey(),
            token: self.renter_token,
        }
    }

    /// The `open_lease` instruction for the market's renter.
    pub async fn open_ix(&mut self, gpus: u16, secs: u32) -> (Instruction, Pubkey) {
        let lease_id = self
            .f
            .get::<tessera::state::Node>(self.n.node)
            .await
            .lease_count;
        let args = tessera::OpenLeaseArgs {
            gpu_count: gpus,
            duration_secs: secs,
            max_price_per_gpu_hour: PRICE,
            job_hash: [7; 32],
            job_uri: "oci://registry.invalid/gemm:1".into(),
        };
        let ix = builders::open_lease(&self.n, &self.p, &self.renter_accounts(), lease_id, args);
        (
            ix,
            tessera::seeds::find_lease_address(&self.n.node, lease_id).0,
        )
    }

    /// Opens a lease for the market's renter and tracks it.
    pub async fn open(&mut self, gpus: u16, secs: u32) -> Pubkey {
        let (ix, lease) = self.open_ix(gpus, secs).await;
        self.f.leases.push(lease);
        let renter = self.renter.insecure_clone();
        self.f.send(&[ix], &[&renter]).await.expect("open_lease");
        lease
    }

    /// The agent-signed receipt pair (Ed25519 precompile, then `submit_receipt`).
    pub fn receipt_ixs(
        &self,
        lease: Pubkey,
        body: ReceiptBody,
        cosigner: Option<Pubkey>,
    ) -> Vec<Instruction> {
        let msg = message_bytes(&UsageReceipt::new(lease, body)).expect("receipt bytes");
        vec![
            builders::ed25519(&self.agent, &msg),
            builders::submit_receipt(&self.n, &self.p, lease, cosigner, body),
        ]
    }

    /// A receipt body for a full-allocation period.
    pub fn body(seq: u64, start: i64, end: i64, gpu_seconds: u64) -> ReceiptBody {
        ReceiptBody {
            seq,
            period_start: start,
            period_end: end,
            gpu_seconds,
            avg_utilization_bps: 9_500,
            energy_joules: 700 * 3_600,
            sample_digest: [1; 32],
        }
    }

    /// Posts the next full-allocation receipt for `lease`, covering up to `secs` more seconds
    /// (the clock must already be past it).
    pub async fn post_receipt(&mut self, lease: Pubkey, secs: i64) -> Result<Vec<String>, TxError> {
        let l: Lease = self.f.get(lease).await;
        let end = l.last_period_end + secs;
        let body = Self::body(
            l.last_seq + 1,
            l.last_period_end,
            end,
            secs as u64 * u64::from(l.gpu_count),
        );
        let ixs = self.receipt_ixs(lease, body, None);
        self.f.send(&ixs, &[]).await
    }

    /// Settles `lease`'s pending charge.
    pub async fn settle(&mut self, lease: Pubkey) -> Result<Vec<String>, TxError> {
        let ix = builders::settle(&self.n, &self.p, lease);
        self.f.send(&[ix], &[]).await
    }

    /// Closes `lease` as `closer`.
    pub async fn close(&mut self, closer: &Keypair, lease: Pubkey) -> Result<Vec<String>, TxError> {
        let ix = builders::close_lease(
            closer.pubkey(),
            &self.n,
            &self.p,
            lease,
            &self.renter_accounts(),
        );
        self.f.send(&[ix], &[closer]).await
    }

    /// The operator changes the node's ask to `price` per GPU-hour.
    pub async fn reprice(&mut self, price: u64) {
        let mut spec = h100_spec();
        spec.price_per_gpu_hour = price;
        let args = tessera::UpdateNodeArgs {
            spec: Some(spec),
            status: None,
            agent_key: None,
        };
        let op = self.operator.insecure_clone();
        self.f
            .send(&[builders::update_node(&self.n, args)], &[&op])
            .await
            .expect("reprice");
    }

    /// The renter disputes `lease`'s pending charge.
    pub async fn dispute(&mut self, lease: Pubkey) -> Result<Vec<String>, TxError> {
        let renter = self.renter.insecure_clone();
        let ix = builders::dispute(lease, renter.pubkey());
        self.f.send(&[ix], &[&renter]).await
    }

    /// The arbiter's `resolve_dispute` for `lease` (slashed stake to `slash_destination`).
    pub fn resolve_ix(
        &self,
        lease: Pubkey,
        refund: u64,
        slash: u64,
        terminate: bool,
    ) -> Instruction {
        let args = tessera::ResolveDisputeArgs {
            refund,
            slash,
            terminate,
        };
        builders::resolve_dispute(
            self.f.arbiter.pubkey(),
            &self.n,
            &self.p,
            lease,
            self.f.treasury,
            self.slash_destination,
            args,
        )
    }

    /// The arbiter resolves `lease`'s dispute.
    pub async fn resolve(
        &mut self,
        lease: Pubkey,
        refund: u64,
        slash: u64,
        terminate: bool,
    ) -> Result<Vec<String>, TxError> {
        let ix = self.resolve_ix(lease, refund, slash, terminate);
        let arbiter = self.f.arbiter.insecure_clone();
        self.f.send(&[ix], &[&arbiter]).await
    }

    /// The lease's state.
    pub async fn lease(&mut self, lease: Pubkey) -> Lease {
        self.f.get(lease).await
    }
}
