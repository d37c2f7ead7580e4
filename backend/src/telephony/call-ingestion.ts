// Turns Vapi's call webhooks into stored calls: the call row, its status timeline, final transcript
// segments, summary, analysis, recording and outcome, and the incidents of a call (the assistant going
// silent), each write with its live events in one transaction.
//
// Status updates and end-of-call reports, most of the stored traffic after transcript lines, are
// applied by the database in one statement (`ingest_vapi_call_message`, migrations/0020): the
// TypeScript here picks the values each message offers and publishes what it returns. On a
// PostgreSQL server, those that arrive while one is being applied are applied together by the next
// statement (group commit: `ingest_vapi_call_messages`, migrations/0100; BATCH_LIMITS). Transcripts
// outside the live fast path (live-transcript.ts), tool calls and test calls apply the same rules
// in TypeScript (lockOrCreateCall, saveCall); call-rules-sql.test.ts holds the two equal.
//
// Order-proof and idempotent by construction, because webhooks arrive late, twice, or shuffled:
// - a call's status only moves forward (CALL_STATUSES order); `ended` is final;
// - a timeline entry per status keeps the earliest time it was reported;
// - values from status updates only fill empty fields; the end-of-call report's own values win;
// - live final transcripts are keyed by their content, and once a report with a transcript is
//   applied its transcript replaces them (and later live ones are ignored);
// - the outcome is recomputed from the stored facts on every write to an ended call.
// So every delivery order of the same set of webhooks leaves the same stored call.
import { sql } from 'kysely';
import {
  CALL_STATUSES,
  isCallStatusAdvance,
  sortPhoneNumber,
  type CallDirection,
  type CallOutcome,
  type CallStatus,
  type DashboardStats,
  type LiveEvent,
} from '@voxanne/protocol';
import type { Db } from '../db/database.js';
import type { CallRow } from '../db/schema.js';
import { AppError } from '../errors.js';
import type { LiveEventBus } from '../live/event-bus.js';
import { retryOnConflict, transactionWithEvents, type EventRecorder, type Tx } from '../live/event-log.js';
import { GroupCommit } from '../db/group-commit.js';
import { toCallSummary } from '../calls/call-mapping.js';
import { redact } from '../compliance/redact.js';
import { getClinicSettings } from '../compliance/clinic-settings.js';
import { raiseWorkItem } from '../work-queue/work-items.js';
import { fromMillis, toDate, type Receipt } from './ingestion-common.js';
import { liveSegmentKey, LiveTranscriptWriter, type LiveTranscriptOutcome } from './live-transcript.js';
import {
  reportContent,
  VapiConversationMessageSchema,
  type EndOfCallReport,
  type HangMessage,
  type ReportContent,
  type StatusUpdate,
  type TranscriptMessage,
  type VapiCall,
  type VapiCallType,
} from './vapi-messages.js';

/** Dashboard figures for stats.changed; injected so ingestion does not own the dashboard. */
export type StatsProvider = (tx: Tx, clinicId: string) => Promise<DashboardStats>;

export interface IngestionDeps {
  db: Db;
  bus: LiveEventBus;
  stats?: StatsProvider;
  /** Runs after a status update or report was stored (not for replays): the transfer record reads them. */
  afterStored?: (message: (StatusUpdate | EndOfCallReport) & { call: VapiCall }, receivedAt: Date) => Promise<void>;
  /** At most how many webhooks of each kind one statement stores (BATCH_LIMITS); default 1 each. */
  batches?: BatchLimits;
  /** Told how many webhooks each statement stored together. */
  onBatch?: (kind: 'transcript' | 'call', size: number) => void;
}

export type { Receipt } from './ingestion-common.js';

export class DuplicateDelivery extends Error {}

/**
 * Claims the receipt inside `tx`; throws DuplicateDelivery (rolling the transaction back) when it was
 * seen. Claimed after the call is locked: call, receipt, counter is the lock order live-transcript.ts
 * keeps too, so the two paths never wait for each other in a circle.
 */
