// GET /health: liveness and dependency checks. A failing critical dependency (the database)
// answers 503 "degraded"; a failing non-critical one (Redis fan-out) answers 200 "degraded", because
// the instance still serves its own consoles and a load balancer should keep it.
//
// It is unauthenticated, so it says only the version and each dependency's status and latency:
// never why a check failed (error text names hosts, users and addresses) nor what a check knows
// (drivers, modes, the sandbox's addresses). Failures go to the log (`onFailure`) instead.
//
// Probes come from load balancers every few seconds per instance, and from monitors: they are
// answered by plain node:http, ahead of Express, whose routing and middleware cost twice the probe
// itself in CPU and most of its tail latency under load (bench/backend).
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface HealthCheck {
  name: string;
  critical: boolean;
  /** Resolves when healthy (whatever it resolves with is not shown); rejects with the reason when not. */
  run(): Promise<unknown>;
}

interface CheckResult {
  status: 'ok' | 'fail';
  latencyMs: number;
}

// Under load every probe shares one recent answer instead of queueing its own database round-trip.
const RESULT_TTL_MS = 1_000;

/** Answers `GET`/`HEAD /health` (query string ignored) and returns true; leaves any other request alone. */
export type HealthProbe = (req: IncomingMessage, res: ServerResponse) => boolean;

export function healthProbe(deps: {
  version: string;
  startedAt: number;
  checks: HealthCheck[];
  now?: () => number;
  /** Told why a check failed (for the log), at most once per cached answer. */
  onFailure?: (check: string, error: unknown) => void;
}): HealthProbe {
  const clock = deps.now ?? Date.now;
  let cached: { at: number; results: Promise<Record<string, CheckResult>> } | undefined;

  const runChecks = async (): Promise<Record<string, CheckResult>> => {
    const entries = await Promise.all(
      deps.checks.map(async (check): Promise<[string, CheckResult]> => {
        const started = performance.now();
        try {
          await check.run();
          return [check.name, { status: 'ok', latencyMs: Math.round(performance.now() - started) }];
        } catch (error) {
          deps.onFailure?.(check.name, error);
          return [check.name, { status: 'fail', latencyMs: Math.round(performance.now() - started) }];
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
