import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { startTestBackend, type TestBackend } from '../../test/support/test-backend.js';
import { json } from '../../test/support/http.js';

const TOKEN = 'prometheus-scrape-token-0123456789';

// Database-independent (the endpoint reads in-process counters): PGlite only.
describe('GET /metrics access', () => {
  let database: TestDatabase;
  let open: TestBackend;
  let guarded: TestBackend;

  beforeAll(async () => {
    database = await openTestDatabase('pglite');
    open = await startTestBackend(database);
    guarded = await startTestBackend(database, { METRICS_TOKEN: TOKEN });
  });
  afterAll(async () => {
    await open?.close();
    await guarded?.close();
    await database?.close();
  });

  it('serves Prometheus text with the HTTP latency histogram', async () => {
    await fetch(`${open.url}/health`);
    const res = await fetch(`${open.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('# TYPE http_request_duration_seconds histogram');
    expect(text).toContain('process_resident_memory_bytes');
  });

  it('wants the METRICS_TOKEN as a bearer token when one is configured', async () => {
    const bare = await fetch(`${guarded.url}/metrics`);
    expect(bare.status).toBe(401);
    expect((await json(bare)).error.code).toBe('unauthenticated');
    expect((await fetch(`${guarded.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}x` } })).status).toBe(401);
    expect((await fetch(`${guarded.url}/metrics`, { headers: { authorization: TOKEN } })).status).toBe(401);
    const scraped = await fetch(`${guarded.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('http_request_duration_seconds');
  });
});
