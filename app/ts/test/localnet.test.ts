/** The websocket URL beside an RPC URL, and a local network's development clock. */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';

import { advanceClock, websocketUrl } from '../src';
import { type Chain, startChain } from './chain';

void test('the websocket URL is the next port, ws for http and wss for https', () => {
  assert.equal(websocketUrl('http://127.0.0.1:8899'), 'ws://127.0.0.1:8900');
  assert.equal(websocketUrl('https://api.devnet.solana.com'), 'wss://api.devnet.solana.com');
  assert.equal(websocketUrl('https://rpc.example.com:8443/key'), 'wss://rpc.example.com:8444/key');
  assert.throws(() => websocketUrl('localhost:8899'), /is not an http\(s\) JSON-RPC URL/);
  assert.throws(() => websocketUrl('nope'), /is not a URL like http:\/\/127\.0\.0\.1:8899/);
});

let chain: Chain;
before(async () => { chain = await startChain(); });
after(async () => { await chain.stop(); });

void test('a local network clock moves on request, and another node says it cannot', async () => {
  if (!chain.local) return;
  const now = await advanceClock(chain.urls.rpc, 0);
  assert.equal(await advanceClock(chain.urls.rpc, 3_600), now + 3_600n);
  await assert.rejects(advanceClock(chain.urls.rpc, -1), /seconds must be a whole number/);
  const other = createServer((_, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ jsonrpc: '2.0', id: 1, error: { code: -32601, message: 'Method not found' } }));
  });
  await new Promise<void>((done) => other.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${String((other.address() as AddressInfo).port)}`;
  await assert.rejects(advanceClock(url, 1), /cannot move the clock of .*: it is not a Tessera local network/);
  other.close();
});
