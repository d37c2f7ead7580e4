// GET /health (R-B1): liveness and dependency checks. A failing critical dependency (the database)
// answers 503 "degraded"; a failing non-critical one (Redis fan-out) answers 200 "degraded", because
// the instance still serves its own consoles and a load balancer should keep it.
import { Router } from 'express';

export interface HealthCheck {
  name: string;
  critical: boolean;
  /** Resolves with optional detail when healthy; rejects with the reason when not. */
  run(): Promise<Record<string, unknown> | void>;
}

interface CheckResult {
  status: 'ok' | 'fail';
  latencyMs: number;
  error?: string;
  [detail: string]: unknown;
}

// Under load every probe shares one recent answer instead of queueing its own database round-trip.
const RESULT_TTL_MS = 1_000;

export function healthRoutes(deps: { version: string; startedAt: number; checks: HealthCheck[] }): Router {
  const router = Router();
  let cached: { at: number; results: Promise<Record<string, CheckResult>> } | undefined;

  const runChecks = async (): Promise<Record<string, CheckResult>> => {
    const entries = await Promise.all(
      deps.checks.map(async (check): Promise<[string, CheckResult]> => {
        const started = performance.now();
        try {
          const detail = (await check.run()) ?? {};
          return [check.name, { status: 'ok', latencyMs: Math.round(performance.now() - started), ...detail }];
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          return [check.name, { status: 'fail', latencyMs: Math.round(performance.now() - started), error: message }];
        }
      }),
    );
    return Object.fromEntries(entries);
  };

  router.get('/health', async (_req, res) => {
    const now = Date.now();
    if (!cached || now - cached.at > RESULT_TTL_MS) cached = { at: now, results: runChecks() };
    const checks = await cached.results;
    const failing = deps.checks.filter((c) => checks[c.name]?.status === 'fail');
    const criticalDown = failing.some((c) => c.critical);
    res.status(criticalDown ? 503 : 200).json({
      status: failing.length ? 'degraded' : 'ok',
      timestamp: new Date().toISOString(),
      uptime: Math.round((now - deps.startedAt) / 1000),
      version: deps.version,
      checks,
    });
  });

  return router;
}
