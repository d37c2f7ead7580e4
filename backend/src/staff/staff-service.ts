// The clinic's staff as its administrators manage them in the console: list, invite (an initial
// password shown once, or nothing with Supabase sign-in), change role, disable and enable. A role
// change or a disable signs the person out everywhere at once, so it holds on REST and live sockets.
// A clinic always keeps one enabled administrator. A password reset (a new initial password, shown
// once) and "sign out everywhere" end every session of the person; the operator CLI resets passwords
// through setStaffPassword too.
import { randomBytes } from 'node:crypto';
import type { Role, StaffInviteRequest, StaffMember, StaffUpdateRequest } from '@voxanne/protocol';
import type { Db } from '../db/database.js';
import { AppError } from '../errors.js';
import { hashPassword, type ScryptCost } from '../auth/passwords.js';
import { revokeAllSessions } from '../auth/local-identity.js';
import { createStaff, findStaffByEmail } from '../clinics/clinic-queries.js';
import type { StaffRow } from '../db/schema.js';

function toMember(row: Pick<StaffRow, 'id' | 'email' | 'name' | 'role' | 'disabled_at' | 'auth_provider'>): StaffMember {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    disabled: row.disabled_at !== null,
    authProvider: row.auth_provider,
  };
}

const COLUMNS = ['id', 'email', 'name', 'role', 'disabled_at', 'auth_provider'] as const;

export async function listClinicStaff(db: Db, clinicId: string): Promise<StaffMember[]> {
  const rows = await db.selectFrom('staff').select(COLUMNS).where('clinic_id', '=', clinicId).orderBy('name').orderBy('email').execute();
  return rows.map(toMember);
}

/** 20 random characters: handed over once, changed by the operator's reset or kept. */
const newInitialPassword = () => randomBytes(15).toString('base64url');

export async function inviteStaff(
  db: Db,
  clinicId: string,
  input: StaffInviteRequest,
  options: { authProvider: 'local' | 'supabase'; passwordCost?: ScryptCost },
): Promise<{ staff: StaffMember; initialPassword: string | null }> {
  const email = input.email.toLowerCase();
  if (await findStaffByEmail(db, email)) throw new AppError('conflict', `Someone with the email ${email} already has an account.`);
  const initialPassword = options.authProvider === 'local' ? newInitialPassword() : null;
  const passwordHash = initialPassword === null ? null : await hashPassword(initialPassword, options.passwordCost);
  try {
    const { id } = await createStaff(db, {
      clinicId,
      email,
      name: input.name,
      role: input.role,
      passwordHash,
      authProvider: options.authProvider,
    });
    const row = await db.selectFrom('staff').select(COLUMNS).where('id', '=', id).executeTakeFirstOrThrow();
    return { staff: toMember(row), initialPassword };
  } catch (error) {
    if ((error as { code?: string }).code === '23505')
      throw new AppError('conflict', `Someone with the email ${email} already has an account.`);
    throw error;
  }
}

