import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { LiveEvent } from '@voxanne/protocol';
import { databaseKinds, useTestDatabase } from '../../test/support/test-database.js';
import { createClinicWithStaff } from '../../test/support/fixtures.js';
import { insertCall } from '../../test/support/call-fixtures.js';
import { clinicWithAssistant } from '../../test/support/assistant-calls.js';
import { endOfCallReport, statusUpdate, type CallRef } from '../../test/support/vapi-fixtures.js';
import { openDatabase, type Db } from '../db/database.js';
import { eventually } from '../../test/support/eventually.js';
import { InProcessEventBus } from '../live/event-bus.js';
import { EndedCallReader } from './call-monitors.js';
import { CallIngestion, type BatchLimits, type CallMessageOutcome } from './call-ingestion.js';
import { VapiServerMessageSchema, type EndOfCallReport, type StatusUpdate, type VapiCall } from './vapi-messages.js';

type Delivery = { body: { message: unknown }; receiptKey: string };

const T0 = Date.UTC(2030, 0, 7, 10);
const delivery = (body: { message: unknown }, receiptKey: string = randomUUID()): Delivery => ({ body, receiptKey });
const report = (ref: CallRef) =>
  endOfCallReport(
    ref,
    {
      startedAt: new Date(T0 + 1000).toISOString(),
      endedAt: new Date(T0 + 61_000).toISOString(),
      endedReason: 'customer-ended-call',
      summary: 'Caller asked for a check-up.',
      turns: [{ role: 'user', message: 'I would like a check-up.', time: T0 + 5000, secondsFromStart: 4 }],
    },
    T0 + 62_000,
  );

