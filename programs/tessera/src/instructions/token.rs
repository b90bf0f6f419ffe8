//! Thin wrappers over SPL Token CPIs used by several instructions, and the creation of the
//! program's token accounts and share mints (by hand: Anchor's `init` for them generates
//! Token-2022 extension code, which a program that accepts only classic SPL mints does not
//! need to carry).

use anchor_lang::prelude::*;
use anchor_lang::system_program::{self, Allocate, Assign, CreateAccount};
use anchor_spl::token::{
    self, Burn, InitializeAccount3, InitializeMint2, Mint, MintTo, Token, TokenAccount, Transfer,
};

use crate::error::TesseraError;

/// Who pays for an account and the programs that create it.
pub struct Creation<'a, 'info> {
    /// Pays the rent.
    pub payer: &'a Signer<'info>,
    /// SPL Token (owner of the new account).
    pub token_program: &'a Program<'info, Token>,
    /// System program.
    pub system_program: &'a Program<'info, System>,
}

/// Creates the token account at the program address of `seeds` (bump last): a holding of
/// `mint` owned by `authority`.
pub fn create_token_account<'info>(
    with: &Creation<'_, 'info>,
    account: &AccountInfo<'info>,
    mint: AccountInfo<'info>,
    authority: AccountInfo<'info>,
    seeds: &[&[u8]],
) -> Result<()> {
    allocate_for_token_program(with, account, TokenAccount::LEN, seeds)?;
    let accounts = InitializeAccount3 {
        account: account.clone(),
        mint,
        authority,
    };
    token::initialize_account3(CpiContext::new(with.token_program.key(), accounts))
}

/// Creates the mint at the program address of `seeds` (bump last), with `decimals`, minted by
/// `authority` and without a freeze authority.
pub fn create_mint<'info>(
    with: &Creation<'_, 'info>,
    mint: &AccountInfo<'info>,
    decimals: u8,
    authority: &Pubkey,
    seeds: &[&[u8]],
) -> Result<()> {
    allocate_for_token_program(with, mint, Mint::LEN, seeds)?;
    let accounts = InitializeMint2 { mint: mint.clone() };
    token::initialize_mint2(
        CpiContext::new(with.token_program.key(), accounts),
        decimals,
        authority,
        None,
    )
}

/// Gives the program address `account` `space` bytes, rent-exempt and owned by SPL Token,
/// signed by its `seeds`. An address someone already sent lamports to is topped up, allocated
/// and assigned instead, so such a transfer cannot block the creation (as with Anchor's `init`).
fn allocate_for_token_program<'info>(
    with: &Creation<'_, 'info>,
    account: &AccountInfo<'info>,
    space: usize,
    seeds: &[&[u8]],
) -> Result<()> {
    let signer = [seeds];
    let rent = Rent::get()?.minimum_balance(space);
    let bytes = u64::try_from(space).map_err(|_| error!(TesseraError::MathOverflow))?;
    let system = with.system_program.key();
    let held = account.lamports();
    if held == 0 {
        let accounts = CreateAccount {
            from: with.payer.to_account_info(),
            to: account.clone(),
        };
        let ctx = CpiContext::new_with_signer(system, accounts, &signer);
        return system_program::create_account(ctx, rent, bytes, &token::ID);
    }
    let top_up = rent.saturating_sub(held);
    if top_up > 0 {
        let accounts = system_program::Transfer {
            from: with.payer.to_account_info(),
            to: account.clone(),
        };
        system_program::transfer(CpiContext::new(system, accounts), top_up)?;
    }
    let allocate = Allocate {
        account_to_allocate: account.clone(),
    };
    system_program::allocate(
        CpiContext::new_with_signer(system, allocate, &signer),
        bytes,
    )?;
    let assign = Assign {
        account_to_assign: account.clone(),
    };
    system_program::assign(
        CpiContext::new_with_signer(system, assign, &signer),
        &token::ID,
    )
}

/// Moves `amount` from a user's account, signed by the user.
pub fn transfer_from_user<'info>(
    token_program: &Program<'info, Token>,
    from: &Account<'info, TokenAccount>,
    to: AccountInfo<'info>,
    user: &Signer<'info>,
    amount: u64,
) -> Result<()> {
    let accounts = Transfer {
        from: from.to_account_info(),
        to,
        authority: user.to_account_info(),
    };
    token::transfer(CpiContext::new(token_program.key(), accounts), amount)
}

/// Moves `amount` out of a program-owned vault, signed by the PDA with `seeds`.
pub fn transfer_from_pda<'info>(
    token_program: &Program<'info, Token>,
    from: &Account<'info, TokenAccount>,
    to: &Account<'info, TokenAccount>,
    pda: AccountInfo<'info>,
    seeds: &[&[u8]],
    amount: u64,
) -> Result<()> {
    let accounts = Transfer {
        from: from.to_account_info(),
        to: to.to_account_info(),
        authority: pda,
    };
    let signer = [seeds];
    token::transfer(
        CpiContext::new_with_signer(token_program.key(), accounts, &signer),
        amount,
    )
}

/// Mints `amount` of a PDA-controlled mint to `to`.
pub fn mint_by_pda<'info>(
    token_program: &Program<'info, Token>,
    mint: AccountInfo<'info>,
    to: AccountInfo<'info>,
    pda: AccountInfo<'info>,
    seeds: &[&[u8]],
    amount: u64,
) -> Result<()> {
    let accounts = MintTo {
        mint,
        to,
        authority: pda,
    };
    let signer = [seeds];
    token::mint_to(
        CpiContext::new_with_signer(token_program.key(), accounts, &signer),
        amount,
    )
}

/// Burns `amount` from a user's account, signed by the user.
pub fn burn_from_user<'info>(
    token_program: &Program<'info, Token>,
    mint: AccountInfo<'info>,
    from: AccountInfo<'info>,
    user: &Signer<'info>,
    amount: u64,
) -> Result<()> {
    let accounts = Burn {
        mint,
        from,
        authority: user.to_account_info(),
    };
    token::burn(CpiContext::new(token_program.key(), accounts), amount)
}
