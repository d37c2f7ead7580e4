// One web test: a staff member's `/ws/web-test` socket bridged to a call on the voice
// platform's `vapi.websocket` transport for the clinic's assistant.
//
// start → (sync the assistant if it never was) → create the websocket call → store it as the clinic's
// test call (direction web) → connect to its transport → `ready`. Then microphone frames go to the
// platform and the assistant's audio comes back, each way through a bounded FrameQueue (oldest audio
// dropped when a side cannot keep up, so memory stays flat), and the platform's transcripts are passed
// on as they come. The live stream gets the same transcripts through the platform's webhooks, like any
// call. Whoever leaves first (the user, the assistant, the time limit, a failure) ends both sides, once.
import { randomUUID } from 'node:crypto';
import { WebSocket, type RawData } from 'ws';
import { z } from 'zod';
import { LiveCloseCode, WEB_TEST_AUDIO, WebTestClientMessageSchema, type WebTestServerMessage } from '@voxanne/protocol';
import type { Principal } from '../auth/principal.js';
import type { IdentityProvider } from '../auth/identity-provider.js';
import type { Db } from '../db/database.js';
import type { LiveEventBus } from '../live/event-bus.js';
import { transactionWithEvents } from '../live/event-log.js';
import type { Logger } from '../logging/logger.js';
import { getAgent, updateAgent, type AgentServiceDeps } from '../agent/agent-service.js';
import { lockOrCreateCall, saveCall, type StatsProvider } from '../telephony/call-ingestion.js';
import type { VapiClient } from '../telephony/vapi-client.js';
import { AppError } from '../errors.js';
import { TokenLifetime } from '../sockets/token-lifetime.js';
import { FrameQueue, Reframer, type FrameSink } from './audio-frames.js';

export type WebTestEndReason = Extract<WebTestServerMessage, { type: 'ended' }>['reason'];

export interface WebTestSessionDeps {
  db: Db;
  bus: LiveEventBus;
  identity: IdentityProvider;
  logger: Logger;
  vapi: VapiClient;
  agents: AgentServiceDeps;
  stats?: StatsProvider;
  maxSeconds: number;
  /** Frames each direction may hold while its socket is busy (25 = 500 ms). */
  bufferFrames: number;
  startsPerMinute: number;
  /** `token-expiring` goes out this long before the access token expires. */
  tokenExpiryWarningMs: number;
}

/** How long a connected socket may wait before sending `start`. */
const START_TIMEOUT_MS = 30_000;
const PROVIDER_HANDSHAKE_MS = 10_000;
/** The provider's transport sends audio in chunks of its choosing; anything bigger than this is not audio we take. */
const MAX_PROVIDER_MESSAGE_BYTES = 256 * 1024;

/** What the voice platform says over the transport besides audio (Vapi's client-message shapes; loose). */
const ProviderMessageSchema = z.discriminatedUnion('type', [
  z.looseObject({
    type: z.literal('transcript'),
    role: z.enum(['user', 'assistant', 'bot']),
    transcriptType: z.enum(['partial', 'final']),
    transcript: z.string(),
  }),
  z.looseObject({ type: z.literal('status-update'), status: z.string(), endedReason: z.string().optional().nullable() }),
  z.looseObject({ type: z.literal('hang') }),
]);

const SIGNED_OUT = 'You were signed out, so the web test ended. Sign in again to start another.';
const SIGN_IN_EXPIRED = 'Your sign-in expired, so the web test ended. Sign in again to start another.';

export class WebTestSession {
  readonly id = randomUUID();
  readonly startedAt = new Date();
  /** Our call id (the stored test call), once the platform call exists. */
  callId: string | null = null;
  private providerCallId: string | null = null;
  private provider: WebSocket | null = null;
  private started = false;
  private ended = false;
  private muted = false;
  private readonly toProvider: FrameQueue;
  private readonly toClient: FrameQueue;
  private readonly reframer = new Reframer();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly log: Logger;
  private readonly silence = new Uint8Array(WEB_TEST_AUDIO.frameBytes);
  private readonly clientSink: SocketSink;
  private readonly providerSink: SocketSink;
  private readonly tokenLifetime: TokenLifetime;

