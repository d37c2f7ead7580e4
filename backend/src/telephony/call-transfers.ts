// A call's transfer to the front desk, as stored on the call (migrations/0032, docs/transfers.md):
// the assistant's request (assistant-tools.ts), then what Vapi reports: the `forwarding` status
// update with its destination, and the end-of-call report's ended reason, destination and transfer
// results.
//
// Like the rest of ingestion this is order-proof: each fact has a rank and a transfer only moves up
// (asked for → forwarding → settled), earliest time and first destination win, and between two
// settled verdicts a failure beats "connected" (the front desk calling back once too often is the
// cheap mistake). So every delivery order of the same webhooks leaves the same transfer. A failure
// the platform reports raises attention, so the front desk knows to call the patient back.
import { maskPhoneNumber, type CallTransferFailure, type CallTransferStatus } from '@voxanne/protocol';
import type { CallRow } from '../db/schema.js';
import { transactionWithEvents, type EventRecorder, type Tx } from '../live/event-log.js';
import { lockOrCreateCall, patientNameOf, saveCall, type IngestionDeps } from './call-ingestion.js';
import { fromMillis } from './ingestion-common.js';
import { raiseWorkItem } from '../work-queue/work-items.js';
import type { EndOfCallReport, StatusUpdate, VapiCall } from './vapi-messages.js';

/** Something known about a call's transfer, from the assistant or from the platform. */
export interface TransferFact {
  status: CallTransferStatus;
  failure: CallTransferFailure | null;
  destination: string | null;
  at: Date;
}

type TransferColumns = Pick<CallRow, 'transfer_status' | 'transfer_failure' | 'transfer_destination' | 'transfer_at'>;

/** Failures the backend knows of before the platform says anything: later platform facts outrank them. */
const LOCAL_FAILURES: ReadonlySet<CallTransferFailure> = new Set(['no_number', 'no_control', 'refused']);

function rank(status: CallTransferStatus | null, failure: CallTransferFailure | null): number {
  switch (status) {
    case null:
      return 0;
    case 'requested':
      return 1;
    case 'failed':
      return failure && LOCAL_FAILURES.has(failure) ? 1 : 3;
    case 'forwarding':
      return 2;
    case 'connected':
      return 3;
  }
}

/** Between two settled platform verdicts: the more specific failure, and any failure over "connected". */
const SETTLED_ORDER: ReadonlyArray<CallTransferFailure | 'connected'> = ['no_answer', 'busy', 'caller_hung_up', 'failed', 'connected'];

/** The transfer columns after `fact`, or undefined when the fact changes nothing. */
export function mergeTransfer(current: TransferColumns, fact: TransferFact): Partial<TransferColumns> | undefined {
  const next: TransferColumns = { ...current };
  const currentRank = rank(current.transfer_status, current.transfer_failure);
  const factRank = rank(fact.status, fact.failure);
  let takeStatus = factRank > currentRank || (factRank === 1 && currentRank === 1);
  if (factRank === 3 && currentRank === 3) {
    const key = (status: CallTransferStatus | null, failure: CallTransferFailure | null) =>
      SETTLED_ORDER.indexOf(status === 'connected' ? 'connected' : (failure ?? 'failed'));
    takeStatus = key(fact.status, fact.failure) < key(current.transfer_status, current.transfer_failure);
  }
  if (takeStatus) {
    next.transfer_status = fact.status;
    next.transfer_failure = fact.status === 'failed' ? (fact.failure ?? 'failed') : null;
  }
  next.transfer_destination = current.transfer_destination ?? fact.destination;
  next.transfer_at = current.transfer_at && current.transfer_at <= fact.at ? current.transfer_at : fact.at;
  const changed = (Object.keys(next) as Array<keyof TransferColumns>).filter((k) => {
    const a = next[k];
    const b = current[k];
    return a instanceof Date && b instanceof Date ? a.getTime() !== b.getTime() : a !== b;
  });
  if (changed.length === 0) return undefined;
  return Object.fromEntries(changed.map((k) => [k, next[k]])) as Partial<TransferColumns>;
}

/** Vapi ended reasons that settle a transfer. */
const TRANSFER_ENDINGS: Readonly<Record<string, Pick<TransferFact, 'status' | 'failure'>>> = {
  'assistant-forwarded-call': { status: 'connected', failure: null },
  'call.in-progress.error-transfer-failed': { status: 'failed', failure: 'failed' },
  'call.forwarding.operator-busy': { status: 'failed', failure: 'busy' },
  'call.forwarding.no-answer': { status: 'failed', failure: 'no_answer' },
  'customer-ended-call-during-transfer': { status: 'failed', failure: 'caller_hung_up' },
  'customer-ended-call-before-warm-transfer': { status: 'failed', failure: 'caller_hung_up' },
  'customer-ended-call-after-warm-transfer-attempt': { status: 'failed', failure: 'caller_hung_up' },
};

function endingOf(endedReason: string | null | undefined): Pick<TransferFact, 'status' | 'failure'> | undefined {
  if (!endedReason) return undefined;
  if (endedReason.startsWith('call.in-progress.error-warm-transfer-')) return { status: 'failed', failure: 'failed' };
  return TRANSFER_ENDINGS[endedReason];
}

/** TransferArtifact.status → the settled verdict. */
const ARTIFACT_RESULTS: Readonly<Record<string, Pick<TransferFact, 'status' | 'failure'>>> = {
  connected: { status: 'connected', failure: null },
  completed: { status: 'connected', failure: null },
  'no-answer': { status: 'failed', failure: 'no_answer' },
  voicemail: { status: 'failed', failure: 'no_answer' },
  busy: { status: 'failed', failure: 'busy' },
  failed: { status: 'failed', failure: 'failed' },
  cancelled: { status: 'failed', failure: 'failed' },
};

