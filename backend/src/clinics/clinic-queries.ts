// Clinics and their staff: the queries behind sign-in, /api/me and the operator CLI.
import type { FrontDeskUser, Role } from '@voxanne/protocol';
import type { Db } from '../db/database.js';

export interface StaffWithClinic extends FrontDeskUser {
  passwordHash: string | null;
  authProvider: 'local' | 'supabase';
  externalId: string | null;
  disabled: boolean;
}

function staffWithClinic(db: Db) {
  return db
    .selectFrom('staff')
    .innerJoin('clinics', 'clinics.id', 'staff.clinic_id')
    .select([
      'staff.id',
      'staff.email',
      'staff.name',
      'staff.role',
      'staff.clinic_id',
      'clinics.name as clinic_name',
      'staff.password_hash',
      'staff.auth_provider',
      'staff.external_id',
      'staff.disabled_at',
    ]);
}

type StaffJoinRow = Awaited<ReturnType<ReturnType<typeof staffWithClinic>['executeTakeFirstOrThrow']>>;

function toStaff(row: StaffJoinRow): StaffWithClinic {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    clinicId: row.clinic_id,
    clinicName: row.clinic_name,
    passwordHash: row.password_hash,
    authProvider: row.auth_provider,
    externalId: row.external_id,
    disabled: row.disabled_at !== null,
  };
}

export function toFrontDeskUser(staff: StaffWithClinic): FrontDeskUser {
  return {
    id: staff.id,
    email: staff.email,
    name: staff.name,
    role: staff.role,
    clinicId: staff.clinicId,
    clinicName: staff.clinicName,
  };
}

export async function findStaffByEmail(db: Db, email: string): Promise<StaffWithClinic | undefined> {
  const row = await staffWithClinic(db)
    .where((eb) => eb(eb.fn('lower', ['staff.email']), '=', email.toLowerCase()))
    .executeTakeFirst();
  return row && toStaff(row);
}

export async function findStaffById(db: Db, id: string): Promise<StaffWithClinic | undefined> {
  const row = await staffWithClinic(db).where('staff.id', '=', id).executeTakeFirst();
  return row && toStaff(row);
}

export async function findStaffByExternalId(db: Db, externalId: string): Promise<StaffWithClinic | undefined> {
  const row = await staffWithClinic(db).where('staff.external_id', '=', externalId).executeTakeFirst();
  return row && toStaff(row);
}

export async function listStaff(db: Db, clinicId?: string): Promise<StaffWithClinic[]> {
  let query = staffWithClinic(db).orderBy('clinics.name').orderBy('staff.email');
  if (clinicId) query = query.where('staff.clinic_id', '=', clinicId);
  return (await query.execute()).map(toStaff);
}

export async function createClinic(db: Db, input: { name: string; timeZone?: string }): Promise<{ id: string }> {
  return db
    .insertInto('clinics')
    .values({ name: input.name, time_zone: input.timeZone ?? 'UTC' })
    .returning('id')
    .executeTakeFirstOrThrow();
}

export async function findClinic(db: Db, id: string) {
  return db.selectFrom('clinics').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function createStaff(
  db: Db,
  input: {
    clinicId: string;
    email: string;
    name: string;
    role: Role;
    passwordHash: string | null;
    authProvider?: 'local' | 'supabase';
    externalId?: string | null;
  },
): Promise<{ id: string }> {
  return db
    .insertInto('staff')
    .values({
      clinic_id: input.clinicId,
      email: input.email.toLowerCase(),
      name: input.name,
      role: input.role,
      password_hash: input.passwordHash,
      auth_provider: input.authProvider ?? 'local',
      external_id: input.externalId ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
}