  constructor(
    private readonly client: WebSocket,
    private principalValue: Principal,
    private accessToken: string,
    private readonly deps: WebTestSessionDeps,
    /** Called once when the session has ended (the bridge forgets it). */
    private readonly onEnded: (session: WebTestSession) => void,
    /** Called on `start`: false when the user may not start one now; else the bridge ends their other session. */
    private readonly onStarting: (session: WebTestSession) => Promise<boolean>,
  ) {
    this.log = deps.logger.child({ webTestSession: this.id, clinicId: principalValue.clinicId, staffId: principalValue.staffId });
    const limit = deps.bufferFrames * WEB_TEST_AUDIO.frameBytes;
    this.toProvider = new FrameQueue(deps.bufferFrames, limit);
    this.toClient = new FrameQueue(deps.bufferFrames, limit);
    this.clientSink = new SocketSink(() => this.toClient.drain(this.clientSink));
    this.clientSink.attach(client);
    this.providerSink = new SocketSink(() => this.toProvider.drain(this.providerSink));
    client.on('message', (data, isBinary) => this.fromClient(data, isBinary));
    client.on('close', () => this.end('ended-by-user', null, false));
    client.on('error', (error) => this.log.debug({ err: error }, 'web-test client socket error'));
    this.later(START_TIMEOUT_MS, () => {
      if (!this.started) this.closeClient(LiveCloseCode.protocolError, 'start expected');
    });
    // Like a live socket, a test lives only as long as the sign-in it rides on, renewed by `auth`.
    this.tokenLifetime = new TokenLifetime(
      deps.tokenExpiryWarningMs,
      (expiresAt) => this.send({ type: 'token-expiring', expiresAt: expiresAt.toISOString() }),
      () => this.end('session-ended', SIGN_IN_EXPIRED, true, LiveCloseCode.authExpired),
    );
    this.tokenLifetime.arm(principalValue.tokenExpiresAt);
  }

  get principal(): Principal {
    return this.principalValue;
  }

  /** The access token the test currently rides on (SocketEndpoint re-checks its session). */
  get token(): string {
    return this.accessToken;
  }

  /** The sign-in was revoked (signed out elsewhere, account disabled): the test ends, platform call included. */
  sessionEnded(): void {
    this.end('session-ended', SIGNED_OUT, true, LiveCloseCode.authRevoked);
  }

  /** Diagnostics: how the audio queues fared. */
  audioCounters() {
    return {
      toProvider: { sent: this.toProvider.sent, dropped: this.toProvider.dropped, peak: this.toProvider.peak },
      toClient: { sent: this.toClient.sent, dropped: this.toClient.dropped, peak: this.toClient.peak },
    };
  }

  /** Ends the session once, on both sides. `notify` false when the client is already gone. */
  end(reason: WebTestEndReason, message: string | null, notify = true, closeCode = 1000): void {
    if (this.ended) return;
    this.ended = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.tokenLifetime.clear();
    this.toProvider.clear();
    this.toClient.clear();
    this.hangUpProvider();
    if (notify && this.client.readyState === WebSocket.OPEN) {
      this.send({ type: 'status', status: 'ended' });
      this.send({ type: 'ended', reason, message });
      this.closeClient(closeCode, reason);
    }
    this.log.info({ reason, callId: this.callId, ...this.audioCounters() }, 'web test ended');
    this.onEnded(this);
  }

  // --- client side --------------------------------------------------------------------------------

  private fromClient(data: RawData, isBinary: boolean): void {
    if (this.ended) return;
    const bytes = toBytes(data);
    if (isBinary) {
      if (bytes.byteLength !== WEB_TEST_AUDIO.frameBytes) return this.protocolError(`audio frames are ${WEB_TEST_AUDIO.frameBytes} bytes`);
      // Audio before `start`, or after the platform refused, goes nowhere.
      if (!this.started) return;
      // Muted means nothing of the microphone leaves the backend; the platform hears silence.
      this.toProvider.push(this.muted ? this.silence : bytes);
      this.toProvider.drain(this.providerSink);
      return;
    }
    let parsed;
    try {
      parsed = WebTestClientMessageSchema.safeParse(JSON.parse(bytes.toString('utf8')));
    } catch {
      parsed = null;
    }
    if (!parsed?.success) return this.protocolError('control messages are JSON: start, mute, end or auth');
    const message = parsed.data;
    switch (message.type) {
      case 'start':
        if (!this.started) void this.start();
        return;
      case 'mute':
        this.muted = message.muted;
        return;
      case 'end':
        return this.end('ended-by-user', null);
      case 'auth':
        void this.reauthenticate(message.accessToken);
        return;
    }
  }