function numberOf(destination: { type?: string | null; number?: string | null; sipUri?: string | null } | null | undefined): string | null {
  const value = destination?.number ?? destination?.sipUri ?? null;
  return value ? value.slice(0, 200) : null;
}

/** What a status update says about a transfer: `forwarding` (with its destination), or an ending that settles one. */
export function transferFactsOfStatusUpdate(message: StatusUpdate, receivedAt: Date): TransferFact[] {
  const at = fromMillis(message.timestamp) ?? receivedAt;
  if (message.status === 'forwarding') {
    return [{ status: 'forwarding', failure: null, destination: numberOf(message.destination), at }];
  }
  const ending = message.status === 'ended' ? endingOf(message.endedReason ?? message.call?.endedReason) : undefined;
  return ending ? [{ ...ending, destination: null, at }] : [];
}

/** What an end-of-call report says: its ended reason, its destination and the last transfer's result. */
export function transferFactsOfReport(message: EndOfCallReport, receivedAt: Date): TransferFact[] {
  const at = fromMillis(message.timestamp) ?? receivedAt;
  const destination = numberOf(message.destination ?? message.call?.destination);
  const facts: TransferFact[] = [];
  const ending = endingOf(message.endedReason ?? message.call?.endedReason);
  if (ending) facts.push({ ...ending, destination, at });
  const last = (message.artifact?.transfers ?? []).at(-1) as
    { status?: unknown; destination?: { number?: string | null; sipUri?: string | null } | null } | undefined;
  const result = typeof last?.status === 'string' ? ARTIFACT_RESULTS[last.status] : undefined;
  if (result) {
    const where = last?.destination && typeof last.destination === 'object' ? numberOf(last.destination) : null;
    facts.push({ ...result, destination: destination ?? where, at });
  }
  if (facts.length === 0 && destination) facts.push({ status: 'forwarding', failure: null, destination, at });
  return facts;
}

/** Words for the front desk: why the transfer did not happen. */
export const TRANSFER_FAILURE_TEXT: Record<CallTransferFailure, string> = {
  no_number: 'no front-desk number is set',
  no_control: 'the voice platform offered no way to put the call through',
  refused: 'the voice platform did not accept the transfer',
  no_answer: 'nobody answered',
  busy: 'the line was busy',
  caller_hung_up: 'the caller hung up while being put through',
  failed: 'the transfer failed',
};

/**
 * Applies transfer facts to the locked call row and emits what changed (the call's summary; a
 * failure the platform reports also raises attention). Returns the saved row.
 */
export async function applyTransferFacts(
  tx: Tx,
  events: EventRecorder,
  deps: IngestionDeps,
  row: CallRow,
  facts: readonly TransferFact[],
): Promise<CallRow> {
  let current = row;
  for (const fact of facts) {
    const changes = mergeTransfer(current, fact);
    if (!changes) continue;
    const becameFailed = changes.transfer_status === 'failed' && current.transfer_status !== 'failed';
    const platformFailure = becameFailed && !LOCAL_FAILURES.has(changes.transfer_failure ?? 'failed');
    current = await saveCall(tx, events, deps, current, { ...changes, ...(platformFailure ? { needs_attention: true } : {}) });
    if (becameFailed) {
      // Whoever asked, the caller did not reach a person: the front desk calls them back.
      await raiseWorkItem(tx, events, {
        clinicId: current.clinic_id,
        causeKey: `transfer-failed:${current.id}`,
        kind: 'needs_person',
        title: 'Transfer to the front desk failed',
        detail: `The transfer did not happen: ${TRANSFER_FAILURE_TEXT[current.transfer_failure ?? 'failed']}.`,
        callId: current.id,
        callerNumber: current.caller_number,
        patientId: current.patient_id,
        now: fact.at,
      });
    }
    if (platformFailure) {
      const why = TRANSFER_FAILURE_TEXT[current.transfer_failure ?? 'failed'];
      events.emit(current.clinic_id, {
        kind: 'attention.needed',
        data: {
          callId: current.id,
          reason: 'transfer_requested',
          message: `The transfer to the front desk (${maskPhoneNumber(current.transfer_destination)}) did not connect: ${why}. Call the patient back.`,
          patientName: await patientNameOf(tx, current),
          callerNumber: current.caller_number,
        },
      });
    }
  }
  return current;
}

/** Records what a stored status update or end-of-call report says about the call's transfer, if anything. */
export async function recordTransferFromWebhook(
  deps: IngestionDeps,
  message: (StatusUpdate | EndOfCallReport) & { call: VapiCall },
  receivedAt: Date,
): Promise<void> {
  const facts =
    message.type === 'status-update' ? transferFactsOfStatusUpdate(message, receivedAt) : transferFactsOfReport(message, receivedAt);
  if (facts.length === 0) return;
  await transactionWithEvents(deps.db, deps.bus, async (tx, events) => {
    const known = await tx.selectFrom('calls').select('clinic_id').where('provider_call_id', '=', message.call.id).executeTakeFirst();
    // The message itself was just stored, so its call exists; a call deleted meanwhile has nothing to record.
    if (!known) return;
    const { row } = await lockOrCreateCall(tx, events, deps, known.clinic_id, message.call, 'in-progress');
    await applyTransferFacts(tx, events, deps, row, facts);
  });
}
