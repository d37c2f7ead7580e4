// POST /webhooks/vapi: verify → read → hand the message to VapiWebhookService (vapi-webhook-service.ts).
//
// Refusals store nothing: a bad signature or stale timestamp is 401, a body that is not JSON or a
// message of a type we handle in a shape we can't read 400, a message about no clinic we know 404,
// one about a call of another clinic 409. The signature is checked over the raw bytes before anything
// is parsed, whatever the Content-Type says: Vapi sends JSON, and a correctly signed body labelled
// text/plain (or not labelled) is read the same way. What was read is made storable (no NUL
// characters or lone surrogates, db/storable.ts) before anything else looks at it. Exact replays of
// a stored message are acknowledged from the webhook receipts without touching the call again.
import { createHash } from 'node:crypto';
import express, { Router, type Request } from 'express';
import type { Logger } from '../logging/logger.js';
import type { Metrics } from '../metrics.js';
import { AppError } from '../errors.js';
import { storable } from '../db/storable.js';
import { VapiWebhookService } from './vapi-webhook-service.js';
import { verifyVapiWebhook, type WebhookAuth } from './webhook-auth.js';
import { HANDLED_MESSAGE_TYPES, VapiServerMessageSchema, VapiWebhookBodySchema } from './vapi-messages.js';

export interface VapiWebhookDeps {
  logger: Logger;
  metrics: Metrics;
  auth: WebhookAuth;
  service: VapiWebhookService;
  /** The largest body read (BODY_LIMIT_BYTES), for bodies not sent as JSON. */
  bodyLimitBytes: number;
}

export function vapiWebhookRoutes(deps: VapiWebhookDeps): Router {
  const router = Router();
  const count = (type: string, outcome: string) =>
    deps.metrics.webhookEvents.inc({ source: 'vapi', type: HANDLED_MESSAGE_TYPES.has(type) ? type : 'other', outcome });

  // A JSON body was read by the webhooks' JSON parser (http/app.ts), which kept its bytes; any other
  // Content-Type (or none) is read here as bytes, to be verified and then parsed as JSON all the same.
  const readAnyBody = express.raw({ type: () => true, limit: deps.bodyLimitBytes });

  router.post('/vapi', readAnyBody, async (req, res) => {
    const rawBody = req.rawBody ?? (Buffer.isBuffer(req.body) ? req.body : undefined);
    const verdict = verifyVapiWebhook(deps.auth, req.headers, rawBody);
    if (!verdict.ok) {
      count('unknown', verdict.reason);
      throw new AppError('unauthenticated', 'Webhook signature missing, invalid or too old.');
    }
    const envelope = VapiWebhookBodySchema.safeParse(storable(parsedBody(req, rawBody!)));
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
    // Receipts make stored messages idempotent. Partials are only streamed, never stored, and tool
    // calls and assistant requests are always answered: none of them costs a receipt.
    const receipt = VapiWebhookService.isStored(message) ? { key: receiptKey(type, rawBody!), type } : undefined;
    try {
      const answer = await deps.service.handle(message, new Date(), receipt);
      count(type, answer.outcome);
      res.json(answer.body);
    } catch (error) {
      if (error instanceof AppError)
        count(type, error.code === 'conflict' ? 'clinic_mismatch' : error.code === 'not_found' ? 'unknown_clinic' : error.code);
      throw error;
    }
  });

  return router;
}

/** The body as JSON: already parsed when it came as JSON, else parsed from its (verified) bytes. */
function parsedBody(req: Request, rawBody: Buffer): unknown {
  if (!Buffer.isBuffer(req.body) && req.is('application/json')) return req.body;
  try {
    return JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new AppError('invalid_json', 'The request body is not valid JSON.');
  }
}

function receiptKey(type: string, rawBody: Buffer): string {
  return `${type}:${createHash('sha256').update(rawBody).digest('hex')}`;
}
