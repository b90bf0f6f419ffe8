/**
 * The TypeScript mirror of the program's wire formats against the bytes Rust produces
 * (test/vectors.json, written by `app/client/tests/ts_vectors.rs`), and amounts in words.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { type Address, createKeyPairSignerFromPrivateKeyBytes } from '@solana/kit';

import {
  AmountError,
  associatedTokenAddress,
  decodeEvent,
  ed25519Instruction,
  formatAmount,
  getDepositInstructionAsync,
  getStakeInstructionAsync,
  OFFSETS,
  parseAmount,
  parseDuration,
  pda,
  receiptMessage,
  metadataAddress,
  symbolInMetadata,
  TESSERA_PROGRAM_ADDRESS,
  tokenUnit,
} from '../src';

interface Vectors {
  programId: string;
  operator: Address;
  mint: Address;
  pdas: Record<string, string>;
  offsets: Record<string, number>;
  receipt: {
    lease: Address;
    agentSecret: string;
    agent: string;
    body: { seq: number; periodStart: number; periodEnd: number; gpuSeconds: number; avgUtilizationBps: number; energyJoules: number; sampleDigest: string };
    message: string;
    ed25519Data: string;
  };
  event: { data: string; lease: string; amount: number; protocolFee: number; operatorFee: number; investors: number };
  tokens: Record<string, string>;
  metadata: { mint: Address; address: string; data: string; symbol: string };
}

const v = JSON.parse(readFileSync(join(__dirname, '../../test/vectors.json'), 'utf8')) as Vectors;
const bytes = (hex: string) => new Uint8Array(Buffer.from(hex, 'hex'));
const hex = (data: Uint8Array | Readonly<Uint8Array>) => Buffer.from(data).toString('hex');

void test('every program address derives as in Rust', async () => {
  assert.equal(TESSERA_PROGRAM_ADDRESS, v.programId);
  const pool = await pda.poolAddress(v.operator, 1);
  const provider = await pda.providerAddress(v.operator);
  const node = await pda.nodeAddress(provider, 2);
  const bid = await pda.bidAddress(v.operator, 4);
  const derived: Record<string, string> = {
    protocol: await pda.protocolAddress(),
    'pool(operator,1)': pool,
    'vault(pool)': await pda.vaultAddress(pool),
    'shareMint(pool)': await pda.shareMintAddress(pool),
    'ticket(pool,3)': await pda.ticketAddress(pool, 3),
    stakePool: await pda.stakePoolAddress(),
    stakeVault: await pda.stakeVaultAddress(),
    rewardVault: await pda.rewardVaultAddress(),
    'stakePosition(operator)': await pda.stakePositionAddress(v.operator),
    'provider(operator)': provider,
    'node(provider,2)': node,
    'lease(node,5)': await pda.leaseAddress(node, 5),
    'bid(operator,4)': bid,
    'bidEscrow(bid)': await pda.bidEscrowAddress(bid),
    eventAuthority: await pda.eventAuthorityAddress(),
    'ata(operator,mint)': await associatedTokenAddress(v.operator, v.mint),
  };
  assert.deepEqual(derived, v.pdas);
  assert.deepEqual({ ...OFFSETS }, v.offsets);
});

void test('the async builders derive every address the seeds give, as Rust derives it', async () => {
  const investor = await createKeyPairSignerFromPrivateKeyBytes(bytes(v.receipt.agentSecret));
  const pool = v.pdas['pool(operator,1)'] as Address;
  const shareMint = await pda.shareMintAddress(pool);
  const deposit = await getDepositInstructionAsync({ investor, pool, investorToken: v.mint, assets: 1n, minSharesOut: 0n });
  const at = (name: string) => deposit.accounts[['investor', 'protocol', 'pool', 'vault', 'shareMint'].indexOf(name)]?.address;
  assert.equal(at('protocol'), v.pdas['protocol']);
  assert.equal(at('vault'), v.pdas['vault(pool)']);
  assert.equal(at('shareMint'), v.pdas['shareMint(pool)']);
  assert.ok(deposit.accounts.some((a) => a.address === v.pdas['eventAuthority']));
  const shares = await associatedTokenAddress(investor.address, shareMint);
  assert.ok(deposit.accounts.some((a) => a.address === shares), 'the investor\'s share account');
  const stake = await getStakeInstructionAsync({ owner: investor, ownerStakeToken: v.mint, amount: 1n });
  for (const name of ['stakePool', 'stakeVault', 'rewardVault'] as const) {
    assert.ok(stake.accounts.some((a) => a.address === v.pdas[name]), name);
  }
});

void test('the usage receipt and its Ed25519 instruction are byte for byte the Rust ones', async () => {
  const r = v.receipt;
  const body = { ...r.body, sampleDigest: bytes(r.body.sampleDigest) };
  const message = receiptMessage(r.lease, body);
  assert.equal(message.length, 156);
  assert.equal(hex(message as Uint8Array), r.message);
  const agent = await createKeyPairSignerFromPrivateKeyBytes(bytes(r.agentSecret));
  assert.equal(agent.address, r.agent);
  const ix = await ed25519Instruction(agent, message);
  assert.equal(hex(ix.data as Uint8Array), r.ed25519Data);
});

void test('an emitted event decodes with its fields, and other data does not', () => {
  const event = decodeEvent(bytes(v.event.data));
  assert.ok(event?.name === 'ChargeSettled');
  assert.equal(event.data.lease, v.event.lease);
  assert.equal(event.data.amount, BigInt(v.event.amount));
  assert.equal(event.data.protocolFee + event.data.operatorFee + event.data.investors, BigInt(v.event.amount));
  assert.equal(decodeEvent(bytes(v.event.data).subarray(8)), null, 'no event tag');
  const unknown = bytes(v.event.data);
  unknown[8] = (unknown[8] ?? 0) ^ 0xff;
  assert.equal(decodeEvent(unknown), null, 'unknown discriminator');
});

void test('amounts parse and format with the mint decimals, and bad ones are refused in words', () => {
  assert.equal(parseAmount('12.5', 6), 12_500_000n);
  assert.equal(parseAmount('.000001', 6), 1n);
  assert.equal(formatAmount(12_500_000n, 6), '12.5');
  assert.equal(formatAmount(1n, 6), '0.000001');
  assert.equal(formatAmount(7n * 10n ** 9n, 9), '7');
  assert.throws(() => parseAmount('1.0000001', 6, 'deposit'), new AmountError('deposit: `1.0000001` has more than 6 decimal places'));
  assert.throws(() => parseAmount('12,5', 6), /is not a decimal amount/);
  assert.throws(() => parseAmount('', 6), /empty amount/);
  assert.throws(() => parseAmount('18446744073709.551616', 6), /too large/);
  assert.equal(parseDuration('90'), 90);
  assert.equal(parseDuration('2h'), 7_200);
  assert.equal(parseDuration('7d'), 604_800);
  assert.throws(() => parseDuration('2 hours', 'lease'), /lease: unknown unit in `2 hours`/);
  assert.throws(() => parseDuration('h'), /is not a duration/);
  assert.throws(() => parseDuration('50000d'), /too long/);
});

void test('every mint is named as the Rust SDK names it, unknown ones by their address', () => {
  assert.ok(Object.keys(v.tokens).length >= 7);
  for (const [mint, unit] of Object.entries(v.tokens)) {
    assert.equal(tokenUnit(mint), unit, mint);
  }
});

void test('a Metaplex metadata account names its mint as the Rust SDK reads it', async () => {
  const m = v.metadata;
  assert.equal(await metadataAddress(m.mint), m.address);
  assert.equal(symbolInMetadata(m.mint, bytes(m.data)), m.symbol);
  assert.equal(symbolInMetadata(v.operator, bytes(m.data)), null, 'another mint\'s metadata');
  assert.equal(symbolInMetadata(m.mint, bytes(m.data).subarray(0, 70)), null, 'cut short');
});
