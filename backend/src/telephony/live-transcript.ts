// Transcript lines of a call that is already in progress, stored and announced in ONE statement.
//
// Transcript webhooks are most of what Vapi sends (a partial for every few words, a final per turn),
// and for a live call each changes nothing but a segment and the event log. The general path
// (CallIngestion.transcript) spends a clinic lookup, BEGIN, a receipt, a locking read, the segment,
// the events and COMMIT on it: seven round trips. Here one statement does the same work for the
// common case and reports `not-live` for everything else (unknown call, not yet or no longer in
// progress, report already stored, blank line, a number or assistant of another clinic than the
// stored call's), which the caller then sends down the general path.
//
// Same guarantees as the general path:
// - the call row is read FOR SHARE, so a concurrent writer ending the call either commits first (the
//   row then no longer matches and nothing is written) or waits for this statement; a line is never
//   announced after its call's `call.ended`. Rows are locked in the general path's order (call,
//   receipt, counter), so the two paths cannot deadlock each other;
// - the receipt makes an exact replay a `duplicate`; the segment's dedupe key makes the same line
//   delivered in another body a no-op, as there;
// - the event's seq comes from the clinic's counter row in the same statement, and the event is
//   published only once the statement has committed.
import { createHash, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { LiveEvent } from '@voxanne/protocol';
import type { Db } from '../db/database.js';
import type { LiveEventBus } from '../live/event-bus.js';
import { fromMillis, type Receipt } from './ingestion-common.js';
import type { TranscriptMessage } from './vapi-messages.js';
import { redact } from '../compliance/redact.js';

export type LiveTranscriptOutcome = 'stored' | 'duplicate' | 'not-live';

/** Statuses in which a transcript line changes nothing about the call itself. */
const LIVE = sql`('in-progress', 'forwarding')`;

/** The segment's dedupe key, shared with the general path so either path recognises the other's lines. */
export function liveSegmentKey(message: TranscriptMessage): string {
  return `live:${createHash('sha256')
    .update(`${message.role}\n${message.timestamp ?? ''}\n${message.transcript}`)
    .digest('hex')}`;
}

export async function storeLiveTranscript(
  db: Db,
  bus: LiveEventBus,
  message: TranscriptMessage,
  receivedAt: Date,
  receipt: Receipt | undefined,
): Promise<LiveTranscriptOutcome> {
  const providerCallId = message.call?.id;
  if (!providerCallId) return 'not-live';
  // A line with something a clinic may store redacted (a card number, a date, an email) takes the
  // general path, which knows the clinic and its settings before anything is stored or streamed.
  if (redact(message.transcript) !== message.transcript) return 'not-live';
  const speaker = message.role === 'user' ? 'caller' : 'assistant';
  const at = fromMillis(message.timestamp) ?? receivedAt;
  // The stored call is used only when the clinic the message names (vapi_message_clinic) is its own.
  const sameClinic = sql`coalesce(vapi_message_clinic(${message.call?.phoneNumberId ?? message.phoneNumber?.id ?? null}, ${
    message.phoneNumber?.number ?? null
  }, ${message.call?.assistantId ?? null}), clinic_id) = clinic_id`;
  const event: TranscriptEvent = {
    id: randomUUID(),
    at: new Date(),
    speaker,
    transcriptType: message.transcriptType,
    text: message.transcript,
  };

  if (message.transcriptType === 'partial') {
    // Partials are streamed, never stored: only the event.
    const { rows } = await sql<{ call_id: string; clinic_id: string; seq: string | number }>`
      with target as (
        select id as call_id, clinic_id, null::uuid as segment_id from calls
        where provider_call_id = ${providerCallId} and status in ${LIVE} and ${sameClinic}
        for share
      ), ${eventCtes('target', event)}
      select target.call_id, counter.clinic_id, counter.last_seq as seq from target, counter`.execute(db);
    const row = rows[0];
    if (!row) return 'not-live';
    publish(bus, event, row, { callId: row.call_id, segmentId: null });
    return 'stored';
  }

  if (message.transcript.trim() === '' || !receipt) return 'not-live';
  const { rows } = await sql<{
    live: number;
    fresh: number;
    segment_id: string | null;
    call_id: string | null;
    clinic_id: string | null;
    seq: string | number | null;
  }>`
    with target as (
      select id, clinic_id from calls
      where provider_call_id = ${providerCallId} and status in ${LIVE} and report_received_at is null and ${sameClinic}
      for share
    ), receipt as (
      insert into webhook_receipts (source, dedupe_key, clinic_id, message_type)
      select 'vapi', ${receipt.key}, clinic_id, ${receipt.type.slice(0, 100)} from target
      on conflict (source, dedupe_key) do nothing
      returning id
    ), segment as (
      insert into transcript_segments (call_id, clinic_id, speaker, text, offset_seconds, at, dedupe_key)
      select target.id, target.clinic_id, ${speaker}, ${message.transcript}, null, ${at}, ${liveSegmentKey(message)}
      from target where exists (select 1 from receipt)
      on conflict (call_id, dedupe_key) do nothing
      returning id as segment_id, call_id, clinic_id
    ), ${eventCtes('segment', event)}
    select (select count(*) from target)::int as live, (select count(*) from receipt)::int as fresh,
           segment.segment_id, segment.call_id, segment.clinic_id, counter.last_seq as seq
    from (select 1) as one left join segment on true left join counter on true`.execute(db);
  const row = rows[0]!;
  if (row.live === 0) return 'not-live';
  if (row.fresh === 0) return 'duplicate';
  // A line already stored from another delivery of it: acknowledged, nothing new to announce.
  if (row.segment_id === null || row.seq === null) return 'stored';
  publish(bus, event, { clinic_id: row.clinic_id!, seq: row.seq }, { callId: row.call_id!, segmentId: row.segment_id });
  return 'stored';
}

interface TranscriptEvent {
  id: string;
  at: Date;
  speaker: 'assistant' | 'caller';
  transcriptType: 'partial' | 'final';
  text: string;
}

/**
 * The `counter` and `inserted` CTEs: for the row of `source` (call_id, clinic_id, segment_id), the
 * clinic's next seq and the call.transcript event numbered with it. None when `source` is empty.
 */
function eventCtes(source: 'target' | 'segment', event: TranscriptEvent) {
  const from = sql.id(source);
  return sql`counter as (
      insert into clinic_event_counters (clinic_id, last_seq) select clinic_id, 1 from ${from}
      on conflict (clinic_id) do update set last_seq = clinic_event_counters.last_seq + 1
      returning clinic_id, last_seq
    ), inserted as (
      insert into events (id, clinic_id, seq, at, kind, data)
      select ${event.id}, counter.clinic_id, counter.last_seq, ${event.at}, 'call.transcript',
             jsonb_build_object('callId', ${from}.call_id, 'speaker', ${event.speaker}::text, 'transcriptType', ${event.transcriptType}::text,
                                'text', ${event.text}::text, 'segmentId', ${from}.segment_id)
      from counter, ${from}
      returning seq
    )`;
}

function publish(
  bus: LiveEventBus,
  event: TranscriptEvent,
  row: { clinic_id: string; seq: string | number },
  ids: { callId: string; segmentId: string | null },
): void {
  const data = {
    callId: ids.callId,
    speaker: event.speaker,
    transcriptType: event.transcriptType,
    text: event.text,
    segmentId: ids.segmentId,
  };
  bus.publish([
    { id: event.id, clinicId: row.clinic_id, seq: Number(row.seq), at: event.at.toISOString(), kind: 'call.transcript', data } as LiveEvent,
  ]);
}
