// What each Vapi server message does once the route has verified and read it: find the clinic it is
// about, store it (call-ingestion.ts), answer it (the assistant's tools, the assistant for a ringing
// number), or acknowledge it.
//
// The clinic comes from what we stored, never from the body's say-so: the owner of the message's phone
// number (what a clinic owns), else of its assistant, else the stored call's clinic
// (`vapi_message_clinic`, migrations/0021, now as in 0090, is the one definition). A message whose number or
// assistant belongs to another clinic than its stored call changes nothing (409).
//
// Only `assistant-request` and `tool-calls` need an answer, and Vapi acts only on a 200 to them, so
// those are always answered 200: an error Vapi should speak or hand to the model is in the body.
// Everything else is acknowledged with a 2xx unless it names a call we cannot place.
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import { getAgent } from '../agent/agent-service.js';
import { clinicMismatch, DuplicateDelivery, type CallIngestion, type CallMessageOutcome } from './call-ingestion.js';
import type { AssistantTools, ToolResult } from './assistant-tools.js';
import type { Receipt } from './ingestion-common.js';
import type { VapiAssistantSync } from './vapi-assistant-sync.js';
import { toolCallsOf, type ToolCallsMessage, type VapiServerMessage } from './vapi-messages.js';

export interface VapiWebhookServiceDeps {
  db: Db;
  logger: Logger;
  ingestion: CallIngestion;
  tools: AssistantTools;
  assistantSync: Pick<VapiAssistantSync, 'payload'>;
}

/** The 200 body to send, and what became of the message (the `outcome` label of webhook metrics). */
export interface WebhookAnswer {
  body: Record<string, unknown>;
  outcome: string;
}

/** Spoken to a caller whose call reached a number no clinic here owns (Vapi speaks `error`). */
export const NOT_OUR_NUMBER =
  'Sorry, this number is not taking calls at the moment. Please try again later or contact the clinic another way.';
const NOT_OUR_CALL = 'This call is not connected to a clinic; the tool was not run.';

type Placement = { clinicId: string } | { refused: 'unknown_clinic' | 'clinic_mismatch' };

const unknownClinic = () => new AppError('not_found', 'No clinic here owns this call, assistant or phone number.');

export class VapiWebhookService {
  constructor(private readonly deps: VapiWebhookServiceDeps) {}

  /** Whether a message of this kind is stored (and so gets a receipt that makes an exact replay a no-op). */
  static isStored(message: VapiServerMessage): boolean {
    return (
      message.type === 'status-update' ||
      message.type === 'end-of-call-report' ||
      message.type === 'hang' ||
      (message.type === 'transcript' && message.transcriptType === 'final')
    );
  }

  /** The clinic a message is about (see the file header); one round trip. */
  async place(message: VapiServerMessage): Promise<Placement> {
    const call = message.call ?? undefined;
    const { rows } = await sql<{ named: string | null; stored: string | null }>`
      select vapi_message_clinic(${call?.phoneNumberId ?? message.phoneNumber?.id ?? null}, ${message.phoneNumber?.number ?? null},
                                 ${call?.assistantId ?? null}) as named,
             (select clinic_id from calls where provider_call_id = ${call?.id ?? null}) as stored`.execute(this.deps.db);
    const { named, stored } = rows[0] ?? { named: null, stored: null };
    if (named && stored && named !== stored) return { refused: 'clinic_mismatch' };
    const clinicId = named ?? stored;
    return clinicId ? { clinicId } : { refused: 'unknown_clinic' };
  }

