/**
 * The dashboard in Chromium against the seeded local network: each page shows what the chain
 * holds (checked against reads through the TypeScript client), the development wallet
 * deposits and opens a lease, and a refusal is shown in words. Screenshots of every page go to
 * test-results/.
 */
import { expect, type Page, test } from '@playwright/test';
import { type Address, createSolanaRpc } from '@solana/kit';

import {
  associatedTokenAddress,
  fetchLease,
  fetchNode,
  fetchPool,
  formatAmount,
  formatRatio,
  nav,
  pda,
  shareValue,
} from '../../ts/src';
import { readNetwork } from './network';

const net = readNetwork();
const rpc = createSolanaRpc(net.rpc);
const pool = net.world.pools[0] as Address;
const node = net.world.nodes[0] as Address;

/** Errors the page threw during a test: there must be none. */
let pageErrors: string[] = [];
test.beforeEach(({ page }) => {
  pageErrors = [];
  page.on('pageerror', (e) => { pageErrors.push(e.message); });
});
test.afterEach(() => {
  expect(pageErrors, 'errors thrown in the page').toEqual([]);
});

async function open(page: Page, route: string): Promise<void> {
  await page.addInitScript((key) => {
    // about:blank has no storage; every page of the app does.
    if (location.protocol.startsWith('http')) localStorage.setItem('tessera.devkey', key);
  }, JSON.stringify(net.devKey));
  await page.goto(`/?rpc=${encodeURIComponent(net.rpc)}#/${route}`);
  await expect(page.locator('main')).not.toContainText('Reading the chain');
}

async function connectDevWallet(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Connect Tessera Dev Wallet' }).click();
  await expect(page.locator('[data-test=wallet]')).toContainText(net.devAddress.slice(0, 4));
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: test.info().outputPath(`${name}.png`), fullPage: true });
}

test('the pools page shows each pool as the chain holds it', async ({ page }) => {
  await open(page, 'pools');
  const p = (await fetchPool(rpc, pool)).data;
  // Vesting revenue unlocks by the second: value the pool at the chain time the page read.
  const at = BigInt(await page.locator('[data-test=pools]').getAttribute('data-now') ?? '0');
  const row = page.locator(`tr[data-pool="${pool}"]`);
  await expect(row.locator('[data-test=nav]')).toHaveText(`${formatAmount(nav(p, at), 6)} ${net.world.settlementToken}`);
  const { num, den } = shareValue(p, at);
  await expect(row.locator('[data-test=share-value]')).toHaveText(formatRatio(num, den, 6));
  await expect(row.locator('[data-test=utilisation]')).toContainText('2/10 GPUs');
  // Minutes of revenue are not annualised: the line says what was earned and when it will be.
  await expect(row.locator('[data-test=yield]')).toContainText(`${net.world.settlementToken} to investors over`);
  await expect(row.locator('[data-test=yield]')).toContainText('annualised once 7d have passed');
  await shot(page, 'pools');
  await row.locator('a').first().click();
  await expect(page.locator('[data-test=chart] canvas')).toBeVisible();
  await shot(page, 'pool');
});

test('the market lists every node with its free GPUs, and unattested plainly', async ({ page }) => {
  await open(page, 'market');
  await expect(page.locator('[data-test=market-count]')).toHaveText(`${net.world.nodes.length} of ${net.world.nodes.length} nodes`);
  for (const address of net.world.nodes) {
    const n = (await fetchNode(rpc, address as Address)).data;
    await expect(page.locator(`tr[data-node="${address}"] [data-test=free]`)).toHaveText(`${n.spec.gpuCount - n.gpusAllocated}/${n.spec.gpuCount}`);
  }
  await expect(page.locator('tr[data-node] .tag').first()).toHaveText('unattested');
  await shot(page, 'market');
});

test('a lease page shows its receipts, settled and pending, with the dispute window', async ({ page }) => {
  const lease = net.world.leases[0] as Address;
  await open(page, `lease/${lease}`);
  const l = (await fetchLease(rpc, lease)).data;
  await expect(page.locator('[data-test=receipts] tbody tr')).toHaveCount(Number(l.lastSeq));
  await expect(page.locator('[data-test=receipts] tbody tr').first()).toContainText('settled');
  await expect(page.locator('[data-test=receipts] tbody tr').last()).toContainText('pending');
  await expect(page.locator('[data-test=pending]')).toContainText(`${formatAmount(l.pending, 6)} ${net.world.settlementToken}: dispute window ends`);
  await expect(page.locator('[data-test=escrow]')).toHaveText(/escrow left/);
  await shot(page, 'lease');
  await page.locator('a', { hasText: node.slice(0, 4) }).first().click();
  await expect(page.locator('h1')).toContainText('Node');
  await shot(page, 'node');
});

