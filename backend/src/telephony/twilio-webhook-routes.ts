// POST /webhooks/twilio/sms: texts patients send to our SMS number (STOP / START, and answers to a
// missed-call text-back, which go on its work item), form-encoded and verified with X-Twilio-Signature
// against the public URL Twilio posted to.
import { Router } from 'express';
import { z } from 'zod';
import { maskPhoneNumber } from '@voxanne/protocol';
import type { Logger } from '../logging/logger.js';
import type { Metrics } from '../metrics.js';
import { AppError } from '../errors.js';
import type { BookingSms } from './booking-sms.js';
import type { MissedCallTextBack } from '../work-queue/text-back.js';
import { twilioSignatureValid } from './twilio-client.js';

const InboundSmsSchema = z.looseObject({
  From: z.string().min(1).max(40),
  To: z.string().min(1).max(40),
  Body: z.string().max(2000).default(''),
  MessageSid: z.string().min(1).max(64).optional(),
});

export interface TwilioWebhookDeps {
  /** The platform account's auth token (signs Twilio's webhooks); unset: SMS is not configured. */
  authToken: string | undefined;
  publicUrl: () => string;
  sms: BookingSms;
  textBack: Pick<MissedCallTextBack, 'recordReply'>;
  logger: Logger;
  metrics: Metrics;
}

export function twilioWebhookRoutes(deps: TwilioWebhookDeps): Router {
  const router = Router();

  router.post('/twilio/sms', async (req, res) => {
    const count = (outcome: string) => deps.metrics.webhookEvents.inc({ source: 'twilio', type: 'sms', outcome });
    if (!deps.authToken) {
      count('not_configured');
      throw new AppError('not_configured', 'SMS is not configured on this service.');
    }
    const params = (req.body ?? {}) as Record<string, unknown>;
    const url = `${deps.publicUrl()}${req.originalUrl}`;
    if (!(await twilioSignatureValid(deps.authToken, req.get('x-twilio-signature'), url, params))) {
      count('bad_signature');
      throw new AppError('unauthenticated', 'Twilio signature missing or invalid.');
    }
    const parsed = InboundSmsSchema.safeParse(params);
    if (!parsed.success) {
      count('malformed');
      throw AppError.fromZod(parsed.error, 'Twilio message');
    }
    const { To: sender, From: from, Body: body, MessageSid: messageSid } = parsed.data;
    const result = await deps.sms.handleInboundText(sender, from, body);
    // STOP and START answer a text-back too: the desk sees every reply.
    const reply = await deps.textBack.recordReply({ sender, from, body, messageSid });
    deps.logger.info({ from: maskPhoneNumber(from), result, reply }, 'inbound SMS');
    count(result);
    // Twilio answers STOP/START itself on long codes; an empty TwiML response adds nothing.
    res.type('text/xml').send('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
  });

  return router;
}
