/**
 * What a connected wallet can do: deposit, redeem or queue a redemption, open and top up a
 * lease, dispute a charge, stake and claim. Each builds the instructions with the generated
 * client, has the wallet sign, sends, and waits for confirmation; a refusal comes back in
 * words with the same names as the CLI's.
 */
import {
  type Address,
  createSolanaRpcSubscriptions,
  type Instruction,
  type Signature,
  type TransactionPartialSigner,
} from '@solana/kit';
import {
  associatedTokenAddress,
  createAssociatedTokenIdempotent,
  explainError,
  fetchProvider,
  getClaimStakeRewardsInstructionAsync,
  getDepositInstructionAsync,
  getDisputeInstruction,
  getOpenLeaseInstructionAsync,
  getRedeemInstructionAsync,
  getRequestRedemptionInstructionAsync,
  getStakeInstructionAsync,
  getTopUpLeaseInstructionAsync,
  instructionSender,
  type Lease,
  type Node,
  type Pool,
  pda,
} from '@tessera/client';

import { rpc } from './chain';
import { WS_URL } from './config';

const sender = instructionSender(rpc, createSolanaRpcSubscriptions(WS_URL));

/** A refused or failed action, explained. */
export class ActionError extends Error {
  override name = 'ActionError';
}

/** Signs `instructions` with `signer` as fee payer, sends, and waits until confirmed. */
export async function send(signer: TransactionPartialSigner, instructions: Instruction[]): Promise<Signature> {
  try {
    return await sender(signer, instructions);
  } catch (e) {
    throw new ActionError(explainError(e, instructions.map((i) => i.programAddress)).message);
  }
}

/** A pool and the protocol's settlement mint it is priced in. */
interface PoolRef {
  address: Address;
  data: Pool;
  mint: Address;
}

export async function deposit(signer: TransactionPartialSigner, pool: PoolRef, assets: bigint): Promise<Signature> {
  return send(signer, [
    await createAssociatedTokenIdempotent(signer, signer.address, await pda.shareMintAddress(pool.address)),
    await getDepositInstructionAsync({
      investor: signer, pool: pool.address,
      investorToken: await associatedTokenAddress(signer.address, pool.mint),
      assets, minSharesOut: 0n,
    }),
  ]);
}

export async function redeem(signer: TransactionPartialSigner, pool: PoolRef, shares: bigint, minAssets: bigint): Promise<Signature> {
  return send(signer, [
    await getRedeemInstructionAsync({
      investor: signer, pool: pool.address,
      investorToken: await associatedTokenAddress(signer.address, pool.mint),
      shares, minAssetsOut: minAssets,
    }),
  ]);
}

export async function requestRedemption(signer: TransactionPartialSigner, pool: PoolRef, shares: bigint): Promise<Signature> {
  return send(signer, [
    await getRequestRedemptionInstructionAsync({
      investor: signer, pool: pool.address,
      ticket: await pda.ticketAddress(pool.address, pool.data.nextTicketSeq),
      shares,
    }),
  ]);
}

export async function openLease(
  signer: TransactionPartialSigner,
  node: { address: Address; data: Node },
  settlementMint: Address,
  terms: { gpus: number; secs: number; jobHash: Uint8Array; jobUri: string },
): Promise<{ lease: Address; signature: Signature }> {
  const n = node.data;
  const provider = await fetchProvider(rpc, n.provider);
  const lease = await pda.leaseAddress(node.address, n.leaseCount);
  const signature = await send(signer, [
    await getOpenLeaseInstructionAsync({
      renter: signer, provider: n.provider, position: await pda.stakePositionAddress(provider.data.authority),
      node: node.address, pool: n.pool, lease,
      renterToken: await associatedTokenAddress(signer.address, settlementMint),
      gpuCount: terms.gpus, durationSecs: terms.secs, maxPricePerGpuHour: n.spec.pricePerGpuHour,
      jobHash: terms.jobHash, jobUri: terms.jobUri,
    }),
  ]);
  return { lease, signature };
}

export async function topUp(signer: TransactionPartialSigner, lease: { address: Address; data: Lease }, settlementMint: Address, amount: bigint): Promise<Signature> {
  return send(signer, [
    await getTopUpLeaseInstructionAsync({
      renter: signer, lease: lease.address, pool: lease.data.pool,
      renterToken: await associatedTokenAddress(signer.address, settlementMint), amount,
    }),
  ]);
}

export async function dispute(signer: TransactionPartialSigner, lease: Address): Promise<Signature> {
  return send(signer, [getDisputeInstruction({ renter: signer, lease, eventAuthority: await pda.eventAuthorityAddress() })]);
}

export async function stake(signer: TransactionPartialSigner, stakeMint: Address, amount: bigint): Promise<Signature> {
  return send(signer, [
    await getStakeInstructionAsync({
      owner: signer,
      ownerStakeToken: await associatedTokenAddress(signer.address, stakeMint), amount,
    }),
  ]);
}

export async function claimRewards(signer: TransactionPartialSigner, settlementMint: Address): Promise<Signature> {
  return send(signer, [
    await createAssociatedTokenIdempotent(signer, signer.address, settlementMint),
    await getClaimStakeRewardsInstructionAsync({
      owner: signer,
      ownerToken: await associatedTokenAddress(signer.address, settlementMint),
    }),
  ]);
}