test('a deposit through the development wallet mints the investor shares', async ({ page }) => {
  await open(page, `pool/${pool}`);
  await connectDevWallet(page);
  const shareMint = await pda.shareMintAddress(pool);
  const account = await associatedTokenAddress(net.devAddress as Address, shareMint);
  const before = await rpc.getTokenAccountBalance(account).send().then((b) => BigInt(b.value.amount), () => 0n);
  await page.locator('[data-test=deposit] input').fill('250');
  await page.locator('[data-test=deposit] button').click();
  await expect(page.locator('[data-test=deposit] [role=status]')).toHaveText('deposited 250');
  const after = BigInt((await rpc.getTokenAccountBalance(account).send()).value.amount);
  expect(after).toBeGreaterThan(before);
  await expect(page.locator('[data-test=my-shares]')).toHaveText(`${formatAmount(after, 6)} shares`);
});

test('a deposit above the balance is refused in words', async ({ page }) => {
  await open(page, `pool/${pool}`);
  await connectDevWallet(page);
  await page.locator('[data-test=deposit] input').fill('1000000');
  await page.locator('[data-test=deposit] button').click();
  await expect(page.locator('[data-test=deposit] [role=alert]')).toHaveText(/^SPL Token refused \(InsufficientFunds\): a token account holds less than this transfer needs/);
  await page.locator('[data-test=deposit] input').fill('1.0000001');
  await page.locator('[data-test=deposit] button').click();
  await expect(page.locator('[data-test=deposit] [role=alert]')).toHaveText('deposit: `1.0000001` has more than 6 decimal places');
});

test('a lease opened through the development wallet takes its GPUs off the market', async ({ page }) => {
  const before = (await fetchNode(rpc, node)).data;
  await open(page, `node/${node}`);
  await connectDevWallet(page);
  const form = page.locator('[data-test=open-lease]');
  await form.locator('input[name=gpus]').fill('2');
  await form.locator('input[name=duration]').fill('1h');
  await form.locator('input[name=jobHash]').fill('ab'.repeat(32));
  await form.locator('button').click();
  await expect(form.locator('[role=status]')).toContainText('lease opened');
  const after = (await fetchNode(rpc, node)).data;
  expect(after.gpusAllocated).toBe(before.gpusAllocated + 2);
  await page.goto(`/?rpc=${encodeURIComponent(net.rpc)}#/market`);
  await expect(page.locator(`tr[data-node="${node}"] [data-test=free]`)).toHaveText(`${after.spec.gpuCount - after.gpusAllocated}/${after.spec.gpuCount}`);
});

test('the staking page shows the wallet position', async ({ page }) => {
  await open(page, 'staking');
  await connectDevWallet(page);
  await expect(page.locator('[data-test=staked]')).toContainText(`0 ${net.world.stakeToken}`);
  await expect(page.locator('[data-test=claimable]')).toContainText(net.world.settlementToken);
  await shot(page, 'staking');
});

test('with an indexer configured, histories come from it and match the chain', async ({ page }) => {
  test.skip(net.indexer === null, 'PostgreSQL or tessera-indexer is not here: the indexer path is NOT tested');
  const indexer = net.indexer ?? '';
  const lease = net.world.leases[0] as Address;
  await open(page, `lease/${lease}`);
  await expect(page.locator('[data-test=receipts] tbody tr')).not.toHaveCount(0);
  const direct = await page.locator('[data-test=receipts] tbody tr').allInnerTexts();
  await page.goto('about:blank');
  const viaIndexer = (path: string) => page.waitForRequest((r) => r.url().startsWith(`${indexer}/${path}`));
  const receipts = viaIndexer(`leases/${lease}/receipts`);
  await page.goto(`/?rpc=${encodeURIComponent(net.rpc)}&indexer=${encodeURIComponent(indexer)}#/lease/${lease}`);
  await receipts;
  await expect(page.locator('[data-test=receipts] tbody tr')).toHaveCount(direct.length);
  expect(await page.locator('[data-test=receipts] tbody tr').allInnerTexts()).toEqual(direct);
  await page.goto('about:blank');
  const history = viaIndexer(`pools/${pool}/history`);
  await page.goto(`/?rpc=${encodeURIComponent(net.rpc)}&indexer=${encodeURIComponent(indexer)}#/pool/${pool}`);
  await history;
  await expect(page.locator('[data-test=chart] canvas')).toBeVisible();
  await expect(page.locator('.card[data-test=yield]')).toContainText('annualised once 7d have passed');
});

