// A real WebSocket client of `/ws/live-calls` for integration tests (the `ws` package, as the desktop
// main process uses), plus a way to write live events into the log exactly as services do.
// Every server message is checked against the protocol schema, so a test also proves the wire shape.
import { randomUUID } from 'node:crypto';
import { WebSocket, type ClientOptions } from 'ws';
import {
  AUTH_SUBPROTOCOL_PREFIX,
  LIVE_PROTOCOL,
  LIVE_SOCKET_PATH,
  LiveServerMessageSchema,
  type LiveClientMessage,
  type LiveEvent,
  type LiveServerMessage,
} from '@voxanne/protocol';
import type { Db } from '../../src/db/database.js';
import type { LiveEventBus } from '../../src/live/event-bus.js';
import { transactionWithEvents } from '../../src/live/event-log.js';

export type ServerMessageOf<T extends LiveServerMessage['type']> = Extract<LiveServerMessage, { type: T }>;

export interface LiveClientOptions {
  /** Subprotocols to offer; default `voxanne.v1` + `auth.<token>`. */
  protocols?: string[];
  headers?: Record<string, string>;
  /** Appended to the path as is (e.g. `?access_token=...`). */
  query?: string;
  /** Answer server pings (default true); false plays a dead peer. */
  autoPong?: boolean;
}

export function liveUrl(baseUrl: string, query = ''): string {
  const url = new URL(LIVE_SOCKET_PATH, baseUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${url.toString()}${query}`;
}

export class LiveTestClient {
  readonly messages: LiveServerMessage[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: Array<() => void> = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (isBinary) throw new Error('the live server sent a binary frame');
      const raw: unknown = JSON.parse(String(data));
      this.messages.push(LiveServerMessageSchema.parse(raw));
      this.wake();
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.wake();
      });
    });
    ws.on('error', () => undefined);
  }

  /** Events received so far, in arrival order. */
  events(): LiveEvent[] {
    return this.messages.flatMap((m) => (m.type === 'event' ? [m.event] : []));
  }

  send(message: LiveClientMessage | string): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The first message of a type after index `from` (waits for it). */
  async next<T extends LiveServerMessage['type']>(
    type: T,
    options: { from?: number; timeoutMs?: number } = {},
  ): Promise<ServerMessageOf<T>> {
    const found = await this.until(
      () => this.messages.slice(options.from ?? 0).find((m) => m.type === type),
      options.timeoutMs,
      `a "${type}" message`,
    );
    return found as ServerMessageOf<T>;
  }

  /** Waits until at least `count` events have arrived. */
  async eventCount(count: number, timeoutMs?: number): Promise<LiveEvent[]> {
    await this.until(() => (this.events().length >= count ? true : undefined), timeoutMs, `${count} events (have ${this.events().length})`);
    return this.events();
  }

  /** Waits until an event with seq ≥ `seq` arrived. */
  async seqReached(seq: number, timeoutMs?: number): Promise<LiveEvent[]> {
    await this.until(() => (this.events().some((e) => e.seq >= seq) ? true : undefined), timeoutMs, `seq ${seq}`);
    return this.events();
  }

  async until<T>(probe: () => T | undefined, timeoutMs = 10_000, what = 'a condition'): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = probe();
      if (value !== undefined) return value;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; received ${JSON.stringify(this.messages.map((m) => m.type))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 250));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(1000);
    await this.closed;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/** Opens a live socket and waits until it is open (the server accepted the upgrade). */
export async function openLiveClient(baseUrl: string, accessToken: string, options: LiveClientOptions = {}): Promise<LiveTestClient> {
  const ws = new WebSocket(liveUrl(baseUrl, options.query), options.protocols ?? [LIVE_PROTOCOL, AUTH_SUBPROTOCOL_PREFIX + accessToken], {
    headers: options.headers,
    autoPong: options.autoPong ?? true,
    perMessageDeflate: false,
  } satisfies ClientOptions);
  const client = new LiveTestClient(ws);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
  return client;
}

/** Opens a live socket expecting the upgrade to be refused; resolves with the HTTP status (no socket). */
export async function refusedUpgrade(
  baseUrl: string,
  protocols: string[],
  options: { headers?: Record<string, string>; query?: string } = {},
): Promise<{ status: number; opened: boolean }> {
  const ws = new WebSocket(liveUrl(baseUrl, options.query), protocols, { headers: options.headers, perMessageDeflate: false });
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      ws.terminate();
      resolve({ status: 101, opened: true });
    });
    ws.once('unexpected-response', (req, res) => {
      res.resume();
      req.destroy();
      resolve({ status: res.statusCode ?? 0, opened: false });
    });
    ws.once('error', (error) => {
      if (!/Unexpected server response|socket hang up/.test(error.message)) reject(error);
    });
  });
}

/**
 * Writes `count` transcript events of one clinic through the real event log (transactionWithEvents,
 * as services do), `perTransaction` per transaction, and returns them as published, in order.
 */
export async function writeLiveEvents(
  db: Db,
  bus: LiveEventBus,
  clinicId: string,
  count: number,
  options: { perTransaction?: number; textBytes?: number; callId?: string } = {},
): Promise<LiveEvent[]> {
  const written: LiveEvent[] = [];
  const capturing: LiveEventBus = {
    publish(events) {
      written.push(...events);
      bus.publish(events);
    },
    subscribe: (listener) => bus.subscribe(listener),
    onMissedEvents: (listener) => bus.onMissedEvents(listener),
    check: () => bus.check(),
    close: () => bus.close(),
  };
  const per = options.perTransaction ?? 1;
  const callId = options.callId ?? randomUUID();
  const text = 'x'.repeat(options.textBytes ?? 20);
  for (let done = 0; done < count; done += per) {
    const n = Math.min(per, count - done);
    await transactionWithEvents(db, capturing, async (_tx, events) => {
      for (let i = 0; i < n; i++) {
        events.emit(clinicId, {
          kind: 'call.transcript',
          data: { callId, speaker: 'caller', transcriptType: 'final', text: `${done + i} ${text}`, segmentId: null },
        });
      }
    });
  }
  return written;
}

/** The seqs of events, in the order given. */
export function seqs(events: readonly LiveEvent[]): number[] {
  return events.map((e) => e.seq);
}

/** fromExclusive+1 .. toInclusive */
export function range(fromExclusive: number, toInclusive: number): number[] {
  return Array.from({ length: Math.max(0, toInclusive - fromExclusive) }, (_, i) => fromExclusive + 1 + i);
}
