// The telephony sandbox: a loopback HTTP server that stands in for Vapi (/vapi) and Twilio
// (/twilio), plays scripted calls against the backend's own webhooks, and offers a control API
// (/control) for tests, `npm run sim` and people poking at it:
//
//   GET  /control                    what the sandbox holds: base URLs, accounts, numbers, scripts
//   POST /control/inbound-calls      {to?, from?, callerName?, script?, dialect?} → 202 {callId}: a patient rings
//   GET  /control/calls/:id          one simulated call (status, script, dialect, ended reason, what its control URL received)
//   GET  /control/voice-calls[/:id]  web-test calls' transports: audio received (frames, levels), turns
//   PUT  /control/outbound-script    {script}: what outbound test calls play next (default new-booking)
//   PUT  /control/transfer-outcome   {outcome: answered|no-answer}: what the next transfers' destination does
//   GET  /control/sms?to=            the Twilio message log (texts the backend sent)
//   POST /control/sms/inbound        {from, body, to?}: a patient texts our SMS number (signed webhook)
//   POST /control/twilio-accounts    {numbers?} → a fresh Twilio account holding that many numbers
//
// Each simulated phone call also gets a live control URL (call-control-api.ts) at
// /call-control/:callId/:token/control, as Vapi gives `call.monitor.controlUrl`: its unguessable path
// is its authentication, as on Vapi.
//
// Only ever bound to loopback, and loopback is not enough: a web page in the developer's browser can
// reach it too (a DNS-rebound name, or a cross-origin text/plain POST that needs no preflight). So
// every request must name a loopback host (Host header), and every /control request must carry the
// run's key (SANDBOX_KEY_HEADER; a page cannot set a custom header without a preflight, which is
// never answered). The key and the control URL are in DATA_DIR/sandbox-control.json (control-file.ts).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { normalizePhoneNumber } from '@voxanne/protocol';
import type { Logger } from '../src/logging/logger.js';
import { twilioSignature } from '../src/telephony/twilio-client.js';
import type { WebhookAuth } from '../src/telephony/webhook-auth.js';
import { CallSimulator } from './call-simulator.js';
import { SandboxCallControls } from './call-control-api.js';
import { isScriptName, pickScript, randomCaller, SCRIPT_NAMES, type ScriptName } from './conversation-scripts.js';
import { WEBHOOK_DIALECTS, type WebhookDialect } from './webhook-dialects.js';
import { SANDBOX_ORG_ID, SandboxState, type SandboxCall, type TwilioAccount } from './sandbox-state.js';
import { twilioApi } from './twilio-api.js';
import { vapiApi } from './vapi-api.js';
import { WebhookDelivery } from './webhook-delivery.js';
import { VoiceTransport } from './voice-transport.js';
import { createAssistantVoice } from './assistant-voice.js';
import { SandboxCallListens } from './call-listen.js';
import { removeSandboxControl, SANDBOX_KEY_HEADER, writeSandboxControl } from './control-file.js';

export interface SandboxOptions {
  port: number;
  timeScale: number;
  inboundCallsPerMinute: number;
  logger: Logger;
  /** The backend's public base URL (org-level webhook target, Twilio SMS webhook). Read lazily: known after it listens. */
  backendUrl: () => string;
  /** How org-level webhooks are authenticated (the backend's VAPI_WEBHOOK_AUTH and secret). */
  webhookAuth: WebhookAuth;
  random?: () => number;
  /** The key /control requests must carry; default: a random one per run. */
  controlKey?: string;
  /** Where to keep sandbox-control.json (the control URL and key) while running: DATA_DIR. */
  controlFileDir?: string;
}

export interface PlaceCallOptions {
  /** Our number the patient dials (E.164); default: a number with an assistant or server. */
  to?: string;
  from?: string;
  callerName?: string;
  script?: ScriptName;
  /** Which of Vapi's message shapes its webhooks use; default: picked at random per call. */
  dialect?: WebhookDialect;
}

