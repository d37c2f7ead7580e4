// Work items: the follow-ups a clinic's front desk shares (migrations/0060). This file owns how an
// item is raised from an automatic cause, how a row reads as the protocol's WorkItem, and the live
// event every change sends (work_item.changed, with the clinic's counts so a tray badge needs no
// second request).
//
// Exactly once per cause: every cause has a key (`missed:<call>`, `message:<tool call>`,
// `attention:<call>:<reason>`, `booking-review:<booking>`) inserted first in work_item_causes; a
// replayed or reordered webhook finds its key taken and changes nothing. Two deliveries racing wait
// on the key's row lock, and the loser sees the winner's committed row.
import { sql } from 'kysely';
import {
  WORK_ITEM_KINDS,
  WORK_ITEM_PRIORITIES,
  type WorkItem,
  type WorkItemAction,
  type WorkItemCounts,
  type WorkItemKind,
  type WorkItemPriority,
} from '@voxanne/protocol';
import type { Db } from '../db/database.js';
import type { WorkItemRow } from '../db/schema.js';
import type { EventRecorder, Tx } from '../live/event-log.js';
import { getClinicSettings } from '../compliance/clinic-settings.js';

const MINUTE = 60_000;

/**
 * How soon each kind should be dealt with, and its place in the queue. `promised`: due within the
 * clinic's callback window (its setting, two hours unless changed) instead of a fixed time.
 */
export const WORK_ITEM_DEFAULTS: Record<WorkItemKind, { priority: WorkItemPriority; dueMinutes: number | 'promised' }> = {
  // Someone was on the line wanting a person and did not get one: the most urgent.
  needs_person: { priority: 'high', dueMinutes: 15 },
  // The clinic's promise to callers who left a message or were missed.
  callback_requested: { priority: 'normal', dueMinutes: 'promised' },
  missed_call: { priority: 'normal', dueMinutes: 'promised' },
  booking_review: { priority: 'low', dueMinutes: 24 * 60 },
};

export const priorityRank = (priority: WorkItemPriority): number => WORK_ITEM_PRIORITIES.indexOf(priority) + 1;
const priorityOf = (rank: number): WorkItemPriority => WORK_ITEM_PRIORITIES[rank - 1] ?? 'normal';

export interface WorkItemCause {
  clinicId: string;
  /** Unique per clinic: the same cause never raises a second item. */
  causeKey: string;
  kind: WorkItemKind;
  title: string;
  detail?: string | null;
  callId?: string | null;
  callerNumber?: string | null;
  patientId?: string | null;
  bookingId?: string | null;
  priority?: WorkItemPriority;
  now?: Date;
}

/**
 * Raises (or, for a repeat missed call, joins) the item for a cause inside the caller's transaction
 * and emits its change. Returns undefined when the cause was already recorded.
 */
export async function raiseWorkItem(tx: Tx, events: EventRecorder, cause: WorkItemCause): Promise<WorkItemRow | undefined> {
  const claimed = await tx
    .insertInto('work_item_causes')
    .values({ clinic_id: cause.clinicId, cause_key: cause.causeKey.slice(0, 300) })
    .onConflict((oc) => oc.columns(['clinic_id', 'cause_key']).doNothing())
    .returning('cause_key')
    .executeTakeFirst();
  if (!claimed) return undefined;
  const now = cause.now ?? new Date();
  const defaults = WORK_ITEM_DEFAULTS[cause.kind];
  const dueMinutes =
    defaults.dueMinutes === 'promised' ? (await getClinicSettings(tx, cause.clinicId)).callbackWindowMinutes : defaults.dueMinutes;
  const values = {
    clinic_id: cause.clinicId,
    kind: cause.kind,
    priority: priorityRank(cause.priority ?? defaults.priority),
    title: cause.title.slice(0, 300),
    detail: cause.detail ? cause.detail.slice(0, 2000) : null,
    caller_number: cause.callerNumber ?? null,
    patient_id: cause.patientId ?? null,
    call_id: cause.callId ?? null,
    booking_id: cause.bookingId ?? null,
    due_at: new Date(now.getTime() + dueMinutes * MINUTE),
  };
  let row: WorkItemRow;
  let change: WorkItemAction = 'created';
  if (cause.kind === 'missed_call' && cause.callerNumber) {
    // One open item per number per clinic day: a repeat call joins it (atomic, whatever the race).
    const { rows } = await sql<WorkItemRow & { inserted: boolean }>`
      insert into work_items (clinic_id, kind, priority, title, detail, caller_number, patient_id, call_id, due_at, day_key)
      values (${values.clinic_id}, 'missed_call', ${values.priority}, ${values.title}, ${values.detail}, ${values.caller_number},
              ${values.patient_id}, ${values.call_id}, ${values.due_at},
              (${now}::timestamptz at time zone (select time_zone from clinics where id = ${cause.clinicId}))::date)
      on conflict (clinic_id, caller_number, day_key) where kind = 'missed_call' and status <> 'done'
      do update set call_count = work_items.call_count + 1, updated_at = ${now},
                    patient_id = coalesce(work_items.patient_id, excluded.patient_id)
      returning *, (xmax = 0) as inserted`.execute(tx);
    const { inserted, ...saved } = rows[0]!;
    row = saved;
    if (!inserted) change = 'joined';
  } else {
    row = await tx.insertInto('work_items').values(values).returningAll().executeTakeFirstOrThrow();
  }
  await tx
    .updateTable('work_item_causes')
    .set({ work_item_id: row.id })
    .where('clinic_id', '=', cause.clinicId)
    .where('cause_key', '=', cause.causeKey.slice(0, 300))
    .execute();
  await addHistory(tx, row, change, { callId: cause.callId ?? null, note: change === 'joined' ? 'Called again.' : null });
  await emitChange(tx, events, row, change);
  return row;
}

