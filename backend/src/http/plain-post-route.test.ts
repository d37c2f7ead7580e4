// A POST route answered ahead of Express: the same body limit, encodings, error shape, request id,
// log line and metrics as an Express route, over a real node:http server.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.js';
import { createMetrics } from '../metrics.js';
import { AppError } from '../errors.js';
import { eventually } from '../../test/support/eventually.js';
import { capturedLog } from '../../test/support/log-lines.js';
import { plainPostRoute, type PlainRequest } from './plain-post-route.js';

describe('plain POST route', () => {
  const { lines, destination } = capturedLog();
  const metrics = createMetrics();
  const seen: PlainRequest[] = [];
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    const logger = createLogger('info', destination);
    const route = plainPostRoute('/hooks/echo', { logger, metrics, bodyLimitBytes: 1_000 }, async (request) => {
      seen.push(request);
      const text = request.body.toString('utf8');
      if (text === 'refuse') throw new AppError('conflict', 'Not this one.');
      if (text === 'crash') throw new Error('secret detail of the failure');
      return { echoed: text };
    });
    server = http.createServer((req, res) => {
      if (!route(req, res)) res.writeHead(418).end('express would answer');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    lines.length = 0;
    seen.length = 0;
  });

  const post = (body: Buffer | string, headers: Record<string, string> = {}, path = '/hooks/echo') =>
    fetch(`${base}${path}`, { method: 'POST', headers, body });

  it('answers a POST to its path (query string ignored) with JSON, and leaves everything else alone', async () => {
    const res = await post('hello', { 'content-type': 'text/plain' }, '/hooks/echo?attempt=2');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await res.json()).toEqual({ echoed: 'hello' });
    expect((await fetch(`${base}/hooks/echo`)).status).toBe(418);
    expect((await post('x', {}, '/hooks/echo/more')).status).toBe(418);
    expect((await post('x', {}, '/hooks')).status).toBe(418);
    expect(seen).toHaveLength(1);
  });

  it('reads gzip, deflate and brotli bodies as Express does, and refuses other encodings with 415', async () => {
    for (const [encoding, encode] of [
      ['gzip', zlib.gzipSync],
      ['deflate', zlib.deflateSync],
      ['br', zlib.brotliCompressSync],
    ] as const) {
      const res = await post(encode(Buffer.from(`packed with ${encoding}`)), { 'content-encoding': encoding });
      expect(await res.json()).toEqual({ echoed: `packed with ${encoding}` });
    }
    const unknown = await post('abc', { 'content-encoding': 'compress' });
    expect(unknown.status).toBe(415);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('unsupported_media_type');
    const broken = await post(Buffer.from('not gzip at all'), { 'content-encoding': 'gzip' });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { error: { code: string } }).error.code).toBe('bad_request');
    expect(seen).toHaveLength(3);
  });

  it('refuses a body over the limit with 413, declared or streamed, and after decoding', async () => {
    const declared = await post('x'.repeat(1_001));
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
    const chunked = await fetch(`${base}/hooks/echo`, {
      method: 'POST',
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('y'.repeat(800)));
          controller.enqueue(new TextEncoder().encode('y'.repeat(800)));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    // 40 kB of zeros packs into a few dozen bytes: the limit is on what the body becomes.
    const bomb = await post(zlib.gzipSync(Buffer.alloc(40_000)), { 'content-encoding': 'gzip' });
    expect(bomb.status).toBe(413);
    expect(seen).toEqual([]);
  });

  it('answers an AppError in the one error shape, and any other failure as a 500 that reveals nothing', async () => {
    const refused = await post('refuse');
    expect(refused.status).toBe(409);
    expect(await refused.json()).toEqual({ error: { code: 'conflict', message: 'Not this one.' } });
    const crashed = await post('crash');
    expect(crashed.status).toBe(500);
    const body = await crashed.text();
    expect(JSON.parse(body)).toMatchObject({ error: { code: 'internal' } });
    expect(body).not.toContain('secret detail');
    // The line is written as the answer is sent, which this process may read first.
    await eventually(async () => expect(lines.some((line) => line.level === 'error' && line.msg === 'unhandled error')).toBe(true));
  });

  it('keeps the caller’s request id (or makes one up), logs one line and counts the request under its route', async () => {
    const res = await post('hi', { 'x-request-id': 'vapi-delivery-0001' });
    expect(res.headers.get('x-request-id')).toBe('vapi-delivery-0001');
    await res.arrayBuffer();
    const made = await post('hi', { 'x-request-id': 'not usable!' });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    await made.arrayBuffer();
    const written = await eventually(async () => {
      const completed = lines.filter((line) => line.msg === 'request completed');
      expect(completed).toHaveLength(2);
      return completed;
    });
    expect(written).toEqual([
      expect.objectContaining({
        level: 'info',
        reqId: 'vapi-delivery-0001',
        req: { method: 'POST', path: '/hooks/echo' },
        res: { statusCode: 200 },
      }),
      expect.objectContaining({ reqId: made.headers.get('x-request-id'), res: { statusCode: 200 } }),
    ]);
    const counted = (await metrics.httpDuration.get()).values.find(
      (v) => v.metricName === 'http_request_duration_seconds_count' && v.labels.route === '/hooks/echo' && v.labels.status === '200',
    );
    expect(counted?.value).toBeGreaterThanOrEqual(2);
  });
});
