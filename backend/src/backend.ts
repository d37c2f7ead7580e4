// Composition root: builds one backend instance from a Config. Used by server.ts (the process) and
// by the integration tests (real HTTP on an ephemeral port), so both run exactly the same wiring.
import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Config } from './config/config.js';
import type { Logger } from './logging/logger.js';
import { openDatabase, type DatabaseHandle } from './db/database.js';
import { migrate } from './db/migrate.js';
import { startEmbeddedUpkeep } from './db/embedded-upkeep.js';
import { secureDataDir } from './db/data-dir.js';
import { acquireEmbeddedLock } from './db/embedded-lock.js';
import { createHttpApp } from './http/app.js';
import { AppError } from './errors.js';
import { createMetrics, type Metrics } from './metrics.js';
import { clientIp, rateLimiter } from './http/rate-limits.js';
import { UpgradeRouter } from './sockets/upgrade-router.js';
import { healthProbe, type HealthCheck } from './health/health-probe.js';
import { AccessTokens } from './auth/tokens.js';
import { resolveJwtSecret } from './auth/jwt-secret.js';
import { LocalIdentityProvider } from './auth/local-identity.js';
import type { IdentityProvider } from './auth/identity-provider.js';
import type { ScryptCost } from './auth/passwords.js';
import { requireAuth } from './auth/middleware.js';
import { authRoutes } from './auth/auth-routes.js';
import { LoginThrottle, MemoryBackoffCounters } from './auth/login-throttle.js';
import { InProcessEventBus, type LiveEventBus } from './live/event-bus.js';
import { LiveHub, liveHubSettings } from './live/live-hub.js';
import { EventRetention, retentionPolicy } from './live/event-retention.js';
import { LISTEN_SOCKET_PATH, LIVE_SOCKET_PATH, WEB_TEST_SOCKET_PATH } from '@voxanne/protocol';
import { callRoutes } from './calls/call-routes.js';
import { callControlRoutes } from './call-control/call-control-routes.js';
import { LiveCallControl } from './call-control/live-call-control.js';
import { ListenHub } from './call-control/listen-hub.js';
import { bookingRoutes } from './bookings/booking-routes.js';
import { dashboardRoutes } from './dashboard/stats-routes.js';
import { agentRoutes } from './agent/agent-routes.js';
import type { AssistantSync } from './agent/assistant-sync.js';
import { computeDashboardStats } from './dashboard/stats.js';
import { configuredVendors, startTelephony, webhookAuthFrom, type Telephony } from './telephony/telephony.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import { KnowledgeBase } from './knowledge/knowledge-service.js';
import { knowledgeRoutes } from './knowledge/knowledge-routes.js';
import { phoneNumberRoutes } from './phone-numbers/phone-number-routes.js';
import type { PhoneNumberDeps } from './phone-numbers/phone-number-service.js';
import { testCallRoutes } from './phone-test-calls/test-call-routes.js';
import { principalOf } from './auth/middleware.js';
import { WebTestBridge } from './web-test/web-test-bridge.js';
import { webTestRoutes } from './web-test/web-test-routes.js';
import { AuditLog } from './audit/audit-log.js';
import { auditRoutes } from './audit/audit-routes.js';
import { complianceRoutes } from './compliance/compliance-routes.js';
import { RetentionJob } from './compliance/retention.js';
import { staffRoutes } from './staff/staff-routes.js';
import { workItemRoutes } from './work-queue/work-item-routes.js';

export interface Backend {
  config: Config;
  logger: Logger;
  database: DatabaseHandle;
  identity: IdentityProvider;
  bus: LiveEventBus;
  /** Vapi + Twilio (or the sandbox's stand-ins): clients, webhook ingestion, the assistant's tools. */
  telephony: Telephony;
  /** The simulator standing in for Vapi and Twilio, in sandbox mode only. */
  sandbox: Sandbox | undefined;
  /** The clinic documents the assistant answers from. */
  knowledge: KnowledgeBase;
  /** `/ws/live-calls` of this instance. */
  liveHub: LiveHub;
  listenHub: ListenHub;
  /** `/ws/web-test` of this instance. */
  webTest: WebTestBridge;
  metrics: Metrics;
  /** The clinics' append-only access and change log. */
  audit: AuditLog;
  /** Applies the clinics' retention periods on a schedule. */
  dataRetention: RetentionJob;
  server: http.Server;
  /** Where this instance listens, e.g. http://127.0.0.1:41234 */
  url: string;
  /** PUBLIC_URL, or the listening address when none is configured. */
  publicUrl(): string;
  /** Graceful: stop accepting, let in-flight requests finish (up to the shutdown timeout), close the database. */
  close(): Promise<void>;
}

