// Telephony's composition: builds the Vapi and Twilio clients against the vendors' endpoints (the
// real ones, or the built-in sandbox's when the composition root started it), webhook ingestion, the
// assistant's tools and sync, and hands backend.ts what it mounts: the webhook routers, the
// AssistantSync and a health check. It never knows whether the endpoints are simulated.
import { randomBytes } from 'node:crypto';
import type { Router } from 'express';
import type { Config } from '../config/config.js';
import type { Db } from '../db/database.js';
import type { Logger } from '../logging/logger.js';
import type { Metrics } from '../metrics.js';
import type { LiveEventBus } from '../live/event-bus.js';
import { AssistantTools } from './assistant-tools.js';
import { BookingSms } from './booking-sms.js';
import { CallControl, isVapiControlUrl } from './call-control.js';
import { MissedCallTextBack } from '../work-queue/text-back.js';
import { BATCH_LIMITS, CallIngestion, type StatsProvider } from './call-ingestion.js';
import { EndedCallReader, isVapiListenUrl, type MonitorPolicy } from './call-monitors.js';
import { followUpStoredMessage } from './stored-message-follow-ups.js';
import { TwilioGateway } from './twilio-client.js';
import { twilioWebhookRoutes } from './twilio-webhook-routes.js';
import { VapiAssistantSync, WebhookServer } from './vapi-assistant-sync.js';
import { VapiClient } from './vapi-client.js';
import { vapiWebhookRoute } from './vapi-webhook-routes.js';
import { VapiWebhookService } from './vapi-webhook-service.js';
import type { WebhookAuth } from './webhook-auth.js';

const RECEIPT_RETENTION_MS = 24 * 3_600_000;
const RECEIPT_PRUNE_INTERVAL_MS = 3_600_000;

/** Where the vendor clients point, and the platform's own Twilio sender for SMS. */
export interface VendorEndpoints {
  vapiBaseUrl: string;
  vapiApiKey: string;
  twilioBaseUrl: string;
  /** The platform's Twilio account and number that send confirmation texts; none: texts are not sent. */
  smsSender: { accountSid: string; authToken: string; from: string } | undefined;
  /** The platform number test calls come from when a clinic has none of its own. */
  defaultPhoneNumberId: string | undefined;
  /** Whether a call's live control URL belongs to the platform (default: https on a vapi.ai host). */
  controlUrlAllowed?: (url: URL) => boolean;
  /** Whether a call's live listen URL belongs to the platform (default: wss on a vapi.ai host). */
  listenUrlAllowed?: (url: URL) => boolean;
  /** Extra facts for /health `checks.telephony` (the sandbox's addresses). */
  describe?: () => Record<string, unknown>;
}

/** The real vendors, as configured. */
export function configuredVendors(config: Config): VendorEndpoints {
  const { vapi, twilio } = config.telephony;
  return {
    vapiBaseUrl: vapi.baseUrl,
    vapiApiKey: vapi.apiKey ?? '',
    twilioBaseUrl: twilio.baseUrl,
    smsSender:
      twilio.accountSid && twilio.authToken && twilio.smsFrom
        ? { accountSid: twilio.accountSid, authToken: twilio.authToken, from: twilio.smsFrom }
        : undefined,
    defaultPhoneNumberId: vapi.defaultPhoneNumberId,
  };
}

/** How Vapi's webhooks are authenticated. Without a configured secret (sandbox mode) a fresh one per process. */
export function webhookAuthFrom(config: Config): WebhookAuth {
  const { vapi } = config.telephony;
  return { mode: vapi.webhookAuth, secret: vapi.webhookSecret ?? randomBytes(32).toString('hex') };
}

export interface TelephonyDeps {
  config: Config;
  logger: Logger;
  db: Db;
  bus: LiveEventBus;
  metrics: Metrics;
  vendors: VendorEndpoints;
  webhookAuth: WebhookAuth;
  /** This service's public base URL; known only once it listens. */
  publicUrl: () => string;
  stats?: StatsProvider;
}