export async function addHistory(
  tx: Tx,
  row: Pick<WorkItemRow, 'id' | 'clinic_id'>,
  action: WorkItemAction,
  entry: { staffId?: string | null; callId?: string | null; outcome?: string | null; note?: string | null } = {},
): Promise<void> {
  await tx
    .insertInto('work_item_history')
    .values({
      work_item_id: row.id,
      clinic_id: row.clinic_id,
      action,
      staff_id: entry.staffId ?? null,
      call_id: entry.callId ?? null,
      outcome: entry.outcome ?? null,
      note: entry.note ?? null,
    })
    .execute();
}

/** Emits work_item.changed with the item as consoles show it and the clinic's counts after the change. */
export async function emitChange(tx: Tx, events: EventRecorder, row: WorkItemRow, change: WorkItemAction): Promise<WorkItem> {
  const [item] = await toWorkItems(tx, [row]);
  events.emit(row.clinic_id, { kind: 'work_item.changed', data: { item: item!, change, counts: await workItemCounts(tx, row.clinic_id) } });
  return item!;
}

/** Items not yet done, per kind. */
export async function workItemCounts(db: Tx | Db, clinicId: string): Promise<WorkItemCounts> {
  const rows = await db
    .selectFrom('work_items')
    .select(['kind', (eb) => eb.fn.countAll<string>().as('n')])
    .where('clinic_id', '=', clinicId)
    .where('status', '<>', 'done')
    .groupBy('kind')
    .execute();
  const byKind = Object.fromEntries(WORK_ITEM_KINDS.map((k) => [k, 0])) as Record<WorkItemKind, number>;
  for (const r of rows) byKind[r.kind] = Number(r.n);
  return { total: Object.values(byKind).reduce((a, b) => a + b, 0), byKind };
}

/** Rows as the protocol's items: patient and staff names read in one query. */
export async function toWorkItems(db: Tx | Db, rows: WorkItemRow[]): Promise<WorkItem[]> {
  const patientIds = [...new Set(rows.map((r) => r.patient_id).filter((id): id is string => id !== null))];
  const staffIds = [...new Set(rows.flatMap((r) => [r.claimed_by, r.done_by]).filter((id): id is string => id !== null))];
  const [patients, staff] = await Promise.all([
    patientIds.length ? db.selectFrom('patients').select(['id', 'name']).where('id', 'in', patientIds).execute() : [],
    staffIds.length ? db.selectFrom('staff').select(['id', 'name']).where('id', 'in', staffIds).execute() : [],
  ]);
  const patientName = new Map(patients.map((p) => [p.id, p.name]));
  const staffName = new Map(staff.map((s) => [s.id, s.name]));
  const ref = (id: string | null) => (id ? { id, name: staffName.get(id) ?? 'A former colleague' } : null);
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    priority: priorityOf(r.priority),
    status: r.status,
    title: r.title,
    detail: r.detail,
    callerNumber: r.caller_number,
    patientId: r.patient_id,
    patientName: r.patient_id ? (patientName.get(r.patient_id) ?? null) : null,
    callId: r.call_id,
    bookingId: r.booking_id,
    callCount: r.call_count,
    dueAt: r.due_at.toISOString(),
    claimedBy: r.status === 'claimed' ? ref(r.claimed_by) : null,
    claimedAt: r.status === 'claimed' && r.claimed_at ? r.claimed_at.toISOString() : null,
    outcome: r.outcome,
    note: r.note,
    doneBy: r.status === 'done' ? ref(r.done_by) : null,
    doneAt: r.status === 'done' && r.done_at ? r.done_at.toISOString() : null,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  }));
}