async function claimReceipt(tx: Tx, clinicId: string, receipt: Receipt | undefined): Promise<void> {
  if (!receipt) return;
  const row = await tx
    .insertInto('webhook_receipts')
    .values({ source: 'vapi', dedupe_key: receipt.key, clinic_id: clinicId, message_type: receipt.type.slice(0, 100) })
    .onConflict((oc) => oc.columns(['source', 'dedupe_key']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!row) throw new DuplicateDelivery();
}

export interface LockedCall {
  row: CallRow;
  created: boolean;
}

const DIRECTION_BY_TYPE: Record<VapiCallType, CallDirection> = {
  inboundPhoneCall: 'inbound',
  outboundPhoneCall: 'outbound',
  webCall: 'web',
  'vapi.websocketCall': 'web',
};

const MISSED_REASONS = new Set(['customer-did-not-answer', 'customer-busy', 'voicemail', 'twilio-failed-to-connect-call']);

/** Attention is raised when the assistant goes silent this many times in one call. */
export const SILENCES_BEFORE_ATTENTION = 2;

export function directionOf(call: VapiCall): CallDirection {
  return call.type ? DIRECTION_BY_TYPE[call.type] : 'inbound';
}

export async function patientNameOf(tx: Tx | Db, row: CallRow): Promise<string | null> {
  if (!row.patient_id) return null;
  const patient = await tx.selectFrom('patients').select('name').where('id', '=', row.patient_id).executeTakeFirst();
  return patient?.name ?? null;
}

export async function summaryOf(tx: Tx | Db, row: CallRow) {
  return toCallSummary(row, await patientNameOf(tx, row));
}

// Every message of a call repeats the caller's number, and parsing one took 0.1-0.2 ms of CPU here:
// the answers for recent numbers are kept (a bounded memo, emptied when full).
const sortedNumbers = new Map<string, { valid: string | null; raw: string | null }>();
const SORTED_NUMBERS_KEPT = 4096;

/** The caller's number of a call: valid E.164, or kept raw (unverified) when it does not validate. */
export function callerNumberOf(call: VapiCall): { valid: string | null; raw: string | null } {
  const given = call.customer?.number;
  if (!given) return { valid: null, raw: null };
  let sorted = sortedNumbers.get(given);
  if (!sorted) {
    if (sortedNumbers.size >= SORTED_NUMBERS_KEPT) sortedNumbers.clear();
    sorted = sortPhoneNumber(given);
    sortedNumbers.set(given, sorted);
  }
  return sorted;
}

/** A call stored under another clinic than the one a message names: nothing is changed. */
export function clinicMismatch(): AppError {
  return new AppError('conflict', 'This call belongs to another clinic than the number or assistant the message names.');
}

/**
 * The stored call for a provider call id, locked for this transaction; created (with `call.started`)
 * when this is the first we hear of it. A call stored under another clinic is refused (clinicMismatch).
 */
export async function lockOrCreateCall(
  tx: Tx,
  events: EventRecorder,
  deps: IngestionDeps,
  clinicId: string,
  call: VapiCall,
  initialStatus: CallStatus,
  options: { isTest?: boolean } = {},
): Promise<LockedCall> {
  // Most webhooks are about a call we already have: one locking read.
  const known = await tx.selectFrom('calls').selectAll().where('provider_call_id', '=', call.id).forUpdate().executeTakeFirst();
  if (known) {
    if (known.clinic_id !== clinicId) throw clinicMismatch();
    return { row: known, created: false };
  }
  const { valid: callerNumber, raw: callerNumberRaw } = callerNumberOf(call);
  const patient = callerNumber
    ? await tx.selectFrom('patients').select('id').where('clinic_id', '=', clinicId).where('phone', '=', callerNumber).executeTakeFirst()
    : undefined;
  const inserted = await tx
    .insertInto('calls')
    .values({
      clinic_id: clinicId,
      provider_call_id: call.id,
      direction: directionOf(call),
      status: initialStatus,
      caller_number: callerNumber,
      caller_number_raw: callerNumberRaw,
      patient_id: patient?.id ?? null,
      is_test: options.isTest ?? false,
    })
    .onConflict((oc) => oc.column('provider_call_id').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) {
    events.emit(clinicId, { kind: 'call.started', data: { call: await summaryOf(tx, inserted) } });
    await emitStats(tx, events, deps, clinicId);
    return { row: inserted, created: true };
  }
  const existing = await tx.selectFrom('calls').selectAll().where('provider_call_id', '=', call.id).forUpdate().executeTakeFirstOrThrow();
  if (existing.clinic_id !== clinicId) throw clinicMismatch();
  return { row: existing, created: false };
}

async function emitStats(tx: Tx, events: EventRecorder, deps: IngestionDeps, clinicId: string): Promise<void> {
  if (!deps.stats) return;
  events.emit(clinicId, { kind: 'stats.changed', data: { stats: await deps.stats(tx, clinicId) } });
}

function durationBetween(startedAt: Date | null, endedAt: Date | null): number | null {
  if (!startedAt || !endedAt) return null;
  return Math.max(0, (endedAt.getTime() - startedAt.getTime()) / 1000);
}

/** What came of an ended call, from what is stored about it. */
export function outcomeOf(
  row: Pick<CallRow, 'direction' | 'started_at' | 'ended_reason' | 'duration_seconds' | 'analysis' | 'needs_attention'>,
  facts: { booked: boolean; forwarded: boolean; callerSpoke: boolean },
): CallOutcome {
  const reason = row.ended_reason ?? '';
  const category =
    typeof row.analysis?.structuredData === 'object' && row.analysis.structuredData !== null
      ? (row.analysis.structuredData as Record<string, unknown>).callCategory
      : undefined;
  if (facts.booked) return 'booked';
  if (category === 'spam') return 'spam';
  if (facts.forwarded || reason === 'assistant-forwarded-call') return 'transferred';
  if (MISSED_REASONS.has(reason) || (row.direction !== 'web' && row.started_at === null && reason !== '')) return 'missed';
  if (/error|failed/.test(reason)) return 'failed';
  // Hung up without saying a word (e.g. straight after the greeting).
  if (reason === 'customer-ended-call' && !facts.callerSpoke) return 'abandoned';
  return 'answered';
}

/**
 * Finishes a write to a locked call: fills the duration, recomputes the outcome of an ended call,
 * saves what changed and emits `call.status` / `call.ended` (+ stats) as the change warrants.
 */
export async function saveCall(
  tx: Tx,
  events: EventRecorder,
  deps: IngestionDeps,
  before: CallRow,
  changes: Partial<Omit<CallRow, 'id' | 'clinic_id' | 'created_at' | 'updated_at'>>,
  options: { announceEnded?: boolean } = {},
): Promise<CallRow> {
  const next = { ...before, ...changes } as CallRow;
  if (next.duration_seconds === null) next.duration_seconds = durationBetween(next.started_at, next.ended_at);
  if (next.status === 'ended') {
    // One round trip for the three facts the outcome needs.
    const facts = await sql<{ booked: boolean; forwarded: boolean; caller_spoke: boolean }>`
      select exists (select 1 from bookings where call_id = ${before.id} and status <> 'cancelled') as booked,
             exists (select 1 from call_status_changes where call_id = ${before.id} and status = 'forwarding') as forwarded,
             exists (select 1 from transcript_segments where call_id = ${before.id} and speaker = 'caller') as caller_spoke`.execute(tx);
    const row = facts.rows[0]!;
    next.outcome = outcomeOf(next, { booked: row.booked, forwarded: row.forwarded || next.needs_attention, callerSpoke: row.caller_spoke });
  }
  const changed = (Object.keys(next) as Array<keyof CallRow>).filter((k) => !sameValue(next[k], before[k]));
  if (changed.length === 0) return before;
  const saved = await tx
    .updateTable('calls')
    .set({
      status: next.status,
      caller_number: next.caller_number,
      caller_number_raw: next.caller_number_raw,
      patient_id: next.patient_id,
      is_test: next.is_test,
      started_at: next.started_at,
      ended_at: next.ended_at,
      duration_seconds: next.duration_seconds,
      ended_reason: next.ended_reason,
      outcome: next.outcome,
      summary: next.summary,
      analysis: next.analysis === null ? null : JSON.stringify(next.analysis),
      recording_url: next.recording_url,
      cost_usd: next.cost_usd,
      needs_attention: next.needs_attention,
      report_received_at: next.report_received_at,
      verified_patient_id: next.verified_patient_id,
      transfer_destination: next.transfer_destination,
      transfer_at: next.transfer_at,
      transfer_status: next.transfer_status,
      transfer_failure: next.transfer_failure,
      updated_at: new Date(),
    })
    .where('id', '=', before.id)
    .returningAll()
    .executeTakeFirstOrThrow();

  const summary = await summaryOf(tx, saved);
  const becameEnded = before.status !== 'ended' && saved.status === 'ended';
  // A transfer shows on the call's card, so its changes go out as the call's state even when the status stays.
  const transferChanged = changed.some((k) => k.startsWith('transfer_'));
  if (saved.status !== before.status || (transferChanged && saved.status !== 'ended')) {
    events.emit(saved.clinic_id, { kind: 'call.status', data: { callId: saved.id, status: saved.status, call: summary } });
  }
  if (becameEnded || (saved.status === 'ended' && (options.announceEnded || transferChanged))) {
    events.emit(saved.clinic_id, { kind: 'call.ended', data: { call: summary } });
  }
  if (becameEnded) await emitStats(tx, events, deps, saved.clinic_id);
  return saved;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (a && b && typeof a === 'object' && typeof b === 'object') return JSON.stringify(a) === JSON.stringify(b);
  return a === b;
}

function advance(current: CallStatus, reported: CallStatus): CallStatus {
  return isCallStatusAdvance(current, reported) ? reported : current;
}

/** The call a message is about, with whatever the message says about it merged in. */
function callOf(message: { call?: VapiCall | null; customer?: { number?: string | null } | null }): VapiCall | undefined {
  if (!message.call) return undefined;
  if (message.call.customer?.number || !message.customer?.number) return message.call;
  return { ...message.call, customer: { ...message.call.customer, number: message.customer.number } };
}

export class CallIngestion {
  private readonly liveLines: LiveTranscriptWriter;
  private readonly callMessages: GroupCommit<CallMessage, CallMessageAnswer>;

  constructor(private readonly deps: IngestionDeps) {
    const batches = deps.batches ?? { transcriptLines: 1, callMessages: 1 };
    this.liveLines = new LiveTranscriptWriter(deps.db, deps.bus, batches.transcriptLines, (size) => deps.onBatch?.('transcript', size));
    this.callMessages = new GroupCommit({
      maxPerBatch: batches.callMessages,
      onBatch: (size) => deps.onBatch?.('call', size),
      write: (messages) => retryOnConflict(() => ingestCallMessages(deps.db, messages)),
    });
  }

  /**
   * A status update, applied by the database in one statement (migrations/0020_call_ingestion.sql):
   * the call locked or created, the receipt, the timeline, the status moved forward, empty fields
   * filled, the outcome of an ended call, and the events.
   */
  async statusUpdate(message: StatusUpdate & { call: VapiCall }, receivedAt: Date, receipt: Receipt): Promise<CallMessageOutcome> {
    const status = CALL_STATUSES.find((s) => s === message.status);
    // `not-found`, `deletion-failed` and statuses Vapi adds later say nothing about a call we store.
    if (!status) return 'ignored';
    const call = callOf(message)!;
    const at = fromMillis(message.timestamp) ?? receivedAt;
    const fill: Record<string, unknown> = {};
    if (status === 'in-progress') fill.startedAt = toDate(call.startedAt) ?? at;
    if (status === 'ended') {
      fill.endedAt = toDate(call.endedAt) ?? at;
      fill.endedReason = message.endedReason || call.endedReason || undefined;
    }
    const outcome = await this.applyCallMessage(message, call, receipt, {
      status,
      timeline: [{ status, at }],
      fill,
      report: null,
    });
    if (outcome === 'stored') await this.deps.afterStored?.({ ...message, call }, receivedAt);
    return outcome;
  }

  /**
   * A transcript line of a call already in progress, stored by one statement with the lines that
   * arrived beside it; `not-live` → use transcript().
   */
  liveTranscript(message: TranscriptMessage, receivedAt: Date, receipt?: Receipt): Promise<LiveTranscriptOutcome> {
    return this.liveLines.store(message, receivedAt, receipt);
  }

  async transcript(clinicId: string, message: TranscriptMessage, receivedAt: Date, receipt?: Receipt): Promise<void> {
    const call = callOf(message);
    if (!call) return;
    const at = fromMillis(message.timestamp) ?? receivedAt;
    const speaker = message.role === 'user' ? 'caller' : 'assistant';
    const redacted = redact(message.transcript);
    const text =
      redacted !== message.transcript && (await getClinicSettings(this.deps.db, clinicId)).storeTranscriptsRedacted
        ? redacted
        : message.transcript;
    await transactionWithEvents(this.deps.db, this.deps.bus, async (tx, events) => {
      const { row } = await lockOrCreateCall(tx, events, this.deps, clinicId, call, 'in-progress');
      await claimReceipt(tx, clinicId, receipt);
      const status = advance(row.status, 'in-progress');
      if (message.transcriptType === 'partial') {
        // Partials are only streamed; a partial for a finished call is stale.
        const saved = await saveCall(tx, events, this.deps, row, { status });
        if (saved.status !== 'ended') {
          events.emit(clinicId, {
            kind: 'call.transcript',
            data: { callId: saved.id, speaker, transcriptType: 'partial', text, segmentId: null },
          });
        }
        return;
      }
      // Once the report's transcript is stored it is the whole truth; a late live line adds nothing.
      if (row.report_received_at === null && message.transcript.trim() !== '') {
        const dedupeKey = liveSegmentKey(message);
        // Live transcript messages carry no offset into the call; the report's turns do.
        const segment = await tx
          .insertInto('transcript_segments')
          .values({
            call_id: row.id,
            clinic_id: clinicId,
            speaker,
            text,
            offset_seconds: null,
            at,
            dedupe_key: dedupeKey,
          })
          .onConflict((oc) => oc.columns(['call_id', 'dedupe_key']).doNothing())
          .returning('id')
          .executeTakeFirst();
        if (segment) {
          events.emit(clinicId, {
            kind: 'call.transcript',
            data: { callId: row.id, speaker, transcriptType: 'final', text, segmentId: segment.id },
          });
        }
      }
      // Saved after the segment, so an ended call's outcome sees who spoke.
      await saveCall(tx, events, this.deps, row, { status });
    });
  }

  /** An end-of-call report, applied by the database in one statement, as statusUpdate is. Its values win. */
  async endOfCallReport(message: EndOfCallReport & { call: VapiCall }, receipt: Receipt): Promise<CallMessageOutcome> {
    const call = callOf(message)!;
    // Current (artifact + analysis) and legacy (top-level fields) reports read the same way.
    const content = reportContent({ ...message, call });
    const startedAt = toDate(content.startedAt);
    const endedAt = toDate(content.endedAt);
    const reportAnalysis =
      content.structuredData || content.successEvaluation !== undefined
        ? {
            ...(content.structuredData ? { structuredData: content.structuredData } : {}),
            ...(content.successEvaluation !== undefined ? { successEvaluation: content.successEvaluation } : {}),
          }
        : undefined;
    const report = {
      startedAt,
      endedAt,
      endedReason: content.endedReason,
      cost: content.cost,
      summary: content.summary,
      analysis: reportAnalysis,
      recordingUrl: content.recordingUrl,
      durationSeconds: message.durationSeconds ?? undefined,
      turns: reportTurns(content),
    };
    // A clinic storing transcripts redacted gets the report's turns and summary masked too. The clinic
    // is looked up only when there is something to mask.
    const maskedTurns = report.turns.map((turn) => ({ ...turn, text: redact(turn.text) }));
    const maskedSummary = report.summary === undefined || report.summary === null ? report.summary : redact(report.summary);
    if (
      (maskedTurns.some((turn, i) => turn.text !== report.turns[i]!.text) || maskedSummary !== report.summary) &&
      (await this.storesRedacted(message, call))
    ) {
      report.turns = maskedTurns;
      report.summary = maskedSummary;
    }
    const timeline = [
      ...(startedAt ? [{ status: 'in-progress' as const, at: startedAt }] : []),
      ...(endedAt ? [{ status: 'ended' as const, at: endedAt }] : []),
    ];
    const outcome = await this.applyCallMessage(message, call, receipt, { status: 'ended', timeline, fill: {}, report });
    if (outcome === 'stored') await this.deps.afterStored?.({ ...message, call }, new Date());
    return outcome;
  }

  /**
   * A `hang` (the assistant went silent: a slow tool or model): put on the call's timeline, and when
   * it happens again in the same call, staff are told (attention.needed) once.
   */
  async hang(clinicId: string, message: HangMessage, receivedAt: Date, receipt: Receipt): Promise<void> {
    const call = callOf(message);
    if (!call) return;
    const at = fromMillis(message.timestamp) ?? receivedAt;
    await transactionWithEvents(this.deps.db, this.deps.bus, async (tx, events) => {
      const { row } = await lockOrCreateCall(tx, events, this.deps, clinicId, call, 'in-progress');
      await claimReceipt(tx, clinicId, receipt);
      // Keyed by Vapi's timestamp, so the same hang delivered in another body is stored once.
      const dedupeKey = message.timestamp !== null ? `hang:${message.timestamp}` : `hang:${receipt.key}`;
      const stored = await tx
        .insertInto('call_incidents')
        .values({ call_id: row.id, clinic_id: clinicId, kind: 'assistant_silent', at, dedupe_key: dedupeKey })
        .onConflict((oc) => oc.columns(['call_id', 'dedupe_key']).doNothing())
        .returning('id')
        .executeTakeFirst();
      const saved = await saveCall(tx, events, this.deps, row, { status: advance(row.status, 'in-progress') });
      if (!stored) return;
      // The call row is locked, so exactly one delivery sees the count reach the threshold.
      const { silences } = await tx
        .selectFrom('call_incidents')
        .select((eb) => eb.fn.countAll<string>().as('silences'))
        .where('call_id', '=', row.id)
        .where('kind', '=', 'assistant_silent')
        .executeTakeFirstOrThrow();
      if (Number(silences) !== SILENCES_BEFORE_ATTENTION) return;
      events.emit(clinicId, {
        kind: 'attention.needed',
        data: {
          callId: saved.id,
          reason: 'assistant_silent',
          message: 'The assistant went silent more than once on this call (a slow tool or model); the caller may need help.',
          patientName: await patientNameOf(tx, saved),
          callerNumber: saved.caller_number,
        },
      });
      await raiseWorkItem(tx, events, {
        clinicId,
        causeKey: `attention:${saved.id}:assistant_silent`,
        kind: 'needs_person',
        title: 'The assistant went silent on a call',
        detail: 'The assistant went silent more than once (a slow tool or model); call the patient back.',
        callId: saved.id,
        callerNumber: saved.caller_number,
        patientId: saved.patient_id,
        now: at,
      });
    });
  }

  /** Whether the clinic the message is about stores transcripts redacted (the same resolution as place()). */
  private async storesRedacted(
    message: { phoneNumber?: { id?: string | null; number?: string | null } | null },
    call: VapiCall,
  ): Promise<boolean> {
    const { rows } = await sql<{ redacted: boolean | null }>`
      select store_transcripts_redacted as redacted from clinic_settings
      where clinic_id = coalesce(
        vapi_message_clinic(${call.phoneNumberId ?? message.phoneNumber?.id ?? null}, ${message.phoneNumber?.number ?? null}, ${call.assistantId ?? null}),
        (select clinic_id from calls where provider_call_id = ${call.id}))`.execute(this.deps.db);
    return rows[0]?.redacted === true;
  }

  private async applyCallMessage(
    message: { phoneNumber?: { id?: string | null; number?: string | null } | null },
    call: VapiCall,
    receipt: Receipt,
    change: {
      status: CallStatus;
      timeline: Array<{ status: CallStatus; at: Date }>;
      fill: Record<string, unknown>;
      report: Record<string, unknown> | null;
    },
  ): Promise<CallMessageOutcome> {
    const callerNumber = callerNumberOf(call);
    const outcome = await this.callMessages.submit({
      receiptKey: receipt.key,
      receiptType: receipt.type,
      providerCallId: call.id,
      assistantId: call.assistantId ?? null,
      numberId: call.phoneNumberId ?? message.phoneNumber?.id ?? null,
      number: message.phoneNumber?.number ?? null,
      direction: directionOf(call),
      callerNumber: callerNumber.valid,
      callerNumberRaw: callerNumber.raw,
      status: change.status,
      timeline: change.timeline,
      fill: change.fill,
      report: change.report,
      withStats: this.deps.stats !== undefined,
      now: new Date(),
    });
    if (outcome.result === 'stored' && outcome.events && outcome.events.length > 0) this.deps.bus.publish(outcome.events);
    return outcome.result;
  }
}

/** How many webhooks one statement may store together, by kind. */
export interface BatchLimits {
  transcriptLines: number;
  callMessages: number;
}

/**
 * Batch limits by database. On a PostgreSQL server, webhooks that arrive together share a round trip
 * and a commit (status updates and reports stay under PostgreSQL's 64 cached subtransactions, one
 * each: migrations/0100). Embedded PGlite has no round trip or commit flush to share, and measured
 * there (bench/webhooks) transcript lines written together cost more CPU than lines written one at
 * a time (2.46-2.61 against 2.09-2.23 ms per webhook), so it writes each webhook alone.
 */
export const BATCH_LIMITS: Record<'postgres' | 'pglite', BatchLimits> = {
  postgres: { transcriptLines: 200, callMessages: 32 },
  pglite: { transcriptLines: 1, callMessages: 1 },
};

/** A status update or report as ingest_vapi_call_message takes it (migrations/0021). */
interface CallMessage {
  receiptKey: string;
  receiptType: string;
  providerCallId: string;
  assistantId: string | null;
  numberId: string | null;
  number: string | null;
  direction: CallDirection;
  callerNumber: string | null;
  callerNumberRaw: string | null;
  status: CallStatus;
  timeline: Array<{ status: CallStatus; at: Date }>;
  fill: Record<string, unknown>;
  report: Record<string, unknown> | null;
  withStats: boolean;
  now: Date;
}

type CallMessageAnswer = { result: 'stored' | 'unknown_clinic' | 'clinic_mismatch' | 'duplicate'; events?: LiveEvent[] };

/**
 * Applies call messages in one statement: one alone through ingest_vapi_call_message, several through
 * ingest_vapi_call_messages (migrations/0100), which applies each as the first would, in order.
 */
async function ingestCallMessages(db: Db, messages: CallMessage[]): Promise<CallMessageAnswer[]> {
  // JSON drops undefined, so a value the message does not offer reaches the database as absent.
  if (messages.length > 1) {
    const { rows } = await sql<{ answers: CallMessageAnswer[] }>`
      select ingest_vapi_call_messages(${JSON.stringify(messages)}::jsonb) as answers`.execute(db);
    return rows[0]!.answers;
  }
  const m = messages[0]!;
  const json = (value: unknown) => (value === null ? null : JSON.stringify(value));
  try {
    const { rows } = await sql<{ answer: CallMessageAnswer }>`
      select ingest_vapi_call_message(
        ${m.receiptKey}, ${m.receiptType}, ${m.providerCallId}, ${m.assistantId}, ${m.numberId}, ${m.number},
        ${m.direction}, ${m.callerNumber}, ${m.callerNumberRaw},
        ${m.status}, ${json(m.timeline)}::jsonb, ${json(m.fill)}::jsonb, ${json(m.report)}::jsonb,
        ${m.withStats}, ${m.now}) as answer`.execute(db);
    return [rows[0]!.answer];
  } catch (error) {
    if ((error as { code?: string }).code === 'VXDUP') return [{ result: 'duplicate' }];
    throw error;
  }
}

/**
 * What became of a status update or report: applied, an exact replay, about no clinic we know, about a
 * call stored under another clinic than the message names, or a status we don't store.
 */
export type CallMessageOutcome = 'stored' | 'duplicate' | 'unknown_clinic' | 'clinic_mismatch' | 'ignored';

export interface ReportTurn {
  speaker: 'assistant' | 'caller';
  text: string;
  offsetSeconds: number | null;
  at: Date | undefined;
}

/** Spoken turns of a report: its messages (current or legacy), else its plain transcript. */
export function reportTurns(content: Pick<ReportContent, 'messages' | 'transcript'>): ReportTurn[] {
  const list = content.messages;
  if (list && list.length > 0) {
    return list.flatMap((raw): ReportTurn[] => {
      const parsed = VapiConversationMessageSchema.safeParse(raw);
      if (!parsed.success) return [];
      const m = parsed.data;
      const speaker = m.role === 'user' ? 'caller' : m.role === 'bot' || m.role === 'assistant' ? 'assistant' : undefined;
      const said = m.message ?? m.content;
      if (!speaker || !said || said.trim() === '') return [];
      return [{ speaker, text: said, offsetSeconds: m.secondsFromStart ?? null, at: fromMillis(m.time) }];
    });
  }
  const text = content.transcript;
  if (!text) return [];
  // "AI: ...\nUser: ..." as Vapi renders artifact.transcript.
  return text.split('\n').flatMap((line): ReportTurn[] => {
    const match = /^\s*(AI|Assistant|Bot|User|Customer)\s*:\s*(.+)$/i.exec(line);
    if (!match) return [];
    const speaker = /^(user|customer)$/i.test(match[1]!) ? 'caller' : 'assistant';
    return [{ speaker, text: match[2]!.trim(), offsetSeconds: null, at: undefined }];
  });
}
