// The database applies status updates and reports itself (migrations/0020_call_ingestion.sql), while
// transcripts, tool calls and test calls apply their changes in TypeScript. Both must derive a call's
// outcome and its summary the same way: these properties hold the two definitions equal.
import fc from 'fast-check';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds, useTestDatabase } from '../../test/support/test-database.js';
import { toCallSummary } from '../calls/call-mapping.js';
import { createClinic } from '../clinics/clinic-queries.js';
import type { CallRow } from '../db/schema.js';
import { outcomeOf } from './call-ingestion.js';

const REASONS = [
  null,
  '',
  'customer-ended-call',
  'assistant-ended-call',
  'assistant-forwarded-call',
  'customer-did-not-answer',
  'customer-busy',
  'voicemail',
  'twilio-failed-to-connect-call',
  'pipeline-error-openai-llm-failed',
  'silence-timed-out',
];

const analysis = fc.oneof(
  fc.constant(null),
  fc.record({
    structuredData: fc.oneof(
      fc.constant(null),
      fc.constant([]),
      fc.record({ callCategory: fc.oneof(fc.constantFrom('spam', 'booking', 'question'), fc.integer(), fc.constant(null)) }),
    ),
  }),
);

describe.each(databaseKinds())('call rules in SQL and in TypeScript agree on %s', (kind) => {
  const database = useTestDatabase(kind, { resetEachTest: false });
  let clinicId: string;

  beforeAll(async () => {
    clinicId = (await createClinic(database.db, { name: 'Rules Clinic', timeZone: 'Europe/London' })).id;
  });

  it('derives the same outcome (call_outcome = outcomeOf)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          direction: fc.constantFrom('inbound', 'outbound', 'web'),
          startedAt: fc.option(fc.constant(new Date('2026-11-24T10:00:00Z'))),
          endedReason: fc.constantFrom(...REASONS),
          analysis,
          booked: fc.boolean(),
          forwarded: fc.boolean(),
          callerSpoke: fc.boolean(),
        }),
        async (c) => {
          const { rows } = await sql<{ outcome: string }>`
            select call_outcome(${c.direction}, ${c.startedAt}::timestamptz, ${c.endedReason}, ${c.analysis === null ? null : JSON.stringify(c.analysis)}::jsonb,
                                ${c.booked}, ${c.forwarded}, ${c.callerSpoke}) as outcome`.execute(database.db);
          const expected = outcomeOf(
            {
              direction: c.direction,
              started_at: c.startedAt,
              ended_reason: c.endedReason,
              duration_seconds: null,
              analysis: c.analysis as CallRow['analysis'],
              needs_attention: false,
            },
            { booked: c.booked, forwarded: c.forwarded, callerSpoke: c.callerSpoke },
          );
          expect(rows[0]!.outcome).toBe(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('writes the same call summary (call_summary_json = toCallSummary)', async () => {
    const when = fc.option(fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true }));
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          status: fc.constantFrom('queued', 'ringing', 'in-progress', 'forwarding', 'ended'),
          callerNumber: fc.option(fc.constant('+441614960100')),
          startedAt: when,
          endedAt: when,
          duration: fc.option(fc.double({ min: 0, max: 86_400, noNaN: true })),
          outcome: fc.option(fc.constantFrom('answered', 'booked', 'missed')),
          summary: fc.option(fc.string()),
          patientName: fc.option(fc.constant('Ada Lovelace')),
          transfer: fc.option(
            fc.record({
              destination: fc.option(fc.constant('+442079460999')),
              at: fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true }),
              status: fc.constantFrom('requested', 'forwarding', 'connected', 'failed'),
              failure: fc.option(fc.constantFrom('no_number', 'no_answer', 'refused')),
            }),
          ),
        }),
        async (c) => {
          const row = await database.db
            .insertInto('calls')
            .values({
              clinic_id: clinicId,
              direction: 'inbound',
              status: c.status,
              caller_number: c.callerNumber,
              started_at: c.startedAt,
              ended_at: c.endedAt,
              duration_seconds: c.duration,
              outcome: c.outcome,
              summary: c.summary,
              transfer_destination: c.transfer?.destination ?? null,
              transfer_at: c.transfer?.at ?? null,
              transfer_status: c.transfer?.status ?? null,
              transfer_failure: c.transfer?.failure ?? null,
            })
            .returningAll()
            .executeTakeFirstOrThrow();
          const { rows } = await sql<{ summary: unknown }>`
            select call_summary_json(calls, ${c.patientName}) as summary from calls where id = ${row.id}`.execute(database.db);
          expect(rows[0]!.summary).toEqual(toCallSummary(row, c.patientName));
        },
      ),
      { numRuns: 200 },
    );
  });
});
