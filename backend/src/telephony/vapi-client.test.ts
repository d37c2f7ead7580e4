import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ProviderRequestError, VapiClient } from './vapi-client.js';

/** A real HTTP server whose answers the test scripts, recording what it was asked. */
async function fakeVapi(
  answer: (
    req: http.IncomingMessage,
    attempt: number,
  ) => { status: number; body?: unknown; delayMs?: number; headers?: Record<string, string> },
) {
  const seen: Array<{ method: string; url: string; authorization: string | undefined }> = [];
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization });
    const reply = answer(req, seen.length);
    const send = () => {
      if (res.destroyed) return;
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
    };
    req.resume();
    req.on('end', () => (reply.delayMs ? setTimeout(send, reply.delayMs) : send()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('Vapi REST client', () => {
  let server: Awaited<ReturnType<typeof fakeVapi>> | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  const client = (overrides: Partial<ConstructorParameters<typeof VapiClient>[0]> = {}) =>
    new VapiClient({ baseUrl: server!.url, apiKey: 'test-key', backoffMs: 5, ...overrides });

  it('sends the key as a Bearer token and parses the resource', async () => {
    server = await fakeVapi(() => ({ status: 201, body: { id: 'asst_1', name: 'Ava', orgId: 'org' } }));
    const created = await client().createAssistant({ name: 'Ava' });
    expect(created).toMatchObject({ id: 'asst_1', name: 'Ava' });
    expect(server.seen).toEqual([{ method: 'POST', url: '/assistant', authorization: 'Bearer test-key' }]);
  });

  it('maps a rejected key to provider_auth_failed with a readable message', async () => {
    server = await fakeVapi(() => ({ status: 401, body: { message: 'Invalid Key.', error: 'Unauthorized', statusCode: 401 } }));
    const error = await client()
      .getAssistant('a')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderRequestError);
    expect(error).toMatchObject({ code: 'provider_auth_failed', providerStatus: 401 });
    expect((error as Error).message).toMatch(/API key/);
    expect(server.seen).toHaveLength(1); // not retried
  });

  it('names an unknown resource (e.g. a phone number) with 404 and does not retry it', async () => {
    server = await fakeVapi(() => ({ status: 404, body: { message: "Couldn't Find Phone Number", error: 'Not Found', statusCode: 404 } }));
    const error = await client()
      .deletePhoneNumber('pn')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'provider_error', providerStatus: 404 });
    expect((error as Error).message).toMatch(/does not know this phone number/);
    expect(server.seen).toHaveLength(1);
  });

  it('passes on Vapi’s own validation message for a refused request', async () => {
    server = await fakeVapi(() => ({
      status: 400,
      body: { message: ['customer.number must be a valid phone number in the E.164 format'], error: 'Bad Request', statusCode: 400 },
    }));
    const error = await client()
      .createCall({ assistantId: 'a', phoneNumberId: 'p', customer: { number: '123' } })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'provider_error' });
    expect((error as Error).message).toMatch(/E\.164/);
  });

  it('retries an idempotent request with backoff when the vendor is down, then succeeds', async () => {
    server = await fakeVapi((_req, attempt) =>
      attempt < 3 ? { status: 503, body: { message: 'down' } } : { status: 200, body: { id: 'call_1' } },
    );
    expect(await client().getCall('call_1')).toMatchObject({ id: 'call_1' });
    expect(server.seen.map((s) => s.method)).toEqual(['GET', 'GET', 'GET']);
  });

  it('reports provider_unavailable after the retries of an idempotent request are used up', async () => {
    server = await fakeVapi(() => ({ status: 502, body: { message: 'bad gateway' } }));
    const error = await client({ retries: 2 })
      .updateAssistant('a', { name: 'x' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'provider_unavailable' });
    expect(server.seen).toHaveLength(3);
  });

  it('never retries a POST (a second call or assistant could be created)', async () => {
    server = await fakeVapi(() => ({ status: 503, body: { message: 'down' } }));
    const error = await client()
      .createCall({ assistantId: 'a', phoneNumberId: 'p', customer: { number: '+441614960123' } })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'provider_unavailable' });
    expect(server.seen).toHaveLength(1);
  });

  it('gives up on a request that does not answer within the timeout', async () => {
    server = await fakeVapi(() => ({ status: 200, body: { id: 'late' }, delayMs: 2_000 }));
    const error = await client({ timeoutMs: 150, retries: 1 })
      .getAssistant('a')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'provider_unavailable' });
    expect((error as Error).message).toMatch(/did not answer/);
    expect(server.seen).toHaveLength(2);
  });

  it('reports an unreachable vendor as provider_unavailable', async () => {
    server = await fakeVapi(() => ({ status: 200 }));
    const url = server.url;
    await server.close();
    server = undefined;
    const error = await new VapiClient({ baseUrl: url, apiKey: 'k', backoffMs: 1, retries: 0 }).getCall('x').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'provider_unavailable' });
  });

  it('uploads a file as multipart/form-data', async () => {
    let contentType = '';
    server = await fakeVapi((req) => {
      contentType = req.headers['content-type'] ?? '';
      return { status: 201, body: { id: 'file_1', status: 'done' } };
    });
    expect(await client().uploadFile({ name: 'faq.txt', bytes: Buffer.from('Parking is free.'), mimeType: 'text/plain' })).toMatchObject({
      id: 'file_1',
    });
    expect(contentType).toMatch(/^multipart\/form-data; boundary=/);
  });
});
