// Retention settings, the retention job (with its own clock) and erasing a patient on request, over
// real HTTP and on both databases; the role and clinic checks of every route.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ClinicSettingsResponseSchema } from '@voxanne/protocol';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { startTestBackend, type TestBackend } from '../../test/support/test-backend.js';
import { addStaff, createClinicWithStaff, signIn, type SignedIn, type TestStaff } from '../../test/support/fixtures.js';
import { insertBooking, insertCall, insertPatient } from '../../test/support/call-fixtures.js';
import { json } from '../../test/support/http.js';
import { createLogger } from '../logging/logger.js';
import { AuditLog } from '../audit/audit-log.js';
import { RetentionJob } from './retention.js';
import { ERASED_NAME } from './patient-erasure.js';

const DAY = 86_400_000;
const NOW = new Date('2031-06-01T12:00:00Z');
const daysAgo = (n: number) => new Date(NOW.getTime() - n * DAY);

describe.each(databaseKinds())('compliance on %s', (kind) => {
  let database: TestDatabase;
  let backend: TestBackend;
  let admin: TestStaff;
  let adminApi: SignedIn['api'];
  let deskApi: SignedIn['api'];

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
    deskApi = (await signIn(backend.url, await addStaff(database.db, admin.clinicId, 'front_desk'))).api;
  });

  const job = (batchSize = 3) =>
    new RetentionJob({
      db: database.db,
      bus: backend.bus,
      logger: createLogger('silent'),
      audit: new AuditLog(database.db).append,
      now: () => NOW,
      batchSize,
    });

  const segment = (callId: string, at: Date, text = 'hello') =>
    database.db
      .insertInto('transcript_segments')
      .values({
        call_id: callId,
        clinic_id: admin.clinicId,
        speaker: 'caller',
        text,
        at,
        offset_seconds: 1,
        dedupe_key: `${callId}:${at.getTime()}:${Math.random()}`,
      })
      .execute();

  describe('settings', () => {
    it('has the defaults until saved; front desk reads, only an administrator changes them (logged)', async () => {
      const read = ClinicSettingsResponseSchema.parse(await json(await deskApi('/api/clinic/settings')));
      expect(read.settings).toEqual({
        transcriptRetentionDays: 90,
        callRetentionDays: 730,
        auditRetentionDays: 2192,
        storeTranscriptsRedacted: false,
        textBackEnabled: false,
        textBackMessage: 'Sorry we missed your call — reply here or call us back.',
        textBackFrom: '09:00',
        textBackUntil: '20:00',
        callbackWindowMinutes: 120,
      });

      const update = JSON.stringify({ transcriptRetentionDays: 30, storeTranscriptsRedacted: true });
      expect((await deskApi('/api/clinic/settings', { method: 'PUT', body: update })).status).toBe(403);
      const res = await adminApi('/api/clinic/settings', { method: 'PUT', body: update });
      expect(res.status).toBe(200);
      expect((await json(res)).settings).toMatchObject({
        transcriptRetentionDays: 30,
        callRetentionDays: 730,
        storeTranscriptsRedacted: true,
      });
      const entry = await database.db
        .selectFrom('audit_log')
        .selectAll()
        .where('action', '=', 'settings.updated')
        .executeTakeFirstOrThrow();
      expect(entry.details).toEqual({
        changes: { transcriptRetentionDays: { before: 90, after: 30 }, storeTranscriptsRedacted: { before: false, after: true } },
      });
    });

    it('refuses periods out of range, an audit period under six years, calls kept shorter than transcripts, and bad work-queue settings', async () => {
      for (const body of [
        { transcriptRetentionDays: 6 },
        { transcriptRetentionDays: 3651 },
        { auditRetentionDays: 2000 },
        { callRetentionDays: 30 },
        {},
        { unknown: 1 },
        { callbackWindowMinutes: 14 },
        { callbackWindowMinutes: 1441 },
        { textBackMessage: '   ' },
        { textBackMessage: 'x'.repeat(321) },
        { textBackFrom: '9am' },
        { textBackFrom: '21:00' },
        { textBackFrom: '10:00', textBackUntil: '10:00' },
      ]) {
        const res = await adminApi('/api/clinic/settings', { method: 'PUT', body: JSON.stringify(body) });
        expect(res.status, JSON.stringify(body)).toBe(400);
      }
      expect((await json(await adminApi('/api/clinic/settings'))).settings.transcriptRetentionDays).toBe(90);
    });

    it('keeps clinics apart', async () => {
      const other = await createClinicWithStaff(database.db, { role: 'admin' });
      const otherApi = (await signIn(backend.url, other)).api;
      await otherApi('/api/clinic/settings', { method: 'PUT', body: JSON.stringify({ transcriptRetentionDays: 7 }) });
      expect((await json(await adminApi('/api/clinic/settings'))).settings.transcriptRetentionDays).toBe(90);
    });
  });

  describe('the retention job', () => {
    it('deletes expired transcripts, recording links and calls in batches, leaves the rest and announces deleted calls', async () => {
      await adminApi('/api/clinic/settings', {
        method: 'PUT',
        body: JSON.stringify({ transcriptRetentionDays: 30, callRetentionDays: 365 }),
      });
      const ancient = await insertCall(database.db, admin.clinicId, { created_at: daysAgo(400), recording_url: 'https://rec/1' });
      const old = await insertCall(database.db, admin.clinicId, {
        created_at: daysAgo(40),
        recording_url: 'https://rec/2',
        summary: 'Asked about flu jabs.',
      });
      const fresh = await insertCall(database.db, admin.clinicId, {
        created_at: daysAgo(5),
        recording_url: 'https://rec/3',
        summary: 'Booked.',
      });
      for (let i = 0; i < 7; i++) await segment(old, daysAgo(40));
      for (let i = 0; i < 2; i++) await segment(fresh, daysAgo(5));
      await segment(ancient, daysAgo(400));
      // Another clinic with the default 90 days: its 40-day-old transcript stays.
      const other = await createClinicWithStaff(database.db);
      const othersCall = await insertCall(database.db, other.clinicId, { created_at: daysAgo(40), recording_url: 'https://rec/4' });
      await database.db
        .insertInto('transcript_segments')
        .values({ call_id: othersCall, clinic_id: other.clinicId, speaker: 'caller', text: 'x', at: daysAgo(40), dedupe_key: 'o1' })
        .execute();

      const report = await job(3).runOnce();
      expect(report).toEqual({ clinics: 2, transcriptSegments: 7, recordings: 1, calls: 1 });

      const calls = await database.db.selectFrom('calls').select(['id', 'recording_url', 'summary']).execute();
      expect(calls).toHaveLength(3);
      expect(calls).toEqual(
        expect.arrayContaining([
          { id: old, recording_url: null, summary: null },
          { id: othersCall, recording_url: 'https://rec/4', summary: null },
          { id: fresh, recording_url: 'https://rec/3', summary: 'Booked.' },
        ]),
      );
      const segments = await database.db.selectFrom('transcript_segments').select('call_id').execute();
      expect(segments.map((s) => s.call_id).sort()).toEqual([fresh, fresh, othersCall].sort());

      const events = await database.db.selectFrom('events').select(['kind', 'data']).where('kind', '=', 'calls.deleted').execute();
      expect(events).toEqual([{ kind: 'calls.deleted', data: { callIds: [ancient], reason: 'retention' } }]);
      const audit = await database.db.selectFrom('audit_log').selectAll().where('action', '=', 'retention.purged').execute();
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({
        clinic_id: admin.clinicId,
        actor_staff_id: null,
        details: { transcriptSegments: 7, recordings: 1, calls: 1 },
      });

      // Nothing left to do: a second run deletes nothing and logs nothing.
      expect(await job(3).runOnce()).toEqual({ clinics: 2, transcriptSegments: 0, recordings: 0, calls: 0 });
    });

    it('runs on one instance at a time: a second runner finds the lease taken', async () => {
      await database.db
        .insertInto('job_leases')
        .values({ name: 'data-retention', holder: 'another instance', expires_at: daysAgo(-1) })
        .execute();
      expect(await job().runOnce()).toBe('busy');
      // An expired lease (its holder crashed) is taken over.
      await database.db
        .updateTable('job_leases')
        .set({ expires_at: daysAgo(1) })
        .execute();
      expect(await job().runOnce()).toMatchObject({ clinics: 1 });
      expect(await database.db.selectFrom('job_leases').selectAll().execute()).toEqual([]);
    });

    it('lets calls be written while it purges', async () => {
      await adminApi('/api/clinic/settings', { method: 'PUT', body: JSON.stringify({ transcriptRetentionDays: 7, callRetentionDays: 7 }) });
      for (let i = 0; i < 30; i++) await insertCall(database.db, admin.clinicId, { created_at: daysAgo(30) });
      const [report, written] = await Promise.all([
        job(2).runOnce(),
        Promise.all(Array.from({ length: 10 }, () => insertCall(database.db, admin.clinicId, { created_at: NOW }))),
      ]);
      expect(report).toMatchObject({ calls: 30 });
      const left = await database.db.selectFrom('calls').select('id').execute();
      expect(left.map((c) => c.id).sort()).toEqual([...written].sort());
    });
  });

  describe('erasing a patient', () => {
    it('removes the patient, their transcripts and the text of their bookings, keeping anonymous counts (logged)', async () => {
      const patient = await insertPatient(database.db, admin.clinicId, 'Eleanor Rigby', '+447911123456');
      const theirCall = await insertCall(database.db, admin.clinicId, {
        patient_id: patient,
        caller_number: '+447911123456',
        summary: 'Eleanor wants a check-up.',
        recording_url: 'https://rec/e',
      });
      const someoneElse = await insertCall(database.db, admin.clinicId, { caller_number: '+442079460958', summary: 'Other.' });
      await segment(theirCall, NOW, 'My date of birth is 1 May 1960');
      await segment(someoneElse, NOW, 'Hello');
      const booking = await insertBooking(database.db, admin.clinicId, {
        patient_id: patient,
        call_id: theirCall,
        patient_name: 'Eleanor Rigby',
        patient_phone: '+447911123456',
        notes: 'Knee pain',
        starts_at: new Date('2031-06-02T09:00:00Z'),
        ends_at: new Date('2031-06-02T09:30:00Z'),
      });

      expect((await deskApi(`/api/patients/${patient}`, { method: 'DELETE' })).status).toBe(403);
      const other = await createClinicWithStaff(database.db, { role: 'admin' });
      const otherApi = (await signIn(backend.url, other)).api;
      expect((await otherApi(`/api/patients/${patient}`, { method: 'DELETE' })).status).toBe(404);

      expect((await adminApi(`/api/patients/${patient}`, { method: 'DELETE' })).status).toBe(204);
      expect(await database.db.selectFrom('patients').selectAll().execute()).toEqual([]);
      const calls = await database.db
        .selectFrom('calls')
        .select(['id', 'caller_number', 'summary', 'recording_url', 'outcome'])
        .orderBy('caller_number')
        .execute();
      expect(calls).toEqual([
        { id: someoneElse, caller_number: '+442079460958', summary: 'Other.', recording_url: null, outcome: 'answered' },
        { id: theirCall, caller_number: null, summary: null, recording_url: null, outcome: 'answered' },
      ]);
      const segments = await database.db.selectFrom('transcript_segments').select('call_id').execute();
      expect(segments).toEqual([{ call_id: someoneElse }]);
      const kept = await database.db.selectFrom('bookings').select(['id', 'patient_name', 'patient_phone', 'notes', 'starts_at']).execute();
      expect(kept).toEqual([
        { id: booking, patient_name: ERASED_NAME, patient_phone: null, notes: null, starts_at: new Date('2031-06-02T09:00:00Z') },
      ]);
      const entry = await database.db.selectFrom('audit_log').selectAll().where('action', '=', 'patient.erased').executeTakeFirstOrThrow();
      expect(entry).toMatchObject({
        object_id: patient,
        actor_staff_id: admin.staffId,
        details: { calls: 1, bookings: 1, transcriptSegments: 1 },
      });
      expect(JSON.stringify(entry)).not.toContain('Eleanor');

      expect((await adminApi(`/api/patients/${patient}`, { method: 'DELETE' })).status).toBe(404);
    });
  });
});
