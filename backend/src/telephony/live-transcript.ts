// Transcript lines of a call that is already in progress, stored and announced by ONE statement for
// all the lines that arrived together (group commit).
//
// Transcript webhooks are most of what Vapi sends (a partial for every few words, a final per turn),
// and for a live call each changes nothing but a segment and the event log. The general path
// (CallIngestion.transcript) spends a clinic lookup, BEGIN, a receipt, a locking read, the segment,
// the events and COMMIT on it: seven round trips. Here a line that arrives while nothing is being
// written goes at once, alone; lines that arrive while a statement runs wait for it, and the next
// statement stores all of them: one round trip, one commit and one counter update per clinic for the
// lot. The statement reports `not-live` for a line it cannot store (unknown call, not yet or no longer
// in progress, report already stored, a number or assistant of another clinic than the stored
// call's), which the caller then sends down the general path; so does a blank final line, and a line
// with something a clinic may store redacted, without waiting.
//
// Same guarantees as the general path:
// - the call rows are read FOR SHARE, so a concurrent writer ending a call either commits first (the
//   row then no longer matches and nothing is written) or waits for this statement; a line is never
//   announced after its call's `call.ended`. Rows are locked in the general path's order (calls,
//   receipts, counters), the calls in id order and the counters in clinic order, so neither two
//   statements of this kind nor one of them and the general path wait for each other in a circle;
// - the receipt makes an exact replay a `duplicate`, also when both deliveries are in one batch; the
//   segment's dedupe key makes the same line delivered in another body a no-op, as there;
// - a clinic's events take consecutive seqs from its counter row in the order the lines arrived, and
//   are published only once the statement has committed.
import { createHash, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { LiveEvent } from '@voxanne/protocol';
import type { Db } from '../db/database.js';
import type { LiveEventBus } from '../live/event-bus.js';
import { GroupCommit } from '../db/group-commit.js';
import { retryOnConflict } from '../live/event-log.js';
import { fromMillis, type Receipt } from './ingestion-common.js';
import type { TranscriptMessage } from './vapi-messages.js';
import { redact } from '../compliance/redact.js';

export type LiveTranscriptOutcome = 'stored' | 'duplicate' | 'not-live';

/** The segment's dedupe key, shared with the general path so either path recognises the other's lines. */
export function liveSegmentKey(message: TranscriptMessage): string {
  return `live:${createHash('sha256')
    .update(`${message.role}\n${message.timestamp ?? ''}\n${message.transcript}`)
    .digest('hex')}`;
}

/** One line as the statement takes it; its event's id and time are fixed before it is written. */
interface LiveLine {
  providerCallId: string;
  numberId: string | null;
  number: string | null;
  assistantId: string | null;
  speaker: 'assistant' | 'caller';
  transcriptType: 'partial' | 'final';
  text: string;
  at: Date;
  /** Finals only: the segment's dedupe key and the webhook's receipt. */
  segmentKey: string | null;
  receipt: Receipt | null;
  eventId: string;
  eventAt: Date;
}

/**
 * Stores live transcript lines, each statement taking every line that arrived while the one before
 * it ran (db/group-commit.ts). One per backend (its queue is the batch).
 */
export class LiveTranscriptWriter {
  private readonly lines: GroupCommit<LiveLine, LiveTranscriptOutcome>;

  constructor(db: Db, bus: LiveEventBus, linesPerStatement: number, onBatch?: (lines: number) => void) {
    this.lines = new GroupCommit({
      maxPerBatch: linesPerStatement,
      onBatch,
      // A line that repeats the receipt or the segment of a line already taken waits for the next
      // statement (it will find that line stored: a duplicate, or nothing new to announce), so that
      // within a statement every receipt and segment is new and the database sorts nothing out.
      keysOf: (line) => (line.receipt ? [`receipt:${line.receipt.key}`, `segment:${line.providerCallId}:${line.segmentKey}`] : []),
      async write(lines) {
        const written = await retryOnConflict(() => writeLines(db, lines));
        // Published clinic by clinic, each clinic's events in seq order (what the bus takes).
        const byClinic = new Map<string, LiveEvent[]>();
        for (const { event } of written) if (event) byClinic.set(event.clinicId, [...(byClinic.get(event.clinicId) ?? []), event]);
        for (const events of byClinic.values()) bus.publish(events);
        return written.map(({ outcome }) => outcome);
      },
    });
  }

  async store(message: TranscriptMessage, receivedAt: Date, receipt: Receipt | undefined): Promise<LiveTranscriptOutcome> {
    const line = liveLineOf(message, receivedAt, receipt);
    return line ? this.lines.submit(line) : 'not-live';
  }
}

interface WrittenLine {
  outcome: LiveTranscriptOutcome;
  /** The line's call.transcript event, when it made one. */
  event?: LiveEvent;
}

/** The line a message makes, or none when it must take the general path. */
function liveLineOf(message: TranscriptMessage, receivedAt: Date, receipt: Receipt | undefined): LiveLine | undefined {
  const providerCallId = message.call?.id;
  if (!providerCallId) return undefined;
  // A line with something a clinic may store redacted (a card number, a date, an email) takes the
  // general path, which knows the clinic and its settings before anything is stored or streamed.
  if (redact(message.transcript) !== message.transcript) return undefined;
  const final = message.transcriptType === 'final';
  if (final && (message.transcript.trim() === '' || !receipt)) return undefined;
  return {
    providerCallId,
    numberId: message.call?.phoneNumberId ?? message.phoneNumber?.id ?? null,
    number: message.phoneNumber?.number ?? null,
    assistantId: message.call?.assistantId ?? null,
    speaker: message.role === 'user' ? 'caller' : 'assistant',
    transcriptType: final ? 'final' : 'partial',
    text: message.transcript,
    at: fromMillis(message.timestamp) ?? receivedAt,
    segmentKey: final ? liveSegmentKey(message) : null,
    receipt: final ? receipt! : null,
    eventId: randomUUID(),
    eventAt: new Date(),
  };
}

/**
 * One statement for `lines` (no two with the same receipt or segment): lock their calls, claim the
 * finals' receipts, insert their segments, bump each clinic's counter once and insert the events
 * numbered from it. A partial is only streamed (an event, no segment); the stored call is used only
 * when the clinic the line names (vapi_message_clinic) is its own. Rows come back for the lines
 * that were live only.
 */
async function writeLines(db: Db, lines: LiveLine[]): Promise<WrittenLine[]> {
  const column = <T>(pick: (line: LiveLine) => T) => lines.map(pick);
  const { rows } = await sql<{
    ordinal: string | number;
    fresh: boolean;
    call_id: string;
    clinic_id: string;
    segment_id: string | null;
    seq: string | number | null;
  }>`
    with line as (
      select * from unnest(
        ${column((l) => l.providerCallId)}::text[], ${column((l) => l.numberId)}::text[], ${column((l) => l.number)}::text[],
        ${column((l) => l.assistantId)}::text[], ${column((l) => l.speaker)}::text[], ${column((l) => l.transcriptType)}::text[],
        ${column((l) => l.text)}::text[], ${column((l) => l.at)}::timestamptz[], ${column((l) => l.segmentKey)}::text[],
        ${column((l) => l.receipt?.key ?? null)}::text[], ${column((l) => l.receipt?.type.slice(0, 100) ?? null)}::text[],
        ${column((l) => l.eventId)}::uuid[], ${column((l) => l.eventAt)}::timestamptz[]
      ) with ordinality as l(provider_call_id, number_id, number, assistant_id, speaker, transcript_type, text, at,
                             segment_key, receipt_key, receipt_type, event_id, event_at, ordinal)
    ), target as (
      select id, clinic_id, provider_call_id, report_received_at from calls
      where provider_call_id = any(${column((l) => l.providerCallId)}::text[]) and status in ('in-progress', 'forwarding')
      order by id
      for share
    ), live_line as (
      select line.*, target.id as call_id, target.clinic_id
      from line join target using (provider_call_id)
      where (line.transcript_type = 'partial' or target.report_received_at is null)
        and coalesce(vapi_message_clinic(line.number_id, line.number, line.assistant_id), target.clinic_id) = target.clinic_id
    ), receipt as (
      insert into webhook_receipts (source, dedupe_key, clinic_id, message_type)
      select 'vapi', receipt_key, clinic_id, receipt_type from live_line where transcript_type = 'final'
      on conflict (source, dedupe_key) do nothing
      returning dedupe_key
    ), segment as (
      insert into transcript_segments (call_id, clinic_id, speaker, text, offset_seconds, at, dedupe_key)
      select call_id, clinic_id, speaker, text, null, at, segment_key from live_line
      where receipt_key in (select dedupe_key from receipt)
      on conflict (call_id, dedupe_key) do nothing
      returning id, call_id, dedupe_key
    ), announced as (
      select live_line.ordinal, live_line.call_id, live_line.clinic_id, segment.id as segment_id
      from live_line left join segment on segment.call_id = live_line.call_id and segment.dedupe_key = live_line.segment_key
      where live_line.transcript_type = 'partial' or segment.id is not null
    ), counter as (
      insert into clinic_event_counters (clinic_id, last_seq)
      select clinic_id, count(*) from announced group by clinic_id order by clinic_id
      on conflict (clinic_id) do update set last_seq = clinic_event_counters.last_seq + excluded.last_seq
      returning clinic_id, last_seq
    ), event as (
      select announced.*,
             counter.last_seq - count(*) over clinic + row_number() over (clinic order by announced.ordinal) as seq
      from announced join counter using (clinic_id)
      window clinic as (partition by announced.clinic_id)
    ), inserted as (
      insert into events (id, clinic_id, seq, at, kind, data)
      select line.event_id, event.clinic_id, event.seq, line.event_at, 'call.transcript',
             jsonb_build_object('callId', event.call_id, 'speaker', line.speaker, 'transcriptType', line.transcript_type,
                                'text', line.text, 'segmentId', event.segment_id)
      from event join line using (ordinal)
    )
    select live_line.ordinal, live_line.receipt_key is null or live_line.receipt_key in (select dedupe_key from receipt) as fresh,
           live_line.call_id, live_line.clinic_id, event.segment_id, event.seq
    from live_line left join event using (ordinal)`.execute(db);
  const written = new Map(rows.map((row) => [Number(row.ordinal), row]));
  return lines.map((line, i): WrittenLine => {
    const row = written.get(i + 1);
    if (!row) return { outcome: 'not-live' };
    if (!row.fresh) return { outcome: 'duplicate' };
    // A final already stored from another delivery of it is acknowledged with nothing new to announce.
    if (row.seq === null) return { outcome: 'stored' };
    const data = {
      callId: row.call_id,
      speaker: line.speaker,
      transcriptType: line.transcriptType,
      text: line.text,
      segmentId: row.segment_id,
    };
    const event = {
      id: line.eventId,
      clinicId: row.clinic_id,
      seq: Number(row.seq),
      at: line.eventAt.toISOString(),
      kind: 'call.transcript',
      data,
    } as LiveEvent;
    return { outcome: 'stored', event };
  });
}
