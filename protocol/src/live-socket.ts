// Wire protocol of `/ws/live-calls`.
import { z } from 'zod';
import { IdSchema, IsoDateTimeSchema, text } from './common.js';
import { LiveEventSchema } from './events.js';

export const LIVE_SOCKET_PATH = '/ws/live-calls';
export const WEB_TEST_SOCKET_PATH = '/ws/web-test';
/** The application subprotocol the server selects. */
export const LIVE_PROTOCOL = 'voxanne.v1';
export const LIVE_PROTOCOL_VERSION = 1;
/** The access token rides in a second subprotocol, `auth.<token>`, never in the URL. */
export const AUTH_SUBPROTOCOL_PREFIX = 'auth.';

/**
 * Heartbeats: the server sends a WebSocket ping at least this often and terminates a connection that
 * has not answered the previous ping, so a dead client is dropped within two intervals (≤ 30 s). A
 * client may treat a connection that has shown no frame at all (ping or message) for two intervals
 * as dead.
 */
export const LIVE_SERVER_PING_INTERVAL_MAX_MS = 15_000;

/** Close codes the client acts on. */
export const LiveCloseCode = {
  /** The access token expired and no re-auth arrived in time: refresh, then reconnect. */
  authExpired: 4001,
  /** The session was revoked (sign-out elsewhere, user disabled): do not reconnect. */
  authRevoked: 4003,
  /** The consumer fell too far behind: reconnect and resume from the last seq seen. */
  resync: 4009,
  /** This staff member already has as many sockets open on this server as it allows: close one; retry with backoff. */
  tooManyConnections: 4029,
  /** Protocol violation by the client (bad message). */
  protocolError: 4400,
  /** The server is shutting down or restarting: reconnect with backoff. */
  serverRestart: 1012,
} as const;

export const LiveClientMessageSchema = z.discriminatedUnion('type', [
  /** Replay every event with `seq > afterSeq`, then stream live ones. */
  z.strictObject({ type: z.literal('resume'), afterSeq: z.number().int().nonnegative() }),
  /** Re-authenticate a connection whose token is about to expire. */
  z.strictObject({ type: z.literal('auth'), accessToken: text().min(1).max(8192) }),
]);
export type LiveClientMessage = z.infer<typeof LiveClientMessageSchema>;

export const LiveServerMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('hello'),
    protocolVersion: z.literal(LIVE_PROTOCOL_VERSION),
    clinicId: IdSchema,
    /** The newest seq in the clinic's log at connect time. */
    lastSeq: z.number().int().nonnegative(),
    serverTime: IsoDateTimeSchema,
    /** When the connection's access token expires. */
    tokenExpiresAt: IsoDateTimeSchema,
  }),
  z.object({ type: z.literal('event'), event: LiveEventSchema }),
  /** Sent after a resume once every missed event has been replayed. */
  z.object({ type: z.literal('replay-complete'), lastSeq: z.number().int().nonnegative() }),
  /** The resume point is older than the retained log: reload state over REST, then resume from `lastSeq`. */
  z.object({ type: z.literal('resync-required'), lastSeq: z.number().int().nonnegative(), reason: text() }),
  z.object({ type: z.literal('token-expiring'), expiresAt: IsoDateTimeSchema }),
  z.object({ type: z.literal('auth-ok'), tokenExpiresAt: IsoDateTimeSchema }),
  z.object({ type: z.literal('error'), code: text(), message: text() }),
]);
export type LiveServerMessage = z.infer<typeof LiveServerMessageSchema>;
