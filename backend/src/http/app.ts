// The Express application: cross-cutting middleware, the capability routers, errors in one shape.
// Capabilities own their routes (auth/, calls/, telephony/ ...); this file only wires them.
import cors from 'cors';
import express, { type ErrorRequestHandler, type Router } from 'express';
import helmet from 'helmet';
import { CSRF_HEADER, INSTANCE_HEADER } from '@voxanne/protocol';
import type { Config } from '../config/config.js';
import { runWithRequestId, type Logger } from '../logging/logger.js';
import { AppError } from '../errors.js';
import { httpStatusOf } from './errors.js';
import { httpMetrics, type Metrics } from '../metrics.js';
import { requestIdOf, requestLog } from './request-log.js';

export interface HttpAppParts {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  /** Mounted at `/` ahead of the browser-facing middleware (metrics; /health is answered before Express). */
  operational: Router[];
  /** Mounted at `/webhooks` (Twilio's, form-encoded). */
  webhooks: Router[];
  /** Mounted at `/api`. */
  api: Router[];
}

export function createHttpApp(parts: HttpAppParts): express.Express {
  const { config, logger } = parts;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.http.trustProxy);
  app.set('query parser', 'simple');

  // Request id first, so every later log line of the request carries it.
  app.use((req, res, next) => {
    const id = requestIdOf(req.headers['x-request-id']);
    (req as { id?: string }).id = id;
    res.setHeader('X-Request-Id', id);
    runWithRequestId(id, next);
  });
  // Metrics scrapes come from Prometheus, not browsers: served ahead of the browser-facing middleware
  // (security headers, CORS), which cost more CPU than the scrape itself. Not logged either
  // (request-log.ts). Health probes never reach Express at all (health/health-probe.ts).
  for (const router of parts.operational) app.use(router);
  app.use(requestLog(logger));
  app.use(httpMetrics(parts.metrics));

  const limit = config.http.bodyLimitBytes;
  // Twilio's webhooks (form-encoded) come from its servers, never from a browser: mounted ahead of the
  // browser-facing middleware (security headers, CORS), which has nothing to protect on them. Vapi's,
  // most of the traffic, are answered before Express (telephony/vapi-webhook-routes.ts).
  const webhooks = express.Router();
  webhooks.use(express.urlencoded({ limit, extended: false }));
  for (const router of parts.webhooks) webhooks.use(router);
  app.use('/webhooks', webhooks);

  // Every /api answer is about one signed-in clinic (patients, calls, tokens): no browser, proxy or
  // disk cache may keep one, errors included (set before any route or limiter can answer).
  app.use('/api', (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  app.use(helmet());
  app.use(
    cors({
      origin: config.http.corsOrigins.length ? config.http.corsOrigins : false,
      allowedHeaders: ['Authorization', 'Content-Type', CSRF_HEADER, INSTANCE_HEADER, 'X-Request-Id'],
      exposedHeaders: ['Retry-After', 'X-Request-Id', 'RateLimit', 'RateLimit-Policy'],
      maxAge: 600,
    }),
  );

  const api = express.Router();
  api.use(express.json({ limit }));
  for (const router of parts.api) api.use(router);
  app.use('/api', api);

  app.use((req) => {
    throw new AppError('not_found', `No route for ${req.method} ${req.path}`);
  });
  app.use(errorHandler(logger));
  return app;
}

function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, next) => {
    if (res.headersSent) return next(err);
    const error = toAppError(err);
    if (error.code === 'internal') logger.error({ err }, 'unhandled error');
    if (error.code === 'rate_limited' && !res.getHeader('Retry-After')) res.setHeader('Retry-After', '60');
    res.status(httpStatusOf(error)).json(error.toBody());
  };
}

/** Maps anything thrown to an AppError; unknown failures become a 500 that reveals nothing. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as { type?: string; status?: number; code?: string };
  switch (e?.type) {
    case 'entity.parse.failed':
      return new AppError('invalid_json', 'The request body is not valid JSON.');
    case 'entity.too.large':
      return new AppError('payload_too_large', 'The request body is too large.');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('unsupported_media_type', 'The request body encoding is not supported.');
  }
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    return new AppError('bad_request', 'The request could not be understood.');
  }
  return new AppError('internal', 'Something went wrong on our side. It has been logged.');
}