describe.each(databaseKinds())('status updates and reports stored together on %s', (kind) => {
  const database = useTestDatabase(kind);

  function ingestion(batches: BatchLimits, db: Db = database.db) {
    const bus = new InProcessEventBus();
    const published: LiveEvent[] = [];
    bus.subscribe((events) => published.push(...events));
    const sizes: number[] = [];
    const ingest = new CallIngestion({ db, bus, batches, onBatch: (what, size) => what === 'call' && sizes.push(size) });
    // Handed over in one go: the first is written alone at once, the rest wait for it and go together.
    const deliverAll = (all: Delivery[]): Promise<CallMessageOutcome[]> =>
      Promise.all(
        all.map(({ body, receiptKey }) => {
          const message = VapiServerMessageSchema.parse(body.message) as (StatusUpdate | EndOfCallReport) & { call: VapiCall };
          const receipt = { key: `${message.type}:${receiptKey}`, type: message.type };
          return message.type === 'status-update'
            ? ingest.statusUpdate(message, new Date(), receipt)
            : ingest.endOfCallReport(message, receipt);
        }),
      );
    return { published, sizes, deliverAll };
  }

  /** What is stored of a call, without ids: status, times, outcome, timeline, and its events' kinds. */
  async function storedCall(providerCallId: string, published: LiveEvent[]) {
    const call = await database.db.selectFrom('calls').selectAll().where('provider_call_id', '=', providerCallId).executeTakeFirstOrThrow();
    const timeline = await database.db
      .selectFrom('call_status_changes')
      .select(['status', 'at'])
      .where('call_id', '=', call.id)
      .orderBy('status')
      .execute();
    const segments = await database.db.selectFrom('transcript_segments').select('text').where('call_id', '=', call.id).execute();
    const kinds = published
      .filter(
        (e) =>
          (e.data as { callId?: string; call?: { id: string } }).callId === call.id ||
          (e.data as { call?: { id: string } }).call?.id === call.id,
      )
      .map((e) => e.kind);
    return {
      status: call.status,
      startedAt: call.started_at,
      endedAt: call.ended_at,
      endedReason: call.ended_reason,
      outcome: call.outcome,
      summary: call.summary,
      timeline,
      segments: segments.map((s) => s.text),
      kinds,
    };
  }

  /** The deliveries of four calls in two clinics, a replay and two messages that are refused. */
  function deliveries(clinics: Array<{ assistantId: string }>) {
    const refs = [0, 1, 0, 1].map((c) => ({ id: `call-${randomUUID()}`, assistantId: clinics[c]!.assistantId }));
    const ringing = refs.map((ref) => delivery(statusUpdate(ref, 'ringing', T0)));
    return {
      refs,
      list: [
        ...ringing,
        ...refs.map((ref) => delivery(statusUpdate(ref, 'in-progress', T0 + 1000))),
        // The first call ends with a status update and its report; the second only with its report.
        delivery(statusUpdate(refs[0]!, 'ended', T0 + 61_000, 'customer-ended-call')),
        delivery(report(refs[0]!)),
        delivery(report(refs[1]!)),
        // An exact replay of the first ringing.
        ringing[0]!,
        // An assistant no clinic here has, for a new call; and the other clinic's assistant on a stored call.
        delivery(statusUpdate({ id: `call-${randomUUID()}`, assistantId: 'asst-nobody-has' }, 'ringing', T0)),
        delivery(statusUpdate({ ...refs[2]!, assistantId: clinics[1]!.assistantId }, 'forwarding', T0 + 2000)),
      ],
    };
  }
  const expectedOutcomes = [
    ...Array<CallMessageOutcome>(8).fill('stored'),
    'stored',
    'stored',
    'stored',
    'duplicate',
    'unknown_clinic',
    'clinic_mismatch',
  ];

  it('applies the messages that arrive together in one statement, each as it would be applied alone', async () => {
    const clinics = [await clinicWithAssistant(database.db), await clinicWithAssistant(database.db)];

    const together = ingestion({ transcriptLines: 200, callMessages: 32 });
    const batched = deliveries(clinics);
    expect(await together.deliverAll(batched.list)).toEqual(expectedOutcomes);
    expect(together.sizes).toEqual([1, batched.list.length - 1]);

    const alone = ingestion({ transcriptLines: 1, callMessages: 1 });
    const oneByOne = deliveries(clinics);
    expect(await alone.deliverAll(oneByOne.list)).toEqual(expectedOutcomes);
    expect(alone.sizes.every((size) => size === 1)).toBe(true);

    for (const [i, ref] of batched.refs.entries()) {
      expect(await storedCall(ref.id, together.published)).toEqual(await storedCall(oneByOne.refs[i]!.id, alone.published));
    }
    // Every clinic's events carry consecutive seqs, in the order they were published.
    for (const { clinicId } of clinics) {
      const seqs = [...together.published, ...alone.published].filter((e) => e.clinicId === clinicId).map((e) => e.seq);
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    }
  });

  it('fails only the message the database refuses, not the messages beside it', async () => {
    const { assistantId } = await clinicWithAssistant(database.db);
    const { deliverAll, sizes } = ingestion({ transcriptLines: 200, callMessages: 32 });
    const refs = [0, 1, 2].map(() => ({ id: `call-${randomUUID()}`, assistantId }));
    await deliverAll(refs.map((ref) => delivery(statusUpdate(ref, 'in-progress', T0))));

    // A NUL character is text PostgreSQL will not take (the webhook route strips them; this is handed one).
    const results = await Promise.allSettled([
      deliverAll([delivery(statusUpdate(refs[0]!, 'ended', T0 + 9000, 'customer-ended-call'))]),
      deliverAll([delivery(statusUpdate(refs[1]!, 'ended', T0 + 9000, 'bad \u0000 reason'))]),
      deliverAll([delivery(statusUpdate(refs[2]!, 'ended', T0 + 9000, 'customer-ended-call'))]),
    ]);

    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(sizes.slice(-2)).toEqual([1, 2]);
    const statuses = await database.db.selectFrom('calls').select(['provider_call_id', 'status']).execute();
    expect(Object.fromEntries(statuses.map((c) => [c.provider_call_id, c.status]))).toEqual({
      [refs[0]!.id]: 'ended',
      [refs[1]!.id]: 'in-progress',
      [refs[2]!.id]: 'ended',
    });
  });

  it('reads the calls of ending messages that arrive together, forgetting only their monitor URLs', async () => {
    const { clinicId } = await createClinicWithStaff(database.db);
    const calls = await Promise.all(
      [0, 1, 2].map(async () => {
        const providerCallId = `call-${randomUUID()}`;
        const id = await insertCall(database.db, clinicId, { provider_call_id: providerCallId, status: 'ended' });
        await database.db
          .insertInto('call_monitors')
          .values({ call_id: id, clinic_id: clinicId, control_url: `https://phone-api.vapi.ai/${id}/control`, listen_url: null })
          .execute();
        return { id, providerCallId };
      }),
    );
    const reader = new EndedCallReader(database.db, 32);

    // The first is read alone at once; the other three wait for it and are read by one statement.
    const read = await Promise.all(
      [calls[0]!, calls[1]!, calls[0]!, { providerCallId: 'call-never-stored' }].map((call) => reader.read(call.providerCallId)),
    );

    expect(read.map((row) => row?.id)).toEqual([calls[0]!.id, calls[1]!.id, calls[0]!.id, undefined]);
    const kept = await database.db.selectFrom('call_monitors').select('call_id').execute();
    expect(kept.map((m) => m.call_id)).toEqual([calls[2]!.id]);
  });

  // Only a server has concurrent connections to deadlock (PGlite runs one statement at a time).
  if (kind === 'postgres')
    it('never deadlocks when two instances store messages of the same calls or clinics in opposite orders', async () => {
      const clinics = [await clinicWithAssistant(database.db), await clinicWithAssistant(database.db)];
      const callOf = (clinic: number) => ({ id: `call-${randomUUID()}`, assistantId: clinics[clinic]!.assistantId });
      // The same calls, one instance forwards and the other backwards; and calls of their own, of the
      // same two clinics, one instance the first clinic's first and the other the second's.
      const shared = [0, 1, 0, 1, 0, 1].map(callOf);
      const own = [[0, 1, 0, 1].map(callOf), [1, 0, 1, 0].map(callOf)];
      const refs = [...shared, ...own.flat()];
      const deadlocks = async () =>
        (await sql<{ deadlocks: number }>`select deadlocks from pg_stat_database where datname = current_database()`.execute(database.db))
          .rows[0]!.deadlocks;
      const before = await deadlocks();
      // Each instance on connections of its own; a server connection reports its statistics (deadlocks
      // among them) for certain when it exits, so they are closed before the count is read.
      const url = new URL(database.url!);
      url.searchParams.set('application_name', 'two-instances');
      const connections = await Promise.all(
        [0, 1].map(() => openDatabase({ kind: 'postgres', url: url.toString(), poolMax: 10, preparedStatements: true })),
      );
      const instances = connections.map((connection) => ingestion({ transcriptLines: 200, callMessages: 32 }, connection.db));
      // Stored calls are what a batch locks in order: the calls are created first, by one instance.
      await instances[0]!.deliverAll(refs.map((ref) => delivery(statusUpdate(ref, 'ringing', T0))));
      const statuses = ['in-progress', 'forwarding', 'ended'] as const;

      try {
        for (const [step, status] of statuses.entries()) {
          const deliveriesOf = (calls: CallRef[], offset: number) =>
            calls.map((ref) => delivery(statusUpdate(ref, status, T0 + (step + 1) * 1000 + offset, 'customer-ended-call')));
          const outcomes = await Promise.all([
            instances[0]!.deliverAll([...deliveriesOf(shared, 0), ...deliveriesOf(own[0]!, 0)]),
            instances[1]!.deliverAll([...deliveriesOf([...shared].reverse(), 1), ...deliveriesOf(own[1]!, 1)]),
          ]);
          expect(outcomes.flat().every((outcome) => outcome === 'stored')).toBe(true);
        }
      } finally {
        await Promise.all(connections.map((connection) => connection.close()));
      }

      expect(instances.every((instance) => instance.sizes.some((size) => size > 1))).toBe(true);
      await eventually(async () => {
        const { rows } = await sql<{ open: number }>`
        select count(*)::int as open from pg_stat_activity where application_name = 'two-instances'`.execute(database.db);
        expect(rows[0]!.open).toBe(0);
      });
      await sql`select pg_stat_clear_snapshot()`.execute(database.db);
      expect(await deadlocks()).toBe(before);
      const calls = await database.db.selectFrom('calls').select('status').execute();
      expect(calls.map((c) => c.status)).toEqual(refs.map(() => 'ended'));
    });
});
