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
import { createHttpApp } from './http/app.js';
import { AppError } from './http/errors.js';
import { createMetrics, type Metrics } from './http/metrics.js';
import { clientIp, rateLimiter } from './http/rate-limits.js';
import { UpgradeRouter } from './http/upgrade-router.js';
import { healthProbe, type HealthCheck } from './health/health-probe.js';
import { AccessTokens } from './auth/tokens.js';
import { resolveJwtSecret } from './auth/jwt-secret.js';
import { LocalIdentityProvider } from './auth/local-identity.js';
import type { IdentityProvider } from './auth/identity-provider.js';
import { requireAuth } from './auth/middleware.js';
import { authRoutes } from './auth/auth-routes.js';
import { InProcessEventBus, type LiveEventBus } from './live/event-bus.js';
import { LiveHub, liveHubSettings } from './live/live-hub.js';
import { EventRetention, retentionPolicy } from './live/event-retention.js';
import { LIVE_SOCKET_PATH, WEB_TEST_SOCKET_PATH } from '@voxanne/protocol';
import { ensureDemoClinic } from './clinics/demo-clinic.js';
import { ensureDemoHistory } from './clinics/demo-history.js';
import { callRoutes } from './calls/call-routes.js';
import { bookingRoutes } from './bookings/booking-routes.js';
import { dashboardRoutes } from './dashboard/stats-routes.js';
import { agentRoutes } from './agent/agent-routes.js';
import type { AssistantSync } from './agent/assistant-sync.js';
import { computeDashboardStats } from './dashboard/stats.js';
import { startTelephony, type Telephony } from './telephony/telephony.js';
import { WebTestBridge } from './webtest/web-test-bridge.js';
import { webTestRoutes } from './webtest/web-test-routes.js';

export interface Backend {
  config: Config;
  logger: Logger;
  database: DatabaseHandle;
  identity: IdentityProvider;
  bus: LiveEventBus;
  /** Vapi + Twilio (or the sandbox): clients, webhook ingestion, the simulator in sandbox mode. */
  telephony: Telephony;
  /** `/ws/live-calls` of this instance. */
  liveHub: LiveHub;
  /** `/ws/web-test` of this instance. */
  webTest: WebTestBridge;
  metrics: Metrics;
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
}

export async function startBackend(config: Config, logger: Logger, overrides: BackendOverrides = {}): Promise<Backend> {
  const startedAt = Date.now();
  const database = overrides.database ?? (await openDatabase(config.database));
  const closers: Array<() => Promise<void>> = overrides.database ? [] : [() => database.close()];
  // Known once listening (PORT=0 picks a free port); services that hand our address to vendors
  // (webhook URLs) read it lazily through this.
  let url = '';
  const publicUrl = () => config.http.publicUrl ?? url;
  try {
    const migrations = await migrate(database.db);
    logger.info({ applied: migrations.applied, driver: database.kind }, 'database ready');

    let demoClinicId: string | undefined;
    if (config.sandbox.seedDemo) {
      const demo = await ensureDemoClinic(database.db, config.dataDir, config.sandbox.demoPassword);
      logger.info(
        { clinicId: demo.clinicId, created: demo.created },
        `Demo sign-in (sandbox only): frontdesk@demo.voxanne.test or admin@demo.voxanne.test, password ${demo.password}`,
      );
      demoClinicId = demo.clinicId;
      const history = await ensureDemoHistory(database.db, demo.clinicId);
      if (history.created) logger.info({ calls: history.calls, bookings: history.bookings }, 'demo clinic sample history created');
    }
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

    const telephony = await startTelephony({
      config,
      logger,
      db: database.db,
      bus,
      metrics,
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
      : new LocalIdentityProvider(database.db, tokens, config.auth.refreshTokenTtlDays);
    const authenticated = requireAuth(identity);

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
    const clinicLimiter = rateLimiter({
      store,
      windowMs: 60_000,
      limit: config.http.apiRateLimitPerMinute,
      prefix: 'api-clinic',
      key: (req) => req.principal?.clinicId ?? clientIp(req),
      message: 'This clinic is sending too many requests. Wait a moment and try again.',
    });

    const checks: HealthCheck[] = [
      { name: 'database', critical: true, run: async () => ({ driver: database.kind, ...(await database.ping(500).then(() => ({}))) }) },
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
      rateLimitStore: store,
    });
    protectedApi.use(
      dashboardRoutes({ db: database.db }),
      callRoutes({ db: database.db }),
      bookingRoutes({ db: database.db, bus }),
      agentRoutes(agentDeps),
      ...telephony.apiRoutes(agentDeps, { rateLimitStore: store }),
      webTestRoutes(webTest),
    );

    const app = createHttpApp({
      config,
      logger,
      metrics,
      operational: [metricsRouter],
      webhooks: telephony.webhookRoutes,
      api: [authRoutes({ db: database.db, identity, authLimiter, requireAuth: authenticated }), protectedApi],
    });

    await sharedCounters?.ready(3_000);

    const upgrades = new UpgradeRouter();
    const liveHub = new LiveHub({ db: database.db, bus, identity, logger, metrics, settings: liveHubSettings(config) });
    upgrades.register(LIVE_SOCKET_PATH, liveHub.handleUpgrade);
    upgrades.register(WEB_TEST_SOCKET_PATH, webTest.handleUpgrade);
    const retention = new EventRetention(database.db, retentionPolicy(config), config.live.retention.intervalMinutes * 60_000, logger);
    retention.start();
    closers.unshift(
      () => liveHub.close(),
      () => retention.stop(),
    );
    const health = healthProbe({ version: config.version, startedAt, checks });
    const server = http.createServer((req, res) => {
      if (!health(req, res)) app(req, res);
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
    if (demoClinicId) {
      // Needs our URL (the line's webhook target), so only now.
      await telephony
        .provisionDemoClinic(demoClinicId, agentDeps)
        .catch((err: unknown) => logger.warn({ err }, 'demo clinic line not provisioned'));
    }

    let closing: Promise<void> | undefined;
    const close = () =>
      (closing ??= (async () => {
        // Upgraded sockets are not requests: server.close() would wait for them, so end them first.
        await Promise.all([liveHub.close(), webTest.close()]);
        await stopHttp(server, config.http.shutdownTimeoutMs);
        for (const closer of closers) await closer().catch((err) => logger.warn({ err }, 'error while closing'));
      })());

    return { config, logger, database, identity, bus, telephony, liveHub, webTest, metrics, server, url, publicUrl, close };
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