  private async start(): Promise<void> {
    this.started = true;
    const allowed = await this.onStarting(this).catch((error: unknown) => {
      // The counters fail open: a limit that cannot be checked must not stop a test.
      this.log.warn({ err: error }, 'web-test start limit not checked');
      return true;
    });
    if (!allowed) {
      return this.end('rate-limited', `You can start ${this.deps.startsPerMinute} web tests a minute. Wait a moment and try again.`);
    }
    if (this.ended) return;
    this.send({ type: 'status', status: 'connecting' });
    let websocketCallUrl: string;
    try {
      const assistantId = await this.assistantId();
      if (this.ended) return;
      const created = await this.deps.vapi.createWebSocketCall({
        assistantId,
        name: 'Voxanne web test',
        audioFormat: { format: WEB_TEST_AUDIO.encoding, container: WEB_TEST_AUDIO.container, sampleRate: WEB_TEST_AUDIO.sampleRate },
      });
      this.providerCallId = created.id;
      websocketCallUrl = created.transport.websocketCallUrl;
      this.callId = await this.recordCall(created.id, assistantId);
    } catch (error) {
      this.log.warn({ err: error }, 'web test could not start');
      const message =
        error instanceof AppError ? error.message : 'The voice platform could not start the test call. Try again in a minute.';
      return this.end('provider-refused', message);
    }
    if (this.ended) return this.hangUpProvider();
    this.later(this.deps.maxSeconds * 1000, () =>
      this.end('time-limit', `Web tests last at most ${formatMinutes(this.deps.maxSeconds)}. Start a new one to keep talking.`),
    );
    this.connectProvider(websocketCallUrl);
  }

  /** The clinic's assistant on the platform; synced first if it never was (like the phone test call). */
  private async assistantId(): Promise<string> {
    let agent = await getAgent(this.deps.db, this.principal.clinicId);
    if (!agent.providerAssistantId) agent = await updateAgent(this.deps.agents, this.principal.clinicId, agent.personality);
    if (!agent.providerAssistantId) {
      throw new AppError(
        'provider_error',
        `The assistant is not set up on the voice platform yet${agent.sync.message ? `: ${agent.sync.message}` : '.'}`,
      );
    }
    return agent.providerAssistantId;
  }

  /** The test call, stored at once so every console sees it; the platform's webhooks fill in the rest. */
  private async recordCall(providerCallId: string, assistantId: string): Promise<string> {
    const ingestion = { db: this.deps.db, bus: this.deps.bus, ...(this.deps.stats ? { stats: this.deps.stats } : {}) };
    const row = await transactionWithEvents(this.deps.db, this.deps.bus, async (tx, events) => {
      const call = { id: providerCallId, type: 'vapi.websocketCall' as const, assistantId };
      const locked = await lockOrCreateCall(tx, events, ingestion, this.principal.clinicId, call, 'queued', { isTest: true });
      // A status webhook can beat us to it; the call is still a test call.
      return locked.row.is_test ? locked.row : saveCall(tx, events, ingestion, locked.row, { is_test: true });
    });
    return row.id;
  }

  /** A fresh token of the same person renews the test's lifetime; anything else ends it. */
  private async reauthenticate(accessToken: string): Promise<void> {
    const principal = await this.deps.identity.verifyAccessToken(accessToken).catch(() => null);
    if (this.ended) return;
    if (!principal || principal.staffId !== this.principal.staffId || principal.clinicId !== this.principal.clinicId) {
      this.send({ type: 'error', code: 'unauthenticated', message: 'That sign-in does not belong to this web test.' });
      this.closeClient(LiveCloseCode.authExpired, 'auth failed');
      return;
    }
    this.principalValue = principal;
    this.accessToken = accessToken;
    this.tokenLifetime.arm(principal.tokenExpiresAt);
  }

  // --- provider side ------------------------------------------------------------------------------

