/**
 * Time to first meaningful paint of the market with 1,000 nodes on a local network (the
 * figure in docs/performance.md), side by side in one run: the market's own narrow read (nodes
 * and providers) and the full read every page did before (`?read=full`).
 * `npm run bench`. Not part of the tests.
 */
import { expect, test } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startLocalnet } from './network';

test('market with 1,000 nodes', async ({ page }) => {
  test.setTimeout(600_000);
  const port = 19_101;
  const { pid } = await startLocalnet(['--seed', 'demo', '--nodes', '998', '--keys', mkdtempSync(join(tmpdir(), 'tessera-bench-'))], port);
  try {
    const result: Record<string, { runs: number[]; median_ms: number }> = {};
    // Alternating, so both methods see the same machine and the same warm chain.
    for (let i = 0; i < 10; i++) {
      const method = i % 2 === 0 ? 'narrow' : 'full';
      await page.goto('about:blank');
      const start = Date.now();
      const read = method === 'full' ? '&read=full' : '';
      await page.goto(`/?rpc=${encodeURIComponent(`http://127.0.0.1:${port}`)}${read}#/market`);
      await expect(page.locator('[data-test=market-count]')).toHaveText('1000 of 1000 nodes', { timeout: 60_000 });
      await expect(page.locator('[data-test=market] tbody tr')).toHaveCount(100);
      const entry = (result[method] ??= { runs: [], median_ms: 0 });
      entry.runs.push(Date.now() - start);
    }
    for (const entry of Object.values(result)) {
      entry.median_ms = [...entry.runs].sort((a, b) => a - b)[2] ?? 0;
    }
    writeFileSync(test.info().outputPath('market-1000.json'), JSON.stringify(result, null, 2));
    console.log(`market with 1,000 nodes, a fresh load of the page to its first 100 rows painted: ${JSON.stringify(result)}`);
  } finally {
    process.kill(pid, 'SIGTERM');
  }
});
