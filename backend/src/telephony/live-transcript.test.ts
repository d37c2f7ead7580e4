import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { LiveEvent } from '@voxanne/protocol';
import { databaseKinds, useTestDatabase } from '../../test/support/test-database.js';
import { createClinicWithStaff } from '../../test/support/fixtures.js';
import { insertCall } from '../../test/support/call-fixtures.js';
import { clinicWithAssistant } from '../../test/support/assistant-calls.js';
import { transcript, type CallRef } from '../../test/support/vapi-fixtures.js';
import { InProcessEventBus } from '../live/event-bus.js';
import type { Receipt } from './ingestion-common.js';
import { LiveTranscriptWriter, type LiveTranscriptOutcome } from './live-transcript.js';
import { VapiServerMessageSchema, type TranscriptMessage } from './vapi-messages.js';

/** A call.transcript event's data. */
const lineOf = (event: LiveEvent) => event.data as { callId: string; text: string; transcriptType: string; segmentId: string | null };

interface Line {
  message: TranscriptMessage;
  receipt: Receipt | undefined;
}

let clock = Date.UTC(2030, 0, 7, 10);

function line(ref: CallRef, transcriptType: 'partial' | 'final', text: string, receiptKey: string = randomUUID()): Line {
  const body = transcript(ref, 'user', transcriptType, text, clock++);
  const message = VapiServerMessageSchema.parse(body.message) as TranscriptMessage;
  return { message, receipt: transcriptType === 'final' ? { key: `transcript:${receiptKey}`, type: 'transcript' } : undefined };
}

