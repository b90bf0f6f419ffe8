/**
 * The chain the TypeScript tests run against: `tessera-localnet --seed demo` started here (the
 * binary from `TESSERA_LOCALNET_BIN`, else the workspace's debug build under
 * `CARGO_TARGET_DIR`, as `cargo test --workspace` leaves it), or any RPC URL in
 * `TESSERA_RPC_URL` with `TESSERA_WS_URL`, the world it was seeded with in `TESSERA_WORLD`
 * (a `world.json` as `--seed demo` writes it) and a funded wallet in `TESSERA_KEYPAIR`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

import {
  createKeyPairSignerFromBytes,
  createSolanaRpc,
  createSolanaRpcSubscriptions,
  generateKeyPairSigner,
  type Instruction,
  type KeyPairSigner,
  type Signature,
} from '@solana/kit';

import { advanceClock, instructionSender, websocketUrl } from '../src';

/** What `tessera-localnet --seed demo` seeded, from its `world.json`. */
export interface World {
  programId: string;
  settlementMint: string;
  settlementToken: string;
  stakeMint: string;
  pools: string[];
  nodes: string[];
  leases: string[];
  keypairs: Record<string, string>;
}

export interface Chain {
  rpc: ReturnType<typeof createSolanaRpc>;
  /** The JSON-RPC and websocket URLs. */
  urls: { rpc: string; ws: string };
  world: World;
  /** A wallet holding SOL and settlement tokens. */
  wallet: KeyPairSigner;
  /** Whether the chain moves its clock on request (`tessera_advanceClock`). */
  local: boolean;
  send(instructions: Instruction[]): Promise<Signature>;
  /** Moves the chain's clock `secs` forward (a local network), or waits them out. */
  advance(secs: number): Promise<void>;
  stop(): Promise<void>;
}

export async function keypairFile(path: string): Promise<KeyPairSigner> {
  return createKeyPairSignerFromBytes(new Uint8Array(JSON.parse(readFileSync(path, 'utf8')) as number[]));
}

export async function startChain(): Promise<Chain> {
  const external = process.env['TESSERA_RPC_URL'];
  if (external) {
    const ws = process.env['TESSERA_WS_URL'] ?? websocketUrl(external);
    const world = JSON.parse(readFileSync(required('TESSERA_WORLD'), 'utf8')) as World;
    return connect(external, ws, world, await keypairFile(required('TESSERA_KEYPAIR')), async () => {});
  }
  const wallet = await generateKeyPairSigner();
  const keys = mkdtempSync(join(tmpdir(), 'tessera-ts-'));
  const target = process.env['CARGO_TARGET_DIR'] ?? resolve(__dirname, '../../../../target');
  const bin = process.env['TESSERA_LOCALNET_BIN'] ?? join(target, 'debug/tessera-localnet');
  const child = spawn(bin, ['--rpc-port', '0', '--seed', 'demo', '--keys', keys, '--fund', wallet.address], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((done) => child.once('exit', () => { done(); }));
  const urls: Record<string, string> = {};
  const lines = createInterface({ input: child.stdout });
  const ready = new Promise<void>((done, fail) => {
    const timer = setTimeout(() => { fail(new Error(`${bin} did not start in 120 s`)); }, 120_000);
    child.once('error', (e) => { clearTimeout(timer); fail(new Error(`cannot start ${bin}: ${e.message}`)); });
    child.once('exit', (code) => { clearTimeout(timer); fail(new Error(`${bin} exited with ${String(code)}`)); });
    lines.on('line', (line) => {
      const [, label, value] = /^\s+(JSON-RPC|websocket)\s+(\S+)/.exec(line) ?? [];
      if (label && value) urls[label] = value;
      if (line.startsWith('Ready.')) { clearTimeout(timer); done(); }
    });
  });
  await ready;
  const world = JSON.parse(readFileSync(join(keys, 'world.json'), 'utf8')) as World;
  const stop = async () => { child.kill('SIGTERM'); await exited; };
  return connect(urls['JSON-RPC'] ?? '', urls['websocket'] ?? '', world, wallet, stop);
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must be set when TESSERA_RPC_URL is`);
  return value;
}

function connect(url: string, wsUrl: string, world: World, wallet: KeyPairSigner, stop: () => Promise<void>): Chain {
  const rpc = createSolanaRpc(url);
  const rpcSubscriptions = createSolanaRpcSubscriptions(wsUrl);
  const send = instructionSender(rpc, rpcSubscriptions);
  const local = !process.env['TESSERA_RPC_URL'];
  return {
    rpc, world, wallet, local, stop,
    urls: { rpc: url, ws: wsUrl },
    send: (instructions) => send(wallet, instructions),
    async advance(secs) {
      if (local) {
        await advanceClock(url, secs);
      } else {
        await new Promise((done) => setTimeout(done, secs * 1000));
      }
    },
  };
}
