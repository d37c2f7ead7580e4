// Rate limits: per client IP on the sign-in routes, per clinic on the authenticated API.
// With REDIS_URL the counters are shared by every instance; otherwise they live in this process.
import { ipKeyGenerator, rateLimit, type Store } from 'express-rate-limit';
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

/** Every address of one IPv6 subscriber: providers hand out a /56 (or /48, /64), so a /128 key is trivially evaded. */
export const IPV6_SUBNET = 56;

/**
 * The client's address as a rate-limit key (behind a proxy, `TRUST_PROXY` makes `req.ip` the real
 * client): IPv4 as is (IPv4-mapped IPv6 too), IPv6 by its /56 network.
 */
export function clientIp(req: Request): string {
  return addressKey(req.ip ?? req.socket.remoteAddress ?? 'unknown');
}

export function addressKey(address: string): string {
  return ipKeyGenerator(address, IPV6_SUBNET);
}
