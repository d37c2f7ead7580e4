// Rate-limit counters shared by every instance through Redis (REDIS_URL), so "20 sign-ins a minute"
// means 20 across the whole deployment, not 20 per instance. The counting is rate-limit-redis's;
// this file adds what a hosted service needs around it:
// - fail open: while Redis is unreachable requests are let through (logged, throttled) rather than
//   failing every API call, and no command waits in a queue behind a dead connection;
// - recovery: the library keeps its Lua script ids in promises it only refreshes on NOSCRIPT, so a
//   load that failed during an outage would poison it for good; scripts are reloaded on every
//   (re)connect instead.
// It also keeps the sign-in backoff counters (auth/login-throttle.ts) in the same Redis, failing open
// the same way.
import { Redis } from 'ioredis';
import type { IncrementResponse, Options, Store } from 'express-rate-limit';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import type { Logger } from '../logging/logger.js';
import type { BackoffCounters, BackoffKey } from '../auth/login-throttle.js';

const WARN_EVERY_MS = 30_000;

export interface SharedRateLimitStores {
  /** A store for one limiter (each limiter needs its own instance). */
  store(): Store;
  /** The sign-in backoff counters, shared by every instance. */
  backoffCounters(): BackoffCounters;
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
    backoffCounters() {
      return new RedisBackoffCounters(redis, keyPrefix, warn);
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

/**
 * Checks every key's wait, and only when none is waiting counts an attempt on each and starts its
 * next wait: one script, so parallel attempts cannot slip past a wait between check and count.
 * KEYS: the keys; ARGV: now, then free, baseMs, maxMs, forgetMs per key. Answers the wait in ms (0: counted).
 */
const BACKOFF_SCRIPT = `
local now = tonumber(ARGV[1])
local wait = 0
for _, key in ipairs(KEYS) do
  local waitUntil = tonumber(redis.call('HGET', key, 'w') or '0')
  if waitUntil - now > wait then wait = waitUntil - now end
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  local at = 1 + (i - 1) * 4
  local free, base, max, forget = tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2]), tonumber(ARGV[at + 3]), tonumber(ARGV[at + 4])
  local count = redis.call('HINCRBY', key, 'n', 1)
  local next = 0
  if count >= free then next = math.min(max, base * 2 ^ math.min(30, count - free)) end
  redis.call('HSET', key, 'w', string.format('%d', now + next))
  redis.call('PEXPIRE', key, forget)
end
return 0`;

type BackoffRedis = Redis & { voxanneBackoff(...args: Array<string | number>): Promise<number> };

class RedisBackoffCounters implements BackoffCounters {
  private readonly redis: BackoffRedis;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly warn: (error: unknown, message: string) => void,
  ) {
    if (!('voxanneBackoff' in redis)) redis.defineCommand('voxanneBackoff', { lua: BACKOFF_SCRIPT });
    this.redis = redis as BackoffRedis;
  }

  async attempt(keys: readonly BackoffKey[], now: number): Promise<number> {
    const args = keys.flatMap(({ policy }) => [policy.free, policy.baseMs, policy.maxMs, policy.forgetMs]);
    try {
      return Number(await this.redis.voxanneBackoff(keys.length, ...keys.map((k) => this.prefix + k.key), now, ...args));
    } catch (error) {
      this.warn(error, 'sign-in backoff Redis unreachable: letting attempts through');
      return 0;
    }
  }

  async clear(key: string): Promise<void> {
    await this.redis.del(this.prefix + key).catch((error: unknown) => this.warn(error, 'sign-in backoff Redis unreachable'));
  }

  async remember(key: string, ttlMs: number): Promise<void> {
    await this.redis
      .set(this.prefix + key, '1', 'PX', ttlMs)
      .catch((error: unknown) => this.warn(error, 'sign-in backoff Redis unreachable'));
  }

  async remembered(key: string): Promise<boolean> {
    try {
      return (await this.redis.exists(this.prefix + key)) === 1;
    } catch {
      return false;
    }
  }
}
