// The sandbox's stand-in for Twilio's REST API (mounted at /twilio, in place of https://api.twilio.com):
// an account's incoming phone numbers and Messages (send + list). HTTP Basic auth with the account
// SID and auth token, form-encoded requests, Twilio's JSON and error shapes, so the `twilio` package
// runs against it unchanged. Sent messages land in the message log the control API exposes.
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { normalizePhoneNumber } from '@voxanne/protocol';
import { twilioSid, type SandboxState, type TwilioAccount, type TwilioMessage, type TwilioNumber } from './sandbox-state.js';

class TwilioHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

function rfc2822(iso: string): string {
  return new Date(iso).toUTCString().replace('GMT', '+0000');
}

function numberJson(account: TwilioAccount, n: TwilioNumber) {
  return {
    sid: n.sid,
    account_sid: account.sid,
    phone_number: n.phoneNumber,
    friendly_name: n.friendlyName,
    sms_url: n.smsUrl,
    capabilities: { voice: true, sms: true, mms: false, fax: false },
    status: 'in-use',
    uri: `/2010-04-01/Accounts/${account.sid}/IncomingPhoneNumbers/${n.sid}.json`,
  };
}

function messageJson(m: TwilioMessage) {
  return {
    sid: m.sid,
    account_sid: m.accountSid,
    from: m.from,
    to: m.to,
    body: m.body,
    status: m.status,
    direction: m.direction,
    num_segments: String(Math.max(1, Math.ceil(m.body.length / 160))),
    date_created: rfc2822(m.dateCreated),
    date_updated: rfc2822(m.dateCreated),
    date_sent: null,
    error_code: null,
    error_message: null,
    price: null,
    uri: `/2010-04-01/Accounts/${m.accountSid}/Messages/${m.sid}.json`,
  };
}

function page<T>(key: string, items: T[], uri: string) {
  return {
    [key]: items,
    page: 0,
    page_size: items.length,
    start: 0,
    end: Math.max(0, items.length - 1),
    uri,
    first_page_uri: uri,
    next_page_uri: null,
    previous_page_uri: null,
  };
}

export function twilioApi(state: SandboxState, hooks: { onMessage?(message: TwilioMessage): void } = {}): Router {
  const router = Router();
  router.use(express.urlencoded({ extended: false, limit: '100kb' }));

  const account = (req: Request): TwilioAccount => {
    const header = req.get('authorization') ?? '';
    const [scheme, encoded] = header.split(' ');
    const [sid, token] = scheme === 'Basic' && encoded ? Buffer.from(encoded, 'base64').toString().split(':') : [];
    const found = sid ? state.twilioAccounts.get(sid) : undefined;
    if (!found || found.authToken !== token || found.sid !== req.params.accountSid) throw new TwilioHttpError(401, 20003, 'Authenticate');
    return found;
  };

  router.get('/2010-04-01/Accounts/:accountSid/IncomingPhoneNumbers.json', (req, res) => {
    const owner = account(req);
    const wanted = typeof req.query.PhoneNumber === 'string' ? req.query.PhoneNumber : undefined;
    const numbers = owner.numbers.filter((n) => !wanted || n.phoneNumber === wanted).map((n) => numberJson(owner, n));
    res.json(page('incoming_phone_numbers', numbers, req.originalUrl.replace(/^\/twilio/, '')));
  });

  router.post('/2010-04-01/Accounts/:accountSid/Messages.json', (req, res) => {
    const owner = account(req);
    const body = req.body as Record<string, string | undefined>;
    const to = normalizePhoneNumber(body.To ?? '');
    if (!to.ok) throw new TwilioHttpError(400, 21211, `The 'To' number ${body.To ?? ''} is not a valid phone number.`);
    if (!body.From || !owner.numbers.some((n) => n.phoneNumber === body.From)) {
      throw new TwilioHttpError(
        400,
        21606,
        `The From phone number ${body.From ?? ''} is not a valid, SMS-capable inbound phone number or short code for your account.`,
      );
    }
    if (!body.Body) throw new TwilioHttpError(400, 21602, 'Message body is required.');
    const message: TwilioMessage = {
      sid: twilioSid('SM'),
      accountSid: owner.sid,
      from: body.From,
      to: to.e164,
      body: body.Body,
      status: 'queued',
      direction: 'outbound-api',
      dateCreated: new Date().toISOString(),
    };
    state.messages.push(message);
    hooks.onMessage?.(message);
    res.status(201).json(messageJson(message));
    // A handset "receives" it a moment later.
    setTimeout(() => (message.status = 'delivered'), 50).unref();
  });

  router.get('/2010-04-01/Accounts/:accountSid/Messages.json', (req, res) => {
    const owner = account(req);
    const to = typeof req.query.To === 'string' ? req.query.To : undefined;
    const list = state.messages.filter((m) => m.accountSid === owner.sid && (!to || m.to === to)).map(messageJson);
    res.json(page('messages', list.reverse(), req.originalUrl.replace(/^\/twilio/, '')));
  });

  router.use((req) => {
    throw new TwilioHttpError(404, 20404, `The requested resource ${req.path} was not found`);
  });
  router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const error = err instanceof TwilioHttpError ? err : new TwilioHttpError(500, 20500, 'Internal Server Error');
    res.status(error.status).json({
      code: error.code,
      message: error.message,
      more_info: `https://www.twilio.com/docs/errors/${error.code}`,
      status: error.status,
    });
  });
  return router;
}
