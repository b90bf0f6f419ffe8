//! What a mint is called, so every amount can name its token: a table of well-known mints
//! (USDC, USDT and PYUSD on mainnet-beta, USDC on devnet) and the local network's demo mints,
//! then the mint's Metaplex token metadata when it has some, else the mint's address, shortened.

use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;

use crate::chain::Chain;
use crate::error::ClientError;

/// Metaplex's Token Metadata program, owner of the accounts that name mints.
pub const METADATA_PROGRAM: Pubkey =
    solana_sdk::pubkey!("metaqbxxUerdq28cj1RbAWkYQm3ybzjb6a8bt518x1s");

/// Secret seed of the local network's settlement mint: the same address on every run, so
/// every client names it without asking.
pub const LOCAL_SETTLEMENT_SEED: [u8; 32] = *b"tessera-localnet-settlement-mint";
/// Secret seed of the local network's protocol (stake) token mint.
pub const LOCAL_STAKE_SEED: [u8; 32] = *b"tessera-localnet-stake-token-tsr";

/// Well-known mints and their symbols. PYUSD is a Token-2022 mint: named here, but the program
/// accepts classic SPL Token mints only.
pub const KNOWN: &[(&str, &str)] = &[
    ("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", "USDC"),
    ("Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB", "USDT"),
    ("2b1kV6DkPAnxd5ixfnxCpjxmKwqjjaYmCZfHsFu24GXo", "PYUSD"),
    (
        "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU",
        "USDC (devnet)",
    ),
    (LOCAL_SETTLEMENT_MINT, "tUSD (local)"),
    (LOCAL_STAKE_MINT, "TSR (local)"),
];

/// Address of the local network's settlement mint (from [`LOCAL_SETTLEMENT_SEED`]).
pub const LOCAL_SETTLEMENT_MINT: &str = "CjviTuCsoyQ9V7EdK5z9v1oZdqPWsoqrRSXyBtJrVzWJ";
/// Address of the local network's stake mint (from [`LOCAL_STAKE_SEED`]).
pub const LOCAL_STAKE_MINT: &str = "73roj8j8UfzP55p3pXrnPmdEYQwt3x2nukzPSfqgwSHP";

/// The local network's mint keypairs: (settlement, stake).
pub fn local_mint_keypairs() -> (Keypair, Keypair) {
    (
        Keypair::new_from_array(LOCAL_SETTLEMENT_SEED),
        Keypair::new_from_array(LOCAL_STAKE_SEED),
    )
}

/// The symbol of a well-known mint.
pub fn symbol(mint: &Pubkey) -> Option<&'static str> {
    let text = mint.to_string();
    KNOWN.iter().find(|(m, _)| *m == text).map(|(_, s)| *s)
}

/// What to write after an amount of `mint`: its symbol, else `tokens of Abcd…wxyz`.
pub fn unit(mint: &Pubkey) -> String {
    symbol(mint).map(str::to_owned).unwrap_or_else(|| {
        let text = mint.to_string();
        format!("tokens of {}…{}", &text[..4], &text[text.len() - 4..])
    })
}

/// The Metaplex metadata account of `mint`: `["metadata", program, mint]`.
pub fn metadata_address(mint: &Pubkey) -> Pubkey {
    let seeds: [&[u8]; 3] = [b"metadata", METADATA_PROGRAM.as_ref(), mint.as_ref()];
    Pubkey::find_program_address(&seeds, &METADATA_PROGRAM).0
}

/// The symbol in a Metaplex `MetadataV1` account of `mint` (key 4, update authority, mint,
/// then the name and symbol as Borsh strings, zero-padded), if it is one and names one.
pub fn symbol_in_metadata(mint: &Pubkey, data: &[u8]) -> Option<String> {
    let string = |at: usize| -> Option<(String, usize)> {
        let len = u32::from_le_bytes(data.get(at..at + 4)?.try_into().ok()?) as usize;
        let bytes = data.get(at + 4..at + 4 + len)?;
        let text = std::str::from_utf8(bytes)
            .ok()?
            .trim_end_matches('\0')
            .trim();
        Some((text.to_owned(), at + 4 + len))
    };
    (data.first() == Some(&4) && data.get(33..65) == Some(mint.as_ref())).then_some(())?;
    let (_name, next) = string(65)?;
    let (symbol, _) = string(next)?;
    let printable =
        !symbol.is_empty() && symbol.len() <= 10 && !symbol.chars().any(char::is_control);
    printable.then_some(symbol)
}

