// What is stored about one call, without ids and bookkeeping times, so two ways of delivering the same
// webhooks can be compared: the call's facts, its timeline (statuses and incidents), its transcript,
// its bookings and the attention items raised about it.
import type { Db } from '../../src/db/database.js';

export type TimelineItem = string | { incident: string; at: string };

export interface CallSnapshot {
  facts: Record<string, unknown>;
  timeline: TimelineItem[];
  /** Each status with the time it was first reported. */
  statusTimes: Record<string, string>;
  segments: Array<{ speaker: string; text: string; offset_seconds: number | null; at: Date }>;
  bookings: Array<Record<string, unknown>>;
  /** Reasons of the attention.needed events about the call, in order (one per event). */
  attention: string[];
}

export async function callSnapshot(db: Db, providerCallId: string): Promise<CallSnapshot | undefined> {
  const call = await db.selectFrom('calls').selectAll().where('provider_call_id', '=', providerCallId).executeTakeFirst();
  if (!call) return undefined;
  const [statuses, incidents, segments, bookings, attention] = await Promise.all([
    db.selectFrom('call_status_changes').select(['status', 'at']).where('call_id', '=', call.id).execute(),
    db.selectFrom('call_incidents').select(['kind', 'at']).where('call_id', '=', call.id).execute(),
    db
      .selectFrom('transcript_segments')
      .select(['speaker', 'text', 'offset_seconds', 'at'])
      .where('call_id', '=', call.id)
      .orderBy('at')
      .orderBy('dedupe_key')
      .execute(),
    db
      .selectFrom('bookings')
      .select(['patient_name', 'patient_phone', 'patient_phone_raw', 'starts_at', 'ends_at', 'status', 'service', 'notes'])
      .where('call_id', '=', call.id)
      .orderBy('starts_at')
      .execute(),
    db.selectFrom('events').select(['data']).where('kind', '=', 'attention.needed').orderBy('seq').execute(),
  ]);
  const timeline = [
    ...statuses.map((s) => ({ item: s.status as TimelineItem, t: s.at.getTime(), order: 0 })),
    ...incidents.map((i) => ({ item: { incident: i.kind, at: i.at.toISOString() } as TimelineItem, t: i.at.getTime(), order: 1 })),
  ]
    .sort((a, b) => a.t - b.t || a.order - b.order)
    .map((entry) => entry.item);
  const { id: _id, clinic_id: _clinic, created_at: _c, updated_at: _u, report_received_at: _r, patient_id, ...facts } = call;
  return {
    facts: { ...facts, hasPatient: patient_id !== null },
    timeline,
    statusTimes: Object.fromEntries(statuses.map((s) => [s.status, s.at.toISOString()])),
    segments,
    bookings,
    attention: attention
      .map((e) => e.data as { callId: string | null; reason: string })
      .filter((d) => d.callId === call.id)
      .map((d) => d.reason),
  };
}
