// Telephony's composition: picks the real vendors or the built-in sandbox (no VAPI_API_KEY), builds
// the Vapi and Twilio clients against the chosen base URLs, and hands backend.ts what it mounts: the
// webhook routers, the console API routers, the AssistantSync and a health check.
import { randomBytes } from 'node:crypto';
import type { Router } from 'express';
import type { Store } from 'express-rate-limit';
import type { Config } from '../config/config.js';
import type { Db } from '../db/database.js';
import type { Logger } from '../logging/logger.js';
import type { Metrics } from '../http/metrics.js';
import type { LiveEventBus } from '../live/event-bus.js';
import { getAgent, updateAgent, type AgentServiceDeps } from '../agent/agent-service.js';
import { rateLimiter } from '../http/rate-limits.js';
import { principalOf } from '../auth/middleware.js';
import { startSandbox, type Sandbox } from '../../sandbox/sandbox.js';
import { testCallRoutes } from '../test-calls/test-call-routes.js';
import { connectPhoneNumber, phoneNumberRoutes, type PhoneNumberDeps } from '../phone-numbers/phone-number-routes.js';
import { KnowledgeBase } from '../knowledge/knowledge-service.js';
import { knowledgeRoutes } from '../knowledge/knowledge-routes.js';
import { AssistantTools } from './assistant-tools.js';
import { BookingSms } from './booking-sms.js';
import { CallIngestion, type StatsProvider } from './call-ingestion.js';
import { TwilioGateway } from './twilio-client.js';
import { twilioWebhookRoutes } from './twilio-webhook-routes.js';
import { VapiAssistantSync, WebhookServer } from './vapi-assistant-sync.js';
import { VapiClient } from './vapi-client.js';
import { vapiWebhookRoutes } from './vapi-webhook-routes.js';
import type { WebhookAuth } from './webhook-auth.js';

const RECEIPT_RETENTION_MS = 24 * 3_600_000;
const RECEIPT_PRUNE_INTERVAL_MS = 3_600_000;

export interface TelephonyDeps {
  config: Config;
  logger: Logger;
  db: Db;
  bus: LiveEventBus;
  metrics: Metrics;
  /** This service's public base URL; known only once it listens. */
  publicUrl: () => string;
  stats?: StatsProvider;
}

export interface Telephony {
  mode: 'vapi' | 'sandbox';
  vapi: VapiClient;
  twilio: TwilioGateway;
  assistantSync: VapiAssistantSync;
  sms: BookingSms;
  knowledge: KnowledgeBase;
  ingestion: CallIngestion;
  tools: AssistantTools;
  webhookAuth: WebhookAuth;
  /** The simulator, in sandbox mode. */
  sandbox: Sandbox | undefined;
  /** Mounted at /webhooks. */
  webhookRoutes: Router[];
  /** Mounted inside the authenticated /api router. */
  apiRoutes(agents: AgentServiceDeps, options?: { rateLimitStore?: ((prefix: string) => Store) | undefined }): Router[];
  /** For /health `checks.telephony`. */
  check(): Promise<Record<string, unknown>>;
  /** Sandbox only: gives the demo clinic a connected line so simulated patients can ring it. */
  provisionDemoClinic(clinicId: string, agents: AgentServiceDeps): Promise<void>;
  close(): Promise<void>;
}

