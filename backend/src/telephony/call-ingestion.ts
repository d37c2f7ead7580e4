// Turns Vapi's call webhooks into stored calls: the call row, its status timeline, final transcript
// segments, summary, analysis, recording and outcome, each write with its live events in one
// transaction.
//
// Status updates and end-of-call reports, most of the stored traffic after transcript lines, are
// applied by the database in one statement (`ingest_vapi_call_message`, migrations/0020): the
// TypeScript here picks the values each message offers and publishes what it returns. Transcripts
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
  isCallStatusAdvance,
  type CallDirection,
  type CallOutcome,
  type CallStatus,
  type DashboardStats,
  type LiveEvent,
} from '@voxanne/protocol';
import type { Db } from '../db/database.js';
import type { CallRow } from '../db/schema.js';
import type { LiveEventBus } from '../live/event-bus.js';
import { retryOnConflict, transactionWithEvents, type EventRecorder, type Tx } from '../live/event-log.js';
import { toCallSummary } from '../calls/call-mapping.js';
import { liveSegmentKey, storeLiveTranscript, type LiveTranscriptOutcome } from './live-transcript.js';
import {
  VapiConversationMessageSchema,
  type EndOfCallReport,
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
}

/** An exact delivery of a webhook, recorded in the writing transaction so a replay changes nothing. */
export interface Receipt {
  key: string;
  type: string;
}

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

// A vendor's time outside these years is garbage, not a call: it is treated as absent. (JavaScript
// dates reach further back than PostgreSQL's, so without this a year like -4714 failed the insert.)
const EARLIEST_PLAUSIBLE = Date.UTC(2000, 0, 1);
const LATEST_PLAUSIBLE = Date.UTC(2100, 0, 1);

function plausible(d: Date): Date | undefined {
  const t = d.getTime();
  return t >= EARLIEST_PLAUSIBLE && t < LATEST_PLAUSIBLE ? d : undefined;
}

function toDate(value: string | null | undefined): Date | undefined {
  if (!value) return undefined;
  return plausible(new Date(value));
}

export function fromMillis(value: number | null | undefined): Date | undefined {
  if (value === null || value === undefined || !Number.isFinite(value)) return undefined;
  return plausible(new Date(value));
}

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

