// One log line per request, when it finishes (or is abandoned by the client): method, path, status
// and time taken. The request id comes from the logger's request context (logging/logger.ts) and is
// also written explicitly, since a response can finish outside that context.
//
// Paths only: a query string can hold a searched phone number or name. /health and /metrics are
// answered before this middleware runs, so probes and scrapes (every few seconds) are not logged.
//
// pino-http did this before; it also built a child logger per request that nothing here used, which
// cost ~10 % of the backend's CPU per request on the calls list (bench/backend, CPU profile).
import type { Request, RequestHandler } from 'express';
import type { Logger } from '../logging/logger.js';

export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const path = req.originalUrl.split('?')[0]!;
    const startedAt = performance.now();
    const line = () => ({
      reqId: (req as Request & { id?: string }).id,
      req: { method: req.method, path },
      res: { statusCode: res.statusCode },
      responseTime: Math.round(performance.now() - startedAt),
    });
    res.on('finish', () => {
      const status = res.statusCode;
      const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
      logger[level](line(), 'request completed');
    });
    res.on('close', () => {
      if (!res.writableFinished) logger.warn(line(), 'request aborted by the client');
    });
    next();
  };
}
