// POST /webhooks/vapi: verify → parse → resolve the clinic → store or answer.
//
// Refusals store nothing: a bad signature or stale timestamp is 401, a malformed body 400, a message
// about no clinic we know 404. The clinic comes from what we stored (the call, the clinic's assistant
// or number), never from the body's say-so. Exact replays of a stored message are acknowledged from
// the webhook receipts without touching the call again; tool calls and assistant requests are always
// answered (a retry needs the answer).
import { createHash } from 'node:crypto';
import { Router } from 'express';
import type { Db } from '../db/database.js';
import type { Logger } from '../logging/logger.js';
import type { Metrics } from '../metrics.js';
import { AppError } from '../errors.js';
import { getAgent } from '../agent/agent-service.js';
import { DuplicateDelivery, type CallIngestion } from './call-ingestion.js';
import type { AssistantTools } from './assistant-tools.js';
import { assistantPayload } from './assistant-config.js';
import type { WebhookServer } from './vapi-assistant-sync.js';
import { verifyVapiWebhook, type WebhookAuth } from './webhook-auth.js';
import { HANDLED_MESSAGE_TYPES, VapiServerMessageSchema, VapiWebhookBodySchema, type VapiServerMessage } from './vapi-messages.js';

export interface VapiWebhookDeps {
  db: Db;
  logger: Logger;
  metrics: Metrics;
  auth: WebhookAuth;
  ingestion: CallIngestion;
  tools: AssistantTools;
  webhookServer: WebhookServer;
  model: { provider: string; model: string };
}

/** The clinic a message belongs to, from stored facts only: its call, assistant or phone number. */
export async function resolveClinic(db: Db, message: VapiServerMessage): Promise<string | undefined> {
  const call = message.call ?? undefined;
  if (call?.id) {
    const row = await db.selectFrom('calls').select('clinic_id').where('provider_call_id', '=', call.id).executeTakeFirst();
    if (row) return row.clinic_id;
  }
  if (call?.assistantId) {
    const row = await db.selectFrom('agents').select('clinic_id').where('provider_assistant_id', '=', call.assistantId).executeTakeFirst();
    if (row) return row.clinic_id;
  }
  const numberId = call?.phoneNumberId ?? message.phoneNumber?.id ?? undefined;
  if (numberId) {
    const row = await db.selectFrom('phone_numbers').select('clinic_id').where('provider_number_id', '=', numberId).executeTakeFirst();
    if (row) return row.clinic_id;
  }
  const number = message.phoneNumber?.number ?? undefined;
  if (number) {
    const row = await db.selectFrom('phone_numbers').select('clinic_id').where('number', '=', number).executeTakeFirst();
    if (row) return row.clinic_id;
  }
  return undefined;
}