/// Amounts of `mint` as they are called on `chain`: a well-known symbol, else the symbol in its
/// Metaplex metadata, else its address.
pub async fn money(chain: &dyn Chain, mint: &Pubkey, decimals: u8) -> Result<Money, ClientError> {
    if symbol(mint).is_some() {
        return Ok(Money::of(mint, decimals));
    }
    let named = chain
        .account(&metadata_address(mint))
        .await?
        .filter(|a| a.owner == METADATA_PROGRAM)
        .and_then(|a| symbol_in_metadata(mint, &a.data));
    Ok(match named {
        Some(unit) => Money { decimals, unit },
        None => Money::of(mint, decimals),
    })
}

/// A `MetadataV1` account's bytes naming `mint` `name` / `symbol` (what Metaplex writes, up to
/// the symbol; for local networks and tests, which have no Metaplex program).
pub fn metadata_bytes(mint: &Pubkey, name: &str, symbol: &str) -> Vec<u8> {
    let padded = |text: &str, width: usize| {
        let mut bytes = text.as_bytes().to_vec();
        bytes.resize(width.max(bytes.len()), 0);
        let mut out = u32::try_from(bytes.len())
            .unwrap_or(u32::MAX)
            .to_le_bytes()
            .to_vec();
        out.extend(bytes);
        out
    };
    let mut data = vec![4];
    data.extend([0; 32]);
    data.extend(mint.as_ref());
    data.extend(padded(name, 32));
    data.extend(padded(symbol, 10));
    data.extend(padded("", 200));
    data
}

/// Whether `text` can be a unit written after an amount: `shares`, `SOL`, a known symbol, a
/// mint's address form, or a metadata symbol (up to 10 characters, no spaces).
pub fn is_unit(text: &str) -> bool {
    matches!(text, "shares" | "SOL")
        || text.starts_with("tokens of ")
        || KNOWN.iter().any(|(_, s)| *s == text)
        || (!text.is_empty() && text.len() <= 10 && !text.contains(char::is_whitespace))
}

/// Amounts of one mint, written with its unit: `12.5 USDC`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Money {
    /// The mint's decimals.
    pub decimals: u8,
    /// What its amounts are called.
    pub unit: String,
}

impl Money {
    /// Amounts of `mint`, which has `decimals`.
    pub fn of(mint: &Pubkey, decimals: u8) -> Self {
        Self {
            decimals,
            unit: unit(mint),
        }
    }

    /// Pool shares, which have the settlement mint's `decimals`.
    pub fn shares(decimals: u8) -> Self {
        Self {
            decimals,
            unit: "shares".into(),
        }
    }

    /// `amount` base units with the unit: `12.5 USDC`.
    pub fn fmt(&self, amount: u64) -> String {
        format!(
            "{} {}",
            crate::units::format_amount(amount, self.decimals),
            self.unit
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use solana_sdk::signer::Signer;

    #[test]
    fn the_local_mints_are_the_ones_their_seeds_give() {
        let (settlement, stake) = local_mint_keypairs();
        assert_eq!(settlement.pubkey().to_string(), LOCAL_SETTLEMENT_MINT);
        assert_eq!(stake.pubkey().to_string(), LOCAL_STAKE_MINT);
    }

    #[test]
    fn known_mints_have_symbols_and_others_their_address() {
        let usdc: Pubkey = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
            .parse()
            .unwrap();
        assert_eq!(unit(&usdc), "USDC");
        let other = Pubkey::new_from_array([7; 32]);
        let text = other.to_string();
        assert_eq!(
            unit(&other),
            format!("tokens of {}…{}", &text[..4], &text[text.len() - 4..])
        );
        assert!(is_unit(&unit(&other)) && is_unit("USDC") && is_unit("shares"));
        assert!(!is_unit("waiting from #3"));
        let data = metadata_bytes(&other, "Euro Coin", "EURC");
        assert_eq!(symbol_in_metadata(&other, &data).as_deref(), Some("EURC"));
        assert_eq!(
            symbol_in_metadata(&usdc, &data),
            None,
            "another mint's metadata"
        );
        assert_eq!(symbol_in_metadata(&other, &data[..70]), None, "cut short");
        assert_eq!(Money::of(&usdc, 6).fmt(12_500_000), "12.5 USDC");
        assert_eq!(Money::shares(6).fmt(3_000_000), "3 shares");
    }
}
