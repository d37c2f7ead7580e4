// The access and change log over real HTTP: one test per logged action, the admin-only Activity API and
// CSV export, clinic isolation, the append-only trigger and tamper detection through the chain.
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuditEntrySchema, AuditListResponseSchema, INSTANCE_HEADER, type AuditEntry } from '@voxanne/protocol';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { startTestBackend, type TestBackend } from '../../test/support/test-backend.js';
import { addStaff, createClinicWithStaff, signIn, type SignedIn, type TestStaff } from '../../test/support/fixtures.js';
import { insertCall } from '../../test/support/call-fixtures.js';
import { json } from '../../test/support/http.js';
import { sandboxControl } from '../../test/support/sandbox-control.js';
import { verifyAuditCommand } from '../admin/admin-commands.js';
import { AuditLog, canonicalJson, changedFields, verifyAuditChain } from './audit-log.js';
import { csvCell } from './audit-queries.js';

describe.each(databaseKinds())('audit log on %s', (kind) => {
  let database: TestDatabase;
  let backend: TestBackend;
  let admin: TestStaff;
  let adminApi: SignedIn['api'];

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    backend = await startTestBackend(database, { SANDBOX_TIME_SCALE: '100', AUTH_RATE_LIMIT_PER_MINUTE: '1000' });
  });
  afterAll(async () => {
    await backend?.close();
    await database?.close();
  });
  afterEach(async () => {
    await backend.sandbox!.idle();
  });
  beforeEach(async () => {
    await database.reset();
    admin = await createClinicWithStaff(database.db, { role: 'admin' });
    adminApi = (await signIn(backend.url, admin)).api;
  });

  const entries = async (clinicId = admin.clinicId): Promise<AuditEntry[]> => {
    const rows = await database.db.selectFrom('audit_log').selectAll().where('clinic_id', '=', clinicId).orderBy('seq').execute();
    return rows.map((row) => AuditEntrySchema.parse({ ...row, seq: Number(row.seq), at: row.at.toISOString(), ...mapped(row) }));
  };
  const mapped = (
    row: { actor_staff_id: string | null; actor_name: string | null; actor_role: string | null } & Record<string, unknown>,
  ) => ({
    actor: row.actor_staff_id ? { staffId: row.actor_staff_id, name: row.actor_name, role: row.actor_role } : null,
    instanceId: row.instance_id,
    address: row.address,
    objectType: row.object_type,
    objectId: row.object_id,
  });
  const last = async (clinicId = admin.clinicId) => (await entries(clinicId)).at(-1)!;

  describe('records', () => {
    it('a sign-in: who, their role and name, the app instance and address', async () => {
      const res = await fetch(`${backend.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [INSTANCE_HEADER]: 'desk-7f3a' },
        body: JSON.stringify({ email: admin.email, password: admin.password }),
      });
      expect(res.status).toBe(200);
      expect(await last()).toMatchObject({
        action: 'auth.signed_in',
        actor: { staffId: admin.staffId, name: 'Test Staff', role: 'admin' },
        instanceId: 'desk-7f3a',
        address: expect.stringMatching(/127\.0\.0\.1/),
        objectType: 'staff',
        objectId: admin.staffId,
      });
    });

    it('a failed sign-in against the account, without an actor; an unknown email logs nothing anywhere', async () => {
      const attempt = (email: string) =>
        fetch(`${backend.url}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email, password: 'not the password' }),
        });
      expect((await attempt(admin.email)).status).toBe(401);
      expect(await last()).toMatchObject({ action: 'auth.sign_in_failed', actor: null, objectId: admin.staffId });
      const before = await database.db.selectFrom('audit_log').select('id').execute();
      expect((await attempt('nobody@clinic.test')).status).toBe(401);
      expect(await database.db.selectFrom('audit_log').select('id').execute()).toHaveLength(before.length);
    });

    it('a sign-out', async () => {
      expect((await adminApi('/api/auth/logout', { method: 'POST', body: '{}' })).status).toBe(204);
      expect(await last()).toMatchObject({ action: 'auth.signed_out', actor: { staffId: admin.staffId } });
    });

    it('opening a call (its transcript and recording link come with it), by front desk too', async () => {
      const desk = await addStaff(database.db, admin.clinicId, 'front_desk');
      const deskApi = (await signIn(backend.url, desk)).api;
      const callId = await insertCall(database.db, admin.clinicId, {});
      expect((await deskApi(`/api/calls/${callId}`)).status).toBe(200);
      expect(await last()).toMatchObject({ action: 'call.viewed', actor: { staffId: desk.staffId, role: 'front_desk' }, objectId: callId });
      // Listing is not opening: no entry.
      const count = (await entries()).length;
      expect((await deskApi('/api/calls')).status).toBe(200);
      expect(await entries()).toHaveLength(count);
    });

    it('a change to the assistant, with before/after of the changed fields only and the transfer number masked', async () => {
      const { personality } = await json(await adminApi('/api/agent'));
      const res = await adminApi('/api/agent', {
        method: 'PUT',
        body: JSON.stringify({ personality: { ...personality, name: 'Robin', transferNumber: '+442079460958' } }),
      });
      expect(res.status, await res.clone().text()).toBe(200);
      const entry = await last();
      expect(entry).toMatchObject({ action: 'assistant.updated', objectType: 'assistant', objectId: admin.clinicId });
      expect(entry.details).toEqual({
        changes: { name: { before: personality.name, after: 'Robin' }, transferNumber: { before: null, after: '…958' } },
      });
      expect(JSON.stringify(entry)).not.toContain('2079460958');
    });

    it('knowledge base uploads and deletions', async () => {
      const form = new FormData();
      form.set('file', new Blob(['Opening hours: 8 to 6.']), 'faq.txt');
      const uploaded = await json(await adminApi('/api/knowledge-base', { method: 'POST', body: form }));
      expect(await last()).toMatchObject({
        action: 'knowledge.uploaded',
        objectId: uploaded.document.id,
        details: { filename: 'faq.txt' },
      });
      await backend.knowledge.drain();
      expect((await adminApi(`/api/knowledge-base/${uploaded.document.id}`, { method: 'DELETE' })).status).toBe(204);
      expect(await last()).toMatchObject({ action: 'knowledge.deleted', objectId: uploaded.document.id });
    });

    it('connecting and disconnecting a phone number, the number masked', async () => {
      const account = await json(
        await sandboxControl(backend)('/twilio-accounts', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"numbers":1}',
        }),
      );
      const res = await adminApi('/api/phone-numbers', {
        method: 'POST',
        body: JSON.stringify({ phoneNumber: account.numbers[0], twilioAccountSid: account.accountSid, twilioAuthToken: account.authToken }),
      });
      const { phoneNumber } = await json(res);
      expect(res.status).toBe(201);
      const connected = await last();
      expect(connected).toMatchObject({ action: 'phone_number.connected', objectId: phoneNumber.id });
      expect(connected.details).toEqual({ number: `…${account.numbers[0].slice(-3)}` });
      expect((await adminApi(`/api/phone-numbers/${phoneNumber.id}`, { method: 'DELETE' })).status).toBe(204);
      expect(await last()).toMatchObject({ action: 'phone_number.disconnected', objectId: phoneNumber.id });
    });

    it('a CSV export, itself logged with its filters', async () => {
      const res = await adminApi('/api/audit-log.csv?action=auth.signed_in');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
      const lines = (await res.text()).trim().split('\r\n');
      expect(lines[0]).toBe('seq,at,staff_id,staff_name,role,instance,address,action,object_type,object_id,details');
      expect(lines.slice(1)).toHaveLength(1);
      expect(lines[1]).toContain(',auth.signed_in,');
      expect(await last()).toMatchObject({ action: 'audit.exported', details: { filters: { action: 'auth.signed_in' } } });
    });
  });

  describe('the Activity API', () => {
    it('filters by person, action, object and day, and pages newest first', async () => {
      const desk = await addStaff(database.db, admin.clinicId, 'front_desk');
      const deskApi = (await signIn(backend.url, desk)).api;
      const calls = [await insertCall(database.db, admin.clinicId, {}), await insertCall(database.db, admin.clinicId, {})];
      for (const id of [...calls, calls[0]!]) expect((await deskApi(`/api/calls/${id}`)).status).toBe(200);

      const list = async (query: Record<string, string>) => {
        const res = await adminApi(`/api/audit-log?${new URLSearchParams(query)}`);
        expect(res.status).toBe(200);
        return AuditListResponseSchema.parse(await json(res));
      };
      expect((await list({ actor: desk.staffId, action: 'call.viewed' })).items.map((e) => e.objectId)).toEqual([
        calls[0],
        calls[1],
        calls[0],
      ]);
      expect((await list({ objectId: calls[0]! })).items).toHaveLength(2);
      expect((await list({ action: 'auth.signed_in' })).items.map((e) => e.actor?.staffId)).toEqual([desk.staffId, admin.staffId]);
      const today = new Date().toISOString().slice(0, 10);
      expect((await list({ from: '2000-01-01', to: '2000-01-02' })).items).toEqual([]);
      expect((await list({ from: '2000-01-01' })).items.length).toBeGreaterThanOrEqual(5);
      expect(today).toMatch(/^\d{4}/);

      const seen: number[] = [];
      let cursor: string | null = null;
      do {
        const page: { items: AuditEntry[]; nextCursor: string | null } = await list({ limit: '2', ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((e) => e.seq));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual([...seen].sort((a, b) => b - a));
      expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => seen.length - i));
    });

    it('refuses front-desk staff (403) on the list and the export', async () => {
      const deskApi = (await signIn(backend.url, await addStaff(database.db, admin.clinicId, 'front_desk'))).api;
      expect((await deskApi('/api/audit-log')).status).toBe(403);
      expect((await deskApi('/api/audit-log.csv')).status).toBe(403);
    });

    it('shows another clinic nothing of ours, even when it asks for our ids', async () => {
      const callId = await insertCall(database.db, admin.clinicId, {});
      await adminApi(`/api/calls/${callId}`);
      const other = await createClinicWithStaff(database.db, { role: 'admin' });
      const otherApi = (await signIn(backend.url, other)).api;
      const theirs = AuditListResponseSchema.parse(await json(await otherApi(`/api/audit-log?objectId=${callId}`)));
      expect(theirs.items).toEqual([]);
      const all = AuditListResponseSchema.parse(await json(await otherApi('/api/audit-log')));
      expect(all.items.every((e) => e.actor?.staffId === other.staffId)).toBe(true);
      const csv = await (await otherApi(`/api/audit-log.csv?actor=${admin.staffId}`)).text();
      expect(csv.trim().split('\r\n')).toHaveLength(1);
    });

    it('answers bad filters with a 400 that names them', async () => {
      const res = await adminApi('/api/audit-log?action=audit.deleted&cursor=abc');
      expect(res.status).toBe(400);
      expect((await json(res)).error.code).toBe('validation_failed');
    });

    it('offers no route that changes or removes an entry', async () => {
      const [entry] = await entries();
      for (const method of ['PUT', 'PATCH', 'DELETE']) {
        expect((await adminApi(`/api/audit-log/${entry!.id}`, { method, body: '{}' })).status).toBe(404);
        expect((await adminApi('/api/audit-log', { method, body: '{}' })).status).toBe(404);
      }
    });
  });

  describe('the chain', () => {
    it('stays one unbroken chain under concurrent appends from two writers', async () => {
      const a = new AuditLog(database.db);
      const b = new AuditLog(database.db);
      await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          (i % 2 ? a : b).append({
            clinicId: admin.clinicId,
            actor: { staffId: admin.staffId, role: 'admin' },
            origin: { instanceId: null, address: null },
            action: 'call.viewed',
            object: { type: 'call', id: `c${i}` },
            details: { z: 1, a: { y: [1, 'two'], b: null } },
          }),
        ),
      );
      const verdict = await verifyAuditChain(database.db, admin.clinicId);
      expect(verdict).toEqual({ clinicId: admin.clinicId, entries: 31, ok: true, firstBroken: null });
      expect(await verifyAuditCommand(database.db, { clinicId: admin.clinicId })).toEqual(verdict);
    });

    it('refuses UPDATE and DELETE from the application’s connection', async () => {
      const [entry] = await entries();
      await expect(sql`update audit_log set action = 'auth.signed_out' where id = ${entry!.id}`.execute(database.db)).rejects.toMatchObject(
        {
          code: '42501',
        },
      );
      await expect(sql`delete from audit_log where id = ${entry!.id}`.execute(database.db)).rejects.toMatchObject({ code: '42501' });
      await expect(sql`delete from audit_heads`.execute(database.db)).rejects.toMatchObject({ code: '42501' });
      expect(await entries()).toHaveLength(1);
    });

    /** What someone with the database owner's rights could still do: switch the trigger off and edit. */
    const bypassingTrigger = (statement: ReturnType<typeof sql>) =>
      database.db.transaction().execute(async (tx) => {
        await sql`alter table audit_log disable trigger audit_log_append_only`.execute(tx);
        await statement.execute(tx);
        await sql`alter table audit_log enable trigger audit_log_append_only`.execute(tx);
      });

    const appendSome = async (n: number) => {
      const callId = await insertCall(database.db, admin.clinicId, {});
      for (let i = 0; i < n; i++) await adminApi(`/api/calls/${callId}`);
    };

    it('names the edited entry when a row is changed behind the trigger', async () => {
      await appendSome(4);
      await bypassingTrigger(sql`update audit_log set actor_name = 'Someone Else' where clinic_id = ${admin.clinicId} and seq = 3`);
      const verdict = await verifyAuditCommand(database.db, { clinicId: admin.clinicId });
      expect(verdict.ok).toBe(false);
      expect(verdict.firstBroken).toMatchObject({ seq: 3, reason: expect.stringContaining('edited') });
    });

    it('names a removed entry, in the middle or at the end', async () => {
      await appendSome(4);
      await bypassingTrigger(sql`delete from audit_log where clinic_id = ${admin.clinicId} and seq = 2`);
      expect((await verifyAuditChain(database.db, admin.clinicId)).firstBroken).toMatchObject({
        seq: 2,
        reason: expect.stringContaining('missing'),
      });

      await database.reset();
      admin = await createClinicWithStaff(database.db, { role: 'admin' });
      adminApi = (await signIn(backend.url, admin)).api;
      await appendSome(2);
      await bypassingTrigger(sql`delete from audit_log where clinic_id = ${admin.clinicId} and seq = 3`);
      expect((await verifyAuditChain(database.db, admin.clinicId)).firstBroken).toMatchObject({
        seq: 3,
        reason: expect.stringContaining('removed'),
      });
    });

    it('names a re-hashed forgery by its link to the entry before', async () => {
      await appendSome(3);
      // Rewrites entry 2 and its own hash consistently: entry 3 still points at the old hash.
      await bypassingTrigger(sql`update audit_log set hash = repeat('a', 64) where clinic_id = ${admin.clinicId} and seq = 2`);
      const verdict = await verifyAuditChain(database.db, admin.clinicId);
      expect(verdict.firstBroken?.seq).toBe(2);
    });

    it('does not mix clinics: another clinic’s chain verifies on its own', async () => {
      const other = await createClinicWithStaff(database.db, { role: 'admin' });
      await signIn(backend.url, other);
      await appendSome(2);
      expect(await verifyAuditChain(database.db, other.clinicId)).toMatchObject({ ok: true, entries: 1 });
      expect(await verifyAuditChain(database.db, admin.clinicId)).toMatchObject({ ok: true, entries: 3 });
    });
  });
});

describe('audit helpers', () => {
  it('hashes details independently of key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}');
  });

  it('keeps only changed fields, masked where asked', () => {
    expect(changedFields({ a: 1, b: [1], n: '+441' }, { a: 1, b: [2], n: '+449999' }, { n: (v) => `*${String(v).slice(-3)}` })).toEqual({
      b: { before: [1], after: [2] },
      n: { before: '*441', after: '*999' },
    });
  });

  it('quotes CSV cells and defuses spreadsheet formulas', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('+44')).toBe("'+44");
  });
});
