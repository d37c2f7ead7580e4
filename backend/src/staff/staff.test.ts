// Staff management over real HTTP: invite, change role, disable; each logged, each refused to front
// desk and to other clinics; a change ends the person's sessions at once; one admin always remains.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { StaffInviteResponseSchema, StaffListResponseSchema } from '@voxanne/protocol';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { startTestBackend, type TestBackend } from '../../test/support/test-backend.js';
import { addStaff, createClinicWithStaff, signIn, type SignedIn, type TestStaff } from '../../test/support/fixtures.js';
import { json } from '../../test/support/http.js';

describe.each(databaseKinds())('staff management on %s', (kind) => {
  let database: TestDatabase;
  let backend: TestBackend;
  let admin: TestStaff;
  let adminApi: SignedIn['api'];

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    backend = await startTestBackend(database, { AUTH_RATE_LIMIT_PER_MINUTE: '1000' });
  });
  afterAll(async () => {
    await backend?.close();
    await database?.close();
  });
  beforeEach(async () => {
    await database.reset();
    admin = await createClinicWithStaff(database.db, { role: 'admin' });
    adminApi = (await signIn(backend.url, admin)).api;
  });

  const patch = (id: string, body: unknown, as = adminApi) => as(`/api/staff/${id}`, { method: 'PATCH', body: JSON.stringify(body) });
  const auditActions = async () =>
    (
      await database.db
        .selectFrom('audit_log')
        .select(['action', 'object_id', 'details'])
        .where('clinic_id', '=', admin.clinicId)
        .orderBy('seq')
        .execute()
    ).filter((e) => e.action.startsWith('staff.'));

  it('invites a front-desk member with an initial password shown once, who can then sign in (logged, no password in the log)', async () => {
    const res = await adminApi('/api/staff', {
      method: 'POST',
      body: JSON.stringify({ email: 'New.Desk@clinic.test', name: 'New Desk', role: 'front_desk' }),
    });
    expect(res.status).toBe(201);
    const invited = StaffInviteResponseSchema.parse(await json(res));
    expect(invited.staff).toMatchObject({ email: 'new.desk@clinic.test', role: 'front_desk', disabled: false, authProvider: 'local' });
    expect(invited.initialPassword).toMatch(/^[A-Za-z0-9_-]{20}$/);
    await signIn(backend.url, {
      clinicId: admin.clinicId,
      staffId: invited.staff.id,
      email: 'new.desk@clinic.test',
      password: invited.initialPassword!,
    });

    const list = StaffListResponseSchema.parse(await json(await adminApi('/api/staff')));
    expect(list.items.map((s) => s.email).sort()).toEqual([admin.email, 'new.desk@clinic.test'].sort());
    const [entry] = await auditActions();
    expect(entry).toMatchObject({ action: 'staff.created', object_id: invited.staff.id });
    expect(JSON.stringify(await database.db.selectFrom('audit_log').selectAll().execute())).not.toContain(invited.initialPassword);

    const again = await adminApi('/api/staff', {
      method: 'POST',
      body: JSON.stringify({ email: 'new.desk@clinic.test', name: 'X', role: 'admin' }),
    });
    expect(again.status).toBe(409);
  });

  it('a role change signs the person out everywhere at once (logged with before/after)', async () => {
    const desk = await addStaff(database.db, admin.clinicId, 'front_desk');
    const deskApi = (await signIn(backend.url, desk)).api;
    expect((await deskApi('/api/calls')).status).toBe(200);
    const res = await patch(desk.staffId, { role: 'admin' });
    expect(res.status).toBe(200);
    expect((await json(res)).staff).toMatchObject({ role: 'admin' });
    expect((await deskApi('/api/calls')).status).toBe(401);
    const promoted = await signIn(backend.url, desk);
    expect(promoted.session.user.role).toBe('admin');
    expect(await auditActions()).toEqual([
      {
        action: 'staff.updated',
        object_id: desk.staffId,
        details: { changes: { role: { before: 'front_desk', after: 'admin' } }, revokedSessions: 1 },
      },
    ]);
  });

  it('disabling ends their sessions and sign-in; enabling lets them back', async () => {
    const desk = await addStaff(database.db, admin.clinicId, 'front_desk');
    const deskApi = (await signIn(backend.url, desk)).api;
    expect((await patch(desk.staffId, { disabled: true })).status).toBe(200);
    expect((await deskApi('/api/calls')).status).toBe(401);
    await expect(signIn(backend.url, desk)).rejects.toThrow(/401/);
    expect((await patch(desk.staffId, { disabled: false })).status).toBe(200);
    await signIn(backend.url, desk);
  });

  it('keeps one active administrator: the last cannot demote or disable themselves', async () => {
    expect((await patch(admin.staffId, { role: 'front_desk' })).status).toBe(409);
    expect((await patch(admin.staffId, { disabled: true })).status).toBe(409);
    const second = await addStaff(database.db, admin.clinicId, 'admin');
    expect((await patch(admin.staffId, { role: 'front_desk' })).status).toBe(200);
    const secondApi = (await signIn(backend.url, second)).api;
    expect((await patch(second.staffId, { disabled: true }, secondApi)).status).toBe(409);
  });

  it('refuses front desk (403) and answers another clinic’s ids with 404', async () => {
    const deskApi = (await signIn(backend.url, await addStaff(database.db, admin.clinicId, 'front_desk'))).api;
    expect((await deskApi('/api/staff')).status).toBe(403);
    expect(
      (await deskApi('/api/staff', { method: 'POST', body: JSON.stringify({ email: 'a@b.test', name: 'A', role: 'admin' }) })).status,
    ).toBe(403);
    expect((await patch(admin.staffId, { role: 'front_desk' }, deskApi)).status).toBe(403);

    const other = await createClinicWithStaff(database.db, { role: 'admin' });
    const otherApi = (await signIn(backend.url, other)).api;
    expect((await patch(admin.staffId, { disabled: true }, otherApi)).status).toBe(404);
    const theirs = StaffListResponseSchema.parse(await json(await otherApi('/api/staff')));
    expect(theirs.items.map((s) => s.id)).toEqual([other.staffId]);
    expect((await patch(admin.staffId, {})).status).toBe(400);
  });
});