/** Changes role and/or disabled; returns the member before and after and how many sessions ended. */
export async function updateStaff(
  db: Db,
  clinicId: string,
  staffId: string,
  update: StaffUpdateRequest,
): Promise<{ before: StaffMember; after: StaffMember; revokedSessions: number }> {
  const result = await db.transaction().execute(async (tx) => {
    // Admin changes of one clinic take turns, so two admins demoting each other cannot leave none.
    await tx.selectFrom('clinics').select('id').where('id', '=', clinicId).forUpdate().executeTakeFirstOrThrow();
    const row = await tx.selectFrom('staff').select(COLUMNS).where('id', '=', staffId).where('clinic_id', '=', clinicId).executeTakeFirst();
    if (!row) throw AppError.notFound('Staff member');
    const before = toMember(row);
    const role: Role = update.role ?? before.role;
    const disabled = update.disabled ?? before.disabled;
    const losesAdmin = before.role === 'admin' && !before.disabled && (role !== 'admin' || disabled);
    if (losesAdmin) {
      const admins = await tx
        .selectFrom('staff')
        .select('id')
        .where('clinic_id', '=', clinicId)
        .where('role', '=', 'admin')
        .where('disabled_at', 'is', null)
        .execute();
      if (admins.length <= 1)
        throw new AppError('conflict', 'A clinic needs at least one active administrator: make someone else one first.');
    }
    const updated = await tx
      .updateTable('staff')
      .set({ role, disabled_at: disabled ? (row.disabled_at ?? new Date()) : null, updated_at: new Date() })
      .where('id', '=', staffId)
      .returning(COLUMNS)
      .executeTakeFirstOrThrow();
    return { before, after: toMember(updated) };
  });
  // The role is in every access token: a change (or a disable) ends their sessions so it holds at once.
  const mustSignOut = result.after.disabled !== result.before.disabled ? result.after.disabled : result.after.role !== result.before.role;
  const revokedSessions = mustSignOut
    ? await revokeAllSessions(db, staffId, result.after.disabled ? 'disabled by administrator' : 'role changed')
    : 0;
  return { ...result, revokedSessions };
}

async function clinicMember(db: Db, clinicId: string, staffId: string): Promise<StaffMember> {
  const row = await db.selectFrom('staff').select(COLUMNS).where('id', '=', staffId).where('clinic_id', '=', clinicId).executeTakeFirst();
  if (!row) throw AppError.notFound('Staff member');
  return toMember(row);
}

/**
 * Sets a local account's password and ends all its sessions (the old ones may be why it is reset).
 * Supabase accounts have no password here: refused. Returns how many sessions ended.
 */
export async function setStaffPassword(
  db: Db,
  staff: { id: string; email: string; authProvider: 'local' | 'supabase' },
  password: string,
  options: { passwordCost?: ScryptCost; reason: string },
): Promise<number> {
  if (staff.authProvider !== 'local')
    throw new AppError('conflict', `${staff.email} signs in with Supabase Auth: reset the password there.`);
  const passwordHash = await hashPassword(password, options.passwordCost);
  await db.updateTable('staff').set({ password_hash: passwordHash, updated_at: new Date() }).where('id', '=', staff.id).execute();
  return revokeAllSessions(db, staff.id, options.reason);
}

/** An administrator's reset: a new initial password, shown once, and every session of the person ended. */
export async function resetStaffPassword(
  db: Db,
  clinicId: string,
  staffId: string,
  options: { authProvider: 'local' | 'supabase'; passwordCost?: ScryptCost },
): Promise<{ staff: StaffMember; initialPassword: string; revokedSessions: number }> {
  const staff = await clinicMember(db, clinicId, staffId);
  if (options.authProvider !== 'local')
    throw new AppError('conflict', 'Passwords are kept by Supabase Auth with this sign-in: reset it there.');
  const initialPassword = newInitialPassword();
  const revokedSessions = await setStaffPassword(db, staff, initialPassword, {
    passwordCost: options.passwordCost,
    reason: 'password reset by administrator',
  });
  return { staff, initialPassword, revokedSessions };
}

/** Ends every session of the person: refresh tokens stop rotating, access tokens and sockets stop at once. */
export async function signOutStaffEverywhere(
  db: Db,
  clinicId: string,
  staffId: string,
  options: { authProvider: 'local' | 'supabase' },
): Promise<{ staff: StaffMember; revokedSessions: number }> {
  const staff = await clinicMember(db, clinicId, staffId);
  // Supabase keeps those sessions itself; ours would only pretend to end them.
  if (options.authProvider !== 'local')
    throw new AppError('conflict', 'Sessions are kept by Supabase Auth with this sign-in: end them there, or disable the person here.');
  return { staff, revokedSessions: await revokeAllSessions(db, staffId, 'signed out everywhere by administrator') };
}
