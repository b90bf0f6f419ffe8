/**
 * What a mint is called, so every amount can name its token (the Rust SDK's `tokens`): USDC,
 * USDT and PYUSD on mainnet-beta, USDC on devnet, and the local network's demo mints, else the
 * mint's address, shortened.
 */

/** Well-known mints and their symbols. PYUSD is a Token-2022 mint: named, but the program accepts classic SPL Token mints only. */
export const KNOWN_MINTS: Readonly<Record<string, string>> = {
  EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v: 'USDC',
  Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB: 'USDT',
  '2b1kV6DkPAnxd5ixfnxCpjxmKwqjjaYmCZfHsFu24GXo': 'PYUSD',
  '4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU': 'USDC (devnet)',
  // `tessera-localnet`'s mints, the same address on every run.
  CjviTuCsoyQ9V7EdK5z9v1oZdqPWsoqrRSXyBtJrVzWJ: 'tUSD (local)',
  '73roj8j8UfzP55p3pXrnPmdEYQwt3x2nukzPSfqgwSHP': 'TSR (local)',
};

/** What to write after an amount of `mint`: its symbol, else `tokens of Abcd…wxyz`. */
export function tokenUnit(mint: string): string {
  return KNOWN_MINTS[mint] ?? `tokens of ${mint.slice(0, 4)}…${mint.slice(-4)}`;
}