  private connectProvider(url: string): void {
    const provider = new WebSocket(url, {
      perMessageDeflate: false,
      handshakeTimeout: PROVIDER_HANDSHAKE_MS,
      maxPayload: MAX_PROVIDER_MESSAGE_BYTES,
    });
    this.provider = provider;
    provider.on('open', () => {
      if (this.ended) return this.hangUpProvider();
      this.providerSink.attach(provider);
      this.send({ type: 'ready', sessionId: this.id, callId: this.callId!, maxSeconds: this.deps.maxSeconds });
      this.send({ type: 'status', status: 'in-progress' });
      this.toProvider.drain(this.providerSink);
    });
    provider.on('message', (data, isBinary) => this.fromProvider(data, isBinary));
    provider.on('error', (error) => this.log.warn({ err: error }, 'web-test provider socket error'));
    provider.on('close', (code) => {
      this.providerSink.detach();
      if (this.ended) return;
      if (code === 1000) this.end('assistant-ended', 'The assistant ended the call.');
      else this.end('provider-error', 'Lost the connection to the assistant. Start the test again.');
    });
  }

  private fromProvider(data: RawData, isBinary: boolean): void {
    if (this.ended) return;
    const bytes = toBytes(data);
    if (isBinary) {
      for (const frame of this.reframer.push(bytes)) this.toClient.push(frame);
      this.toClient.drain(this.clientSink);
      return;
    }
    let parsed;
    try {
      parsed = ProviderMessageSchema.safeParse(JSON.parse(bytes.toString('utf8')));
    } catch {
      parsed = null;
    }
    if (!parsed?.success) return; // The platform sends many kinds of message; only these matter here.
    const message = parsed.data;
    if (message.type === 'transcript') {
      this.send({
        type: 'transcript',
        speaker: message.role === 'user' ? 'caller' : 'assistant',
        transcriptType: message.transcriptType,
        text: message.transcript,
      });
    } else if (message.type === 'status-update' && message.status === 'ended') {
      this.end('assistant-ended', 'The assistant ended the call.');
    }
  }

  /** Tells the platform the caller hung up and closes its socket; a call never connected just ends. */
  private hangUpProvider(): void {
    const provider = this.provider;
    this.provider = null;
    this.providerSink.detach();
    if (!provider) return;
    if (provider.readyState === WebSocket.OPEN) {
      provider.send(JSON.stringify({ type: 'hangup' }));
      provider.close(1000, 'caller hung up');
    } else if (provider.readyState === WebSocket.CONNECTING) {
      provider.terminate();
    }
  }

  // --- plumbing -----------------------------------------------------------------------------------

  private send(message: WebTestServerMessage): void {
    if (this.client.readyState === WebSocket.OPEN) this.client.send(JSON.stringify(message));
  }

  private protocolError(message: string): void {
    this.send({ type: 'error', code: 'bad_message', message });
    this.closeClient(LiveCloseCode.protocolError, 'bad message');
  }

  private closeClient(code: number, reason: string): void {
    if (this.client.readyState === WebSocket.OPEN || this.client.readyState === WebSocket.CONNECTING) this.client.close(code, reason);
  }

  private later(ms: number, run: () => void): void {
    const timer = setTimeout(run, ms);
    timer.unref();
    this.timers.push(timer);
  }
}

/** A socket as a FrameQueue sees it; each write's completion drains the queue further. */
class SocketSink implements FrameSink {
  private socket: WebSocket | null = null;

  constructor(private readonly written: () => void) {}

  attach(socket: WebSocket): void {
    this.socket = socket;
  }

  detach(): void {
    this.socket = null;
  }

  get open(): boolean {
    return this.socket !== null && this.socket.readyState === WebSocket.OPEN;
  }

  get bufferedAmount(): number {
    return this.socket?.bufferedAmount ?? 0;
  }

  send(frame: Uint8Array): void {
    this.socket?.send(frame, { binary: true }, this.written);
  }
}

function toBytes(data: RawData): Buffer {
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
}

function formatMinutes(seconds: number): string {
  const minutes = Math.round(seconds / 60);
  return seconds % 60 === 0 || seconds >= 120 ? `${minutes} minute${minutes === 1 ? '' : 's'}` : `${seconds} seconds`;
}
