/**
 * The scenario, from TypeScript against a running chain: create a pool, deposit, read
 * the share value, list nodes with a memcmp filter, open a lease, submit a signed receipt and
 * see it settle, read the settle's events, and read a refusal in words.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { randomBytes } from 'node:crypto';

import { type Address, getBase58Decoder, getBase64Encoder } from '@solana/kit';

import {
  associatedTokenAddress,
  createAssociatedTokenIdempotent,
  decodeNode,
  eventsOf,
  explainError,
  fetchLease,
  fetchNode,
  fetchPool,
  fetchProtocol,
  fetchProvider,
  formatAmount,
  formatRatio,
  getCreatePoolInstructionAsync,
  getDepositInstructionAsync,
  getOpenLeaseInstructionAsync,
  getSettleInstructionAsync,
  getSubmitReceiptInstructionAsync,
  NODE_DISCRIMINATOR,
  OFFSETS,
  parseAmount,
  pda,
  receiptMessage,
  ed25519Instruction,
  shareValue,
  TESSERA_PROGRAM_ADDRESS,
} from '../src';
import { type Chain, keypairFile, startChain } from './chain';

let chain: Chain;
before(async () => { chain = await startChain(); });
after(async () => { await chain.stop(); });

async function now(): Promise<bigint> {
  const slot = await chain.rpc.getSlot().send();
  return BigInt(await chain.rpc.getBlockTime(slot).send());
}

void test('a pool is created and funded from TypeScript, and its share value reads back', async () => {
  const { wallet, rpc, world } = chain;
  const mint = world.settlementMint as Address;
  const decimals = (await fetchProtocol(rpc, await pda.protocolAddress())).data.settlementDecimals;
  const poolId = BigInt(`0x${randomBytes(6).toString('hex')}`);
  const pool = await pda.poolAddress(wallet.address, poolId);
  const gpuModel = new Uint8Array(32);
  gpuModel.set(new TextEncoder().encode('NVIDIA H100 80GB HBM3'));
  await chain.send([
    await getCreatePoolInstructionAsync({
      operator: wallet, settlementMint: mint, pool, poolId, gpuModel, targetGpuCount: 8,
      operatorFeeBps: [1000], creditLimit: 0n,
    }),
  ]);
  const shareMint = await pda.shareMintAddress(pool);
  const amount = parseAmount('1500.25', decimals);
  await chain.send([
    await createAssociatedTokenIdempotent(wallet, wallet.address, shareMint),
    await getDepositInstructionAsync({
      investor: wallet, pool, vault: await pda.vaultAddress(pool), shareMint,
      investorToken: await associatedTokenAddress(wallet.address, mint),
      investorShares: await associatedTokenAddress(wallet.address, shareMint),
      assets: amount, minSharesOut: 0n,
    }),
  ]);
  const funded = (await fetchPool(rpc, pool)).data;
  assert.equal(funded.cash, amount);
  assert.equal(formatAmount(funded.cash, decimals), '1500.25');
  const shares = await rpc.getTokenAccountBalance(await associatedTokenAddress(wallet.address, shareMint)).send();
  assert.equal(BigInt(shares.value.amount), funded.totalShares);
  const { num, den } = shareValue(funded, await now());
  assert.equal(formatRatio(num, den, 6), '1.000000', 'a new pool prices a share at one token');
});

void test('nodes are listed with a memcmp filter on their provider', async () => {
  const operator = await keypairFile(chain.world.keypairs['operator'] ?? '');
  const provider = await pda.providerAddress(operator.address);
  const b58 = getBase58Decoder();
  const found = await chain.rpc.getProgramAccounts(TESSERA_PROGRAM_ADDRESS, {
    encoding: 'base64',
    filters: [
      { memcmp: { offset: 0n, bytes: b58.decode(NODE_DISCRIMINATOR) as never, encoding: 'base58' } },
      { memcmp: { offset: BigInt(OFFSETS.nodeProvider), bytes: provider as never, encoding: 'base58' } },
    ],
  }).send();
  const nodes = found.map((a) => decodeNode({
    address: a.pubkey, programAddress: a.account.owner, executable: false, lamports: a.account.lamports,
    space: a.account.space, data: getBase64Encoder().encode(a.account.data[0]),
  }));
  assert.deepEqual(nodes.map((n) => n.address).sort(), [...chain.world.nodes].sort());
  assert.ok(nodes.every((n) => n.data.provider === provider));
});

void test('a lease opened from TypeScript is billed by a signed receipt, settles, and emits its events', async () => {
  const { wallet, rpc, world } = chain;
  const nodeAddress = world.nodes[0] as Address;
  const node = (await fetchNode(rpc, nodeAddress)).data;
  const pool = node.pool;
  const lease = await pda.leaseAddress(nodeAddress, node.leaseCount);
  const mint = world.settlementMint as Address;
  await chain.send([
    await getOpenLeaseInstructionAsync({
      renter: wallet, provider: node.provider, position: await pda.stakePositionAddress((await fetchProvider(rpc, node.provider)).data.authority),
      node: nodeAddress, pool, vault: await pda.vaultAddress(pool), shareMint: await pda.shareMintAddress(pool), lease,
      renterToken: await associatedTokenAddress(wallet.address, mint),
      gpuCount: 1, durationSecs: 3_600, maxPricePerGpuHour: node.spec.pricePerGpuHour,
      jobHash: new Uint8Array(randomBytes(32)), jobUri: 'oci://example/train:1',
    }),
  ]);
  const opened = (await fetchLease(rpc, lease)).data;
  assert.equal(opened.renter, wallet.address);

  // The agent signs one full period; the chain must have reached its end.
  await chain.advance(61);
  const agent = await keypairFile(world.keypairs['node-agent'] ?? '');
  const body = {
    seq: 1n, periodStart: opened.startAt, periodEnd: opened.startAt + 60n, gpuSeconds: 60n,
    avgUtilizationBps: 9_500, energyJoules: 0n, sampleDigest: new Uint8Array(32),
  };
  await chain.send([
    await ed25519Instruction(agent, receiptMessage(lease, body)),
    await getSubmitReceiptInstructionAsync({ node: nodeAddress, lease, pool, ...body }),
  ]);
  const billed = (await fetchLease(rpc, lease)).data;
  assert.equal(billed.lastSeq, 1n);
  assert.ok(billed.pending > 0n, 'the receipt is a pending charge');

  // After the dispute window, anyone settles it.
  const window = (await fetchProtocol(rpc, await pda.protocolAddress())).data.params.disputeWindowSecs;
  await chain.advance(window + 1);
  const signature = await chain.send([
    await getSettleInstructionAsync({ provider: node.provider, node: nodeAddress, lease, pool }),
  ]);
  const settled = (await fetchLease(rpc, lease)).data;
  assert.equal(settled.pending, 0n);
  assert.equal(settled.chargedTotal, billed.pending);

  const tx = await rpc.getTransaction(signature, { encoding: 'json', maxSupportedTransactionVersion: 0 }).send();
  assert.ok(tx, 'the settle transaction is readable');
  const events = eventsOf(tx);
  assert.deepEqual(events.map((e) => e.name), ['ChargeSettled']);
  const event = events[0];
  assert.ok(event?.name === 'ChargeSettled');
  assert.equal(event.data.lease, lease);
  assert.equal(event.data.amount, billed.pending);
  assert.equal(event.data.protocolFee + event.data.operatorFee + event.data.investors, billed.pending);
});

void test('a deposit above the wallet balance is refused in words', async () => {
  const { wallet, world } = chain;
  const mint = world.settlementMint as Address;
  const pool = world.pools[0] as Address;
  const shareMint = await pda.shareMintAddress(pool);
  const deposit = await getDepositInstructionAsync({
    investor: wallet, pool, vault: await pda.vaultAddress(pool), shareMint,
    investorToken: await associatedTokenAddress(wallet.address, mint),
    investorShares: await associatedTokenAddress(wallet.address, shareMint),
    assets: parseAmount('1000000', 6), minSharesOut: 0n,
  });
  const ata = await createAssociatedTokenIdempotent(wallet, wallet.address, shareMint);
  await assert.rejects(chain.send([ata, deposit]), (e: unknown) => {
    const explained = explainError(e, [ata.programAddress, deposit.programAddress]);
    assert.equal(explained.name, 'InsufficientFunds', explained.message);
    assert.match(explained.message, /^SPL Token refused \(InsufficientFunds\): /);
    assert.ok(explained.logs.length > 0, 'the simulation logs come with it');
    return true;
  });
});
