import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { randomUUID } from 'node:crypto';
import {
  DEFAULT_DESKTOP_SETTINGS,
  LiveCloseCode,
  WEB_TEST_PORT_OFFER,
  type UploadProgress,
  type WorkItemDetailResponse,
} from '@voxanne/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCoreHarness, settle, type CoreHarness } from '../test/core-harness.js';
import { callSummary } from '../test/live-events.js';
import { USER } from '../test/fake-backend.js';
import { UserMessage } from './user-messages.js';
import type { RelayPort } from './web-test-relay.js';
import { waitFor } from '../test/wait-for.js';

let h: CoreHarness;
beforeEach(async () => {
  h = await createCoreHarness();
});
afterEach(async () => {
  await h.close();
});

describe('IPC door: every request validated, every answer a value', () => {
  it('refuses a channel that is not in the table', async () => {
    expect(await h.core.invoke('shell.exec', {})).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(await h.core.invoke('__proto__', {})).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(await h.core.invoke(42, {})).toMatchObject({ ok: false, error: { code: 'bad_request' } });
  });

  it('refuses a malformed request with field details and changes nothing', async () => {
    await h.signIn();
    const before = structuredClone(h.settings.saved);
    const result = await h.invoke('settings.update', { ...before, autoLockMinutes: -5, extra: true });
    expect(result).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(!result.ok && result.error.details?.map((d) => d.path)).toEqual(expect.arrayContaining(['autoLockMinutes']));
    expect(h.settings.saved).toEqual(before);
    expect(h.pushes.some((p) => p.channel === 'settings.onChanged')).toBe(false);
  });

  it('checks the phone number in main before anything reaches the backend', async () => {
    await h.signIn();
    const result = await h.invoke('testCalls.phone', { phoneNumber: '07946 0958' });
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid_phone_number', message: expect.stringContaining('country code') } });
    expect(h.backend.requests.some((r) => r.path === '/api/test-calls/phone')).toBe(false);
  });

  it('limits test calls to three a minute', async () => {
    await h.signIn();
    const call = () => h.invoke('testCalls.phone', { phoneNumber: '+442079460958' });
    expect((await call()).ok && (await call()).ok && (await call()).ok).toBe(true);
    expect(await call()).toMatchObject({ ok: false, error: { code: 'rate_limited', message: 'Too many test calls. Try again in 60 s.' } });
    await h.clock.tick(60_000);
    expect((await call()).ok).toBe(true);
  });

  it('answers data requests with "sign in first" when signed out', async () => {
    expect(await h.invoke('calls.list', {})).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
  });

  it('opens only https links on the allow-list', async () => {
    expect(await h.invoke('app.openExternal', { url: 'https://docs.vapi.ai/quickstart' })).toEqual({ ok: true, data: null });
    expect(await h.invoke('app.openExternal', { url: 'http://docs.vapi.ai/' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await h.invoke('app.openExternal', { url: 'https://evil.example/' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await h.invoke('app.openExternal', { url: 'file:///etc/passwd' })).toMatchObject({ ok: false });
    expect(h.shell.opened).toEqual(['https://docs.vapi.ai/quickstart']);
  });

  it('reports where the token is kept and what host it runs in', async () => {
    expect(await h.invoke('app.getInfo')).toEqual({
      ok: true,
      data: {
        version: '0.0.0-test',
        host: 'browser',
        platform: 'linux',
        backendUrl: h.backend.url,
        tokenStorage: { persistent: true, warning: null },
        startAtLoginSupported: true,
      },
    });
  });

  it('saves settings, applies start-at-login and tells the renderer', async () => {
    const next = { ...DEFAULT_DESKTOP_SETTINGS, startAtLogin: true, theme: 'dark' as const };
    expect(await h.invoke('settings.update', next)).toEqual({ ok: true, data: next });
    expect(h.settings.saved).toEqual(next);
    expect(h.shell.startAtLogin).toEqual([true]);
    expect(h.pushes.at(-1)).toEqual({ channel: 'settings.onChanged', payload: next });
  });

  it('uploads a knowledge document as multipart with progress, ending at the total', async () => {
    await h.signIn();
    const data = new Uint8Array(200_000).fill(65);
    const uploadId = randomUUID();
    const result = await h.invoke('knowledge.upload', { uploadId, filename: 'opening-hours.txt', data });
    expect(result).toMatchObject({ ok: true, data: { filename: 'opening-hours.txt' } });
    const progress = h.pushes.filter((p) => p.channel === 'knowledge.onUploadProgress').map((p) => p.payload as UploadProgress);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)?.sentBytes).toBe(progress.at(-1)?.totalBytes);
    expect(progress.every((p) => p.uploadId === uploadId)).toBe(true);
    const request = h.backend.requests.find((r) => r.path === '/api/knowledge-base');
    expect(request?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(request?.body).toContain('filename="opening-hours.txt"');
  });

  it('hands the activity CSV over as text with a dated file name, filters passed on', async () => {
    await h.signIn();
    const result = await h.invoke('auditLog.exportCsv', { action: 'call.viewed' });
    expect(result).toEqual({
      ok: true,
      data: {
        filename: `activity-${new Date(h.clock.now()).toISOString().slice(0, 10)}.csv`,
        csv: 'at,action\n2026-03-02T09:00:00.000Z,call.viewed\n',
      },
    });
    expect(h.backend.requests.find((r) => r.path === '/api/audit-log.csv')?.headers.accept).toBe('text/csv');
  });

  it('refuses a document type the assistant cannot read', async () => {
    await h.signIn();
    const result = await h.invoke('knowledge.upload', { uploadId: randomUUID(), filename: 'virus.exe', data: new Uint8Array(4) });
    expect(result).toMatchObject({ ok: false, error: { code: 'unsupported_media_type' } });
  });

  it('opens the call and focuses the window when a notification is clicked', async () => {
    await h.signIn();
    const call = callSummary({ startedAt: new Date(h.clock.now()).toISOString() });
    h.backend.emit({ kind: 'call.started', data: { call } }, new Date(h.clock.now()));
    await waitFor(() => expect(h.notifications.shown).toHaveLength(1));
    h.notifications.shown[0]?.click();
    expect(h.shell.focused).toBe(1);
    expect(h.pushes.at(-1)).toEqual({ channel: 'app.onNavigate', payload: { page: 'call', callId: call.id } });
  });
});

/** A Node MessagePort as the relay sees one (Electron's MessagePortMain has the same shape). */
function relayPortOf(port: MessagePort): RelayPort {
  return {
    post: (message) => port.postMessage(message),
    onMessage: (listener) => port.on('message', listener),
    onClose: (listener) => port.on('close', listener),
    close: () => port.close(),
  };
}

describe('Web-test relay (plumbing)', () => {
  it('carries control messages and 640-byte frames both ways without handing the renderer a token', async () => {
    await h.signIn();
    const { port1: renderer, port2: main } = new MessageChannel();
    const received: unknown[] = [];
    renderer.on('message', (m) => received.push(m));
    expect(h.core.attachWebTestPort(relayPortOf(main), { type: WEB_TEST_PORT_OFFER, relayId: randomUUID() })).toBe(true);
    const frame = new Uint8Array(640).fill(7);
    renderer.postMessage(frame);
    renderer.postMessage({ type: 'start' });
    await waitFor(() => expect(received.some((m) => (m as { type?: string }).type === 'ready')).toBe(true));
    await waitFor(() => expect(received.some((m) => m instanceof Uint8Array && m.byteLength === 640 && m[0] === 7)).toBe(true));
    expect(received[0]).toEqual({ type: 'relay-status', status: 'connecting', reason: null, droppedFrames: 0 });
    expect(received).toContainEqual({ type: 'relay-status', status: 'open', reason: null, droppedFrames: 0 });
    expect(JSON.stringify(received)).not.toContain('at-');
    renderer.close();
    await waitFor(() => expect(h.backend.webTestSockets.size).toBe(0));
  });

  it('drops frames of the wrong size and messages off the contract', async () => {
    await h.signIn();
    const { port1: renderer, port2: main } = new MessageChannel();
    const received: unknown[] = [];
    renderer.on('message', (m) => received.push(m));
    h.core.attachWebTestPort(relayPortOf(main), { type: WEB_TEST_PORT_OFFER, relayId: randomUUID() });
    await waitFor(() => expect(h.backend.webTestSockets.size).toBe(1));
    renderer.postMessage(new Uint8Array(100));
    renderer.postMessage({ type: 'auth', accessToken: 'stolen' });
    renderer.postMessage({ type: 'start' });
    await waitFor(() => expect(received.some((m) => (m as { type?: string }).type === 'ready')).toBe(true));
    await settle(30);
    expect(received.filter((m) => m instanceof Uint8Array)).toEqual([]);
    renderer.close();
  });

  it('refuses a port when signed out or when the offer is malformed', async () => {
    const { port2: main } = new MessageChannel();
    expect(h.core.attachWebTestPort(relayPortOf(main), { type: WEB_TEST_PORT_OFFER, relayId: randomUUID() })).toBe(false);
    await h.signIn();
    const { port2: other } = new MessageChannel();
    expect(h.core.attachWebTestPort(relayPortOf(other), { type: 'something-else' })).toBe(false);
  });

  it('answers the backend’s token-expiring with a fresh access token, and keeps it from the renderer', async () => {
    await h.signIn();
    const { port1: renderer, port2: main } = new MessageChannel();
    const received: unknown[] = [];
    renderer.on('message', (m) => received.push(m));
    h.core.attachWebTestPort(relayPortOf(main), { type: WEB_TEST_PORT_OFFER, relayId: randomUUID() });
    await waitFor(() => expect(h.backend.webTestSockets.size).toBe(1));
    for (const s of h.backend.webTestSockets) s.send(JSON.stringify({ type: 'token-expiring', expiresAt: new Date().toISOString() }));
    await waitFor(() =>
      expect(h.backend.webTestMessages).toContainEqual({ type: 'auth', accessToken: expect.stringMatching(/^at-/) as unknown }),
    );
    expect(received.some((m) => (m as { type?: string }).type === 'token-expiring')).toBe(false);
    expect(JSON.stringify(received)).not.toContain('at-');
    renderer.close();
  });

  it('says why when the backend turns a web test away for too many open ones (4029)', async () => {
    await h.signIn();
    const { port1: renderer, port2: main } = new MessageChannel();
    const received: unknown[] = [];
    renderer.on('message', (m) => received.push(m));
    h.core.attachWebTestPort(relayPortOf(main), { type: WEB_TEST_PORT_OFFER, relayId: randomUUID() });
    await waitFor(() => expect(h.backend.webTestSockets.size).toBe(1));
    for (const s of h.backend.webTestSockets) s.close(LiveCloseCode.tooManyConnections, 'too many connections');
    await waitFor(() =>
      expect(received).toContainEqual({ type: 'relay-status', status: 'closed', reason: UserMessage.tooManyWebTests, droppedFrames: 0 }),
    );
  });

  it('ends the relay and closes the port with a reason when the backend socket drops', async () => {
    await h.signIn();
    const { port1: renderer, port2: main } = new MessageChannel();
    const received: unknown[] = [];
    renderer.on('message', (m) => received.push(m));
    h.core.attachWebTestPort(relayPortOf(main), { type: WEB_TEST_PORT_OFFER, relayId: randomUUID() });
    await waitFor(() => expect(h.backend.webTestSockets.size).toBe(1));
    for (const s of h.backend.webTestSockets) s.terminate();
    await waitFor(() =>
      expect(received).toContainEqual({ type: 'relay-status', status: 'closed', reason: UserMessage.webTestLostContact, droppedFrames: 0 }),
    );
    expect(h.core.webTest.activeCount).toBe(0);
  });
});

describe('Tray: Listen and Take call on a call that needs a person', () => {
  it('opens the call with the action started; behind the lock it only opens the call', async () => {
    await h.signIn();
    const callId = randomUUID();
    const navigations = () => h.pushes.filter((p) => p.channel === 'app.onNavigate').map((p) => p.payload);
    h.core.openCall(callId, 'listen');
    expect(h.shell.focused).toBe(1);
    expect(navigations()).toEqual([{ page: 'call', callId, action: 'listen' }]);
    await h.invoke('session.lock');
    h.core.openCall(callId, 'take');
    expect(navigations().at(-1)).toEqual({ page: 'call', callId });
  });
});

describe('My number for taking calls', () => {
  it('is always the signed-in staff member’s, normalised in main; a bad number never reaches the backend', async () => {
    await h.signIn();
    const bad = await h.invoke('callControl.setTransferNumber', { transferNumber: '020 7946 0123' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_phone_number', message: expect.stringContaining('country code') } });
    expect(h.backend.requests.some((r) => r.path.endsWith('/transfer-number'))).toBe(false);
    // The renderer cannot name whose number it is.
    expect(await h.invoke('callControl.setTransferNumber', { transferNumber: '+442079460123', staffId: randomUUID() })).toMatchObject({
      ok: false,
      error: { code: 'validation_failed' },
    });
    expect(await h.invoke('callControl.setTransferNumber', { transferNumber: '+44 20 7946 0123' })).toEqual({
      ok: true,
      data: { staffId: USER.id, transferNumber: '+442079460123' },
    });
    expect(h.backend.requests.at(-1)).toMatchObject({ method: 'PUT', path: `/api/staff/${USER.id}/transfer-number` });
    expect(await h.invoke('callControl.getTransferNumber')).toMatchObject({ ok: true, data: { transferNumber: '+442079460123' } });
  });
});

describe('A work item with its history', () => {
  const itemId = randomUUID();
  const callId = randomUUID();
  const detail: WorkItemDetailResponse = {
    item: {
      id: itemId,
      kind: 'missed_call',
      priority: 'normal',
      status: 'claimed',
      title: 'Missed call',
      detail: null,
      callerNumber: '+442079460958',
      patientId: null,
      patientName: null,
      callId,
      bookingId: null,
      callCount: 1,
      dueAt: '2026-11-24T11:00:00.000Z',
      claimedBy: { id: USER.id, name: USER.name },
      claimedAt: '2026-11-24T09:20:00.000Z',
      outcome: null,
      note: null,
      doneBy: null,
      doneAt: null,
      createdAt: '2026-11-24T09:00:00.000Z',
      updatedAt: '2026-11-24T09:20:00.000Z',
    },
    history: [
      { id: randomUUID(), at: '2026-11-24T09:00:00.000Z', action: 'created', staff: null, callId, outcome: null, note: null },
      {
        id: randomUUID(),
        at: '2026-11-24T09:05:00.000Z',
        action: 'text_reply',
        staff: null,
        callId: null,
        outcome: null,
        note: 'After 3?',
      },
      {
        id: randomUUID(),
        at: '2026-11-24T09:20:00.000Z',
        action: 'claimed',
        staff: { id: USER.id, name: USER.name },
        callId: null,
        outcome: null,
        note: null,
      },
    ],
  };
  // Main lists the queue itself for the tray badge; only requests for one item count here.
  const asked = () => h.backend.requests.filter((r) => r.path.startsWith('/api/work-items/'));

  it('asks only with a well-formed id, and hands over the item and its history as the backend sent them', async () => {
    await h.signIn();
    expect(await h.invoke('workItems.get', { id: 'not-an-id' })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(await h.invoke('workItems.get', { id: itemId, history: true })).toMatchObject({
      ok: false,
      error: { code: 'validation_failed' },
    });
    expect(asked()).toEqual([]);

    h.backend.workItems.set(itemId, detail);
    expect(await h.invoke('workItems.get', { id: itemId })).toEqual({ ok: true, data: detail });
    expect(asked()).toMatchObject([{ method: 'GET', path: `/api/work-items/${itemId}` }]);
    // Another clinic's item, or none: the backend's 404 reaches the renderer as it is.
    expect(await h.invoke('workItems.get', { id: randomUUID() })).toMatchObject({
      ok: false,
      error: { code: 'not_found', message: 'Work item not found.' },
    });
  });

  it('keeps an answer outside the contract from the renderer', async () => {
    await h.signIn();
    const created = detail.history[0]!;
    h.backend.workItems.set(itemId, { ...detail, history: [{ ...created, action: 'teleported' }] });
    expect(await h.invoke('workItems.get', { id: itemId })).toEqual({
      ok: false,
      error: { code: 'internal', message: UserMessage.serverConfused },
    });
    h.backend.workItems.set(itemId, { ...detail, history: [{ ...created, note: 'bad\u0000note' }] });
    expect(await h.invoke('workItems.get', { id: itemId })).toMatchObject({ ok: false, error: { code: 'internal' } });
  });
});
