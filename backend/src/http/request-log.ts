// One log line per request, when it finishes (or is abandoned by the client): method, path, status
// and time taken. The request id comes from the logger's request context (logging/logger.ts) and is
// also written explicitly, since a response can finish outside that context.
//
// Paths only: a query string can hold a searched phone number or name. /health and /metrics are
// answered before this middleware runs, so probes and scrapes (every few seconds) are not logged.
//
// pino-http did this before; it also built a child logger per request that nothing here used, which
// cost ~10 % of the backend's CPU per request on the calls list (bench/backend, CPU profile).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, RequestHandler } from 'express';
import type { Logger } from '../logging/logger.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

/** The caller's `X-Request-Id` when it is a plain token of sane length, else a new one. */
export function requestIdOf(incoming: string | string[] | undefined): string {
  return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/** Writes a request's line once it finishes or is abandoned (for Express and for plain routes). */
export type RequestLines = (req: IncomingMessage, res: ServerResponse, path: string, reqId: string | undefined) => void;

export function requestLines(logger: Logger): RequestLines {
  // A request line has a fixed shape (method, path without query, status, time): nothing in it can
  // match a redaction path, and walking them cost ~12 µs of CPU a line, ~7 times the line itself
  // (measured on the webhook route, the busiest). Other lines keep the logger's redaction.
  const lines = logger.child({}, { redact: [] });
  return (req, res, path, reqId) => {
    const startedAt = performance.now();
    const line = () => ({
      reqId,
      req: { method: req.method, path },
      res: { statusCode: res.statusCode },
      responseTime: Math.round(performance.now() - startedAt),
    });
    res.on('finish', () => {
      const status = res.statusCode;
      const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
      lines[level](line(), 'request completed');
    });
    res.on('close', () => {
      if (!res.writableFinished) lines.warn(line(), 'request aborted by the client');
    });
  };
}

export function requestLog(logger: Logger): RequestHandler {
  const log = requestLines(logger);
  return (req, res, next) => {
    log(req, res, req.originalUrl.split('?')[0]!, (req as Request & { id?: string }).id);
    next();
  };
}
