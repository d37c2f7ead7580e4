// ConsoleSocket: the server side of one console's `/ws/live-calls` connection, after the upgrade was
// authenticated. It owns that connection's place in its clinic's stream (resume and replay from the
// log, then live events with no gap and no duplicate at the seam), its memory bound (backpressure),
// its access-token lifetime (token-expiring, re-auth, close at expiry) and what the client may say.
//
// Position bookkeeping: `position` is the newest seq this connection has sent (or that the client
// declared it has); `anchor` is where the current unbroken run began. Every frame sent on a
// connection has a higher seq than the one before it, so the client can resume from the last seq it
// saw and never needs to look back.
import type { RawData, WebSocket } from 'ws';
import {
  LIVE_PROTOCOL_VERSION,
  LiveClientMessageSchema,
  LiveCloseCode,
  type LiveClientMessage,
  type LiveEvent,
  type LiveServerMessage,
} from '@voxanne/protocol';
import type { IdentityProvider } from '../auth/identity-provider.js';
import type { Principal } from '../auth/principal.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import { TokenLifetime } from '../sockets/token-lifetime.js';
import type { ClinicStream } from './clinic-stream.js';
import { eventForRole } from './recipient-view.js';

export interface ConsoleSocketSettings {
  /** Bytes a connection may have queued (ws buffer + socket buffer) before it is closed for resync. */
  bufferLimitBytes: number;
  /** How long a fresh connection waits for `resume` before streaming from hello's lastSeq. */
  resumeWaitMs: number;
  /** `token-expiring` goes out this long before the access token expires. */
  tokenExpiryWarningMs: number;
}

export interface ConsoleSocketDeps {
  settings: ConsoleSocketSettings;
  identity: IdentityProvider;
  logger: Logger;
  /** The clinic's log: replay reads from here. */
  eventsAfter(afterSeq: number, limit: number): Promise<LiveEvent[]>;
  lastSeq(): Promise<number>;
  /** Counters for /metrics. */
  onReplayed(count: number): void;
  onResyncClose(): void;
}

export type ConsoleSocketMode = 'starting' | 'awaiting-resume' | 'replaying' | 'live' | 'closing';

const REPLAY_PAGE_SIZE = 500;
/** A client sends resume and auth, rarely: more than this in one window is a misbehaving client. */
const MESSAGES_PER_WINDOW = 30;
const MESSAGE_WINDOW_MS = 10_000;

export class ConsoleSocket {
  private modeValue: ConsoleSocketMode = 'starting';
  private position = 0;
  private anchor = 0;
  private replayGeneration = 0;
  /** A resume arrived during a replay that already covers it: answer replay-complete when it ends. */
  private announceWhenLive = false;
  private resumeTimer: NodeJS.Timeout | null = null;
  private readonly tokenLifetime: TokenLifetime;
  /** Client messages are handled one at a time, in order, and only once hello has gone out. */
  private inbox: Promise<void>;
  private markStarted: () => void = () => undefined;
  private markEnded: () => void = () => undefined;
  /** Resolves once the connection has ended. */
  readonly endedPromise = new Promise<void>((resolve) => {
    this.markEnded = resolve;
  });
  private windowStartedAt = 0;
  private messagesInWindow = 0;
  /** Heartbeat: set by any pong or message, cleared by each ping. */
  alive = true;
  /** The most this connection ever had queued, for tests and the bench. */
  peakBufferedBytes = 0;

  constructor(
    private readonly ws: WebSocket,
    private principalValue: Principal,
    private accessToken: string,
    private stream: ClinicStream,
    private readonly deps: ConsoleSocketDeps,
  ) {
    this.inbox = new Promise((resolve) => {
      this.markStarted = resolve;
    });
    this.tokenLifetime = new TokenLifetime(
      deps.settings.tokenExpiryWarningMs,
      (expiresAt) => this.send({ type: 'token-expiring', expiresAt: expiresAt.toISOString() }),
      () => this.close(LiveCloseCode.authExpired, 'access token expired'),
    );
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('pong', () => {
      this.alive = true;
    });
  }

  get mode(): ConsoleSocketMode {
    return this.modeValue;
  }

  get principal(): Principal {
    return this.principalValue;
  }

  get token(): string {
    return this.accessToken;
  }

  get bufferedBytes(): number {
    return this.ws.bufferedAmount;
  }

  /** The clinic stream is ready: say hello and wait for the client's resume. */
  start(): void {
    if (this.modeValue !== 'starting') return;
    const lastSeq = this.stream.deliveredSeq;
    this.awaitResume(lastSeq);
    this.send({
      type: 'hello',
      protocolVersion: LIVE_PROTOCOL_VERSION,
      clinicId: this.principalValue.clinicId,
      lastSeq,
      serverTime: new Date().toISOString(),
      tokenExpiresAt: this.principalValue.tokenExpiresAt.toISOString(),
    });
    this.tokenLifetime.arm(this.principalValue.tokenExpiresAt);
    this.markStarted();
  }

