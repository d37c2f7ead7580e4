// LiveHub: the `/ws/live-calls` endpoint of one backend instance. Its SocketEndpoint authenticates
// upgrades, caps sockets per staff member and re-checks sessions (sign-out elsewhere ends the
// socket); the hub keeps one ClinicStream per clinic that has consoles connected here, fans each
// event out to that clinic's sockets (encoded once), and runs the other connection-wide chores on
// shared timers: heartbeats, and catch-up from the log for publishes the bus dropped.
import type { WebSocket } from 'ws';
import { Counter } from 'prom-client';
import { LiveCloseCode, type LiveEvent, type LiveServerMessage } from '@voxanne/protocol';
import type { Config } from '../config/config.js';
import type { Db } from '../db/database.js';
import type { IdentityProvider } from '../auth/identity-provider.js';
import type { Principal } from '../auth/principal.js';
import type { Logger } from '../logging/logger.js';
import type { Metrics } from '../metrics.js';
import { SocketEndpoint } from '../sockets/socket-endpoint.js';
import type { LiveEventBus } from './event-bus.js';
import { eventsAfter, lastSeq } from './event-log.js';
import { ClinicStream } from './clinic-stream.js';
import { eventForRole } from './recipient-view.js';
import { ConsoleSocket, type ConsoleSocketSettings } from './console-socket.js';

export interface LiveHubSettings extends ConsoleSocketSettings {
  /** Ping every this often; a socket that has not answered the previous ping is terminated. */
  heartbeatIntervalMs: number;
  /** Re-verify every connected session this often (how fast a sign-out elsewhere ends sockets). */
  sessionRecheckMs: number;
  /** Compare each clinic's stream with its log counter this often (recovers lost publishes). */
  catchUpIntervalMs: number;
  /** How long an out-of-order event waits for the missing ones before they are read from the log. */
  gapFillDelayMs: number;
  /** Browser origins allowed to connect; requests without Origin (the desktop app) are allowed. */
  allowedOrigins: readonly string[];
  /** Live sockets one staff member may have open here. */
  socketsPerUser: number;
}

export interface LiveHubDeps {
  db: Db;
  bus: LiveEventBus;
  identity: IdentityProvider;
  logger: Logger;
  metrics: Metrics;
  settings: LiveHubSettings;
}

interface ClinicEntry {
  clinicId: string;
  stream: ClinicStream;
  sockets: Set<ConsoleSocket>;
}

const MAX_CLIENT_MESSAGE_BYTES = 16 * 1024;
/** Sockets pinged per turn of the event loop (see heartbeat). */
const HEARTBEAT_SLICE = 32;

export class LiveHub {
  private readonly endpoint: SocketEndpoint<ConsoleSocket>;
  private readonly clinics = new Map<string, ClinicEntry>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly unsubscribe: Array<() => void> = [];
  private readonly closes: Counter<'reason'>;
  private readonly slowConsumers: Counter;
  private readonly replayed: Counter;
  private closing = false;
  private pinging = false;

