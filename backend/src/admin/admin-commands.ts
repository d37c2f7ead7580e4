// What the operator CLI can do to clinics and their staff, as plain functions over the database (the
// CLI parses arguments and prints; these check and change). Every result is one plain object, which
// is exactly what `--json` prints.
import { z } from 'zod';
import { AgentPersonalitySchema, RoleSchema, type Role } from '@voxanne/protocol';
import type { Db } from '../db/database.js';
import { hashPassword, PASSWORD_COST, passwordProblem, type ScryptCost } from '../auth/passwords.js';
import { revokeAllSessions } from '../auth/local-identity.js';
import { verifyAuditChain } from '../audit/audit-log.js';
import { AppError } from '../errors.js';
import { setStaffPassword } from '../staff/staff-service.js';
import { createClinic, createStaff, findClinic, findStaffByEmail, listStaff } from '../clinics/clinic-queries.js';

export type AdminErrorKind = 'invalid' | 'not_found' | 'conflict';

export class AdminError extends Error {
  constructor(
    readonly kind: AdminErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'AdminError';
  }
}

const ClinicNameSchema = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');
const TimeZoneSchema = AgentPersonalitySchema.shape.timeZone;
const EmailSchema = z.email('must be an email address').max(254);
const StaffNameSchema = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');

function check<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new AdminError('invalid', `${what} ${result.error.issues[0]?.message ?? 'is invalid'}`);
  return result.data;
}

function checkPassword(password: string): string {
  const problem = passwordProblem(password);
  if (problem) throw new AdminError('invalid', `The password ${problem}.`);
  return password;
}

export async function createClinicCommand(db: Db, input: { name: string; timeZone: string | undefined }) {
  const name = check(ClinicNameSchema, input.name, '--name');
  const timeZone = check(TimeZoneSchema, input.timeZone ?? 'UTC', '--time-zone');
  const clinic = await createClinic(db, { name, timeZone });
  return { clinicId: clinic.id, name, timeZone };
}

/** How the commands hash passwords: the CLI always uses production's cost; tests may lower it. */
export interface PasswordOptions {
  passwordCost?: ScryptCost;
}

export async function createUserCommand(
  db: Db,
  input: {
    clinicId: string;
    email: string;
    role: string;
    name: string | undefined;
    /** Null for Supabase-managed users: they sign in with their Supabase password. */
    password: string | null;
    authProvider: 'local' | 'supabase';
  },
  options: PasswordOptions = {},
) {
  const clinicId = check(z.uuid('must be a clinic id (see list-clinics)'), input.clinicId, '--clinic');
  const email = check(EmailSchema, input.email, '--email').toLowerCase();
  const role: Role = check(RoleSchema, input.role, '--role');
  const name = check(StaffNameSchema, input.name ?? email.split('@')[0], '--name');
  if (input.authProvider === 'local' && input.password === null)
    throw new AdminError('invalid', 'A password is required (--password-stdin).');
  const passwordHash =
    input.password === null ? null : await hashPassword(checkPassword(input.password), options.passwordCost ?? PASSWORD_COST);

  const clinic = await findClinic(db, clinicId);
  if (!clinic) throw new AdminError('not_found', `No clinic with id ${clinicId} (see list-clinics).`);
  if (await findStaffByEmail(db, email)) throw new AdminError('conflict', `A user with the email ${email} already exists.`);
  try {
    const staff = await createStaff(db, { clinicId, email, name, role, passwordHash, authProvider: input.authProvider });
    return { userId: staff.id, clinicId, email, name, role, authProvider: input.authProvider };
  } catch (error) {
    // Someone created the same email between the check and the insert.
    if ((error as { code?: string }).code === '23505') throw new AdminError('conflict', `A user with the email ${email} already exists.`);
    throw error;
  }
}

/** Sets a new password and signs the user out everywhere (their old sessions may be why it is reset). */
export async function resetPasswordCommand(db: Db, input: { email: string; password: string }, options: PasswordOptions = {}) {
  const staff = await existingStaff(db, input.email);
  const password = checkPassword(input.password);
  try {
    const revokedSessions = await setStaffPassword(db, staff, password, {
      reason: 'password reset by operator',
      passwordCost: options.passwordCost ?? PASSWORD_COST,
    });
    return { userId: staff.id, email: staff.email, revokedSessions };
  } catch (error) {
    // The one refusal: a Supabase account.
    if (error instanceof AppError) throw new AdminError('invalid', error.message);
    throw error;
  }
}

/** Disabling signs the user out everywhere; enabling lets them sign in again. */
export async function setUserDisabledCommand(db: Db, input: { email: string; disabled: boolean }) {
  const staff = await existingStaff(db, input.email);
  await db
    .updateTable('staff')
    .set({ disabled_at: input.disabled ? new Date() : null, updated_at: new Date() })
    .where('id', '=', staff.id)
    .execute();
  const revokedSessions = input.disabled ? await revokeAllSessions(db, staff.id, 'user disabled by operator') : 0;
  return { userId: staff.id, email: staff.email, disabled: input.disabled, revokedSessions };
}

export async function listUsersCommand(db: Db, input: { clinicId: string | undefined }) {
  const clinicId =
    input.clinicId === undefined ? undefined : check(z.uuid('must be a clinic id (see list-clinics)'), input.clinicId, '--clinic');
  if (clinicId && !(await findClinic(db, clinicId))) throw new AdminError('not_found', `No clinic with id ${clinicId} (see list-clinics).`);
  const staff = await listStaff(db, clinicId);
  return {
    users: staff.map((s) => ({
      userId: s.id,
      email: s.email,
      name: s.name,
      role: s.role,
      clinicId: s.clinicId,
      clinicName: s.clinicName,
      authProvider: s.authProvider,
      disabled: s.disabled,
    })),
  };
}

export async function listClinicsCommand(db: Db) {
  const rows = await db
    .selectFrom('clinics')
    .leftJoin('staff', 'staff.clinic_id', 'clinics.id')
    .select((eb) => ['clinics.id', 'clinics.name', 'clinics.time_zone', 'clinics.created_at', eb.fn.count<number>('staff.id').as('users')])
    .groupBy(['clinics.id', 'clinics.name', 'clinics.time_zone', 'clinics.created_at'])
    .orderBy('clinics.name')
    .execute();
  return {
    clinics: rows.map((r) => ({
      clinicId: r.id,
      name: r.name,
      timeZone: r.time_zone,
      users: Number(r.users),
      createdAt: r.created_at.toISOString(),
    })),
  };
}

/** Walks the clinic's audit chain; the verdict names the first entry whose link does not hold. */
export async function verifyAuditCommand(db: Db, input: { clinicId: string }) {
  const clinicId = check(z.uuid('must be a clinic id (see list-clinics)'), input.clinicId, '--clinic');
  if (!(await findClinic(db, clinicId))) throw new AdminError('not_found', `No clinic with id ${clinicId} (see list-clinics).`);
  return verifyAuditChain(db, clinicId);
}

async function existingStaff(db: Db, email: string) {
  const staff = await findStaffByEmail(db, check(EmailSchema, email, '--email'));
  if (!staff) throw new AdminError('not_found', `No user with the email ${email.toLowerCase()}.`);
  return staff;
}
