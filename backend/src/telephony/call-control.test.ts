import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CallControl, CallControlError, isVapiControlUrl } from './call-control.js';

/** A control endpoint that records what it is sent and answers with `status`. */
function controlEndpoint() {
  const received: Array<{ path: string; body: unknown; contentType: string | undefined }> = [];
  let status = 200;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: JSON.parse(body) as unknown, contentType: req.headers['content-type'] });
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return {
    server,
    received,
    answer: (s: number) => (status = s),
    url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  };
}

describe('CallControl', () => {
  const endpoint = controlEndpoint();
  let control: CallControl;
  let controlUrl: string;

  beforeAll(async () => {
    await new Promise<void>((resolve) => endpoint.server.listen(0, '127.0.0.1', resolve));
    controlUrl = `${endpoint.url()}/c0ffee/secret-token/control`;
    control = new CallControl({ allowUrl: (url) => url.origin === endpoint.url() });
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => endpoint.server.close(() => resolve()));
  });
  beforeEach(() => {
    endpoint.received.length = 0;
    endpoint.answer(200);
  });

  it('posts say, add-message, transfer and end-call as Vapi documents them', async () => {
    await control.say(controlUrl, 'One moment please.');
    await control.addMessage(controlUrl, { role: 'system', content: 'The front desk will take this call.' }, { triggerResponse: false });
    await control.transfer(controlUrl, { type: 'number', number: '+442079460999', message: '' }, 'Putting you through.');
    await control.endCall(controlUrl);
    expect(endpoint.received.map((r) => r.body)).toEqual([
      { type: 'say', content: 'One moment please.' },
      { type: 'add-message', message: { role: 'system', content: 'The front desk will take this call.' }, triggerResponseEnabled: false },
      { type: 'transfer', destination: { type: 'number', number: '+442079460999', message: '' }, content: 'Putting you through.' },
      { type: 'end-call' },
    ]);
    expect(endpoint.received.every((r) => r.path === '/c0ffee/secret-token/control' && r.contentType === 'application/json')).toBe(true);
  });

  it('reports a refusal with its status and an unreachable endpoint, never naming the URL', async () => {
    endpoint.answer(404);
    const refused = await control.endCall(controlUrl).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CallControlError);
    expect(refused).toMatchObject({ kind: 'refused', status: 404 });
    expect(String((refused as Error).message)).not.toContain('secret-token');

    // A port nobody listens on, still on an allowed origin: the request fails to connect.
    const closed = new CallControl({ allowUrl: () => true });
    const unreachable = await closed.endCall('http://127.0.0.1:9/x/secret-token/control').catch((e: unknown) => e);
    expect(unreachable).toMatchObject({ kind: 'unreachable' });
    expect(String((unreachable as Error).message)).not.toContain('secret-token');
  });

  it('attacker: posts nowhere but the platform’s own control URLs', async () => {
    for (const url of [
      'http://169.254.169.254/latest/meta-data/control',
      `${endpoint.url().replace('127.0.0.1', 'localhost')}/c0ffee/token/control`,
      'not a url',
      '',
      undefined,
      null,
    ]) {
      expect(control.accepts(url), String(url)).toBe(false);
    }
    const error = await control.say('http://169.254.169.254/control', 'hi').catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'not_allowed' });
    expect(endpoint.received).toHaveLength(0);
  });

  it('recognises Vapi’s control URLs: https on a vapi.ai host, default port, no credentials', () => {
    const accepted = [
      'https://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai/abc/control',
      'https://aws-us-west-2-production1-phone-call-websocket.vapi.ai/abc/control',
    ];
    const refused = [
      'http://phone-call-websocket.vapi.ai/abc/control',
      'https://phone-call-websocket.vapi.ai:8443/abc/control',
      'https://user:pass@phone-call-websocket.vapi.ai/abc/control',
      'https://vapi.ai.attacker.example/abc/control',
      'https://evilvapi.ai/abc/control',
      'https://127.0.0.1/abc/control',
    ];
    for (const url of accepted) expect(isVapiControlUrl(new URL(url)), url).toBe(true);
    for (const url of refused) expect(isVapiControlUrl(new URL(url)), url).toBe(false);
  });
});
