// Listening in on a live call (docs/call-control.md). `POST /api/calls/:id/listen` issues a
// short-lived, single-use ticket (stored hashed, so any instance can redeem it); the console opens
// `/ws/listen` (authenticated like every socket of ours: SocketEndpoint) and sends the ticket. This
// instance then opens the voice platform's listen stream for the call, once per call however many
// staff listen, and fans its audio out: the platform's stereo PCM (caller and assistant) mixed down to
// the consoles' 16 kHz mono, cut into 20 ms frames, each console behind a bounded queue that drops
// the oldest audio rather than grow.
//
// The platform's listen URL is a capability: it is read from call_monitors here and goes nowhere
// else (not in a message, an event or a log line). A listener ends when the call ends, its session
// ends, its ticket is presented again, or the platform's stream fails.
import { createHash, randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
import {
  LISTEN_AUDIO,
  ListenClientMessageSchema,
  type ListenEndReason,
  type ListenServerMessage,
  type ListenTicketResponse,
} from '@voxanne/protocol';
import type { Db } from '../db/database.js';
import type { Logger } from '../logging/logger.js';
import type { Metrics } from '../metrics.js';
import type { IdentityProvider } from '../auth/identity-provider.js';
import type { Principal } from '../auth/principal.js';
import type { LiveEventBus } from '../live/event-bus.js';
import { AppError } from '../errors.js';
import { SocketEndpoint, type EndpointConnection } from '../sockets/socket-endpoint.js';
import { FrameQueue, Reframer } from '../web-test/audio-frames.js';
import { monitorsOf } from '../telephony/call-monitors.js';
import type { LiveCallControl } from './live-call-control.js';

/** The platform's listen stream: 16-bit little-endian PCM, two interleaved channels (caller, assistant). */
export const UPSTREAM_CHANNELS = 2;

export interface ListenHubSettings {
  allowedOrigins: readonly string[];
  /** Frames a busy console may have waiting; older ones are dropped past it. */
  bufferFrames: number;
  ticketSeconds: number;
  socketsPerUser: number;
  sessionRecheckMs: number;
  /** How long a socket may take to present its ticket. */
  ticketWaitMs?: number;
}

export interface ListenHubDeps {
  db: Db;
  bus: LiveEventBus;
  identity: IdentityProvider;
  logger: Logger;
  metrics: Metrics;
  control: LiveCallControl;
  /** Whether a listen URL is the platform's (checked again before it is opened). */
  acceptsListenUrl: (url: URL) => boolean;
  settings: ListenHubSettings;
}

const hashTicket = (ticket: string) => createHash('sha256').update(ticket).digest('base64url');

const END_MESSAGES: Record<ListenEndReason, string> = {
  'call-ended': 'The call has ended.',
  'session-ended': 'You were signed out.',
  'ticket-reused': 'This listen ticket was used twice: listening stopped. Start listening again.',
  'ticket-invalid': 'This listen ticket is not valid (expired, already used or not yours). Start listening again.',
  unavailable: 'The call’s audio is not available from the voice platform.',
  stopped: 'Listening stopped.',
  'server-shutdown': 'The server is restarting. Start listening again in a moment.',
};

class Listener implements EndpointConnection {
  readonly queue: FrameQueue;
  callId: string | undefined;
  ticketHash: string | undefined;
  private ended = false;
  private readonly ticketTimer: NodeJS.Timeout;

  constructor(
    private readonly hub: ListenHub,
    readonly ws: WebSocket,
    readonly principal: Principal,
    readonly token: string,
    settings: ListenHubSettings,
  ) {
    this.queue = new FrameQueue(settings.bufferFrames, LISTEN_AUDIO.frameBytes * 4);
    this.ticketTimer = setTimeout(() => this.end('ticket-invalid'), settings.ticketWaitMs ?? 10_000);
    ws.on('error', () => undefined);
    ws.on('message', (data, isBinary) => {
      if (isBinary || this.callId || this.ticketHash) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(String(data));
      } catch {
        parsed = undefined;
      }
      const message = ListenClientMessageSchema.safeParse(parsed);
      if (!message.success) return this.end('ticket-invalid');
      clearTimeout(this.ticketTimer);
      void this.hub.redeem(this, message.data.ticket);
    });
    ws.once('close', () => {
      clearTimeout(this.ticketTimer);
      this.ended = true;
      this.hub.leave(this);
    });
  }

  get open(): boolean {
    return !this.ended && this.ws.readyState === WebSocket.OPEN;
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  send(frame: Uint8Array): void {
    this.ws.send(frame, { binary: true });
  }

  say(message: ListenServerMessage): void {
    if (this.open) this.ws.send(JSON.stringify(message));
  }

  sessionEnded(): void {
    this.end('session-ended');
  }

  end(reason: ListenEndReason): void {
    if (this.ended) return;
    clearTimeout(this.ticketTimer);
    this.say({ type: 'ended', reason, message: END_MESSAGES[reason] });
    this.ended = true;
    this.hub.leave(this);
    this.ws.close(1000, reason);
  }
}

/** One platform listen stream and the consoles hearing it. */
class Upstream {
  readonly listeners = new Set<Listener>();
  private readonly reframer = new Reframer();
  private socket: WebSocket | undefined;
  private closed = false;
  /** Bytes of an odd-sized chunk waiting for the rest of its stereo sample. */
  private carry = Buffer.alloc(0);

  constructor(
    readonly callId: string,
    private readonly onGone: (upstream: Upstream, reason: ListenEndReason) => void,
    private readonly logger: Logger,
  ) {}

  open(url: string): void {
    const socket = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: 10_000 });
    this.socket = socket;
    socket.on('message', (data, isBinary) => {
      // Text messages on the platform's stream are events, not audio: the console has its own.
      if (isBinary) this.audio(data as Buffer);
    });
    // Neither the error nor the close reason is logged with the URL.
    socket.on('error', (error: Error & { code?: string }) =>
      this.logger.warn({ callId: this.callId, code: error.code }, 'listen stream error'),
    );
    // The platform closes the stream when the call ends.
    socket.on('close', () => this.stop('call-ended'));
  }

  /** Stereo 16-bit frames → the mean of both channels → 20 ms mono frames to every listener. */
  private audio(chunk: Buffer): void {
    const bytes = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const usable = bytes.length - (bytes.length % (2 * UPSTREAM_CHANNELS));
    this.carry = Buffer.from(bytes.subarray(usable));
    const mono = new Uint8Array(usable / UPSTREAM_CHANNELS);
    const out = Buffer.from(mono.buffer);
    for (let i = 0, o = 0; i < usable; i += 4, o += 2) {
      const mixed = (bytes.readInt16LE(i) + bytes.readInt16LE(i + 2)) >> 1;
      out.writeInt16LE(mixed, o);
    }
    for (const frame of this.reframer.push(mono)) {
      for (const listener of this.listeners) {
        listener.queue.push(frame);
        listener.queue.drain(listener);
      }
    }
  }

  stop(reason: ListenEndReason): void {
    if (this.closed) return;
    this.closed = true;
    this.onGone(this, reason);
    for (const listener of [...this.listeners]) listener.end(reason);
    this.listeners.clear();
    if (this.socket && this.socket.readyState !== WebSocket.CLOSED) this.socket.close();
  }
}

