// "Store transcripts redacted" end to end: Vapi webhooks (live lines, partials, the end-of-call
// report) for a clinic with it on are masked before they are stored and before they are streamed;
// a clinic with it off keeps its words as said.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { startTestBackend, type TestBackend } from '../../test/support/test-backend.js';
import { createClinicWithStaff } from '../../test/support/fixtures.js';
import { endOfCallReport, postSigned, statusUpdate, transcript, type CallRef } from '../../test/support/vapi-fixtures.js';
import { getAgent } from '../agent/agent-service.js';
import { updateClinicSettings } from './clinic-settings.js';
import { MASKS } from './redact.js';

describe.each(databaseKinds())('redacted transcripts on %s', (kind) => {
  let database: TestDatabase;
  let backend: TestBackend;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    backend = await startTestBackend(database);
  });
  afterAll(async () => {
    await backend?.close();
    await database?.close();
  });
  beforeEach(() => database.reset());

  const clinic = async (redacted: boolean) => {
    const { clinicId } = await createClinicWithStaff(database.db);
    await getAgent(database.db, clinicId);
    const suffix = randomUUID().slice(0, 8);
    await database.db
      .updateTable('agents')
      .set({ provider_assistant_id: `asst-${suffix}`, sync_status: 'synced' })
      .where('clinic_id', '=', clinicId)
      .execute();
    await database.db
      .insertInto('phone_numbers')
      .values({
        clinic_id: clinicId,
        number: `+4420794${Math.floor(1_000_000 + Math.random() * 8_999_999)}`.slice(0, 13),
        provider_number_id: `pn-${suffix}`,
        assistant_attached: true,
      })
      .execute();
    if (redacted) await updateClinicSettings(database.db, clinicId, { storeTranscriptsRedacted: true });
    const ref: CallRef = {
      id: randomUUID(),
      assistantId: `asst-${suffix}`,
      phoneNumberId: `pn-${suffix}`,
      customerNumber: '+441614960555',
    };
    return { clinicId, ref };
  };
  const send = async (body: unknown) => {
    const res = await postSigned(backend.url, backend.telephony.webhookAuth.secret, body);
    expect(res.status, await res.clone().text()).toBe(200);
  };
  const SAID =
    'My card is four one one one one one one one one one one one one one one one and I was born 1 May 1960, email jane@example.com';
  const T0 = Date.parse('2030-01-07T10:00:00.000Z');

  const call = async (ref: CallRef) => {
    await send(statusUpdate(ref, 'in-progress', T0));
    await send(transcript(ref, 'user', 'partial', SAID, T0 + 1000));
    await send(transcript(ref, 'user', 'final', SAID, T0 + 2000));
    await send(transcript(ref, 'assistant', 'final', 'Thank you.', T0 + 3000));
  };
  const stored = (clinicId: string) =>
    database.db.selectFrom('transcript_segments').select('text').where('clinic_id', '=', clinicId).orderBy('at').execute();
  const streamed = async (clinicId: string) =>
    (
      await database.db
        .selectFrom('events')
        .select('data')
        .where('clinic_id', '=', clinicId)
        .where('kind', '=', 'call.transcript')
        .orderBy('seq')
        .execute()
    ).map((e) => (e.data as { text: string }).text);

  it('masks card numbers, dates and emails of live lines and partials before storing and streaming them', async () => {
    const { clinicId, ref } = await clinic(true);
    await call(ref);
    const masked = `My card is ${MASKS.card} and I was born ${MASKS.date}, email ${MASKS.email}`;
    expect(await stored(clinicId)).toEqual([{ text: masked }, { text: 'Thank you.' }]);
    expect(await streamed(clinicId)).toEqual([masked, masked, 'Thank you.']);
  });

  it('keeps the words as said for a clinic that does not redact', async () => {
    const { clinicId, ref } = await clinic(false);
    await call(ref);
    expect(await stored(clinicId)).toEqual([{ text: SAID }, { text: 'Thank you.' }]);
    expect(await streamed(clinicId)).toEqual([SAID, SAID, 'Thank you.']);
  });

  it('masks the end-of-call report’s transcript and summary', async () => {
    const { clinicId, ref } = await clinic(true);
    await send(
      endOfCallReport(
        ref,
        {
          startedAt: new Date(T0).toISOString(),
          endedAt: new Date(T0 + 60_000).toISOString(),
          endedReason: 'customer-ended-call',
          summary: 'Caller (born 01/05/1960) asked to pay by card.',
          turns: [
            { role: 'bot', message: 'Hello, how can I help?', time: T0 + 1000, secondsFromStart: 1 },
            { role: 'user', message: 'My email is jane dot doe at example dot com', time: T0 + 3000, secondsFromStart: 3 },
          ],
        },
        T0 + 61_000,
      ),
    );
    expect((await stored(clinicId)).map((s) => s.text)).toEqual(['Hello, how can I help?', `My email is ${MASKS.email}`]);
    const row = await database.db.selectFrom('calls').select('summary').where('clinic_id', '=', clinicId).executeTakeFirstOrThrow();
    expect(row.summary).toBe(`Caller (born ${MASKS.date}) asked to pay by card.`);
  });
});
