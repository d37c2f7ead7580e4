import { describe, expect, it } from 'vitest';
import { databaseKinds, useTestDatabase } from '../../test/support/test-database.js';
import { TEST_PASSWORD_COST } from '../../test/support/test-backend.js';
import { costOf, PASSWORD_COST, verifyPassword } from '../auth/passwords.js';
import {
  AdminError,
  createClinicCommand,
  createUserCommand,
  listClinicsCommand,
  listUsersCommand,
  resetPasswordCommand,
  setUserDisabledCommand,
} from './admin-commands.js';

const PASSWORD = 'a long enough password';
// Hashes here use the test cost, a millisecond each rather than production's few hundred; the test
// 'hashes with production's cost unless told otherwise' proves what the CLI (which passes no cost) gets.
const TEST_COST = { passwordCost: TEST_PASSWORD_COST };

describe.each(databaseKinds())('operator commands on %s', (kind) => {
  const database = useTestDatabase(kind);

  const refusal = async (work: Promise<unknown>) => {
    const error = await work.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AdminError);
    return error as AdminError;
  };
  const user = (clinicId: string, overrides: Partial<Parameters<typeof createUserCommand>[1]> = {}) =>
    createUserCommand(
      database.db,
      {
        clinicId,
        email: 'Desk@Oak.test',
        role: 'front_desk',
        name: undefined,
        password: PASSWORD,
        authProvider: 'local',
        ...overrides,
      },
      TEST_COST,
    );

  it('creates a clinic in a real time zone and refuses an unknown one', async () => {
    const clinic = await createClinicCommand(database.db, { name: '  Oak Clinic ', timeZone: 'Europe/Berlin' });
    expect(clinic).toEqual({ clinicId: expect.any(String), name: 'Oak Clinic', timeZone: 'Europe/Berlin' });
    expect((await createClinicCommand(database.db, { name: 'Elm', timeZone: undefined })).timeZone).toBe('UTC');
    expect((await refusal(createClinicCommand(database.db, { name: 'Ash', timeZone: 'Europe/Atlantis' }))).message).toContain(
      '--time-zone',
    );
    expect((await refusal(createClinicCommand(database.db, { name: '   ', timeZone: undefined }))).kind).toBe('invalid');
  });

  it('creates a user with a hashed password, a lower-cased email and a name from the email', async () => {
    const { clinicId } = await createClinicCommand(database.db, { name: 'Oak Clinic', timeZone: undefined });
    const created = await user(clinicId);
    expect(created).toMatchObject({ email: 'desk@oak.test', name: 'desk', role: 'front_desk', authProvider: 'local' });
    const row = await database.db.selectFrom('staff').selectAll().where('id', '=', created.userId).executeTakeFirstOrThrow();
    expect(row.password_hash).not.toContain(PASSWORD);
    expect(await verifyPassword(PASSWORD, row.password_hash!)).toBe(true);
  });

  it('hashes with production’s cost unless told otherwise, as the CLI does, on create and on reset', async () => {
    const { clinicId } = await createClinicCommand(database.db, { name: 'Oak Clinic', timeZone: undefined });
    const created = await createUserCommand(database.db, {
      clinicId,
      email: 'desk@oak.test',
      role: 'front_desk',
      name: undefined,
      password: PASSWORD,
      authProvider: 'local',
    });
    const hashOf = async () =>
      (await database.db.selectFrom('staff').select('password_hash').where('id', '=', created.userId).executeTakeFirstOrThrow())
        .password_hash!;
    expect(costOf(await hashOf())).toEqual(PASSWORD_COST);
    await resetPasswordCommand(database.db, { email: 'desk@oak.test', password: 'a brand new password' });
    const reset = await hashOf();
    expect(costOf(reset)).toEqual(PASSWORD_COST);
    expect(await verifyPassword('a brand new password', reset)).toBe(true);
  });

  it('refuses duplicate emails, unknown clinics, bad roles, bad emails and short passwords', async () => {
    const { clinicId } = await createClinicCommand(database.db, { name: 'Oak Clinic', timeZone: undefined });
    await user(clinicId);
    expect((await refusal(user(clinicId, { email: 'DESK@oak.test' }))).kind).toBe('conflict');
    expect((await refusal(user(crypto.randomUUID(), { email: 'b@oak.test' }))).kind).toBe('not_found');
    expect((await refusal(user('not-an-id', { email: 'c@oak.test' }))).kind).toBe('invalid');
    expect((await refusal(user(clinicId, { email: 'd@oak.test', role: 'superuser' }))).message).toContain('--role');
    expect((await refusal(user(clinicId, { email: 'not an email' }))).message).toContain('--email');
    expect((await refusal(user(clinicId, { email: 'e@oak.test', password: 'short' }))).message).toContain('at least 10');
    expect((await listUsersCommand(database.db, { clinicId })).users).toHaveLength(1);
  });

  it('creates Supabase users without a password', async () => {
    const { clinicId } = await createClinicCommand(database.db, { name: 'Oak Clinic', timeZone: undefined });
    const created = await user(clinicId, { password: null, authProvider: 'supabase' });
    const row = await database.db.selectFrom('staff').selectAll().where('id', '=', created.userId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ auth_provider: 'supabase', password_hash: null, external_id: null });
    expect((await refusal(resetPasswordCommand(database.db, { email: 'desk@oak.test', password: PASSWORD }, TEST_COST))).message).toContain(
      'Supabase',
    );
  });

  it('resets a password and disables a user, signing them out everywhere; enabling lets them back', async () => {
    const { clinicId } = await createClinicCommand(database.db, { name: 'Oak Clinic', timeZone: undefined });
    const { userId } = await user(clinicId);
    const session = () =>
      database.db
        .insertInto('auth_sessions')
        .values({
          staff_id: userId,
          clinic_id: clinicId,
          refresh_token_hash: crypto.randomUUID(),
          expires_at: new Date(Date.now() + 86_400_000),
        })
        .execute();
    await session();
    await session();
    expect(await resetPasswordCommand(database.db, { email: 'desk@oak.test', password: 'a brand new password' }, TEST_COST)).toMatchObject({
      revokedSessions: 2,
    });
    await session();
    expect(await setUserDisabledCommand(database.db, { email: 'desk@oak.test', disabled: true })).toMatchObject({
      disabled: true,
      revokedSessions: 1,
    });
    expect((await listUsersCommand(database.db, { clinicId: undefined })).users[0]).toMatchObject({ disabled: true });
    await setUserDisabledCommand(database.db, { email: 'desk@oak.test', disabled: false });
    expect((await listUsersCommand(database.db, { clinicId: undefined })).users[0]).toMatchObject({ disabled: false });
    expect((await refusal(setUserDisabledCommand(database.db, { email: 'nobody@oak.test', disabled: true }))).kind).toBe('not_found');
  });

  it('lists clinics with their user counts', async () => {
    const oak = await createClinicCommand(database.db, { name: 'Oak Clinic', timeZone: undefined });
    await createClinicCommand(database.db, { name: 'Birch Clinic', timeZone: 'Asia/Tokyo' });
    await user(oak.clinicId);
    await user(oak.clinicId, { email: 'admin@oak.test', role: 'admin' });
    const { clinics } = await listClinicsCommand(database.db);
    expect(clinics.map((c) => [c.name, c.users])).toEqual([
      ['Birch Clinic', 0],
      ['Oak Clinic', 2],
    ]);
  });
});
