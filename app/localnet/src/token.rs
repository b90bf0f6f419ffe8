//! SPL Token accounts and mints read from their bytes: balances for transaction metadata,
//! `getTokenAccountBalance`, and the `jsonParsed` encoding wallets ask for.

use std::collections::HashMap;

use serde_json::{json, Value};
use solana_account_decoder_client_types::token::UiTokenAmount;
use solana_sdk::account::Account;
use solana_sdk::pubkey::Pubkey;
use solana_transaction_status_client_types::TransactionTokenBalance;

/// Bytes of an SPL Token account and of a mint.
const ACCOUNT_LEN: usize = 165;
const MINT_LEN: usize = 82;

/// Whether `owner` is one of the token programs.
pub fn is_token_program(owner: &Pubkey) -> bool {
    *owner == anchor_spl::token::ID || *owner == anchor_spl::token_2022::ID
}

/// A token account's mint, owner and amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holding {
    /// The mint.
    pub mint: Pubkey,
    /// The wallet that owns the tokens.
    pub owner: Pubkey,
    /// Base units.
    pub amount: u64,
    /// Whether it is frozen (state byte 2).
    pub frozen: bool,
}

/// The token account in `account`, if it is one.
pub fn holding(account: &Account) -> Option<Holding> {
    let d = &account.data;
    // Token-2022 accounts with extensions are longer, with the account type at byte 165.
    let sized = d.len() == ACCOUNT_LEN || (d.len() > ACCOUNT_LEN && d[ACCOUNT_LEN] == 2);
    if !is_token_program(&account.owner) || !sized {
        return None;
    }
    Some(Holding {
        mint: Pubkey::try_from(&d[0..32]).ok()?,
        owner: Pubkey::try_from(&d[32..64]).ok()?,
        amount: u64::from_le_bytes(d[64..72].try_into().ok()?),
        frozen: d[108] == 2,
    })
}

/// A mint's decimals and supply, if `account` is a mint.
pub fn mint(account: &Account) -> Option<(u8, u64)> {
    let d = &account.data;
    let sized = d.len() == MINT_LEN || (d.len() > ACCOUNT_LEN && d[ACCOUNT_LEN] == 1);
    if !is_token_program(&account.owner) || !sized {
        return None;
    }
    Some((d[44], u64::from_le_bytes(d[36..44].try_into().ok()?)))
}

/// `amount` base units with `decimals`, as the RPC spells token amounts.
pub fn ui_amount(amount: u64, decimals: u8) -> UiTokenAmount {
    let text = tessera_client::units::format_amount(amount, decimals);
    UiTokenAmount {
        ui_amount: text.parse().ok(),
        decimals,
        amount: amount.to_string(),
        ui_amount_string: text,
    }
}

/// The mints of every token account among `accounts`.
pub fn mints_of<'a>(accounts: impl Iterator<Item = Option<&'a Account>>) -> Vec<Pubkey> {
    let mut mints: Vec<Pubkey> = accounts
        .filter_map(|a| holding(a?))
        .map(|h| h.mint)
        .collect();
    mints.sort();
    mints.dedup();
    mints
}

/// Decimals of each mint that exists.
pub fn decimals(mints: &[Pubkey], accounts: &[Option<Account>]) -> HashMap<Pubkey, u8> {
    mints
        .iter()
        .zip(accounts)
        .filter_map(|(key, a)| Some((*key, mint(a.as_ref()?)?.0)))
        .collect()
}

/// The token balances among a transaction's accounts, by account index.
pub fn balances(
    accounts: &[Option<Account>],
    decimals: &HashMap<Pubkey, u8>,
) -> Vec<TransactionTokenBalance> {
    accounts
        .iter()
        .enumerate()
        .filter_map(|(i, a)| {
            let account = a.as_ref()?;
            let h = holding(account)?;
            Some(TransactionTokenBalance {
                account_index: u8::try_from(i).ok()?,
                mint: h.mint.to_string(),
                ui_token_amount: ui_amount(h.amount, *decimals.get(&h.mint)?),
                owner: h.owner.to_string(),
                program_id: account.owner.to_string(),
            })
        })
        .collect()
}

/// The `jsonParsed` form of a token account or mint (`decimals` of the account's mint), or
/// `None` for anything else (the RPC then answers in base64, as a node does).
pub fn parsed(account: &Account, decimals: Option<u8>) -> Option<Value> {
    let program = if account.owner == anchor_spl::token::ID {
        "spl-token"
    } else {
        "spl-token-2022"
    };
    let (kind, info) = if let Some(h) = holding(account) {
        let info = json!({
            "isNative": false,
            "mint": h.mint.to_string(),
            "owner": h.owner.to_string(),
            "state": if h.frozen { "frozen" } else { "initialized" },
            "tokenAmount": ui_amount(h.amount, decimals?),
        });
        ("account", info)
    } else {
        let (decimals, supply) = mint(account)?;
        let authority = |at: usize| -> Value {
            match account.data[at..at + 4] {
                [1, 0, 0, 0] => Pubkey::try_from(&account.data[at + 4..at + 36])
                    .map_or(Value::Null, |k| json!(k.to_string())),
                _ => Value::Null,
            }
        };
        let info = json!({
            "decimals": decimals,
            "freezeAuthority": authority(46),
            "isInitialized": account.data[45] == 1,
            "mintAuthority": authority(0),
            "supply": supply.to_string(),
        });
        ("mint", info)
    };
    Some(json!({
        "program": program,
        "parsed": {"info": info, "type": kind},
        "space": account.data.len(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token_account(mint: Pubkey, owner: Pubkey, amount: u64) -> Account {
        let mut data = vec![0; ACCOUNT_LEN];
        data[0..32].copy_from_slice(mint.as_ref());
        data[32..64].copy_from_slice(owner.as_ref());
        data[64..72].copy_from_slice(&amount.to_le_bytes());
        data[108] = 1;
        Account {
            lamports: 1,
            data,
            owner: anchor_spl::token::ID,
            executable: false,
            rent_epoch: 0,
        }
    }

    #[test]
    fn a_token_account_reads_back_and_other_accounts_do_not() {
        let (m, o) = (Pubkey::new_unique(), Pubkey::new_unique());
        let account = token_account(m, o, 1_500_000);
        let h = holding(&account).expect("a token account");
        assert_eq!(
            (h.mint, h.owner, h.amount, h.frozen),
            (m, o, 1_500_000, false)
        );
        let json = parsed(&account, Some(6)).expect("parsed");
        assert_eq!(
            json["parsed"]["info"]["tokenAmount"]["uiAmountString"],
            "1.5"
        );
        assert_eq!(json["parsed"]["type"], "account");
        let mut foreign = account.clone();
        foreign.owner = Pubkey::new_unique();
        assert!(holding(&foreign).is_none() && parsed(&foreign, Some(6)).is_none());
        assert!(mint(&account).is_none(), "an account is not a mint");
    }
}