export class ListenHub {
  private readonly endpoint: SocketEndpoint<Listener>;
  private readonly upstreams = new Map<string, Upstream>();
  private readonly unsubscribe: () => void;

  constructor(private readonly deps: ListenHubDeps) {
    const { settings } = deps;
    this.endpoint = new SocketEndpoint<Listener>({
      identity: deps.identity,
      logger: deps.logger,
      metrics: deps.metrics,
      settings: {
        name: 'listen',
        allowedOrigins: settings.allowedOrigins,
        maxPayloadBytes: 4_096,
        socketsPerUser: settings.socketsPerUser,
        sessionRecheckMs: settings.sessionRecheckMs,
      },
      accept: (ws, principal, token) => new Listener(this, ws, principal, token, settings),
    });
    this.handleUpgrade = this.endpoint.handleUpgrade;
    // A call that ended anywhere (any instance wrote it) ends its listeners here.
    this.unsubscribe = deps.bus.subscribe((events) => {
      for (const event of events) {
        if (event.kind === 'call.ended') this.upstreams.get(event.data.call.id)?.stop('call-ended');
      }
    });
  }

  readonly handleUpgrade: SocketEndpoint<Listener>['handleUpgrade'];

  /** Listeners connected to this instance (all calls). */
  get listenerCount(): number {
    let count = 0;
    for (const upstream of this.upstreams.values()) count += upstream.listeners.size;
    return count;
  }

  get upstreamCount(): number {
    return this.upstreams.size;
  }

