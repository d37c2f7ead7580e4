// Staff management over real HTTP: invite, change role, disable; each logged, each refused to front
// desk and to other clinics; a change ends the person's sessions at once; one admin always remains.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  LiveCloseCode,
  StaffInviteResponseSchema,
  StaffListResponseSchema,
  StaffPasswordResetResponseSchema,
  StaffSignOutResponseSchema,
} from '@voxanne/protocol';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { startTestBackend, type TestBackend } from '../../test/support/test-backend.js';
import { addStaff, createClinicWithStaff, signIn, type SignedIn, type TestStaff } from '../../test/support/fixtures.js';
import { json } from '../../test/support/http.js';
import { openLiveClient } from '../../test/support/live-client.js';
import { createStaff } from '../clinics/clinic-queries.js';
import { AppError } from '../errors.js';
import { resetStaffPassword, signOutStaffEverywhere } from './staff-service.js';

describe.each(databaseKinds())('staff management on %s', (kind) => {
  let database: TestDatabase;
  let backend: TestBackend;
  let admin: TestStaff;
  let adminApi: SignedIn['api'];

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    backend = await startTestBackend(database, { AUTH_RATE_LIMIT_PER_MINUTE: '1000', LIVE_SESSION_RECHECK_MS: '200' });
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
  const post = (id: string, what: 'reset-password' | 'sign-out-everywhere', as = adminApi) =>
    as(`/api/staff/${id}/${what}`, { method: 'POST' });
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

  it('resets a password: a new one shown once, the old one and every session end (logged, no password)', async () => {
    const desk = await addStaff(database.db, admin.clinicId, 'front_desk');
    const deskApi = (await signIn(backend.url, desk)).api;
    const res = await post(desk.staffId, 'reset-password');
    expect(res.status).toBe(200);
    const reset = StaffPasswordResetResponseSchema.parse(await json(res));
    expect(reset).toMatchObject({ staff: { id: desk.staffId }, revokedSessions: 1 });
    expect(reset.initialPassword).toMatch(/^[A-Za-z0-9_-]{20}$/);
    expect((await deskApi('/api/calls')).status).toBe(401);
    await expect(signIn(backend.url, desk)).rejects.toThrow(/401/);
    await signIn(backend.url, { ...desk, password: reset.initialPassword });
    expect(await auditActions()).toEqual([{ action: 'staff.password_reset', object_id: desk.staffId, details: { revokedSessions: 1 } }]);
    expect(JSON.stringify(await database.db.selectFrom('audit_log').selectAll().execute())).not.toContain(reset.initialPassword);
  });

  it('signs someone out everywhere: REST refused at once and their live socket closes (logged)', async () => {
    const desk = await addStaff(database.db, admin.clinicId, 'front_desk');
    const first = await signIn(backend.url, desk);
    const second = await signIn(backend.url, desk);
    const socket = await openLiveClient(backend.url, first.session.accessToken);
    const res = await post(desk.staffId, 'sign-out-everywhere');
    expect(res.status).toBe(200);
    expect(StaffSignOutResponseSchema.parse(await json(res))).toMatchObject({ staff: { id: desk.staffId }, revokedSessions: 2 });
    expect((await first.api('/api/calls')).status).toBe(401);
    expect((await second.api('/api/calls')).status).toBe(401);
    const refresh = await fetch(`${backend.url}/api/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: second.session.refreshToken }),
    });
    expect(refresh.status).toBe(401);
    expect((await socket.closed).code).toBe(LiveCloseCode.authRevoked);
    // Their password still works: a new sign-in is a new session.
    expect((await (await signIn(backend.url, desk)).api('/api/calls')).status).toBe(200);
    expect(await auditActions()).toEqual([
      { action: 'staff.signed_out_everywhere', object_id: desk.staffId, details: { revokedSessions: 2 } },
    ]);
  });

  it('refuses both to front desk (403), without CSRF (403), and for another clinic’s staff (404); nothing changes', async () => {
    const desk = await addStaff(database.db, admin.clinicId, 'front_desk');
    const deskSignedIn = await signIn(backend.url, desk);
    const other = await createClinicWithStaff(database.db, { role: 'admin' });
    const otherApi = (await signIn(backend.url, other)).api;
    for (const what of ['reset-password', 'sign-out-everywhere'] as const) {
      expect((await post(admin.staffId, what, deskSignedIn.api)).status).toBe(403);
      expect((await post(desk.staffId, what, otherApi)).status).toBe(404);
      expect((await post(other.staffId, what)).status).toBe(404);
      expect((await post('not-an-id', what)).status).toBe(404);
      const noCsrf = await adminApi(`/api/staff/${desk.staffId}/${what}`, { method: 'POST', headers: { 'x-csrf-token': '' } });
      expect(noCsrf.status).toBe(403);
    }
    expect((await deskSignedIn.api('/api/calls')).status).toBe(200);
    await signIn(backend.url, desk);
    await signIn(backend.url, other);
    expect(await auditActions()).toEqual([]);
  });

  it('refuses a password reset for someone who signs in with Supabase (409)', async () => {
    const { id } = await createStaff(database.db, {
      clinicId: admin.clinicId,
      email: 'sso@clinic.test',
      name: 'SSO',
      role: 'front_desk',
      passwordHash: null,
      authProvider: 'supabase',
    });
    const res = await post(id, 'reset-password');
    expect(res.status).toBe(409);
    expect((await json(res)).error.message).toMatch(/Supabase/);
    const row = await database.db.selectFrom('staff').select('password_hash').where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.password_hash).toBeNull();
  });

  it('with Supabase sign-in, neither is done here: the service says where to do it', async () => {
    const desk = await addStaff(database.db, admin.clinicId, 'front_desk');
    const refusal = (promise: Promise<unknown>) =>
      promise.then(
        () => null,
        (error: unknown) => error,
      );
    const reset = await refusal(resetStaffPassword(database.db, admin.clinicId, desk.staffId, { authProvider: 'supabase' }));
    expect(reset).toBeInstanceOf(AppError);
    expect(reset).toMatchObject({ code: 'conflict', message: expect.stringMatching(/Supabase/) });
    const signOut = await refusal(signOutStaffEverywhere(database.db, admin.clinicId, desk.staffId, { authProvider: 'supabase' }));
    expect(signOut).toMatchObject({ code: 'conflict', message: expect.stringMatching(/Supabase/) });
    await signIn(backend.url, desk);
  });
});
