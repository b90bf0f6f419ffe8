import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { type Network, newWallet, startIndexer, startLocalnet, STATE } from './network';

/** Port of the tests' local network (websockets on the next). */
const PORT = 18_999;

export default async function setup(): Promise<void> {
  const keys = mkdtempSync(join(tmpdir(), 'tessera-web-'));
  const dev = newWallet();
  const { pid } = await startLocalnet(['--seed', 'demo', '--keys', keys, '--fund', dev.address], PORT);
  const world = JSON.parse(readFileSync(join(keys, 'world.json'), 'utf8')) as Network['world'];
  const rpc = `http://127.0.0.1:${PORT}`;
  const indexer = await startIndexer(rpc, PORT + 10, PORT + 11);
  const network: Network = {
    rpc, pid, keys, devKey: dev.bytes, devAddress: dev.address, world,
    indexer: indexer?.url ?? null, indexerPid: indexer?.pid ?? 0, pgData: indexer?.data ?? null,
  };
  mkdirSync(dirname(STATE), { recursive: true });
  writeFileSync(STATE, JSON.stringify(network));
}
