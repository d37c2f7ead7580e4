// Local accounts: scrypt passwords, HS256 access tokens, opaque refresh tokens stored only as
// sha256 hashes, rotated on every refresh. Every token a session rotated away from is remembered:
// presenting any of them again means one leaked, and the whole session (every later token with it)
// is revoked. A password hash made with less than the current scrypt cost is redone at sign-in.
import { createHash, randomBytes } from 'node:crypto';
import type { LoginResponse } from '@voxanne/protocol';
import type { Db } from '../db/database.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import { findStaffByEmail, findStaffById, toFrontDeskUser, type StaffWithClinic } from '../clinics/clinic-queries.js';
import type { IdentityProvider, LoginContext } from './identity-provider.js';
import { dummyPasswordHash, hashPassword, needsRehash, PASSWORD_COST, verifyPassword, type ScryptCost } from './passwords.js';
import type { Principal } from './principal.js';
import type { AccessTokens } from './tokens.js';

const SESSION_CHECK_CACHE_MS = 5_000;
const SESSION_CHECK_CACHE_MAX = 10_000;
const SESSION_ENDED = 'Your session has ended. Sign in again.';

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const newRefreshToken = () => randomBytes(32).toString('base64url');

export interface LocalIdentityOptions {
  refreshTokenTtlDays: number;
  logger: Logger;
  /** The scrypt cost of new password hashes (tests lower it; production uses PASSWORD_COST). */
  passwordCost?: ScryptCost;
  now?: () => number;
}

export class LocalIdentityProvider implements IdentityProvider {
  readonly kind = 'local';
  /** sessionId → until when it is known to be alive; bounds DB lookups on hot paths. */
  private readonly aliveUntil = new Map<string, number>();
  private readonly passwordCost: ScryptCost;
  private readonly now: () => number;

  constructor(
    private readonly db: Db,
    private readonly tokens: AccessTokens,
    private readonly options: LocalIdentityOptions,
  ) {
    this.passwordCost = options.passwordCost ?? PASSWORD_COST;
    this.now = options.now ?? Date.now;
    // Made now, so the first unknown email does not take twice as long as the rest.
    dummyPasswordHash(this.passwordCost).catch((error: unknown) => options.logger.error({ err: error }, 'dummy password hash failed'));
  }

  async login(email: string, password: string, context: LoginContext): Promise<LoginResponse> {
    const staff = await findStaffByEmail(this.db, email);
    const hash = staff?.authProvider === 'local' && !staff.disabled ? staff.passwordHash : null;
    // Always run one scrypt verification so an unknown email takes as long as a wrong password.
    const ok = await verifyPassword(password, hash ?? (await dummyPasswordHash(this.passwordCost)));
    if (!staff || !hash || !ok) throw new AppError('invalid_credentials', 'The email or password is not right.');
    if (needsRehash(hash, this.passwordCost)) await this.rehash(staff.id, hash, password);
    await this.forgetDeadSessions(staff.id);

    const refreshToken = newRefreshToken();
    const session = await this.db
      .insertInto('auth_sessions')
      .values({
        staff_id: staff.id,
        clinic_id: staff.clinicId,
        refresh_token_hash: sha256(refreshToken),
        expires_at: new Date(this.now() + this.options.refreshTokenTtlDays * 86_400_000),
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
    const session = await this.db.transaction().execute(async (tx) => {
      // One statement: only the holder of the current token can rotate it, even under a race.
      const row = await tx
        .updateTable('auth_sessions')
        .set({ refresh_token_hash: sha256(rotated), previous_token_hash: presented, last_used_at: now })
        .where('refresh_token_hash', '=', presented)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now)
        .returning(['id', 'staff_id'])
        .executeTakeFirst();
      if (row) await tx.insertInto('auth_retired_refresh_tokens').values({ token_hash: presented, session_id: row.id }).execute();
      return row;
    });
    if (!session) {
      await this.revokeIfReused(presented);
      throw new AppError('unauthenticated', SESSION_ENDED);
    }
    const staff = await findStaffById(this.db, session.staff_id);
    if (!staff || staff.disabled) {
      await this.revoke(session.id, 'user disabled');
      throw new AppError('unauthenticated', SESSION_ENDED);
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
    if (!(await this.sessionAlive(principal))) throw new AppError('unauthenticated', SESSION_ENDED);
    return principal;
  }

  csrfFor(sessionId: string): string {
    return this.tokens.csrfFor(sessionId);
  }

  csrfMatches(sessionId: string, presented: string | undefined): boolean {
    return this.tokens.csrfMatches(sessionId, presented);
  }

  forgetCachedSessions(): void {
    this.aliveUntil.clear();
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
    await this.db.deleteFrom('auth_retired_refresh_tokens').where('session_id', '=', sessionId).execute();
  }

  /**
   * A token that no longer rotates: if the session ever had it, someone used it after it was
   * replaced (a copy leaked, or the thief refreshed first). Either way nobody can tell which holder is
   * the rightful one, so the whole session ends, including its newest token.
   */
  private async revokeIfReused(presented: string): Promise<void> {
    const retired = await this.db
      .selectFrom('auth_retired_refresh_tokens')
      .innerJoin('auth_sessions', 'auth_sessions.id', 'auth_retired_refresh_tokens.session_id')
      .select('auth_sessions.id')
      .where('auth_retired_refresh_tokens.token_hash', '=', presented)
      .where('auth_sessions.revoked_at', 'is', null)
      .executeTakeFirst();
    // Sessions last rotated by the previous release know only the token they replaced.
    const family =
      retired ??
      (await this.db
        .selectFrom('auth_sessions')
        .select('id')
        .where('previous_token_hash', '=', presented)
        .where('revoked_at', 'is', null)
        .executeTakeFirst());
    if (family) await this.revoke(family.id, 'refresh token reused');
  }

  /** The retired tokens of a staff member's ended sessions can never match again: dropped at each sign-in. */
  private async forgetDeadSessions(staffId: string): Promise<void> {
    await this.db
      .deleteFrom('auth_retired_refresh_tokens')
      .where('session_id', 'in', (eb) =>
        eb
          .selectFrom('auth_sessions')
          .select('id')
          .where('staff_id', '=', staffId)
          .where((w) => w.or([w('revoked_at', 'is not', null), w('expires_at', '<=', new Date(this.now()))])),
      )
      .execute();
  }

  /** Redoes a hash made with less than the current cost; a failure only leaves the old (working) hash. */
  private async rehash(staffId: string, oldHash: string, password: string): Promise<void> {
    try {
      const upgraded = await hashPassword(password, this.passwordCost);
      // Only over the hash just verified: a password reset meanwhile wins.
      await this.db
        .updateTable('staff')
        .set({ password_hash: upgraded, updated_at: new Date(this.now()) })
        .where('id', '=', staffId)
        .where('password_hash', '=', oldHash)
        .execute();
    } catch (error) {
      this.options.logger.warn({ err: error, staffId }, 'password hash not upgraded');
    }
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
  if (rows.length > 0) {
    await db
      .deleteFrom('auth_retired_refresh_tokens')
      .where(
        'session_id',
        'in',
        rows.map((r) => r.id),
      )
      .execute();
  }
  return rows.length;
}
