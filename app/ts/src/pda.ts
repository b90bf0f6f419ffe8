/**
 * Program addresses, mirroring `tessera::seeds` byte for byte (checked against the Rust
 * derivations in test/vectors.test.ts): one prefix per type, parent → child, integers as
 * 8-byte little-endian.
 */
import {
  type Address,
  getAddressEncoder,
  getProgramDerivedAddress,
  getU64Encoder,
  getUtf8Encoder,
  type ReadonlyUint8Array,
} from '@solana/kit';

import { TESSERA_PROGRAM_ADDRESS } from './generated';

/** SPL Token (classic) and the Associated Token Account program. */
export const TOKEN_PROGRAM_ADDRESS = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA' as Address;
export const ASSOCIATED_TOKEN_PROGRAM_ADDRESS = 'ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL' as Address;

const text = (s: string) => getUtf8Encoder().encode(s);
const key = (a: Address) => getAddressEncoder().encode(a);
const id = (n: bigint | number) => getU64Encoder().encode(n);

async function derive(programAddress: Address, ...seeds: ReadonlyUint8Array[]): Promise<Address> {
  const [address] = await getProgramDerivedAddress({ programAddress, seeds });
  return address;
}

const tessera = (...seeds: ReadonlyUint8Array[]) => derive(TESSERA_PROGRAM_ADDRESS, ...seeds);

/** `["protocol"]`. */
export const protocolAddress = () => tessera(text('protocol'));
/** `["pool", operator, pool_id]`. */
export const poolAddress = (operator: Address, poolId: bigint | number) =>
  tessera(text('pool'), key(operator), id(poolId));
/** `["vault", pool]`. */
export const vaultAddress = (pool: Address) => tessera(text('vault'), key(pool));
/** `["shares", pool]`. */
export const shareMintAddress = (pool: Address) => tessera(text('shares'), key(pool));
/** `["ticket", pool, seq]`. */
export const ticketAddress = (pool: Address, seq: bigint | number) =>
  tessera(text('ticket'), key(pool), id(seq));
/** `["stake_pool"]`. */
export const stakePoolAddress = () => tessera(text('stake_pool'));
/** `["stake_vault"]`. */
export const stakeVaultAddress = () => tessera(text('stake_vault'));
/** `["reward_vault"]`. */
export const rewardVaultAddress = () => tessera(text('reward_vault'));
/** `["stake", owner]`. */
export const stakePositionAddress = (owner: Address) => tessera(text('stake'), key(owner));
/** `["provider", authority]`. */
export const providerAddress = (authority: Address) => tessera(text('provider'), key(authority));
/** `["node", provider, node_id]`. */
export const nodeAddress = (provider: Address, nodeId: bigint | number) =>
  tessera(text('node'), key(provider), id(nodeId));
/** `["lease", node, lease_id]`. */
export const leaseAddress = (node: Address, leaseId: bigint | number) =>
  tessera(text('lease'), key(node), id(leaseId));
/** `["bid", renter, bid_id]`. */
export const bidAddress = (renter: Address, bidId: bigint | number) =>
  tessera(text('bid'), key(renter), id(bidId));
/** `["bid_escrow", bid]`. */
export const bidEscrowAddress = (bid: Address) => tessera(text('bid_escrow'), key(bid));
/** Anchor's `["__event_authority"]`, the signer of the program's event self-CPI. */
export const eventAuthorityAddress = () => tessera(text('__event_authority'));

/** `owner`'s associated token account for `mint` (classic SPL Token). */
export const associatedTokenAddress = (owner: Address, mint: Address) =>
  derive(ASSOCIATED_TOKEN_PROGRAM_ADDRESS, key(owner), key(TOKEN_PROGRAM_ADDRESS), key(mint));

/** Byte offsets (discriminator included) of the fields listings filter on with `memcmp`. */
export const OFFSETS = {
  /** `Node.provider`. */
  nodeProvider: 10,
  /** `Lease.node`. */
  leaseNode: 11,
  /** `Lease.renter`. */
  leaseRenter: 43,
  /** `Bid.renter`. */
  bidRenter: 11,
  /** `Pool.operator`. */
  poolOperator: 12,
} as const;