export interface BackendOverrides {
  /** An already-open database owned by the caller (tests share one per file); not closed by close(). */
  database?: DatabaseHandle;
  /** Stands in for the voice platform when saving the agent (tests). */
  assistantSync?: AssistantSync;
  /** The scrypt cost of password hashes: tests lower it to stay fast; production always uses PASSWORD_COST. */
  passwordCost?: ScryptCost;
  /** The clock of the sign-in backoff (tests stop it, so no verdict depends on how fast they run). */
  clock?: () => number;
}

export async function startBackend(config: Config, logger: Logger, overrides: BackendOverrides = {}): Promise<Backend> {
  const startedAt = Date.now();
  // DATA_DIR holds secrets whatever the database: owner-only before anything is written there.
  const { unfixed } = secureDataDir(config.dataDir);
  if (unfixed.length) logger.warn({ paths: unfixed.slice(0, 10) }, 'DATA_DIR: some entries are not ours and stay as they are');
  // The embedded database allows one process: refuse (StartupRefusal) while another holds it.
  const lock = config.database.kind === 'pglite' && !overrides.database ? acquireEmbeddedLock(config.dataDir, 'backend') : undefined;
  let database: DatabaseHandle;
  try {
    database = overrides.database ?? (await openDatabase(config.database));
  } catch (error) {
    lock?.release();
    throw error;
  }
  const closers: Array<() => Promise<void>> = overrides.database ? [] : [() => database.close()];
  if (lock) closers.push(async () => lock.release());
  // Known once listening (PORT=0 picks a free port); services that hand our address to vendors
  // (webhook URLs) read it lazily through this.
  let url = '';
  const publicUrl = () => config.http.publicUrl ?? url;
  try {
    const migrations = await migrate(database.db);
    logger.info({ applied: migrations.applied, driver: database.kind }, 'database ready');

    // The simulator and the demo clinic are loaded only when used (dynamic import), so the production
    // bundle's entry point carries neither.
    const sandboxMode =
      config.telephony.mode === 'sandbox' || config.sandbox.seedDemo ? await import('../sandbox/sandbox-mode.js') : undefined;
    const demoClinicId = sandboxMode && config.sandbox.seedDemo ? await sandboxMode.seedDemoClinic(database.db, config, logger) : undefined;
    if (database.kind === 'pglite' && !overrides.database) {
      // No autovacuum in embedded Postgres: statistics and dead rows are looked after here.
      const upkeep = startEmbeddedUpkeep(database.db, logger);
      closers.unshift(async () => upkeep.stop());
      await upkeep.runNow();
    }

    const metrics = createMetrics();
    // Optional integrations (Redis, Supabase) are loaded only when configured: their client libraries
    // are tens of MB of resident memory an instance without them should not carry (bench/backend).
    const bus: LiveEventBus = config.redisUrl
      ? new (await import('./live/redis-event-bus.js')).RedisEventBus(config.redisUrl, config.live.redisChannel, logger)
      : new InProcessEventBus();
    closers.unshift(() => bus.close());

    const webhookAuth = webhookAuthFrom(config);
    const simulated =
      config.telephony.mode === 'sandbox' && sandboxMode
        ? await sandboxMode.startSandboxMode({ config, logger, backendUrl: publicUrl, webhookAuth })
        : undefined;
    const sandbox = simulated?.sandbox;
    if (sandbox) closers.unshift(() => sandbox.close());
    const telephony = startTelephony({
      config,
      logger,
      db: database.db,
      bus,
      metrics,
      vendors: simulated?.vendors ?? configuredVendors(config),
      webhookAuth,
      publicUrl,
      stats: (tx, clinicId) => computeDashboardStats(tx, clinicId),
    });
    closers.unshift(() => telephony.close());

    const tokens = new AccessTokens({
      secret: resolveJwtSecret(config.auth.jwtSecret, config.dataDir),
      audience: config.auth.audience,
      issuer: config.auth.issuer,
      accessTokenTtlSeconds: config.auth.accessTokenTtlSeconds,
    });
    // Supabase Auth when configured (its own JWTs; our secret still keys the CSRF tokens), else local accounts.
    const identity: IdentityProvider = config.auth.supabase
      ? new (await import('./auth/supabase-identity.js')).SupabaseIdentityProvider(database.db, config.auth.supabase, tokens)
      : new LocalIdentityProvider(database.db, tokens, {
          refreshTokenTtlDays: config.auth.refreshTokenTtlDays,
          logger,
          passwordCost: overrides.passwordCost,
        });
    const authenticated = requireAuth(identity);
    const audit = new AuditLog(database.db);

    // With Redis the counters are shared by every instance; otherwise each instance counts alone.
    const sharedCounters = config.redisUrl
      ? (await import('./http/rate-limit-store.js')).redisRateLimitStores(config.redisUrl, config.http.rateLimitRedisPrefix, logger)
      : undefined;
    if (sharedCounters) closers.push(() => sharedCounters.close());
    const store = sharedCounters && (() => sharedCounters.store());
    const authLimiter = rateLimiter({
      store,
      windowMs: 60_000,
      limit: config.http.authRateLimitPerMinute,
      prefix: 'auth-ip',
      key: clientIp,
      message: 'Too many sign-in attempts from this address. Wait a minute and try again.',
    });
    const loginThrottle = new LoginThrottle(
      sharedCounters?.backoffCounters() ?? new MemoryBackoffCounters(overrides.clock),
      {
        attemptsBeforeBackoff: config.http.loginBackoffAfterFailures,
        accountAttemptsBeforeBackoff: config.http.loginAccountBackoffAfterAttempts,
      },
      overrides.clock,
    );
    const clinicLimiter = rateLimiter({
      store,
      windowMs: 60_000,
      limit: config.http.apiRateLimitPerMinute,
      prefix: 'api-clinic',
      key: (req) => req.principal?.clinicId ?? clientIp(req),
      message: 'This clinic is sending too many requests. Wait a moment and try again.',
    });

    const checks: HealthCheck[] = [
      { name: 'database', critical: true, run: () => database.ping(500) },
      { name: 'liveBus', critical: false, run: () => bus.check() },
      { name: 'telephony', critical: false, run: () => telephony.check() },
    ];

    const metricsRouter = express.Router();
    metricsRouter.get('/metrics', async (req, res) => {
      if (config.http.metricsToken && !bearerMatches(req.get('authorization'), config.http.metricsToken)) {
        res.status(401).json(new AppError('unauthenticated', 'GET /metrics needs the METRICS_TOKEN as a bearer token.').toBody());
        return;
      }
      res.setHeader('Content-Type', metrics.registry.contentType);
      res.send(await metrics.registry.metrics());
    });

    // Every authenticated API route is rate limited per clinic after its token is verified.
    const protectedApi = express.Router();
    protectedApi.use(authenticated, clinicLimiter);
    const assistantSync = overrides.assistantSync ?? telephony.assistantSync;
    const agentDeps = { db: database.db, bus, assistantSync };
    const webTest = new WebTestBridge({
      db: database.db,
      bus,
      identity,
      logger: logger.child({ component: 'web-test' }),
      metrics,
      vapi: telephony.vapi,
      agents: agentDeps,
      stats: (tx, clinicId) => computeDashboardStats(tx, clinicId),
      mode: telephony.mode,
      allowedOrigins: config.http.wsAllowedOrigins,
      maxSeconds: config.webTest.maxSessionSeconds,
      bufferFrames: config.webTest.audioBufferFrames,
      startsPerMinute: config.webTest.startsPerMinute,
      socketsPerUser: config.webTest.socketsPerUser,
      sessionRecheckMs: config.live.sessionRecheckMs,
      tokenExpiryWarningMs: config.live.tokenExpiryWarningSeconds * 1000,
      rateLimitStore: store,
    });
    const knowledge = new KnowledgeBase({
      db: database.db,
      logger,
      vapi: telephony.vapi,
      assistantSync: telephony.assistantSync,
      agents: agentDeps,
    });
    closers.unshift(() => knowledge.drain());
    const phoneNumbers: PhoneNumberDeps = {
      db: database.db,
      logger,
      vapi: telephony.vapi,
      twilio: telephony.twilio,
      webhookServer: telephony.webhookServer,
      agents: agentDeps,
    };
    const testCallsPerMinute = config.telephony.testCallsPerMinute;
    const testCallLimiter = rateLimiter({
      store,
      windowMs: 60_000,
      limit: testCallsPerMinute,
      prefix: 'test-call-user',
      key: (req) => principalOf(req).staffId,
      message: `You can start ${testCallsPerMinute} test calls a minute. Wait a moment and try again.`,
    });
    const liveCallControl = new LiveCallControl({
      db: database.db,
      bus,
      control: telephony.control,
      logger: logger.child({ component: 'call-control' }),
      stats: (tx, clinicId) => computeDashboardStats(tx, clinicId),
    });
    const listenHub = new ListenHub({
      db: database.db,
      bus,
      identity,
      logger: logger.child({ component: 'listen' }),
      metrics,
      control: liveCallControl,
      acceptsListenUrl: telephony.monitorPolicy.acceptsListen,
      settings: {
        allowedOrigins: config.http.wsAllowedOrigins,
        bufferFrames: config.callControl.listenBufferFrames,
        ticketSeconds: config.callControl.listenTicketSeconds,
        socketsPerUser: config.webTest.socketsPerUser,
        sessionRecheckMs: config.live.sessionRecheckMs,
      },
    });
    closers.unshift(() => listenHub.close());
    const callControlPerMinute = config.callControl.actionsPerMinute;
    protectedApi.use(
      dashboardRoutes({ db: database.db }),
      callRoutes({ db: database.db, audit: audit.append }),
      auditRoutes({ db: database.db, audit: audit.append }),
      complianceRoutes({ db: database.db, audit: audit.append, agents: agentDeps }),
      staffRoutes({
        db: database.db,
        audit: audit.append,
        authProvider: config.auth.supabase ? 'supabase' : 'local',
        passwordCost: overrides.passwordCost,
        forgetSessions: () => identity.forgetCachedSessions?.(),
      }),
      callControlRoutes({
        control: liveCallControl,
        listen: (principal, callId) => listenHub.issue(principal, callId),
        audit: audit.append,
        limiter: rateLimiter({
          store,
          windowMs: 60_000,
          limit: callControlPerMinute,
          prefix: 'call-control-user',
          key: (req) => principalOf(req).staffId,
          message: `You can take ${callControlPerMinute} live call actions a minute. Wait a moment and try again.`,
        }),
      }),
      bookingRoutes({ db: database.db, bus }),
      agentRoutes({ ...agentDeps, audit: audit.append }),
      testCallRoutes({
        db: database.db,
        bus,
        logger,
        vapi: telephony.vapi,
        agents: agentDeps,
        stats: (tx, clinicId) => computeDashboardStats(tx, clinicId),
        defaultPhoneNumberId: () => telephony.vendors.defaultPhoneNumberId,
        defaultCountry: config.telephony.defaultCountry,
        limiter: testCallLimiter,
      }),
      phoneNumberRoutes({ ...phoneNumbers, audit: audit.append }),
      knowledgeRoutes({
        knowledge,
        audit: audit.append,
        maxBytes: config.telephony.knowledgeMaxBytes,
        limiter: rateLimiter({
          store,
          windowMs: 60_000,
          limit: config.telephony.knowledgeUploadsPerMinute,
          prefix: 'knowledge-upload-user',
          key: (req) => principalOf(req).staffId,
          message: `You can upload ${config.telephony.knowledgeUploadsPerMinute} documents a minute. Wait a moment and try again.`,
        }),
      }),
      webTestRoutes(webTest),
      workItemRoutes({
        audit: audit.append,
        db: database.db,
        bus,
        logger,
        vapi: telephony.vapi,
        defaultPhoneNumberId: () => telephony.vendors.defaultPhoneNumberId,
        defaultCountry: config.telephony.defaultCountry,
        callbackLimiter: testCallLimiter,
      }),
    );

    const app = createHttpApp({
      config,
      logger,
      metrics,
      operational: [metricsRouter],
      webhooks: telephony.webhookRoutes,
      api: [
        authRoutes({ db: database.db, identity, authLimiter, loginThrottle, requireAuth: authenticated, audit: audit.append }),
        protectedApi,
      ],
    });

    await sharedCounters?.ready(3_000);

    const upgrades = new UpgradeRouter();
    const liveHub = new LiveHub({ db: database.db, bus, identity, logger, metrics, settings: liveHubSettings(config) });
    upgrades.register(LIVE_SOCKET_PATH, liveHub.handleUpgrade);
    upgrades.register(WEB_TEST_SOCKET_PATH, webTest.handleUpgrade);
    upgrades.register(LISTEN_SOCKET_PATH, listenHub.handleUpgrade);
    const retention = new EventRetention(database.db, retentionPolicy(config), config.live.retention.intervalMinutes * 60_000, logger);
    retention.start();
    const dataRetention = new RetentionJob({ db: database.db, bus, logger: logger.child({ component: 'retention' }), audit: audit.append });
    dataRetention.start(config.dataRetentionIntervalMinutes * 60_000);
    closers.unshift(
      () => liveHub.close(),
      () => retention.stop(),
      () => dataRetention.stop(),
    );
    const health = healthProbe({
      version: config.version,
      startedAt,
      checks,
      onFailure: (check, err) => logger.warn({ check, err }, 'health check failed'),
    });
    // Probes and Vapi's webhooks (most of the traffic) are answered ahead of Express.
    const server = http.createServer((req, res) => {
      if (!health(req, res) && !telephony.vapiWebhook(req, res)) app(req, res);
    });
    server.on('upgrade', upgrades.handle);
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.http.port, config.http.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    url = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${address.port}`;
    lock?.setPort(address.port);
    if (demoClinicId && sandbox && sandboxMode) {
      // Needs our URL (the line's webhook target), so only now.
      await sandboxMode
        .provisionDemoClinic(sandbox, demoClinicId, { phoneNumbers, agents: agentDeps, logger })
        .catch((err: unknown) => logger.warn({ err }, 'demo clinic line not provisioned'));
    }

    let closing: Promise<void> | undefined;
    const close = () =>
      (closing ??= (async () => {
        // Upgraded sockets are not requests: server.close() would wait for them, so end them first.
        await Promise.all([liveHub.close(), webTest.close(), listenHub.close()]);
        await stopHttp(server, config.http.shutdownTimeoutMs);
        for (const closer of closers) await closer().catch((err) => logger.warn({ err }, 'error while closing'));
      })());

    return {
      config,
      logger,
      database,
      identity,
      bus,
      telephony,
      sandbox,
      knowledge,
      liveHub,
      listenHub,
      webTest,
      metrics,
      audit,
      dataRetention,
      server,
      url,
      publicUrl,
      close,
    };
  } catch (error) {
    for (const closer of closers) await closer().catch(() => undefined);
    throw error;
  }
}

/** Constant-time comparison of `Authorization: Bearer <token>` with the expected token. */
function bearerMatches(header: string | undefined, expected: string): boolean {
  const presented = Buffer.from(/^Bearer (.+)$/.exec(header ?? '')?.[1] ?? '');
  const wanted = Buffer.from(expected);
  return presented.length === wanted.length && timingSafeEqual(presented, wanted);
}

/** Stops accepting connections and waits for in-flight requests, then cuts whatever is left. */
async function stopHttp(server: http.Server, timeoutMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // A keep-alive connection whose last request finishes during shutdown turns idle only then: keep
  // closing idle ones, or the process waits for each client to hang up.
  server.closeIdleConnections();
  const sweep = setInterval(() => server.closeIdleConnections(), 100);
  const timer = setTimeout(() => server.closeAllConnections(), timeoutMs);
  await closed;
  clearInterval(sweep);
  clearTimeout(timer);
}
