// Access tokens (short-lived HS256 JWTs via jose) and the CSRF token bound to a session.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { z } from 'zod';
import { RoleSchema } from '@voxanne/protocol';
import { AppError } from '../errors.js';
import type { Principal } from './principal.js';

const ClaimsSchema = z.object({
  sub: z.uuid(),
  cid: z.uuid(),
  sid: z.uuid(),
  role: RoleSchema,
  exp: z.number(),
});

export interface TokenSettings {
  secret: string;
  audience: string;
  issuer: string;
  accessTokenTtlSeconds: number;
}

export class AccessTokens {
  private readonly key: Uint8Array;
  private readonly csrfKey: Buffer;

  constructor(private readonly settings: TokenSettings) {
    this.key = new TextEncoder().encode(settings.secret);
    // A key of its own for CSRF so a CSRF token can never be mistaken for a signature.
    this.csrfKey = createHmac('sha256', settings.secret).update('voxanne csrf v1').digest();
  }

  get ttlSeconds(): number {
    return this.settings.accessTokenTtlSeconds;
  }

  async issue(subject: { staffId: string; clinicId: string; role: Principal['role']; sessionId: string }): Promise<string> {
    return new SignJWT({ cid: subject.clinicId, sid: subject.sessionId, role: subject.role })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(subject.staffId)
      .setIssuer(this.settings.issuer)
      .setAudience(this.settings.audience)
      .setIssuedAt()
      .setJti(randomBytes(9).toString('base64url'))
      .setExpirationTime(`${this.settings.accessTokenTtlSeconds}s`)
      .sign(this.key);
  }

  /** Signature, algorithm (HS256 only: `alg:none` and key confusion are refused), expiry, audience and issuer. */
  async verify(token: string): Promise<Principal> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        audience: this.settings.audience,
        issuer: this.settings.issuer,
        requiredClaims: ['exp', 'iat', 'sub'],
      });
      const claims = ClaimsSchema.parse(payload);
      return {
        staffId: claims.sub,
        clinicId: claims.cid,
        role: claims.role,
        sessionId: claims.sid,
        tokenExpiresAt: new Date(claims.exp * 1000),
      };
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired)
        throw new AppError('token_expired', 'Your session has expired. Refresh or sign in again.');
      throw new AppError('unauthenticated', 'The access token is not valid.');
    }
  }

  csrfFor(sessionId: string): string {
    return createHmac('sha256', this.csrfKey).update(sessionId).digest('base64url');
  }

  csrfMatches(sessionId: string, presented: string | undefined): boolean {
    if (!presented) return false;
    const expected = Buffer.from(this.csrfFor(sessionId));
    const actual = Buffer.from(presented);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }
}
