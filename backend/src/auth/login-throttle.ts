// Sign-in throttling per account, on top of the per-address limit (http/rate-limits.ts):
// - per account and address: after `attemptsBeforeBackoff` failures in a row, each further attempt
//   from that address at that account waits twice as long as the last (1 s, 2 s, 4 s … 15 min);
//   a successful sign-in clears it. Guessing one password from one address slows to a crawl, and the
//   owner signing in from elsewhere is not affected.
// - per account, from addresses it has never signed in from: after `accountAttemptsBeforeBackoff`
//   such attempts (an attacker spread over many addresses), attempts from new addresses back off
//   too (1 min … 30 min). Addresses the account signed in from in the last 30 days are not held back
//   by this, so an attacker cannot lock the clinic's own desk out of its account, however long they keep at it.
// Accounts are keyed by a hash of the lower-cased email whether or not it exists (the answer must
// not tell); addresses by ipKeyGenerator's form (IPv6 by /56, what one subscriber usually gets).
// The counters live in this process, or in Redis when REDIS_URL is set (http/rate-limit-store.ts).
import { createHash } from 'node:crypto';

export interface BackoffPolicy {
  /** Counted attempts before the first wait. */
  free: number;
  /** The first wait; each further counted attempt doubles it ... */
  baseMs: number;
  /** ... up to this. */
  maxMs: number;
  /** A key with no counted attempt for this long is forgotten. */
  forgetMs: number;
}

export interface BackoffKey {
  key: string;
  policy: BackoffPolicy;
}

/** The counters (this process, or Redis). Every method is atomic on its own. */
export interface BackoffCounters {
  /**
   * When none of `keys` is waiting out a backoff: counts an attempt on each (starting a wait on those
   * past their free attempts) and answers 0. Otherwise counts nothing and answers the longest wait, in ms.
   */
  attempt(keys: readonly BackoffKey[], now: number): Promise<number>;
  clear(key: string): Promise<void>;
  /** Marks `key` for `ttlMs`. */
  remember(key: string, ttlMs: number): Promise<void>;
  remembered(key: string): Promise<boolean>;
}

export interface LoginThrottleSettings {
  attemptsBeforeBackoff: number;
  accountAttemptsBeforeBackoff: number;
}

export type LoginAdmission = { ok: true } | { ok: false; retryAfterMs: number };

const KNOWN_ADDRESS_MS = 30 * 86_400_000;

export class LoginThrottle {
  private readonly pairPolicy: BackoffPolicy;
  private readonly accountPolicy: BackoffPolicy;

  constructor(
    private readonly counters: BackoffCounters,
    settings: LoginThrottleSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.pairPolicy = { free: settings.attemptsBeforeBackoff, baseMs: 1_000, maxMs: 15 * 60_000, forgetMs: 24 * 3_600_000 };
    this.accountPolicy = { free: settings.accountAttemptsBeforeBackoff, baseMs: 60_000, maxMs: 30 * 60_000, forgetMs: 6 * 3_600_000 };
  }

  /** Before a password is checked: may this attempt go ahead? If so it has been counted. */
  async admit(email: string, address: string): Promise<LoginAdmission> {
    const k = keysOf(email, address);
    const keys: BackoffKey[] = [{ key: k.pair, policy: this.pairPolicy }];
    if (!(await this.counters.remembered(k.known))) keys.push({ key: k.account, policy: this.accountPolicy });
    const waitMs = await this.counters.attempt(keys, this.now());
    return waitMs > 0 ? { ok: false, retryAfterMs: waitMs } : { ok: true };
  }

  /** The password was right: this address starts afresh and is one the account is known to sign in from. */
  async succeeded(email: string, address: string): Promise<void> {
    const k = keysOf(email, address);
    await Promise.all([this.counters.clear(k.pair), this.counters.remember(k.known, KNOWN_ADDRESS_MS)]);
  }
}

function keysOf(email: string, address: string) {
  const account = createHash('sha256').update(email.trim().toLowerCase()).digest('base64url').slice(0, 22);
  // One account's keys share the braced part, so a Redis cluster keeps them in one slot (one script).
  return {
    pair: `login:{${account}}:from:${address}`,
    known: `login:{${account}}:known:${address}`,
    account: `login:{${account}}:account`,
  };
}

/** The wait a key starts after its `count`-th counted attempt (0 while it is within its free attempts). */
export function backoffMs(count: number, policy: BackoffPolicy): number {
  if (count < policy.free) return 0;
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(30, count - policy.free));
}

const MEMORY_MAX_KEYS = 100_000;

/** The counters of a single instance (no REDIS_URL). Bounded: the oldest keys go first when full. */
export class MemoryBackoffCounters implements BackoffCounters {
  private readonly entries = new Map<string, { count: number; waitUntil: number; expiresAt: number }>();
  private readonly marks = new Map<string, number>();

  constructor(private readonly clock: () => number = Date.now) {}

  attempt(keys: readonly BackoffKey[], now: number): Promise<number> {
    let wait = 0;
    for (const { key } of keys) {
      const entry = this.live(key, now);
      if (entry && entry.waitUntil > now) wait = Math.max(wait, entry.waitUntil - now);
    }
    if (wait > 0) return Promise.resolve(wait);
    for (const { key, policy } of keys) {
      const count = (this.live(key, now)?.count ?? 0) + 1;
      this.entries.delete(key); // re-inserted last: the Map's order is oldest-use first
      this.entries.set(key, { count, waitUntil: now + backoffMs(count, policy), expiresAt: now + policy.forgetMs });
    }
    trim(this.entries);
    return Promise.resolve(0);
  }

  clear(key: string): Promise<void> {
    this.entries.delete(key);
    return Promise.resolve();
  }

  remember(key: string, ttlMs: number): Promise<void> {
    this.marks.delete(key);
    this.marks.set(key, this.clock() + ttlMs);
    trim(this.marks);
    return Promise.resolve();
  }

  remembered(key: string): Promise<boolean> {
    return Promise.resolve((this.marks.get(key) ?? 0) > this.clock());
  }

  private live(key: string, now: number) {
    const entry = this.entries.get(key);
    return entry && entry.expiresAt > now ? entry : undefined;
  }
}

function trim(map: Map<string, unknown>): void {
  for (const key of map.keys()) {
    if (map.size <= MEMORY_MAX_KEYS) return;
    map.delete(key);
  }
}
