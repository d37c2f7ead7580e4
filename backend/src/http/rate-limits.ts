// Rate limits: per client IP on the sign-in routes, per clinic on the authenticated API.
// With REDIS_URL the counters are shared by every instance; otherwise they live in this process.
import { rateLimit, type Store } from 'express-rate-limit';
import type { Request, RequestHandler } from 'express';
import { AppError } from '../errors.js';
import { httpStatusOf } from './errors.js';

export interface RateLimitOptions {
  windowMs: number;
  limit: number;
  /** Distinguishes counters of different limiters in a shared store. */
  prefix: string;
  key: (req: Request) => string;
  message: string;
  store?: (prefix: string) => Store;
}

export function rateLimiter(options: RateLimitOptions): RequestHandler {
  return rateLimit({
    windowMs: options.windowMs,
    limit: options.limit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    keyGenerator: (req) => `${options.prefix}:${options.key(req)}`,
    ...(options.store ? { store: options.store(options.prefix) } : {}),
    handler: (_req, res, _next, used) => {
      const retryAfterSeconds = Math.max(1, Math.ceil((used.windowMs ?? options.windowMs) / 1000));
      if (!res.getHeader('Retry-After')) res.setHeader('Retry-After', String(retryAfterSeconds));
      const error = new AppError('rate_limited', options.message);
      res.status(httpStatusOf(error)).json(error.toBody());
    },
  });
}

/** The client address for per-IP limits (behind a proxy, `TRUST_PROXY` makes this the real client). */
export function clientIp(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}
