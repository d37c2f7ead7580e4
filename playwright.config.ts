// End-to-end tests: the real backend (sandbox mode, temp data dir), the browser host running the real
// main-process core, and Debian's Chromium driven by @playwright/test (never `playwright install`).
// The harness in e2e/support starts and stops the servers per test file and worker.
import { defineConfig } from '@playwright/test';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  outputDir: 'e2e/artifacts',
  globalSetup: './e2e/support/global-setup.ts',
  // Two files at a time. Each worker starts its own backend (temp DATA_DIR, free ports, own sandbox)
  // and browser host per file (e2e/support/desk.ts) or per worker (renderer-console.ts, web-test), so
  // workers share nothing; tests within a file stay in order. `--workers=1` runs files one by one.
  workers: 2,
  fullyParallel: false,
  timeout: 120_000,
  expect: { timeout: 15_000 },
  reporter: process.env.CI ? [['list'], ['junit', { outputFile: 'e2e/artifacts/junit.xml' }]] : 'list',
  use: {
    browserName: 'chromium',
    launchOptions: { executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: CHROMIUM_ARGS },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
});
