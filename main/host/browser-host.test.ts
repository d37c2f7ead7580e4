import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  HOST_BRIDGE_PROTOCOL,
  HOST_KEY_SUBPROTOCOL_PREFIX,
  LISTEN_PORT_OFFER,
  WEB_TEST_PORT_OFFER,
  decodeBridgeJson,
  encodeBridgeJson,
} from '@voxanne/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { silentLogger } from '../core/logger.js';
import { FakeBackend, PASSWORD, USER } from '../test/fake-backend.js';
import { callSummary } from '../test/live-events.js';
import { HOST_KEY_HEADER, HOST_NOTIFICATIONS_PATH, startBrowserHost, type BrowserHost } from './browser-host.js';
import { waitFor } from '../test/wait-for.js';

let backend: FakeBackend;
let host: BrowserHost;
let dataDir: string;

beforeEach(async () => {
  backend = await new FakeBackend().start();
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'voxanne-host-test-'));
  host = await startBrowserHost({
    backendUrl: backend.url,
    port: 0,
    dataDir,
    rendererDir: path.join(dataDir, 'no-renderer'),
    externalLinkHosts: [],
    version: '0.0.0-test',
    logger: silentLogger,
  });
});
afterEach(async () => {
  await host.close();
  await backend.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function connect(options: { key?: string; origin?: string; path?: string } = {}) {
  const ws = new WebSocket(
    `${host.origin.replace('http', 'ws')}${options.path ?? '/bridge'}`,
    [HOST_BRIDGE_PROTOCOL, HOST_KEY_SUBPROTOCOL_PREFIX + (options.key ?? host.secret)],
    {
      origin: options.origin ?? host.origin,
    },
  );
  const messages: { type: string; id?: number; channel?: string; payload?: unknown; result?: { ok: boolean; data?: unknown } }[] = [];
  ws.on('message', (data) => messages.push(decodeBridgeJson(String(data)) as (typeof messages)[number]));
  return { ws, messages };
}
function refusedWith(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
}
const opened = (ws: WebSocket) => new Promise<void>((resolve, reject) => (ws.once('open', () => resolve()), ws.once('error', reject)));

describe('browser host: the loopback bridge', () => {
  it('prints a loopback URL that carries the secret in the fragment', () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#k=[\w-]{32}$/);
  });

  it('refuses a wrong key, another origin, and a missing key', async () => {
    expect(await refusedWith(connect({ key: 'wrong' }).ws)).toBe(401);
    expect(await refusedWith(connect({ origin: 'http://evil.example' }).ws)).toBe(403);
    expect(await refusedWith(connect({ origin: host.origin.replace('127.0.0.1', 'localhost') }).ws)).toBe(403);
  });

  it('signs in through the same validating door as Electron and pushes state changes', async () => {
    const { ws, messages } = connect();
    await opened(ws);
    ws.send(encodeBridgeJson({ type: 'invoke', id: 1, channel: 'session.login', request: { email: USER.email, password: PASSWORD } }));
    ws.send(encodeBridgeJson({ type: 'invoke', id: 2, channel: 'calls.list', request: { limit: 500 } }));
    ws.send(encodeBridgeJson({ type: 'invoke', id: 3, channel: 'shell.exec', request: {} }));
    await waitFor(() => expect(messages.filter((m) => m.type === 'result')).toHaveLength(3));
    const result = (id: number) => messages.find((m) => m.type === 'result' && m.id === id)?.result;
    expect(result(1)).toEqual({ ok: true, data: { status: 'signed-in', user: USER } });
    expect(result(2)).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(result(3)).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    await waitFor(() =>
      expect(messages).toContainEqual(
        expect.objectContaining({ type: 'push', channel: 'connection.onState', payload: expect.objectContaining({ status: 'live' }) }),
      ),
    );
    expect(statSync(path.join(dataDir, 'refresh-token')).mode & 0o777).toBe(0o600);
    ws.close();
  });

  it('keeps its data directory owner-only (0700), new or existing, and its files 0600', async () => {
    const fresh = path.join(dataDir, 'fresh', 'nested');
    const loose = path.join(dataDir, 'loose');
    mkdirSync(loose);
    chmodSync(loose, 0o777);
    for (const dir of [fresh, loose]) {
      const other = await startBrowserHost({
        backendUrl: backend.url,
        port: 0,
        dataDir: dir,
        rendererDir: path.join(dataDir, 'no-renderer'),
        externalLinkHosts: [],
        version: '0.0.0-test',
        logger: silentLogger,
      });
      try {
        expect(statSync(dir).mode & 0o777).toBe(0o700);
        expect((await other.core.invoke('session.login', { email: USER.email, password: PASSWORD })).ok).toBe(true);
        expect(statSync(path.join(dir, 'refresh-token')).mode & 0o777).toBe(0o600);
      } finally {
        await other.close();
      }
    }
  });

  it('closes a socket that sends something off the contract', async () => {
    const { ws } = connect();
    await opened(ws);
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    ws.send(JSON.stringify({ type: 'exec', command: 'rm -rf /' }));
    expect(await closed).toBe(1008);
  });

  it('shows the recorded notifications to a test holding the key, and clicks one', async () => {
    await host.core.invoke('session.login', { email: USER.email, password: PASSWORD });
    await waitFor(() => expect(host.core.live.getState().status).toBe('live'));
    const call = callSummary();
    backend.emit({ kind: 'call.started', data: { call } });
    const hook = `${host.origin}${HOST_NOTIFICATIONS_PATH}`;
    expect((await fetch(hook)).status).toBe(401);
    let list: { notifications: { id: string; navigate: unknown }[] } = { notifications: [] };
    await waitFor(async () => {
      list = (await (await fetch(hook, { headers: { [HOST_KEY_HEADER]: host.secret } })).json()) as typeof list;
      expect(list.notifications).toHaveLength(1);
    });
    expect(list.notifications[0]?.navigate).toEqual({ page: 'call', callId: call.id });
    const { ws, messages } = connect();
    await opened(ws);
    const clicked = await fetch(`${hook}/${list.notifications[0]?.id}/click`, {
      method: 'POST',
      headers: { [HOST_KEY_HEADER]: host.secret },
    });
    expect(clicked.status).toBe(200);
    await waitFor(() =>
      expect(messages).toContainEqual({ type: 'push', channel: 'app.onNavigate', payload: { page: 'call', callId: call.id } }),
    );
    ws.close();
  });

  it('clicks a notification’s Listen button for a test: the call opens with listening started', async () => {
    await host.core.invoke('session.login', { email: USER.email, password: PASSWORD });
    await waitFor(() => expect(host.core.live.getState().status).toBe('live'));
    const callId = randomUUID();
    backend.emit({
      kind: 'attention.needed',
      data: { callId, reason: 'caller_asked_for_staff', message: 'Wants a person', patientName: 'Ada Lovelace', callerNumber: null },
    });
    const hook = `${host.origin}${HOST_NOTIFICATIONS_PATH}`;
    const headers = { [HOST_KEY_HEADER]: host.secret };
    let id = '';
    await waitFor(async () => {
      const list = (await (await fetch(hook, { headers })).json()) as { notifications: { id: string }[] };
      id = list.notifications[0]?.id ?? '';
      expect(id).not.toBe('');
    });
    expect(host.notifier.tray?.attentionCalls).toEqual([{ callId, label: 'Ada Lovelace needs a person' }]);
    const { ws, messages } = connect();
    await opened(ws);
    expect((await fetch(`${hook}/${id}/click?action=shell`, { method: 'POST', headers })).status).toBe(400);
    expect((await fetch(`${hook}/${id}/click?action=listen`, { method: 'POST', headers })).status).toBe(200);
    await waitFor(() =>
      expect(messages).toContainEqual({ type: 'push', channel: 'app.onNavigate', payload: { page: 'call', callId, action: 'listen' } }),
    );
    // Opened: it no longer waits in the tray's list.
    expect(host.notifier.tray?.attentionCalls).toEqual([]);
    ws.close();
  });

  it('relays a web-test session over its own socket', async () => {
    await host.core.invoke('session.login', { email: USER.email, password: PASSWORD });
    const ws = new WebSocket(
      `${host.origin.replace('http', 'ws')}/bridge/web-test`,
      [HOST_BRIDGE_PROTOCOL, HOST_KEY_SUBPROTOCOL_PREFIX + host.secret],
      {
        origin: host.origin,
      },
    );
    const received: unknown[] = [];
    ws.on('message', (data, isBinary) => received.push(isBinary ? (data as Buffer).length : JSON.parse(String(data))));
    await opened(ws);
    ws.send(JSON.stringify({ type: WEB_TEST_PORT_OFFER, relayId: randomUUID() }));
    ws.send(JSON.stringify({ type: 'start' }));
    ws.send(Buffer.alloc(640, 1));
    await waitFor(() => expect(received).toContainEqual(expect.objectContaining({ type: 'ready' })));
    await waitFor(() => expect(received).toContain(640));
    ws.close();
  });

  it('relays a call to listen to over its own socket, and closes it when the console signs out', async () => {
    await host.core.invoke('session.login', { email: USER.email, password: PASSWORD });
    const ws = new WebSocket(
      `${host.origin.replace('http', 'ws')}/bridge/listen`,
      [HOST_BRIDGE_PROTOCOL, HOST_KEY_SUBPROTOCOL_PREFIX + host.secret],
      {
        origin: host.origin,
      },
    );
    const received: unknown[] = [];
    ws.on('message', (data, isBinary) => received.push(isBinary ? (data as Buffer).length : JSON.parse(String(data))));
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    await opened(ws);
    ws.send(JSON.stringify({ type: LISTEN_PORT_OFFER, relayId: randomUUID(), callId: randomUUID() }));
    await waitFor(() => expect(received).toContainEqual(expect.objectContaining({ type: 'listening' })));
    for (const socket of backend.listenSockets) socket.send(Buffer.alloc(640, 3), { binary: true });
    await waitFor(() => expect(received).toContain(640));
    await host.core.invoke('session.logout', {});
    expect(await closed).toBe(1000);
    expect(received.at(-1)).toMatchObject({ type: 'relay-status', status: 'closed', reason: 'Signed out.' });
    await waitFor(() => expect(backend.listenSockets.size).toBe(0));
  });

  it('serves a clear page when the renderer is not built', async () => {
    const response = await fetch(host.origin);
    expect(response.status).toBe(503);
    expect(await response.text()).toContain('npm run build -w @voxanne/renderer');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
  });
});
