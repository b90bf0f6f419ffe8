//! Thin wrappers over SPL Token CPIs used by several instructions.

use anchor_lang::prelude::*;
use anchor_spl::token::{self, Burn, MintTo, Token, TokenAccount, Transfer};

/// Moves `amount` from a user's account, signed by the user.
pub fn transfer_from_user<'info>(
    token_program: &Program<'info, Token>,
    from: &Account<'info, TokenAccount>,
    to: &Account<'info, TokenAccount>,
    user: &Signer<'info>,
    amount: u64,
) -> Result<()> {
    let accounts = Transfer {
        from: from.to_account_info(),
        to: to.to_account_info(),
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
