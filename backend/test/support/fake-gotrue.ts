// A small stand-in for a Supabase project's Auth server (GoTrue) over real HTTP, speaking the
// endpoints supabase-js calls: POST /auth/v1/token?grant_type=password|refresh_token,
// POST /auth/v1/logout?scope=..., GET /auth/v1/.well-known/jwks.json. Tokens are signed like
// Supabase's: HS256 with the project's JWT secret, or ES256 with a key published in the JWKS.
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, jwtVerify, type CryptoKey, type JWK, type JWTPayload } from 'jose';

export interface FakeGoTrueUser {
  id: string;
  email: string;
  password: string;
  /** When the user confirmed the address (null: never; a project without "confirm email" sets it at sign-up). */
  emailConfirmedAt: string | null;
}

interface AuthSession {
  id: string;
  userId: string;
  refreshToken: string;
  usedRefreshTokens: Set<string>;
  revoked: boolean;
}

export interface FakeGoTrue {
  url: string;
  anonKey: string;
  /** Set in HS256 mode (what SUPABASE_JWT_SECRET holds). */
  jwtSecret: string | undefined;
  /** A user of the project; `confirmed: false` for one who never opened the confirmation link. */
  addUser(email: string, password: string, options?: { confirmed?: boolean }): FakeGoTrueUser;
  /** Every request received, e.g. `POST /auth/v1/token?grant_type=password`. */
  requests: string[];
  /** Authorization header of each logout. */
  logouts: string[];
  /** Answer every request with this status (e.g. 503) until cleared. */
  failWith: number | undefined;
  /** Signs an access token as this project would, with overrides (for forged/expired token tests). */
  mintAccessToken(user: FakeGoTrueUser, sessionId: string, claims?: JWTPayload, key?: 'project' | 'foreign'): Promise<string>;
  close(): Promise<void>;
}

const ACCESS_TOKEN_TTL_SECONDS = 3600;

