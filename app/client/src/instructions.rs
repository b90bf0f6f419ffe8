//! Instruction builders for every Tessera instruction: Anchor's generated account and argument
//! structs, assembled with the program's own address derivation, plus the Ed25519 precompile
//! instruction that receipts and benchmark attestations ride on.

use anchor_lang::{InstructionData, ToAccountMetas};
use anchor_spl::token::spl_token;
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use tessera::state::ProtocolParams;
use tessera::{accounts as acc, instruction as ix, seeds};

/// Addresses of one pool.
#[derive(Clone, Copy, Debug)]
pub struct PoolKeys {
    /// Pool PDA.
    pub pool: Pubkey,
    /// Vault PDA.
    pub vault: Pubkey,
    /// Share mint PDA.
    pub share_mint: Pubkey,
    /// Operator wallet.
    pub operator: Pubkey,
}

impl PoolKeys {
    /// Derives a pool's addresses from its operator and id.
    pub fn derive(operator: Pubkey, pool_id: u64) -> Self {
        let pool = seeds::find_pool_address(&operator, pool_id).0;
        Self {
            pool,
            vault: seeds::find_vault_address(&pool).0,
            share_mint: seeds::find_share_mint_address(&pool).0,
            operator,
        }
    }
}

fn build(accounts: impl ToAccountMetas, data: impl InstructionData) -> Instruction {
    Instruction {
        program_id: tessera::ID,
        accounts: accounts.to_account_metas(None),
        data: data.data(),
    }
}

fn protocol() -> Pubkey {
    seeds::find_protocol_address().0
}

/// The program's event authority: every instruction passes it for its self-CPI events.
pub fn event_authority() -> Pubkey {
    Pubkey::find_program_address(&[b"__event_authority"], &tessera::ID).0
}

fn stake_pool() -> Pubkey {
    seeds::find_stake_pool_address().0
}

fn pool_vault(p: &PoolKeys) -> acc::PoolVault {
    acc::PoolVault {
        pool: p.pool,
        vault: p.vault,
        share_mint: p.share_mint,
    }
}

