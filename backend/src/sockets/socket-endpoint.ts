// One authenticated WebSocket endpoint (`/ws/live-calls`, `/ws/web-test`, …): what every socket of
// ours needs before and around what it says. It owns the `ws` server, authenticates each upgrade
// (upgrade-auth.ts: token in the subprotocol, origin allow-list, nothing in the URL) and refuses with
// a plain HTTP status, caps the sockets one staff member may hold open here (another is closed with
// 4029 at once), keeps the connection gauge, and re-verifies every connected session on a timer so a
// sign-out or a disabled account elsewhere ends its sockets. What a connection says after that is its
// owner's business (ConsoleSocket, WebTestSession).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type ServerOptions, type WebSocket } from 'ws';
import { LIVE_PROTOCOL, LiveCloseCode } from '@voxanne/protocol';
import type { IdentityProvider } from '../auth/identity-provider.js';
import type { Principal } from '../auth/principal.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import type { Metrics } from '../metrics.js';
import { rejectUpgrade } from './upgrade-router.js';
import { authenticateUpgrade } from './upgrade-auth.js';

/** What the endpoint needs to know of each connection its owner built. */
export interface EndpointConnection {
  /** Whose socket it is (a re-authentication may renew it, always for the same staff member). */
  readonly principal: Principal;
  /** The access token the socket currently rides on; the session re-check verifies it. */
  readonly token: string;
  /** The session behind the token has ended (signed out, account disabled): end the socket, saying why. */
  sessionEnded(): void;
}

export interface SocketEndpointSettings {
  /** The socket's name in metrics (`ws_connections{socket}`) and logs, e.g. `live-calls`. */
  name: string;
  /** Browser origins allowed to connect; requests without Origin (the desktop app) are allowed. */
  allowedOrigins: readonly string[];
  /** Largest client message; bigger ones close the socket (1009). */
  maxPayloadBytes: number;
  /** Sockets one staff member may have open on this endpoint of this instance. */
  socketsPerUser: number;
  /** Re-verify every connected session this often. */
  sessionRecheckMs: number;
}

export interface SocketEndpointDeps<C extends EndpointConnection> {
  identity: IdentityProvider;
  logger: Logger;
  metrics: Metrics;
  settings: SocketEndpointSettings;
  /** Builds the owner's connection for an authenticated, admitted socket. */
  accept(ws: WebSocket, principal: Principal, accessToken: string): C;
}

/** A closing socket that has not finished its close handshake by then is destroyed. */
const CLOSE_TIMEOUT_MS = 5_000;

export class SocketEndpoint<C extends EndpointConnection> {
  private readonly wss: WebSocketServer;
  private readonly open = new Map<C, WebSocket>();
  private readonly perUser = new Map<string, number>();
  private readonly recheckTimer: NodeJS.Timeout;
  private closing = false;
  private rechecking = false;

  constructor(private readonly deps: SocketEndpointDeps<C>) {
    // closeTimeout is in ws 8.18+ but not yet in its type definitions.
    const options: ServerOptions & { closeTimeout: number } = {
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: deps.settings.maxPayloadBytes,
      closeTimeout: CLOSE_TIMEOUT_MS,
      // Authentication already required voxanne.v1 among the offered protocols; the auth.<token>
      // protocol is never echoed back.
      handleProtocols: () => LIVE_PROTOCOL,
    };
    this.wss = new WebSocketServer(options);
    deps.metrics.wsConnections.set(this.label, 0);
    this.recheckTimer = setInterval(() => void this.recheckSessions(), deps.settings.sessionRecheckMs);
    this.recheckTimer.unref();
  }

  private get label() {
    return { socket: this.deps.settings.name };
  }

  /** The open connections (until their socket has closed). */
  connections(): IterableIterator<C> {
    return this.open.keys();
  }

  get size(): number {
    return this.open.size;
  }

  has(connection: C): boolean {
    return this.open.has(connection);
  }

  /** The UpgradeRouter handler for this endpoint's path. */
  handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const { identity, logger, settings } = this.deps;
    // The client may vanish while its token is checked; that must not become an uncaught error.
    socket.on('error', () => undefined);
    if (this.closing) return rejectUpgrade(socket, 503, 'Service Unavailable');
    authenticateUpgrade(req, { identity, allowedOrigins: settings.allowedOrigins }).then(
      (verdict) => {
        if (!verdict.ok) {
          logger.info({ socket: settings.name, status: verdict.status, reason: verdict.reason }, 'socket refused');
          return rejectUpgrade(socket, verdict.status, verdict.reason);
        }
        if (this.closing) return rejectUpgrade(socket, 503, 'Service Unavailable');
        if (socket.destroyed) return;
        // The count is checked and taken in the same turn as the connection is tracked: parallel
        // upgrades cannot both take the last place.
        this.wss.handleUpgrade(req, socket, head, (ws) => this.admit(ws, verdict.principal, verdict.accessToken));
      },
      (error: unknown) => {
        logger.error({ err: error, socket: settings.name }, 'socket upgrade failed');
        rejectUpgrade(socket, 500, 'Internal Server Error');
      },
    );
  };

  /** Refuses new upgrades from now on (owners end their connections, then call close()). */
  stopAccepting(): void {
    this.closing = true;
    clearInterval(this.recheckTimer);
  }

  async close(): Promise<void> {
    this.stopAccepting();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private admit(ws: WebSocket, principal: Principal, accessToken: string): void {
    const { logger, metrics, settings } = this.deps;
    const staffId = principal.staffId;
    const held = this.perUser.get(staffId) ?? 0;
    if (held >= settings.socketsPerUser) {
      logger.info({ socket: settings.name, staffId, held }, 'socket refused: too many open for this staff member');
      ws.on('error', () => undefined);
      ws.close(LiveCloseCode.tooManyConnections, `too many connections (at most ${settings.socketsPerUser} per user)`);
      return;
    }
    this.perUser.set(staffId, held + 1);
    metrics.wsConnections.inc(this.label);
    let connection: C;
    try {
      connection = this.deps.accept(ws, principal, accessToken);
    } catch (error) {
      logger.error({ err: error, socket: settings.name }, 'socket could not start');
      this.release(staffId);
      ws.close(1011, 'server error');
      return;
    }
    this.open.set(connection, ws);
    ws.once('close', () => {
      this.open.delete(connection);
      this.release(staffId);
    });
  }

  private release(staffId: string): void {
    const held = (this.perUser.get(staffId) ?? 1) - 1;
    if (held > 0) this.perUser.set(staffId, held);
    else this.perUser.delete(staffId);
    this.deps.metrics.wsConnections.dec(this.label);
  }

  /** One verification per distinct token per round, so many sockets of one sign-in cost one check. */
  private async recheckSessions(): Promise<void> {
    if (this.rechecking || this.open.size === 0) return;
    this.rechecking = true;
    try {
      const byToken = new Map<string, C[]>();
      for (const [connection, ws] of this.open) {
        if (ws.readyState !== ws.OPEN) continue;
        const list = byToken.get(connection.token) ?? [];
        list.push(connection);
        byToken.set(connection.token, list);
      }
      for (const [token, connections] of byToken) {
        try {
          await this.deps.identity.verifyAccessToken(token);
        } catch (error) {
          // token_expired is the connection's own business (it closes at expiry unless re-authenticated);
          // a database blip must not sign people out.
          if (!(error instanceof AppError && error.code === 'unauthenticated')) continue;
          for (const connection of connections) if (this.open.has(connection)) connection.sessionEnded();
        }
      }
    } finally {
      this.rechecking = false;
    }
  }
}
