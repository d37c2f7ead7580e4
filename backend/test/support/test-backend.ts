// A real backend on an ephemeral loopback port for integration tests: real HTTP, real WebSockets,
// real database (the caller's shared TestDatabase), sandbox telephony, silent logs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/config.js';
import type { DestinationStream } from 'pino';
import { createLogger } from '../../src/logging/logger.js';
import { startBackend, type Backend, type BackendOverrides } from '../../src/backend.js';
import type { DatabaseHandle } from '../../src/db/database.js';
import type { ScryptCost } from '../../src/auth/passwords.js';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';
export const DEMO_PASSWORD = 'demo-password-for-tests';
/**
 * Password hashes in tests: the smallest cost the backend accepts, so signing in costs a millisecond
 * rather than production's few hundred (passwords.test.ts proves production's cost separately).
 */
export const TEST_PASSWORD_COST: ScryptCost = { N: 2 ** 10, r: 8, p: 1 };

export interface TestBackend extends Backend {
  dataDir: string;
}

export async function startTestBackend(
  database: DatabaseHandle,
  env: Record<string, string | undefined> = {},
  /** Where log lines go (at LOG_LEVEL from `env`); silent by default. */
  logs?: DestinationStream,
  overrides: Omit<BackendOverrides, 'database'> = {},
): Promise<TestBackend> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'voxanne-backend-test-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    SEED_DEMO: 'false',
    DEMO_PASSWORD,
    // Rate-limit counters in a shared Redis stay private to this backend unless a test shares them.
    RATE_LIMIT_REDIS_PREFIX: `test:${path.basename(dataDir)}:`,
    ...env,
  });
  const backend = await startBackend(config, createLogger(config.logLevel, logs), {
    database,
    passwordCost: TEST_PASSWORD_COST,
    ...overrides,
  });
  return {
    ...backend,
    dataDir,
    async close() {
      await backend.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
