// Local accounts: scrypt passwords, HS256 access tokens, opaque refresh tokens stored only as
// sha256 hashes, rotated on every refresh. Presenting a refresh token that was already rotated away
// means it leaked: the whole session is revoked.
import { createHash, randomBytes } from 'node:crypto';
import type { LoginResponse } from '@voxanne/protocol';
import type { Db } from '../db/database.js';
import { AppError } from '../errors.js';
import { findStaffByEmail, findStaffById, toFrontDeskUser, type StaffWithClinic } from '../clinics/clinic-queries.js';
import type { IdentityProvider, LoginContext } from './identity-provider.js';
import { DUMMY_PASSWORD_HASH, verifyPassword } from './passwords.js';
import type { Principal } from './principal.js';
import type { AccessTokens } from './tokens.js';

const SESSION_CHECK_CACHE_MS = 5_000;
const SESSION_CHECK_CACHE_MAX = 10_000;

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const newRefreshToken = () => randomBytes(32).toString('base64url');

export class LocalIdentityProvider implements IdentityProvider {
  readonly kind = 'local';
  /** sessionId → until when it is known to be alive; bounds DB lookups on hot paths. */
  private readonly aliveUntil = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly tokens: AccessTokens,
    private readonly refreshTokenTtlDays: number,
    private readonly now: () => number = Date.now,
  ) {}

  async login(email: string, password: string, context: LoginContext): Promise<LoginResponse> {
    const staff = await findStaffByEmail(this.db, email);
    const hash = staff?.authProvider === 'local' && !staff.disabled ? staff.passwordHash : null;
    // Always run one scrypt verification so an unknown email takes as long as a wrong password.
    const ok = await verifyPassword(password, hash ?? DUMMY_PASSWORD_HASH);
    if (!staff || !hash || !ok) throw new AppError('invalid_credentials', 'The email or password is not right.');

    const refreshToken = newRefreshToken();
    const session = await this.db
      .insertInto('auth_sessions')
      .values({
        staff_id: staff.id,
        clinic_id: staff.clinicId,
        refresh_token_hash: sha256(refreshToken),
        expires_at: new Date(this.now() + this.refreshTokenTtlDays * 86_400_000),
        user_agent: context.userAgent?.slice(0, 300) ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return this.respond(staff, session.id, refreshToken);
  }

  async refresh(refreshToken: string, _context: LoginContext): Promise<LoginResponse> {
    const presented = sha256(refreshToken);
    const rotated = newRefreshToken();
    const now = new Date(this.now());
    // One statement: only the holder of the current token can rotate it, even under a race.
    const session = await this.db
      .updateTable('auth_sessions')
      .set({ refresh_token_hash: sha256(rotated), previous_token_hash: presented, last_used_at: now })
      .where('refresh_token_hash', '=', presented)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .returning(['id', 'staff_id'])
      .executeTakeFirst();

    if (!session) {
      const reused = await this.db
        .updateTable('auth_sessions')
        .set({ revoked_at: now, revoked_reason: 'refresh token reused' })
        .where('previous_token_hash', '=', presented)
        .where('revoked_at', 'is', null)
        .returning('id')
        .executeTakeFirst();
      if (reused) this.aliveUntil.delete(reused.id);
      throw new AppError('unauthenticated', 'Your session has ended. Sign in again.');
    }

    const staff = await findStaffById(this.db, session.staff_id);
    if (!staff || staff.disabled) {
      await this.revoke(session.id, 'user disabled');
      throw new AppError('unauthenticated', 'Your session has ended. Sign in again.');
    }
    return this.respond(staff, session.id, rotated);
  }

  async logout(principal: Principal, refreshToken: string | undefined): Promise<void> {
    if (refreshToken) {
      const owner = await this.db
        .selectFrom('auth_sessions')
        .select('id')
        .where('refresh_token_hash', '=', sha256(refreshToken))
        .executeTakeFirst();
      if (owner && owner.id !== principal.sessionId) throw new AppError('forbidden', 'That refresh token belongs to another session.');
    }
    await this.revoke(principal.sessionId, 'signed out');
  }

  async verifyAccessToken(token: string): Promise<Principal> {
    const principal = await this.tokens.verify(token);
    if (!(await this.sessionAlive(principal))) throw new AppError('unauthenticated', 'Your session has ended. Sign in again.');
    return principal;
  }

  csrfFor(sessionId: string): string {
    return this.tokens.csrfFor(sessionId);
  }

  csrfMatches(sessionId: string, presented: string | undefined): boolean {
    return this.tokens.csrfMatches(sessionId, presented);
  }

  private async sessionAlive(principal: Principal): Promise<boolean> {
    const now = this.now();
    if ((this.aliveUntil.get(principal.sessionId) ?? 0) > now) return true;
    const row = await this.db
      .selectFrom('auth_sessions')
      .innerJoin('staff', 'staff.id', 'auth_sessions.staff_id')
      .select('auth_sessions.id')
      .where('auth_sessions.id', '=', principal.sessionId)
      .where('auth_sessions.staff_id', '=', principal.staffId)
      .where('auth_sessions.clinic_id', '=', principal.clinicId)
      .where('auth_sessions.revoked_at', 'is', null)
      .where('staff.disabled_at', 'is', null)
      .executeTakeFirst();
    if (!row) return false;
    if (this.aliveUntil.size >= SESSION_CHECK_CACHE_MAX) this.aliveUntil.clear();
    this.aliveUntil.set(principal.sessionId, now + SESSION_CHECK_CACHE_MS);
    return true;
  }

  private async revoke(sessionId: string, reason: string): Promise<void> {
    this.aliveUntil.delete(sessionId);
    await this.db
      .updateTable('auth_sessions')
      .set({ revoked_at: new Date(this.now()), revoked_reason: reason })
      .where('id', '=', sessionId)
      .where('revoked_at', 'is', null)
      .execute();
  }

  private async respond(staff: StaffWithClinic, sessionId: string, refreshToken: string): Promise<LoginResponse> {
    const accessToken = await this.tokens.issue({
      staffId: staff.id,
      clinicId: staff.clinicId,
      role: staff.role,
      sessionId,
    });
    return {
      accessToken,
      refreshToken,
      expiresIn: this.tokens.ttlSeconds,
      csrfToken: this.tokens.csrfFor(sessionId),
      user: toFrontDeskUser(staff),
    };
  }
}

/** Revokes every live session of a staff member (password reset, user disabled). */
export async function revokeAllSessions(db: Db, staffId: string, reason: string): Promise<number> {
  const rows = await db
    .updateTable('auth_sessions')
    .set({ revoked_at: new Date(), revoked_reason: reason })
    .where('staff_id', '=', staffId)
    .where('revoked_at', 'is', null)
    .returning('id')
    .execute();
  return rows.length;
}