/// `initialize_protocol`.
pub fn initialize_protocol(
    authority: Pubkey,
    settlement_mint: Pubkey,
    stake_mint: Pubkey,
    treasury: Pubkey,
    params: ProtocolParams,
    arbiter: Pubkey,
) -> Instruction {
    build(
        acc::InitializeProtocol {
            authority,
            protocol: protocol(),
            settlement_mint,
            stake_mint,
            treasury,
            stake_pool: stake_pool(),
            stake_vault: seeds::find_stake_vault_address().0,
            reward_vault: seeds::find_reward_vault_address().0,
            token_program: spl_token::ID,
            system_program: anchor_lang::solana_program::system_program::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::InitializeProtocol { params, arbiter },
    )
}

/// `propose_params`: the change applies after the notice period, through [`apply_params`].
pub fn propose_params(
    authority: Pubkey,
    treasury: Pubkey,
    params: ProtocolParams,
    arbiter: Pubkey,
) -> Instruction {
    build(
        acc::ProposeParams {
            authority,
            protocol: protocol(),
            treasury,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::ProposeParams { params, arbiter },
    )
}

/// `apply_params` (permissionless once the notice is over).
pub fn apply_params() -> Instruction {
    build(
        acc::ApplyParams {
            protocol: protocol(),
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::ApplyParams {},
    )
}

/// `cancel_params`.
pub fn cancel_params(authority: Pubkey) -> Instruction {
    build(
        acc::CancelParams {
            authority,
            protocol: protocol(),
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::CancelParams {},
    )
}

/// `transfer_authority`.
pub fn transfer_authority(authority: Pubkey, new_authority: Option<Pubkey>) -> Instruction {
    build(
        acc::TransferAuthority {
            authority,
            protocol: protocol(),
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::TransferAuthority { new_authority },
    )
}

/// `accept_authority`.
pub fn accept_authority(new_authority: Pubkey) -> Instruction {
    build(
        acc::AcceptAuthority {
            new_authority,
            protocol: protocol(),
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::AcceptAuthority {},
    )
}

/// `set_paused`.
pub fn set_paused(authority: Pubkey, paused: bool) -> Instruction {
    build(
        acc::SetPaused {
            authority,
            protocol: protocol(),
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::SetPaused { paused },
    )
}

/// `create_pool`.
pub fn create_pool(
    operator: Pubkey,
    settlement_mint: Pubkey,
    args: tessera::CreatePoolArgs,
) -> Instruction {
    let pool = seeds::find_pool_address(&operator, args.pool_id).0;
    build(
        acc::CreatePool {
            operator,
            protocol: protocol(),
            settlement_mint,
            pool,
            share_mint: seeds::find_share_mint_address(&pool).0,
            vault: seeds::find_vault_address(&pool).0,
            token_program: spl_token::ID,
            system_program: anchor_lang::solana_program::system_program::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::CreatePool { args },
    )
}

/// An investor's wallet and its two token accounts for one pool, named so that no builder can
/// take them in another order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvestorAccounts {
    /// The investor's wallet (signs).
    pub investor: Pubkey,
    /// Its settlement-token account (pays deposits, receives redemptions).
    pub token: Pubkey,
    /// Its share-token account for the pool.
    pub shares: Pubkey,
}

/// A renter's wallet and the settlement-token account that pays escrow and receives refunds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RenterAccounts {
    /// The renter's wallet.
    pub renter: Pubkey,
    /// Its settlement-token account.
    pub token: Pubkey,
}

/// `deposit`: `assets` in, at least `min_shares_out` shares back.
pub fn deposit(
    p: &PoolKeys,
    who: &InvestorAccounts,
    assets: u64,
    min_shares_out: u64,
) -> Instruction {
    build(
        acc::Deposit {
            investor: who.investor,
            protocol: protocol(),
            pool_vault: pool_vault(p),
            investor_token: who.token,
            investor_shares: who.shares,
            token_program: spl_token::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::Deposit {
            assets,
            min_shares_out,
        },
    )
}

/// `redeem`: `shares` in, at least `min_assets_out` back.
pub fn redeem(
    p: &PoolKeys,
    who: &InvestorAccounts,
    shares: u64,
    min_assets_out: u64,
) -> Instruction {
    build(
        acc::Redeem {
            investor: who.investor,
            protocol: protocol(),
            pool_vault: pool_vault(p),
            investor_shares: who.shares,
            investor_token: who.token,
            token_program: spl_token::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::Redeem {
            shares,
            min_assets_out,
        },
    )
}

/// `request_redemption` for the ticket at `seq` (the pool's current `next_ticket_seq`).
pub fn request_redemption(
    p: &PoolKeys,
    investor: Pubkey,
    investor_shares: Pubkey,
    seq: u64,
    shares: u64,
) -> Instruction {
    build(
        acc::RequestRedemption {
            investor,
            pool: p.pool,
            share_mint: p.share_mint,
            investor_shares,
            ticket: seeds::find_ticket_address(&p.pool, seq).0,
            token_program: spl_token::ID,
            system_program: anchor_lang::solana_program::system_program::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::RequestRedemption { shares },
    )
}

/// `process_redemptions` over `tickets` (writable remaining accounts, in the order given).
pub fn process_redemptions(p: &PoolKeys, tickets: &[Pubkey]) -> Instruction {
    let mut ix = build(
        acc::ProcessRedemptions {
            pool: p.pool,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::ProcessRedemptions {},
    );
    ix.accounts.extend(
        tickets
            .iter()
            .map(|t| anchor_lang::prelude::AccountMeta::new(*t, false)),
    );
    ix
}

/// `claim_redemption`.
pub fn claim_redemption(
    p: &PoolKeys,
    owner: Pubkey,
    ticket: Pubkey,
    owner_token: Pubkey,
) -> Instruction {
    build(
        acc::ClaimRedemption {
            owner,
            protocol: protocol(),
            pool_vault: pool_vault(p),
            ticket,
            owner_token,
            token_program: spl_token::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::ClaimRedemption {},
    )
}

/// `draw_capital`.
pub fn draw_capital(
    p: &PoolKeys,
    operator: Pubkey,
    operator_token: Pubkey,
    amount: u64,
) -> Instruction {
    build(
        acc::DrawCapital {
            operator,
            protocol: protocol(),
            pool_vault: pool_vault(p),
            operator_token,
            token_program: spl_token::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::DrawCapital { amount },
    )
}

/// `repay_capital`.
pub fn repay_capital(
    p: &PoolKeys,
    operator: Pubkey,
    operator_token: Pubkey,
    principal: u64,
    interest: u64,
) -> Instruction {
    build(
        acc::RepayCapital {
            operator,
            protocol: protocol(),
            pool_vault: pool_vault(p),
            operator_token,
            token_program: spl_token::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::RepayCapital {
            principal,
            interest,
        },
    )
}

/// `write_down`.
pub fn write_down(p: &PoolKeys, authority: Pubkey, amount: u64) -> Instruction {
    build(
        acc::WriteDown {
            authority,
            protocol: protocol(),
            pool: p.pool,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::WriteDown { amount },
    )
}

fn stake_vaults() -> acc::StakeVaults {
    acc::StakeVaults {
        stake_pool: stake_pool(),
        stake_vault: seeds::find_stake_vault_address().0,
        reward_vault: seeds::find_reward_vault_address().0,
    }
}

/// `stake`.
pub fn stake(owner: Pubkey, owner_stake_token: Pubkey, amount: u64) -> Instruction {
    build(
        acc::Stake {
            owner,
            protocol: protocol(),
            vaults: stake_vaults(),
            position: seeds::find_stake_position_address(&owner).0,
            owner_stake_token,
            token_program: spl_token::ID,
            system_program: anchor_lang::solana_program::system_program::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::Stake { amount },
    )
}

/// `begin_unstake`.
pub fn begin_unstake(owner: Pubkey, amount: u64) -> Instruction {
    build(
        acc::BeginUnstake {
            owner,
            protocol: protocol(),
            stake_pool: stake_pool(),
            position: seeds::find_stake_position_address(&owner).0,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::BeginUnstake { amount },
    )
}

/// `withdraw_stake`.
pub fn withdraw_stake(owner: Pubkey, owner_stake_token: Pubkey) -> Instruction {
    build(
        acc::WithdrawStake {
            owner,
            protocol: protocol(),
            vaults: stake_vaults(),
            position: seeds::find_stake_position_address(&owner).0,
            owner_stake_token,
            token_program: spl_token::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::WithdrawStake {},
    )
}

/// `claim_stake_rewards`.
pub fn claim_stake_rewards(owner: Pubkey, owner_token: Pubkey) -> Instruction {
    build(
        acc::ClaimStakeRewards {
            owner,
            protocol: protocol(),
            vaults: stake_vaults(),
            position: seeds::find_stake_position_address(&owner).0,
            owner_token,
            token_program: spl_token::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::ClaimStakeRewards {},
    )
}

/// `fund_stake_rewards`.
pub fn fund_stake_rewards(funder: Pubkey, funder_token: Pubkey, amount: u64) -> Instruction {
    build(
        acc::FundStakeRewards {
            funder,
            protocol: protocol(),
            vaults: stake_vaults(),
            funder_token,
            token_program: spl_token::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::FundStakeRewards { amount },
    )
}

/// Addresses of one node and its provider.
#[derive(Clone, Copy, Debug)]
pub struct NodeKeys {
    /// Provider wallet.
    pub authority: Pubkey,
    /// Provider account.
    pub provider: Pubkey,
    /// Provider's stake position.
    pub position: Pubkey,
    /// Node account.
    pub node: Pubkey,
}

impl NodeKeys {
    /// Derives a node's addresses from its provider wallet and id.
    pub fn derive(authority: Pubkey, node_id: u64) -> Self {
        let provider = seeds::find_provider_address(&authority).0;
        Self {
            authority,
            provider,
            position: seeds::find_stake_position_address(&authority).0,
            node: seeds::find_node_address(&provider, node_id).0,
        }
    }
}

/// `register_provider`.
pub fn register_provider(authority: Pubkey) -> Instruction {
    build(
        acc::RegisterProvider {
            authority,
            protocol: protocol(),
            position: seeds::find_stake_position_address(&authority).0,
            provider: seeds::find_provider_address(&authority).0,
            system_program: anchor_lang::solana_program::system_program::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::RegisterProvider {},
    )
}

/// `register_node` for the provider's next node id `node_id`.
pub fn register_node(
    authority: Pubkey,
    pool: Pubkey,
    node_id: u64,
    spec: tessera::state::NodeSpec,
    agent_key: Pubkey,
) -> Instruction {
    let k = NodeKeys::derive(authority, node_id);
    build(
        acc::RegisterNode {
            authority,
            protocol: protocol(),
            provider: k.provider,
            pool,
            node: k.node,
            system_program: anchor_lang::solana_program::system_program::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::RegisterNode { spec, agent_key },
    )
}

/// `update_node`.
pub fn update_node(n: &NodeKeys, args: tessera::UpdateNodeArgs) -> Instruction {
    build(
        acc::UpdateNode {
            authority: n.authority,
            provider: n.provider,
            node: n.node,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::UpdateNode { args },
    )
}

/// The Ed25519 precompile instruction carrying `signer`'s signature over `message`.
pub fn ed25519(signer: &solana_sdk::signature::Keypair, message: &[u8]) -> Instruction {
    use solana_sdk::signer::Signer;
    let signature: [u8; 64] = signer.sign_message(message).into();
    solana_ed25519_program::new_ed25519_instruction_with_signature(
        message,
        &signature,
        &signer.pubkey().to_bytes(),
    )
}

/// `attest_benchmark` (pair it with [`ed25519`] over the attestation).
pub fn attest_benchmark(
    node: Pubkey,
    tflops_centi: u32,
    mem_bw_gbps: u32,
    measured_at: i64,
) -> Instruction {
    build(
        acc::AttestBenchmark {
            node,
            instructions: solana_instructions_sysvar::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::AttestBenchmark {
            tflops_centi,
            mem_bw_gbps,
            measured_at,
        },
    )
}

/// `open_lease`.
pub fn open_lease(
    n: &NodeKeys,
    p: &PoolKeys,
    renter: &RenterAccounts,
    lease_id: u64,
    args: tessera::OpenLeaseArgs,
) -> Instruction {
    build(
        acc::OpenLease {
            renter: renter.renter,
            protocol: protocol(),
            provider: n.provider,
            position: n.position,
            node: n.node,
            pool_vault: pool_vault(p),
            lease: seeds::find_lease_address(&n.node, lease_id).0,
            renter_token: renter.token,
            token_program: spl_token::ID,
            system_program: anchor_lang::solana_program::system_program::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::OpenLease { args },
    )
}

/// `top_up_lease`.
pub fn top_up_lease(
    p: &PoolKeys,
    lease: Pubkey,
    renter: &RenterAccounts,
    amount: u64,
) -> Instruction {
    build(
        acc::TopUpLease {
            renter: renter.renter,
            protocol: protocol(),
            lease,
            pool_vault: pool_vault(p),
            renter_token: renter.token,
            token_program: spl_token::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::TopUpLease { amount },
    )
}

/// `submit_receipt` (pair it with [`ed25519`] over the receipt, immediately before).
pub fn submit_receipt(
    n: &NodeKeys,
    p: &PoolKeys,
    lease: Pubkey,
    cosigner: Option<Pubkey>,
    body: tessera::signed::ReceiptBody,
) -> Instruction {
    build(
        acc::SubmitReceipt {
            node: n.node,
            lease,
            pool: p.pool,
            instructions: solana_instructions_sysvar::ID,
            cosigner,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::SubmitReceipt { body },
    )
}

/// `settle`.
pub fn settle(n: &NodeKeys, p: &PoolKeys, lease: Pubkey) -> Instruction {
    build(
        acc::Settle {
            protocol: protocol(),
            provider: n.provider,
            node: n.node,
            lease,
            pool: p.pool,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::Settle {},
    )
}

/// `dispute`.
pub fn dispute(lease: Pubkey, renter: Pubkey) -> Instruction {
    build(
        acc::Dispute {
            renter,
            lease,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::Dispute {},
    )
}

/// `resolve_dispute`.
#[allow(clippy::too_many_arguments)]
pub fn resolve_dispute(
    arbiter: Pubkey,
    n: &NodeKeys,
    p: &PoolKeys,
    lease: Pubkey,
    treasury: Pubkey,
    slash_destination: Pubkey,
    args: tessera::ResolveDisputeArgs,
) -> Instruction {
    build(
        acc::ResolveDispute {
            arbiter,
            protocol: protocol(),
            provider: n.provider,
            position: n.position,
            node: n.node,
            lease,
            pool: p.pool,
            vaults: stake_vaults(),
            treasury,
            slash_destination,
            token_program: spl_token::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::ResolveDispute { args },
    )
}

/// `close_lease` by `closer` (the renter, the provider or a reaper); the refund goes to the
/// renter's token account.
pub fn close_lease(
    closer: Pubkey,
    n: &NodeKeys,
    p: &PoolKeys,
    lease: Pubkey,
    renter: &RenterAccounts,
) -> Instruction {
    build(
        acc::CloseLease {
            closer,
            protocol: protocol(),
            provider: n.provider,
            position: n.position,
            node: n.node,
            pool_vault: pool_vault(p),
            lease,
            renter: renter.renter,
            renter_token: renter.token,
            token_program: spl_token::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::CloseLease {},
    )
}

/// `post_bid`.
pub fn post_bid(
    renter: Pubkey,
    settlement_mint: Pubkey,
    renter_token: Pubkey,
    args: tessera::PostBidArgs,
) -> Instruction {
    let bid = seeds::find_bid_address(&renter, args.bid_id).0;
    build(
        acc::PostBid {
            renter,
            protocol: protocol(),
            settlement_mint,
            bid,
            bid_escrow: seeds::find_bid_escrow_address(&bid).0,
            renter_token,
            token_program: spl_token::ID,
            system_program: anchor_lang::solana_program::system_program::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::PostBid { args },
    )
}

/// `cancel_bid`.
pub fn cancel_bid(renter: Pubkey, bid_id: u64, renter_token: Pubkey) -> Instruction {
    let bid = seeds::find_bid_address(&renter, bid_id).0;
    build(
        acc::CancelBid {
            renter,
            protocol: protocol(),
            bid,
            bid_escrow: seeds::find_bid_escrow_address(&bid).0,
            renter_token,
            token_program: spl_token::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::CancelBid {},
    )
}

/// `accept_bid` filling `renter`'s bid `bid_id` with the node's next lease `lease_id`.
pub fn accept_bid(
    n: &NodeKeys,
    p: &PoolKeys,
    renter: Pubkey,
    bid_id: u64,
    lease_id: u64,
) -> Instruction {
    let bid = seeds::find_bid_address(&renter, bid_id).0;
    build(
        acc::AcceptBid {
            authority: n.authority,
            protocol: protocol(),
            provider: n.provider,
            position: n.position,
            node: n.node,
            pool_vault: pool_vault(p),
            bid,
            bid_escrow: seeds::find_bid_escrow_address(&bid).0,
            renter,
            lease: seeds::find_lease_address(&n.node, lease_id).0,
            token_program: spl_token::ID,
            system_program: anchor_lang::solana_program::system_program::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::AcceptBid {},
    )
}

/// `claim_operator_fees`.
pub fn claim_operator_fees(p: &PoolKeys, operator_token: Pubkey) -> Instruction {
    build(
        acc::ClaimOperatorFees {
            operator: p.operator,
            protocol: protocol(),
            pool_vault: pool_vault(p),
            operator_token,
            token_program: spl_token::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::ClaimOperatorFees {},
    )
}

/// `sweep_protocol_fees`.
pub fn sweep_protocol_fees(p: &PoolKeys, treasury: Pubkey) -> Instruction {
    build(
        acc::SweepProtocolFees {
            protocol: protocol(),
            pool_vault: pool_vault(p),
            vaults: stake_vaults(),
            treasury,
            token_program: spl_token::ID,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::SweepProtocolFees {},
    )
}

/// `set_provider_status`.
pub fn set_provider_status(
    arbiter: Pubkey,
    provider: Pubkey,
    status: tessera::state::ProviderStatus,
) -> Instruction {
    build(
        acc::SetProviderStatus {
            arbiter,
            protocol: protocol(),
            provider,
            event_authority: event_authority(),
            program: tessera::ID,
        },
        ix::SetProviderStatus { status },
    )
}

/// `owner`'s associated token account for `mint` (where wallets, the CLI and the agent keep
/// tokens; refunds go to the renter's).
pub fn associated_token_address(owner: &Pubkey, mint: &Pubkey) -> Pubkey {
    anchor_spl::associated_token::get_associated_token_address(owner, mint)
}

/// Creates `owner`'s associated token account for `mint` if it does not exist, paid by `payer`.
pub fn create_associated_token_account(
    payer: &Pubkey,
    owner: &Pubkey,
    mint: &Pubkey,
) -> Instruction {
    anchor_spl::associated_token::spl_associated_token_account::instruction::create_associated_token_account_idempotent(
        payer,
        owner,
        mint,
        &spl_token::ID,
    )
}

/// Creates and initialises a classic SPL mint at `mint` (which must sign), controlled by
/// `authority`; for localnet and test deployments.
pub fn create_mint(
    payer: &Pubkey,
    mint: &Pubkey,
    authority: &Pubkey,
    decimals: u8,
) -> Vec<Instruction> {
    use solana_sdk::program_pack::Pack;
    let len = spl_token::state::Mint::LEN;
    let lamports = solana_sdk::rent::Rent::default().minimum_balance(len);
    vec![
        anchor_lang::solana_program::system_instruction::create_account(
            payer,
            mint,
            lamports,
            len as u64,
            &spl_token::ID,
        ),
        spl_token::instruction::initialize_mint2(&spl_token::ID, mint, authority, None, decimals)
            .expect("initialize_mint2 takes the classic token program id"),
    ]
}

/// Mints `amount` of `mint` into `owner`'s associated account, creating it if needed.
pub fn mint_to_owner(
    payer: &Pubkey,
    mint: &Pubkey,
    authority: &Pubkey,
    owner: &Pubkey,
    amount: u64,
) -> Vec<Instruction> {
    let account = associated_token_address(owner, mint);
    vec![
        create_associated_token_account(payer, owner, mint),
        spl_token::instruction::mint_to(&spl_token::ID, mint, &account, authority, &[], amount)
            .expect("mint_to takes the classic token program id"),
    ]
}

/// Moves `amount` of `mint` from `from`'s associated account to `to`'s, creating `to`'s if
/// needed (a share transfer between wallets, for example); `from` signs and pays.
pub fn transfer_tokens(from: &Pubkey, mint: &Pubkey, to: &Pubkey, amount: u64) -> Vec<Instruction> {
    let source = associated_token_address(from, mint);
    let destination = associated_token_address(to, mint);
    vec![
        create_associated_token_account(from, to, mint),
        spl_token::instruction::transfer(&spl_token::ID, &source, &destination, from, &[], amount)
            .expect("transfer takes the classic token program id"),
    ]
}
