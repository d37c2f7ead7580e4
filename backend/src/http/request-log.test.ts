// The backend's logs: JSON lines, the request id on every line written for a request, no
// query strings, no transcript text or phone numbers.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { startTestBackend, type TestBackend } from '../../test/support/test-backend.js';
import { createClinicWithStaff, signIn, type SignedIn } from '../../test/support/fixtures.js';
import { postSigned, transcript } from '../../test/support/vapi-fixtures.js';
import { eventually } from '../../test/support/eventually.js';
import { capturedLog, type LogLine } from '../../test/support/log-lines.js';

describe('request logging', () => {
  let database: TestDatabase;
  let backend: TestBackend;
  let staff: SignedIn;
  const { lines, destination } = capturedLog();

  beforeAll(async () => {
    database = await openTestDatabase('pglite');
    backend = await startTestBackend(database, { LOG_LEVEL: 'info' }, destination);
    staff = await signIn(backend.url, await createClinicWithStaff(database.db));
  });
  afterAll(async () => {
    await backend?.close();
    await database?.close();
  });
  beforeEach(() => {
    lines.length = 0;
  });

  /**
   * The lines written by the test's `requests` requests, `res` the last: a request's "request
   * completed" line is its last and follows the response's last byte, so wait for that many.
   */
  async function linesAfter(res: Response, requests = 1): Promise<LogLine[]> {
    await res.arrayBuffer();
    await eventually(async () => expect(lines.filter((line) => line.msg === 'request completed')).toHaveLength(requests));
    return [...lines];
  }

  it('writes one line per request with the id the caller sent, its status, path and time', async () => {
    const id = `desk-${randomUUID()}`;
    const res = await staff.api('/api/calls?limit=5', { headers: { 'x-request-id': id } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe(id);
    const written = await linesAfter(res);
    expect(written).toEqual([
      expect.objectContaining({
        level: 'info',
        msg: 'request completed',
        reqId: id,
        req: { method: 'GET', path: '/api/calls' },
        res: { statusCode: 200 },
      }),
    ]);
    expect(written[0]!.responseTime).toEqual(expect.any(Number));
  });

  it('puts the request id on every line a request causes, and logs refusals as warnings', async () => {
    const id = `desk-${randomUUID()}`;
    const res = await fetch(`${backend.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': id },
      body: JSON.stringify({ email: 'nobody@clinic.example', password: 'wrong password' }),
    });
    expect(res.status).toBe(401);
    const written = await linesAfter(res);
    expect(written.length).toBeGreaterThan(0);
    expect(written.every((line) => line.reqId === id)).toBe(true);
    expect(written.at(-1)).toMatchObject({ level: 'warn', msg: 'request completed', res: { statusCode: 401 } });
  });

  it('makes up a request id when the one sent is not usable', async () => {
    const res = await fetch(`${backend.url}/api/me`, { headers: { 'x-request-id': 'not a usable id!' } });
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await linesAfter(res)).map((line) => line.reqId)).toEqual([id]);
  });

  it('never writes a query string, a phone number or what a caller said', async () => {
    const search = await staff.api(`/api/calls?q=${encodeURIComponent('+447700900123')}`);
    expect(search.status).toBe(200);
    const said = 'My date of birth is the fourth of May';
    const webhook = await postSigned(
      backend.url,
      backend.telephony.webhookAuth.secret,
      transcript({ id: randomUUID(), assistantId: 'asst-unknown', customerNumber: '+447700900123' }, 'user', 'final', said, Date.now()),
    );
    expect(webhook.status).toBe(404);
    const written = JSON.stringify(await linesAfter(webhook, 2));
    expect(written).toContain('/api/calls');
    expect(written).toContain('/webhooks/vapi');
    expect(written).not.toContain('7700900123');
    expect(written).not.toContain(said);
  });

  it('does not log health probes and metrics scrapes', async () => {
    await (await fetch(`${backend.url}/health`)).arrayBuffer();
    await (await fetch(`${backend.url}/metrics`)).arrayBuffer();
    // A request that is logged, sent after both: once its line is written, theirs would have been.
    const marker = await fetch(`${backend.url}/api/me`);
    expect((await linesAfter(marker)).map((line) => line.req?.path)).toEqual(['/api/me']);
  });
});
