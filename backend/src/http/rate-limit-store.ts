// Rate-limit counters shared by every instance through Redis (REDIS_URL), so "20 sign-ins a minute"
// means 20 across the whole deployment, not 20 per instance. The counting is rate-limit-redis's;
// this file adds what a hosted service needs around it:
// - fail open: while Redis is unreachable requests are let through (logged, throttled) rather than
//   failing every API call, and no command waits in a queue behind a dead connection;
// - recovery: the library keeps its Lua script ids in promises it only refreshes on NOSCRIPT, so a
//   load that failed during an outage would poison it for good; scripts are reloaded on every
//   (re)connect instead.
import { Redis } from 'ioredis';
import type { IncrementResponse, Options, Store } from 'express-rate-limit';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import type { Logger } from '../logging/logger.js';

const WARN_EVERY_MS = 30_000;

export interface SharedRateLimitStores {
  /** A store for one limiter (each limiter needs its own instance). */
  store(): Store;
  /**
   * Resolves once Redis is connected and the stores' scripts are loaded, or after `timeoutMs` (a
   * Redis that is down at start-up must not keep the service from starting: it fails open).
   */
  ready(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export function redisRateLimitStores(url: string, keyPrefix: string, logger: Logger): SharedRateLimitStores {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
  let lastWarning = 0;
  const warn = (error: unknown, message: string) => {
    const now = Date.now();
    if (now - lastWarning < WARN_EVERY_MS) return;
    lastWarning = now;
    logger.warn({ err: error }, message);
  };
  redis.on('error', (error) => warn(error, 'rate-limit Redis unreachable: limits are not enforced until it is back'));

  const stores: FailOpenRedisStore[] = [];
  redis.on('ready', () => {
    for (const store of stores) store.loadScripts();
  });

  return {
    store() {
      // Keys already carry the limiter's name (`auth-ip:<ip>`); the prefix keeps deployments apart.
      const store = new FailOpenRedisStore(redis, keyPrefix, warn);
      stores.push(store);
      return store;
    },
    async ready(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const connected = redis.status === 'ready' ? Promise.resolve() : new Promise<void>((resolve) => redis.once('ready', resolve));
      const loaded = connected.then(() => Promise.all(stores.map((store) => store.loading)));
      await Promise.race([loaded, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

class FailOpenRedisStore implements Store {
  readonly localKeys = false;
  private readonly inner: RedisStore;
  private options: Options | undefined;

  constructor(
    private readonly redis: Redis,
    readonly prefix: string,
    private readonly warn: (error: unknown, message: string) => void,
  ) {
    this.inner = new RedisStore({
      prefix,
      sendCommand: (command: string, ...args: string[]) => redis.call(command, ...args) as Promise<RedisReply>,
    });
  }

  init(options: Options): void {
    this.options = options;
    this.inner.windowMs = options.windowMs;
    if (this.redis.status === 'ready') this.loadScripts();
  }

  /** The latest script load; settles (never rejects) once it is done. */
  loading: Promise<void> = Promise.resolve();

  loadScripts(): void {
    if (!this.options) return;
    this.loading = this.inner
      .init(this.options)
      .catch((error: unknown) => this.warn(error, 'rate-limit Redis scripts could not be loaded yet'));
  }

  async increment(key: string): Promise<IncrementResponse> {
    try {
      return await this.inner.increment(key);
    } catch (error) {
      this.warn(error, 'rate-limit Redis unreachable: letting requests through');
      return { totalHits: 1, resetTime: new Date(Date.now() + (this.options?.windowMs ?? 60_000)) };
    }
  }

  async get(key: string) {
    try {
      return await this.inner.get(key);
    } catch {
      return undefined;
    }
  }

  async decrement(key: string): Promise<void> {
    await this.inner.decrement(key).catch(() => undefined);
  }

  async resetKey(key: string): Promise<void> {
    await this.inner.resetKey(key).catch(() => undefined);
  }
}
