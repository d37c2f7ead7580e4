// GET /health: liveness and dependency checks. A failing critical dependency (the database)
// answers 503 "degraded"; a failing non-critical one (Redis fan-out) answers 200 "degraded", because
// the instance still serves its own consoles and a load balancer should keep it.
//
// Probes come from load balancers every few seconds per instance, and from monitors: they are
// answered by plain node:http, ahead of Express, whose routing and middleware cost twice the probe
// itself in CPU and most of its tail latency under load (bench/backend).
import type { IncomingMessage, ServerResponse } from 'node:http';

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

/** Answers `GET`/`HEAD /health` (query string ignored) and returns true; leaves any other request alone. */
export type HealthProbe = (req: IncomingMessage, res: ServerResponse) => boolean;

export function healthProbe(deps: { version: string; startedAt: number; checks: HealthCheck[]; now?: () => number }): HealthProbe {
  const clock = deps.now ?? Date.now;
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

  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const now = clock();
    if (!cached || now - cached.at > RESULT_TTL_MS) cached = { at: now, results: runChecks() };
    const checks = await cached.results;
    const failing = deps.checks.filter((c) => checks[c.name]?.status === 'fail');
    const criticalDown = failing.some((c) => c.critical);
    const body = JSON.stringify({
      status: failing.length ? 'degraded' : 'ok',
      timestamp: new Date().toISOString(),
      uptime: Math.round((now - deps.startedAt) / 1000),
      version: deps.version,
      checks,
    });
    res.writeHead(criticalDown ? 503 : 200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const url = req.url ?? '';
    if (url !== '/health' && !url.startsWith('/health?')) return false;
    // runChecks catches every check's failure, so this cannot reject; the guard is for the impossible.
    answer(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
    return true;
  };
}
