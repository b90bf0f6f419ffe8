import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests in Debian's Chromium (no browser download) against a local network the
 * global setup starts (`tessera-localnet --seed demo`), with the built app served as static
 * files by `vite preview`. Screenshots of each page land in test-results/.
 */
export default defineConfig({
  testDir: 'e2e',
  timeout: 120_000,
  workers: 1,
  reporter: [['list']],
  outputDir: 'test-results',
  globalSetup: './e2e/setup.ts',
  globalTeardown: './e2e/teardown.ts',
  use: {
    baseURL: 'http://127.0.0.1:4173',
    launchOptions: {
      executablePath: process.env['CHROMIUM'] ?? '/usr/bin/chromium',
      args: ['--no-sandbox'],
    },
  },
  webServer: {
    command: 'npx vite preview --host 127.0.0.1 --port 4173 --strictPort',
    url: 'http://127.0.0.1:4173',
    reuseExistingServer: false,
    timeout: 60_000,
  },
  projects: [
    { name: 'dashboard', testMatch: /dashboard\.spec\.ts/ },
    { name: 'bench', testMatch: /bench\.spec\.ts/ },
  ],
});
