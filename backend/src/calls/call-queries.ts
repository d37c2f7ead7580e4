// Reading the clinic's call history: the paged, searchable list and one call in full. Every query is
// scoped by the caller's clinic; another clinic's call is simply not found.
import { sql } from 'kysely';
import { z } from 'zod';
import type { CallDetail, CallListQuery, CallListResponse } from '@voxanne/protocol';
import type { Db } from '../db/database.js';
import { AppError } from '../errors.js';
import { assertDayRange, endOfClinicDay, startOfClinicDay } from '../clinics/clinic-days.js';
import { CALL_SUMMARY_COLUMNS, toCallSummary } from './call-mapping.js';

/**
 * The cursor names the last call of the previous page by (created_at, id), the list's sort key. The
 * timestamp travels as Postgres text so its microseconds survive (a JS Date would round them away
 * and repeat or skip calls created within the same millisecond).
 */
const CursorSchema = z.strictObject({
  at: z.string().regex(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,6})?[+-]\d\d(:\d\d)?$/),
  id: z.uuid(),
});
type Cursor = z.infer<typeof CursorSchema>;

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(value: string): Cursor {
  try {
    return CursorSchema.parse(JSON.parse(Buffer.from(value, 'base64url').toString('utf8')));
  } catch {
    throw new AppError('validation_failed', 'Invalid query: cursor is not one this server issued', [
      { path: 'cursor', message: 'use nextCursor from the previous page' },
    ]);
  }
}

/** Escapes LIKE wildcards so a search for "50%" means the text "50%". */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * Digits a caller's number could contain, from what the front desk typed: "+44 7700 900123" →
 * "447700900123"; a national "07700 900123" also matches without its trunk 0.
 */
function numberFragments(q: string): string[] {
  if (!/^[\d\s().\-/+]+$/.test(q)) return [];
  const digits = q.replace(/\D/g, '');
  if (digits.length < 3) return [];
  const withoutTrunk = digits.replace(/^0+/, '');
  return withoutTrunk !== digits && withoutTrunk.length >= 3 ? [digits, withoutTrunk] : [digits];
}

export async function listCalls(db: Db, clinicId: string, query: CallListQuery): Promise<CallListResponse> {
  assertDayRange(query.from, query.to);
  let select = db
    .selectFrom('calls')
    .leftJoin('patients', 'patients.id', 'calls.patient_id')
    .select(CALL_SUMMARY_COLUMNS.map((column) => `calls.${column}` as const))
    .select(['patients.name as patient_name', sql<string>`calls.created_at::text`.as('cursor_at')])
    .where('calls.clinic_id', '=', clinicId);

  if (query.status) select = select.where('calls.status', '=', query.status);
  if (query.direction) select = select.where('calls.direction', '=', query.direction);
  if (query.outcome) select = select.where('calls.outcome', '=', query.outcome);
  if (query.from) select = select.where('calls.created_at', '>=', startOfClinicDay(clinicId, query.from));
  if (query.to) select = select.where('calls.created_at', '<', endOfClinicDay(clinicId, query.to));
  if (query.q) {
    const pattern = likePattern(query.q);
    const numbers = numberFragments(query.q);
    select = select.where((eb) =>
      eb.or([
        eb('patients.name', 'ilike', pattern),
        eb('calls.summary', 'ilike', pattern),
        eb('calls.caller_number', 'ilike', pattern),
        ...numbers.flatMap((digits) => [
          eb('calls.caller_number', 'like', `%${digits}%`),
          eb('calls.caller_number_raw', 'like', `%${digits}%`),
        ]),
      ]),
    );
  }
  if (query.cursor) {
    const cursor = decodeCursor(query.cursor);
    select = select.where(sql<boolean>`(calls.created_at, calls.id) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)`);
  }

  const rows = await select
    .orderBy('calls.created_at', 'desc')
    .orderBy('calls.id', 'desc')
    .limit(query.limit + 1)
    .execute();
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    items: page.map((row) => toCallSummary(row, row.patient_name)),
    nextCursor: rows.length > query.limit && last ? encodeCursor({ at: last.cursor_at, id: last.id }) : null,
  };
}

export async function getCallDetail(db: Db, clinicId: string, callId: string): Promise<CallDetail> {
  const call = await db
    .selectFrom('calls')
    .leftJoin('patients', 'patients.id', 'calls.patient_id')
    .selectAll('calls')
    .select('patients.name as patient_name')
    .where('calls.id', '=', callId)
    .where('calls.clinic_id', '=', clinicId)
    .executeTakeFirst();
  if (!call) throw AppError.notFound('Call');

  const [timeline, incidents, actions, transcript, bookings] = await Promise.all([
    db
      .selectFrom('call_status_changes')
      .select(['status', 'at'])
      .where('call_id', '=', callId)
      .where('clinic_id', '=', clinicId)
      .orderBy('at')
      .execute(),
    db
      .selectFrom('call_incidents')
      .select(['kind', 'at'])
      .where('call_id', '=', callId)
      .where('clinic_id', '=', clinicId)
      .orderBy('at')
      .execute(),
    db
      .selectFrom('call_actions')
      .select(['action', 'staff_name', 'detail', 'at'])
      .where('call_id', '=', callId)
      .where('clinic_id', '=', clinicId)
      .orderBy('at')
      .execute(),
    db
      .selectFrom('transcript_segments')
      .select(['id', 'speaker', 'text', 'offset_seconds', 'at'])
      .where('call_id', '=', callId)
      .where('clinic_id', '=', clinicId)
      .orderBy('at')
      .orderBy('offset_seconds')
      .orderBy('id')
      .execute(),
    db
      .selectFrom('bookings')
      .select(['id', 'patient_name', 'starts_at', 'status'])
      .where('call_id', '=', callId)
      .where('clinic_id', '=', clinicId)
      .orderBy('starts_at')
      .execute(),
  ]);

  return {
    ...toCallSummary(call, call.patient_name),
    // Statuses, incidents and staff's actions in time order (a status first when they share a moment).
    timeline: [
      ...timeline.map((t) => ({ status: t.status, at: t.at.toISOString(), t: t.at.getTime() })),
      ...incidents.map((i) => ({ incident: i.kind, at: i.at.toISOString(), t: i.at.getTime() })),
      ...actions.map((a) => ({ action: a.action, staffName: a.staff_name, detail: a.detail, at: a.at.toISOString(), t: a.at.getTime() })),
    ]
      .sort((a, b) => a.t - b.t)
      .map(({ t: _t, ...entry }) => entry),
    transcript: transcript.map((s) => ({
      id: s.id,
      speaker: s.speaker,
      text: s.text,
      offsetSeconds: s.offset_seconds,
      at: s.at.toISOString(),
    })),
    recordingUrl: call.recording_url,
    costUsd: call.cost_usd,
    analysis: call.analysis,
    bookings: bookings.map((b) => ({ id: b.id, patientName: b.patient_name, startsAt: b.starts_at.toISOString(), status: b.status })),
  };
}
