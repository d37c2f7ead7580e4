// A real HTTP + WebSocket server speaking the backend's contracts (protocol/src/routes.ts and
// live-socket.ts), small enough to steer from a test: issue events, refuse handshakes, close
// sockets with a given code, go down and come back on the same port.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  AUTH_SUBPROTOCOL_PREFIX,
  CSRF_HEADER,
  LISTEN_SOCKET_PATH,
  LIVE_PROTOCOL,
  LIVE_SOCKET_PATH,
  LiveClientMessageSchema,
  WEB_TEST_SOCKET_PATH,
  type FrontDeskUser,
  type LiveClientMessage,
  type LiveEvent,
  type LiveServerMessage,
  type NewLiveEvent,
} from '@voxanne/protocol';
import { WebSocketServer, type WebSocket } from 'ws';
import { CLINIC_ID, stamp } from './live-events.js';

export const PASSWORD = 'correct horse battery staple';
export const USER: FrontDeskUser = {
  id: '5d0b0bb4-4d3f-4b0a-a7f7-0a1b2c3d4e5f',
  email: 'frontdesk@demo.voxanne.test',
  name: 'Front Desk',
  role: 'front_desk',
  clinicId: CLINIC_ID,
  clinicName: 'Demo Dental',
};

interface SessionRecord {
  refreshToken: string;
  csrfToken: string;
  revoked: boolean;
}
interface AccessRecord {
  session: SessionRecord;
  expiresAt: number;
}

export interface LiveSocketRecord {
  socket: WebSocket;
  token: string;
  received: LiveClientMessage[];
  streaming: boolean;
}

export interface FakeBackendOptions {
  accessTtlSeconds?: number;
  /** Keep at most this many events for replay (the bench streams millions). Default: all. */
  retainEvents?: number;
  /** The clock the access-token expiry is judged by (the test clock, usually). */
  now?: () => number;
}

