// What a stored status update or end-of-call report sets off besides itself: the call's transfer, its
// monitor URLs, and the work queue (a missed call raised, an assistant's call-back settled).
//
// Most messages set off nothing, and they are most of the webhooks, so what each follow-up needs is
// decided from one read of the stored call; only a follow-up that can apply opens a transaction
// (which reads again what it changes). The read comes after the message committed, so it sees the
// message's own change; a later message that changes the call has its own follow-ups, so a follow-up
// skipped here is never one the call's final state needed.
import type { Logger } from '../logging/logger.js';
import { recordCallbackResult } from '../work-queue/callback-results.js';
import { callSettled, isMissedCall, recordMissedCall } from '../work-queue/missed-calls.js';
import type { MissedCallTextBack } from '../work-queue/text-back.js';
import { recordCallMonitors, type EndedCallReader, type MonitorPolicy } from './call-monitors.js';
import type { IngestionDeps } from './call-ingestion.js';
import { recordTransferFromWebhook } from './call-transfers.js';
import type { EndOfCallReport, StatusUpdate, VapiCall } from './vapi-messages.js';

export interface StoredMessageFollowUpDeps extends Omit<IngestionDeps, 'afterStored'> {
  logger: Logger;
  monitorPolicy: MonitorPolicy;
  textBack: Pick<MissedCallTextBack, 'queue'>;
  endedCalls: Pick<EndedCallReader, 'read'>;
}

/**
 * Runs the follow-ups of a message that was just stored. The message itself is stored by then: a
 * failure here is logged, never turned into a refusal of the webhook.
 */
export async function followUpStoredMessage(
  deps: StoredMessageFollowUpDeps,
  message: (StatusUpdate | EndOfCallReport) & { call: VapiCall },
  receivedAt: Date,
): Promise<void> {
  const { logger } = deps;
  // First, as it may change the call the others read (a transfer is an outcome).
  await recordTransferFromWebhook(deps, message, receivedAt).catch((err: unknown) =>
    logger.error({ err, type: message.type }, 'recording the call’s transfer failed'),
  );
  // Only a message that ends the call can settle it (a missed call, a call-back's result), and only
  // one with monitor URLs has any to keep: for the others, nothing here can apply.
  const ends = message.type === 'end-of-call-report' || message.status === 'ended';
  if (!ends && !message.call.monitor?.controlUrl && !message.call.monitor?.listenUrl) return;
  // A message that ends the call forgets its monitor URLs in the same round trip as the read.
  const read = ends
    ? deps.endedCalls.read(message.call.id)
    : deps.db.selectFrom('calls').selectAll().where('provider_call_id', '=', message.call.id).executeTakeFirst();
  // The error names no URL (a database error about the statement, its values not included).
  const call = await read.catch((err: unknown) => {
    logger.error({ errCode: (err as { code?: unknown }).code, type: message.type }, 'reading the stored call for its follow-ups failed');
    return undefined;
  });
  // Deleted meanwhile (an erasure): nothing is left to follow up.
  if (!call) return;
  if (!ends) {
    await recordCallMonitors(deps.db, deps.monitorPolicy, message, call).catch((err: unknown) =>
      logger.error({ errCode: (err as { code?: unknown }).code, type: message.type }, 'keeping the call’s monitor URLs failed'),
    );
  }
  if (isMissedCall(call)) {
    const missed = await recordMissedCall(deps, message.call.id).catch((err: unknown) => {
      logger.error({ err, type: message.type }, 'recording the missed call in the work queue failed');
      return undefined;
    });
    if (missed) deps.textBack.queue(missed.item, missed.missedAt);
  }
  if (call.direction === 'outbound' && callSettled(call)) {
    await recordCallbackResult(deps, message.call.id).catch((err: unknown) =>
      logger.error({ err, type: message.type }, 'recording the call-back’s result in the work queue failed'),
    );
  }
}