/**
 * The stored call for a provider call id, locked for this transaction; created (with `call.started`)
 * when this is the first we hear of it.
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
  if (known) return { row: known, created: false };
  const callerNumber = call.customer?.number?.slice(0, 40) ?? null;
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
  constructor(private readonly deps: IngestionDeps) {}

  /**
   * A status update, applied by the database in one statement (migrations/0020_call_ingestion.sql):
   * the call locked or created, the receipt, the timeline, the status moved forward, empty fields
   * filled, the outcome of an ended call, and the events.
   */
  async statusUpdate(message: StatusUpdate & { call: VapiCall }, receivedAt: Date, receipt: Receipt): Promise<CallMessageOutcome> {
    const call = callOf(message)!;
    const at = fromMillis(message.timestamp) ?? receivedAt;
    const fill: Record<string, unknown> = {};
    if (message.status === 'in-progress') fill.startedAt = toDate(call.startedAt) ?? at;
    if (message.status === 'ended') {
      fill.endedAt = toDate(call.endedAt) ?? at;
      fill.endedReason = message.endedReason ?? call.endedReason ?? undefined;
    }
    const outcome = await this.applyCallMessage(message, call, receipt, {
      status: message.status,
      timeline: [{ status: message.status, at }],
      fill,
      report: null,
    });
    if (outcome === 'stored') await this.deps.afterStored?.({ ...message, call }, receivedAt);
    return outcome;
  }

  /** A transcript line of a call already in progress, in one statement; `not-live` → use transcript(). */
  liveTranscript(message: TranscriptMessage, receivedAt: Date, receipt?: Receipt): Promise<LiveTranscriptOutcome> {
    return storeLiveTranscript(this.deps.db, this.deps.bus, message, receivedAt, receipt);
  }

  async transcript(clinicId: string, message: TranscriptMessage, receivedAt: Date, receipt?: Receipt): Promise<void> {
    const call = callOf(message);
    if (!call) return;
    const at = fromMillis(message.timestamp) ?? receivedAt;
    const speaker = message.role === 'user' ? 'caller' : 'assistant';
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
            data: { callId: saved.id, speaker, transcriptType: 'partial', text: message.transcript, segmentId: null },
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
            text: message.transcript,
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
            data: { callId: row.id, speaker, transcriptType: 'final', text: message.transcript, segmentId: segment.id },
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
    const artifact = message.artifact ?? undefined;
    const analysis = message.analysis ?? undefined;
    const startedAt = toDate(message.startedAt) ?? toDate(call.startedAt);
    const endedAt = toDate(message.endedAt) ?? toDate(call.endedAt);
    const reportAnalysis =
      analysis && (analysis.structuredData || analysis.successEvaluation !== undefined)
        ? {
            ...(analysis.structuredData ? { structuredData: analysis.structuredData } : {}),
            ...(analysis.successEvaluation !== undefined && analysis.successEvaluation !== null
              ? { successEvaluation: analysis.successEvaluation }
              : {}),
          }
        : undefined;
    const report = {
      startedAt,
      endedAt,
      endedReason: message.endedReason ?? call.endedReason ?? undefined,
      cost: message.cost ?? call.cost ?? undefined,
      summary: analysis?.summary ?? message.summary ?? undefined,
      analysis: reportAnalysis,
      recordingUrl: artifact?.recording?.mono?.combinedUrl ?? artifact?.recordingUrl ?? message.recordingUrl ?? undefined,
      durationSeconds: message.durationSeconds ?? undefined,
      turns: reportTurns(message),
    };
    const timeline = [
      ...(startedAt ? [{ status: 'in-progress' as const, at: startedAt }] : []),
      ...(endedAt ? [{ status: 'ended' as const, at: endedAt }] : []),
    ];
    const outcome = await this.applyCallMessage(message, call, receipt, { status: 'ended', timeline, fill: {}, report });
    if (outcome === 'stored') await this.deps.afterStored?.({ ...message, call }, new Date());
    return outcome;
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
    // JSON drops undefined, so a value the message does not offer reaches the database as absent.
    const json = (value: unknown) => (value === null ? null : JSON.stringify(value));
    const outcome = await retryOnConflict(async () => {
      try {
        const { rows } = await sql<{ outcome: { result: 'stored' | 'unknown_clinic'; events?: LiveEvent[] } }>`
          select ingest_vapi_call_message(
            ${receipt.key}, ${receipt.type}, ${call.id}, ${call.assistantId ?? null},
            ${call.phoneNumberId ?? message.phoneNumber?.id ?? null}, ${message.phoneNumber?.number ?? null},
            ${directionOf(call)}, ${call.customer?.number?.slice(0, 40) ?? null},
            ${change.status}, ${json(change.timeline)}::jsonb, ${json(change.fill)}::jsonb, ${json(change.report)}::jsonb,
            ${this.deps.stats !== undefined}, ${new Date()}) as outcome`.execute(this.deps.db);
        return rows[0]!.outcome;
      } catch (error) {
        if ((error as { code?: string }).code === 'VXDUP') return { result: 'duplicate' as const };
        throw error;
      }
    });
    if (outcome.result === 'stored' && outcome.events && outcome.events.length > 0) this.deps.bus.publish(outcome.events);
    return outcome.result;
  }
}

/** What became of a status update or report: applied, an exact replay, or about no clinic we know. */
export type CallMessageOutcome = 'stored' | 'duplicate' | 'unknown_clinic';

export interface ReportTurn {
  speaker: 'assistant' | 'caller';
  text: string;
  offsetSeconds: number | null;
  at: Date | undefined;
}

/** Spoken turns of a report: `artifact.messages`, else the legacy `messages`, else the plain transcript. */
export function reportTurns(message: EndOfCallReport): ReportTurn[] {
  const list = message.artifact?.messages ?? message.messages;
  if (list && list.length > 0) {
    return list.flatMap((raw): ReportTurn[] => {
      const parsed = VapiConversationMessageSchema.safeParse(raw);
      if (!parsed.success) return [];
      const m = parsed.data;
      const speaker = m.role === 'user' ? 'caller' : m.role === 'bot' || m.role === 'assistant' ? 'assistant' : undefined;
      if (!speaker || !m.message || m.message.trim() === '') return [];
      return [{ speaker, text: m.message, offsetSeconds: m.secondsFromStart ?? null, at: fromMillis(m.time) }];
    });
  }
  const text = message.artifact?.transcript ?? message.transcript;
  if (!text) return [];
  // "AI: ...\nUser: ..." as Vapi renders artifact.transcript.
  return text.split('\n').flatMap((line): ReportTurn[] => {
    const match = /^\s*(AI|Assistant|Bot|User|Customer)\s*:\s*(.+)$/i.exec(line);
    if (!match) return [];
    const speaker = /^(user|customer)$/i.test(match[1]!) ? 'caller' : 'assistant';
    return [{ speaker, text: match[2]!.trim(), offsetSeconds: null, at: undefined }];
  });
}