export function vapiWebhookRoutes(deps: VapiWebhookDeps): Router {
  const router = Router();
  const count = (type: string, outcome: string) =>
    deps.metrics.webhookEvents.inc({ source: 'vapi', type: HANDLED_MESSAGE_TYPES.has(type) ? type : 'other', outcome });

  router.post('/vapi', async (req, res) => {
    const verdict = verifyVapiWebhook(deps.auth, req.headers, req.rawBody);
    if (!verdict.ok) {
      count('unknown', verdict.reason);
      throw new AppError('unauthenticated', 'Webhook signature missing, invalid or too old.');
    }
    const envelope = VapiWebhookBodySchema.safeParse(req.body);
    if (!envelope.success) {
      count('unknown', 'malformed');
      throw new AppError('validation_failed', 'A Vapi webhook body is {"message":{"type":...}}.');
    }
    const type = envelope.data.message.type;
    if (!HANDLED_MESSAGE_TYPES.has(type)) {
      count(type, 'ignored');
      res.json({});
      return;
    }
    const parsed = VapiServerMessageSchema.safeParse(envelope.data.message);
    if (!parsed.success) {
      count(type, 'malformed');
      throw AppError.fromZod(parsed.error, `${type} message`);
    }
    const message = parsed.data;
    const receivedAt = new Date();
    // Receipts make stored messages idempotent. Partials are only streamed, never stored, and tool
    // calls and assistant requests are always answered: none of them costs a receipt.
    const stored =
      message.type === 'status-update' ||
      message.type === 'end-of-call-report' ||
      (message.type === 'transcript' && message.transcriptType === 'final');
    const receipt = stored ? { key: receiptKey(type, req.rawBody!), type } : undefined;
    if (message.type === 'transcript') {
      // Most webhooks are transcript lines of a call in progress: one statement, no clinic lookup
      // (the stored call names it). Anything else takes the general path below.
      const outcome = await deps.ingestion.liveTranscript(message, receivedAt, receipt);
      if (outcome !== 'not-live') {
        count(type, outcome);
        res.json(outcome === 'duplicate' ? { duplicate: true } : {});
        return;
      }
    }
    if ((message.type === 'status-update' || message.type === 'end-of-call-report') && message.call) {
      // One statement each, which also finds the clinic (the stored call's, else its assistant's or number's).
      const outcome =
        message.type === 'status-update'
          ? await deps.ingestion.statusUpdate({ ...message, call: message.call }, receivedAt, receipt!)
          : await deps.ingestion.endOfCallReport({ ...message, call: message.call }, receipt!);
      if (outcome === 'unknown_clinic') {
        count(type, 'unknown_clinic');
        throw new AppError('not_found', 'No clinic here owns this call, assistant or phone number.');
      }
      count(type, outcome);
      res.json(outcome === 'duplicate' ? { duplicate: true } : {});
      return;
    }
    const clinicId = await resolveClinic(deps.db, message);
    if (!clinicId) {
      count(type, 'unknown_clinic');
      throw new AppError('not_found', 'No clinic here owns this call, assistant or phone number.');
    }

    switch (message.type) {
      case 'assistant-request': {
        res.json(await answerAssistantRequest(deps, clinicId));
        count(type, 'answered');
        return;
      }
      case 'tool-calls': {
        res.json({ results: await deps.tools.answer(clinicId, message) });
        count(type, 'answered');
        return;
      }
      case 'speech-update':
      case 'conversation-update':
      case 'hang':
      case 'status-update':
      case 'end-of-call-report':
        // Acknowledged; the live transcript and the report carry what the console shows (and a status
        // update or report without a call names nothing to store).
        count(type, 'acknowledged');
        res.json({});
        return;
    }

    try {
      await deps.ingestion.transcript(clinicId, message, receivedAt, receipt);
    } catch (error) {
      if (!(error instanceof DuplicateDelivery)) throw error;
      count(type, 'duplicate');
      res.json({ duplicate: true });
      return;
    }
    count(type, 'stored');
    res.json({});
  });

  return router;
}

function receiptKey(type: string, rawBody: Buffer): string {
  return `${type}:${createHash('sha256').update(rawBody).digest('hex')}`;
}

/**
 * `assistant-request` (a number without a fixed assistant rang): the clinic's assistant by id when it
 * is on the platform, else a transient one built from the saved personality. Two indexed reads, so
 * it answers in milliseconds, far inside Vapi's 7.5 s limit.
 */
async function answerAssistantRequest(deps: VapiWebhookDeps, clinicId: string): Promise<Record<string, unknown>> {
  const agent = await getAgent(deps.db, clinicId);
  if (agent.providerAssistantId) return { assistantId: agent.providerAssistantId };
  const tool = await deps.db.selectFrom('knowledge_tools').select('provider_tool_id').where('clinic_id', '=', clinicId).executeTakeFirst();
  return {
    assistant: assistantPayload(agent.personality, {
      server: await deps.webhookServer.settings(),
      model: deps.model,
      knowledgeToolId: tool?.provider_tool_id ?? null,
    }),
  };
}
