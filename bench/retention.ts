// bench/retention: how fast the retention job deletes a large expired history, and what it costs the
// webhook writes that keep arriving meanwhile (never part of the timed test suite).
//
//   npx tsx --conditions=@voxanne/source bench/retention.ts [--lines 1000000] [--writers 4] [--only pglite|postgres]
//
// Seeds one clinic with `lines` expired transcript lines (100 per call, all older than the clinic's
// 30-day transcript period, calls younger than its call period so only transcripts go), then runs the
// job. Meanwhile `writers` loops write what a transcript webhook writes: a transcript line of a live
// call and its live event, in one transaction (transactionWithEvents, as ingestion does). Their latency
// is measured before the purge (baseline) and during it.
// Budgets: deletion ≥ 20,000 lines/s on PostgreSQL, ≥ 5,000 on PGlite; write p99 during the purge
// < 100 ms on PostgreSQL, < 250 ms on PGlite.
import { randomBytes } from 'node:crypto';
import { setImmediate } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'kysely';
import pg from 'pg';
import { openDatabase, openPglite, PGLITE_EXTENSIONS, PGLITE_START_PARAMS, type DatabaseHandle } from '../backend/src/db/database.js';
import { migrate } from '../backend/src/db/migrate.js';
import { createLogger } from '../backend/src/logging/logger.js';
import { InProcessEventBus } from '../backend/src/live/event-bus.js';
import { transactionWithEvents } from '../backend/src/live/event-log.js';
import { AuditLog } from '../backend/src/audit/audit-log.js';
import { RetentionJob } from '../backend/src/compliance/retention.js';

const { values: args } = parseArgs({
  options: { lines: { type: 'string', default: '1000000' }, writers: { type: 'string', default: '4' }, only: { type: 'string' } },
});
const LINES = Number(args.lines);
const WRITERS = Number(args.writers);
const LINES_PER_CALL = 100;
const out = (line = '') => process.stdout.write(`${line}\n`);
const BUDGETS = {
  pglite: { linesPerSecond: 5_000, writeP99Ms: 250 },
  postgres: { linesPerSecond: 20_000, writeP99Ms: 100 },
} as const;

