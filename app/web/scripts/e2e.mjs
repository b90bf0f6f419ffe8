// Runs the dashboard's browser tests in Debian's Chromium, or says plainly that they were NOT
// run when Chromium is missing; with TESSERA_REQUIRE_CHROMIUM=1 (CI) that is a failure instead.
// Extra arguments go to `playwright test` (default: the dashboard project).
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const chromium = process.env['CHROMIUM'] ?? '/usr/bin/chromium';
const args = process.argv.slice(2);
if (!existsSync(chromium)) {
  const words = `Chromium missing at ${chromium} (install it with: apt-get install chromium)`;
  if (process.env['TESSERA_REQUIRE_CHROMIUM']) {
    console.error(`error: the browser tests are required (TESSERA_REQUIRE_CHROMIUM) but ${words}`);
    process.exit(1);
  }
  console.log(`NOT run: ${words}; the dashboard's browser tests were skipped`);
  process.exit(0);
}
const run = spawnSync('npx', ['playwright', 'test', ...(args.length > 0 ? args : ['--project', 'dashboard'])], {
  stdio: 'inherit',
});
process.exit(run.status ?? 1);