export class FakeBackend {
  port = 0;
  accessTtlSeconds: number;
  now: () => number;
  readonly counts = { login: 0, refresh: 0, logout: 0, rest: 0, liveHandshakes: 0 };
  /** Delay every refresh answer by this long (real ms), to make refreshes overlap. */
  refreshDelayMs = 0;
  /** While set, authenticated REST requests wait for it before they are answered. */
  restGate: Promise<void> | null = null;
  /** When set, upgrades to the live socket are answered with this HTTP status. */
  refuseHandshakeWith: number | null = null;
  /** When false, the server says nothing after the handshake (a hung server). */
  sayHello = true;
  readonly events: LiveEvent[] = [];
  private nextSeq = 1;
  private readonly retainEvents: number;
  readonly live = new Set<LiveSocketRecord>();
  maxConcurrentLive = 0;
  readonly webTestSockets = new Set<WebSocket>();
  /** Every JSON message the web-test sockets received, in order. */
  readonly webTestMessages: unknown[] = [];
  readonly listenSockets = new Set<WebSocket>();
  /** Every JSON message the listen sockets received, in order. */
  readonly listenMessages: unknown[] = [];
  /** Listen tickets are refused for this call id (as the backend refuses a call that has ended). */
  endedCallId: string | null = null;
  /** The signed-in user's own number for taking calls. */
  transferNumber: string | null = null;
  /** Work items with their history by id, answered as stored (a test may store one outside the contract). */
  readonly workItems = new Map<string, unknown>();
  readonly requests: { method: string; path: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  private readonly sessions = new Map<string, SessionRecord>();
  private readonly access = new Map<string, AccessRecord>();
  private server: http.Server | null = null;
  private readonly wss: WebSocketServer;

  constructor(options: FakeBackendOptions = {}) {
    this.accessTtlSeconds = options.accessTtlSeconds ?? 900;
    this.now = options.now ?? Date.now;
    this.retainEvents = options.retainEvents ?? Number.POSITIVE_INFINITY;
    this.wss = new WebSocketServer({
      noServer: true,
      handleProtocols: (protocols) => (protocols.has(LIVE_PROTOCOL) ? LIVE_PROTOCOL : false),
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(port = this.port): Promise<this> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    server.on('upgrade', (req, socket, head) => this.upgrade(req, socket as Socket, head));
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Goes down hard: every socket dropped, the port closed. `start()` brings it back on the same port. */
  async stop(): Promise<void> {
    for (const record of this.live) record.socket.terminate();
    for (const socket of this.webTestSockets) socket.terminate();
    for (const socket of this.listenSockets) socket.terminate();
    this.live.clear();
    const server = this.server;
    this.server = null;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  async close(): Promise<void> {
    await this.stop();
    this.wss.close();
  }

  /** Forgets the event log, as a backend on a fresh database would. */
  resetLog(): void {
    this.events.length = 0;
    this.nextSeq = 1;
  }

  /** Appends to the clinic's log and streams it to every socket that has resumed. */
  emit(event: NewLiveEvent, at = new Date(this.now())): LiveEvent {
    const stamped = stamp(event, this.nextSeq++, at);
    this.events.push(stamped);
    if (this.events.length > this.retainEvents) this.events.splice(0, this.events.length - this.retainEvents);
    for (const record of this.live) if (record.streaming) this.send(record.socket, { type: 'event', event: stamped });
    return stamped;
  }

  send(socket: WebSocket, message: LiveServerMessage): void {
    socket.send(JSON.stringify(message));
  }

  broadcast(message: LiveServerMessage): void {
    for (const record of this.live) this.send(record.socket, message);
  }

  closeLive(code: number, reason = ''): void {
    for (const record of this.live) record.socket.close(code, reason);
  }

  /** Revokes every session, as a sign-out elsewhere would. */
  revokeAll(): void {
    for (const s of this.sessions.values()) s.revoked = true;
  }

  /** Makes every access token issued so far expired. */
  expireAccessTokens(): void {
    for (const a of this.access.values()) a.expiresAt = 0;
  }

  /** A hung server: its sockets stop answering pings. */
  set answerPings(answer: boolean) {
    this.wss.options.autoPong = answer;
    for (const record of this.live) (record.socket as unknown as { _autoPong: boolean })._autoPong = answer;
  }

  get liveCount(): number {
    return this.live.size;
  }

  private issue(session: SessionRecord) {
    const accessToken = `at-${randomUUID()}`;
    this.access.set(accessToken, { session, expiresAt: this.now() + this.accessTtlSeconds * 1000 });
    return {
      accessToken,
      refreshToken: session.refreshToken,
      expiresIn: this.accessTtlSeconds,
      csrfToken: session.csrfToken,
      user: USER,
    };
  }

  private authorize(header: string | undefined): AccessRecord | null {
    const token = header?.startsWith('Bearer ') ? header.slice(7) : '';
    const record = this.access.get(token);
    if (!record || record.session.revoked || record.expiresAt <= this.now()) return null;
    return record;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of req) body += chunk;
    const url = new URL(req.url ?? '/', this.url);
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname, headers: req.headers, body });
    const json = (status: number, value?: unknown) => {
      res.writeHead(status, value === undefined ? {} : { 'content-type': 'application/json' });
      res.end(value === undefined ? undefined : JSON.stringify(value));
    };
    const error = (status: number, code: string, message: string) => json(status, { error: { code, message } });
    const parse = () => {
      try {
        return JSON.parse(body) as Record<string, string>;
      } catch {
        return {};
      }
    };

    if (req.method === 'POST' && url.pathname === '/api/auth/login') {
      this.counts.login++;
      const { email, password } = parse();
      if (email !== USER.email || password !== PASSWORD) return error(401, 'invalid_credentials', 'Wrong email or password.');
      const session = { refreshToken: `rt-${randomUUID()}`, csrfToken: `csrf-${randomUUID()}`, revoked: false };
      this.sessions.set(session.refreshToken, session);
      return json(200, this.issue(session));
    }
    if (req.method === 'POST' && url.pathname === '/api/auth/refresh') {
      this.counts.refresh++;
      if (this.refreshDelayMs) await new Promise((r) => setTimeout(r, this.refreshDelayMs));
      const session = this.sessions.get(parse().refreshToken ?? '');
      if (!session || session.revoked) return error(401, 'unauthenticated', 'Session expired.');
      // Rotation: the old refresh token stops working.
      this.sessions.delete(session.refreshToken);
      session.refreshToken = `rt-${randomUUID()}`;
      this.sessions.set(session.refreshToken, session);
      return json(200, this.issue(session));
    }

    const auth = this.authorize(req.headers.authorization);
    if (!auth) return error(401, 'token_expired', 'Access token expired.');
    this.counts.rest++;
    if (this.restGate) await this.restGate;
    const needsCsrf = req.method !== 'GET';
    if (needsCsrf && req.headers[CSRF_HEADER] !== auth.session.csrfToken) return error(403, 'csrf_failed', 'CSRF token missing or wrong.');

    if (req.method === 'POST' && url.pathname === '/api/auth/logout') {
      this.counts.logout++;
      auth.session.revoked = true;
      return json(204);
    }
    if (req.method === 'GET' && url.pathname === '/api/me') return json(200, { user: USER });
    if (req.method === 'GET' && url.pathname === '/api/dashboard/stats') {
      return json(200, {
        date: '2026-11-24',
        timeZone: 'Europe/London',
        callsToday: 3,
        answered: 2,
        missed: 1,
        inProgress: 0,
        bookingsToday: 1,
        averageDurationSeconds: 95,
        bookingRate: 0.5,
      });
    }
    if (req.method === 'GET' && url.pathname === '/api/calls') {
      return json(200, { items: [], nextCursor: url.searchParams.get('limit') === '7' ? 'seven' : null });
    }
    const own = /^\/api\/staff\/([\w-]+)\/transfer-number$/.exec(url.pathname);
    if (own?.[1]) {
      if (own[1] !== USER.id) return error(403, 'forbidden', 'You can set only your own number for taking calls.');
      if (req.method === 'PUT') this.transferNumber = (parse() as { transferNumber: string | null }).transferNumber;
      return json(200, { staffId: USER.id, transferNumber: this.transferNumber });
    }
    const workItem = /^\/api\/work-items\/([\w-]+)$/.exec(url.pathname);
    if (req.method === 'GET' && workItem?.[1]) {
      const detail = this.workItems.get(workItem[1]);
      return detail === undefined ? error(404, 'not_found', 'Work item not found.') : json(200, detail);
    }
    const listen = /^\/api\/calls\/([\w-]+)\/listen$/.exec(url.pathname);
    if (req.method === 'POST' && listen?.[1]) {
      if (listen[1] === this.endedCallId) return error(409, 'conflict', 'This call has ended: there is nothing left to control.');
      const at = new Date(this.now()).toISOString();
      return json(201, {
        ticket: `ticket-${randomUUID()}`,
        expiresAt: new Date(this.now() + 30_000).toISOString(),
        action: { id: randomUUID(), callId: listen[1], action: 'listen', staffId: USER.id, staffName: USER.name, detail: null, at },
      });
    }
    if (req.method === 'POST' && url.pathname === '/api/test-calls/phone') return json(202, { callId: randomUUID() });
    if (req.method === 'POST' && url.pathname === '/api/knowledge-base') {
      const type = req.headers['content-type'] ?? '';
      if (!type.startsWith('multipart/form-data')) return error(415, 'unsupported_media_type', 'multipart please');
      const name = /filename="([^"]+)"/.exec(body)?.[1] ?? 'file';
      return json(201, {
        document: {
          id: randomUUID(),
          filename: name,
          mimeType: 'text/plain',
          sizeBytes: body.length,
          status: 'processing',
          statusMessage: null,
          createdAt: new Date().toISOString(),
        },
      });
    }
    if (req.method === 'DELETE' && url.pathname.startsWith('/api/knowledge-base/')) return json(204);
    if (req.method === 'GET' && url.pathname === '/api/audit-log.csv') {
      res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8' });
      return void res.end(`at,action\n2026-03-02T09:00:00.000Z,${url.searchParams.get('action') ?? 'any'}\n`);
    }
    return error(404, 'not_found', 'No such route in the fake backend.');
  }

