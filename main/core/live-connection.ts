// LiveConnection: the one WebSocket to `/ws/live-calls`.
//
// A small state machine — connecting, live, reconnecting, offline, signed-out — with exactly one
// socket at a time. Every socket gets a generation number; anything a superseded socket reports is
// ignored, so racing close/error/online/retry events can never leave two sockets open or two
// retries scheduled. Events are de-duplicated by id and seq, kept in a bounded history, handed to
// listeners in order (the notifier), and coalesced into batches for the renderer.
import {
  AUTH_SUBPROTOCOL_PREFIX,
  LIVE_PROTOCOL,
  LIVE_SOCKET_PATH,
  LiveCloseCode,
  LiveServerMessageSchema,
  type ConnectionState,
  type ConnectionStatus,
  type LiveBatch,
  type LiveClientMessage,
  type LiveEvent,
  type LiveServerMessage,
} from '@voxanne/protocol';
import { backoffDelayMs } from './backoff.js';
import { BatchCoalescer } from './batch-coalescer.js';
import { EventIntake } from './event-intake.js';
import { Listeners } from './listeners.js';
import type { Logger } from './logger.js';
import type { ClientSocket, Clock, PowerHint, PowerHints, SocketClosed, SocketFactory, TimerHandle } from './ports.js';
import { UserMessage } from './user-messages.js';

/** With no traffic for this long, ping the server. */
export const HEARTBEAT_IDLE_MS = 15_000;
/** A ping unanswered for this long means the connection is dead. */
export const HEARTBEAT_TIMEOUT_MS = 10_000;

/** What the connection needs from the session. */
export interface LiveAuth {
  accessToken(): Promise<string>;
  refresh(): Promise<'refreshed' | 'rejected' | 'unreachable'>;
  /** The server revoked the session: sign out with this reason. */
  revoked(reason: string): void;
}

export interface LiveConnectionOptions {
  backendUrl: string;
  openSocket: SocketFactory;
  clock: Clock;
  random: () => number;
  logger: Logger;
  power: PowerHints;
  auth: LiveAuth;
  heartbeatIdleMs?: number;
  heartbeatTimeoutMs?: number;
}

export class LiveConnection {
  private state: ConnectionState;
  private running = false;
  private socket: ClientSocket | null = null;
  /** True from deciding to connect until the socket exists (the token may be refreshing). */
  private opening = false;
  private generation = 0;
  private attempt = 0;
  private retryTimer: TimerHandle | null = null;
  private heartbeatTimer: TimerHandle | null = null;
  private lastActivityAt = 0;
  private pingSentAt: number | null = null;
  /** Set when we end a socket ourselves, so its close reads as what we meant. */
  private closeReason: string | null = null;
  /** The last close was an expired token we have just refreshed: retry at once, but only once. */
  private authRetryUsed = false;
  /** No resume point yet: the first hello sets it, and the renderer reloads over REST. */
  private hasPosition = false;
  private readonly intake = new EventIntake();
  private readonly coalescer: BatchCoalescer;
  private readonly stateListeners = new Listeners<ConnectionState>();
  private readonly eventListeners = new Listeners<LiveEvent>();
  private readonly batchListeners = new Listeners<LiveBatch>();
  private readonly unsubscribePower: () => void;
  private readonly url: string;
  private readonly o: LiveConnectionOptions;

  constructor(options: LiveConnectionOptions) {
    this.o = options;
    const url = new URL(LIVE_SOCKET_PATH, options.backendUrl);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    this.url = url.toString();
    this.state = this.makeState('signed-out', null);
    this.coalescer = new BatchCoalescer(options.clock, (batch) => this.batchListeners.emit(batch));
    this.unsubscribePower = options.power.subscribe((hint) => this.onPowerHint(hint));
  }

  getState(): ConnectionState {
    return this.state;
  }

  onState(listener: (state: ConnectionState) => void): () => void {
    return this.stateListeners.subscribe(listener);
  }

  /** Every new event, in order, as soon as it arrives (the notifier needs it now, not batched). */
  onEvent(listener: (event: LiveEvent) => void): () => void {
    return this.eventListeners.subscribe(listener);
  }