export async function startFakeGoTrue(mode: 'hs256' | 'jwks'): Promise<FakeGoTrue> {
  const anonKey = `anon-${randomBytes(8).toString('hex')}`;
  const jwtSecret = mode === 'hs256' ? `super-secret-jwt-token-${randomBytes(16).toString('hex')}` : undefined;
  const signingKeys = mode === 'jwks' ? await generateKeyPair('ES256') : undefined;
  const foreignKeys = await generateKeyPair('ES256');
  const kid = randomBytes(6).toString('hex');
  const publicJwk: JWK | undefined = signingKeys
    ? { ...(await exportJWK(signingKeys.publicKey)), kid, alg: 'ES256', use: 'sig' }
    : undefined;

  const users = new Map<string, FakeGoTrueUser>();
  const sessions = new Map<string, AuthSession>();
  let url = '';

  const sign = async (user: FakeGoTrueUser, sessionId: string, claims: JWTPayload = {}, key: 'project' | 'foreign' = 'project') => {
    const now = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT({
      aud: 'authenticated',
      exp: now + ACCESS_TOKEN_TTL_SECONDS,
      iat: now,
      iss: `${url}/auth/v1`,
      sub: user.id,
      email: user.email,
      phone: '',
      app_metadata: { provider: 'email', providers: ['email'] },
      user_metadata: {},
      role: 'authenticated',
      aal: 'aal1',
      amr: [{ method: 'password', timestamp: now }],
      session_id: sessionId,
      is_anonymous: false,
      ...claims,
    });
    if (key === 'foreign') return jwt.setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' }).sign(foreignKeys.privateKey);
    if (jwtSecret) return jwt.setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(jwtSecret));
    return jwt.setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' }).sign(signingKeys!.privateKey as CryptoKey);
  };

  const sessionBody = async (user: FakeGoTrueUser, session: AuthSession) => ({
    access_token: await sign(user, session.id),
    token_type: 'bearer',
    expires_in: ACCESS_TOKEN_TTL_SECONDS,
    expires_at: Math.floor(Date.now() / 1000) + ACCESS_TOKEN_TTL_SECONDS,
    refresh_token: session.refreshToken,
    user: {
      id: user.id,
      aud: 'authenticated',
      role: 'authenticated',
      email: user.email,
      email_confirmed_at: user.emailConfirmedAt,
      phone: '',
      app_metadata: { provider: 'email', providers: ['email'] },
      user_metadata: {},
      identities: [],
      created_at: new Date().toISOString(),
      updated_at: new Date().toISOString(),
      is_anonymous: false,
    },
  });

  const verify = async (token: string) => {
    const key = jwtSecret ? new TextEncoder().encode(jwtSecret) : signingKeys!.publicKey;
    const { payload } = await jwtVerify(token, key, { audience: 'authenticated' });
    return payload as JWTPayload & { session_id: string };
  };

  const fail = (res: http.ServerResponse, status: number, code: string, msg: string) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ code, error_code: code, msg }));
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const target = new URL(req.url ?? '/', url);
        fake.requests.push(`${req.method} ${target.pathname}${target.search}`);
        if (fake.failWith) return fail(res, fake.failWith, 'unexpected_failure', 'unavailable');
        if (target.pathname === '/auth/v1/.well-known/jwks.json' && req.method === 'GET') {
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: publicJwk ? [publicJwk] : [] }));
          return;
        }
        if (req.headers.apikey !== anonKey) return fail(res, 401, 'no_authorization', 'Invalid API key');
        const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, string>) : {};

        if (target.pathname === '/auth/v1/token' && req.method === 'POST') {
          const grant = target.searchParams.get('grant_type');
          if (grant === 'password') {
            const user = users.get(String(body.email).toLowerCase());
            if (!user || user.password !== body.password) return fail(res, 400, 'invalid_credentials', 'Invalid login credentials');
            const session: AuthSession = {
              id: randomUUID(),
              userId: user.id,
              refreshToken: randomBytes(9).toString('base64url'),
              usedRefreshTokens: new Set(),
              revoked: false,
            };
            sessions.set(session.id, session);
            res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(await sessionBody(user, session)));
            return;
          }
          if (grant === 'refresh_token') {
            const presented = String(body.refresh_token);
            const session = [...sessions.values()].find((s) => s.refreshToken === presented || s.usedRefreshTokens.has(presented));
            if (!session || session.revoked)
              return fail(res, 400, 'refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found');
            if (session.refreshToken !== presented) {
              session.revoked = true; // reuse of a rotated token ends the session, as GoTrue's reuse detection does
              return fail(res, 400, 'refresh_token_already_used', 'Invalid Refresh Token: Already Used');
            }
            session.usedRefreshTokens.add(presented);
            session.refreshToken = randomBytes(9).toString('base64url');
            const user = [...users.values()].find((u) => u.id === session.userId)!;
            res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(await sessionBody(user, session)));
            return;
          }
          return fail(res, 400, 'validation_failed', 'unsupported grant_type');
        }

        if (target.pathname === '/auth/v1/logout' && req.method === 'POST') {
          const authorization = req.headers.authorization ?? '';
          fake.logouts.push(authorization);
          const claims = await verify(authorization.replace(/^Bearer /, '')).catch(() => undefined);
          if (!claims) return fail(res, 401, 'bad_jwt', 'invalid JWT');
          const session = sessions.get(claims.session_id);
          if (session) session.revoked = true;
          res.writeHead(204).end();
          return;
        }
        fail(res, 404, 'not_found', 'no such endpoint');
      })().catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const fake: FakeGoTrue = {
    url,
    anonKey,
    jwtSecret,
    requests: [],
    logouts: [],
    failWith: undefined,
    addUser(email, password, options = {}) {
      const confirmed = options.confirmed ?? true;
      const user = {
        id: randomUUID(),
        email: email.toLowerCase(),
        password,
        emailConfirmedAt: confirmed ? new Date().toISOString() : null,
      };
      users.set(user.email, user);
      return user;
    },
    mintAccessToken: sign,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return fake;
}