  async handle(message: VapiServerMessage, receivedAt: Date, receipt: Receipt | undefined): Promise<WebhookAnswer> {
    switch (message.type) {
      case 'status-update':
      case 'end-of-call-report': {
        // Without a call there is nothing to store: acknowledged.
        if (!message.call) return { body: {}, outcome: 'acknowledged' };
        const outcome =
          message.type === 'status-update'
            ? await this.deps.ingestion.statusUpdate({ ...message, call: message.call }, receivedAt, receipt!)
            : await this.deps.ingestion.endOfCallReport({ ...message, call: message.call }, receipt!);
        return answerTo(outcome);
      }
      case 'transcript': {
        // Most webhooks are transcript lines of a call in progress: one statement, no clinic lookup
        // (the stored call names it). Anything else takes the general path below.
        const live = await this.deps.ingestion.liveTranscript(message, receivedAt, receipt);
        if (live !== 'not-live') return { body: live === 'duplicate' ? { duplicate: true } : {}, outcome: live };
        if (!message.call) return { body: {}, outcome: 'acknowledged' };
        const clinicId = await this.clinicOrRefuse(message);
        return this.once(() => this.deps.ingestion.transcript(clinicId, message, receivedAt, receipt));
      }
      case 'hang': {
        if (!message.call) return { body: {}, outcome: 'acknowledged' };
        const clinicId = await this.clinicOrRefuse(message);
        return this.once(() => this.deps.ingestion.hang(clinicId, message, receivedAt, receipt!));
      }
      case 'assistant-request': {
        const placed = await this.place(message);
        if (!('clinicId' in placed)) {
          this.deps.logger.warn({ reason: placed.refused }, 'assistant-request for a number no clinic here owns');
          return { body: { error: NOT_OUR_NUMBER }, outcome: placed.refused };
        }
        return { body: await this.assistantFor(placed.clinicId), outcome: 'answered' };
      }
      case 'tool-calls': {
        const { results, outcome } = await this.answerTools(message);
        return { body: { results }, outcome };
      }
      case 'speech-update':
      case 'conversation-update':
      default:
        // The live transcript and the report carry what the console shows.
        return { body: {}, outcome: 'acknowledged' };
    }
  }

  private async clinicOrRefuse(message: VapiServerMessage): Promise<string> {
    const placed = await this.place(message);
    if ('clinicId' in placed) return placed.clinicId;
    throw placed.refused === 'clinic_mismatch' ? clinicMismatch() : unknownClinic();
  }

  /** Runs a TypeScript-path write whose receipt may show an exact replay. */
  private async once(write: () => Promise<void>): Promise<WebhookAnswer> {
    try {
      await write();
    } catch (error) {
      if (!(error instanceof DuplicateDelivery)) throw error;
      return { body: { duplicate: true }, outcome: 'duplicate' };
    }
    return { body: {}, outcome: 'stored' };
  }

  /** Every call of the message answered, in order; a call we can't place still gets an `error` for the model. */
  private async answerTools(message: ToolCallsMessage): Promise<{ results: ToolResult[]; outcome: string }> {
    const placed = await this.place(message);
    if (!('clinicId' in placed)) {
      this.deps.logger.warn({ reason: placed.refused }, 'tool calls for a call no clinic here owns');
      return { results: toolCallsOf(message).map((c) => ({ toolCallId: c.id, error: NOT_OUR_CALL })), outcome: placed.refused };
    }
    return { results: await this.deps.tools.answer(placed.clinicId, message), outcome: 'answered' };
  }

  /**
   * `assistant-request` (a number without a fixed assistant rang): the clinic's assistant by id when it
   * is on the platform, else a transient one built from the saved personality. A few indexed reads, so
   * it answers in milliseconds, far inside Vapi's 7.5 s limit.
   */
  private async assistantFor(clinicId: string): Promise<Record<string, unknown>> {
    const agent = await getAgent(this.deps.db, clinicId);
    if (agent.providerAssistantId) return { assistantId: agent.providerAssistantId };
    return { assistant: await this.deps.assistantSync.payload(clinicId, agent.personality) };
  }
}

function answerTo(outcome: CallMessageOutcome): WebhookAnswer {
  if (outcome === 'unknown_clinic') throw unknownClinic();
  if (outcome === 'clinic_mismatch') throw clinicMismatch();
  return { body: outcome === 'duplicate' ? { duplicate: true } : {}, outcome };
}
