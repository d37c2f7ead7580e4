import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { randomUUID } from 'node:crypto';
import { LISTEN_PORT_OFFER, type ListenPortServerMessage } from '@voxanne/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { createCoreHarness, type CoreHarness } from '../test/core-harness.js';
import { waitFor } from '../test/wait-for.js';
import { LISTEN_PORT_BACKLOG_BYTES, LISTEN_QUEUE_FRAMES, ListenRelay, type ListenPort } from './listen-relay.js';
import { silentLogger } from './logger.js';
import type { SocketHandlers } from './ports.js';
import { UserMessage, userFacing } from './user-messages.js';

const CALL_ID = '3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b';
const frame = (n: number) => new Uint8Array(640).fill(n);

/** A port whose transport backlog the test sets, recording what was posted. */
function recordingPort() {
  const posted: (Uint8Array | ListenPortServerMessage)[] = [];
  const fromRenderer: ((data: unknown) => void)[] = [];
  const state = { backlog: 0, closed: false };
  const port: ListenPort = {
    post: (message) => void posted.push(message),
    onMessage: (listener) => void fromRenderer.push(listener),
    onClose: () => {},
    close: () => void (state.closed = true),
    get backlogBytes() {
      return state.backlog;
    },
  };
  const frames = () => posted.filter((m): m is Uint8Array => m instanceof Uint8Array);
  const messages = () => posted.filter((m): m is ListenPortServerMessage => !(m instanceof Uint8Array));
  return { port, posted, frames, messages, state, say: (data: unknown) => fromRenderer.forEach((l) => l(data)) };
}

/** A relay on a socket the test drives by hand. */
function relayOnFakeSocket(requestTicket: (callId: string) => Promise<string> = async () => 'ticket-0123456789abcdef') {
  const opened: { url: string; protocols: string[]; handlers: SocketHandlers; sent: unknown[]; closed: number | null }[] = [];
  const relay = new ListenRelay({
    backendUrl: 'https://api.voxanne.test',
    accessToken: async () => 'at-secret',
    requestTicket,
    logger: silentLogger,
    openSocket: (url, protocols, handlers) => {
      const record = { url, protocols, handlers, sent: [] as unknown[], closed: null as number | null };
      opened.push(record);
      return {
        send: (data) => void record.sent.push(typeof data === 'string' ? JSON.parse(data) : data),
        ping: () => {},
        close: (code) => void (record.closed = code ?? 1000),
        terminate: () => {},
        bufferedAmount: 0,
      };
    },
  });
  return { relay, opened };
}

/** A relay listening to CALL_ID through a recording port, its socket opened (and its handshake done when `open`). */
async function listening(options: { open?: boolean; requestTicket?: (callId: string) => Promise<string> } = {}) {
  const { relay, opened } = relayOnFakeSocket(options.requestTicket);
  const p = recordingPort();
  relay.attach(p.port, { type: LISTEN_PORT_OFFER, relayId: randomUUID(), callId: CALL_ID });
  await waitFor(() => expect(opened).toHaveLength(1));
  const socket = opened[0]!;
  if (options.open ?? true) socket.handlers.onOpen('voxanne.v1');
  return { relay, p, socket };
}

