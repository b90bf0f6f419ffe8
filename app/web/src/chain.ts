/**
 * Reads from the chain: every Tessera account of a kind (one `getProgramAccounts` with the
 * discriminator as a `memcmp` filter), the protocol, the chain's clock, balances, and a
 * pool's or lease's events from its transaction history.
 */
import {
  type Address,
  createSolanaRpc,
  type Decoder,
  getBase58Decoder,
  getBase64Encoder,
  type ReadonlyUint8Array,
  type Signature,
} from '@solana/kit';
import {
  BID_DISCRIMINATOR,
  eventsOf,
  fetchMaybeStakePool,
  fetchProtocol,
  getLeaseDecoder,
  getNodeDecoder,
  getPoolDecoder,
  getProviderDecoder,
  getRedemptionTicketDecoder,
  getStakePositionDecoder,
  LEASE_DISCRIMINATOR,
  type Lease,
  type Node,
  NODE_DISCRIMINATOR,
  type Pool,
  POOL_DISCRIMINATOR,
  type Protocol,
  type Provider,
  PROVIDER_DISCRIMINATOR,
  REDEMPTION_TICKET_DISCRIMINATOR,
  type RedemptionTicket,
  STAKE_POSITION_DISCRIMINATOR,
  type StakePosition,
  TESSERA_PROGRAM_ADDRESS,
  type TesseraEvent,
  pda,
  fetchTokenUnit,
} from '@tessera/client';

import { INDEXER_URL, RPC_URL } from './config';

export const rpc = createSolanaRpc(RPC_URL);

export interface Account<T> {
  address: Address;
  data: T;
}

/** The `memcmp` filter for accounts of one type. */
function byDiscriminator(discriminator: ReadonlyUint8Array) {
  return { memcmp: { offset: 0n, bytes: getBase58Decoder().decode(discriminator) as never, encoding: 'base58' as const } };
}

/** Every program account with `discriminator`, decoded. */
async function all<T>(discriminator: ReadonlyUint8Array, decoder: Decoder<T>): Promise<Account<T>[]> {
  const found = await rpc
    .getProgramAccounts(TESSERA_PROGRAM_ADDRESS, {
      encoding: 'base64',
      filters: [byDiscriminator(discriminator)],
    })
    .send();
  const bytes = getBase64Encoder();
  return found.map((a) => ({ address: a.pubkey, data: decoder.decode(bytes.encode(a.account.data[0])) }));
}

/**
 * What the pages show, read at one moment: everything (`scope: 'all'`), or for the market only
 * its nodes and their providers (`'market'`: two reads instead of seven, so its first rows paint
 * sooner; the other lists are empty).
 */
export interface Snapshot {
  scope: Scope;
  now: bigint;
  protocol: Protocol;
  decimals: number;
  /** What settlement amounts are called (`USDC`, or the mint's address). */
  unit: string;
  /** What protocol-token amounts are called. */
  stakeUnit: string;
  pools: Account<Pool>[];
  nodes: Account<Node>[];
  providers: Account<Provider>[];
  leases: Account<Lease>[];
  tickets: Account<RedemptionTicket>[];
  stakes: Account<StakePosition>[];
  /** The stake pool's reward accumulator (`acc_reward_per_share`). */
  stakeAccumulator: bigint;
  bids: number;
}

/** The chain's clock, unix seconds. */
export async function chainTime(): Promise<bigint> {
  const slot = await rpc.getSlot().send();
  return BigInt(await rpc.getBlockTime(slot).send());
}

/** What the protocol's two mints are called (a known symbol, Metaplex metadata, or the address). */
async function units(protocol: Protocol): Promise<{ unit: string; stakeUnit: string }> {
  const [unit, stakeUnit] = await Promise.all([fetchTokenUnit(rpc, protocol.settlementMint), fetchTokenUnit(rpc, protocol.stakeMint)]);
  return { unit, stakeUnit };
}

/** How much a snapshot reads. */
export type Scope = 'all' | 'market';

