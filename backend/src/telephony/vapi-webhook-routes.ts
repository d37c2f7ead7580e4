// POST /webhooks/vapi: verify → read → hand the message to VapiWebhookService (vapi-webhook-service.ts).
//
// Answered ahead of Express (http/plain-post-route.ts): these are most of the backend's requests.
// Refusals store nothing: a bad signature or stale timestamp is 401, a body that is not JSON or a
// message of a type we handle in a shape we can't read 400, a message about no clinic we know 404,
// one about a call of another clinic 409. The signature is checked over the raw bytes before anything
// is parsed, whatever the Content-Type says: Vapi sends JSON, and a correctly signed body labelled
// text/plain (or not labelled) is read the same way. What was read is made storable (no NUL
// characters or lone surrogates, db/storable.ts) before anything else looks at it. Exact replays of
// a stored message are acknowledged from the webhook receipts without touching the call again.
import { createHash } from 'node:crypto';
import type { Logger } from '../logging/logger.js';
import type { Metrics } from '../metrics.js';
import { AppError } from '../errors.js';
import { storable } from '../db/storable.js';
import { plainPostRoute, type PlainRoute } from '../http/plain-post-route.js';
import { VapiWebhookService } from './vapi-webhook-service.js';
import { verifyVapiWebhook, type WebhookAuth } from './webhook-auth.js';
import { HANDLED_MESSAGE_TYPES, VapiServerMessageSchema, VapiWebhookBodySchema } from './vapi-messages.js';

export const VAPI_WEBHOOK_PATH = '/webhooks/vapi';

export interface VapiWebhookDeps {
  logger: Logger;
  metrics: Metrics;
  auth: WebhookAuth;
  service: VapiWebhookService;
  /** The largest body read (BODY_LIMIT_BYTES). */
  bodyLimitBytes: number;
}

export function vapiWebhookRoute(deps: VapiWebhookDeps): PlainRoute {
  const count = (type: string, outcome: string) =>
    deps.metrics.webhookEvents.inc({ source: 'vapi', type: HANDLED_MESSAGE_TYPES.has(type) ? type : 'other', outcome });

  return plainPostRoute(VAPI_WEBHOOK_PATH, deps, async ({ headers, body: rawBody }) => {
    const verdict = verifyVapiWebhook(deps.auth, headers, rawBody);
    if (!verdict.ok) {
      count('unknown', verdict.reason);
      throw new AppError('unauthenticated', 'Webhook signature missing, invalid or too old.');
    }
    const envelope = VapiWebhookBodySchema.safeParse(storable(parsedJson(rawBody)));
    if (!envelope.success) {
      count('unknown', 'malformed');
      throw new AppError('validation_failed', 'A Vapi webhook body is {"message":{"type":...}}.');
    }
    const type = envelope.data.message.type;
    if (!HANDLED_MESSAGE_TYPES.has(type)) {
      count(type, 'ignored');
      return {};
    }
    const parsed = VapiServerMessageSchema.safeParse(envelope.data.message);
    if (!parsed.success) {
      count(type, 'malformed');
      throw AppError.fromZod(parsed.error, `${type} message`);
    }
    const message = parsed.data;
    // Receipts make stored messages idempotent. Partials are only streamed, never stored, and tool
    // calls and assistant requests are always answered: none of them costs a receipt.
    const receipt = VapiWebhookService.isStored(message) ? { key: receiptKey(type, rawBody), type } : undefined;
    try {
      const answer = await deps.service.handle(message, new Date(), receipt);
      count(type, answer.outcome);
      return answer.body;
    } catch (error) {
      if (error instanceof AppError)
        count(type, error.code === 'conflict' ? 'clinic_mismatch' : error.code === 'not_found' ? 'unknown_clinic' : error.code);
      throw error;
    }
  });
}

/** The (verified) bytes as JSON, whatever the Content-Type said. */
function parsedJson(rawBody: Buffer): unknown {
  try {
    return JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new AppError('invalid_json', 'The request body is not valid JSON.');
  }
}

function receiptKey(type: string, rawBody: Buffer): string {
  return `${type}:${createHash('sha256').update(rawBody).digest('hex')}`;
}
