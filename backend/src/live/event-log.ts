// The per-clinic live event log (docs/live-events.md).
//
// Writers change data and record events in ONE transaction: `recordEvents` reserves the clinic's next
// seqs by bumping its counter row (the row lock orders concurrent writers, so seq order is commit
// order within a clinic) and inserts the events beside the data. Only after the commit are the events
// handed to the bus, so a console never sees an event whose data could still roll back.
import { randomUUID } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { LiveEvent, NewLiveEvent } from '@voxanne/protocol';
import type { Db } from '../db/database.js';
import type { Database } from '../db/schema.js';
import { isStalePreparedStatement } from '../db/prepared-statements.js';
import type { LiveEventBus } from './event-bus.js';

export type Tx = Transaction<Database>;

/**
 * Appends events for one clinic inside the caller's transaction and returns them with id, seq, at.
 * One statement (one round trip): bump the counter, then insert the events numbered from it.
 */
export async function recordEvents(tx: Tx, clinicId: string, events: NewLiveEvent[]): Promise<LiveEvent[]> {
  if (events.length === 0) return [];
  const at = new Date();
  const ids = events.map(() => randomUUID());
  const { rows } = await sql<{ last_seq: number }>`
    with counter as (
      insert into clinic_event_counters (clinic_id, last_seq) values (${clinicId}, ${events.length})
      on conflict (clinic_id) do update set last_seq = clinic_event_counters.last_seq + ${events.length}
      returning last_seq
    ), inserted as (
      insert into events (id, clinic_id, seq, at, kind, data)
      select e.id, ${clinicId}, counter.last_seq - ${events.length} + e.ordinal, ${at}, e.kind, e.data
      from counter, unnest(${ids}::uuid[], ${events.map((e) => e.kind)}::text[], ${events.map((e) => JSON.stringify(e.data))}::jsonb[])
        with ordinality as e(id, kind, data, ordinal)
      returning seq
    )
    select last_seq from counter where (select count(*) from inserted) = ${events.length}`.execute(tx);
  const lastSeq = rows[0]?.last_seq;
  if (lastSeq === undefined) throw new Error('the live event log did not record every event');
  const firstSeq = lastSeq - events.length + 1;
  return events.map(
    (event, i) => ({ id: ids[i]!, clinicId, seq: firstSeq + i, at: at.toISOString(), kind: event.kind, data: event.data }) as LiveEvent,
  );
}

export interface EventRecorder {
  /** Queue an event of `clinicId`; it is appended to the log when the work commits. */
  emit(clinicId: string, event: NewLiveEvent): void;
}

/** Attempts per transaction when PostgreSQL aborts it as a deadlock's victim or a serialization failure. */
const ATTEMPTS = 3;
const RETRYABLE = new Set(['40P01', '40001']);

/**
 * Runs `work` in a transaction, appends the events it emitted (per clinic, in emit order) before
 * committing, and publishes them once committed. Conflicts are retried (`retryOnConflict`), so `work`
 * must only touch the database through `tx` (anything else waits until this returns).
 */
export async function transactionWithEvents<T>(db: Db, bus: LiveEventBus, work: (tx: Tx, events: EventRecorder) => Promise<T>): Promise<T> {
  return retryOnConflict(() => attemptWithEvents(db, bus, work));
}

/**
 * Runs `attempt` (one transaction, or one statement) again when PostgreSQL aborts it to break a
 * deadlock (40P01) or a serialization conflict (40001), as PostgreSQL's manual advises, or because a
 * migration changed a table under a prepared statement (db/prepared-statements.ts): an aborted
 * attempt changed nothing, and publishes nothing if it publishes only after committing.
 */
export async function retryOnConflict<T>(attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      const retryable = RETRYABLE.has((error as { code?: string } | null)?.code ?? '') || isStalePreparedStatement(error);
      if (n >= ATTEMPTS || !retryable) throw error;
      // A moment's jitter, so the transactions that collided do not collide again in step.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * n));
    }
  }
}

async function attemptWithEvents<T>(db: Db, bus: LiveEventBus, work: (tx: Tx, events: EventRecorder) => Promise<T>): Promise<T> {
  const committed: LiveEvent[][] = [];
  const result = await db.transaction().execute(async (tx) => {
    const pending = new Map<string, NewLiveEvent[]>();
    const value = await work(tx, {
      emit(clinicId, event) {
        const list = pending.get(clinicId) ?? [];
        list.push(event);
        pending.set(clinicId, list);
      },
    });
    for (const [clinicId, events] of pending) committed.push(await recordEvents(tx, clinicId, events));
    return value;
  });
  for (const events of committed) bus.publish(events);
  return result;
}

/** Events of a clinic after `afterSeq`, in seq order (resume). */
export async function eventsAfter(db: Db, clinicId: string, afterSeq: number, limit: number): Promise<LiveEvent[]> {
  const rows = await db
    .selectFrom('events')
    .select(['id', 'clinic_id', 'seq', 'at', 'kind', 'data'])
    .where('clinic_id', '=', clinicId)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map(
    (r) => ({ id: r.id, clinicId: r.clinic_id, seq: r.seq, at: r.at.toISOString(), kind: r.kind, data: r.data }) as LiveEvent,
  );
}

/** The newest seq of a clinic (0 before its first event). */
export async function lastSeq(db: Db, clinicId: string): Promise<number> {
  const row = await db.selectFrom('clinic_event_counters').select('last_seq').where('clinic_id', '=', clinicId).executeTakeFirst();
  return row?.last_seq ?? 0;
}