export async function snapshot(scope: Scope = 'all'): Promise<Snapshot> {
  if (scope === 'market') return marketSnapshot();
  const protocol = await fetchProtocol(rpc, await pda.protocolAddress());
  const stakePool = await fetchMaybeStakePool(rpc, await pda.stakePoolAddress());
  const [now, pools, nodes, providers, leases, tickets, stakes, bids] = await Promise.all([
    chainTime(),
    all(POOL_DISCRIMINATOR, getPoolDecoder()),
    all(NODE_DISCRIMINATOR, getNodeDecoder()),
    all(PROVIDER_DISCRIMINATOR, getProviderDecoder()),
    all(LEASE_DISCRIMINATOR, getLeaseDecoder()),
    all(REDEMPTION_TICKET_DISCRIMINATOR, getRedemptionTicketDecoder()),
    all(STAKE_POSITION_DISCRIMINATOR, getStakePositionDecoder()),
    rpc.getProgramAccounts(TESSERA_PROGRAM_ADDRESS, {
      encoding: 'base64',
      dataSlice: { offset: 0, length: 0 },
      filters: [byDiscriminator(BID_DISCRIMINATOR)],
    }).send(),
  ]);
  return {
    scope, now, protocol: protocol.data, decimals: protocol.data.settlementDecimals,
    ...(await units(protocol.data)),
    pools, nodes, providers, leases, tickets, stakes, bids: bids.length,
    stakeAccumulator: stakePool.exists ? stakePool.data.accRewardPerShare : 0n,
  };
}

async function marketSnapshot(): Promise<Snapshot> {
  const [protocol, now, nodes, providers] = await Promise.all([
    pda.protocolAddress().then((a) => fetchProtocol(rpc, a)),
    chainTime(),
    all(NODE_DISCRIMINATOR, getNodeDecoder()),
    all(PROVIDER_DISCRIMINATOR, getProviderDecoder()),
  ]);
  return {
    scope: 'market', now, protocol: protocol.data, decimals: protocol.data.settlementDecimals,
    ...(await units(protocol.data)),
    pools: [], nodes, providers, leases: [], tickets: [], stakes: [], bids: 0, stakeAccumulator: 0n,
  };
}

/** An event with the time and signature of its transaction. */
export interface Dated {
  event: TesseraEvent;
  at: bigint;
  signature: Signature;
}

/** Which history: a pool's (deposits, redemptions, settled revenue) or a lease's (receipts). */
export type HistoryOf = 'pool' | 'lease';

/** The events of `address`, oldest first: from the indexer when one is configured, else from
 * the last `limit` transactions touching it. */
export async function history(address: Address, of: HistoryOf, limit = 200): Promise<Dated[]> {
  return INDEXER_URL ? indexed(address, of, limit) : fromTransactions(address, limit);
}

async function fromTransactions(address: Address, limit: number): Promise<Dated[]> {
  const signatures = await rpc.getSignaturesForAddress(address, { limit }).send();
  const out: Dated[] = [];
  for (const s of [...signatures].reverse()) {
    if (s.err) continue;
    const tx = await rpc.getTransaction(s.signature, { encoding: 'json', maxSupportedTransactionVersion: 0 }).send();
    if (!tx) continue;
    for (const event of eventsOf(tx)) out.push({ event, at: BigInt(tx.blockTime ?? 0n), signature: s.signature });
  }
  return out;
}

/** The indexer's JSON (IDL field names, 64-bit amounts as digit strings) as the client's types. */
function camelize(value: unknown): unknown {
  if (typeof value === 'string') return /^\d+$/.test(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(camelize);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()), camelize(v)]));
  }
  return value;
}

interface IndexedPage {
  items: { signature: Signature; block_time: number; name: string; data: unknown }[];
  next_page: number | null;
}

async function indexed(address: Address, of: HistoryOf, limit: number): Promise<Dated[]> {
  const path = of === 'pool' ? `pools/${address}/history` : `leases/${address}/receipts`;
  const out: Dated[] = [];
  for (let page = 0; out.length < limit; page++) {
    const response = await fetch(`${INDEXER_URL}/${path}?limit=100&page=${page}`);
    if (!response.ok) throw new Error(`the indexer answered ${response.status}: ${await response.text()}`);
    const body = (await response.json()) as IndexedPage;
    for (const item of body.items) {
      out.push({ event: { name: item.name, data: camelize(item.data) } as TesseraEvent, at: BigInt(item.block_time), signature: item.signature });
    }
    if (body.next_page === null) break;
  }
  return out;
}

/** A wallet's token balance of `mint`, base units (0 without an account). */
export async function tokenBalance(owner: Address, mint: Address): Promise<bigint> {
  const account = await pda.associatedTokenAddress(owner, mint);
  try {
    return BigInt((await rpc.getTokenAccountBalance(account).send()).value.amount);
  } catch {
    return 0n;
  }
}
