/**
 * The package as a user gets it: `npm pack` (which builds first), the tarball installed into an
 * empty ES-module project, and the README's deposit example run there, unchanged but for the
 * local network's URLs, by an investor of the demo world.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';

import { type Address, AccountRole } from '@solana/kit';

import { associatedTokenAddress, fetchPool, fetchProtocol, formatAmount, pda, TOKEN_PROGRAM_ADDRESS } from '../src';
import { type Chain, keypairFile, startChain } from './chain';

const root = resolve(__dirname, '../..');

let chain: Chain;
before(async () => { chain = await startChain(); });
after(async () => { await chain.stop(); });

/** The README's `js` example, pointed at this network. */
function readmeExample(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const code = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(code, 'the README has a js example');
  return code
    .replace("'http://127.0.0.1:8899'", JSON.stringify(chain.urls.rpc))
    .replace("'ws://127.0.0.1:8900'", JSON.stringify(chain.urls.ws));
}

void test('the packed package installs into an empty project and runs the README example', async () => {
  const { rpc, world, wallet } = chain;
  const investorFile = world.keypairs['investor-1'] ?? '';
  const investor = await keypairFile(investorFile);
  const mint = world.settlementMint as Address;
  const { settlementDecimals } = (await fetchProtocol(rpc, await pda.protocolAddress())).data;
  // The demo's investors deposited everything: give this one 5 tokens to deposit 1 of.
  const data = new Uint8Array(9);
  data[0] = 3; // SPL Token `Transfer`
  new DataView(data.buffer).setBigUint64(1, 5n * 10n ** BigInt(settlementDecimals), true);
  await chain.send([{
    programAddress: TOKEN_PROGRAM_ADDRESS,
    accounts: [
      { address: await associatedTokenAddress(wallet.address, mint), role: AccountRole.WRITABLE },
      { address: await associatedTokenAddress(investor.address, mint), role: AccountRole.WRITABLE },
      { address: wallet.address, role: AccountRole.READONLY_SIGNER, signer: wallet },
    ],
    data,
  } as never]);

  const dir = mkdtempSync(join(tmpdir(), 'tessera-package-'));
  const packed = execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: root, encoding: 'utf8' });
  const tarball = join(dir, packed.trim().split('\n').pop() ?? '');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'deposit-example', private: true, type: 'module' }));
  execFileSync('npm', ['install', '--silent', '--no-audit', '--no-fund', '--prefer-offline', tarball], { cwd: dir });
  writeFileSync(join(dir, 'deposit.mjs'), readmeExample());

  const pool = world.pools[0] as Address;
  const before = (await fetchPool(rpc, pool)).data.cash;
  const out = execFileSync(process.execPath, ['deposit.mjs', pool, investorFile], { cwd: dir, encoding: 'utf8' });
  const expected = formatAmount(before + 10n ** BigInt(settlementDecimals), settlementDecimals);
  assert.equal(out.trim(), `pool cash ${expected} ${world.settlementToken}`);
});