export interface Sandbox {
  url: string;
  vapiBaseUrl: string;
  twilioBaseUrl: string;
  controlUrl: string;
  /** What every /control request carries in SANDBOX_KEY_HEADER. */
  controlKey: string;
  apiKey: string;
  /** The platform's Twilio account: its first number sends SMS, its second makes outbound test calls. */
  platform: { accountSid: string; authToken: string; smsNumber: string; outboundNumber: string; outboundPhoneNumberId: string };
  /** A clinic's own Twilio account, for connecting numbers (the demo clinic's line comes from here). */
  clinicAccount: TwilioAccount;
  state: SandboxState;
  /** Live control URLs of simulated calls (what they received, how transfers went). */
  controls: SandboxCallControls;
  /** Live listen sockets of simulated calls. */
  listens: SandboxCallListens;
  /** The `vapi.websocket` transport (web tests). */
  voice: VoiceTransport;
  placeInboundCall(options?: PlaceCallOptions): SandboxCall;
  /** Resolves once the call's end-of-call report was delivered. */
  callFinished(callId: string): Promise<void>;
  /** Resolves when no simulated call is playing (tests: before wiping the database under them). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const MAX_KEPT_CALLS = 1_000;
const MAX_KEPT_MESSAGES = 2_000;

const PlaceCallSchema = z.strictObject({
  to: z.string().max(40).optional(),
  from: z.string().max(40).optional(),
  callerName: z.string().min(1).max(80).optional(),
  script: z.enum(SCRIPT_NAMES).optional(),
  dialect: z.enum(WEBHOOK_DIALECTS).optional(),
});

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const logger = options.logger.child({ component: 'sandbox' });
  const random = options.random ?? Math.random;
  const state = new SandboxState();
  const platformAccount = state.createTwilioAccount(2);
  const [smsLine, voiceLine] = platformAccount.numbers as [TwilioAccount['numbers'][number], TwilioAccount['numbers'][number]];
  const clinicAccount = state.createTwilioAccount(3);
  const outbound = state.importNumber({ number: voiceLine.phoneNumber, twilioAccountSid: platformAccount.sid, name: 'Voxanne test calls' });

  const delivery = new WebhookDelivery(state, () => ({ url: `${options.backendUrl()}/webhooks/vapi`, auth: options.webhookAuth }), logger);
  const controls = new SandboxCallControls(state, () => url);
  const assistantVoice = createAssistantVoice('auto', logger);
  const listens = new SandboxCallListens(state, () => url, assistantVoice);
  const simulator = new CallSimulator({ state, delivery, controls, listens, timeScale: options.timeScale, logger, random });
  const running = new Map<string, Promise<void>>();
  const abort = new AbortController();
  // Every call in progress waits on this one stop signal: more than Node's default of 10 listeners is
  // normal, not a leak (each wait removes its own).
  setMaxListeners(0, abort.signal);
  let outboundScript: ScriptName = 'new-booking';

  // Hours of simulated traffic must not grow memory: finished calls beyond the newest
  // MAX_KEPT_CALLS are forgotten, with the transient assistants made for them.
  const forgetOldCalls = () => {
    if (state.calls.size <= MAX_KEPT_CALLS) return;
    for (const [id, old] of state.calls) {
      if (state.calls.size <= MAX_KEPT_CALLS) break;
      if (running.has(id)) continue;
      state.calls.delete(id);
      controls.forget(id);
      if (old.assistantId && state.assistants.get(old.assistantId)?.transientFor === id) state.assistants.delete(old.assistantId);
    }
    if (state.messages.length > MAX_KEPT_MESSAGES) state.messages.splice(0, state.messages.length - MAX_KEPT_MESSAGES);
  };
  const play = (call: SandboxCall) => {
    const done = simulator.run(call, abort.signal).finally(() => {
      running.delete(call.id);
      forgetOldCalls();
    });
    running.set(call.id, done);
  };

  const placeInboundCall = (place: PlaceCallOptions = {}): SandboxCall => {
    const numbers = [...state.phoneNumbers.values()];
    const answered = numbers.filter((n) => n.id !== outbound.id && (n.assistantId || n.server?.url));
    const number = place.to ? numbers.find((n) => n.number === place.to) : answered[Math.floor(random() * answered.length)];
    if (!number) throw new ControlError(409, place.to ? `No imported number ${place.to}.` : 'No number is connected to an assistant yet.');
    const caller = randomCaller(random);
    const from = place.from ? normalizePhoneNumber(place.from) : { ok: true as const, e164: caller.number };
    if (!from.ok) throw new ControlError(400, from.message);
    const now = new Date().toISOString();
    const call: SandboxCall = {
      id: randomUUID(),
      orgId: SANDBOX_ORG_ID,
      type: 'inboundPhoneCall',
      status: 'ringing',
      ...(number.assistantId ? { assistantId: number.assistantId } : {}),
      phoneNumberId: number.id,
      customer: { number: from.e164, name: place.callerName ?? caller.name },
      createdAt: now,
      updatedAt: now,
      script: place.script ?? pickScript(random),
      ...(place.dialect ? { dialect: place.dialect } : {}),
    };
    state.calls.set(call.id, call);
    play(call);
    return call;
  };

  const controlKey = options.controlKey ?? randomBytes(24).toString('base64url');
  const app = express();
  app.disable('x-powered-by');
  app.use((req, res, next) => {
    if (isLoopbackHost(req.headers.host)) return next();
    res.status(421).json({ error: 'The sandbox answers only requests addressed to 127.0.0.1 or localhost.' });
  });
  const voice = new VoiceTransport({ state, simulator, delivery, voice: assistantVoice, logger });
  const onWebSocketCall = (call: SandboxCall) => {
    voice.accept(call);
    return `${url.replace(/^http/, 'ws')}/vapi/${call.id}/transport`;
  };
  app.use('/vapi', vapiApi(state, { onOutboundCall: play, outboundScript: () => outboundScript, onWebSocketCall }));
  app.use('/twilio', twilioApi(state));
  app.use('/call-control', controls.router());

  const control = express.Router();
  control.use((req, res, next) => {
    if (keyMatches(req.get(SANDBOX_KEY_HEADER), controlKey)) return next();
    res
      .status(401)
      .json({ error: `The control API wants this run's key in ${SANDBOX_KEY_HEADER} (see sandbox-control.json in DATA_DIR).` });
  });
  control.use(express.json());
  control.get('/', (_req, res) => {
    res.json({
      vapiBaseUrl: `${url}/vapi`,
      twilioBaseUrl: `${url}/twilio`,
      platform: { accountSid: platformAccount.sid, smsNumber: smsLine.phoneNumber, outboundNumber: voiceLine.phoneNumber },
      clinicAccount: {
        accountSid: clinicAccount.sid,
        authToken: clinicAccount.authToken,
        numbers: clinicAccount.numbers.map((n) => n.phoneNumber),
      },
      phoneNumbers: [...state.phoneNumbers.values()].map((n) => ({ id: n.id, number: n.number, assistantId: n.assistantId ?? null })),
      scripts: SCRIPT_NAMES,
      dialects: WEBHOOK_DIALECTS,
      outboundScript,
      transferOutcome: controls.transferOutcome,
      activeCalls: running.size,
    });
  });
  control.post('/inbound-calls', (req, res) => {
    const body = PlaceCallSchema.safeParse(req.body ?? {});
    if (!body.success) throw new ControlError(400, body.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const call = placeInboundCall(body.data);
    res.status(202).json({
      callId: call.id,
      script: call.script,
      dialect: call.dialect ?? null,
      to: state.phoneNumbers.get(call.phoneNumberId ?? '')?.number,
    });
  });
  control.get('/voice-calls', (_req, res) => {
    res.json({ calls: voice.list() });
  });
  control.get('/voice-calls/:id', (req, res) => {
    const stats = voice.stats(req.params.id);
    if (!stats) throw new ControlError(404, 'No such websocket call.');
    res.json(stats);
  });
  control.get('/calls/:id', (req, res) => {
    const call = state.calls.get(req.params.id);
    if (!call) throw new ControlError(404, 'No such call.');
    res.json({ ...call, finished: !running.has(call.id) && call.status === 'ended', control: controls.describe(call.id) ?? null });
  });
  control.put('/outbound-script', (req, res) => {
    const script = (req.body as { script?: unknown } | undefined)?.script;
    if (!isScriptName(script)) throw new ControlError(400, `script must be one of ${SCRIPT_NAMES.join(', ')}`);
    outboundScript = script;
    res.json({ outboundScript });
  });
  control.put('/transfer-outcome', (req, res) => {
    const outcome = (req.body as { outcome?: unknown } | undefined)?.outcome;
    if (outcome !== 'answered' && outcome !== 'no-answer') throw new ControlError(400, 'outcome must be answered or no-answer');
    controls.transferOutcome = outcome;
    res.json({ transferOutcome: outcome });
  });
  control.get('/sms', (req, res) => {
    const to = typeof req.query.to === 'string' ? req.query.to : undefined;
    res.json({ messages: state.messages.filter((m) => !to || m.to === to) });
  });
  control.post('/sms/inbound', async (req, res) => {
    const body = z
      .strictObject({ from: z.string().min(1).max(40), body: z.string().max(1600), to: z.string().max(40).optional() })
      .safeParse(req.body ?? {});
    if (!body.success) throw new ControlError(400, 'Expected {from, body, to?}.');
    const to = body.data.to ?? smsLine.phoneNumber;
    const params = {
      MessageSid: `SM${randomUUID().replaceAll('-', '')}`,
      AccountSid: platformAccount.sid,
      From: body.data.from,
      To: to,
      Body: body.data.body,
      NumMedia: '0',
    };
    const target = `${options.backendUrl()}/webhooks/twilio/sms`;
    state.messages.push({
      sid: params.MessageSid,
      accountSid: platformAccount.sid,
      from: params.From,
      to,
      body: params.Body,
      status: 'delivered',
      direction: 'inbound',
      dateCreated: new Date().toISOString(),
    });
    const response = await fetch(target, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': await twilioSignature(platformAccount.authToken, target, params),
      },
      body: new URLSearchParams(params).toString(),
      signal: AbortSignal.timeout(10_000),
    });
    res.json({ delivered: response.ok, status: response.status });
  });
  control.post('/twilio-accounts', (req, res) => {
    const count = Number((req.body as { numbers?: unknown } | undefined)?.numbers ?? 1);
    if (!Number.isInteger(count) || count < 1 || count > 20) throw new ControlError(400, 'numbers must be 1 to 20');
    const account = state.createTwilioAccount(count);
    res.status(201).json({ accountSid: account.sid, authToken: account.authToken, numbers: account.numbers.map((n) => n.phoneNumber) });
  });
  control.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const status = err instanceof ControlError ? err.status : 500;
    if (status === 500) logger.error({ err }, 'sandbox control request failed');
    res.status(status).json({ error: err instanceof ControlError ? err.message : 'sandbox error' });
  });
  app.use('/control', control);

  const server = http.createServer(app);
  server.on('upgrade', (req, socket, head) => {
    if (!isLoopbackHost(req.headers.host) || !(voice.handleUpgrade(req, socket, head) || listens.handleUpgrade(req, socket, head)))
      socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // A gentle stream of patients ringing (Poisson arrivals at the configured rate, in real minutes).
  let trafficTimer: NodeJS.Timeout | undefined;
  const scheduleTraffic = () => {
    if (options.inboundCallsPerMinute <= 0 || abort.signal.aborted) return;
    const delayMs = (-Math.log(1 - random()) * 60_000) / options.inboundCallsPerMinute;
    trafficTimer = setTimeout(() => {
      try {
        placeInboundCall();
      } catch (error) {
        if (!(error instanceof ControlError)) logger.warn({ err: error }, 'simulated inbound call not placed');
      }
      scheduleTraffic();
    }, delayMs);
    trafficTimer.unref();
  };
  scheduleTraffic();

  // The control API's address and key go to an owner-only file; the log says where, not what.
  if (options.controlFileDir) writeSandboxControl(options.controlFileDir, { url: `${url}/control`, key: controlKey });
  logger.info(
    { url, controlFileDir: options.controlFileDir, timeScale: options.timeScale, inboundCallsPerMinute: options.inboundCallsPerMinute },
    'telephony sandbox listening',
  );

  return {
    url,
    vapiBaseUrl: `${url}/vapi`,
    twilioBaseUrl: `${url}/twilio`,
    controlUrl: `${url}/control`,
    controlKey,
    apiKey: state.apiKey,
    platform: {
      accountSid: platformAccount.sid,
      authToken: platformAccount.authToken,
      smsNumber: smsLine.phoneNumber,
      outboundNumber: voiceLine.phoneNumber,
      outboundPhoneNumberId: outbound.id,
    },
    clinicAccount,
    state,
    controls,
    listens,
    voice,
    placeInboundCall,
    async callFinished(callId) {
      await running.get(callId);
    },
    async idle() {
      while (running.size > 0) await Promise.allSettled([...running.values()]);
    },
    async close() {
      if (options.controlFileDir) removeSandboxControl(options.controlFileDir, controlKey);
      clearTimeout(trafficTimer);
      abort.abort();
      listens.close();
      await voice.close();
      await Promise.allSettled([...running.values()]);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The Host header names this machine's loopback (any port); a rebound DNS name does not. */
function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  try {
    return LOOPBACK_HOSTS.has(new URL(`http://${host}`).hostname);
  } catch {
    return false;
  }
}

function keyMatches(presented: string | undefined, expected: string): boolean {
  const a = Buffer.from(presented ?? '');
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
