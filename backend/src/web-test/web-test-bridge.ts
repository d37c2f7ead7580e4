// The `/ws/web-test` endpoint of one backend instance: authenticates upgrades exactly as
// the live socket does (subprotocols `voxanne.v1` + `auth.<token>`, origin allow-list, nothing in the
// URL), keeps one web test per staff member (starting another ends the first, with a reason the user
// can read), and reports its readiness and sessions for GET /api/web-test/diagnostics.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type ServerOptions, type WebSocket } from 'ws';
import { MemoryStore, type Options, type Store } from 'express-rate-limit';
import { LIVE_PROTOCOL, WEB_TEST_AUDIO, type WebTestDiagnostics } from '@voxanne/protocol';
import type { Principal } from '../auth/principal.js';
import type { Metrics } from '../metrics.js';
import { rejectUpgrade } from '../sockets/upgrade-router.js';
import { authenticateLiveUpgrade } from '../live/live-upgrade-auth.js';
import { WebTestSession, type WebTestSessionDeps } from './web-test-session.js';

export interface WebTestBridgeDeps extends WebTestSessionDeps {
  metrics: Metrics;
  mode: 'sandbox' | 'vapi';
  allowedOrigins: readonly string[];
  /** Web tests each staff member may start a minute: every start is a call on the voice platform. */
  startsPerMinute: number;
  /** The shared rate-limit counters (Redis) when configured; otherwise this instance counts alone. */
  rateLimitStore?: ((prefix: string) => Store) | undefined;
}

const SOCKET_LABEL = { socket: 'web-test' } as const;
/** Control messages are tiny and audio frames are 640 bytes; nothing legitimate is bigger. */
const MAX_CLIENT_MESSAGE_BYTES = 16 * 1024;
const CLOSE_TIMEOUT_MS = 5_000;
const START_WINDOW_MS = 60_000;
const STARTS_PREFIX = 'web-test-user';

export class WebTestBridge {
  private readonly wss: WebSocketServer;
  private readonly sessions = new Set<WebTestSession>();
  /** The started session of each staff member. */
  private readonly byStaff = new Map<string, WebTestSession>();
  private closing = false;
  private readonly starts: Store;

  constructor(private readonly deps: WebTestBridgeDeps) {
    // express-rate-limit's counters, used directly: a WebSocket message is not an HTTP request.
    this.starts = deps.rateLimitStore?.(STARTS_PREFIX) ?? new MemoryStore();
    void this.starts.init?.({ windowMs: START_WINDOW_MS } as Options);
    // closeTimeout is in ws 8.18+ but not yet in its type definitions.
    const options: ServerOptions & { closeTimeout: number } = {
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: MAX_CLIENT_MESSAGE_BYTES,
      closeTimeout: CLOSE_TIMEOUT_MS,
      handleProtocols: () => LIVE_PROTOCOL,
    };
    this.wss = new WebSocketServer(options);
    deps.metrics.wsConnections.set(SOCKET_LABEL, 0);
  }

  /** The UpgradeRouter handler for WEB_TEST_SOCKET_PATH. */
  handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => undefined);
    if (this.closing) return rejectUpgrade(socket, 503, 'Service Unavailable');
    authenticateLiveUpgrade(req, { identity: this.deps.identity, allowedOrigins: this.deps.allowedOrigins }).then(
      (verdict) => {
        if (!verdict.ok) {
          this.deps.logger.info({ status: verdict.status, reason: verdict.reason }, 'web-test socket refused');
          return rejectUpgrade(socket, verdict.status, verdict.reason);
        }
        if (this.closing) return rejectUpgrade(socket, 503, 'Service Unavailable');
        if (socket.destroyed) return;
        this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, verdict.principal));
      },
      (error: unknown) => {
        this.deps.logger.error({ err: error }, 'web-test socket upgrade failed');
        rejectUpgrade(socket, 500, 'Internal Server Error');
      },
    );
  };

  /** Diagnostics: ready or not (and why), the audio format, and the sessions (the caller's clinic's listed). */
  diagnostics(clinicId: string): WebTestDiagnostics {
    const { encoding, container, sampleRate, channels, frameMs, frameBytes } = WEB_TEST_AUDIO;
    return {
      ready: !this.closing,
      reason: this.closing ? 'The server is shutting down.' : null,
      audioFormat: { encoding, container, sampleRate, channels, frameMs, frameBytes },
      activeSessions: this.sessions.size,
      sessions: [...this.sessions]
        .filter((s) => s.principal.clinicId === clinicId)
        .map((s) => ({ id: s.id, startedAt: s.startedAt.toISOString(), userId: s.principal.staffId })),
      maxSessionSeconds: this.deps.maxSeconds,
      mode: this.deps.mode,
    };
  }

  /** How each running session's audio queues fare (sent, dropped, peak), for the bench and logs. */
  audioCounters() {
    return [...this.sessions].map((s) => ({ id: s.id, ...s.audioCounters() }));
  }

  /** Ends every session ("server restarting"), then stops taking new ones. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const session of [...this.sessions])
      session.end('server-shutdown', 'The Voxanne server is restarting. Start the test again in a moment.');
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await this.starts.shutdown?.();
  }

  private accept(ws: WebSocket, principal: Principal): void {
    const session = new WebTestSession(
      ws,
      principal,
      this.deps,
      (ended) => this.forget(ended),
      (starting) => this.claim(starting),
    );
    this.sessions.add(session);
    this.deps.metrics.wsConnections.inc(SOCKET_LABEL);
  }

  /**
   * A session asks to start: refused past the per-minute limit; otherwise it becomes the staff
   * member's one web test, and replaces the one they had.
   */
  private async claim(session: WebTestSession): Promise<boolean> {
    const staffId = session.principal.staffId;
    const { totalHits } = await this.starts.increment(`${STARTS_PREFIX}:${staffId}`);
    if (totalHits > this.deps.startsPerMinute) return false;
    const previous = this.byStaff.get(staffId);
    this.byStaff.set(staffId, session);
    if (previous !== session) previous?.end('replaced-by-new-session', 'You started another web test, so this one ended.');
    return true;
  }

  private forget(session: WebTestSession): void {
    if (!this.sessions.delete(session)) return;
    this.deps.metrics.wsConnections.dec(SOCKET_LABEL);
    if (this.byStaff.get(session.principal.staffId) === session) this.byStaff.delete(session.principal.staffId);
  }
}
