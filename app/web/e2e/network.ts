/**
 * The local network the end-to-end tests share: started by the global setup, described in
 * test-results/network.json (URLs, the seeded world, and the development wallet's key).
 */
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

import { getAddressDecoder } from '@solana/kit';

export const STATE = resolve(__dirname, '../test-results/network.json');

export interface Network {
  rpc: string;
  pid: number;
  keys: string;
  /** The development wallet's keypair, as a Solana keypair file's 64 numbers. */
  devKey: number[];
  devAddress: string;
  world: { settlementMint: string; stakeMint: string; pools: string[]; nodes: string[]; leases: string[]; keypairs: Record<string, string> };
}

export function readNetwork(): Network {
  return JSON.parse(readFileSync(STATE, 'utf8')) as Network;
}

/** A fresh ed25519 keypair in Solana's 64-byte form, and its address. */
export function newWallet(): { bytes: number[]; address: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const secret = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(-32);
  const pub = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  return { bytes: [...secret, ...pub], address: getAddressDecoder().decode(pub) };
}

/** Starts `tessera-localnet` and resolves once it is ready. */
export async function startLocalnet(args: string[], port: number): Promise<{ pid: number }> {
  const target = process.env['CARGO_TARGET_DIR'] ?? resolve(__dirname, '../../../target');
  const bin = process.env['TESSERA_LOCALNET_BIN'] ?? join(target, 'debug/tessera-localnet');
  const child = spawn(bin, ['--rpc-port', String(port), ...args], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  await new Promise<void>((done, fail) => {
    const timer = setTimeout(() => { fail(new Error(`${bin} did not start in 300 s`)); }, 300_000);
    child.once('error', (e) => { clearTimeout(timer); fail(new Error(`cannot start ${bin}: ${e.message}`)); });
    child.once('exit', (code) => { clearTimeout(timer); fail(new Error(`${bin} exited with ${String(code)}`)); });
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('Ready.')) { clearTimeout(timer); done(); }
    });
  });
  child.unref();
  return { pid: child.pid ?? 0 };
}