  constructor(private readonly deps: LiveHubDeps) {
    const { settings } = deps;
    this.endpoint = new SocketEndpoint({
      identity: deps.identity,
      logger: deps.logger,
      metrics: deps.metrics,
      settings: {
        name: 'live-calls',
        allowedOrigins: settings.allowedOrigins,
        maxPayloadBytes: MAX_CLIENT_MESSAGE_BYTES,
        socketsPerUser: settings.socketsPerUser,
        sessionRecheckMs: settings.sessionRecheckMs,
      },
      accept: (ws, principal, accessToken) => this.accept(ws, principal, accessToken),
    });
    this.handleUpgrade = this.endpoint.handleUpgrade;
    this.closes = new Counter({
      name: 'live_socket_closes_total',
      help: 'Live sockets closed, by close code meaning (abnormal = terminated or dropped)',
      labelNames: ['reason'],
      registers: [deps.metrics.registry],
    });
    this.slowConsumers = new Counter({
      name: 'live_slow_consumer_closes_total',
      help: 'Live sockets closed for resync because they fell past the buffer bound',
      registers: [deps.metrics.registry],
    });
    this.replayed = new Counter({
      name: 'live_events_replayed_total',
      help: 'Events sent from the log on resume',
      registers: [deps.metrics.registry],
    });

    this.unsubscribe.push(
      deps.bus.subscribe((events) => this.onBusEvents(events)),
      deps.bus.onMissedEvents(() => void this.catchUp()),
    );
    const every = (ms: number, chore: () => void) => {
      const timer = setInterval(chore, ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(deps.settings.heartbeatIntervalMs, () => void this.heartbeat());
    every(deps.settings.catchUpIntervalMs, () => void this.catchUp());
  }

  /** The UpgradeRouter handler for LIVE_SOCKET_PATH. */
  readonly handleUpgrade: SocketEndpoint<ConsoleSocket>['handleUpgrade'];

  /** Counts for tests, the bench and diagnostics. */
  diagnostics() {
    let pendingOutOfOrder = 0;
    for (const entry of this.clinics.values()) pendingOutOfOrder += entry.stream.pendingCount;
    const sockets = [...this.endpoint.connections()].map((s) => ({
      clinicId: s.principal.clinicId,
      staffId: s.principal.staffId,
      mode: s.mode,
      bufferedBytes: s.bufferedBytes,
      peakBufferedBytes: s.peakBufferedBytes,
    }));
    return { clinics: this.clinics.size, sockets, pendingOutOfOrder };
  }

  /** Ends every socket with "server restarting" (clients resume elsewhere or after the restart). */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.endpoint.stopAccepting();
    for (const timer of this.timers) clearInterval(timer);
    for (const off of this.unsubscribe) off();
    const open = [...this.endpoint.connections()];
    const ended = Promise.all(open.map((s) => s.endedPromise));
    for (const socket of open) socket.close(LiveCloseCode.serverRestart, 'server restarting');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([ended, new Promise((resolve) => (timer = setTimeout(resolve, 2_000)))]);
    clearTimeout(timer);
    for (const socket of this.endpoint.connections()) socket.terminate();
    for (const entry of this.clinics.values()) entry.stream.close();
    this.clinics.clear();
    await this.endpoint.close();
  }

  // --- connections ---------------------------------------------------------------------------------

  private accept(ws: WebSocket, principal: Principal, accessToken: string): ConsoleSocket {
    const entry = this.entryFor(principal.clinicId);
    const { db, logger } = this.deps;
    const clinicId = principal.clinicId;
    const socket = new ConsoleSocket(ws, principal, accessToken, entry.stream, {
      settings: this.deps.settings,
      identity: this.deps.identity,
      logger,
      eventsAfter: (afterSeq, limit) => eventsAfter(db, clinicId, afterSeq, limit),
      lastSeq: () => lastSeq(db, clinicId),
      onReplayed: (count) => this.replayed.inc(count),
      onResyncClose: () => this.slowConsumers.inc(),
    });
    entry.sockets.add(socket);

    ws.on('error', (error) => logger.debug({ err: error, clinicId }, 'live socket error'));
    ws.once('close', (code) => {
      socket.ended();
      entry.sockets.delete(socket);
      if (entry.sockets.size === 0 && this.clinics.get(clinicId) === entry) {
        entry.stream.close();
        this.clinics.delete(clinicId);
      }
      this.closes.inc({ reason: closeReason(code) });
    });

    entry.stream.ready.then(
      () => socket.start(),
      (error: unknown) => {
        logger.error({ err: error, clinicId }, 'live stream could not start');
        socket.close(1011, 'server error');
      },
    );
    return socket;
  }

  private entryFor(clinicId: string): ClinicEntry {
    let entry = this.clinics.get(clinicId);
    if (entry) return entry;
    const { db, logger, settings } = this.deps;
    const sockets = new Set<ConsoleSocket>();
    const stream = new ClinicStream(
      { eventsAfter: (afterSeq, limit) => eventsAfter(db, clinicId, afterSeq, limit), lastSeq: () => lastSeq(db, clinicId) },
      (event) => fanOut(sockets, event),
      {
        gapFillDelayMs: settings.gapFillDelayMs,
        onError: (error) => logger.warn({ err: error, clinicId }, 'live stream could not read the log'),
      },
    );
    entry = { clinicId, stream, sockets };
    this.clinics.set(clinicId, entry);
    return entry;
  }

  private onBusEvents(events: LiveEvent[]): void {
    const first = events[0];
    if (!first) return;
    this.clinics.get(first.clinicId)?.stream.receive(events);
  }

  // --- chores --------------------------------------------------------------------------------------

  /**
   * Pings every socket, a slice at a time: each ping is a system call, and hundreds of them in one
   * go held up live events for tens of milliseconds (bench/live); between slices events flow.
   */
  private async heartbeat(): Promise<void> {
    if (this.pinging) return;
    this.pinging = true;
    try {
      const sockets = [...this.endpoint.connections()];
      for (let i = 0; i < sockets.length; i++) {
        if (i > 0 && i % HEARTBEAT_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
        const socket = sockets[i]!;
        if (!this.endpoint.has(socket)) continue; // gone while an earlier slice was pinged
        if (!socket.alive) {
          this.deps.logger.info({ clinicId: socket.principal.clinicId }, 'live socket missed its heartbeat; terminated');
          socket.terminate();
          continue;
        }
        socket.alive = false;
        socket.ping();
      }
    } finally {
      this.pinging = false;
    }
  }

  /** Reads each connected clinic's newest seq; streams behind it fill the hole from the log. */
  private async catchUp(): Promise<void> {
    const clinicIds = [...this.clinics.keys()];
    if (clinicIds.length === 0) return;
    try {
      const counters = await this.deps.db
        .selectFrom('clinic_event_counters')
        .select(['clinic_id', 'last_seq'])
        .where('clinic_id', 'in', clinicIds)
        .execute();
      for (const counter of counters) this.clinics.get(counter.clinic_id)?.stream.noteLastSeq(counter.last_seq);
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'live catch-up could not read the log counters');
    }
  }
}

/** Each event is serialised at most twice: as it is, and as front desk sees it (when that differs). */
function fanOut(sockets: Set<ConsoleSocket>, event: LiveEvent): void {
  const frames = new Map<LiveEvent, Buffer>();
  let deskView: LiveEvent | undefined;
  for (const socket of sockets) {
    if (socket.mode !== 'live') continue;
    const view = socket.principal.role === 'admin' ? event : (deskView ??= eventForRole(socket.principal.role, event));
    let frame = frames.get(view);
    if (!frame) {
      frame = Buffer.from(JSON.stringify({ type: 'event', event: view } satisfies LiveServerMessage));
      frames.set(view, frame);
    }
    socket.deliverLive(event, frame);
  }
}

function closeReason(code: number): string {
  switch (code) {
    case LiveCloseCode.authExpired:
      return 'auth_expired';
    case LiveCloseCode.authRevoked:
      return 'auth_revoked';
    case LiveCloseCode.resync:
      return 'resync_close';
    case LiveCloseCode.protocolError:
      return 'protocol_error';
    case LiveCloseCode.serverRestart:
      return 'server_restart';
    case 1000:
    case 1001:
      return 'normal';
    default:
      return 'abnormal';
  }
}

/** The hub's settings from the backend configuration. */
export function liveHubSettings(config: Config): LiveHubSettings {
  const live = config.live;
  return {
    bufferLimitBytes: live.socketBufferLimitBytes,
    resumeWaitMs: live.resumeWaitMs,
    tokenExpiryWarningMs: live.tokenExpiryWarningSeconds * 1000,
    heartbeatIntervalMs: live.heartbeatIntervalMs,
    sessionRecheckMs: live.sessionRecheckMs,
    catchUpIntervalMs: live.catchUpIntervalMs,
    gapFillDelayMs: live.gapFillDelayMs,
    allowedOrigins: config.http.wsAllowedOrigins,
    socketsPerUser: live.socketsPerUser,
  };
}
