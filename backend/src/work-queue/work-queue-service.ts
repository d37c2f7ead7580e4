// What staff do with work items: list and read them, claim ("I'm on it"), release, close with an
// outcome, reopen, and ask the assistant to call the caller back. Each change is one transaction that
// locks the item's row, so of two consoles claiming at once exactly one wins and the other is told
// who did; every change goes out as work_item.changed.
import { sql } from 'kysely';
import {
  maskPhoneNumber,
  type WorkItem,
  type WorkItemDetailResponse,
  type WorkItemListResponse,
  type WorkItemOutcome,
} from '@voxanne/protocol';
import type { Db } from '../db/database.js';
import type { WorkItemRow } from '../db/schema.js';
import { AppError } from '../errors.js';
import type { LiveEventBus } from '../live/event-bus.js';
import { transactionWithEvents, type EventRecorder, type Tx } from '../live/event-log.js';
import type { Logger } from '../logging/logger.js';
import { getAgent } from '../agent/agent-service.js';
import { allowedCountries, reachableNumberProblem } from '../clinics/reachable-numbers.js';
import { lockOrCreateCall } from '../telephony/call-ingestion.js';
import type { VapiClient } from '../telephony/vapi-client.js';
import { addHistory, emitChange, toWorkItems, workItemCounts } from './work-items.js';
import { recordCallbackResult } from './callback-results.js';

export interface WorkQueueDeps {
  db: Db;
  bus: LiveEventBus;
  logger: Logger;
  vapi: VapiClient;
  /** The platform number outbound calls come from when the clinic has none of its own. */
  defaultPhoneNumberId: () => string | undefined;
  /** CLINIC_DEFAULT_COUNTRY: the country a clinic without numbers or settings may ring. */
  defaultCountry: string;
}

/** Who is acting: from the verified token. */
export interface Actor {
  clinicId: string;
  staffId: string;
}

const notFound = () => AppError.notFound('Work item');

interface Cursor {
  k: [number | string, string, string];
}

function encodeCursor(row: WorkItemRow, done: boolean): string {
  const key: Cursor['k'] = done ? [row.done_at!.toISOString(), '', row.id] : [row.priority, row.due_at.toISOString(), row.id];
  return Buffer.from(JSON.stringify({ k: key })).toString('base64url');
}

function decodeCursor(cursor: string): Cursor['k'] {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Cursor;
    const [a, b, c] = parsed.k;
    if ((typeof a === 'number' || typeof a === 'string') && typeof b === 'string' && typeof c === 'string' && /^[0-9a-f-]{36}$/.test(c)) {
      if (typeof a === 'string' && Number.isNaN(Date.parse(a))) throw new Error('bad time');
      if (typeof a === 'number' && b !== '' && Number.isNaN(Date.parse(b))) throw new Error('bad time');
      return [a, b, c];
    }
  } catch {
    // answered below
  }
  throw new AppError('validation_failed', 'Invalid request: cursor: not a cursor this list gave out', [
    { path: 'cursor', message: 'not a cursor this list gave out' },
  ]);
}

/** Open and claimed items by priority then due time (the order the desk works in); done items newest first. */
export async function listWorkItems(
  db: Db,
  clinicId: string,
  query: {
    status: 'active' | 'open' | 'claimed' | 'done';
    kind?: WorkItem['kind'] | undefined;
    cursor?: string | undefined;
    limit: number;
  },
): Promise<WorkItemListResponse> {
  const done = query.status === 'done';
  let q = db.selectFrom('work_items').selectAll().where('clinic_id', '=', clinicId);
  q = query.status === 'active' ? q.where('status', '<>', 'done') : q.where('status', '=', query.status);
  if (query.kind) q = q.where('kind', '=', query.kind);
  if (query.cursor) {
    const [a, b, id] = decodeCursor(query.cursor);
    q = done
      ? q.where(sql<boolean>`(done_at, id) < (${new Date(String(a))}::timestamptz, ${id}::uuid)`)
      : typeof a === 'number'
        ? q.where(sql<boolean>`(priority, due_at, id) > (${a}, ${new Date(b)}::timestamptz, ${id}::uuid)`)
        : q.where(sql<boolean>`false`);
  }
  q = done ? q.orderBy('done_at', 'desc').orderBy('id', 'desc') : q.orderBy('priority').orderBy('due_at').orderBy('id');
  const rows = await q.limit(query.limit + 1).execute();
  const page = rows.slice(0, query.limit);
  return {
    items: await toWorkItems(db, page),
    nextCursor: rows.length > query.limit ? encodeCursor(page.at(-1)!, done) : null,
    counts: await workItemCounts(db, clinicId),
  };
}

