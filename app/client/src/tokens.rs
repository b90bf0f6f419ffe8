//! What a mint is called, so every amount can name its token: a table of well-known mints
//! (USDC, USDT and PYUSD on mainnet-beta, USDC on devnet) and the local network's demo mints,
//! else the mint's address, shortened.

use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;

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

/// Whether `text` is a unit [`unit`] or the CLI writes after an amount (`shares`, `SOL`).
pub fn is_unit(text: &str) -> bool {
    matches!(text, "shares" | "SOL")
        || text.starts_with("tokens of ")
        || KNOWN.iter().any(|(_, s)| *s == text)
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
        assert_eq!(Money::of(&usdc, 6).fmt(12_500_000), "12.5 USDC");
        assert_eq!(Money::shares(6).fmt(3_000_000), "3 shares");
    }
}
