/**
 * What a mint is called, so every amount can name its token (the Rust SDK's `tokens`): USDC,
 * USDT and PYUSD on mainnet-beta, USDC on devnet, and the local network's demo mints; then the
 * mint's Metaplex token metadata when it has some; else the mint's address, shortened.
 */
import { type Address, fetchEncodedAccount, getAddressEncoder, getProgramDerivedAddress, type GetAccountInfoApi, type Rpc } from '@solana/kit';

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

/** Metaplex's Token Metadata program, owner of the accounts that name mints. */
export const METADATA_PROGRAM = 'metaqbxxUerdq28cj1RbAWkYQm3ybzjb6a8bt518x1s' as Address;

/** What to write after an amount of `mint` without asking the chain: its symbol, else `tokens of Abcd…wxyz`. */
export function tokenUnit(mint: string): string {
  return KNOWN_MINTS[mint] ?? `tokens of ${mint.slice(0, 4)}…${mint.slice(-4)}`;
}

/** The Metaplex metadata account of `mint`: `["metadata", program, mint]`. */
export async function metadataAddress(mint: Address): Promise<Address> {
  const key = getAddressEncoder();
  const [address] = await getProgramDerivedAddress({
    programAddress: METADATA_PROGRAM,
    seeds: [new TextEncoder().encode('metadata'), key.encode(METADATA_PROGRAM), key.encode(mint)],
  });
  return address;
}

/** The symbol in a Metaplex `MetadataV1` account of `mint`, if it is one and names one. */
export function symbolInMetadata(mint: Address, data: Uint8Array): string | null {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const string = (at: number): [string, number] | null => {
    if (at + 4 > data.length) return null;
    const len = view.getUint32(at, true);
    if (at + 4 + len > data.length) return null;
    const text = new TextDecoder('utf-8', { fatal: false }).decode(data.subarray(at + 4, at + 4 + len));
    return [text.replace(/\0+$/, '').trim(), at + 4 + len];
  };
  const mintBytes = getAddressEncoder().encode(mint);
  if (data[0] !== 4 || data.length < 65 || !mintBytes.every((b, i) => data[33 + i] === b)) return null;
  const name = string(65);
  const symbol = name && string(name[1]);
  if (!symbol) return null;
  const [text] = symbol;
  // eslint-disable-next-line no-control-regex
  return text.length > 0 && text.length <= 10 && !/[\u0000-\u001f]/.test(text) ? text : null;
}

/** What amounts of `mint` are called on the chain `rpc` reads: a known symbol, its Metaplex metadata's symbol, else its address. */
export async function fetchTokenUnit(rpc: Rpc<GetAccountInfoApi>, mint: Address): Promise<string> {
  const known = KNOWN_MINTS[mint];
  if (known) return known;
  const account = await fetchEncodedAccount(rpc, await metadataAddress(mint));
  const symbol = account.exists && account.programAddress === METADATA_PROGRAM ? symbolInMetadata(mint, account.data) : null;
  return symbol ?? tokenUnit(mint);
}