export async function getWorkItem(db: Db, clinicId: string, id: string): Promise<WorkItemDetailResponse> {
  const row = await db.selectFrom('work_items').selectAll().where('id', '=', id).where('clinic_id', '=', clinicId).executeTakeFirst();
  if (!row) throw notFound();
  const history = await db
    .selectFrom('work_item_history as h')
    .leftJoin('staff as s', 's.id', 'h.staff_id')
    .select(['h.id', 'h.at', 'h.action', 'h.staff_id', 's.name as staff_name', 'h.call_id', 'h.outcome', 'h.note'])
    .where('h.work_item_id', '=', id)
    .orderBy('h.at')
    .orderBy('h.id')
    .execute();
  const [item] = await toWorkItems(db, [row]);
  return {
    item: item!,
    history: history.map((h) => ({
      id: h.id,
      at: h.at.toISOString(),
      action: h.action,
      staff: h.staff_id ? { id: h.staff_id, name: h.staff_name ?? 'A former colleague' } : null,
      callId: h.call_id,
      outcome: (h.outcome as WorkItemOutcome | null) ?? null,
      note: h.note,
    })),
  };
}

async function lockItem(tx: Tx, actor: Actor, id: string): Promise<WorkItemRow> {
  const row = await tx
    .selectFrom('work_items')
    .selectAll()
    .where('id', '=', id)
    .where('clinic_id', '=', actor.clinicId)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw notFound();
  return row;
}

async function staffName(tx: Tx, staffId: string | null): Promise<string> {
  if (!staffId) return 'someone';
  const row = await tx.selectFrom('staff').select('name').where('id', '=', staffId).executeTakeFirst();
  return row?.name ?? 'someone';
}

async function heldByOther(tx: Tx, row: WorkItemRow, actor: Actor): Promise<AppError | undefined> {
  if (row.status !== 'claimed' || row.claimed_by === actor.staffId) return undefined;
  return new AppError('conflict', `${await staffName(tx, row.claimed_by)} is already on this item.`);
}

async function change(
  deps: { db: Db; bus: LiveEventBus },
  actor: Actor,
  id: string,
  work: (tx: Tx, events: EventRecorder, row: WorkItemRow) => Promise<WorkItemRow | WorkItem>,
): Promise<WorkItem> {
  return transactionWithEvents(deps.db, deps.bus, async (tx, events) => {
    const result = await work(tx, events, await lockItem(tx, actor, id));
    if ('clinic_id' in result) return (await toWorkItems(tx, [result]))[0]!;
    return result;
  });
}