export async function startTelephony(deps: TelephonyDeps): Promise<Telephony> {
  const { config, logger } = deps;
  const settings = config.telephony;
  const webhookAuth: WebhookAuth = {
    mode: settings.vapi.webhookAuth,
    // Sandbox mode without a configured secret: a fresh one per process, shared with the simulator.
    secret: settings.vapi.webhookSecret ?? randomBytes(32).toString('hex'),
  };

  const sandbox =
    settings.mode === 'sandbox'
      ? await startSandbox({
          port: config.sandbox.port,
          timeScale: config.sandbox.timeScale,
          inboundCallsPerMinute: config.sandbox.inboundCallsPerMinute,
          logger,
          backendUrl: deps.publicUrl,
          webhookAuth,
        })
      : undefined;

  const vapi = new VapiClient({
    baseUrl: sandbox?.vapiBaseUrl ?? settings.vapi.baseUrl,
    apiKey: sandbox?.apiKey ?? settings.vapi.apiKey!,
    logger,
  });
  const twilio = new TwilioGateway(sandbox?.twilioBaseUrl ?? settings.twilio.baseUrl);
  const smsSender = sandbox
    ? { accountSid: sandbox.platform.accountSid, authToken: sandbox.platform.authToken, from: sandbox.platform.smsNumber }
    : settings.twilio.accountSid && settings.twilio.authToken && settings.twilio.smsFrom
      ? { accountSid: settings.twilio.accountSid, authToken: settings.twilio.authToken, from: settings.twilio.smsFrom }
      : undefined;
  const sms = new BookingSms({ db: deps.db, gateway: twilio, sender: smsSender, template: settings.smsBookingTemplate, logger });
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
  const ingestion = new CallIngestion(ingestionDeps);
  const tools = new AssistantTools({ ...ingestionDeps, sms, logger });
  let knowledge: KnowledgeBase | undefined;
  const defaultPhoneNumberId = () => settings.vapi.defaultPhoneNumberId ?? sandbox?.platform.outboundPhoneNumberId;

  const webhookRoutes = [
    vapiWebhookRoutes({
      db: deps.db,
      logger,
      metrics: deps.metrics,
      auth: webhookAuth,
      ingestion,
      tools,
      webhookServer,
      model: settings.vapi.model,
    }),
    twilioWebhookRoutes({ authToken: smsSender?.authToken, publicUrl: deps.publicUrl, sms, logger, metrics: deps.metrics }),
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

  const phoneDeps = (agents: AgentServiceDeps): PhoneNumberDeps => ({ db: deps.db, logger, vapi, twilio, webhookServer, agents });

  const telephony: Telephony = {
    mode: settings.mode,
    vapi,
    twilio,
    assistantSync,
    sms,
    get knowledge(): KnowledgeBase {
      if (!knowledge) throw new Error('knowledge base used before apiRoutes() wired the agent service');
      return knowledge;
    },
    ingestion,
    tools,
    webhookAuth,
    sandbox,
    webhookRoutes,
    apiRoutes(agents, options = {}) {
      knowledge = new KnowledgeBase({ db: deps.db, logger, vapi, assistantSync, agents });
      const perUser = rateLimiter({
        windowMs: 60_000,
        limit: settings.testCallsPerMinute,
        prefix: 'test-call-user',
        key: (req) => principalOf(req).staffId,
        message: `You can start ${settings.testCallsPerMinute} test calls a minute. Wait a moment and try again.`,
        ...(options.rateLimitStore ? { store: options.rateLimitStore } : {}),
      });
      return [
        testCallRoutes({
          db: deps.db,
          bus: deps.bus,
          logger,
          vapi,
          agents,
          ...(deps.stats ? { stats: deps.stats } : {}),
          defaultPhoneNumberId,
          limiter: perUser,
        }),
        phoneNumberRoutes(phoneDeps(agents)),
        knowledgeRoutes({ knowledge, maxBytes: settings.knowledgeMaxBytes }),
      ];
    },
    async check() {
      return {
        mode: settings.mode,
        webhookAuth: webhookAuth.mode,
        sms: smsSender ? 'configured' : 'not_configured',
        ...(sandbox ? { sandbox: { url: sandbox.url, controlUrl: sandbox.controlUrl, timeScale: config.sandbox.timeScale } } : {}),
      };
    },
    async provisionDemoClinic(clinicId, agents) {
      if (!sandbox) return;
      // The sandbox forgets everything when the process ends while the database remembers: ids from
      // an earlier run are re-created here (assistant via a sync, the line by reconnecting it).
      const agent = await getAgent(deps.db, clinicId);
      if (!agent.providerAssistantId || !sandbox.state.assistants.has(agent.providerAssistantId)) {
        await updateAgent(agents, clinicId, agent.personality);
      }
      const existing = await deps.db
        .selectFrom('phone_numbers')
        .select(['id', 'provider_number_id'])
        .where('clinic_id', '=', clinicId)
        .execute();
      if (existing.some((n) => n.provider_number_id && sandbox.state.phoneNumbers.has(n.provider_number_id))) return;
      if (existing.length > 0) await deps.db.deleteFrom('phone_numbers').where('clinic_id', '=', clinicId).execute();
      const line = sandbox.clinicAccount.numbers[0]!;
      await connectPhoneNumber(phoneDeps(agents), clinicId, {
        phoneNumber: line.phoneNumber,
        twilioAccountSid: sandbox.clinicAccount.sid,
        twilioAuthToken: sandbox.clinicAccount.authToken,
      });
      logger.info({ clinicId, number: line.phoneNumber }, 'demo clinic line connected in the sandbox');
    },
    async close() {
      clearInterval(pruneReceipts);
      await sandbox?.close();
      await sms.drain();
      await knowledge?.drain();
    },
  };
  return telephony;
}