  private upgrade(req: http.IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', this.url);
    const refuse = (status: number) => {
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (![LIVE_SOCKET_PATH, WEB_TEST_SOCKET_PATH, LISTEN_SOCKET_PATH].includes(url.pathname)) return refuse(404);
    if (url.search.includes('token')) return refuse(401);
    const offered = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim());
    const token = offered.find((p) => p.startsWith(AUTH_SUBPROTOCOL_PREFIX))?.slice(AUTH_SUBPROTOCOL_PREFIX.length) ?? '';
    if (url.pathname === LIVE_SOCKET_PATH) this.counts.liveHandshakes++;
    if (this.refuseHandshakeWith !== null) return refuse(this.refuseHandshakeWith);
    const auth = this.authorize(`Bearer ${token}`);
    if (!auth) return refuse(401);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      if (url.pathname === WEB_TEST_SOCKET_PATH) return this.onWebTest(ws);
      if (url.pathname === LISTEN_SOCKET_PATH) return this.onListen(ws);
      this.onLive(ws, token, auth);
    });
  }

  private onLive(ws: WebSocket, token: string, auth: AccessRecord): void {
    const record: LiveSocketRecord = { socket: ws, token, received: [], streaming: false };
    this.live.add(record);
    this.maxConcurrentLive = Math.max(this.maxConcurrentLive, this.live.size);
    ws.on('close', () => this.live.delete(record));
    ws.on('message', (data) => {
      const parsed = LiveClientMessageSchema.safeParse(JSON.parse(String(data)));
      if (!parsed.success) return ws.close(4400, 'bad message');
      record.received.push(parsed.data);
      if (parsed.data.type === 'resume') {
        const after = parsed.data.afterSeq;
        for (const event of this.events) if (event.seq > after) this.send(ws, { type: 'event', event });
        this.send(ws, { type: 'replay-complete', lastSeq: this.nextSeq - 1 });
        record.streaming = true;
      } else {
        const next = this.access.get(parsed.data.accessToken);
        if (next) this.send(ws, { type: 'auth-ok', tokenExpiresAt: new Date(next.expiresAt).toISOString() });
      }
    });
    if (this.sayHello) {
      this.send(ws, {
        type: 'hello',
        protocolVersion: 1,
        clinicId: CLINIC_ID,
        lastSeq: this.nextSeq - 1,
        serverTime: new Date(this.now()).toISOString(),
        tokenExpiresAt: new Date(auth.expiresAt).toISOString(),
      });
    }
  }

  /** Echoes microphone frames back as "assistant audio" and answers `start` with `ready`. */
  private onWebTest(ws: WebSocket): void {
    this.webTestSockets.add(ws);
    ws.on('close', () => this.webTestSockets.delete(ws));
    ws.on('message', (data, isBinary) => {
      if (isBinary) return ws.send(data, { binary: true });
      const message = JSON.parse(String(data)) as { type: string };
      this.webTestMessages.push(message);
      if (message.type === 'start')
        ws.send(JSON.stringify({ type: 'ready', sessionId: randomUUID(), callId: randomUUID(), maxSeconds: 300 }));
      if (message.type === 'end') ws.close(1000, 'ended');
    });
  }

  /** Answers a ticket with `listening`; the test sends the call's frames and the ending through `listenSockets`. */
  private onListen(ws: WebSocket): void {
    this.listenSockets.add(ws);
    ws.on('close', () => this.listenSockets.delete(ws));
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string; ticket?: string };
      this.listenMessages.push(message);
      if (message.type === 'listen') ws.send(JSON.stringify({ type: 'listening', callId: randomUUID() }));
    });
  }
}

export async function startFakeBackend(options: FakeBackendOptions = {}): Promise<FakeBackend> {
  return new FakeBackend(options).start();
}
