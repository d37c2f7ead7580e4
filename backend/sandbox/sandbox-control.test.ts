// The sandbox's control API against a web page on the developer's PC: a DNS-rebound name (the
// request reaches 127.0.0.1 but names the page's host) and a cross-origin "simple" POST (text/plain,
// no preflight, no custom header) must neither place calls nor read the sandbox's Twilio tokens.
// The control URL and key are found in DATA_DIR/sandbox-control.json, never in /health.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../test/support/test-database.js';
import { startTestBackend, type TestBackend } from '../test/support/test-backend.js';
import { controlClient, readSandboxControl, SANDBOX_CONTROL_FILE, SANDBOX_KEY_HEADER } from './control-file.js';

/** A raw request, so the Host header is exactly what a browser on a rebound name would send. */
function raw(
  url: string,
  options: { method?: string; host?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: options.method ?? 'GET',
        headers: { host: options.host ?? target.host, ...options.headers },
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

// The sandbox holds nothing in the database: PGlite only.
describe('the sandbox control API', () => {
  let database: TestDatabase;
  let backend: TestBackend;

  beforeAll(async () => {
    database = await openTestDatabase('pglite');
    backend = await startTestBackend(database);
  });
  afterAll(async () => {
    await backend?.close();
    await database?.close();
  });

  it('is found, with its key, in an owner-only file in DATA_DIR, and answers with the key', async () => {
    const file = path.join(backend.dataDir, SANDBOX_CONTROL_FILE);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const control = readSandboxControl(backend.dataDir);
    expect(control).toEqual({ url: backend.sandbox!.controlUrl, key: backend.sandbox!.controlKey });
    const res = await controlClient(control)('');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ clinicAccount: { accountSid: expect.stringMatching(/^AC/) } });
  });

  it('refuses requests without this run’s key: a cross-origin text/plain POST places no call', async () => {
    const calls = backend.sandbox!.state.calls.size;
    const control = backend.sandbox!.controlUrl;
    const page = { origin: 'https://evil.example', 'content-type': 'text/plain;charset=UTF-8' };
    for (const attempt of [
      await raw(`${control}/inbound-calls`, { method: 'POST', headers: page, body: '{"script":"new-booking"}' }),
      await raw(`${control}/inbound-calls`, { method: 'POST', headers: { ...page, [SANDBOX_KEY_HEADER]: 'guessed' }, body: '{}' }),
      await raw(control, { headers: { origin: 'https://evil.example' } }),
      await raw(`${control}/twilio-accounts`, { method: 'POST', headers: page, body: '{}' }),
    ]) {
      expect(attempt.status).toBe(401);
      expect(attempt.body).not.toContain('authToken');
    }
    expect(backend.sandbox!.state.calls.size).toBe(calls);
    // The answer carries no CORS grant, so a page could not read it anyway.
    const preflight = await raw(`${control}/inbound-calls`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://evil.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': SANDBOX_KEY_HEADER,
      },
    });
    expect(preflight.body).not.toContain('access-control-allow-origin');
  });

  it('refuses any Host but loopback names (DNS rebinding), even with the key, on every route', async () => {
    const { controlUrl, controlKey, url } = backend.sandbox!;
    const port = new URL(url).port;
    const keyed = { [SANDBOX_KEY_HEADER]: controlKey };
    for (const host of [
      `evil.example:${port}`,
      'evil.example',
      `127.0.0.1.evil.example:${port}`,
      `localhost.evil.example:${port}`,
      `[::2]:${port}`,
    ]) {
      const refused = await raw(controlUrl, { host, headers: keyed });
      expect([host, refused.status]).toEqual([host, 421]);
      expect(refused.body).not.toContain('authToken');
      expect(
        (await raw(`${url}/vapi/assistant`, { host, headers: { authorization: `Bearer ${backend.sandbox!.apiKey}` } })).status,
      ).not.toBe(200);
    }
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'localhost']) {
      expect([host, (await raw(controlUrl, { host, headers: keyed })).status]).toEqual([host, 200]);
    }
  });

  it('is not advertised by /health', async () => {
    const text = await (await fetch(`${backend.url}/health`)).text();
    expect(text).not.toContain(new URL(backend.sandbox!.url).port);
    expect(text).not.toContain('control');
    expect(text).not.toContain(backend.sandbox!.controlKey);
    expect(text).not.toMatch(/sandbox|https?:\/\//);
  });

  it('removes its file when it stops', async () => {
    const other = await startTestBackend(database);
    const file = path.join(other.dataDir, SANDBOX_CONTROL_FILE);
    expect(fs.existsSync(file)).toBe(true);
    await other.sandbox!.close();
    expect(fs.existsSync(file)).toBe(false);
    await other.close();
  });
});
