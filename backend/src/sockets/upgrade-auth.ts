// Who may open one of our WebSockets: decided on the HTTP upgrade request, before any socket exists.
// The access token rides only in the `auth.<token>` subprotocol next to `voxanne.v1`; the URL carries
// nothing, because URLs end up in proxy logs, browser history and crash reports.
import type { IncomingMessage } from 'node:http';
import { AUTH_SUBPROTOCOL_PREFIX, LIVE_PROTOCOL } from '@voxanne/protocol';
import type { IdentityProvider } from '../auth/identity-provider.js';
import type { Principal } from '../auth/principal.js';
import { AppError } from '../errors.js';

export type UpgradeVerdict = { ok: true; principal: Principal; accessToken: string } | { ok: false; status: number; reason: string };

const CREDENTIAL_IN_QUERY = /token|auth|jwt|key|secret|session|password|eyJ[\w-]+\.[\w-]+/i;

export async function authenticateUpgrade(
  req: IncomingMessage,
  deps: { identity: IdentityProvider; allowedOrigins: readonly string[] },
): Promise<UpgradeVerdict> {
  const url = req.url ?? '/';
  const queryAt = url.indexOf('?');
  if (queryAt >= 0 && queryAt < url.length - 1) {
    const query = decodeURIComponentSafe(url.slice(queryAt + 1));
    return CREDENTIAL_IN_QUERY.test(query)
      ? { ok: false, status: 401, reason: 'Credentials in the URL are refused; send the token as the auth subprotocol' }
      : { ok: false, status: 400, reason: 'This socket takes no URL parameters' };
  }

  // Browsers always send Origin; the desktop main process (a Node client) sends none.
  const origin = req.headers.origin;
  if (origin !== undefined && !deps.allowedOrigins.includes(origin)) {
    return { ok: false, status: 403, reason: 'Origin not allowed' };
  }

  const offered = (req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  if (!offered.includes(LIVE_PROTOCOL)) {
    return { ok: false, status: 403, reason: `Unsupported subprotocol; offer ${LIVE_PROTOCOL}` };
  }
  const tokens = offered.filter((p) => p.startsWith(AUTH_SUBPROTOCOL_PREFIX)).map((p) => p.slice(AUTH_SUBPROTOCOL_PREFIX.length));
  if (tokens.length !== 1 || !tokens[0]) {
    return { ok: false, status: 401, reason: 'Access token missing' };
  }
  const accessToken = tokens[0];

  try {
    const principal = await deps.identity.verifyAccessToken(accessToken);
    return { ok: true, principal, accessToken };
  } catch (error) {
    if (error instanceof AppError && REFUSED_TOKEN_CODES.has(error.code)) {
      return { ok: false, status: 401, reason: error.code === 'token_expired' ? 'Access token expired' : 'Access token not valid' };
    }
    // The session store is unreachable: not the client's fault, and worth retrying.
    return { ok: false, status: 503, reason: 'Service Unavailable' };
  }
}

/** The token itself was refused (as opposed to the session store failing to answer). */
const REFUSED_TOKEN_CODES = new Set<string>(['unauthenticated', 'invalid_credentials', 'token_expired']);

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
