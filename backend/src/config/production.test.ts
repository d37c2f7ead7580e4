// Production fails closed: without VAPI_API_KEY it would quietly run the telephony simulator on a
// public host, and without METRICS_TOKEN /metrics would be public. The real server process refuses to
// start, with one line naming the variable and exit code 78 (EX_CONFIG).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const BACKEND_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'voxanne-production-config-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const PRODUCTION = {
  NODE_ENV: 'production',
  PUBLIC_URL: 'https://desk.clinic.example',
  JWT_SECRET: 'production-test-secret-that-is-long-enough-0123',
  VAPI_API_KEY: 'vapi-private-key',
  VAPI_WEBHOOK_SECRET: 'vapi-webhook-secret',
  METRICS_TOKEN: 'metrics-token-0123456789abcdef',
  DATA_DIR: dataDir,
};

function server(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=@voxanne/source', '--import', 'tsx', 'src/server.ts'], {
      cwd: BACKEND_DIR,
      env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), PORT: '0', HOST: '127.0.0.1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('production configuration', () => {
  it('accepts a complete production configuration, with the real voice platform and a guarded /metrics', () => {
    const config = loadConfig(PRODUCTION);
    expect(config.telephony.mode).toBe('vapi');
    expect(config.http.metricsToken).toBe(PRODUCTION.METRICS_TOKEN);
    expect(config.sandbox.seedDemo).toBe(false);
  });

  it.each(['VAPI_API_KEY', 'METRICS_TOKEN'] as const)('requires %s (also when set but empty)', (variable) => {
    for (const value of [undefined, '']) {
      let thrown: unknown;
      try {
        loadConfig({ ...PRODUCTION, [variable]: value });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ConfigError);
      expect((thrown as ConfigError).variable).toBe(variable);
    }
    // Outside production both stay optional: the sandbox and an open /metrics on loopback.
    expect(loadConfig({ ...PRODUCTION, NODE_ENV: 'development', [variable]: undefined }).env).toBe('development');
  });

  it.each(['VAPI_API_KEY', 'METRICS_TOKEN'] as const)(
    'the server process refuses to start without %s: one line naming it, exit 78',
    async (variable) => {
      const env: Record<string, string> = { ...PRODUCTION };
      delete env[variable];
      const run = await server(env);
      expect(run.code).toBe(78);
      expect(run.stdout).toBe('');
      expect(run.stderr.trim().split('\n')).toEqual([
        expect.stringContaining(`Configuration error: ${variable} is required in production`),
      ]);
      // It stopped before opening anything: no database, no sandbox control file.
      expect(fs.readdirSync(dataDir)).toEqual([]);
    },
    60_000,
  );
});