describe('Listen relay', () => {
  it('asks for a ticket, presents it on /ws/listen with the token as a subprotocol, and passes frames on', async () => {
    const tickets: string[] = [];
    const { relay, opened } = relayOnFakeSocket(async (callId) => {
      tickets.push(callId);
      return 'ticket-0123456789abcdef';
    });
    const p = recordingPort();
    relay.attach(p.port, { type: LISTEN_PORT_OFFER, relayId: randomUUID(), callId: CALL_ID });
    await waitFor(() => expect(opened).toHaveLength(1));
    const socket = opened[0]!;
    expect(tickets).toEqual([CALL_ID]);
    expect(socket.url).toBe('wss://api.voxanne.test/ws/listen');
    expect(socket.protocols).toEqual(['voxanne.v1', 'auth.at-secret']);
    socket.handlers.onOpen('voxanne.v1');
    expect(socket.sent).toEqual([{ type: 'listen', ticket: 'ticket-0123456789abcdef' }]);
    socket.handlers.onMessage(JSON.stringify({ type: 'listening', callId: CALL_ID }), false);
    socket.handlers.onMessage(frame(1), true);
    socket.handlers.onMessage(new Uint8Array(100), true);
    expect(p.frames().map((f) => [f.byteLength, f[0]])).toEqual([[640, 1]]);
    expect(p.messages()).toContainEqual({ type: 'listening', callId: CALL_ID });
    // Neither the ticket nor the token goes to the renderer.
    expect(JSON.stringify(p.messages())).not.toMatch(/ticket-|at-secret/);
  });

  it('keeps at most 500 ms waiting for a backed-up port, dropping the oldest', async () => {
    const { relay, p, socket } = await listening();
    p.state.backlog = LISTEN_PORT_BACKLOG_BYTES;
    for (let i = 0; i < 40; i++) socket.handlers.onMessage(frame(i), true);
    expect(p.frames()).toEqual([]);
    // The port drains; the next frame carries the newest 500 ms with it, oldest first.
    p.state.backlog = 0;
    socket.handlers.onMessage(frame(40), true);
    const sent = p.frames().map((f) => f[0]);
    expect(sent).toHaveLength(LISTEN_QUEUE_FRAMES);
    expect(sent[0]).toBe(41 - LISTEN_QUEUE_FRAMES);
    expect(sent.at(-1)).toBe(40);
    relay.closeAll(null);
    expect(p.messages().at(-1)).toEqual({
      type: 'relay-status',
      status: 'closed',
      reason: null,
      droppedFrames: 40 + 1 - LISTEN_QUEUE_FRAMES,
    });
  });

  it('ends with the backend’s word when the call ends, closing socket and port', async () => {
    const { relay, p, socket } = await listening();
    socket.handlers.onMessage(JSON.stringify({ type: 'ended', reason: 'call-ended', message: 'The call has ended.' }), false);
    expect(p.messages()).toContainEqual({ type: 'ended', reason: 'call-ended', message: 'The call has ended.' });
    expect(p.state.closed).toBe(true);
    expect(socket.closed).toBe(1000);
    expect(relay.activeCount).toBe(0);
  });

  it('stops when the renderer says so, and ignores anything else it says', async () => {
    const { p, socket } = await listening({ open: false });
    p.say({ type: 'listen', ticket: 'someone-elses-ticket' });
    p.say(new Uint8Array(640));
    expect(socket.sent).toEqual([]);
    expect(socket.closed).toBeNull();
    p.say({ type: 'end' });
    expect(socket.closed).toBe(1000);
    expect(p.state.closed).toBe(true);
  });

  it('says why when the backend refuses the ticket, and opens no socket', async () => {
    const { relay, opened } = relayOnFakeSocket(async () => {
      throw userFacing('conflict', 'This call has ended: there is nothing left to control.');
    });
    const p = recordingPort();
    relay.attach(p.port, { type: LISTEN_PORT_OFFER, relayId: randomUUID(), callId: CALL_ID });
    await waitFor(() => expect(p.state.closed).toBe(true));
    expect(opened).toEqual([]);
    expect(p.messages().at(-1)).toEqual({
      type: 'relay-status',
      status: 'closed',
      reason: 'This call has ended: there is nothing left to control.',
      droppedFrames: 0,
    });
  });

  it('says the session expired when the socket is refused with 401, and lost contact when it drops', async () => {
    for (const [closed, reason] of [
      [{ code: 1006, reason: '', wasOpen: false, handshakeStatus: 401, error: null }, UserMessage.sessionExpired],
      [{ code: 1006, reason: '', wasOpen: true, handshakeStatus: null, error: 'reset' }, UserMessage.listenLostContact],
    ] as const) {
      const { p, socket } = await listening({ open: false });
      socket.handlers.onClose(closed);
      expect(p.messages().at(-1)).toMatchObject({ type: 'relay-status', status: 'closed', reason });
    }
  });
});