  /** The connection ended (either side): release timers. */
  ended(): void {
    this.stop();
    this.markEnded();
  }

  /** A live event of this clinic, in seq order; `frame` is the encoded message as this socket's role sees it (shared). */
  deliverLive(event: LiveEvent, frame: Buffer): void {
    if (this.modeValue !== 'live' || event.seq <= this.position) return;
    if (event.seq !== this.position + 1) {
      // Cannot happen while the stream is gap-free; if it ever does, make the client resume rather
      // than let it miss an event silently.
      this.deps.logger.error(
        { clinicId: this.principalValue.clinicId, expected: this.position + 1, got: event.seq },
        'live socket out of step',
      );
      this.closeForResync();
      return;
    }
    if (this.sendFrame(frame)) this.position = event.seq;
  }

  ping(): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.ping();
  }

  close(code: number, reason: string): void {
    if (this.modeValue === 'closing') return;
    this.stop();
    this.ws.close(code, reason);
  }

  terminate(): void {
    this.stop();
    this.ws.terminate();
  }

  /** The session was revoked since the upgrade (sign-out elsewhere, user disabled): SocketEndpoint's re-check. */
  sessionEnded(): void {
    this.close(LiveCloseCode.authRevoked, 'session ended');
  }

  // --- client messages -----------------------------------------------------------------------------

  private onMessage(data: RawData, isBinary: boolean): void {
    this.alive = true;
    if (this.modeValue === 'closing') return;
    const now = Date.now();
    if (now - this.windowStartedAt > MESSAGE_WINDOW_MS) {
      this.windowStartedAt = now;
      this.messagesInWindow = 0;
    }
    if (++this.messagesInWindow > MESSAGES_PER_WINDOW) return this.protocolError('too_many_messages', 'Too many messages.');
    if (isBinary) return this.protocolError('bad_message', 'Binary messages are not part of this protocol.');

    let message: LiveClientMessage;
    try {
      const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
      const parsed = LiveClientMessageSchema.safeParse(JSON.parse(text));
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return this.protocolError(
          'bad_message',
          `Invalid message: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`,
        );
      }
      message = parsed.data;
    } catch {
      return this.protocolError('bad_message', 'Messages must be JSON.');
    }
    // One message at a time, in the order they came. A replay runs on its own (a re-auth must not
    // wait behind a long one); a newer resume supersedes it.
    this.inbox = this.inbox
      .then(() => (message.type === 'resume' ? this.onResume(message.afterSeq) : this.onAuth(message.accessToken)))
      .catch((error: unknown) => this.failed(error));
  }

  private onResume(afterSeq: number): void {
    if (this.modeValue === 'closing') return;
    if (this.modeValue === 'awaiting-resume' || (afterSeq < this.anchor && this.position === this.anchor)) {
      return this.startReplay(afterSeq, true);
    }
    if (afterSeq >= this.anchor && afterSeq <= this.position) {
      // Everything up to `position` already went out on this connection, in order.
      if (this.modeValue === 'live') this.send({ type: 'replay-complete', lastSeq: this.position });
      else this.announceWhenLive = true;
      return;
    }
    if (afterSeq > this.position) return this.startReplay(afterSeq, true);
    // Older than what this connection already streamed: sending it now would go backwards in seq.
    // Start the connection over; the client resumes from the last seq it saw.
    this.closeForResync();
  }

  private async onAuth(token: string): Promise<void> {
    let next: Principal;
    try {
      next = await this.deps.identity.verifyAccessToken(token);
    } catch (error) {
      const message = error instanceof AppError ? error.message : 'The access token could not be checked.';
      this.send({ type: 'error', code: error instanceof AppError ? error.code : 'unavailable', message });
      return;
    }
    if (this.modeValue === 'closing') return;
    if (next.staffId !== this.principalValue.staffId || next.clinicId !== this.principalValue.clinicId) {
      this.send({ type: 'error', code: 'forbidden', message: 'The new token belongs to someone else.' });
      return;
    }
    this.principalValue = next;
    this.accessToken = token;
    this.tokenLifetime.arm(this.principalValue.tokenExpiresAt);
    this.send({ type: 'auth-ok', tokenExpiresAt: next.tokenExpiresAt.toISOString() });
  }

  // --- replay --------------------------------------------------------------------------------------

  private startReplay(afterSeq: number, announce: boolean): void {
    this.replay(afterSeq, announce).catch((error: unknown) => this.failed(error));
  }

  private failed(error: unknown): void {
    this.deps.logger.error({ err: error, clinicId: this.principalValue.clinicId }, 'live socket failed');
    this.close(1011, 'server error');
  }

  /** Sends every event after `afterSeq` from the log, then switches to live at the exact seam. */
  private async replay(afterSeq: number, announce: boolean): Promise<void> {
    const generation = ++this.replayGeneration;
    this.clearResumeTimer();
    this.modeValue = 'replaying';
    this.announceWhenLive = announce;
    this.anchor = afterSeq;
    this.position = afterSeq;
    let replayed = 0;
    const current = () => generation === this.replayGeneration && this.modeValue === 'replaying';

    for (;;) {
      const page = await this.deps.eventsAfter(this.position, REPLAY_PAGE_SIZE);
      if (!current()) return;
      if (page.length === 0) {
        if (this.position >= this.stream.deliveredSeq) {
          // Nothing after the resume point. A point beyond the log is a client of another database.
          if (this.position > this.stream.deliveredSeq && this.position > (await this.deps.lastSeq())) {
            if (current()) this.resyncRequired("The resume point is ahead of this server's log.");
            return;
          }
          if (!current()) return;
          break;
        }
        // The stream delivered events the log no longer has: they were pruned.
        return this.resyncRequired('The resume point is older than the retained log.');
      }
      if (page[0]!.seq !== this.position + 1) return this.resyncRequired('The resume point is older than the retained log.');

      for (const event of page) {
        const view = eventForRole(this.principalValue.role, event);
        const frame = Buffer.from(JSON.stringify({ type: 'event', event: view } satisfies LiveServerMessage));
        if (this.ws.bufferedAmount + frame.length > this.deps.settings.bufferLimitBytes / 2) {
          // Hold at most half the bound while replaying: wait for this frame to reach the kernel.
          await this.sendAndFlush(frame);
          if (!current()) return;
        } else if (!this.sendFrame(frame)) {
          return;
        }
        this.position = event.seq;
        replayed++;
      }
      // Caught up when the log has nothing more and the live stream is not ahead of us; the switch
      // to live happens in the same tick as this check, so no live event can fall between.
      if (page.length < REPLAY_PAGE_SIZE && this.position >= this.stream.deliveredSeq) break;
    }

    this.modeValue = 'live';
    this.deps.onReplayed(replayed);
    if (this.announceWhenLive) this.send({ type: 'replay-complete', lastSeq: this.position });
    this.announceWhenLive = false;
  }

  private resyncRequired(reason: string): void {
    const lastSeq = this.stream.deliveredSeq;
    this.send({ type: 'resync-required', lastSeq, reason });
    this.awaitResume(lastSeq);
  }

  /** Wait for the client's resume; a client that never sends one streams live from `lastSeq`. */
  private awaitResume(lastSeq: number): void {
    this.modeValue = 'awaiting-resume';
    this.replayGeneration++;
    this.position = lastSeq;
    this.anchor = lastSeq;
    this.clearResumeTimer();
    this.resumeTimer = setTimeout(() => {
      this.resumeTimer = null;
      if (this.modeValue === 'awaiting-resume') this.startReplay(lastSeq, false);
    }, this.deps.settings.resumeWaitMs);
    this.resumeTimer.unref();
  }

  // --- sending and backpressure --------------------------------------------------------------------

  private send(message: LiveServerMessage): void {
    this.sendFrame(Buffer.from(JSON.stringify(message)));
  }

  /** Queues a frame unless that would pass the bound; then the consumer is too slow: resync. */
  private sendFrame(frame: Buffer): boolean {
    if (this.modeValue === 'closing' || this.ws.readyState !== this.ws.OPEN) return false;
    const queued = this.ws.bufferedAmount + frame.length;
    if (queued > this.deps.settings.bufferLimitBytes) {
      this.closeForResync();
      return false;
    }
    this.ws.send(frame, { binary: false });
    if (queued > this.peakBufferedBytes) this.peakBufferedBytes = queued;
    return true;
  }

  private sendAndFlush(frame: Buffer): Promise<void> {
    const queued = this.ws.bufferedAmount + frame.length;
    if (this.modeValue === 'closing' || this.ws.readyState !== this.ws.OPEN) return Promise.resolve();
    if (queued > this.deps.settings.bufferLimitBytes) {
      this.closeForResync();
      return Promise.resolve();
    }
    if (queued > this.peakBufferedBytes) this.peakBufferedBytes = queued;
    return new Promise((resolve) => this.ws.send(frame, { binary: false }, () => resolve()));
  }

  /**
   * Past the bound: stop queueing at once and close with the resync code. The close frame waits
   * behind what is already queued (a slow reader still gets it); the server's closeTimeout destroys
   * a socket whose peer never reads, which frees the buffer.
   */
  private closeForResync(): void {
    if (this.modeValue === 'closing') return;
    this.deps.onResyncClose();
    this.close(LiveCloseCode.resync, 'too far behind; resume from your last seq');
  }

  private protocolError(code: string, message: string): void {
    this.send({ type: 'error', code, message });
    this.close(LiveCloseCode.protocolError, code);
  }

  // --- timers --------------------------------------------------------------------------------------

  private clearResumeTimer(): void {
    if (this.resumeTimer) clearTimeout(this.resumeTimer);
    this.resumeTimer = null;
  }

  private stop(): void {
    this.modeValue = 'closing';
    this.replayGeneration++;
    this.clearResumeTimer();
    this.tokenLifetime.clear();
  }
}
