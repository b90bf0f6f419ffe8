//! SPL Token helpers: associated accounts, mints for local deployments, minting and transfers.

use anchor_spl::token::spl_token;
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;

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