  /** `POST /api/calls/:id/listen`: a ticket for a live call of the clinic that can be listened to; "Sam is listening". */
  async issue(principal: Principal, callId: string): Promise<ListenTicketResponse> {
    const { call, listenUrl } = await this.deps.control.liveCall(principal, callId);
    if (!listenUrl) {
      throw new AppError(
        'conflict',
        'The voice platform offers no live audio for this call (listening may be off for the assistant). Sync the assistant and try on the next call.',
      );
    }
    const ticket = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + this.deps.settings.ticketSeconds * 1000);
    await this.deps.db
      .insertInto('listen_tickets')
      .values({
        ticket_hash: hashTicket(ticket),
        clinic_id: principal.clinicId,
        call_id: call.id,
        staff_id: principal.staffId,
        expires_at: expiresAt,
      })
      .execute();
    // Expired tickets are of no use to anyone: cleared as new ones are made.
    await this.deps.db
      .deleteFrom('listen_tickets')
      .where('expires_at', '<', new Date(Date.now() - 3_600_000))
      .execute();
    const action = await this.deps.control.listening(principal, call);
    return { ticket, expiresAt: expiresAt.toISOString(), action };
  }

  /** A socket presented its ticket: used once, by the staff member it was issued to, for a live call. */
  async redeem(listener: Listener, ticket: string): Promise<void> {
    const hash = hashTicket(ticket);
    listener.ticketHash = hash;
    try {
      const redeemed = await this.deps.db
        .updateTable('listen_tickets')
        .set({ used_at: new Date() })
        .where('ticket_hash', '=', hash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', new Date())
        .returning(['call_id', 'clinic_id', 'staff_id'])
        .executeTakeFirst();
      if (!redeemed) {
        const known = await this.deps.db.selectFrom('listen_tickets').select('used_at').where('ticket_hash', '=', hash).executeTakeFirst();
        if (known?.used_at) {
          // Presented twice: whoever holds it here stops too (the ticket may have leaked).
          for (const upstream of this.upstreams.values()) {
            for (const other of upstream.listeners) if (other.ticketHash === hash) other.end('ticket-reused');
          }
          return listener.end('ticket-reused');
        }
        return listener.end('ticket-invalid');
      }
      if (redeemed.clinic_id !== listener.principal.clinicId || redeemed.staff_id !== listener.principal.staffId) {
        return listener.end('ticket-invalid');
      }
      if (!listener.open) return;
      const monitors = await monitorsOf(this.deps.db, redeemed.clinic_id, redeemed.call_id);
      const call = await this.deps.db.selectFrom('calls').select('status').where('id', '=', redeemed.call_id).executeTakeFirst();
      if (!call || call.status === 'ended') return listener.end('call-ended');
      const url = monitors.listenUrl ? safeUrl(monitors.listenUrl) : undefined;
      if (!url || !this.deps.acceptsListenUrl(url)) return listener.end('unavailable');
      if (!listener.open) return;
      listener.callId = redeemed.call_id;
      let upstream = this.upstreams.get(redeemed.call_id);
      if (!upstream) {
        upstream = new Upstream(
          redeemed.call_id,
          (gone) => this.upstreams.get(gone.callId) === gone && this.upstreams.delete(gone.callId),
          this.deps.logger,
        );
        this.upstreams.set(redeemed.call_id, upstream);
        upstream.open(url.href);
      }
      upstream.listeners.add(listener);
      listener.say({ type: 'listening', callId: redeemed.call_id });
    } catch (error) {
      this.deps.logger.error({ err: error }, 'listen ticket could not be redeemed');
      listener.end('unavailable');
    }
  }

  /** A listener went: the call's stream closes with its last listener. */
  leave(listener: Listener): void {
    if (!listener.callId) return;
    const upstream = this.upstreams.get(listener.callId);
    if (!upstream) return;
    upstream.listeners.delete(listener);
    if (upstream.listeners.size === 0) {
      this.upstreams.delete(listener.callId);
      upstream.stop('stopped');
    }
  }

  private closing: Promise<void> | undefined;

  close(): Promise<void> {
    return (this.closing ??= this.shutdown());
  }

  private async shutdown(): Promise<void> {
    this.unsubscribe();
    this.endpoint.stopAccepting();
    for (const upstream of [...this.upstreams.values()]) upstream.stop('server-shutdown');
    for (const listener of [...this.endpoint.connections()]) listener.end('server-shutdown');
    await this.endpoint.close();
  }
}

function safeUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}