describe('Listen relay in the desktop core', () => {
  let h: CoreHarness;
  afterEach(async () => {
    await h.close();
  });

  function listen(): { renderer: MessagePort; received: unknown[]; attached: boolean } {
    const { port1: renderer, port2: main } = new MessageChannel();
    const received: unknown[] = [];
    renderer.on('message', (m) => received.push(m));
    const port: ListenPort = {
      post: (message) => main.postMessage(message),
      onMessage: (listener) => main.on('message', listener),
      onClose: (listener) => main.on('close', listener),
      close: () => main.close(),
    };
    const attached = h.core.attachListenPort(port, { type: LISTEN_PORT_OFFER, relayId: randomUUID(), callId: CALL_ID });
    return { renderer, received, attached };
  }
  const statuses = (received: unknown[]) => received.filter((m) => (m as { type?: string }).type === 'relay-status');

  it('plays a call through the fake backend and stops when the console signs out', async () => {
    h = await createCoreHarness();
    await h.signIn();
    const { received, attached } = listen();
    expect(attached).toBe(true);
    await waitFor(() => expect(received).toContainEqual(expect.objectContaining({ type: 'listening' })));
    expect(h.backend.listenMessages).toEqual([{ type: 'listen', ticket: expect.stringMatching(/^ticket-/) as unknown }]);
    expect(h.backend.requests.find((r) => r.path === `/api/calls/${CALL_ID}/listen`)?.method).toBe('POST');
    for (const socket of h.backend.listenSockets) socket.send(frame(9), { binary: true });
    await waitFor(() => expect(received.some((m) => m instanceof Uint8Array && m[0] === 9)).toBe(true));
    expect(JSON.stringify(received)).not.toMatch(/ticket-|at-/);

    await h.invoke('session.logout');
    await waitFor(() => expect(statuses(received).at(-1)).toMatchObject({ status: 'closed', reason: UserMessage.signedOut }));
    await waitFor(() => expect(h.backend.listenSockets.size).toBe(0));
  });

  it('stops when the console locks', async () => {
    h = await createCoreHarness();
    await h.signIn();
    const { received } = listen();
    await waitFor(() => expect(h.backend.listenSockets.size).toBe(1));
    await h.invoke('session.lock');
    await waitFor(() => expect(statuses(received).at(-1)).toMatchObject({ status: 'closed', reason: UserMessage.locked }));
    await waitFor(() => expect(h.backend.listenSockets.size).toBe(0));
  });

  it('refuses a port when signed out or when the offer is malformed', async () => {
    h = await createCoreHarness();
    expect(listen().attached).toBe(false);
    await h.signIn();
    const { port2 } = new MessageChannel();
    const port: ListenPort = { post: () => {}, onMessage: () => {}, onClose: () => {}, close: () => port2.close() };
    expect(h.core.attachListenPort(port, { type: LISTEN_PORT_OFFER, relayId: randomUUID(), callId: 'not-a-call' })).toBe(false);
    expect(h.core.attachListenPort(port, { type: LISTEN_PORT_OFFER, relayId: randomUUID(), callId: CALL_ID, ticket: 'x' })).toBe(false);
    expect(h.backend.requests.some((r) => r.path.endsWith('/listen'))).toBe(false);
  });

  it('passes on the backend’s refusal for a call that has ended', async () => {
    h = await createCoreHarness();
    h.backend.endedCallId = CALL_ID;
    await h.signIn();
    const { received } = listen();
    await waitFor(() =>
      expect(statuses(received).at(-1)).toMatchObject({
        status: 'closed',
        reason: 'This call has ended: there is nothing left to control.',
      }),
    );
    expect(h.backend.listenSockets.size).toBe(0);
  });
});