  onBatch(listener: (batch: LiveBatch) => void): () => void {
    return this.batchListeners.subscribe(listener);
  }

  recentEvents(): readonly LiveEvent[] {
    return this.intake.recent();
  }

  /** Counts for tests and the bench: nothing here may grow with the number of events. */
  diagnostics() {
    return {
      socketOpen: this.socket !== null,
      opening: this.opening,
      awaitingPong: this.pingSentAt !== null,
      historySize: this.intake.recent().length,
      seenIds: this.intake.seenIdCount,
      pendingBatchEvents: this.coalescer.pendingCount,
      listeners: this.stateListeners.size + this.eventListeners.size + this.batchListeners.size,
    };
  }

  /** The session signed in: connect. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.attempt = 0;
    this.hasPosition = false;
    this.authRetryUsed = false;
    if (!this.o.power.isOnline()) {
      this.setState('offline', UserMessage.computerOffline);
      return;
    }
    this.setState('connecting', null);
    void this.connect();
  }

  /** The session ended: close the socket and forget the stream position. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.dropSocket(1000, 'signed out');
    this.o.clock.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.intake.clear();
    this.coalescer.reset();
    this.setState('signed-out', null);
  }

  /** "Retry now" in the UI, and OS hints: skip the wait, unless a socket is already up or opening. */
  retryNow(): ConnectionState {
    if (!this.running || this.socket !== null || this.opening) return this.state;
    this.o.clock.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.state.status === 'offline') {
      this.attempt = 0;
      this.setState('connecting', null);
    } else if (this.state.status === 'reconnecting') {
      this.setState('reconnecting', this.state.reason);
    }
    void this.connect();
    return this.state;
  }

  dispose(): void {
    this.stop();
    this.unsubscribePower();
    this.stateListeners.clear();
    this.eventListeners.clear();
    this.batchListeners.clear();
  }

  private async connect(): Promise<void> {
    if (!this.running || this.socket !== null || this.opening) return;
    this.opening = true;
    const generation = ++this.generation;
    let token: string;
    try {
      token = await this.o.auth.accessToken();
    } catch (err) {
      if (generation !== this.generation) return;
      this.opening = false;
      // A refused refresh signs the session out, which stops us; anything else is worth retrying.
      if (this.running) this.scheduleRetry((err as Error).message || UserMessage.serverUnreachable);
      return;
    }
    if (generation !== this.generation || !this.running) return;
    this.opening = false;
    this.closeReason = null;
    this.pingSentAt = null;
    this.lastActivityAt = this.o.clock.now();
    this.socket = this.o.openSocket(this.url, [LIVE_PROTOCOL, AUTH_SUBPROTOCOL_PREFIX + token], {
      onOpen: (protocol) => generation === this.generation && this.onOpen(protocol),
      onMessage: (data, isBinary) => generation === this.generation && this.onMessage(data, isBinary),
      onActivity: () => {
        if (generation === this.generation) this.noteActivity();
      },
      onClose: (closed) => generation === this.generation && this.onClose(closed),
    });
  }

  private onOpen(protocol: string): void {
    if (protocol !== LIVE_PROTOCOL) {
      this.o.logger.error('live server chose an unknown subprotocol', { protocol });
      this.closeReason = UserMessage.liveProtocolMismatch;
      this.socket?.close(1002, 'unsupported subprotocol');
      return;
    }
    this.noteActivity();
    this.armHeartbeat(this.o.heartbeatIdleMs ?? HEARTBEAT_IDLE_MS);
  }

  private onMessage(data: string | Uint8Array, isBinary: boolean): void {
    this.noteActivity();
    if (isBinary || typeof data !== 'string') {
      this.o.logger.warn('live server sent a binary message; ignored');
      return;
    }
    let message: LiveServerMessage;
    try {
      const parsed = LiveServerMessageSchema.safeParse(JSON.parse(data));
      if (!parsed.success) {
        this.o.logger.warn('live server message does not match the contract; ignored', { issues: parsed.error.issues.slice(0, 3) });
        return;
      }
      message = parsed.data;
    } catch {
      this.o.logger.warn('live server sent something that is not JSON; ignored');
      return;
    }
    switch (message.type) {
      case 'hello':
        this.onHello(message.lastSeq);
        return;
      case 'event':
        if (this.intake.accept(message.event)) {
          this.eventListeners.emit(message.event);
          this.coalescer.add(message.event);
        }
        return;
      case 'replay-complete':
        this.attempt = 0;
        this.authRetryUsed = false;
        this.setState('live', null);
        return;
      case 'resync-required':
        this.o.logger.info('live log could not be resumed; the console reloads', { lastSeq: message.lastSeq });
        this.intake.resetSeq(message.lastSeq);
        this.coalescer.requireResync();
        this.send({ type: 'resume', afterSeq: message.lastSeq });
        return;
      case 'token-expiring':
        void this.reauthenticate(this.generation);
        return;
      case 'auth-ok':
        this.o.logger.debug('live connection re-authenticated');
        return;
      case 'error':
        this.o.logger.warn('live server reported an error', { code: message.code, message: message.message });
        return;
    }
  }

  private onHello(serverLastSeq: number): void {
    // A first connect has no position: stream from now and let the renderer load the rest. A server
    // whose log is behind ours was reset (new database): start over from its position.
    if (!this.hasPosition || serverLastSeq < this.intake.lastSeq) {
      if (this.hasPosition)
        this.o.logger.warn('live log is behind this console; starting over', { ours: this.intake.lastSeq, server: serverLastSeq });
      this.intake.clear();
      this.intake.resetSeq(serverLastSeq);
      this.coalescer.requireResync();
      this.hasPosition = true;
    }
    this.send({ type: 'resume', afterSeq: this.intake.lastSeq });
  }

  private async reauthenticate(generation: number): Promise<void> {
    const outcome = await this.o.auth.refresh();
    if (generation !== this.generation || outcome !== 'refreshed') return;
    try {
      this.send({ type: 'auth', accessToken: await this.o.auth.accessToken() });
    } catch (err) {
      this.o.logger.warn('could not re-authenticate the live connection', { error: err });
    }
  }

  private onClose(closed: SocketClosed): void {
    this.socket = null;
    this.stopHeartbeat();
    const ourReason = this.closeReason;
    this.closeReason = null;
    this.o.logger.info('live connection closed', {
      code: closed.code,
      wasOpen: closed.wasOpen,
      handshakeStatus: closed.handshakeStatus,
      error: closed.error,
    });
    if (!this.running) return;

    if (closed.code === LiveCloseCode.authRevoked) {
      this.o.auth.revoked(UserMessage.sessionRevoked);
      return;
    }
    if (closed.code === LiveCloseCode.authExpired || closed.handshakeStatus === 401) {
      void this.refreshThenReconnect();
      return;
    }
    if (closed.code === LiveCloseCode.resync && this.attempt === 0) {
      // We fell behind; the server kept our place. Straight back, from the last seq we saw (once:
      // a server that keeps doing this gets the ordinary backoff).
      this.attempt = 1;
      this.setState('reconnecting', UserMessage.catchingUp);
      void this.connect();
      return;
    }
    if (!this.o.power.isOnline()) {
      this.setState('offline', UserMessage.computerOffline);
      return;
    }
    const reason =
      ourReason ??
      (closed.code === LiveCloseCode.serverRestart
        ? UserMessage.serverRestarting
        : closed.code === LiveCloseCode.tooManyConnections
          ? UserMessage.tooManyConsoles
          : closed.handshakeStatus !== null
            ? UserMessage.liveStreamRefused
            : closed.wasOpen
              ? UserMessage.lostContact
              : UserMessage.serverUnreachable);
    this.scheduleRetry(reason);
  }

  private async refreshThenReconnect(): Promise<void> {
    const generation = this.generation;
    const outcome = this.authRetryUsed ? 'unreachable' : await this.o.auth.refresh();
    if (generation !== this.generation || !this.running) return;
    if (outcome === 'refreshed') {
      this.authRetryUsed = true;
      void this.connect();
    } else if (outcome === 'unreachable') {
      this.scheduleRetry(UserMessage.serverUnreachable);
    }
    // 'rejected': the session signs out, which stops us.
  }

  private scheduleRetry(reason: string): void {
    this.o.clock.clearTimeout(this.retryTimer);
    this.attempt += 1;
    const delay = backoffDelayMs(this.attempt, this.o.random);
    this.setState('reconnecting', reason, this.o.clock.now() + delay);
    this.retryTimer = this.o.clock.setTimeout(() => {
      this.retryTimer = null;
      this.setState('reconnecting', reason);
      void this.connect();
    }, delay);
  }

  private onPowerHint(hint: PowerHint): void {
    if (!this.running) return;
    if (hint === 'offline') {
      this.dropSocket(1001, 'computer offline');
      this.o.clock.clearTimeout(this.retryTimer);
      this.retryTimer = null;
      this.setState('offline', UserMessage.computerOffline);
    } else if (hint === 'online') {
      this.retryNow();
    } else if (hint === 'resume') {
      // After sleep a socket can look open and be dead: prove it with a ping now.
      if (this.socket !== null) this.probeNow();
      else this.retryNow();
    }
  }

  private dropSocket(code: number, reason: string): void {
    this.generation++;
    this.opening = false;
    this.stopHeartbeat();
    const socket = this.socket;
    this.socket = null;
    socket?.close(code, reason);
  }

  private send(message: LiveClientMessage): void {
    this.socket?.send(JSON.stringify(message));
  }

  // --- heartbeat: one timer per connection, never one per message ---------------------------------

  private noteActivity(): void {
    this.lastActivityAt = this.o.clock.now();
    this.pingSentAt = null;
  }

  private armHeartbeat(inMs: number): void {
    this.o.clock.clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = this.o.clock.setTimeout(() => this.heartbeatTick(), Math.max(0, inMs));
  }

  private probeNow(): void {
    this.lastActivityAt = Number.NEGATIVE_INFINITY;
    this.pingSentAt = null;
    this.heartbeatTick();
  }

  private heartbeatTick(): void {
    this.heartbeatTimer = null;
    if (this.socket === null) return;
    const idleMs = this.o.heartbeatIdleMs ?? HEARTBEAT_IDLE_MS;
    const timeoutMs = this.o.heartbeatTimeoutMs ?? HEARTBEAT_TIMEOUT_MS;
    const now = this.o.clock.now();
    if (this.pingSentAt !== null) {
      if (now - this.pingSentAt >= timeoutMs) {
        this.o.logger.warn('live connection stopped answering; reconnecting');
        this.closeReason = UserMessage.lostContact;
        this.socket.terminate();
        return;
      }
      this.armHeartbeat(this.pingSentAt + timeoutMs - now);
      return;
    }
    if (now - this.lastActivityAt >= idleMs) {
      this.pingSentAt = now;
      this.socket.ping();
      this.armHeartbeat(timeoutMs);
      return;
    }
    this.armHeartbeat(this.lastActivityAt + idleMs - now);
  }

  private stopHeartbeat(): void {
    this.o.clock.clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = null;
    this.pingSentAt = null;
  }

  // --- state ---------------------------------------------------------------------------------------

  private setState(status: ConnectionStatus, reason: string | null, nextRetryAt: number | null = null): void {
    const next = this.makeState(status, reason, nextRetryAt);
    if (this.state.status === status) next.since = this.state.since;
    const same =
      this.state.status === next.status &&
      this.state.reason === next.reason &&
      this.state.nextRetryAt === next.nextRetryAt &&
      this.state.attempt === next.attempt &&
      this.state.lastSeq === next.lastSeq;
    this.state = next;
    if (!same) this.stateListeners.emit(next);
  }

  private makeState(status: ConnectionStatus, reason: string | null, nextRetryAt: number | null = null): ConnectionState {
    return {
      status,
      reason: status === 'live' ? null : reason,
      nextRetryAt: nextRetryAt === null ? null : new Date(nextRetryAt).toISOString(),
      attempt: status === 'live' ? 0 : this.attempt,
      lastSeq: this.intake.lastSeq,
      since: new Date(this.o.clock.now()).toISOString(),
    };
  }
}