function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function open(kind: 'pglite' | 'postgres'): Promise<{ handle: DatabaseHandle; drop: () => Promise<void> }> {
  if (kind === 'pglite') {
    const handle = await openPglite(await PGlite.create('memory://', { extensions: PGLITE_EXTENSIONS, startParams: PGLITE_START_PARAMS }));
    return { handle, drop: async () => undefined };
  }
  const serverUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL!;
  const name = `voxanne_bench_retention_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ kind: 'postgres', url: url.toString(), poolMax: 10, preparedStatements: true });
  return {
    handle,
    drop: async () => {
      const dropper = new pg.Client({ connectionString: serverUrl });
      await dropper.connect();
      await dropper.query(`drop database if exists ${name} with (force)`);
      await dropper.end();
    },
  };
}

async function run(kind: 'pglite' | 'postgres'): Promise<boolean> {
  const { handle, drop } = await open(kind);
  const { db } = handle;
  try {
    await migrate(db);
    const now = new Date();
    const old = new Date(now.getTime() - 60 * 86_400_000);
    const clinic = await db.insertInto('clinics').values({ name: 'Bench clinic' }).returning('id').executeTakeFirstOrThrow();
    await db
      .insertInto('clinic_settings')
      .values({
        clinic_id: clinic.id,
        transcript_retention_days: 30,
        call_retention_days: 365,
        audit_retention_days: 2192,
        store_transcripts_redacted: false,
      })
      .execute();
    const calls = Math.ceil(LINES / LINES_PER_CALL);
    const seedStart = performance.now();
    await sql`insert into calls (clinic_id, direction, status, created_at, caller_number)
      select ${clinic.id}, 'inbound', 'ended', ${old}::timestamptz, '+447700900' || lpad((g % 1000)::text, 3, '0')
      from generate_series(1, ${calls}) g`.execute(db);
    const chunk = 100_000;
    for (let from = 0; from < LINES; from += chunk) {
      await sql`insert into transcript_segments (call_id, clinic_id, speaker, text, at, dedupe_key)
        select c.id, ${clinic.id}, case when s % 2 = 0 then 'caller' else 'assistant' end,
               'I would like to book an appointment for next Tuesday morning if possible, thank you.',
               ${old}::timestamptz + make_interval(secs => s), c.id::text || ':' || s
        from (select id, row_number() over (order by id) as n from calls where clinic_id = ${clinic.id}) c,
             generate_series(1, ${LINES_PER_CALL}) s
        where c.n > ${from / LINES_PER_CALL} and c.n <= ${Math.min(LINES, from + chunk) / LINES_PER_CALL}`.execute(db);
    }
    await sql`analyze`.execute(db);
    out(
      `${kind}: seeded ${LINES.toLocaleString('en')} transcript lines over ${calls.toLocaleString('en')} calls in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`,
    );

    const live = await db
      .insertInto('calls')
      .values({ clinic_id: clinic.id, direction: 'inbound', status: 'in-progress', caller_number: '+447700900999' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const bus = new InProcessEventBus();
    let n = 0;
    const write = async () => {
      const started = performance.now();
      const i = n++;
      await transactionWithEvents(db, bus, async (tx, events) => {
        await tx
          .insertInto('transcript_segments')
          .values({
            call_id: live.id,
            clinic_id: clinic.id,
            speaker: 'caller',
            text: 'Yes, Tuesday works.',
            at: new Date(),
            dedupe_key: `w${i}`,
          })
          .execute();
        events.emit(clinic.id, {
          kind: 'call.transcript',
          data: { callId: live.id, speaker: 'caller', transcriptType: 'final', text: 'Yes, Tuesday works.', segmentId: null },
        });
      });
      return performance.now() - started;
    };
    const measure = async (until: () => boolean) => {
      const latencies: number[] = [];
      await Promise.all(
        Array.from({ length: WRITERS }, async () => {
          while (!until()) {
            latencies.push(await write());
            // Webhooks arrive as network events (macrotasks); PGlite answers in microtasks, so a
            // writer that never yields would starve everything else in this process.
            await setImmediate();
          }
        }),
      );
      return latencies;
    };

    const baselineEnd = performance.now() + 3_000;
    const baseline = await measure(() => performance.now() > baselineEnd);

    const job = new RetentionJob({ db, bus, logger: createLogger('silent'), audit: new AuditLog(db).append });
    let done = false;
    const purgeStart = performance.now();
    const [report, during] = await Promise.all([
      job.runOnce().finally(() => {
        done = true;
      }),
      measure(() => done),
    ]);
    const seconds = (performance.now() - purgeStart) / 1000;
    if (report === 'busy') throw new Error('lease unexpectedly taken');
    const rate = report.transcriptSegments / seconds;
    const p99 = percentile(during, 99);
    const budget = BUDGETS[kind];
    out(
      `  purge: ${report.transcriptSegments.toLocaleString('en')} lines in ${seconds.toFixed(1)} s = ${Math.round(rate).toLocaleString('en')} lines/s (budget ≥ ${budget.linesPerSecond.toLocaleString('en')})`,
    );
    out(
      `  webhook writes before: ${baseline.length} writes, p50 ${percentile(baseline, 50).toFixed(1)} ms, p99 ${percentile(baseline, 99).toFixed(1)} ms`,
    );
    out(
      `  webhook writes during: ${during.length} writes, p50 ${percentile(during, 50).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms (budget < ${budget.writeP99Ms} ms)`,
    );
    const ok = rate >= budget.linesPerSecond && p99 < budget.writeP99Ms && report.transcriptSegments === LINES;
    out(`  ${ok ? 'within budget' : 'MISSED BUDGET'}`);
    return ok;
  } finally {
    await handle.close();
    await drop();
  }
}

const kinds: Array<'pglite' | 'postgres'> = ['pglite'];
if (process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL) kinds.push('postgres');
let allOk = true;
for (const kind of kinds.filter((k) => !args.only || k === args.only)) allOk = (await run(kind)) && allOk;
process.exit(allOk ? 0 : 1);