/** "I'm on it". Someone else's claim is kept unless `takeOver`; claiming your own item again changes nothing. */
export function claimWorkItem(deps: { db: Db; bus: LiveEventBus }, actor: Actor, id: string, takeOver: boolean): Promise<WorkItem> {
  return change(deps, actor, id, async (tx, events, row) => {
    if (row.status === 'done') throw new AppError('conflict', 'This item is already done; reopen it first.');
    if (row.status === 'claimed' && row.claimed_by === actor.staffId) return row;
    const refusal = await heldByOther(tx, row, actor);
    if (refusal && !takeOver) throw refusal;
    const now = new Date();
    const saved = await tx
      .updateTable('work_items')
      .set({ status: 'claimed', claimed_by: actor.staffId, claimed_at: now, updated_at: now })
      .where('id', '=', row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await addHistory(tx, saved, 'claimed', { staffId: actor.staffId, note: refusal ? 'Took it over.' : null });
    return emitChange(tx, events, saved, 'claimed');
  });
}

/** Gives a claimed item back to the queue; only its holder may. */
export function releaseWorkItem(deps: { db: Db; bus: LiveEventBus }, actor: Actor, id: string): Promise<WorkItem> {
  return change(deps, actor, id, async (tx, events, row) => {
    if (row.status !== 'claimed') return row;
    const refusal = await heldByOther(tx, row, actor);
    if (refusal) throw refusal;
    const saved = await tx
      .updateTable('work_items')
      .set({ status: 'open', claimed_by: null, claimed_at: null, updated_at: new Date() })
      .where('id', '=', row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await addHistory(tx, saved, 'released', { staffId: actor.staffId });
    return emitChange(tx, events, saved, 'released');
  });
}

/** Closes an item with how it ended; an item someone else is on is theirs to close. */
export function completeWorkItem(
  deps: { db: Db; bus: LiveEventBus },
  actor: Actor,
  id: string,
  done: { outcome: WorkItemOutcome; note?: string | undefined },
): Promise<WorkItem> {
  return change(deps, actor, id, async (tx, events, row) => {
    if (row.status === 'done') throw new AppError('conflict', 'This item is already done.');
    const refusal = await heldByOther(tx, row, actor);
    if (refusal) throw refusal;
    const now = new Date();
    const note = done.note ? done.note : null;
    const saved = await tx
      .updateTable('work_items')
      .set({ status: 'done', outcome: done.outcome, note, done_by: actor.staffId, done_at: now, updated_at: now })
      .where('id', '=', row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await addHistory(tx, saved, 'done', { staffId: actor.staffId, outcome: done.outcome, note });
    return emitChange(tx, events, saved, 'done');
  });
}

/** Puts a done item back in the queue, open. */
export function reopenWorkItem(deps: { db: Db; bus: LiveEventBus }, actor: Actor, id: string): Promise<WorkItem> {
  return change(deps, actor, id, async (tx, events, row) => {
    if (row.status !== 'done') return row;
    const saved = await tx
      .updateTable('work_items')
      .set({ status: 'open', claimed_by: null, claimed_at: null, outcome: null, done_by: null, done_at: null, updated_at: new Date() })
      .where('id', '=', row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await addHistory(tx, saved, 'reopened', { staffId: actor.staffId });
    return emitChange(tx, events, saved, 'reopened');
  });
}

/**
 * The assistant calls the caller back (the same outbound path as "Call my phone"), briefed with the
 * item in its first words. The item is claimed by whoever asked, and the call is on its history.
 */
export async function callBackWorkItem(deps: WorkQueueDeps, actor: Actor, id: string): Promise<{ item: WorkItem; callId: string }> {
  const row = await deps.db
    .selectFrom('work_items')
    .selectAll()
    .where('id', '=', id)
    .where('clinic_id', '=', actor.clinicId)
    .executeTakeFirst();
  if (!row) throw notFound();
  if (row.status === 'done') throw new AppError('conflict', 'This item is already done; reopen it first.');
  if (!row.caller_number) throw new AppError('bad_request', 'The caller’s number was withheld, so nobody can call them back.');
  const agent = await getAgent(deps.db, actor.clinicId);
  // A caller ID can be spoofed: the assistant rings only ordinary numbers in the clinic's countries.
  const problem = reachableNumberProblem(
    row.caller_number,
    await allowedCountries(deps.db, actor.clinicId, agent.personality, deps.defaultCountry),
  );
  if (problem) throw new AppError('invalid_phone_number', `The assistant cannot call this number back: ${problem}`);
  const assistantId = agent.providerAssistantId;
  if (!assistantId) throw new AppError('not_configured', 'The assistant is not set up on the voice platform yet.');
  const own = await deps.db
    .selectFrom('phone_numbers')
    .select('provider_number_id')
    .where('clinic_id', '=', actor.clinicId)
    .where('status', '=', 'active')
    .where('provider_number_id', 'is not', null)
    .orderBy('connected_at')
    .executeTakeFirst();
  const phoneNumberId = own?.provider_number_id ?? deps.defaultPhoneNumberId();
  if (!phoneNumberId) throw new AppError('not_configured', 'Connect the clinic’s phone number first: call-backs are made from it.');
  // Checked before ringing anyone: someone else's item is theirs to call back.
  await transactionWithEvents(deps.db, deps.bus, async (tx) => {
    const refusal = await heldByOther(tx, await lockItem(tx, actor, id), actor);
    if (refusal) throw refusal;
  });
  const number = row.caller_number;
  const created = await deps.vapi.createCall({ assistantId, phoneNumberId, customer: { number }, name: 'Voxanne call-back' });
  const item = await transactionWithEvents(deps.db, deps.bus, async (tx, events) => {
    const call = { id: created.id, type: 'outboundPhoneCall' as const, customer: { number }, assistantId, phoneNumberId };
    const locked = await lockOrCreateCall(tx, events, { db: deps.db, bus: deps.bus }, actor.clinicId, call, 'queued');
    const current = await lockItem(tx, actor, id);
    const now = new Date();
    const saved =
      current.status === 'open'
        ? await tx
            .updateTable('work_items')
            .set({ status: 'claimed', claimed_by: actor.staffId, claimed_at: now, updated_at: now })
            .where('id', '=', id)
            .returningAll()
            .executeTakeFirstOrThrow()
        : current;
    await addHistory(tx, saved, 'callback_started', { staffId: actor.staffId, callId: locked.row.id });
    return { item: await emitChange(tx, events, saved, 'callback_started'), callId: locked.row.id };
  });
  deps.logger.info({ clinicId: actor.clinicId, workItemId: id, to: maskPhoneNumber(number) }, 'assistant call-back started');
  // A call that ended before its history entry was committed had its webhooks find no item: settle it now.
  await recordCallbackResult(deps, created.id);
  return item;
}