describe.each(databaseKinds())('live transcript lines stored together on %s', (kind) => {
  const database = useTestDatabase(kind);

  /** A writer whose statements' batch sizes are recorded, and the lines' outcomes once all are written. */
  function writer(linesPerStatement = 200) {
    const bus = new InProcessEventBus();
    // Each publish as the bus was handed it: what consoles would be sent, in order.
    const published: LiveEvent[][] = [];
    bus.subscribe((events) => published.push(events));
    const batches: number[] = [];
    const lines = new LiveTranscriptWriter(database.db, bus, linesPerStatement, (size) => batches.push(size));
    // Submitted in one go: the first is written alone at once, the rest wait for it and go together.
    const store = (l: Line) => lines.store(l.message, new Date(), l.receipt);
    const storeAll = (all: Line[]): Promise<LiveTranscriptOutcome[]> => Promise.all(all.map(store));
    return { published, batches, store, storeAll };
  }

  async function callInProgress(clinicId: string): Promise<{ ref: CallRef; callId: string }> {
    const ref = { id: `call-${randomUUID()}` };
    const callId = await insertCall(database.db, clinicId, { provider_call_id: ref.id, status: 'in-progress', outcome: null });
    return { ref, callId };
  }

  it('stores the lines that arrive together with one statement, each clinic’s events numbered in arrival order', async () => {
    const clinics = [(await createClinicWithStaff(database.db)).clinicId, (await createClinicWithStaff(database.db)).clinicId];
    const calls = await Promise.all([0, 1, 0, 1].map((c) => callInProgress(clinics[c]!)));
    const lines = [0, 1, 2, 3].flatMap((turn) =>
      calls.map((call, c) => line(call.ref, turn % 2 ? 'final' : 'partial', `call ${c} turn ${turn}`)),
    );
    const { published: publishes, batches, storeAll } = writer();

    expect(await storeAll(lines)).toEqual(lines.map(() => 'stored'));
    expect(batches).toEqual([1, lines.length - 1]);

    const published = publishes.flat();
    expect(published.map((e) => lineOf(e).text).sort()).toEqual(lines.map((l) => l.message.transcript).sort());
    for (const clinicId of clinics) {
      const ofClinic = published.filter((e) => e.clinicId === clinicId);
      // Consecutive seqs from 1, in the order the lines arrived.
      expect(ofClinic.map((e) => e.seq).sort((a, b) => a - b)).toEqual(ofClinic.map((_, i) => i + 1));
      const bySeq = [...ofClinic].sort((a, b) => a.seq - b.seq).map((e) => lineOf(e).text);
      expect(bySeq).toEqual(lines.map((l) => l.message.transcript).filter((text) => bySeq.includes(text)));
      // Each publish is one clinic's events in seq order.
      for (const events of publishes.filter((list) => list[0]!.clinicId === clinicId)) {
        expect(events.every((e, i) => e.clinicId === clinicId && (i === 0 || e.seq > events[i - 1]!.seq))).toBe(true);
      }
      const counter = await database.db
        .selectFrom('clinic_event_counters')
        .select('last_seq')
        .where('clinic_id', '=', clinicId)
        .executeTakeFirstOrThrow();
      expect(Number(counter.last_seq)).toBe(ofClinic.length);
    }
    const logged = await database.db.selectFrom('events').select(['id', 'seq', 'clinic_id']).execute();
    expect(logged.map((e) => e.id).sort()).toEqual(published.map((e) => e.id).sort());

    // Finals are stored as segments (partials are only streamed), each final's event naming its segment.
    for (const [c, call] of calls.entries()) {
      const segments = await database.db
        .selectFrom('transcript_segments')
        .select(['id', 'text', 'speaker'])
        .where('call_id', '=', call.callId)
        .orderBy('at')
        .execute();
      expect(segments.map((s) => s.text)).toEqual([`call ${c} turn 1`, `call ${c} turn 3`]);
      const finals = published.filter((e) => lineOf(e).callId === call.callId);
      expect(finals.filter((e) => lineOf(e).transcriptType === 'final').map((e) => lineOf(e).segmentId)).toEqual(segments.map((s) => s.id));
    }
  });

  it('writes no more lines per statement than it is allowed, in arrival order', async () => {
    const { clinicId } = await createClinicWithStaff(database.db);
    const { ref } = await callInProgress(clinicId);
    const lines = Array.from({ length: 8 }, (_, i) => line(ref, i % 2 ? 'final' : 'partial', `line ${i}`));
    const { published, batches, storeAll } = writer(3);

    expect(await storeAll(lines)).toEqual(lines.map(() => 'stored'));
    expect(batches).toEqual([1, 3, 3, 1]);
    expect(published.flat().map((e) => [e.seq, lineOf(e).text])).toEqual(lines.map((l, i) => [i + 1, l.message.transcript]));
  });

  it('answers an exact replay as a duplicate, also when both deliveries arrive together', async () => {
    const { clinicId } = await createClinicWithStaff(database.db);
    const { ref, callId } = await callInProgress(clinicId);
    const first = line(ref, 'final', 'I would like a check-up.', 'same-body');
    const { published, storeAll } = writer();

    expect(await storeAll([line(ref, 'partial', 'I would'), first, first])).toEqual(['stored', 'stored', 'duplicate']);
    expect(await storeAll([first])).toEqual(['duplicate']);

    const segments = await database.db.selectFrom('transcript_segments').select('id').where('call_id', '=', callId).execute();
    expect(segments).toHaveLength(1);
    expect(published.flat().map((e) => lineOf(e).transcriptType)).toEqual(['partial', 'final']);
  });

  it('stores the same line delivered in two bodies once, and announces it once', async () => {
    const { clinicId } = await createClinicWithStaff(database.db);
    const { ref, callId } = await callInProgress(clinicId);
    const once = line(ref, 'final', 'Tuesday morning suits me.');
    const again = { message: once.message, receipt: { key: `transcript:${randomUUID()}`, type: 'transcript' } };
    const { published, storeAll } = writer();

    expect(await storeAll([line(ref, 'partial', 'Tuesday'), once, again])).toEqual(['stored', 'stored', 'stored']);

    const segments = await database.db.selectFrom('transcript_segments').select('id').where('call_id', '=', callId).execute();
    expect(segments).toHaveLength(1);
    expect(published.flat().filter((e) => lineOf(e).transcriptType === 'final')).toHaveLength(1);
  });

  it('sends lines it cannot store to the general path without holding up the lines beside them', async () => {
    const { clinicId } = await createClinicWithStaff(database.db);
    const other = await clinicWithAssistant(database.db);
    const live = await callInProgress(clinicId);
    const ringing = { id: `call-${randomUUID()}` };
    await insertCall(database.db, clinicId, { provider_call_id: ringing.id, status: 'ringing', outcome: null });
    const reported = { id: `call-${randomUUID()}` };
    await insertCall(database.db, clinicId, {
      provider_call_id: reported.id,
      status: 'in-progress',
      outcome: null,
      report_received_at: new Date(),
    });
    const { published, batches, storeAll } = writer();

    const outcomes = await storeAll([
      line(live.ref, 'partial', 'Hello'),
      line({ id: `call-${randomUUID()}` }, 'final', 'A call we have never heard of'),
      line(ringing, 'partial', 'Not yet answered'),
      line(reported, 'final', 'After the report'),
      line({ ...live.ref, assistantId: other.assistantId }, 'final', 'Claims another clinic'),
      line(live.ref, 'final', 'Hello, I need an appointment.'),
      { ...line(live.ref, 'final', '   '), receipt: { key: 'transcript:blank', type: 'transcript' } },
    ]);

    expect(outcomes).toEqual(['stored', 'not-live', 'not-live', 'not-live', 'not-live', 'stored', 'not-live']);
    // The blank line never reached the database.
    expect(batches).toEqual([1, 5]);
    expect(published.flat().map((e) => lineOf(e).text)).toEqual(['Hello', 'Hello, I need an appointment.']);
    const receipts = await database.db.selectFrom('webhook_receipts').select('clinic_id').execute();
    expect(receipts).toEqual([{ clinic_id: clinicId }]);
  });

  it('fails only the line the database refuses, not the lines written with it', async () => {
    const { clinicId } = await createClinicWithStaff(database.db);
    const { ref } = await callInProgress(clinicId);
    const { published, batches, store } = writer();
    // A NUL character is not storable text (the webhook route strips them; this writer is handed one).
    const refused = line(ref, 'final', 'bad \u0000 text');

    const results = await Promise.allSettled(
      [line(ref, 'partial', 'first'), line(ref, 'final', 'kept before'), refused, line(ref, 'final', 'kept after')].map(store),
    );
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(batches).toEqual([1, 3]);

    const texts = published.flat().map((e) => lineOf(e).text);
    expect(texts).toEqual(['first', 'kept before', 'kept after']);
    const segments = await database.db.selectFrom('transcript_segments').select('text').orderBy('at').execute();
    expect(segments.map((s) => s.text)).toEqual(['kept before', 'kept after']);
  });
});