export interface Telephony {
  mode: 'vapi' | 'sandbox';
  vapi: VapiClient;
  twilio: TwilioGateway;
  webhookServer: WebhookServer;
  assistantSync: VapiAssistantSync;
  sms: BookingSms;
  /** The missed-call text-back (its texts go through `sms`, so `sms.drain()` waits for them too). */
  textBack: MissedCallTextBack;
  ingestion: CallIngestion;
  tools: AssistantTools;
  /** Live control of calls in progress (the assistant's transfers; staff's controls from the console). */
  control: CallControl;
  /** Which listen URLs are the platform's. */
  monitorPolicy: MonitorPolicy;
  webhookAuth: WebhookAuth;
  vendors: VendorEndpoints;
  /** POST /webhooks/vapi, answered ahead of Express. */
  vapiWebhook: ReturnType<typeof vapiWebhookRoute>;
  /** Mounted at /webhooks (Twilio's). */
  webhookRoutes: Router[];
  /** For /health `checks.telephony`. */
  check(): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export function startTelephony(deps: TelephonyDeps): Telephony {
  const { config, logger, vendors, webhookAuth } = deps;
  const settings = config.telephony;
  const vapi = new VapiClient({ baseUrl: vendors.vapiBaseUrl, apiKey: vendors.vapiApiKey, logger });
  const twilio = new TwilioGateway(vendors.twilioBaseUrl);
  const smsSender = vendors.smsSender;
  const sms = new BookingSms({ db: deps.db, gateway: twilio, sender: smsSender, template: settings.smsBookingTemplate, logger });
  const textBack = new MissedCallTextBack({ db: deps.db, bus: deps.bus, sms, logger, defaultCountry: settings.defaultCountry });
  const webhookServer = new WebhookServer({
    publicUrl: deps.publicUrl,
    auth: webhookAuth,
    client: vapi,
    ...(settings.vapi.credentialId ? { credentialId: settings.vapi.credentialId } : {}),
  });
  const assistantSync = new VapiAssistantSync({
    db: deps.db,
    client: vapi,
    webhookServer,
    mode: settings.mode,
    model: settings.vapi.model,
    logger,
  });
  const ingestionDeps = { db: deps.db, bus: deps.bus, ...(deps.stats ? { stats: deps.stats } : {}) };
  const control = new CallControl({ allowUrl: vendors.controlUrlAllowed ?? isVapiControlUrl });
  const monitorPolicy: MonitorPolicy = {
    acceptsControl: (url) => control.accepts(url),
    acceptsListen: vendors.listenUrlAllowed ?? isVapiListenUrl,
  };
  const batches = BATCH_LIMITS[config.database.kind];
  const endedCalls = new EndedCallReader(deps.db, batches.callMessages);
  const ingestion = new CallIngestion({
    ...ingestionDeps,
    batches,
    onBatch: (kind, size) => deps.metrics.webhooksPerStatement.observe({ kind }, size),
    afterStored: (message, receivedAt) =>
      followUpStoredMessage({ ...ingestionDeps, logger, monitorPolicy, textBack, endedCalls }, message, receivedAt),
  });
  const tools = new AssistantTools({
    ...ingestionDeps,
    sms,
    logger,
    control,
    bookingLimits: settings.bookingLimits,
    defaultCountry: settings.defaultCountry,
  });
  const vapiWebhook = vapiWebhookRoute({
    logger,
    metrics: deps.metrics,
    auth: webhookAuth,
    service: new VapiWebhookService({ db: deps.db, logger, ingestion, tools, assistantSync }),
    bodyLimitBytes: config.http.bodyLimitBytes,
  });
  const webhookRoutes = [
    twilioWebhookRoutes({ authToken: smsSender?.authToken, publicUrl: deps.publicUrl, sms, textBack, logger, metrics: deps.metrics }),
  ];

  // Receipts only short-cut exact replays (ingestion is idempotent without them), and signed
  // deliveries older than 5 minutes are refused anyway: a day of them is plenty.
  const pruneReceipts = setInterval(() => {
    deps.db
      .deleteFrom('webhook_receipts')
      .where('received_at', '<', new Date(Date.now() - RECEIPT_RETENTION_MS))
      .execute()
      .catch((err: unknown) => logger.warn({ err }, 'webhook receipt pruning failed'));
  }, RECEIPT_PRUNE_INTERVAL_MS);
  pruneReceipts.unref();

  return {
    mode: settings.mode,
    vapi,
    twilio,
    webhookServer,
    assistantSync,
    sms,
    textBack,
    ingestion,
    tools,
    control,
    monitorPolicy,
    webhookAuth,
    vendors,
    vapiWebhook,
    webhookRoutes,
    async check() {
      return {
        mode: settings.mode,
        webhookAuth: webhookAuth.mode,
        sms: smsSender ? 'configured' : 'not_configured',
        ...vendors.describe?.(),
      };
    },
    async close() {
      clearInterval(pruneReceipts);
      await sms.drain();
    },
  };
}
