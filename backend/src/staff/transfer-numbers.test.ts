// A staff member's own number for taking calls, over real HTTP: set as typed and stored as E.164,
// cleared, logged masked; refused for a bad number, for someone else's (front desk), for another
// clinic's staff member (404) and without CSRF; and every refusal changes nothing.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TransferNumberResponseSchema } from '@voxanne/protocol';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { startTestBackend, type TestBackend } from '../../test/support/test-backend.js';
import { addStaff, createClinicWithStaff, signIn, type SignedIn, type TestStaff } from '../../test/support/fixtures.js';
import { json } from '../../test/support/http.js';

describe.each(databaseKinds())('own numbers for taking calls on %s', (kind) => {
  let database: TestDatabase;
  let backend: TestBackend;
  let admin: TestStaff;
  let desk: TestStaff;
  let deskApi: SignedIn['api'];
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
    desk = await addStaff(database.db, admin.clinicId, 'front_desk');
    adminApi = (await signIn(backend.url, admin)).api;
    deskApi = (await signIn(backend.url, desk)).api;
  });

  const put = (as: SignedIn['api'], staffId: string, body: unknown) =>
    as(`/api/staff/${staffId}/transfer-number`, { method: 'PUT', body: JSON.stringify(body) });
  const stored = async (staffId: string) =>
    (await database.db.selectFrom('staff').select('transfer_number').where('id', '=', staffId).executeTakeFirstOrThrow()).transfer_number;

  it('sets one’s own number as typed, stores E.164, reads it back, clears it, and logs it masked', async () => {
    expect(TransferNumberResponseSchema.parse(await json(await deskApi(`/api/staff/${desk.staffId}/transfer-number`)))).toEqual({
      staffId: desk.staffId,
      transferNumber: null,
    });
    const res = await put(deskApi, desk.staffId, { transferNumber: '+44 (0)20 7946 0123' });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ staffId: desk.staffId, transferNumber: '+442079460123' });
    expect(await stored(desk.staffId)).toBe('+442079460123');
    expect(await json(await deskApi(`/api/staff/${desk.staffId}/transfer-number`))).toMatchObject({ transferNumber: '+442079460123' });

    expect((await put(deskApi, desk.staffId, { transferNumber: null })).status).toBe(200);
    expect(await stored(desk.staffId)).toBeNull();

    const logged = await database.db
      .selectFrom('audit_log')
      .select(['action', 'object_id', 'details'])
      .where('clinic_id', '=', admin.clinicId)
      .where('action', '=', 'staff.updated')
      .orderBy('seq')
      .execute();
    expect(logged.map((e) => e.details)).toEqual([
      { changes: { transferNumber: { before: null, after: '+44••••••••23' } } },
      { changes: { transferNumber: { before: '+44••••••••23', after: null } } },
    ]);
    expect(JSON.stringify(logged)).not.toContain('7946');
  });

  it('refuses a number that is not one, and changes nothing', async () => {
    await put(deskApi, desk.staffId, { transferNumber: '+442079460123' });
    for (const transferNumber of ['020 7946 0123', '+44 12', 'call me', '+44\u00002079460123', '', 42]) {
      const res = await put(deskApi, desk.staffId, { transferNumber });
      expect(res.status, JSON.stringify(transferNumber)).toBe(400);
    }
    expect((await put(deskApi, desk.staffId, { transferNumber: '+442079460123', role: 'admin' })).status).toBe(400);
    expect(await stored(desk.staffId)).toBe('+442079460123');
  });

  it('lets front desk set only their own; an administrator may set anyone’s in the clinic', async () => {
    const refused = await put(deskApi, admin.staffId, { transferNumber: '+442079460555' });
    expect(refused.status).toBe(403);
    expect((await json(refused)).error.message).toBe('You can set only your own number for taking calls.');
    expect((await deskApi(`/api/staff/${admin.staffId}/transfer-number`)).status).toBe(403);
    expect(await stored(admin.staffId)).toBeNull();

    expect((await put(adminApi, desk.staffId, { transferNumber: '+442079460777' })).status).toBe(200);
    expect(await stored(desk.staffId)).toBe('+442079460777');
  });

  it('does not know another clinic’s staff (404), and refuses a change without CSRF', async () => {
    const stranger = await createClinicWithStaff(database.db, { role: 'admin' });
    const strangerApi = (await signIn(backend.url, stranger)).api;
    expect((await put(strangerApi, desk.staffId, { transferNumber: '+442079460555' })).status).toBe(404);
    expect((await strangerApi(`/api/staff/${desk.staffId}/transfer-number`)).status).toBe(404);
    expect(await stored(desk.staffId)).toBeNull();

    const session = await signIn(backend.url, desk);
    const noCsrf = await fetch(`${backend.url}/api/staff/${desk.staffId}/transfer-number`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${session.session.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ transferNumber: '+442079460555' }),
    });
    expect(noCsrf.status).toBe(403);
    expect(await stored(desk.staffId)).toBeNull();
  });

  it('the database holds the column to E.164 too', async () => {
    await expect(
      database.db.updateTable('staff').set({ transfer_number: '07946 0123' }).where('id', '=', desk.staffId).execute(),
    ).rejects.toThrow();
  });
});
