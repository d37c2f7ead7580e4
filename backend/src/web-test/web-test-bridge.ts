// The `/ws/web-test` endpoint of one backend instance. Its SocketEndpoint authenticates upgrades
// exactly as the live socket's does (subprotocols `voxanne.v1` + `auth.<token>`, origin allow-list,
// nothing in the URL), caps sockets per staff member and re-checks sessions (a sign-out or a disabled
// account ends the test). The bridge keeps one web test per staff member (starting another ends the
// first, with a reason the user can read), and reports its readiness and the caller's clinic's
// sessions for GET /api/web-test/diagnostics.
import type { WebSocket } from 'ws';
import { MemoryStore, type Options, type Store } from 'express-rate-limit';
import { WEB_TEST_AUDIO, type WebTestDiagnostics } from '@voxanne/protocol';
import type { Principal } from '../auth/principal.js';
import type { Metrics } from '../metrics.js';
import { SocketEndpoint } from '../sockets/socket-endpoint.js';
import { WebTestSession, type WebTestSessionDeps } from './web-test-session.js';

export interface WebTestBridgeDeps extends WebTestSessionDeps {
  metrics: Metrics;
  mode: 'sandbox' | 'vapi';
  allowedOrigins: readonly string[];
  /** Web tests each staff member may start a minute: every start is a call on the voice platform. */
  startsPerMinute: number;
  /** The shared rate-limit counters (Redis) when configured; otherwise this instance counts alone. */
  rateLimitStore?: ((prefix: string) => Store) | undefined;
  /** Web-test sockets one staff member may have open here. */
  socketsPerUser: number;
  /** Re-verify the sessions behind open tests this often. */
  sessionRecheckMs: number;
}

/** Control messages are tiny and audio frames are 640 bytes; nothing legitimate is bigger. */
const MAX_CLIENT_MESSAGE_BYTES = 16 * 1024;
const START_WINDOW_MS = 60_000;
const STARTS_PREFIX = 'web-test-user';

export class WebTestBridge {
  private readonly endpoint: SocketEndpoint<WebTestSession>;
  private readonly sessions = new Set<WebTestSession>();
  /** The started session of each staff member. */
  private readonly byStaff = new Map<string, WebTestSession>();
  private closing = false;
  private readonly starts: Store;

  constructor(private readonly deps: WebTestBridgeDeps) {
    // express-rate-limit's counters, used directly: a WebSocket message is not an HTTP request.
    this.starts = deps.rateLimitStore?.(STARTS_PREFIX) ?? new MemoryStore();
    void this.starts.init?.({ windowMs: START_WINDOW_MS } as Options);
    this.endpoint = new SocketEndpoint({
      identity: deps.identity,
      logger: deps.logger,
      metrics: deps.metrics,
      settings: {
        name: 'web-test',
        allowedOrigins: deps.allowedOrigins,
        maxPayloadBytes: MAX_CLIENT_MESSAGE_BYTES,
        socketsPerUser: deps.socketsPerUser,
        sessionRecheckMs: deps.sessionRecheckMs,
      },
      accept: (ws, principal, accessToken) => this.accept(ws, principal, accessToken),
    });
    this.handleUpgrade = this.endpoint.handleUpgrade;
  }

  /** The UpgradeRouter handler for WEB_TEST_SOCKET_PATH. */
  readonly handleUpgrade: SocketEndpoint<WebTestSession>['handleUpgrade'];

  /**
   * Diagnostics: ready or not (and why), the audio format, and the caller's clinic's sessions. Only
   * that clinic's are counted: how busy other clinics are is none of its business.
   */
  diagnostics(clinicId: string): WebTestDiagnostics {
    const { encoding, container, sampleRate, channels, frameMs, frameBytes } = WEB_TEST_AUDIO;
    const sessions = [...this.sessions].filter((s) => s.principal.clinicId === clinicId);
    return {
      ready: !this.closing,
      reason: this.closing ? 'The server is shutting down.' : null,
      audioFormat: { encoding, container, sampleRate, channels, frameMs, frameBytes },
      activeSessions: sessions.length,
      sessions: sessions.map((s) => ({ id: s.id, startedAt: s.startedAt.toISOString(), userId: s.principal.staffId })),
      maxSessionSeconds: this.deps.maxSeconds,
      mode: this.deps.mode,
    };
  }

  /** Web tests running on this instance, every clinic's (tests and the bench; never shown to a clinic). */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** How each running session's audio queues fare (sent, dropped, peak), for the bench and logs. */
  audioCounters() {
    return [...this.sessions].map((s) => ({ id: s.id, ...s.audioCounters() }));
  }

  /** Ends every session ("server restarting"), then stops taking new ones. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.endpoint.stopAccepting();
    for (const session of [...this.sessions])
      session.end('server-shutdown', 'The Voxanne server is restarting. Start the test again in a moment.');
    await this.endpoint.close();
    await this.starts.shutdown?.();
  }

  private accept(ws: WebSocket, principal: Principal, accessToken: string): WebTestSession {
    const session = new WebTestSession(
      ws,
      principal,
      accessToken,
      this.deps,
      (ended) => this.forget(ended),
      (starting) => this.claim(starting),
    );
    this.sessions.add(session);
    return session;
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
    if (this.byStaff.get(session.principal.staffId) === session) this.byStaff.delete(session.principal.staffId);
  }
}