test('my account shows the wallet\'s position, leases, nodes and stake', async ({ page }) => {
  await open(page, 'account');
  await expect(page.locator('[data-test=empty]')).toContainText('Connect a wallet');
  await connectDevWallet(page);
  await page.goto(`/?rpc=${encodeURIComponent(net.rpc)}#/pool/${pool}`);
  await page.locator('[data-test=deposit] input').fill('100');
  await page.locator('[data-test=deposit] button').click();
  await expect(page.locator('[data-test=deposit] [role=status]')).toHaveText('deposited 100');
  await page.locator('[data-test=redeem] input').fill('10');
  await page.locator('[data-test=redeem] button').click();
  await expect(page.locator('[data-test=redeem] [role=status]')).toHaveText('redeemed 10 shares');
  // The chart plots the NAV-based share value after each deposit and redemption (the seeded
  // ones, this test's and the earlier deposit test's), not a trade's own rounded price (a
  // redemption's, rounded down, would dip): in a pool that only earns, it never dips, and it
  // ends at today's value.
  await expect(page.locator('[data-test=chart] canvas')).toBeVisible();
  const prices = JSON.parse(await page.locator('[data-test=chart]').getAttribute('data-prices') ?? '[]') as number[];
  expect(prices.length).toBeGreaterThanOrEqual(3);
  prices.slice(1).forEach((p, i) => { expect(p).toBeGreaterThanOrEqual(prices[i] ?? 0); });
  const pageNow = BigInt(await page.locator('[data-test=pool-page]').getAttribute('data-now') ?? '0');
  const live = shareValue((await fetchPool(rpc, pool)).data, pageNow);
  expect(prices.at(-1)).toBeCloseTo(Number(live.num) / Number(live.den), 12);
  await page.locator('header a', { hasText: 'My account' }).click();
  const row = page.locator(`[data-test=positions] tr[data-pool="${pool}"]`);
  const shareMint = await pda.shareMintAddress(pool);
  const held = BigInt((await rpc.getTokenAccountBalance(await associatedTokenAddress(net.devAddress as Address, shareMint)).send()).value.amount);
  await expect(row.locator('[data-test=shares]')).toHaveText(`${formatAmount(held, 6)} shares`);
  await expect(row.locator('[data-test=value]')).toContainText(net.world.settlementToken);
  await expect(page.locator('[data-test=my-stake]')).toContainText(net.world.stakeToken);
  await expect(page.locator('[data-test=no-nodes]')).toContainText('tessera-agent init');
  await shot(page, 'account');
});

for (const width of [390, 1280]) {
  test(`at ${width} px no page scrolls sideways: wide tables scroll inside their card`, async ({ page }) => {
    await page.setViewportSize({ width, height: 900 });
    for (const route of ['pools', 'market', `pool/${pool}`, `node/${node}`, `lease/${net.world.leases[0] ?? ''}`, 'staking', 'account']) {
      await open(page, route);
      const [scroll, inner] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      expect(scroll, `${route} at ${width} px`).toBeLessThanOrEqual(inner);
    }
    await open(page, 'market');
    await shot(page, `market-${width}`);
  });
}

test('an empty market says what to do instead of showing an empty table', async ({ page }) => {
  await open(page, 'market');
  await page.locator('.filters input').first().fill('no such GPU');
  await expect(page.locator('[data-test=empty]')).toContainText('No node matches');
  await expect(page.locator('[data-test=market]')).toHaveCount(0);
});

test('a dead RPC is not a trap: the chain picker moves to another', async ({ page }) => {
  await page.goto(`/?rpc=${encodeURIComponent('http://127.0.0.1:9')}#/pools`);
  await expect(page.locator('main [role=alert]')).toContainText('cannot read the chain at http://127.0.0.1:9');
  await expect(page.locator('main [role=alert]')).toContainText('Pick another chain above');
  const picker = page.locator('[data-test=chain]');
  await picker.locator('select').selectOption('');
  await picker.locator('input[name=rpc]').fill('not a url');
  await picker.locator('button').click();
  await expect(picker.locator('[role=alert]')).toContainText('is not an http(s) RPC URL');
  await picker.locator('input[name=rpc]').fill(net.rpc);
  await picker.locator('button').click();
  await expect(page.locator('[data-test=pools]')).toBeVisible();
  // Remembered: a visit without ?rpc= reads the chain chosen last.
  await page.goto('/#/pools');
  await expect(page.locator('[data-test=pools]')).toBeVisible();
});
