/**
 * The local network the end-to-end tests share: started by the global setup, described in
 * test-results/network.json (URLs, the seeded world, and the development wallet's key).
 */
import { execFileSync, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
  /** The indexer's read API, when PostgreSQL and the indexer binary are here. */
  indexer: string | null;
  /** Its process and PostgreSQL's data directory, to stop them. */
  indexerPid: number;
  pgData: string | null;
  world: { settlementMint: string; stakeMint: string; settlementToken: string; stakeToken: string; pools: string[]; nodes: string[]; leases: string[]; keypairs: Record<string, string> };
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

const target = (): string => process.env['CARGO_TARGET_DIR'] ?? resolve(__dirname, '../../../target');

/** `program args`, as the postgres user when we are root (PostgreSQL refuses root). */
function asPostgres(program: string, args: string[]): void {
  const root = process.getuid?.() === 0;
  execFileSync(root ? 'runuser' : program, root ? ['-u', 'postgres', '--', program, ...args] : args, { stdio: 'pipe' });
}

/** A throwaway PostgreSQL on `port` and `tessera-indexer` on `apiPort`, if both are installed. */
export async function startIndexer(rpc: string, port: number, apiPort: number): Promise<{ url: string; pid: number; data: string } | null> {
  const bin = process.env['TESSERA_INDEXER_BIN'] ?? join(target(), 'debug/tessera-indexer');
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort() : [];
  const pg = versions.length ? `/usr/lib/postgresql/${versions[versions.length - 1] ?? ''}/bin` : null;
  if (!pg || !existsSync(bin)) return null;
  const dir = mkdtempSync(join(tmpdir(), 'tessera-web-pg-'));
  if (process.getuid?.() === 0) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  const data = join(dir, 'data');
  asPostgres(join(pg, 'initdb'), ['-D', data, '-U', 'tessera', '--auth=trust']);
  asPostgres(join(pg, 'pg_ctl'), ['-D', data, '-l', join(dir, 'log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, '-w', 'start']);
  const child = spawn(bin, ['--rpc', rpc, '--database', `postgres://tessera@127.0.0.1:${port}/postgres`, '--listen', `127.0.0.1:${apiPort}`, '--poll-ms', '200'], { stdio: 'ignore', detached: true });
  child.unref();
  const url = `http://127.0.0.1:${apiPort}`;
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${url}/health`)).ok) return { url, pid: child.pid ?? 0, data };
    } catch {
      // Not listening yet.
    }
    await new Promise((done) => setTimeout(done, 200));
  }
  throw new Error(`${bin} did not answer on ${url}`);
}

/** Stops PostgreSQL in `data`. */
export function stopPostgres(data: string): void {
  const versions = readdirSync('/usr/lib/postgresql').sort();
  asPostgres(`/usr/lib/postgresql/${versions[versions.length - 1] ?? ''}/bin/pg_ctl`, ['-D', data, '-m', 'immediate', 'stop']);
}
